"""The land grid: every land layer as a named numpy array with declared units and dtype.

One typed container (STYLE.md 5) so that kernels receive plain arrays and no axis, unit or dtype can be
confused. Rows are ``y`` (north at row 0), columns ``x``. Cells outside the study area are marked by
``valid == False``: they are never simulated, built on or counted.

>>> grid = LandGrid.empty(3, 5, cell_size_m=100.0)
>>> grid.shape, grid.cell_area_m2, int(grid.valid.sum())
((3, 5), 10000.0, 15)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np


class LandCover(IntEnum):
    """Land cover classes, numbered as in SLEUTH's land-use layers (0 = unclassified / nodata)."""

    UNCLASSIFIED = 0
    URBAN = 1
    AGRICULTURE = 2
    GRASSLAND = 3  # SLEUTH's "range"
    FOREST = 4
    WATER = 5
    WETLAND = 6
    BARREN = 7


LAND_COVER_NAMES: dict[int, str] = {c.value: c.name.lower() for c in LandCover}

#: The floor-space uses tracked per cell.
FLOOR_USES: tuple[str, ...] = ("residential", "commercial", "industrial")


@dataclass(frozen=True)
class LayerInfo:
    """What a layer holds: its dtype, unit and one line on its meaning."""

    dtype: str
    units: str
    doc: str


#: The registry of grid layers: name -> dtype, units, meaning. `LandGrid` holds exactly these arrays.
LAYERS: dict[str, LayerInfo] = {
    "valid": LayerInfo("bool", "-", "inside the study area (False = outside / nodata, never simulated)"),
    "land_cover": LayerInfo("uint8", "class", "land cover class (LandCover codes)"),
    "slope": LayerInfo("float32", "percent", "terrain slope"),
    "excluded": LayerInfo("bool", "-", "never developable (water, protected, outside)"),
    "red_line": LayerInfo("bool", "-", "ecological red line: never built"),
    "farmland": LayerInfo("bool", "-", "permanent basic farmland (永久基本农田): never built, never afforested"),
    "growth_boundary": LayerInfo("bool", "-", "inside the urban growth boundary (True = may grow)"),
    "roads": LayerInfo("bool", "-", "cell carries a road"),
    "transit": LayerInfo("bool", "-", "cell has a transit stop or line"),
    "floor_residential": LayerInfo("float32", "m2", "residential floor area"),
    "floor_commercial": LayerInfo("float32", "m2", "commercial / office floor area"),
    "floor_industrial": LayerInfo("float32", "m2", "industrial floor area"),
    "floor_added": LayerInfo("float32", "m2", "floor area (all uses) added this tick"),
    "vintage": LayerInfo("float32", "year", "floor-area-weighted mean construction year (0 = none)"),
    "energy_factor": LayerInfo("float32", "-", "floor-weighted energy intensity multiplier of the standard built to"),
    "retrofit": LayerInfo("float32", "share", "share of the cell's floor area retrofitted"),
    "forest_age": LayerInfo("float32", "years", "age of the forest stand (0 where not forest)"),
    "rent": LayerInfo("float32", "CNY/m2/yr", "residential rent"),
    "urban_year": LayerInfo("int16", "year", "year the cell became urban (0 = not urban)"),
    "subcentre": LayerInfo("int16", "id", "designated centre the cell belongs to (0 = none, 1 = core)"),
}


class LandGrid:
    """All land layers of a region, one array per layer of the `LAYERS` registry, plus georeferencing.

    A layer reads as an attribute (``grid.land_cover``); the registry is the only list of layers, so a
    new layer is one entry there. Every layer has the shape of ``valid`` and its registered dtype.
    """

    def __init__(self, *, cell_size_m: float = 100.0, crs: str | None = None,
                 transform: tuple[float, ...] | None = None, metadata: dict[str, Any] | None = None,
                 **layers: np.ndarray) -> None:
        unknown = sorted(set(layers) - set(LAYERS))
        missing = sorted(set(LAYERS) - set(layers))
        if unknown or missing:
            raise ValueError(f"grid layers: unknown {unknown}, missing {missing}; the layers are {list(LAYERS)}")
        if not cell_size_m > 0:
            raise ValueError(f"cell_size_m must be > 0, got {cell_size_m}")
        object.__setattr__(self, "layers", {})
        self.cell_size_m = float(cell_size_m)
        self.crs = crs
        self.transform = transform  # affine (a, b, c, d, e, f) as in rasterio
        self.metadata = dict(metadata or {})
        shape = layers["valid"].shape if isinstance(layers["valid"], np.ndarray) else None
        for name in LAYERS:
            arr = layers[name]
            if not isinstance(arr, np.ndarray) or arr.shape != shape:
                got = getattr(arr, "shape", type(arr).__name__)
                raise ValueError(f"grid layer '{name}' has shape {got}; every layer must be {shape}")
            self.layers[name] = arr if arr.dtype == np.dtype(LAYERS[name].dtype) else arr.astype(LAYERS[name].dtype)

    def __getattr__(self, name: str) -> np.ndarray:
        layers = self.__dict__.get("layers")
        if layers is not None and name in layers:
            return layers[name]
        raise AttributeError(f"LandGrid has no layer or attribute {name!r}; the layers are {list(LAYERS)}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in LAYERS:
            if value.shape != self.shape:
                raise ValueError(f"grid layer '{name}' has shape {value.shape}; every layer must be {self.shape}")
            self.layers[name] = value
        else:
            object.__setattr__(self, name, value)

    @classmethod
    def empty(cls, rows: int, cols: int, cell_size_m: float = 100.0, **kwargs: Any) -> LandGrid:
        """A grid of farmland with nothing built, every cell valid."""
        layers = {name: np.zeros((rows, cols), dtype=info.dtype) for name, info in LAYERS.items()}
        layers["valid"][:] = True
        layers["growth_boundary"][:] = True
        layers["land_cover"][:] = LandCover.AGRICULTURE
        layers["energy_factor"][:] = 1.0
        return cls(**layers, cell_size_m=cell_size_m, **kwargs)

    @property
    def shape(self) -> tuple[int, int]:
        return self.valid.shape  # type: ignore[return-value]

    @property
    def cell_area_m2(self) -> float:
        return float(self.cell_size_m) ** 2

    @property
    def floor_total(self) -> np.ndarray:
        return self.floor_residential + self.floor_commercial + self.floor_industrial

    @property
    def urban(self) -> np.ndarray:
        return self.land_cover == LandCover.URBAN

    def layer_names(self) -> list[str]:
        return list(self.layers)

    def copy(self) -> LandGrid:
        arrays = {name: getattr(self, name).copy() for name in LAYERS}
        return LandGrid(**arrays, cell_size_m=self.cell_size_m, crs=self.crs, transform=self.transform,
                        metadata=dict(self.metadata))

    def to_xarray(self, names: list[str] | None = None):
        """The chosen layers as an xarray Dataset with named dims and units (I/O and app edges only)."""
        import xarray as xr

        names = names or list(LAYERS)
        rows, cols = self.shape
        s = self.cell_size_m
        if self.transform is not None:
            a, _, c, _, e, f = self.transform[:6]
            x = c + a * (np.arange(cols) + 0.5)
            y = f + e * (np.arange(rows) + 0.5)
        else:
            x = (np.arange(cols) + 0.5) * s
            y = (rows - np.arange(rows) - 0.5) * s
        data = {
            n: (("y", "x"), getattr(self, n).astype(np.uint8) if LAYERS[n].dtype == "bool" else getattr(self, n),
                {"units": LAYERS[n].units, "long_name": LAYERS[n].doc})
            for n in names
        }
        ds = xr.Dataset(data, coords={"y": ("y", y, {"units": "m"}), "x": ("x", x, {"units": "m"})})
        ds.attrs["cell_size_m"] = s
        if self.crs:
            ds.attrs["crs"] = self.crs
        return ds

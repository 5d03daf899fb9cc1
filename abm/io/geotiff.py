"""GeoTIFF stacks in, GeoTIFFs out, and vector layers (boundaries, red lines, zones) burnt onto the grid.

A GeoTIFF folder holds one single-band raster per layer and year, named like ``urban_1990.tif``
(``<layer>[_-.]<year>.tif``, optionally with a prefix such as ``city_urban_1990.tif``) for the yearly
layers ``urban``, ``roads`` and ``landuse``, and ``slope.tif`` / ``excluded.tif`` for the static ones.
Every raster must share one shape, transform and CRS. A band's nodata (or internal mask) marks cells
outside the study area. The result is a `abm.io.sleuth.SleuthSet`, so everything downstream (metrics,
`abm data describe`, `region_from_set`) treats GIF and GeoTIFF sources alike.

>>> from abm.io.geotiff import GEOTIFF_FILE
>>> GEOTIFF_FILE.match("urban_1990.tif").group("layer", "year")
('urban', '1990')
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from abm.errors import DataError, clip
from abm.grid import LandGrid
from abm.io.sleuth import SleuthSet, check_raster_size, region_from_set

#: ``[<prefix>_]<layer>[_<year>].tif``; other files are ignored.
GEOTIFF_FILE = re.compile(
    r"^(?:(?P<prefix>.*?)[._-])?(?P<layer>urban|roads|slope|excluded|landuse)(?:[._-]?(?P<year>\d{3,4}))?"
    r"\.tiff?$",
    re.IGNORECASE,
)

_YEARLY = ("urban", "roads", "landuse")
_STATIC = ("slope", "excluded")

PathLike = str | os.PathLike


def _crs_string(crs: Any) -> str | None:
    """A rasterio / pyproj CRS as ``"EPSG:n"`` when it has a code, else WKT; None when absent."""
    if crs is None:
        return None
    try:
        epsg = crs.to_epsg()
    except Exception:  # pragma: no cover - exotic CRS objects
        epsg = None
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _cell_size_from(transform: Any, crs: Any) -> float | None:
    """Cell width in metres when the CRS is projected in metres and cells are square, else None."""
    if crs is None or not getattr(crs, "is_projected", False):
        return None
    try:
        factor = crs.linear_units_factor[1]
    except Exception:
        factor = 1.0
    a, e = abs(transform.a), abs(transform.e)
    if transform.b or transform.d or not math.isclose(a, e, rel_tol=1e-6):
        return None
    return float(a * factor)


class _StackReader:
    """Reads single-band rasters and refuses one whose shape, transform or CRS differ from the first."""

    def __init__(self) -> None:
        self.first: Path | None = None
        self.shape: tuple[int, int] | None = None
        self.transform: Any = None
        self.crs: Any = None
        self.outside: np.ndarray | None = None

    def read(self, path: Path) -> np.ndarray:
        import rasterio
        from rasterio.errors import RasterioIOError

        try:
            with rasterio.open(path) as src:
                if src.count < 1:
                    raise DataError(f"{path}: the raster has no band (fix: export one band per layer)")
                check_raster_size(path, src.height, src.width)  # from the header, before decoding
                data = src.read(1)
                mask = src.read_masks(1) == 0
                if src.nodata is not None and np.issubdtype(data.dtype, np.floating) and math.isnan(src.nodata):
                    mask |= np.isnan(data)
                shape, transform, crs = (src.height, src.width), src.transform, src.crs
        except DataError:
            raise
        except (RasterioIOError, OSError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise DataError(f"{path}: cannot read it as a GeoTIFF ({reason}) (fix: check the file, "
                            "e.g. with gdalinfo, and re-export it)") from None
        if self.first is None:
            self.first, self.shape, self.transform, self.crs = path, shape, transform, crs
            self.outside = np.zeros(shape, dtype=bool)
        else:
            ref = self.first.name
            if shape != self.shape:
                raise DataError(f"{path}: {shape[0]} rows x {shape[1]} columns, but {ref} has "
                                f"{self.shape[0]} x {self.shape[1]} (fix: resample every layer to one grid)")
            if not transform.almost_equals(self.transform):
                raise DataError(f"{path}: its transform {tuple(transform)[:6]} differs from {ref}'s "
                                f"{tuple(self.transform)[:6]} (fix: align every layer to one grid, e.g. "
                                "gdalwarp -te ... -tr ...)")
            if (crs is None) != (self.crs is None) or (crs is not None and crs != self.crs):
                raise DataError(f"{path}: its CRS {_crs_string(crs)} differs from {ref}'s "
                                f"{_crs_string(self.crs)} (fix: reproject every layer to one CRS)")
        assert self.outside is not None
        self.outside |= mask
        return data


def _as_uint8(data: np.ndarray) -> np.ndarray:
    if data.dtype == np.uint8:
        return data.copy()
    clean = np.nan_to_num(data.astype(np.float64), nan=0.0) if np.issubdtype(data.dtype, np.floating) else data
    return np.clip(clean, 0, 255).astype(np.uint8)


def discover_geotiffs(directory: PathLike) -> dict[str, dict[int | None, Path]]:
    """``{layer: {year or None: path}}`` for the GeoTIFFs of a folder (see `GEOTIFF_FILE`)."""
    root = Path(directory)
    found: dict[str, dict[int | None, Path]] = {}
    for f in sorted(root.iterdir()):
        m = GEOTIFF_FILE.match(f.name)
        if m and f.is_file():
            year = int(m["year"]) if m["year"] is not None else None
            found.setdefault(m["layer"].lower(), {})[year] = f
    return found


def read_geotiff_stack(
    source: PathLike | Mapping[int, PathLike],
    *,
    slope: PathLike | None = None,
    excluded: PathLike | None = None,
    roads: PathLike | Mapping[int, PathLike] | None = None,
    landuse: PathLike | Mapping[int, PathLike] | None = None,
    name: str | None = None,
) -> SleuthSet:
    """Read urban maps by year plus optional static layers from GeoTIFFs into a `SleuthSet`.

    ``source`` is a folder (files found by name, see `GEOTIFF_FILE`) or a ``{year: path}`` mapping of
    urban maps. The keyword layers add to (or override) what the folder holds; ``roads`` / ``landuse``
    take a path (used for the first urban year) or a ``{year: path}`` mapping. Urban = non-zero; roads,
    excluded and land use are clipped to 0-255 and kept raw as uint8; slope is float32. Cells that are
    nodata (or masked) in any band are outside the study area (``valid`` False, never urban, slope 0).
    The set keeps the CRS (``"EPSG:n"`` or WKT) and the affine transform (6-tuple); its cell size is
    the pixel width when the CRS is projected.

    Raises `DataError` naming the file and the fix for a missing folder, no urban map, an unreadable
    raster, or rasters that differ in shape, transform or CRS.
    """
    root, layers = _stack_layers(source, slope=slope, excluded=excluded, roads=roads, landuse=landuse)
    urban_files = {y: f for y, f in layers.get("urban", {}).items() if y is not None}
    if not urban_files:
        raise DataError(f"{root}: no urban maps named urban_<year>.tif (fix: add at least one, e.g. "
                        "urban_1990.tif, or pass a {year: path} mapping)")
    reader = _StackReader()
    raw = _read_layers(reader, layers, urban_files)
    return _stack_set(raw, reader, layers, root, name)


#: Files of a stack by layer and year (None: a static layer, or a yearly one standing for the first year).
Layers = dict[str, dict[int | None, Path]]


@dataclass
class RawLayers:
    """The rasters of a stack as read, before the study area is applied (None: the layer is absent)."""

    urban: dict[int, np.ndarray]
    roads: dict[int, np.ndarray]
    landuse: dict[int, np.ndarray]
    slope: np.ndarray | None
    excluded: np.ndarray | None


def _stack_layers(source: PathLike | Mapping[int, PathLike], *, slope: PathLike | None,
                  excluded: PathLike | None, roads: PathLike | Mapping[int, PathLike] | None,
                  landuse: PathLike | Mapping[int, PathLike] | None) -> tuple[Path, Layers]:
    """(root folder, files by layer and year): the folder's GeoTIFFs or the urban mapping, then the keyword layers."""
    if isinstance(source, Mapping):
        layers: Layers = {"urban": {int(y): Path(p) for y, p in source.items()}}
        root = Path(os.path.commonpath([str(Path(p).resolve().parent) for p in source.values()])) if source \
            else Path(".")
    else:
        root = Path(source)
        if not root.exists():
            raise DataError(f"{root}: no such directory (fix: give the folder holding urban_<year>.tif files)")
        if not root.is_dir():
            raise DataError(f"{root}: not a directory (fix: give the folder holding urban_<year>.tif files, "
                            "or a {year: path} mapping)")
        layers = discover_geotiffs(root)
    for layer, value in (("slope", slope), ("excluded", excluded)):
        if value is not None:
            layers[layer] = {None: Path(value)}
    for layer, value in (("roads", roads), ("landuse", landuse)):
        if isinstance(value, Mapping):
            layers[layer] = {int(y): Path(p) for y, p in value.items()}
        elif value is not None:
            layers[layer] = {None: Path(value)}
    return root, layers


def _read_layers(reader: _StackReader, layers: Layers, urban_files: dict[int, Path]) -> RawLayers:
    """Read every layer through one reader (urban maps first: the first one sets the grid the rest must match)."""
    first_year = min(urban_files)
    urban = {y: reader.read(f) for y, f in sorted(urban_files.items())}
    roads = _read_yearly(reader, layers, "roads", first_year)
    landuse = _read_yearly(reader, layers, "landuse", first_year)
    return RawLayers(urban, roads, landuse, _read_static(reader, layers, "slope"),
                     _read_static(reader, layers, "excluded"))


def _read_yearly(reader: _StackReader, layers: Layers, layer: str, first_year: int) -> dict[int, np.ndarray]:
    """A yearly layer as uint8 by year; a map without a year stands for the first urban year."""
    by_year = {(first_year if y is None else y): f for y, f in layers.get(layer, {}).items()}
    return {y: _as_uint8(reader.read(f)) for y, f in sorted(by_year.items())}


def _read_static(reader: _StackReader, layers: Layers, layer: str) -> np.ndarray | None:
    """A static layer's raster (its undated file, else its first), None without one."""
    files = layers.get(layer, {})
    if not files:
        return None
    f = files.get(None, next(iter(files.values())))
    return reader.read(f)


def _stack_set(raw: RawLayers, reader: _StackReader, layers: Layers, root: Path, name: str | None) -> SleuthSet:
    """The SleuthSet: cells nodata in any band are outside (never urban, slope 0); what is missing is named."""
    shape = reader.shape
    assert shape is not None and reader.outside is not None
    valid = ~reader.outside
    missing = [layer for layer, arr in (("slope", raw.slope), ("excluded", raw.excluded)) if arr is None]
    missing += [layer for layer in ("roads", "landuse") if not layers.get(layer)]
    slope_arr = (np.zeros(shape, np.float32) if raw.slope is None
                 else np.nan_to_num(raw.slope.astype(np.float32), nan=0.0))
    slope_arr[~valid] = 0.0
    excluded_arr = np.zeros(shape, np.uint8) if raw.excluded is None else _as_uint8(raw.excluded)
    urban = {y: (np.nan_to_num(u) != 0) & valid for y, u in raw.urban.items()}
    files = {f"{layer}.{y}" if y is not None else layer: str(f)
             for layer, by_year in layers.items() for y, f in by_year.items()}
    return SleuthSet(
        name=name or (root.resolve().name if root != Path(".") else "geotiff"),
        path=root,
        urban=urban,
        roads=raw.roads,
        slope=slope_arr,
        excluded=excluded_arr,
        landuse=raw.landuse,
        valid=valid,
        prefix="",
        crs=_crs_string(reader.crs),
        transform=tuple(float(v) for v in tuple(reader.transform)[:6]),
        cell_size_m=_cell_size_from(reader.transform, reader.crs),
        files=files,
        missing=tuple(missing),
        source="geotiff",
    )


def geotiff_region(
    source: PathLike | Mapping[int, PathLike] | SleuthSet,
    year: int | None = None,
    cell_size_m: float | None = None,
    **layers: Any,
) -> tuple[LandGrid, SleuthSet]:
    """Read a GeoTIFF stack (`read_geotiff_stack`, keyword layers passed on) and build its LandGrid.

    The grid keeps the rasters' CRS and transform; ``cell_size_m`` defaults to the pixel width of a
    projected CRS, else 100 m. Layers are derived as in `abm.io.sleuth.region_from_set`.
    """
    sset = source if isinstance(source, SleuthSet) else read_geotiff_stack(source, **layers)
    return region_from_set(sset, year, cell_size_m), sset


# ------------------------------------------------------------------------------------------ vectors
def grid_transform(grid: LandGrid):
    """The grid's affine transform; without one, a local metric frame matching `LandGrid.to_xarray`."""
    from rasterio.transform import Affine

    if grid.transform is not None:
        return Affine(*grid.transform[:6])
    rows, _ = grid.shape
    s = float(grid.cell_size_m)
    return Affine(s, 0.0, 0.0, 0.0, -s, rows * s)


def rasterize_vector(
    path_or_gdf: Any,
    grid: LandGrid,
    attribute: str | None = None,
    all_touched: bool = False,
    layer: str | None = None,
) -> np.ndarray:
    """Burn vector features onto the grid: a growth boundary, an ecological red line, zones.

    ``path_or_gdf`` is a GeoDataFrame or a file geopandas reads (GeoPackage, GeoJSON, shapefile;
    ``layer`` picks a GeoPackage layer). Without ``attribute`` the result is a bool array, True on cells
    whose centre lies in a feature (every touched cell with ``all_touched``); with ``attribute`` it holds
    that numeric column's value (int32 or float32, later features over earlier ones, 0 elsewhere).
    Features are reprojected to the grid CRS when both have one; a grid without a transform is taken
    as the local metric frame of `LandGrid.to_xarray` (x east from 0, y north from 0, in metres).
    """
    import geopandas as gpd
    from rasterio import features

    if isinstance(path_or_gdf, gpd.GeoDataFrame | gpd.GeoSeries):
        gdf = path_or_gdf
        label = "the GeoDataFrame"
    else:
        label = clip(str(path_or_gdf), 100)
        gdf = _read_vector(Path(path_or_gdf), label, layer)
    if isinstance(gdf, gpd.GeoSeries):
        gdf = gpd.GeoDataFrame(geometry=gdf)
    if gdf.crs is not None and grid.crs:
        gdf = gdf.to_crs(grid.crs)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]

    transform = grid_transform(grid)
    shape = grid.shape
    if attribute is None:
        if gdf.empty:
            return np.zeros(shape, dtype=bool)
        burnt = features.rasterize(((geom, 1) for geom in gdf.geometry), out_shape=shape, transform=transform,
                                   fill=0, all_touched=all_touched, dtype="uint8")
        return burnt.astype(bool)
    if attribute not in gdf.columns:
        cols = ", ".join(c for c in gdf.columns if c != gdf.geometry.name) or "none"
        raise DataError(f"{label}: no attribute '{attribute}' (columns: {cols}) (fix: name one of the columns)")
    column = gdf[attribute]
    if column.dtype == bool:
        column = column.astype(np.int32)
    if not np.issubdtype(column.dtype, np.number):
        raise DataError(f"{label}: attribute '{attribute}' is not numeric (fix: use a numeric column, e.g. "
                        "a zone code)")
    dtype = "int32" if np.issubdtype(column.dtype, np.integer) else "float32"
    if gdf.empty:
        return np.zeros(shape, dtype=dtype)
    shapes = ((geom, value) for geom, value in zip(gdf.geometry, column.to_numpy(), strict=True)
              if not (isinstance(value, float) and math.isnan(value)))
    return features.rasterize(shapes, out_shape=shape, transform=transform, fill=0, all_touched=all_touched,
                              dtype=dtype)


#: File endings of raster images: given where a vector layer is expected, they are refused by name.
RASTER_SUFFIXES = (".tif", ".tiff", ".gif", ".png", ".jpg", ".jpeg", ".img", ".asc", ".nc", ".vrt")


def read_vector(path: str | Path, layer: str | None = None):
    """A vector file as a GeoDataFrame; an empty file, a raster, a table or garbage is a DataError (one line)."""
    return _read_vector(Path(path), clip(str(path), 100), layer)


def _read_vector(path: Path, label: str, layer: str | None):
    """A vector file as a GeoDataFrame with geometries; anything else (a raster, a table, garbage) is a DataError."""
    import geopandas as gpd

    fix = "(fix: draw it as polygons and save them as GeoPackage or GeoJSON)"
    if not path.is_file():
        raise DataError(f"{label}: file not found (fix: check the path of the vector layer)")
    if path.stat().st_size == 0:  # GDAL's own words for it run to 200 characters of driver advice
        raise DataError(f"{label}: is an empty file (0 bytes), not a vector layer {fix}")
    if path.suffix.lower() in RASTER_SUFFIXES:
        raise DataError(f"{label}: is a raster image, not a vector layer {fix}")
    try:
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as err:  # noqa: BLE001 - GDAL, fiona, pyogrio and pandas each raise their own
        reason = clip(str(err).splitlines()[0] if str(err) else type(err).__name__, 120)
        raise DataError(f"{label}: cannot read it as a vector layer ({reason}) {fix}") from None
    try:
        has_geometry = isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry is not None
    except AttributeError:  # a GeoDataFrame without an active geometry column
        has_geometry = False
    if not has_geometry:
        raise DataError(f"{label}: holds no geometries (a table, not a vector layer) {fix}")
    return gdf


# ------------------------------------------------------------------------------------------- output
def write_geotiff(path: PathLike, array: np.ndarray, grid: LandGrid, nodata: float | None = None,
                  tags: dict[str, str] | None = None) -> Path:
    """Write a 2-D array (or ``(bands, rows, cols)``) as a GeoTIFF on the grid, atomically (abm.atomic).

    The grid's CRS and transform are written when present (else the local metric frame of
    `grid_transform`, without CRS). Bool arrays become uint8; `tags` go on the first band.
    """
    import rasterio

    from abm.atomic import atomic_write_bytes

    target = Path(path)
    arr = np.asarray(array)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3 or arr.shape[1:] != grid.shape:
        raise ValueError(f"array of shape {np.asarray(array).shape} does not match the grid {grid.shape}")
    profile: dict[str, Any] = {
        "driver": "GTiff", "height": arr.shape[1], "width": arr.shape[2], "count": arr.shape[0],
        "dtype": arr.dtype.name, "transform": grid_transform(grid), "compress": "deflate",
    }
    if grid.crs:
        profile["crs"] = grid.crs
    if nodata is not None:
        profile["nodata"] = nodata

    from rasterio.io import MemoryFile

    with MemoryFile() as memory:  # built in memory: its size is checked against the free space first
        with memory.open(**profile) as dst:
            dst.write(arr)
            if tags:
                dst.update_tags(1, **tags)
        data = memory.read()
    atomic_write_bytes(target, data)
    return target


__all__ = [
    "GEOTIFF_FILE",
    "discover_geotiffs",
    "geotiff_region",
    "grid_transform",
    "rasterize_vector",
    "read_geotiff_stack",
    "read_vector",
    "write_geotiff",
]

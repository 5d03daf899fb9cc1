"""What a run leaves behind: time series, inflection events, grid snapshots, final map, manifest.

Every file is written under a temporary name and renamed into place (abm.atomic), so a killed run
never leaves a half file; the manifest is written last and marks a complete run.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from abm.atomic import atomic_write, atomic_write_text

if TYPE_CHECKING:
    from abm.model import UrbanModel

#: Layers kept in grid snapshots (plus households per cell and emissions/sink per cell).
SNAPSHOT_LAYERS = ("land_cover", "floor_residential", "floor_commercial", "floor_industrial", "urban_year",
                   "transit", "subcentre", "rent")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("abm", "mesa", "numpy", "numba", "scipy", "pandas", "xarray", "rasterio", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def timeseries_frame(model: UrbanModel) -> pd.DataFrame:
    return pd.DataFrame.from_records(model.records)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


class SnapshotRecorder:
    """Collects grid snapshots every `every` ticks (and the last tick) for `grids.nc`."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.frames: list[Any] = []
        self.ticks: list[int] = []

    def maybe_record(self, model: UrbanModel, final: bool = False) -> None:
        if model.tick in self.ticks or (model.tick % self.every and not final):
            return
        ds = model.grid.to_xarray(list(SNAPSHOT_LAYERS))
        hh = np.bincount(model.households.home, minlength=model.grid.valid.size).reshape(model.grid.shape)
        ds["households"] = (("y", "x"), hh.astype(np.int32), {"units": "households"})
        carbon = getattr(model, "carbon", None)
        if carbon is not None:
            ds["emissions"] = (("y", "x"), carbon.emissions_cell_t, {"units": "tCO2/yr"})
            ds["sink"] = (("y", "x"), carbon.sink_cell_t, {"units": "tCO2/yr"})
        self.frames.append(ds)
        self.ticks.append(model.tick)

    def write(self, path: Path, start_year: int) -> None:
        import xarray as xr

        ds = xr.concat(self.frames, dim="tick", combine_attrs="override")
        ds = ds.assign_coords(tick=("tick", np.array(self.ticks)), year=("tick", np.array(self.ticks) + start_year))
        encoding = {name: {"zlib": True, "complevel": 4} for name in ds.data_vars}
        atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding))


def write_final_tif(model: UrbanModel, path: Path) -> None:
    """Land use at the end of the run as a GeoTIFF (0 = outside the study area), with CRS if known."""
    import rasterio
    from rasterio.transform import Affine

    g = model.grid
    data = np.where(g.valid, g.land_cover, 0).astype(np.uint8)
    transform = Affine(*g.transform[:6]) if g.transform else Affine(g.cell_size_m, 0, 0, 0, -g.cell_size_m, g.shape[0] * g.cell_size_m)

    def writer(tmp: Path) -> None:
        with rasterio.open(tmp, "w", driver="GTiff", height=g.shape[0], width=g.shape[1], count=1, dtype="uint8",
                           crs=g.crs, transform=transform, nodata=0, compress="deflate") as dst:
            dst.write(data, 1)
            dst.update_tags(1, legend="0 outside/unclassified, 1 urban, 2 agriculture, 3 grassland, 4 forest, 5 water, 6 wetland, 7 barren")

    atomic_write(path, writer)


def write_manifest(model: UrbanModel, path: Path, files: list[str], extra: dict[str, Any] | None = None) -> None:
    manifest = {
        "scenario": model.config.to_dict(),
        "scenario_file": model.config.source,
        "seed": model.seed_value,
        "ticks": model.tick,
        "start_year": model.config.run.start_year,
        "end_year": model.year,
        "files": files,
        "versions": versions(),
    }
    manifest.update(extra or {})
    atomic_write_text(path, json.dumps(manifest, indent=2, default=_json_default))


def write_events(events: list[dict[str, Any]], path: Path) -> None:
    atomic_write_text(path, json.dumps(events, indent=2, default=_json_default))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

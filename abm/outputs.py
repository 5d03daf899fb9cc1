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
from abm.grid import LAND_COVER_NAMES

if TYPE_CHECKING:
    from abm.model import UrbanModel

#: Layers kept in grid snapshots (plus households per cell, emissions/sink per cell and carbon storage).
SNAPSHOT_LAYERS = ("land_cover", "floor_residential", "floor_commercial", "floor_industrial", "urban_year",
                   "transit", "subcentre", "rent", "forest_age")


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
        # a deep copy: the layers are the model's live arrays, which the next ticks change in place
        ds = model.grid.to_xarray(list(SNAPSHOT_LAYERS)).copy(deep=True)
        hh = np.bincount(model.households.home, minlength=model.grid.valid.size).reshape(model.grid.shape)
        ds["households"] = (("y", "x"), hh.astype(np.int32), {"units": "households"})
        carbon = getattr(model, "carbon", None)
        if carbon is not None:
            ds["emissions"] = (("y", "x"), carbon.emissions_cell_t, {"units": "tCO2/yr"})
            ds["sink"] = (("y", "x"), carbon.sink_cell_t, {"units": "tCO2/yr"})
            if carbon.storage_cell_tc_ha is not None:  # astype copies it: the model changes it in place
                ds["carbon_storage"] = (("y", "x"), carbon.storage_cell_tc_ha.astype(np.float32), {"units": "tC/ha"})
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
    from abm.io.geotiff import write_geotiff

    g = model.grid
    legend = ", ".join(f"{code} {name}" for code, name in LAND_COVER_NAMES.items())
    write_geotiff(path, np.where(g.valid, g.land_cover, 0).astype(np.uint8), g, nodata=0,
                  tags={"legend": legend + " (0 also outside the study area)"})


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

"""What a run leaves behind: time series, inflection events, grid snapshots, final map, manifest.

The run's folder is built in a hidden sibling and swapped in whole (abm.atomic.staged_folder), so a
killed run leaves the previous run's folder or the new one, never a mix. Each run draws a run id
(`new_run_id`) that the manifest carries and every other file too: Parquet key-value metadata,
a NetCDF attribute, a GeoTIFF tag, a field of each JSON object, a PNG text chunk; the manifest also
holds each file's SHA-256. `check_run_folder` reads them back and says whether a folder is one run.
"""

from __future__ import annotations

import json
import platform
import re
import secrets
import struct
import time
import zlib
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from abm import atomic
from abm.atomic import NO_SPACE, atomic_write_bytes, atomic_write_text, no_space, sha256_file
from abm.errors import DataError
from abm.grid import LAND_COVER_NAMES

if TYPE_CHECKING:
    from abm.model import UrbanModel

#: Layers kept in grid snapshots (plus households per cell, emissions/sink per cell and carbon storage).
SNAPSHOT_LAYERS = ("land_cover", "floor_residential", "floor_commercial", "floor_industrial", "urban_year",
                   "transit", "subcentre", "rent", "forest_age")

#: Every file `abm run` may write into its folder (the folder may hold nothing else: abm.atomic).
RUN_FILES = frozenset({"timeseries.parquet", "events.json", "grids.nc", "final.tif", "manifest.json",
                       "emissions.png"})
#: Files that carry the run id inside them (a CSV cannot: the manifest's SHA-256 vouches for it).
CARRIES_RUN_ID = (".parquet", ".json", ".nc", ".tif", ".png", ".toml")
_PNG = b"\x89PNG\r\n\x1a\n"
_TOML_ID = re.compile(r'^# run_id = "([^"]+)"', re.M)


def owns_run_file(name: str) -> bool:
    """Whether `name` in a run folder is an output of `abm run` (what a rerun may replace)."""
    return name in RUN_FILES


def new_run_id() -> str:
    """When and which: UTC time to the second plus 8 random hex digits, e.g. ``20250101T120000Z-1a2b3c4d``.

    Metadata only: two runs of one scenario and seed differ in it and in nothing else.
    """
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(4)


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


def write_parquet(df: pd.DataFrame, path: Path, run_id: str | None = None) -> None:
    """The frame as Parquet; `run_id` goes into the file's key-value metadata, never into the table.

    Built in memory, then written (abm.atomic.atomic_write_bytes): a full disk is refused before writing.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    if run_id is not None:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"run_id": run_id.encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write_bytes(path, sink.getvalue())


class SnapshotRecorder:
    """Writes grid snapshots every `every` ticks (and the last tick) into `grids.nc` as they are taken.

    Why: a run's history of full-grid frames does not fit in memory at scale (a 4000 x 4000 region:
    ~0.6 GB a frame). Each frame goes to the file when it is recorded (h5netcdf: an unlimited ``tick``
    dimension, each layer a compressed chunked variable), so memory holds one frame. The file is
    written inside the run's staged folder, which replaces the run's folder whole at the end
    (abm.atomic.staged_folder): a killed run leaves no partial grids.nc where a reader looks. Before
    each frame the free space is checked against its uncompressed size (compression only shrinks it):
    a full disk is the one-line NoSpaceError, never HDF5's crash (it segfaulted out of space).
    """

    def __init__(self, every: int, path: str | Path) -> None:
        self.every = every
        self.path = Path(path)
        self.ticks: list[int] = []
        self._file: Any = None

    def maybe_record(self, model: UrbanModel, final: bool = False) -> None:
        if model.tick in self.ticks or (model.tick % self.every and not final):
            return
        layers, coords, attrs = snapshot_frame(model)
        needed = sum(a.nbytes for a, _ in layers.values()) + (1 << 16)  # + HDF5's own metadata
        try:
            atomic.ensure_space(self.path, needed)
            self._append(model.tick, layers, coords, attrs)
        except (OSError, atomic.NoSpaceError) as err:
            self.abandon()
            if isinstance(err, OSError) and err.errno in NO_SPACE:
                raise no_space(self.path, needed) from None
            raise
        self.ticks.append(model.tick)

    def _append(self, tick: int, layers: dict, coords: dict, attrs: dict) -> None:
        import h5netcdf

        if self._file is None:
            rows, cols = next(iter(layers.values()))[0].shape
            f = h5netcdf.File(self.path, "w")
            f.dimensions = {"tick": None, "y": rows, "x": cols}
            for name, (values, units) in coords.items():
                f.create_variable(name, (name,), data=values).attrs["units"] = units
            f.create_variable("tick", ("tick",), np.int64)
            f.create_variable("year", ("tick",), np.int64)
            chunks = (1, min(rows, 1024), min(cols, 1024))
            for name, (values, meta) in layers.items():
                var = f.create_variable(name, ("tick", "y", "x"), values.dtype, chunks=chunks,
                                        compression="gzip", compression_opts=4)
                var.attrs.update({**meta, "coordinates": "year"})
            f.attrs.update(attrs)
            self._file = f
        f = self._file
        k = len(self.ticks)
        f.resize_dimension("tick", k + 1)
        f.variables["tick"][k] = tick
        for name, (values, _) in layers.items():
            f.variables[name][k] = values

    def finish(self, start_year: int, run_id: str | None = None) -> None:
        """Write the years and the run id, and close the file."""
        if self._file is None:
            raise ValueError("no snapshot was recorded")
        try:
            self._file.variables["year"][:] = np.asarray(self.ticks, np.int64) + start_year
            if run_id is not None:
                self._file.attrs["run_id"] = run_id
            self._file.close()
            self._file = None
        except OSError as err:
            self.abandon()
            if err.errno in NO_SPACE:
                raise no_space(self.path) from None
            raise

    def abandon(self) -> None:
        """Close and remove a file that will not be finished (an error, a full disk)."""
        if self._file is not None:
            try:
                self._file.close()
            except (OSError, ValueError, RuntimeError):
                pass
            self._file = None
        self.path.unlink(missing_ok=True)


def snapshot_frame(model: UrbanModel) -> tuple[dict[str, tuple[np.ndarray, dict]], dict, dict]:
    """One snapshot: the layers (values and attributes), the x / y coordinates and the file's attributes."""
    ds = model.grid.to_xarray(list(SNAPSHOT_LAYERS))
    layers = {name: (ds[name].values, dict(ds[name].attrs)) for name in ds.data_vars}
    layers["households"] = (model.households_per_cell.reshape(model.grid.shape).astype(np.int32, copy=False),
                            {"units": "households"})
    carbon = getattr(model, "carbon", None)
    if carbon is not None:
        layers["emissions"] = (carbon.emissions_cell_t, {"units": "tCO2/yr"})
        layers["sink"] = (carbon.sink_cell_t, {"units": "tCO2/yr"})
        if carbon.storage_cell_tc_ha is not None:
            layers["carbon_storage"] = (carbon.storage_cell_tc_ha.astype(np.float32), {"units": "tC/ha"})
    coords = {"y": (ds["y"].values, "m"), "x": (ds["x"].values, "m")}
    return layers, coords, dict(ds.attrs)


def write_final_tif(model: UrbanModel, path: Path, run_id: str | None = None) -> None:
    """Land use at the end of the run as a GeoTIFF (0 = outside the study area), with CRS if known."""
    from abm.io.geotiff import write_geotiff

    g = model.grid
    legend = ", ".join(f"{code} {name}" for code, name in LAND_COVER_NAMES.items())
    tags = {"legend": legend + " (0 also outside the study area)"}
    write_geotiff(path, np.where(g.valid, g.land_cover, 0).astype(np.uint8), g, nodata=0,
                  tags=tags if run_id is None else {**tags, "run_id": run_id})


def write_manifest(model: UrbanModel, path: Path, files: list[str], extra: dict[str, Any] | None = None,
                   run_id: str | None = None) -> None:
    """The run as resolved (written last: it lists the files, with the run id and each one's SHA-256)."""
    manifest = {
        "run_id": run_id,
        "scenario": model.config.to_dict(),
        "scenario_file": model.config.source,
        "seed": model.seed_value,
        "ticks": model.tick,
        "start_year": model.config.run.start_year,
        "end_year": model.year,
        "files": files,
        "sha256": vouch(path.parent, [f for f in files if f != path.name]),
        "versions": versions(),
    }
    manifest.update(extra or {})
    atomic_write_text(path, json.dumps(manifest, indent=2, default=_json_default))


def write_events(events: list[dict[str, Any]], path: Path, run_id: str | None = None) -> None:
    """events.json stays a list of event objects; with `run_id` each one carries it as a field."""
    if run_id is not None:
        events = [{**e, "run_id": run_id} for e in events]
    atomic_write_text(path, json.dumps(events, indent=2, default=_json_default))


def vouch(folder: Path, files: list[str]) -> dict[str, str]:
    """SHA-256 of each named file of `folder`: what a manifest says its folder holds."""
    return {name: sha256_file(Path(folder) / name) for name in files}


def stamp_png(path: Path, run_id: str) -> None:
    """Put ``run_id`` into the PNG as a tEXt chunk (right after the header; the image is unchanged)."""
    data = Path(path).read_bytes()
    if data[:8] != _PNG:
        raise DataError(f"{path}: not a PNG file")
    head_end = 8 + 12 + struct.unpack(">I", data[8:12])[0]  # signature, then IHDR: length, type, data, CRC
    body = b"run_id\0" + run_id.encode("latin-1")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    atomic_write_bytes(path, data[:head_end] + chunk + data[head_end:])


def png_text(path: Path) -> dict[str, str]:
    """The tEXt chunks of a PNG file as a dict."""
    data, pos, out = Path(path).read_bytes(), 8, {}
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"tEXt":
            key, _, value = data[pos + 8:pos + 8 + length].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        if kind == b"IEND":
            break
        pos += 12 + length
    return out


def read_run_id(path: str | Path) -> str | None:
    """The run id a file carries (None if it carries none, or, in a JSON list, not one for all)."""
    path = Path(path)
    suffix = path.suffix
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        raw = (pq.read_schema(path).metadata or {}).get(b"run_id")
        return None if raw is None else raw.decode()
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        ids = {e.get("run_id") if isinstance(e, dict) else None for e in data} if isinstance(data, list) else \
            {data.get("run_id") if isinstance(data, dict) else None}
        return ids.pop() if len(ids) == 1 else None
    if suffix == ".nc":
        import xarray as xr

        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return ds.attrs.get("run_id")
    if suffix == ".tif":
        import rasterio

        with rasterio.open(path) as src:
            return src.tags(1).get("run_id")
    if suffix == ".png":
        return png_text(path).get("run_id")
    if suffix == ".toml":
        m = _TOML_ID.search(path.read_text(encoding="utf-8"))
        return m[1] if m else None
    return None


def check_run_folder(folder: str | Path, manifest: str = "manifest.json") -> str:
    """Return the run id if `folder` holds exactly one run's complete outputs, else raise DataError.

    One run: the manifest lists every file in the folder and nothing is missing, each file matches
    the SHA-256 the manifest holds for it, and each file that can carry a run id carries the manifest's.
    """
    folder = Path(folder)
    try:
        man = json.loads((folder / manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(f"{folder}: no readable {manifest}, so not a finished run ({err})") from None
    run_id, listed, digests = man.get("run_id"), list(man.get("files", [])), man.get("sha256", {})
    present = {p.name for p in folder.iterdir()}
    problems = [f"{n} is missing" for n in listed if n not in present]
    problems += [f"{n} is not in the manifest" for n in sorted(present - set(listed))]
    if not run_id:
        problems.append(f"{manifest} has no run id")
    for name in (n for n in listed if n != manifest and n in present):
        if name not in digests or sha256_file(folder / name) != digests[name]:
            problems.append(f"{name} is not the file the manifest vouches for")
        elif name.endswith(CARRIES_RUN_ID) and read_run_id(folder / name) != run_id:
            problems.append(f"{name} carries run id {read_run_id(folder / name)!r}, not {run_id!r}")
    if problems:
        raise DataError(f"{folder}: not one run's outputs: " + "; ".join(problems))
    return run_id


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

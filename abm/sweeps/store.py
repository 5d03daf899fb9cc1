"""Storing a sweep: one Parquet file and one record per run, a plan, and a summary rebuilt from the records.

Written into the output folder, all atomically (abm.atomic):

- ``runs/scenario=<name>/<run_id>.parquet`` the run's time series with run_id / seed / point /
  parameter columns, a Hive-partitioned dataset: ``pandas.read_parquet(out / "runs")`` (or dask's,
  or pyarrow.dataset's with partitioning="hive") adds the scenario column from the folder names;
- ``records/<run_id>.json`` the run's small record: status ok / error, the error, the summary values;
  written last, so it marks a finished run (resuming skips runs with a record, `finished_runs`);
- ``snapshots/scenario=<name>/<run_id>/`` a full run folder (grids.nc, final.tif, ...) where asked;
- ``plan.parquet`` every planned run, ``sweep.json`` the resolved sweep, and ``summary.parquet`` one
  row per run rebuilt from the records, sorted by run_id (`rebuild_summary`).

`load_sweep` and `load_timeseries` read a folder back.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.atomic import atomic_write, atomic_write_text
from abm.errors import ConfigError
from abm.sweeps.plan import PlannedRun
from abm.sweeps.spec import SweepSpec, is_int, is_number

__all__ = ["load_sweep", "load_timeseries", "rebuild_summary", "finished_runs", "store_run", "write_plan",
           "remove_partial_files", "FolderLock", "run_file", "snapshot_dir", "record_file", "metric_columns",
           "POINTS", "METRICS"]

#: The five inflection points a run's summary reports (abm.inflection).
POINTS = (1, 2, 3, 4, 5)
#: The summary values of a run besides the inflection points (abm.sweeps.run.summarise_run).
METRICS = ("cumulative_emissions_t", "peak_emissions_t", "peak_emissions_year", "final_urban_area_km2",
           "final_density_persons_per_ha", "final_carbon_intensity_t_per_gdp", "final_year")


def _partition(name: str) -> str:
    return "scenario=" + urllib.parse.quote(name, safe=" -_.+")


def run_file(out: Path, run: PlannedRun) -> Path:
    """Where a run's time series goes: a file of the Hive-partitioned dataset ``runs/``."""
    return out / "runs" / _partition(run.scenario) / f"{run.run_id}.parquet"


def snapshot_dir(out: Path, run: PlannedRun) -> Path:
    """Where a run's full run folder goes, for the runs whose snapshots the sweep keeps."""
    return out / "snapshots" / _partition(run.scenario) / run.run_id


def record_file(out: Path, run_id: str) -> Path:
    """Where a run's record goes: written last, it marks the run finished."""
    return out / "records" / f"{run_id}.json"


def metric_columns() -> list[str]:
    """The summary values of a run, as in its record and the summary's columns."""
    return [f"state_{p}" for p in POINTS] + [f"year_{p}" for p in POINTS] + list(METRICS)


class FolderLock:
    """Hold an exclusive lock on the output folder so that two sweeps never write into it at once."""

    def __init__(self, out: Path) -> None:
        self.out, self.fd = out, None

    def __enter__(self) -> FolderLock:
        import fcntl

        self.fd = os.open(self.out, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            raise ConfigError(str(self.out), "another sweep is writing into this folder",
                              "wait for it to finish or choose another output folder") from None
        except OSError:  # a filesystem without locks (some network mounts): go on unlocked
            pass
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock (a killed process releases it too)


def remove_partial_files(out: Path) -> None:
    """Temporary files of writes cut short by a kill (abm.atomic names them .<name>.<random>.part)."""
    for path in out.rglob(".*.part"):
        if path.is_file():
            path.unlink(missing_ok=True)


def write_plan(out: Path, spec: SweepSpec, plan: list[PlannedRun]) -> None:
    """Write plan.parquet (every planned run and its parameters) and sweep.json (the resolved sweep)."""
    frame = _plan_frame(spec, plan)
    atomic_write(out / "plan.parquet", lambda tmp: frame.to_parquet(tmp, index=False))
    atomic_write_text(out / "sweep.json", json.dumps(spec.to_dict(), indent=1, default=str) + "\n")


def _plan_frame(spec: SweepSpec, plan: list[PlannedRun]) -> pd.DataFrame:
    data: dict[str, Any] = {
        "run_id": pd.array([r.run_id for r in plan], dtype="str"),
        "scenario": pd.array([r.scenario for r in plan], dtype="str"),
        "seed": np.array([r.seed for r in plan], dtype=np.int64),
        "point": np.array([r.point for r in plan], dtype=np.int64),
    }
    for i, axis in enumerate(spec.axes):
        data[axis.key] = _param_array([r.params[i][1] for r in plan])
    return pd.DataFrame(data)


def _param_array(values: list[Any]):
    """A column of one axis's values, typed by their kind (a mixed or string axis is a string column)."""
    if values and all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if values and all(is_int(v) for v in values):
        return np.array(values, dtype=np.int64)
    if all(is_number(v) for v in values):
        return np.array(values, dtype=np.float64)
    return pd.array([str(v) for v in values], dtype="str")


def finished_runs(out: Path, spec: SweepSpec, runs: list[PlannedRun], retry_failed: bool) -> set[str]:
    """Runs whose record exists (ok, or failed unless retried) and whose kept outputs are all there."""
    records = {p.stem for p in (out / "records").glob("*.json")}
    done = set()
    for run in runs:
        if run.run_id not in records:
            continue
        status = _read_record(out, run.run_id).get("status")
        if status == "error":
            if not retry_failed:
                done.add(run.run_id)
            continue
        if spec.keep_timeseries and not run_file(out, run).is_file():
            continue
        if spec.keeps_snapshot(run.scenario, run.seed) and not (snapshot_dir(out, run) / "manifest.json").is_file():
            continue
        done.add(run.run_id)
    return done


def _read_record(out: Path, run_id: str) -> dict[str, Any]:
    """A run's record, or {} if it is missing or unreadable (then the run is not finished)."""
    try:
        return json.loads(record_file(out, run_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def store_run(out: Path, spec: SweepSpec, run: PlannedRun, outcome: dict[str, Any]) -> None:
    """Write a finished run: its time series first, then its record (which marks it finished)."""
    ts = outcome.get("timeseries")
    if outcome["status"] == "ok" and spec.keep_timeseries and ts is not None:
        table = _run_table(run, ts)
        import pyarrow.parquet as pq

        atomic_write(run_file(out, run), lambda tmp: pq.write_table(table, tmp))
    record = {"run_id": run.run_id, "scenario": run.scenario, "seed": run.seed, "point": run.point,
              "params": dict(run.params), "status": outcome["status"], "error": outcome.get("error"),
              **{k: outcome["metrics"].get(k) for k in metric_columns()},
              "elapsed_s": round(float(outcome.get("elapsed_s", 0.0)), 3)}
    if outcome.get("traceback"):
        record["traceback"] = outcome["traceback"]
    atomic_write_text(record_file(out, run.run_id), json.dumps(record, indent=1, allow_nan=False) + "\n")


def _run_table(run: PlannedRun, ts: pd.DataFrame):
    """A run's time series as an Arrow table, with run_id, seed, point and parameter columns in front."""
    import pyarrow as pa

    n = len(ts)
    table = pa.Table.from_pandas(ts, preserve_index=False)
    # No scenario column: as in every Hive-partitioned dataset, the folder scenario=<name> holds it, and
    # pandas, dask and pyarrow add it on reading (a copy inside the files clashes with it there).
    front = [("run_id", pa.array([run.run_id] * n, pa.string())),
             ("seed", pa.array([run.seed] * n, pa.int64())),
             ("point", pa.array([run.point] * n, pa.int64()))]
    front += [(key, pa.array(_param_array([value] * n))) for key, value in run.params]
    for i, (name, column) in enumerate(front):
        table = table.add_column(i, name, column)
    return table


def rebuild_summary(out_dir: str | Path, write: bool = True) -> pd.DataFrame:
    """The summary rebuilt from the per-run records of the planned runs, sorted by run_id.

    Complete and deterministic: the same runs give the same table (and file) whatever the order or
    the number of workers they ran on. Written atomically to ``summary.parquet`` unless ``write=False``.
    """
    out = Path(out_dir)
    plan = pd.read_parquet(out / "plan.parquet")
    plan = plan.drop_duplicates("run_id").sort_values("run_id", kind="stable").reset_index(drop=True)
    records = [_read_record(out, run_id) for run_id in plan["run_id"]]
    keep = np.array([bool(r) for r in records], dtype=bool)
    summary = plan.loc[keep].reset_index(drop=True)
    records = [r for r in records if r]
    summary["status"] = pd.array([r.get("status") for r in records], dtype="str")
    summary["error"] = pd.array([r.get("error") for r in records], dtype="str")
    for pid in POINTS:
        summary[f"state_{pid}"] = pd.array([r.get(f"state_{pid}") for r in records], dtype="str")
    for pid in POINTS:
        summary[f"year_{pid}"] = pd.array([r.get(f"year_{pid}") for r in records], dtype="Int64")
    for name in METRICS:
        values = [r.get(name) for r in records]
        summary[name] = (pd.array(values, dtype="Int64") if name.endswith("_year")
                         else np.array([np.nan if v is None else v for v in values], dtype=np.float64))
    if write:
        atomic_write(out / "summary.parquet", lambda tmp: summary.to_parquet(tmp, index=False))
    return summary


def load_sweep(out_dir: str | Path) -> pd.DataFrame:
    """The summary of a sweep folder (rebuilt from the records if summary.parquet is missing).

    ``.attrs["sweep"]`` holds the resolved sweep (sweep.json); the time series come from
    `load_timeseries`.
    """
    out = Path(out_dir)
    if not (out / "plan.parquet").is_file():
        raise ConfigError(str(out), "is not a sweep folder (no plan.parquet)", "give the --out folder of `abm sweep`")
    path = out / "summary.parquet"
    summary = pd.read_parquet(path) if path.is_file() else rebuild_summary(out, write=False)
    try:
        summary.attrs["sweep"] = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary.attrs["sweep"] = {}
    return summary


def load_timeseries(out_dir: str | Path, columns: list[str] | None = None,
                    scenarios: list[str] | None = None) -> pd.DataFrame:
    """The per-run time series of a sweep folder as one frame (only `columns`, only `scenarios`).

    Only runs of the folder's current plan are returned (a folder reused with other axes keeps the
    older runs' files, which the plan no longer names).
    """
    out = Path(out_dir)
    runs = out / "runs"
    if not runs.is_dir() or not any(runs.rglob("*.parquet")):
        return pd.DataFrame(columns=columns or [])
    filters = [("scenario", "in", list(scenarios))] if scenarios else None
    wanted = None if columns is None else list(dict.fromkeys([*columns, "run_id"]))
    frame = pd.read_parquet(runs, columns=wanted, filters=filters)
    if (out / "plan.parquet").is_file():
        planned = pd.read_parquet(out / "plan.parquet", columns=["run_id"])["run_id"]
        frame = frame[frame["run_id"].isin(planned)].reset_index(drop=True)
    if columns is not None:
        frame = frame[list(columns)]
    if "scenario" in frame:
        frame["scenario"] = frame["scenario"].astype(str)
    return frame

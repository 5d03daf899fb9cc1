"""Batch sweeps: policies x parameters x seeds, from a laptop's process pool to a Dask cluster, resumable.

Four steps, one module each:

- `abm.sweeps.spec` reads and validates a sweep file (docs/sweeps.md) into a `SweepSpec`;
- `abm.sweeps.plan` lists every run with its resolved scenario and stable id (`plan_runs`, `run_id_of`);
- `abm.sweeps.run` runs the missing runs on the shared executor (abm.executors) (`run_sweep`);
- `abm.sweeps.store` writes and reads the results (`load_sweep`, `load_timeseries`, resume).

``abm.batch`` re-exports the same names, so older code that imports from it keeps working.
"""

from __future__ import annotations

from abm.sweeps.plan import PlannedRun, canonical_json, plan_runs, run_id_of
from abm.sweeps.run import run_sweep, summarise_run
from abm.sweeps.spec import Axis, SweepSpec, load_sweep_spec, sweep_from_dict
from abm.sweeps.store import METRICS, POINTS, finished_runs, load_sweep, load_timeseries, rebuild_summary

__all__ = ["run_sweep", "load_sweep", "load_timeseries", "load_sweep_spec", "sweep_from_dict", "SweepSpec", "Axis",
           "PlannedRun", "plan_runs", "run_id_of", "canonical_json", "finished_runs", "rebuild_summary",
           "summarise_run", "POINTS", "METRICS"]

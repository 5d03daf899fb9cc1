"""The older home of sweeps and the parallel executor, kept so that ``from abm.batch import ...`` works.

Sweeps now live in the package `abm.sweeps` (spec, plan, run, store) and the executor shared with
calibration in `abm.executors`; this module only re-exports their public names. New code should
import from those modules.

>>> from abm import batch, executors, sweeps
>>> batch.run_sweep is sweeps.run_sweep and batch.map_tasks is executors.map_tasks
True
"""

from __future__ import annotations

from abm.executors import (Executor, WorkerLost, add_executor_arguments, check_executor_arguments, cpu_count,
                           map_tasks)
from abm.sweeps.plan import PlannedRun, canonical_json, plan_runs, run_id_of
from abm.sweeps.run import run_sweep, summarise_run
from abm.sweeps.spec import (AXIS_KEYS, OUTPUT_KEYS, RESERVED_KEYS, SAMPLING_KEYS, SAMPLING_METHODS, TOP_KEYS, Axis,
                             SweepSpec, load_sweep_spec, sweep_from_dict)
from abm.sweeps.store import METRICS, POINTS, finished_runs, load_sweep, load_timeseries, rebuild_summary

__all__ = ["map_tasks", "Executor", "WorkerLost", "cpu_count", "add_executor_arguments", "check_executor_arguments",
           "run_sweep", "load_sweep", "load_timeseries", "load_sweep_spec", "sweep_from_dict", "SweepSpec", "Axis",
           "PlannedRun", "plan_runs", "run_id_of", "canonical_json", "finished_runs", "rebuild_summary",
           "summarise_run", "POINTS", "METRICS", "SAMPLING_METHODS", "TOP_KEYS", "AXIS_KEYS", "SAMPLING_KEYS",
           "OUTPUT_KEYS", "RESERVED_KEYS"]

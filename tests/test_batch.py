"""abm.batch: the older import path still gives every public name of abm.sweeps and abm.executors."""

from __future__ import annotations

import abm.sweeps.plan
import abm.sweeps.run
import abm.sweeps.spec
import abm.sweeps.store
from abm import batch, executors, sweeps


def test_every_public_name_is_the_object_of_its_new_home():
    homes = [executors, sweeps, abm.sweeps.spec, abm.sweeps.plan, abm.sweeps.run, abm.sweeps.store]
    for name in batch.__all__:
        owners = [home for home in homes if name in home.__all__]
        assert owners, f"abm.batch.{name} has no home"
        assert all(getattr(home, name) is getattr(batch, name) for home in owners), name


def test_the_names_other_code_and_the_docs_import_are_there():
    # calibration, abm.sweep_plots, README.md and docs/sweeps.md still import these from abm.batch
    for name in ("run_sweep", "load_sweep", "load_timeseries", "map_tasks", "cpu_count", "Executor", "WorkerLost",
                 "plan_runs", "run_id_of", "sweep_from_dict", "load_sweep_spec", "finished_runs",
                 "add_executor_arguments", "check_executor_arguments", "SweepSpec", "Axis"):
        assert name in batch.__all__ and callable(getattr(batch, name)), name
    assert set(sweeps.__all__) <= set(batch.__all__)
    assert set(executors.__all__) - {"SizedIterable", "check_chunk"} <= set(batch.__all__)

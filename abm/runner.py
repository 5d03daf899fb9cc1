"""Run one scenario end to end: the one entry that the CLI, batch sweeps, calibration and tests share.

>>> from abm.scenario import scenario_from_dict
>>> result = run_scenario(scenario_from_dict({"run": {"ticks": 2}, "region": {"rows": 40, "cols": 40,
...                                            "town_radius_km": 0.5}}))
>>> len(result.timeseries)
3
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from abm import outputs
from abm.atomic import staged_folder
from abm.conditions import exogenous_conditions
from abm.model import UrbanModel
from abm.scenario import Scenario


@dataclass
class RunResult:
    """A finished run: its time series (one row per tick), the five inflection events, the milestones
    beside them (the net-zero year) and the model. events.json holds the events, then the milestones."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    events: list[dict[str, Any]]
    model: UrbanModel
    files: list[str]
    milestones: list[dict[str, Any]] = field(default_factory=list)
    run_id: str | None = None  # set when the run wrote a folder: every file in it carries this id


def run_scenario(
    scenario: Scenario,
    *,
    seed: int | None = None,
    ticks: int | None = None,
    out_dir: str | Path | None = None,
    snapshots: bool = True,
    progress: Callable[[UrbanModel], None] | None = None,
    extra_outputs: Callable[[RunResult, Path], list[str]] | None = None,
) -> RunResult:
    """Build the model, run it, and (with `out_dir`) write every output: all of them or none.

    The files go into a hidden sibling of `out_dir` that replaces it whole at the end
    (abm.atomic.staged_folder): until then `out_dir` keeps the previous run, and a killed run leaves
    that one, never a mix of two. `extra_outputs(result, folder)` may write more files into the
    folder before the manifest (which lists them) and returns their names (abm run --plot).
    """
    if seed is not None or ticks is not None:
        run = dataclasses.replace(scenario.run, seed=scenario.run.seed if seed is None else int(seed),
                                  ticks=scenario.run.ticks if ticks is None else int(ticks))
        scenario = dataclasses.replace(scenario, run=run)
    if out_dir is None:
        return simulate(scenario, None, progress)
    # entered before the run: a folder that holds other files is refused before the work, not after
    with staged_folder(out_dir, owns=outputs.owns_run_file, manifest="manifest.json") as stage:
        recorder = outputs.SnapshotRecorder(scenario.run.snapshot_every, stage / "grids.nc") if snapshots else None
        try:
            result = simulate(scenario, recorder, progress)
            result.run_id = outputs.new_run_id()
            result.files = write_run_folder(stage, result, recorder, extra_outputs)
        except BaseException:  # grids.nc is open while the run goes on: closed before the folder is removed
            if recorder:
                recorder.abandon()
            raise
    return result


def simulate(scenario: Scenario, recorder: outputs.SnapshotRecorder | None,
             progress: Callable[[UrbanModel], None] | None) -> RunResult:
    """Run the model for the scenario's ticks (recording grid snapshots if asked); write nothing."""
    model = UrbanModel(scenario)
    if recorder:
        recorder.maybe_record(model)
    for _ in range(scenario.run.ticks):
        model.step()
        if recorder:
            recorder.maybe_record(model)
        if progress:
            progress(model)
    frame = outputs.timeseries_frame(model)
    conditions = exogenous_conditions(scenario)  # every stated year holds only on these paths
    events = [{**e.to_dict(), "conditional_on": conditions} for e in model.detector.events()]
    milestones = [{**e.to_dict(), "conditional_on": conditions} for e in model.detector.milestones()]
    return RunResult(scenario, model.seed_value, frame, events, model, [], milestones)


def write_run_folder(folder: Path, result: RunResult, recorder: outputs.SnapshotRecorder | None,
                     extra_outputs: Callable[[RunResult, Path], list[str]] | None = None) -> list[str]:
    """Write the run's files into `folder`, each carrying the run id; the manifest last. Returns the names."""
    model, run_id = result.model, result.run_id
    outputs.write_parquet(result.timeseries, folder / "timeseries.parquet", run_id)
    outputs.write_events(result.events + result.milestones, folder / "events.json", run_id)
    files = ["timeseries.parquet", "events.json"]
    if recorder:
        recorder.maybe_record(model, final=True)
        recorder.finish(result.scenario.run.start_year, run_id)
        files.append("grids.nc")
    outputs.write_final_tif(model, folder / "final.tif", run_id)
    files.append("final.tif")
    if extra_outputs:
        files += extra_outputs(result, folder)
    outputs.write_manifest(model, folder / "manifest.json", files + ["manifest.json"], run_id=run_id)
    return files + ["manifest.json"]

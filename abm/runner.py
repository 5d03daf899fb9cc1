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


def run_scenario(
    scenario: Scenario,
    *,
    seed: int | None = None,
    ticks: int | None = None,
    out_dir: str | Path | None = None,
    snapshots: bool = True,
    progress: Callable[[UrbanModel], None] | None = None,
) -> RunResult:
    """Build the model, run it, and (with `out_dir`) write every output atomically."""
    if seed is not None or ticks is not None:
        run = dataclasses.replace(scenario.run, seed=scenario.run.seed if seed is None else int(seed),
                                  ticks=scenario.run.ticks if ticks is None else int(ticks))
        scenario = dataclasses.replace(scenario, run=run)
    model = UrbanModel(scenario)
    recorder = outputs.SnapshotRecorder(scenario.run.snapshot_every) if (out_dir and snapshots) else None
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
    files: list[str] = []
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        outputs.write_parquet(frame, out / "timeseries.parquet")
        outputs.write_events(events + milestones, out / "events.json")
        files += ["timeseries.parquet", "events.json"]
        if recorder:
            recorder.maybe_record(model, final=True)
            recorder.write(out / "grids.nc", scenario.run.start_year)
            files.append("grids.nc")
        outputs.write_final_tif(model, out / "final.tif")
        files.append("final.tif")
        outputs.write_manifest(model, out / "manifest.json", files + ["manifest.json"])
        files.append("manifest.json")
    return RunResult(scenario, model.seed_value, frame, events, model, files, milestones)

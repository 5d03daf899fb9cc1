"""Running a sweep: plan it, skip the finished runs, run the rest on the executor, store each result.

``run_sweep`` resolves every run (scenario + axis values + seed), gives it a stable id
(abm.sweeps.plan), runs the missing ones on `abm.executors.Executor` and stores each as it arrives
(abm.sweeps.store). Running the same sweep again skips finished runs; a run that raises is recorded
and the sweep goes on. Workers return small results (a time series of ticks + 1 rows), the main
process writes each as it arrives, and at most a few tasks per worker are in flight, so memory stays
flat however many runs.

>>> import tempfile
>>> from abm.scenario import scenario_from_dict
>>> spec = {"scenarios": [scenario_from_dict({"name": "tiny", "region": {"rows": 40, "cols": 40,
...                                                "town_radius_km": 0.5}})],
...         "seeds": [1, 2], "ticks": 2, "axes": {"policy.layout.far_cap_core": [2.0, 3.0]}}
>>> summary = run_sweep(spec, tempfile.mkdtemp(), workers=1, progress=False)
>>> len(summary), sorted(summary["policy.layout.far_cap_core"].unique().tolist()), set(summary["status"])
(4, [2.0, 3.0], {'ok'})
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.executors import Executor, SizedIterable, check_chunk
from abm.scenario import scenario_from_dict
from abm.sweeps.plan import PlannedRun, plan_runs
from abm.sweeps.spec import SweepSpec, as_sweep_spec
from abm.sweeps.store import (POINTS, FolderLock, finished_runs, rebuild_summary, remove_partial_files,
                              snapshot_dir, store_run, write_plan)

__all__ = ["run_sweep", "summarise_run"]


def run_sweep(sweep: str | Path | dict | SweepSpec, out_dir: str | Path, workers: int | None = None,
              scheduler: Any = None, *, retry_failed: bool = False, progress: bool = True,
              chunk: int | None = None) -> pd.DataFrame:
    """Run a sweep (file, dict or SweepSpec) into `out_dir` and return its summary (one row per run).

    Finished runs already in `out_dir` are skipped (runs that failed too, unless ``retry_failed``),
    so an interrupted sweep is resumed by running it again. `workers` / `scheduler` are those of
    `map_tasks`. The summary is also written to ``out_dir/summary.parquet``.
    """
    spec = as_sweep_spec(sweep)
    executor = Executor(workers, scheduler)  # bad workers / scheduler refused before anything is written
    check_chunk(chunk)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with FolderLock(out), contextlib.ExitStack() as stack:
        remove_partial_files(out)
        plan = plan_runs(spec)
        write_plan(out, spec, plan)
        seen: set[str] = set()  # identical resolved scenario + seed: one run (the first point naming it)
        unique = [run for run in plan if not (run.run_id in seen or seen.add(run.run_id))]
        finished = finished_runs(out, spec, unique, retry_failed)
        todo = [run for run in unique if run.run_id not in finished]
        runnable = [run for run in todo if run.resolved is not None]
        if runnable:
            stack.enter_context(executor)  # start the pool / connect now: a bad address fails before the bar
        state = {"ok": 0, "failed": 0}
        bar = _progress_bar(spec, len(unique), len(unique) - len(todo), progress)

        def tick(outcome: dict[str, Any]) -> None:
            state["ok" if outcome["status"] == "ok" else "failed"] += 1
            bar.set_postfix_str(_postfix(state, bar.total - bar.n - 1), refresh=False)
            bar.update(1)

        try:
            for run in todo:
                if run.resolved is None:  # the axis values make an invalid scenario: recorded, not run
                    outcome = {"run_id": run.run_id, "status": "error", "error": run.error, "metrics": {},
                               "timeseries": None, "elapsed_s": 0.0}
                    store_run(out, spec, run, outcome)
                    tick(outcome)
            by_id = {run.run_id: run for run in runnable}
            tasks = SizedIterable((_task(out, spec, run) for run in runnable), len(runnable))
            for task, outcome in executor.map(_execute, tasks, chunk):
                store_run(out, spec, by_id.pop(task["run_id"]), outcome)
                tick(outcome)
        finally:
            bar.close()
            summary = rebuild_summary(out)
    summary.attrs.update(_last_session(len(unique), len(unique) - len(todo), state))
    return summary


def _last_session(total: int, skipped: int, state: dict[str, int]) -> dict[str, int]:
    """What this call did, kept in the summary's attrs (the summary itself covers every session)."""
    return {"runs": total, "skipped": skipped, "ran_ok": state["ok"], "ran_failed": state["failed"]}


def _task(out: Path, spec: SweepSpec, run: PlannedRun) -> dict[str, Any]:
    """What a worker needs for one run: small, picklable, and nothing shared with other runs."""
    snap = snapshot_dir(out, run) if spec.keeps_snapshot(run.scenario, run.seed) else None
    return {"run_id": run.run_id, "scenario": run.resolved, "source": run.source,
            "snapshot_dir": None if snap is None else str(snap), "keep_timeseries": spec.keep_timeseries}


def _progress_bar(spec: SweepSpec, total: int, initial: int, enabled: bool):
    """A tqdm bar on stderr that starts at the runs already finished (a resumed sweep shows them done)."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=initial, desc=spec.name, unit="run", disable=not enabled, file=sys.stderr,
               dynamic_ncols=True, mininterval=0.5, smoothing=0.1)
    bar.set_postfix_str(_postfix({"ok": 0, "failed": 0}, total - initial), refresh=False)
    return bar


def _postfix(state: dict[str, int], left: int) -> str:
    return f"ok={state['ok']} failed={state['failed']} left={left}"


def summarise_run(ts: pd.DataFrame, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary values of one run: inflection states and years, emissions, final urban form."""
    out: dict[str, Any] = {}
    byid = {int(e["id"]): e for e in events}
    for pid in POINTS:
        e = byid.get(pid, {})
        out[f"state_{pid}"] = e.get("state", "not_reached")
        out[f"year_{pid}"] = None if e.get("year") is None else int(e["year"])
    emissions = ts["emissions_total_t"].to_numpy(dtype=float)
    last = ts.iloc[-1]
    out["cumulative_emissions_t"] = float(emissions.sum())
    out["peak_emissions_t"] = float(emissions.max())
    out["peak_emissions_year"] = int(ts["year"].iloc[int(np.argmax(emissions))])
    out["final_urban_area_km2"] = float(last["urban_area_km2"])
    out["final_density_persons_per_ha"] = float(last["mean_density_persons_per_ha"])
    out["final_carbon_intensity_t_per_gdp"] = float(last["carbon_intensity_t_per_gdp"])
    out["final_year"] = int(last["year"])  # the horizon: a point not reached is censored beyond it
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


def _execute(task: dict[str, Any]) -> dict[str, Any]:
    """Run one planned run from its resolved scenario; never raises (an error becomes the outcome)."""
    start = time.perf_counter()
    try:
        from abm import runner

        scenario = scenario_from_dict(task["scenario"], source=task["source"])
        snap = task["snapshot_dir"]
        result = runner.run_scenario(scenario, out_dir=snap, snapshots=snap is not None)
        return {"run_id": task["run_id"], "status": "ok", "error": None,
                "metrics": summarise_run(result.timeseries, result.events),
                "timeseries": result.timeseries if task["keep_timeseries"] else None,
                "elapsed_s": time.perf_counter() - start}
    except Exception as err:  # noqa: BLE001 - a failed run is data, the sweep goes on
        return {"run_id": task["run_id"], "status": "error", "error": f"{type(err).__name__}: {err}",
                "traceback": traceback.format_exc(limit=-8), "metrics": {}, "timeseries": None,
                "elapsed_s": time.perf_counter() - start}

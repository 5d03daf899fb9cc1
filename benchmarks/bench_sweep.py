"""Sweep throughput and executor overhead (issue 4: batch sweeps from a laptop to a Dask cluster).

- runs per minute of the small test town (the schema's default region: 200x200, a town of 1.6 km, about
  60,000 households; what scenarios/baseline.toml ran on when the target was set, before it became the
  1.2-million-resident city of issue 11) over 50 ticks with 2 local workers (target >= 100 on the 2-core
  machine), and, for information, of the default city itself: over a 40-run sweep, wall clock from the call to the
  summary, so the pool's start-up (worker imports, numba's cache load: about 1.5 s once per sweep)
  is counted; the same for a 20-run sweep, where that start-up weighs twice as much; and in steady
  state (from the runs' own times). Two comparisons: 2 workers with 2 numba threads each (the
  oversubscription abm.executors avoids by default) and 1 worker in-process;
- the per-task overhead of abm.executors.map_tasks for a no-op task, one task per chunk and with adaptive
  chunks, on a 2-worker Dask LocalCluster and on the local process pool: measured as the extra time
  of 2,000 more tasks, so pool and cluster start-up are left out.

Each case runs in a fresh process so that numba's thread count is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS, SHORT_RUNS, TICKS = 40, 20, 50
TARGET_RUNS_PER_MIN = 100.0

SWEEP_CHILD = r"""
import json, statistics, sys, tempfile, time
from abm.sweeps import run_sweep
workers, runs, ticks, scenario = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
spec = {"name": "bench", "scenarios": [scenario], "seeds": runs, "ticks": ticks}
with tempfile.TemporaryDirectory() as out:
    t0 = time.perf_counter()
    summary = run_sweep(spec, out, workers=workers, progress=False)
    wall = time.perf_counter() - t0
    import pathlib
    per_run = [json.loads(p.read_text())["elapsed_s"] for p in pathlib.Path(out, "records").glob("*.json")]
assert (summary["status"] == "ok").all(), summary["error"].dropna().tolist()[:1]
run_s = statistics.median(per_run)
print(json.dumps({"runs": len(summary), "wall_s": round(wall, 1), "median_run_s": round(run_s, 2),
                  "start_up_s": round(wall - len(per_run) * run_s / workers, 1),  # wall beyond the runs
                  "runs_per_min": round(len(summary) / wall * 60, 1),
                  "runs_per_min_steady": round(workers / run_s * 60, 1)}))
"""

OVERHEAD_CHILD = r"""
import json, sys, time
from abm.executors import map_tasks
kind = sys.argv[1]
def timed(n, **kw):
    t0 = time.perf_counter()
    count = sum(1 for _ in map_tasks(abs, range(n), **kw))
    assert count == n
    return time.perf_counter() - t0
out = {}
if kind == "dask":
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        timed(50, scheduler=client)  # warm-up
        for label, chunk in (("chunk_1", 1), ("adaptive", None)):
            small, large = timed(200, scheduler=client, chunk=chunk), timed(2200, scheduler=client, chunk=chunk)
            out[f"ms_per_task_{label}"] = round((large - small) / 2000 * 1e3, 3)
else:
    for label, chunk in (("chunk_1", 1), ("adaptive", None)):
        small, large = timed(200, workers=2, chunk=chunk), timed(2200, workers=2, chunk=chunk)
        out[f"ms_per_task_{label}"] = round((large - small) / 2000 * 1e3, 3)
    t0 = time.perf_counter(); timed(2, workers=2); out["pool_start_s"] = round(time.perf_counter() - t0, 2)
print(json.dumps(out))
"""


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})})
    if proc.returncode:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "child failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> dict:
    import tempfile

    base = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    os.environ.clear()
    os.environ.update(base)  # let abm.executors choose numba's threads unless a case sets them
    with tempfile.TemporaryDirectory() as folder:
        scenario = str(Path(folder) / "small_town.toml")  # every field at the schema's default
        Path(scenario).write_text('schema = 1\nname = "small-town"\n')
        two = _child(SWEEP_CHILD, "2", str(RUNS), str(TICKS), scenario)
        short = _child(SWEEP_CHILD, "2", str(SHORT_RUNS), str(TICKS), scenario)
        two_oversubscribed = _child(SWEEP_CHILD, "2", "10", str(TICKS), scenario, env={"NUMBA_NUM_THREADS": "2"})
        one = _child(SWEEP_CHILD, "1", "10", str(TICKS), scenario)
    city = _child(SWEEP_CHILD, "2", "6", "48", str(REPO / "scenarios" / "baseline.toml"))
    return {
        "small_town_200x200_50_ticks_2_workers": {**two, "target_runs_per_min": TARGET_RUNS_PER_MIN,
                                                  "meets_target": two["runs_per_min"] >= TARGET_RUNS_PER_MIN},
        "default_city_baseline_toml_48_ticks_2_workers": city,
        "same_20_run_sweep": {**short, "meets_target": short["runs_per_min"] >= TARGET_RUNS_PER_MIN},
        "same_2_workers_2_numba_threads_each": two_oversubscribed,
        "same_1_worker_in_process": one,
        "map_tasks_overhead_dask_localcluster_2_workers": _child(OVERHEAD_CHILD, "dask"),
        "map_tasks_overhead_process_pool_2_workers": _child(OVERHEAD_CHILD, "pool"),
        "cores": len(os.sched_getaffinity(0)),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

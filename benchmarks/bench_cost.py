"""The up-front cost estimate (abm.cost) against what runs measure: peak memory and wall time.

Each case is a real `run_scenario` into a temporary folder (snapshots and all outputs written) in a fresh
process, so that its peak memory (ru_maxrss) is its own. Prints, per case, the estimate before the run and
the measurement, and their ratio. The coefficients of abm.cost were fitted on these figures.

    .venv/bin/python -m benchmarks.bench_cost            # all cases (about 5 minutes on 2 cores)
    .venv/bin/python -m benchmarks.bench_cost 200x200     # the cases whose name holds the word
"""

from __future__ import annotations

import json
import subprocess
import sys

#: name: (rows = cols, town radius km, ticks, snapshot_every)
CASES = {
    "100x100_r1.0_t10": (100, 1.0, 10, 5),
    "200x200_default_t20": (200, 1.6, 20, 5),
    "200x200_r3.0_t10": (200, 3.0, 10, 5),
    "400x400_r5.1_t5": (400, 5.1, 5, 5),       # the default city's grid and town (mid_city.toml)
    "600x600_r3.0_t10": (600, 3.0, 10, 5),
    "1000x1000_r2.0_t5": (1000, 2.0, 5, 1),
    "1000x1000_r4.0_t5": (1000, 4.0, 5, 5),
    # not in the fit: how well the estimate does on runs it has not seen
    "check_300x300_r2.5_t15": (300, 2.5, 15, 5),
    "check_800x800_r3.5_t8": (800, 3.5, 8, 2),
}

CHILD = r"""
import json, resource, sys, tempfile, time
t_start = time.perf_counter()
from abm.cost import estimate_scenario
from abm.runner import run_scenario
from abm.scenario import scenario_from_dict
size, radius, ticks, every = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
scenario = scenario_from_dict({"region": {"rows": size, "cols": size, "town_radius_km": radius},
                               "run": {"ticks": ticks, "snapshot_every": every}})
t0 = time.perf_counter()
est = estimate_scenario(scenario)
t_est = time.perf_counter() - t0
stamps = []
t1 = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    result = run_scenario(scenario, out_dir=tmp + "/o", progress=lambda m: stamps.append(time.perf_counter()))
t_end = time.perf_counter()
ticks_s = [b - a for a, b in zip(stamps, stamps[1:])]
print(json.dumps({
    "cells": size * size, "households_start": int(result.timeseries.households.iloc[0]),
    "households_end": int(result.timeseries.households.iloc[-1]),
    "estimate_s": round(t_est, 2), "import_s": round(t0 - t_start, 2),
    "init_s": round(stamps[0] - t1 - (ticks_s[0] if ticks_s else 0), 2) if stamps else None,
    "tick_s_median": round(sorted(ticks_s)[len(ticks_s) // 2], 4) if ticks_s else None,
    "write_s": round(t_end - stamps[-1], 2), "run_s": round(t_end - t1, 2),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "estimated_peak_mb": round(est.peak_mb, 1), "estimated_s": round(est.seconds, 1),
    "estimated_households_start": round(est.households_start), "estimated_households_end": round(est.households_end),
}))
"""


def run(word: str = "") -> dict:
    out = {}
    for name, (size, radius, ticks, every) in CASES.items():
        if word not in name:
            continue
        proc = subprocess.run([sys.executable, "-c", CHILD, str(size), str(radius), str(ticks), str(every)],
                              capture_output=True, text=True)
        if proc.returncode:
            print(name, "failed:", proc.stderr.strip().splitlines()[-1:], flush=True)
            continue
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        figures["memory_ratio"] = round(figures["estimated_peak_mb"] / figures["peak_rss_mb"], 2)
        figures["time_ratio"] = round(figures["estimated_s"] / (figures["import_s"] + figures["run_s"]), 2)
        out[name] = figures
        print(name, json.dumps(figures), flush=True)
    return out


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "")

"""Real regions at full size (issue 15): wb_100 against SLEUTH's growth-only CA, and a megacity.

Each case runs in a fresh process so that its peak memory (ru_maxrss) is its own, and reports init
seconds, the median tick and each phase's share of it (the carbon step split by emission source),
and peak RSS. Beside them, in the same run: a fixed plain-numpy workload (`reference_numpy_ms`), so a
reader can tell a slow machine from a slow model (machines here differ up to 2x).

- ``wb_100``: the SLEUTH set of ../shared/data (2765 x 1575 cells of 100 m, 2.8 M households from
  the observed 1989 urban map), baseline scenario. Target: a tick <= 0.5 x SLEUTH's time per simulated
  year; SLEUTH is not built on these machines, so against the 0.94 s measured on a quiet one (issue 15).
- ``megacity``: the synthetic region on 4000 x 4000 cells with a town of ~10 M households. Targets:
  <= 5 s a tick, peak RSS <= 20 GB, init <= 2 minutes.

``python -m benchmarks regions`` runs both (the megacity takes several minutes and ~10 GB);
``ABM_BENCH_REGIONS=wb_100`` picks one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SLEUTH_S_PER_YEAR = 0.94  # SLEUTH 3.0 test mode on wb_100, quiet 2-core machine (issue 15)
DATA = Path(os.environ.get("ABM_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))

CASES = {
    # name: scenario fields, ticks timed, targets
    "wb_100": ({"extends": "baseline", "region": {"kind": "sleuth", "path": str(DATA / "sleuth" / "wb_100")}}, 3,
               {"tick_s": 0.5 * SLEUTH_S_PER_YEAR}),
    "megacity": ({"region": {"rows": 4000, "cols": 4000, "town_radius_km": 19.8},
                  "population": {"growth_rate": 0.02}}, 2, {"tick_s": 5.0, "init_s": 120.0, "peak_rss_gb": 20.0}),
}

CHILD = r"""
import collections, json, resource, statistics, sys, time
import numpy as np
from abm.model import UrbanModel
from abm.scenario import load_scenario, scenario_from_dict

fields, ticks = json.loads(sys.argv[1]), int(sys.argv[2])
def reference_ms():
    x = np.random.default_rng(0).random(4_000_000)
    t = time.perf_counter(); np.sort(np.exp(x)); return (time.perf_counter() - t) * 1e3
ref_before = reference_ms()
base = fields.pop("extends", None)
t0 = time.perf_counter()
if base:
    import tomllib, tempfile, os
    text = f'schema = 1\nname = "bench"\nextends = "{sys.argv[3]}/scenarios/{base}.toml"\n'
    text += "[region]\n" + "".join(f'{k} = {json.dumps(v)}\n' for k, v in fields["region"].items())
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(text)
    scenario = load_scenario(f.name)
    os.unlink(f.name)
else:
    scenario = scenario_from_dict(fields)
model = UrbanModel(scenario)
init_s = time.perf_counter() - t0
times = collections.defaultdict(list)
phase = model.phase
def timed_phase(process):
    t = time.perf_counter(); phase(process); times[process.name].append(time.perf_counter() - t)
model.phase = timed_phase
for source in model.carbon_accounting.sources:
    run = source.run_one_step
    def timed_source(state, year, run=run, name=source.name):
        t = time.perf_counter(); r = run(state, year); times["carbon." + name].append(time.perf_counter() - t); return r
    source.run_one_step = timed_source
model.step()  # warm-up: kernels loaded from numba's cache
times.clear()
ticks_s = []
for _ in range(ticks):
    t = time.perf_counter(); model.step(); ticks_s.append(time.perf_counter() - t)
tick = statistics.median(ticks_s)
print(json.dumps({
    "households": len(model.households), "firms": len(model.firms), "cells": int(model.grid.valid.size),
    "init_s": round(init_s, 1), "tick_s": round(tick, 3), "ticks_timed": ticks,
    "phases_ms": {k: round(statistics.median(v) * 1e3, 1) for k, v in times.items()},
    "ns_per_household_tick": round(tick * 1e9 / max(len(model.households), 1), 1),
    "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    "reference_numpy_ms": round(min(ref_before, reference_ms()), 1)}))
"""


def run() -> dict:
    root = Path(__file__).resolve().parents[1]
    wanted = os.environ.get("ABM_BENCH_REGIONS", ",".join(CASES)).split(",")
    out = {}
    for name in wanted:
        fields, ticks, targets = CASES[name]
        if name == "wb_100" and not (DATA / "sleuth" / "wb_100").is_dir():
            out[name] = {"skipped": f"no wb_100 set under {DATA}/sleuth (set ABM_DATA_DIR)"}
            continue
        proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(fields), str(ticks), str(root)],
                              capture_output=True, text=True)
        if proc.returncode:
            out[name] = {"failed": proc.stderr.strip().splitlines()[-1:] or ["(no message)"]}
            continue
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        figures["targets"] = targets
        figures["meets"] = {k: figures[k] <= v for k, v in targets.items()}
        if name == "wb_100":
            figures["sleuth_s_per_year"] = SLEUTH_S_PER_YEAR
            figures["tick_over_sleuth"] = round(figures["tick_s"] / SLEUTH_S_PER_YEAR, 2)
        out[name] = figures
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

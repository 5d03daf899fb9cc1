"""Exact Shapley attribution over 7 factors on the default city (issue 12: 128 runs of 48 years, 1 seed).

A = scenarios/sprawl.toml; B = compact form with the ambitious technology package on the high
population path and the fast grid (a temporary scenario of the shipped packages), so the two differ
in every factor: the five lever classes, renewal, technology and the exogenous paths. Decomposed as
7 factors (quantity, function, structure, layout, renewal, efficiency, and the three paths together):
2**7 = 128 coalition runs for one seed on 2 local workers (abm.executors' process pool). Target: at
most 5 minutes of wall clock. The reference is measured in the same child: one 48-year run of B in
that process, times 128 / 2 (perfect parallelism, no start-up).

Beside it, the sampled Shapley values `attribute(..., permutations=K)` (permutation sampling, Castro,
Gomez & Tejada 2009, Computers & OR 36: 1726, in antithetic pairs, the coalitions of the orders cached:
at most K x 6 + 2 runs) with K = 6 orders: their wall time, runs, and their largest error against the
exact values in cumulative emissions (the contributions of both add up to B - A exactly).

Runs in a fresh process so that numba's thread count is its own. Heavy: about 130 full runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 300.0
WORKERS = 2
SEED = 42
GROUPS = "quantity,function,structure,layout,renewal,efficiency,population+economy+grid"
ORDERS = 6

B_TOML = """
schema = 1
name = "compact_ambitious_high_fast"
description = "Compact form, ambitious technology, high population path, fast grid"
extends = ["{p}/region/mid_city.toml", "{p}/paths/population_high.toml", "{p}/paths/grid_fast.toml",
           "{p}/spatial/compact.toml", "{p}/technology/ambitious.toml"]
[run]
start_year = 2022
ticks = 48
seed = 42
"""

CHILD = r"""
import json, sys, tempfile, time
from pathlib import Path
from abm.attribution import attribute
from abm.runner import run_scenario
from abm.scenario import load_scenario
repo, b_toml, groups, workers, seed = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]), int(sys.argv[5])
orders = int(sys.argv[6])
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "b.toml"
    path.write_text(b_toml.replace("{p}", str(repo / "scenarios" / "packages")))
    a, b = load_scenario(repo / "scenarios" / "sprawl.toml"), load_scenario(path)
t0 = time.perf_counter()
run_scenario(b, seed=seed, snapshots=False)
one_run = time.perf_counter() - t0
t0 = time.perf_counter()
result = attribute(a, b, seeds=[seed], workers=workers, factors=groups)
wall = time.perf_counter() - t0
t0 = time.perf_counter()
sampled = attribute(a, b, seeds=[seed], workers=workers, factors=groups, permutations=orders)
sampled_wall = time.perf_counter() - t0
def cumulative(r):
    c = r.contributions
    return c[(c["metric"] == "cumulative_emissions_t") & c["differs"]].set_index("factor")["contribution"]
c = result.contributions
main, approx = cumulative(result), cumulative(sampled)
print(json.dumps({"factors": len(result.players), "runs": result.runs, "wall_s": round(wall, 1),
                  "sampled_orders": orders, "sampled_runs": sampled.runs, "sampled_wall_s": round(sampled_wall, 1),
                  "sampled_max_error_MtCO2": round(float((approx - main).abs().max()) / 1e6, 3),
                  "one_run_s": round(one_run, 1), "cumulative_MtCO2_by_factor":
                  {k: round(v / 1e6, 3) for k, v in main.items()},
                  "b_minus_a_MtCO2": round(float(c["total"].iloc[0]) / 1e6, 3) if len(c) else None}))
"""


def run() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(REPO), B_TOML, GROUPS, str(WORKERS), str(SEED), str(ORDERS)],
                          capture_output=True, text=True, cwd=REPO, env=env)
    if proc.returncode:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "child failed")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    reference = out["one_run_s"] * out["runs"] / WORKERS
    affordable = int(TARGET_S * WORKERS / out["one_run_s"]) if out["one_run_s"] else None
    figures = {**out, "workers": WORKERS, "reference_s": round(reference, 1),
               "wall_over_reference": round(out["wall_s"] / reference, 2) if reference else None,
               "target_s": TARGET_S, "meets_target": out["wall_s"] <= TARGET_S,
               "sampled_meets_target": out["sampled_wall_s"] <= TARGET_S, "runs_in_target": affordable}
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

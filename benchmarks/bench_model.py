"""Seconds per tick and peak memory of the full model at three sizes (issue: core simulator).

Each case runs in a fresh process so that its peak memory (ru_maxrss) is its own. Targets on the
2-core machine: 100k households + 10k firms on 1000x1000 at <= 50 ms per tick; 1M households +
100k firms on 2000x2000 at <= 0.5 s per tick with peak memory <= 4 GB. The tick is reported whole
(carbon kernels included) and without the carbon step, with the carbon step's share, beside a plain-numpy
reference timed in the same child (`reference_numpy_ms`, the workload of bench_regions; numpy's sort is
vectorised on some CPUs and not others, so it tells a busy machine from a quiet one of the same kind,
not one kind of machine from another).
"""

from __future__ import annotations

import json
import subprocess
import sys

CASES = {
    # name: grid size, town radius giving about the target households, ticks timed
    "200x200_60k_households": (200, 1.6, 20),
    "1000x1000_100k_households": (1000, 2.0, 10),
    "2000x2000_1M_households": (2000, 6.4, 5),
}
TARGETS_MS = {"1000x1000_100k_households": 50.0, "2000x2000_1M_households": 500.0}

CHILD = r"""
import json, resource, statistics, sys, time
import numpy as np
from abm.model import UrbanModel
from abm.scenario import scenario_from_dict
def reference_ms():  # the plain-numpy workload of bench_regions: sort of exp of 4 M doubles
    x = np.random.default_rng(0).random(4_000_000)
    t = time.perf_counter(); np.sort(np.exp(x)); return (time.perf_counter() - t) * 1e3
ref_before = reference_ms()
size, radius, ticks = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
model = UrbanModel(scenario_from_dict({"region": {"rows": size, "cols": size, "town_radius_km": radius},
                                       "population": {"growth_rate": 0.02}}))
init_s = time.perf_counter() - t0
model.step()  # warm-up: compiled kernels loaded from cache
ticks_ms, carbon_ms = [], []
account = model.account
def timed_account():
    t = time.perf_counter(); account(); carbon_ms.append((time.perf_counter() - t) * 1e3)
model.account = timed_account
for _ in range(ticks):
    t = time.perf_counter(); model.step(); ticks_ms.append((time.perf_counter() - t) * 1e3)
tick = statistics.median(ticks_ms); carbon = statistics.median(carbon_ms)
print(json.dumps({"households": len(model.households), "firms": len(model.firms), "init_s": round(init_s, 2),
                  "tick_ms": round(tick, 1), "tick_without_carbon_ms": round(tick - carbon, 1),
                  "carbon_ms": round(carbon, 1), "carbon_share_of_tick": round(carbon / tick, 3),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "reference_numpy_ms": round(min(ref_before, reference_ms()), 1)}))
"""


def run() -> dict:
    out = {}
    for name, (size, radius, ticks) in CASES.items():
        proc = subprocess.run([sys.executable, "-c", CHILD, str(size), str(radius), str(ticks)],
                              capture_output=True, text=True, check=True)
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        if name in TARGETS_MS:
            figures["target_tick_ms"] = TARGETS_MS[name]
            figures["meets_target"] = figures["tick_ms"] <= TARGETS_MS[name]
        if name.startswith("2000"):
            figures["target_peak_rss_mb"] = 4096
            figures["meets_memory_target"] = figures["peak_rss_mb"] <= 4096
        out[name] = figures
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

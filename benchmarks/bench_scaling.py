"""How a tick scales with households and cells (issue 15): a ladder of synthetic regions, a log-log plot.

Each rung runs in a fresh process (its own peak memory): the synthetic region at a grid size and town
radius, a warm-up tick, then the median of a few ticks, whole and without the carbon step. The slope of
log(tick) on log(households) over the ladder says how the model scales (1 = linear). The plot goes to
``docs/performance_scaling.png`` (``ABM_SCALING_PNG`` elsewhere), which docs/performance.md shows.
Beside the figures, as everywhere in benchmarks/: a plain-numpy reference timed in the same run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

#: (grid side, town radius km, ticks timed): from 60k to ~2.5 M households, 40 k to 4 M cells
LADDER = ((200, 1.6, 5), (500, 3.0, 5), (1000, 4.5, 4), (2000, 6.4, 3), (2000, 9.0, 3))

CHILD = r"""
import json, resource, statistics, sys, time
import numpy as np
from abm.model import UrbanModel
from abm.scenario import scenario_from_dict
size, radius, ticks = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
x = np.random.default_rng(0).random(4_000_000)
t = time.perf_counter(); np.sort(np.exp(x)); ref_ms = (time.perf_counter() - t) * 1e3
model = UrbanModel(scenario_from_dict({"region": {"rows": size, "cols": size, "town_radius_km": radius},
                                       "population": {"growth_rate": 0.02}}))
model.step()
carbon, account = [], model.account
def timed():
    t = time.perf_counter(); account(); carbon.append(time.perf_counter() - t)
model.account = timed
carbon.clear()
ticks_s = []
for _ in range(ticks):
    t = time.perf_counter(); model.step(); ticks_s.append(time.perf_counter() - t)
print(json.dumps({"cells": size * size, "households": len(model.households), "tick_s": statistics.median(ticks_s),
                  "carbon_s": statistics.median(carbon),
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
                  "reference_numpy_ms": ref_ms}))
"""


def run() -> dict:
    rungs = []
    for size, radius, ticks in LADDER:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(size), str(radius), str(ticks)], capture_output=True,
                              text=True, check=True)
        rungs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    hh = np.array([r["households"] for r in rungs], float)
    tick = np.array([r["tick_s"] for r in rungs])
    slope = float(np.polyfit(np.log(hh), np.log(tick), 1)[0])
    png = Path(os.environ.get("ABM_SCALING_PNG", Path(__file__).resolve().parents[1] / "docs" / "performance_scaling.png"))
    _plot(rungs, slope, png)
    return {"rungs": [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rungs],
            "slope_log_tick_per_log_households": round(slope, 2), "plot": str(png)}


def _plot(rungs: list[dict], slope: float, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hh = [r["households"] for r in rungs]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    ax.loglog(hh, [r["tick_s"] for r in rungs], "o-", label="tick (whole)")
    ax.loglog(hh, [r["carbon_s"] for r in rungs], "s--", label="carbon step")
    ax.loglog(hh, [r["tick_s"] - r["carbon_s"] for r in rungs], "^:", label="tick without carbon")
    for r in rungs:
        side = int(round(r["cells"] ** 0.5))
        ax.annotate(f"{side}x{side}", (r["households"], r["tick_s"]), textcoords="offset points", xytext=(4, 6),
                    fontsize=7)
    ax.set_xlabel("households")
    ax.set_ylabel("seconds per tick")
    ax.set_title(f"Synthetic regions, 2-core machine: tick ~ households^{slope:.2f}", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_name(f".{png.name}.part")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    os.replace(tmp, png)


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

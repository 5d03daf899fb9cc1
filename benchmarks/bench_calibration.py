"""Calibration speed (issue 5): seconds per trial on demo200 and the wall time to the target fit.

Runs ``abm calibrate calibration/demo200.toml`` in a fresh process (all cores) and reads its fit.json:
wall time, seconds per model trial (the search's wall time over its trials), the fit (mean
Lee-Sallee and Figure of Merit over 1950/1970/1990, MC means, 1990 held out) against the targets
(<= 300 s, mean LS >= 0.62, mean FoM >= 0.30, 1990 LS >= 0.55, better than both null models every
year), and the peak memory of the whole process tree (the main process plus its workers, sampled).

``ABM_BENCH_WB100=1`` also calibrates wb_100 (2765 x 1575) with calibration/wb_100.toml, for its
wall time, fit and peak memory (target < 4 GB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"wall_s": 300.0, "lee_sallee_mean": 0.62, "figure_of_merit_mean": 0.30, "holdout_lee_sallee": 0.55}


def _tree_rss_mb(root: int) -> tuple[float, float]:
    """(sum, max) resident memory in MB of `root` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    page = os.sysconf("SC_PAGE_SIZE")
    total, biggest, stack = 0.0, 0.0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm") as fh:
                rss = int(fh.read().split()[1]) * page / 2**20
        except (OSError, IndexError, ValueError):
            continue
        total += rss
        biggest = max(biggest, rss)
    return total, biggest


def calibrate_measured(config: str, extra: list[str] | None = None) -> dict:
    """Run `abm calibrate` in a subprocess; wall time, peak tree memory and the fit from fit.json."""
    out = Path(tempfile.mkdtemp(prefix="bench-cal-"))
    cmd = [sys.executable, "-m", "abm.cli", "calibrate", config, "--out", str(out), "--quiet", *(extra or [])]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"sum": 0.0, "max": 0.0}

    def sample() -> None:
        while proc.poll() is None:
            total, biggest = _tree_rss_mb(proc.pid)
            peak["sum"] = max(peak["sum"], total)
            peak["max"] = max(peak["max"], biggest)
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    watcher.join()
    if proc.returncode != 0:
        raise RuntimeError(f"abm calibrate failed ({proc.returncode}): {stderr.strip().splitlines()[-1:]}")
    fit = json.loads((out / "fit.json").read_text())
    head = fit["headline"]
    model = head["model"]
    search = fit["search"]["model"]
    holdout = fit["data"]["holdout_years"]
    figures = {
        "wall_s": round(wall, 1),
        "search_s": fit["timing"]["search_s"],
        "seconds_per_model_trial": round(fit["timing"]["search_s"] / max(search["trials"], 1), 3),
        "model_run_s": fit["timing"]["model_run_s"],
        "trials": search["trials"], "replicates": search["replicates"], "workers": fit["timing"]["workers"],
        "lee_sallee_mean": round(model["lee_sallee_mean"], 4),
        "figure_of_merit_mean": round(model["figure_of_merit_mean"], 4),
        "figure_of_merit_interval_mean": round(model["figure_of_merit_interval_mean"], 4),
        "kappa_simulation_mean": round(model["kappa_simulation_mean"], 4),
        "lee_sallee_by_year": {y: round(v, 4) for y, v in model["lee_sallee_by_year"].items()},
        "figure_of_merit_by_year": {y: round(v, 4) for y, v in model["figure_of_merit_by_year"].items()},
        "kappa_simulation_by_year": {y: round(v, 4) for y, v in model["kappa_simulation_by_year"].items()},
        "null_neighbourhood_lee_sallee_by_year": {y: round(v, 4) for y, v in
                                                  head["null_neighbourhood"]["lee_sallee_by_year"].items()},
        "null_persistence_lee_sallee_by_year": {y: round(v, 4) for y, v in
                                                head["null_persistence"]["lee_sallee_by_year"].items()},
        "holdout_lee_sallee": {str(y): round(model["lee_sallee_by_year"][str(y)], 4) for y in holdout},
        "beats_both_nulls_every_year": head["model_beats_both_nulls_every_year"],
        "peak_rss_tree_mb": round(peak["sum"], 1),
        "peak_rss_one_process_mb": round(peak["max"], 1),
        "out_dir": str(out),
    }
    return figures


def run() -> dict:
    demo = calibrate_measured("calibration/demo200.toml")
    hold = min(demo["holdout_lee_sallee"].values()) if demo["holdout_lee_sallee"] else float("nan")
    demo["targets"] = TARGETS
    demo["meets_targets"] = {
        "wall_s": demo["wall_s"] <= TARGETS["wall_s"],
        "lee_sallee_mean": demo["lee_sallee_mean"] >= TARGETS["lee_sallee_mean"],
        "figure_of_merit_mean": demo["figure_of_merit_mean"] >= TARGETS["figure_of_merit_mean"],
        "holdout_lee_sallee": hold >= TARGETS["holdout_lee_sallee"],
        "beats_both_nulls_every_year": all(demo["beats_both_nulls_every_year"].values()),
    }
    out = {"demo200": demo}
    if os.environ.get("ABM_BENCH_WB100") == "1":
        wb = calibrate_measured("calibration/wb_100.toml")
        wb["target_peak_rss_mb"] = 4096
        wb["meets_memory_target"] = wb["peak_rss_tree_mb"] <= 4096
        out["wb_100"] = wb
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

"""What a run or sweep will cost, said before it starts: peak memory and wall time, from cells, households, ticks.

A run whose estimate is more than the machine's available memory is refused in one line with the
estimate and the fix (a smaller region or town, fewer ticks or snapshots), instead of swapping or being
killed an hour in. `abm run` and `abm sweep` print the estimate as their first line.

The model: memory = the interpreter and libraries + bytes per cell (land layers, access, rents, kernel
buffers) + bytes per household at the run's largest population (agents, their firms and choice buffers)
+ one grid snapshot frame (grids.nc is streamed, a frame at a time); time =
building the model (per cell and per start household) + each tick (per cell and per household that year)
+ writing the snapshots. The coefficients were fitted on runs measured on the 2-core development
machine (benchmarks/bench_cost.py, figures in `MEASURED`); another machine scales the time, not the memory.

>>> from abm.scenario import scenario_from_dict
>>> est = estimate_scenario(scenario_from_dict({"region": {"rows": 50, "cols": 50}, "run": {"ticks": 5}}))
>>> est.cells, est.peak_mb > BASE_MB
(2500, True)
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from abm.errors import ConfigError, DataError

if TYPE_CHECKING:
    from abm.scenario import Scenario

# ---------------------------------------------------------------------------------------- coefficients
# Least squares on the seven runs of `MEASURED` (benchmarks/bench_cost.py, 2-core machine shared with two
# other jobs, so the times are noisy; refitted after grids.nc became streamed, a799a70): peak memory within
# 13 MB of each run, a tick within 0.09 s; two runs outside the fit: memory 1.02-1.03 of measured.
#: Peak resident memory of a run with no cells and no agents: Python, numpy, numba, pandas, pyarrow, xarray, h5py.
BASE_MB = 340.8
#: Bytes per grid cell a run holds at its peak (land layers, accessibility, rents, kernel work arrays): 83 MB/M.
BYTES_PER_CELL = 86.7
#: Bytes per household at the run's largest population (households, their firms, choice buffers): 158 MB/M.
BYTES_PER_HOUSEHOLD = 165.5
#: Bytes per cell of one grid snapshot (13 layers of 1-4 bytes: abm.outputs.SNAPSHOT_LAYERS and more),
#: measured on a snapshot; grids.nc is streamed (a799a70), so one frame is held at a time.
SNAPSHOT_BYTES_PER_CELL = 42.3
#: Seconds to start the command (imports, compiled kernels loaded from cache): 1.1-1.6 s measured.
START_S = 1.4
#: Seconds to build the model: a constant, per cell and per household at the start.
INIT_S = 0.58
INIT_S_PER_CELL = 8.6e-7
INIT_S_PER_HOUSEHOLD = 1.74e-6
#: Seconds of one tick: a constant, per cell and per household that year.
TICK_S = 0.0285
TICK_S_PER_CELL = 2.2e-7
TICK_S_PER_HOUSEHOLD = 2.3e-8
#: Seconds to write the outputs: a constant, and per snapshot cell (a frame compressed into grids.nc:
#: 1000x1000 written every tick against every 5th, 0.34 against 0.18 s a tick).
WRITE_S = 0.13
WRITE_S_PER_SNAPSHOT_CELL = 1.6e-7

#: The runs the coefficients were fitted on (benchmarks/bench_cost.py): cells, households at the start and
#: end, ticks, snapshots, peak RSS (MB), build, median tick and write seconds.
MEASURED: dict[str, dict[str, float]] = {
    "100x100_r1.0_t10": dict(cells=10_000, hh0=24_381, hh1=29_976, ticks=10, snaps=3, peak_mb=346.9, init_s=0.79,
                             tick_s=0.0136, write_s=0.11),
    "200x200_default_t20": dict(cells=40_000, hh0=62_851, hh1=88_251, ticks=20, snaps=5, peak_mb=359.1,
                                init_s=0.73, tick_s=0.029, write_s=0.13),
    "200x200_r3.0_t10": dict(cells=40_000, hh0=226_056, hh1=277_928, ticks=10, snaps=3, peak_mb=381.6,
                             init_s=0.96, tick_s=0.0517, write_s=0.12),
    "400x400_r5.1_t5": dict(cells=160_000, hh0=654_556, hh1=732_475, ticks=5, snaps=2, peak_mb=485.7, init_s=1.82,
                            tick_s=0.1309, write_s=0.13),
    "600x600_r3.0_t10": dict(cells=360_000, hh0=230_389, hh1=283_255, ticks=10, snaps=3, peak_mb=429.6,
                             init_s=1.18, tick_s=0.0758, write_s=0.13),
    "1000x1000_r2.0_t5_every1": dict(cells=1_000_000, hh0=105_147, hh1=117_664, ticks=5, snaps=6, peak_mb=494.3,
                                     init_s=1.5, tick_s=0.3391, write_s=0.14),
    "1000x1000_r4.0_t5": dict(cells=1_000_000, hh0=422_469, hh1=472_760, ticks=5, snaps=2, peak_mb=525.4,
                              init_s=2.35, tick_s=0.1779, write_s=0.14),
}

#: Share of the available memory a run's estimate may take (the estimate's error, other processes).
MEMORY_MARGIN = 0.9


@dataclasses.dataclass(frozen=True)
class Estimate:
    """What one run (or, summed, a sweep) will take: peak memory in MB and wall time in seconds."""

    cells: int
    households_start: float
    households_end: float
    ticks: int
    snapshots: int
    peak_mb: float
    seconds: float
    runs: int = 1
    workers: int = 1

    def line(self) -> str:
        """One line for the start of a run's output: 'estimate: 1.2 GB peak memory, about 3 min ...'."""
        what = (f"{self.runs:,} runs on {self.workers} worker{'s' if self.workers > 1 else ''}"
                if self.runs > 1 else f"{self.cells:,} cells, {self.households_start:,.0f} -> "
                f"{self.households_end:,.0f} households, {self.ticks} ticks")
        return f"estimate: {_mb(self.peak_mb)} peak memory, about {_duration(self.seconds)} ({what})"


def _mb(mb: float) -> str:
    return f"{mb / 1024:,.1f} GB" if mb >= 1024 else f"{mb:,.0f} MB"


def _duration(s: float) -> str:
    if s < 90:
        return f"{max(s, 1):.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 48 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:,.1f} days"


def available_mb() -> float:
    """Memory this process may still take, in MB: MemAvailable (Linux), else psutil, else unlimited."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil

        return psutil.virtual_memory().available / 2**20
    except ImportError:  # pragma: no cover - psutil is a dependency of dask
        return math.inf


# ---------------------------------------------------------------------------------------- one run
def grid_cells(scenario: Scenario) -> int | None:
    """The grid's cells before it is built (synthetic regions), else None (a data region: its header says)."""
    r = scenario.region
    return r.rows * r.cols if r.kind == "synthetic" else None


def snapshot_count(ticks: int, every: int) -> int:
    """Snapshots a run records: tick 0, every `every` ticks, and the last tick."""
    return ticks // every + 1 + (1 if ticks % every else 0)


def households_path(start: float, scenario: Scenario, ticks: int) -> list[float]:
    """Households at each tick 0..ticks on the scenario's growth path (what the model adds each year)."""
    path, hh, year = [start], start, scenario.run.start_year
    growth = scenario.population.growth_rate
    for t in range(ticks):
        hh *= 1.0 + growth.at(year + t)
        path.append(hh)
    return path


def estimate(cells: int, households: list[float], snapshots: int, runs: int = 1, workers: int = 1) -> Estimate:
    """The estimate of a run on `cells` cells whose households are `households` at ticks 0..n (len n + 1)."""
    ticks = len(households) - 1
    peak_hh = max(households)
    snap_bytes = (1 if snapshots else 0) * cells * SNAPSHOT_BYTES_PER_CELL  # streamed: one frame at a time
    peak_mb = BASE_MB + (cells * BYTES_PER_CELL + peak_hh * BYTES_PER_HOUSEHOLD + snap_bytes) / 2**20
    seconds = (START_S + INIT_S + cells * INIT_S_PER_CELL + households[0] * INIT_S_PER_HOUSEHOLD
               + ticks * (TICK_S + cells * TICK_S_PER_CELL) + sum(households[1:]) * TICK_S_PER_HOUSEHOLD
               + WRITE_S + snapshots * cells * WRITE_S_PER_SNAPSHOT_CELL)
    return Estimate(cells, households[0], households[-1], ticks, snapshots, peak_mb, seconds, runs, workers)


def estimate_scenario(scenario: Scenario, ticks: int | None = None, snapshots: bool = True,
                      available: float | None = None) -> Estimate:
    """Estimate a run of `scenario` (`ticks` overrides run.ticks); refuse it (ConfigError) past `available` MB.

    The grid alone is checked before the region is built (a 20,000 x 20,000 grid would fill the memory
    being built); then the region is built (a fraction of a second at 1000 x 1000) to count the start
    households exactly.
    """
    from abm.regions import build_region

    ticks = scenario.run.ticks if ticks is None else int(ticks)
    cells = grid_cells(scenario)
    if cells is not None:
        check_memory(estimate(cells, [0.0] * (ticks + 1), 0), available)
    grid = build_region(scenario)
    cells = int(grid.valid.size)
    # the model fills the start town's dwellings less the target vacancy (abm.households)
    start = (float(grid.floor_residential.sum()) / scenario.population.m2_per_household
             * (1.0 - scenario.development.target_vacancy))
    del grid
    est = estimate(cells, households_path(start, scenario, ticks),
                   snapshot_count(ticks, scenario.run.snapshot_every) if snapshots else 0)
    check_memory(est, available)
    return est


def check_memory(est: Estimate, available: float | None = None) -> None:
    """Refuse (ConfigError, one line) an estimate past `MEMORY_MARGIN` of the available memory."""
    free = available_mb() if available is None else available
    if est.peak_mb <= MEMORY_MARGIN * free:
        return
    per_run = f" ({est.workers} runs at once)" if est.workers > 1 else ""
    fix = ("fewer --workers, or a smaller region (rows, cols), town (town_radius_km) or fewer households"
           if est.workers > 1 else "a smaller region (rows, cols) or town (town_radius_km: fewer households), "
           "or --no-snapshots")
    raise ConfigError("memory", f"the run needs about {_mb(est.peak_mb)}{per_run}, more than the "
                      f"{_mb(free)} this machine has available", fix)


# ---------------------------------------------------------------------------------------- a sweep
def estimate_sweep(scenarios: Iterable[Scenario], workers: int, snapshots: bool = False,
                   available: float | None = None, local: bool = True) -> Estimate:
    """A sweep of `scenarios` (one per run still to do) on `workers` local processes: the largest run's
    memory times the runs at once, the runs' time shared by the workers; refused past `available` MB
    when `local` (a Dask cluster's memory is its own). Runs of one region and length are estimated once."""
    seen: dict[str, Estimate | None] = {}
    total_s, peak, runs = 0.0, None, 0
    for scenario in scenarios:
        key = repr((scenario.region, scenario.population.growth_rate, scenario.run))
        if key not in seen:
            try:
                seen[key] = estimate_scenario(scenario, snapshots=snapshots, available=math.inf)
            except (ConfigError, DataError):  # the run will fail and be recorded; the others go on
                seen[key] = None
        one = seen[key]
        if one is None:
            continue
        runs += 1
        total_s += one.seconds - START_S
        peak = one if peak is None or one.peak_mb > peak.peak_mb else peak
    if peak is None:
        return Estimate(0, 0, 0, 0, 0, 0.0, 0.0, 0, workers)
    at_once = max(1, min(workers, runs))
    est = dataclasses.replace(peak, peak_mb=peak.peak_mb * at_once, seconds=START_S + total_s / at_once,
                              runs=runs, workers=at_once)
    if local:
        check_memory(est, available)
    return est


def default_workers() -> int:
    """The local processes a sweep uses without --workers (abm.executors.cpu_count)."""
    from abm.executors import cpu_count

    return cpu_count() or os.cpu_count() or 1

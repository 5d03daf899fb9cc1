"""The extra seeds of the policies shown, run in the background, and what they say about uncertainty:
the P5-P95 band of total emissions and the spread of each inflection year over the seeds.

Why a worker process and not a thread: a run of the default region takes seconds to tens of seconds
and much of a tick is Python, so a thread would hold the interpreter lock the page's Step and Play need;
a separate process leaves the page's session untouched (one worker, so on the 2-core machine one core
stays with the page). The runs are `abm.runner.run_scenario` itself, seed by seed (the shown seed and the
next ones, as `abm sweep`'s ``{ start = seed, count = N }``), and each finished seed is kept, so
switching back to a policy already run, or from 10 seeds to 5, costs nothing.

>>> spread_text([2034, 2037, 2035], 3, "before 2023", "en")
'2034-2037 over 3 seeds'
>>> spread_text([2035, 2035], 3, "before 2023", "zh")
'3个种子中2个为2035（1个未出现）'
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from abm.inflection import CROSSED, PASSED_AT_START
from abm.scenario import Scenario
from viz.i18n import tr

log = logging.getLogger("abm.app")

#: The seed counts the page offers: the shown seed alone, or it and the next 4 or 9.
SEED_CHOICES: tuple[int, ...] = (1, 5, 10)


@dataclass(frozen=True)
class SeedRun:
    """One finished seed of a policy: its years, total emissions (tCO2) and its points and milestones."""

    seed: int
    years: tuple[int, ...]
    total: tuple[float, ...]
    events: tuple[dict[str, Any], ...]   # as events.json: the five points, then the milestones


def run_seed(scenario: Scenario, seed: int) -> SeedRun:
    """Run `scenario` with `seed` to its end (in the worker process) and keep what the page needs."""
    from abm.runner import run_scenario

    result = run_scenario(scenario, seed=seed)
    ts = result.timeseries
    return SeedRun(seed, tuple(int(y) for y in ts["year"]), tuple(float(v) for v in ts["emissions_total_t"]),
                   tuple(result.events + result.milestones))


def scenario_key(scenario: Scenario) -> str:
    """What identifies a policy's runs, whatever its seed: every resolved setting but the seed."""
    data = scenario.to_dict()
    data.get("run", {}).pop("seed", None)
    return json.dumps(data, sort_keys=True, default=str)


def seeds_of(scenario: Scenario, n: int) -> list[int]:
    """The shown seed and the next n - 1."""
    return [scenario.run.seed + k for k in range(n)]


class Ensemble:
    """The background runs of one session. Every method is quick and safe from any thread: the runs
    happen in a worker process, and finished ones are read in with `collect`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pool: ProcessPoolExecutor | None = None
        self.pending: dict[tuple[str, int], Future] = {}
        self.done: dict[tuple[str, int], SeedRun] = {}
        self.failed: dict[tuple[str, int], str] = {}
        self.wanted: dict[str, tuple[str, list[int]]] = {}   # side -> (scenario key, seeds)

    def want(self, scenarios: dict[str, Scenario], n: int) -> None:
        """Run `n` seeds of each side's scenario (none when n is 1); runs no longer wanted are cancelled if
        they have not started."""
        with self.lock:
            self.wanted = {side: (scenario_key(s), seeds_of(s, n)) for side, s in scenarios.items()} if n > 1 else {}
            keep = {(key, seed) for key, seeds in self.wanted.values() for seed in seeds}
            for job in [job for job in self.pending if job not in keep]:
                if self.pending[job].cancel():
                    del self.pending[job]
            for side, (key, seeds) in self.wanted.items():
                for seed in seeds:
                    job = (key, seed)
                    if job not in self.done and job not in self.pending and job not in self.failed:
                        self.pending[job] = self._executor().submit(run_seed, scenarios[side], seed)

    def collect(self) -> bool:
        """Take in the runs finished since the last call; True if any (the page then redraws)."""
        with self.lock:
            finished = [job for job, future in self.pending.items() if future.done()]
            for job in finished:
                future = self.pending.pop(job)
                if future.cancelled():
                    continue
                err = future.exception()
                if err is None:
                    self.done[job] = future.result()
                else:
                    log.error("seed %s failed: %s", job[1], err)
                    self.failed[job] = f"{type(err).__name__}: {err}"
            return bool(finished)

    @property
    def busy(self) -> bool:
        with self.lock:
            return any(job in self.pending for key, seeds in self.wanted.values() for job in ((key, s) for s in seeds))

    def status(self, side: str) -> tuple[list[SeedRun], int, list[str]]:
        """(the finished runs, how many are wanted, the failures) of a side."""
        with self.lock:
            if side not in self.wanted:
                return [], 0, []
            key, seeds = self.wanted[side]
            runs = [self.done[(key, s)] for s in seeds if (key, s) in self.done]
            return runs, len(seeds), [f"seed {s}: {self.failed[(key, s)]}" for s in seeds if (key, s) in self.failed]

    def close(self) -> None:
        """Stop the worker (a run under way ends first; nothing else starts)."""
        with self.lock:
            pool, self.pool = self.pool, None
            self.pending.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server is multi-threaded, and a forked copy of its locks can deadlock
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self.pool


# --------------------------------------------------------------------------------------------------
# What the seeds say
# --------------------------------------------------------------------------------------------------
def emissions_band(runs: Sequence[SeedRun], years: Sequence[float]) -> tuple[list[float], list[float]]:
    """P5 and P95 of total emissions (tCO2) over the seeds, for each of `years` (NaN where a seed lacks it)."""
    lo, hi = [], []
    for year in years:
        values = [r.total[r.years.index(int(year))] for r in runs if int(year) in r.years]
        finite = [v for v in values if math.isfinite(v)]
        if len(finite) < len(runs) or not finite:
            lo.append(math.nan)
            hi.append(math.nan)
            continue
        p5, p95 = np.percentile(finite, [5, 95])
        lo.append(float(p5))
        hi.append(float(p95))
    return lo, hi


def point_years(runs: Sequence[SeedRun], pid: int | str) -> tuple[list[int], int]:
    """The years a point came in over the seeds (only seeds where it came), and how many passed before the run."""
    found, before = [], 0
    for run in runs:
        e = next(e for e in run.events if e["id"] == pid)
        if e["state"] == CROSSED:
            found.append(int(e["year"]))
        elif e["state"] == PASSED_AT_START:
            before += 1
    return found, before


def spread_text(found: list[int], n: int, before: str, lang: str = "en", passed: int = 0) -> str:
    """A point's years over n seeds in words: '2034-2037 over 5 seeds', '2035 in all 5 seeds', '2034-2036 in
    4 of 5 seeds (1 not reached)'; `passed` seeds had it `before` the run."""
    counted = len(found) + passed
    if not counted:
        return tr("not reached in any of {n} seeds", lang, n=n)
    if found:
        lo, hi = min(found), max(found)
        span = tr("{before} to {hi}", lang, before=before, hi=hi) if passed else (str(lo) if lo == hi else f"{lo}-{hi}")
        same = lo == hi and not passed
    else:
        span, same = before, True
    if counted < n:
        return tr("{span} in {k} of {n} seeds ({m} not reached)", lang, span=span, k=counted, n=n, m=n - counted)
    return tr("{span} in all {n} seeds" if same else "{span} over {n} seeds", lang, span=span, n=n)


def seed_spreads(runs: Sequence[SeedRun], n: int, first_year: int, lang: str = "en") -> dict[int | str, str]:
    """Each point's and milestone's spread over the finished seeds, by id ({} until all n seeds are done)."""
    if n < 2 or len(runs) < n:
        return {}
    before = tr("before {first}", lang, first=first_year)
    out = {}
    for e in runs[0].events:
        found, passed = point_years(runs, e["id"])
        out[e["id"]] = spread_text(found, n, before, lang, passed)
    return out


__all__ = ["SEED_CHOICES", "Ensemble", "SeedRun", "emissions_band", "point_years", "run_seed", "scenario_key",
           "seed_spreads", "seeds_of", "spread_text"]

"""`attribute`: which lever class, technology or exogenous path moves which result, between two scenarios.

For scenarios A and B the players are the factors of `abm.attribution.factors` where A and B differ
(or the groups asked for). Every coalition S of players is run: A with the fields of S taken from B,
so the empty coalition is A and the full one is B. Each coalition is run once per seed, through
`abm.executors.map_tasks` (identical scenarios, whatever coalition asks for them, run once), and
the exact Shapley value of each player is computed per metric and per seed: the contributions add
up to B - A exactly. A factor on which A and B agree is a null player: it gets exactly 0 and costs no
run. The result is conditional on everything A and B share, the exogenous paths included.

The LMDI decomposition (abm.attribution.lmdi) of A's and B's time series comes with it: each run
from its first to its last year (or `lmdi_years`), and B against A in the last year.

>>> from abm.scenario import scenario_from_dict
>>> from abm.attribution.metrics import RunMetrics
>>> def toy(s):   # no simulator: a planted 3 x layout + 5 x technology + 2 x both
...     x, y = s.policy.layout.far_cap_core.at(2020) > 2, s.policy.efficiency.retrofit_rate.at(2020) > 0.01
...     return RunMetrics({"y": 3.0 * x + 5.0 * y + 2.0 * x * y})
>>> a = scenario_from_dict({"policy": {"layout": {"far_cap_core": 1.5}}})
>>> b = scenario_from_dict({"policy": {"layout": {"far_cap_core": 3.0}, "efficiency": {"retrofit_rate": 0.03}}})
>>> r = attribute(a, b, seeds=1, workers=1, evaluate=toy, metrics=["y"])
>>> r.contributions.query("differs")[["factor", "contribution"]].values.tolist()
[['layout', 4.0], ['efficiency', 6.0]]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.attribution.factors import (FACTORS, Comparison, Player, coalition_scenario, compare_scenarios,
                                     players_for)
from abm.attribution.lmdi import lmdi
from abm.attribution.metrics import CENSOR, RunMetrics, censored_values, metric_names, run_metrics
from abm.attribution.shapley import permutation_orders, prefix_masks, sampled_shapley_values, shapley_values
from abm.errors import ConfigError
from abm.executors import SizedIterable, map_tasks
from abm.scenario import Scenario, load_scenario, scenario_from_dict
from abm.sweeps.plan import run_id_of

__all__ = ["attribute", "AttributionResult", "simulate", "mode_factors", "MAX_PLAYERS"]

#: 2**12 = 4096 runs per seed: beyond that, decompose some factors together (--factors a+b).
MAX_PLAYERS = 12
Evaluate = Callable[[Scenario], RunMetrics]


@dataclass(frozen=True)
class AttributionResult:
    """What `attribute` found. `contributions`: one row per seed, metric and factor (factors the same in A
    and B included, at 0); `coalitions`: every coalition run's metric values; `lmdi`: the LMDI rows."""

    a_name: str
    b_name: str
    seeds: tuple[int, ...]
    years: tuple[int, int]
    censor: str
    comparison: Comparison
    players: tuple[Player, ...]
    metrics: tuple[str, ...]
    contributions: pd.DataFrame
    coalitions: pd.DataFrame
    lmdi: pd.DataFrame
    runs: int                      # distinct runs made
    permutations: int | None = None  # None: exact over every coalition; K: sampled over K orders

    @property
    def method(self) -> str:
        """'exact Shapley' or 'Shapley sampled over K orders' (for tables and titles)."""
        return "exact Shapley" if self.permutations is None else f"Shapley sampled over {self.permutations} orders"


def simulate(scenario: Scenario) -> RunMetrics:
    """The default evaluation: run the model (no files) and take its metrics and time series."""
    from abm.runner import run_scenario

    result = run_scenario(scenario, snapshots=False)
    return run_metrics(result.timeseries, result.events + result.milestones, timeseries=True)


def _evaluate_task(evaluate: Evaluate, task: dict[str, Any]) -> RunMetrics:
    return evaluate(scenario_from_dict(task["scenario"]))


def _as_scenario(value: Scenario | str | Path) -> Scenario:
    return value if isinstance(value, Scenario) else load_scenario(value)


def _seed_list(seeds: int | Sequence[int] | None, a: Scenario) -> tuple[int, ...]:
    if seeds is None:
        return (int(a.run.seed),)
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ConfigError("seeds", f"must be >= 1, got {seeds}", "e.g. seeds=5 (seeds 0-4)")
        return tuple(range(int(seeds)))
    out = tuple(int(s) for s in seeds)
    if not out or min(out) < 0 or len(set(out)) != len(out):
        raise ConfigError("seeds", f"need distinct seeds >= 0, got {list(seeds)}", "e.g. seeds=[1, 2, 3]")
    return out


def attribute(a: Scenario | str | Path, b: Scenario | str | Path, *, seeds: int | Sequence[int] | None = None,
              ticks: int | None = None, workers: int | None = None, scheduler: Any = None,
              factors: Sequence[str] | None = None, metrics: Sequence[str] | None = None, censor: str = "horizon",
              lmdi_years: tuple[int, int] | None = None, evaluate: Evaluate | None = None,
              progress: Callable[[int, int], None] | None = None,
              permutations: int | None = None) -> AttributionResult:
    """Decompose B - A exactly (Shapley) into the factors, per metric and per seed; LMDI of A and B beside.

    `seeds`: a count (seeds 0 .. n-1) or a list (default: A's run.seed). `ticks` overrides both
    scenarios' run length. `factors`: factor names, ``+`` joining those decomposed together (the others
    that differ become ``rest``). `censor`: "horizon" or "nan" (abm.attribution.metrics). `evaluate`
    replaces the simulator (a toy model: Scenario -> RunMetrics). `progress(done, total)` after each run.
    `permutations`: None for the exact values over all 2**n coalitions; a number K for values sampled over
    K orders of the factors (antithetic pairs, the same orders for every seed), which run only the
    coalitions those orders pass through (at most K x (n - 1) + 2 per seed): the contributions still add
    up to B - A exactly, and a factor without interactions gets its exact value.
    """
    a, b = _as_scenario(a), _as_scenario(b)
    if ticks is not None and ticks < 1:
        raise ConfigError("ticks", f"must be >= 1, got {ticks}", "e.g. ticks=48")
    if censor not in CENSOR:
        raise ConfigError("censor", f"unknown convention {censor!r}", f"use one of {', '.join(CENSOR)}")
    seed_list = _seed_list(seeds, a)
    names = tuple(metrics) if metrics is not None else metric_names()
    comparison = compare_scenarios(a, b, ticks)
    players = players_for(comparison, list(factors) if factors is not None else None)
    if permutations is not None and permutations < 1:
        raise ConfigError("permutations", f"must be >= 1, got {permutations}", "e.g. permutations=8, or None (exact)")
    if len(players) > MAX_PLAYERS:
        raise ConfigError("factors", f"{len(players)} factors differ: 2**{len(players)} runs per seed",
                          f"decompose some together, at most {MAX_PLAYERS} groups (e.g. --factors quantity+layout,...)")
    years = (a.run.start_year, a.run.start_year + (ticks or a.run.ticks))
    if lmdi_years is not None and not all(years[0] <= y <= years[1] for y in lmdi_years):
        raise ConfigError("lmdi_years", f"{list(lmdi_years)} are not years of the runs ({years[0]}-{years[1]})",
                          "pick two years inside")
    orders = None if permutations is None else permutation_orders(len(players), permutations)
    masks = list(range(2 ** len(players))) if orders is None else prefix_masks(orders)
    plan = _plan(comparison, players, seed_list, ticks, masks)
    results = _run_all(plan, workers, scheduler, evaluate or simulate, progress)
    coalitions = _coalition_frame(plan, results, players, names)
    contributions = _contributions(plan, results, comparison, players, names, censor, orders)
    lmdi_frame = _lmdi_frames(plan, results, players, seed_list, a, lmdi_years)
    return AttributionResult(a.name, b.name, seed_list, years, censor, comparison, tuple(players), names,
                             contributions, coalitions, lmdi_frame, len(results),
                             None if orders is None else len(orders))


def _plan(comparison: Comparison, players: list[Player], seeds: tuple[int, ...], ticks: int | None,
          masks: list[int]) -> dict[tuple[int, int], tuple[str, dict[str, Any]]]:
    """(seed, mask) -> (run id, resolved scenario) for every coalition asked for, of every seed."""
    plan = {}
    for seed in seeds:
        for mask in masks:
            resolved = coalition_scenario(comparison, players, mask, seed, ticks)
            plan[(seed, mask)] = (run_id_of(resolved, seed), resolved)
    return plan


def _run_all(plan, workers, scheduler, evaluate: Evaluate, progress) -> dict[str, RunMetrics]:
    """Every distinct run of the plan, keyed by run id; the same for any number of workers."""
    distinct: dict[str, dict[str, Any]] = {}
    for run_id, resolved in plan.values():
        distinct.setdefault(run_id, {"run_id": run_id, "scenario": resolved})
    tasks = SizedIterable(iter(list(distinct.values())), len(distinct))
    results: dict[str, RunMetrics] = {}
    for task, metrics in map_tasks(functools.partial(_evaluate_task, evaluate), tasks, workers, scheduler):
        results[task["run_id"]] = metrics
        if progress is not None:
            progress(len(results), len(distinct))
    return results


def _coalition_label(players: Sequence[Player], mask: int) -> str:
    return "+".join(p.name for i, p in enumerate(players) if mask >> i & 1) or "none"


def _coalition_frame(plan, results, players, names) -> pd.DataFrame:
    rows = []
    for (seed, mask), (run_id, _) in plan.items():
        m = results[run_id]
        for name in names:
            rows.append({"seed": seed, "mask": mask, "coalition": _coalition_label(players, mask), "run_id": run_id,
                         "metric": name, "value": float(m.values.get(name, np.nan)), "state": m.state(name)})
    return pd.DataFrame(rows, columns=["seed", "mask", "coalition", "run_id", "metric", "value", "state"])


def _contributions(plan, results, comparison: Comparison, players: list[Player], names: tuple[str, ...],
                   censor: str, orders: list[tuple[int, ...]] | None = None) -> pd.DataFrame:
    """One row per seed, metric and factor (or group of factors): the Shapley values (exact, or sampled
    over `orders`) and their context."""
    full = 2 ** len(players) - 1
    rows = []
    for seed in sorted({s for s, _ in plan}):
        masks = sorted(mask for s, mask in plan if s == seed)
        table = {mask: censored_values(results[plan[(seed, mask)][0]], names, censor) for mask in masks}
        values = {mask: np.asarray(t[0], dtype=float) for mask, t in table.items()}
        censored = np.array([t[1] for t in table.values()]).sum(axis=0)
        phi = (shapley_values(np.array([values[m] for m in range(full + 1)])) if orders is None
               else sampled_shapley_values(values, orders, len(players)))
        a_m, b_m = results[plan[(seed, 0)][0]], results[plan[(seed, full)][0]]
        for j, name in enumerate(names):
            common = {"seed": seed, "metric": name, "a_value": values[0][j], "b_value": values[full][j],
                      "total": values[full][j] - values[0][j], "a_state": a_m.state(name),
                      "b_state": b_m.state(name), "censored_runs": int(censored[j]), "runs": len(masks)}
            for i, player in enumerate(players):
                rows.append({**common, "factor": player.name, "group": player.group, "contribution": phi[i, j],
                             "differs": True, "fields": ";".join(player.fields)})
            for factor in FACTORS:
                if factor.name not in comparison.differs:
                    rows.append({**common, "factor": factor.name, "group": factor.group, "contribution": 0.0,
                                 "differs": False, "fields": ""})
    columns = ["seed", "metric", "factor", "group", "contribution", "a_value", "b_value", "total", "a_state",
               "b_state", "censored_runs", "runs", "differs", "fields"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["share"] = frame["contribution"] / frame["total"].where(frame["total"] != 0)
    return frame


def mode_factors(scenario: Scenario, year: int) -> dict[str, float] | None:
    """gCO2/pkm by mode in `year` (the reference of LMDI's mode-mix), or None where the model has none."""
    from abm.carbon_params import MODES

    params = scenario.carbon_parameters()
    year_factors = params.at_year(int(year))
    if not hasattr(year_factors, "ef_g_pkm"):
        return None
    grid = year_factors.electricity_kgco2_per_kgce * params.kwh_kgce
    return {m: float(g) for m, g in zip(MODES, year_factors.ef_g_pkm(grid))}


def _lmdi_frames(plan, results, players, seeds, a: Scenario, years: tuple[int, int] | None) -> pd.DataFrame:
    """A and B from the first to the last year (or `years`), and B against A in the last one, per seed."""
    full = 2 ** len(players) - 1
    frames = []
    for seed in seeds:
        ts_a, ts_b = (results[plan[(seed, mask)][0]].timeseries for mask in (0, full))
        if ts_a is None or ts_b is None:
            continue
        y0, y1 = years if years is not None else (int(ts_a["year"].iloc[0]), int(ts_a["year"].iloc[-1]))
        for y in (y0, y1):
            if y not in set(ts_a["year"]) or y not in set(ts_b["year"]):
                raise ConfigError("lmdi_years", f"{y} is not a year of the runs "
                                  f"({int(ts_a['year'].iloc[0])}-{int(ts_a['year'].iloc[-1])})", "pick years inside")
        ef = mode_factors(a, y0)
        row = {name: {y: ts.loc[ts["year"] == y].iloc[0] for y in (y0, y1)} for name, ts in (("A", ts_a), ("B", ts_b))}
        cases = ((f"A {y0}->{y1}", "A", row["A"][y0], row["A"][y1], y0, y1),
                 (f"B {y0}->{y1}", "B", row["B"][y0], row["B"][y1], y0, y1),
                 (f"B-A in {y1}", "B-A", row["A"][y1], row["B"][y1], y1, y1))
        for label, which, r0, r1, f, t in cases:
            d = lmdi(r0, r1, mode_factors_g_pkm=ef)
            d.insert(0, "comparison", label)
            d.insert(1, "run", which)
            d.insert(2, "seed", seed)
            d.insert(3, "year_from", f)
            d.insert(4, "year_to", t)
            frames.append(d)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["comparison", "run", "seed", "year_from", "year_to", "source", "factor", "contribution",
                 "value_from", "value_to"])

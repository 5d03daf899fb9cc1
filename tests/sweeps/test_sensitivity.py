"""Uncertainty: scaled exogenous paths and region seeds as sweep axes, and the Sobol analysis of what drives
each inflection year and the cumulative emissions (a planted dependency is recovered)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import sobol as saltelli

from abm.errors import ConfigError
from abm.sweeps import sweep_from_dict
from abm.sweeps.plan import plan_runs
from abm.sweeps.run import run_sweep
from abm.sweeps.sensitivity import sobol_table, top_drivers
from abm.sweep_plots import write_report


def planted(n: int = 1024) -> tuple[pd.DataFrame, dict]:
    """y = 4 a + 2 b^2 (c plays no part): S_a = 0.789, S_b = 0.211, S_c = 0, no interaction."""
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    x = saltelli.sample(problem, n, calc_second_order=False, seed=3)
    y = 4 * x[:, 0] + 2 * x[:, 1] ** 2
    rows = len(x)
    summary = pd.DataFrame({"scenario": "toy", "point": np.arange(rows), "status": "ok", "seed": 0,
                            "cumulative_emissions_t": y, "year_3": np.where(x[:, 0] > 0.9, np.nan, 2030 + 10 * x[:, 1]),
                            "final_year": 2040})
    sweep = {"axes": [{"key": k} for k in "abc"], "sampling": {"method": "sobol", "second_order": False}}
    return summary, sweep


def test_sobol_recovers_a_planted_dependency():
    summary, sweep = planted()
    t = sobol_table(summary, sweep, metrics=("cumulative_emissions_t",)).set_index("factor")
    var_a, var_b = 16 / 12, 4 * (1 / 5 - 1 / 9)
    assert t.loc["a", "S1"] == pytest.approx(var_a / (var_a + var_b), abs=0.05)
    assert t.loc["b", "S1"] == pytest.approx(var_b / (var_a + var_b), abs=0.05)
    assert abs(t.loc["c", "ST"]) < 0.02 and t.loc["a", "ST"] == pytest.approx(t.loc["a", "S1"], abs=0.05)
    assert top_drivers(t.reset_index(), n=1).factor.tolist() == ["a"]


def test_years_not_reached_are_censored_and_counted():
    summary, sweep = planted(256)
    t = sobol_table(summary, sweep, metrics=("year_3",))
    assert (t["censored_share"] > 0.05).all() and np.isfinite(t["ST"]).all()
    assert sobol_table(summary, {**sweep, "sampling": {"method": "lhs"}}).empty  # only a Saltelli sample


def test_scaled_paths_multiply_every_year(small_spec):
    spec = small_spec(axes={"population.growth_rate": {"min": 0.5, "max": 1.5, "num": 3, "scale": True}},
                      seeds=[1])
    runs = [r for r in plan_runs(spec) if r.scenario == "tiny"]
    base = runs[1].resolved["population"]["growth_rate"]  # factor 1.0: the scenario's own path
    low, high = runs[0].resolved["population"]["growth_rate"], runs[2].resolved["population"]["growth_rate"]
    as_table = (lambda p: p if isinstance(p, dict) else {"_": p})
    for year, value in as_table(base).items():
        assert as_table(low)[year] == pytest.approx(0.5 * value) and as_table(high)[year] == pytest.approx(1.5 * value)
    with pytest.raises(ConfigError, match="scale"):
        small_spec(axes={"population.growth_rate": {"min": 1, "max": 3, "integer": True, "scale": True}})


def test_a_sobol_sweep_over_region_seed_path_and_lever_reports_its_drivers(scenarios, tmp_path):
    spec = sweep_from_dict({
        "scenarios": ["tiny.toml"], "seeds": [1], "ticks": 4,
        "axes": {"region.seed": {"min": 1, "max": 50, "integer": True},
                 "population.growth_rate": {"min": 0.5, "max": 2.0, "scale": True},
                 "policy.quantity.land_quota_cells": {"min": 2, "max": 60}},
        "sampling": {"method": "sobol", "samples": 4, "second_order": False}}, base_dir=scenarios)
    out = tmp_path / "sweep"
    run_sweep(spec, out, workers=1, progress=False)
    written = {p.name for p in write_report(out)}
    assert {"sensitivity.csv", "sensitivity.png"} <= written
    table = pd.read_csv(out / "report" / "sensitivity.csv")
    assert set(table.factor) == {"region.seed", "population.growth_rate", "policy.quantity.land_quota_cells"}
    assert "cumulative_emissions_t" in set(table.metric)

"""Exact Shapley values: efficiency, planted effects recovered, the axioms, and `attribute` on a toy model."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from abm.attribution import RunMetrics, attribute, shapley_values
from abm.attribution.metrics import NOT_REACHED, run_metrics
from abm.errors import ConfigError
from abm.scenario import scenario_from_dict


def _by_orders(values: np.ndarray, n: int) -> np.ndarray:
    """The definition: each player's marginal contribution averaged over all n! joining orders."""
    out = np.zeros((n, values.shape[1]))
    for order in itertools.permutations(range(n)):
        mask = 0
        for player in order:
            out[player] += values[mask | 1 << player] - values[mask]
            mask |= 1 << player
    return out / math.factorial(n)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_efficiency_and_the_definition_on_random_games(n):
    rng = np.random.default_rng(n)
    values = rng.normal(size=(2 ** n, 4)) * 1e6
    phi = shapley_values(values)
    np.testing.assert_allclose(phi.sum(axis=0), values[-1] - values[0], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(phi, _by_orders(values, n), rtol=1e-10, atol=1e-6)


def test_planted_additive_and_interaction_effects_are_recovered():
    # v = 2x + 7y - 3z + 4xy - 6xyz over x, y, z in {0, 1}: main effects go to their player,
    # a pairwise interaction half to each, a three-way one a third to each
    v = np.array([[2 * x + 7 * y - 3 * z + 4 * x * y - 6 * x * y * z]
                  for m in range(8) for x, y, z in [(m & 1, m >> 1 & 1, m >> 2 & 1)]], dtype=float)
    np.testing.assert_allclose(shapley_values(v)[:, 0], [2 + 2 - 2, 7 + 2 - 2, -3 - 2])


def test_null_and_symmetric_players():
    v = np.array([[x + y] for m in range(8) for x, y in [(m & 1, m >> 1 & 1)]], dtype=float)  # player 3 idle
    np.testing.assert_allclose(shapley_values(v)[:, 0], [1.0, 1.0, 0.0])


def test_a_missing_coalition_value_makes_the_metric_nan_not_a_wrong_number():
    v = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, 2.0], [3.0, 3.0]])
    phi = shapley_values(v)
    assert np.isnan(phi[:, 0]).all() and np.isfinite(phi[:, 1]).all()


# ---- attribute() with an injected evaluation: no simulator --------------------------------------------
TINY = {"region": {"rows": 40, "cols": 40, "town_radius_km": 0.5}, "run": {"ticks": 3}}
A = scenario_from_dict({**TINY, "name": "a"})
B = scenario_from_dict({**TINY, "name": "b", "policy": {"layout": {"far_cap_core": 4.0},
                                                        "efficiency": {"retrofit_rate": 0.05}},
                        "population": {"growth_rate": 0.04}})


def toy(s) -> RunMetrics:
    """Layout (x), technology (y), population (z): planted effects that depend on the seed."""
    x = float(s.policy.layout.far_cap_core.at(2020) > 3)
    y = float(s.policy.efficiency.retrofit_rate.at(2020) > 0.02)
    z = float(s.population.growth_rate.at(2020) > 0.03)
    k = 1 + s.run.seed
    year = 2040 - 5 * x + 3 * y * z
    states = {"year": NOT_REACHED if x == 0 and y == 0 else "crossed"}
    return RunMetrics({"total": k * (10 * x - 20 * y + 30 * z + 6 * x * y), "year": year}, states)


def test_attribute_recovers_a_planted_toy_model_per_seed():
    r = attribute(A, B, seeds=[0, 2], workers=1, evaluate=toy, metrics=["total", "year"])
    c = r.contributions.set_index(["seed", "metric", "factor"])["contribution"]
    for seed in (0, 2):
        k = 1 + seed
        assert c[(seed, "total", "layout")] == pytest.approx(k * 13)
        assert c[(seed, "total", "efficiency")] == pytest.approx(k * -17)
        assert c[(seed, "total", "population")] == pytest.approx(k * 30)
        assert c[(seed, "year", "layout")] == pytest.approx(-5)
        assert c[(seed, "year", "efficiency")] == pytest.approx(1.5)
        assert c[(seed, "year", "population")] == pytest.approx(1.5)
    # factors the same in A and B are null players: exactly 0 and no run
    assert (r.contributions.loc[~r.contributions["differs"], "contribution"] == 0.0).all()
    assert set(r.contributions["factor"]) >= {"quantity", "grid", "economy"}
    assert r.runs == 2 * 8
    sums = r.contributions.groupby(["seed", "metric"]).agg(s=("contribution", "sum"), t=("total", "first"))
    np.testing.assert_allclose(sums["s"], sums["t"], rtol=0, atol=1e-9)


def test_the_same_result_on_one_or_two_workers():
    one = attribute(A, B, seeds=[0, 1], workers=1, evaluate=toy, metrics=["total", "year"])
    two = attribute(A, B, seeds=[0, 1], workers=2, evaluate=toy, metrics=["total", "year"])
    pd.testing.assert_frame_equal(one.contributions, two.contributions)
    pd.testing.assert_frame_equal(one.coalitions, two.coalitions)


def test_censored_values_are_counted_and_nan_on_request():
    r = attribute(A, B, seeds=1, workers=1, evaluate=toy, metrics=["year"])
    assert set(r.contributions["censored_runs"]) == {2}   # the coalitions without layout or technology
    assert set(r.contributions["a_state"]) == {NOT_REACHED}
    nan = attribute(A, B, seeds=1, workers=1, evaluate=toy, metrics=["year"], censor="nan")
    assert nan.contributions.loc[nan.contributions["differs"], "contribution"].isna().all()
    with pytest.raises(ConfigError, match="censor"):
        attribute(A, B, seeds=1, workers=1, evaluate=toy, metrics=["year"], censor="zero")


def test_grouped_factors_are_one_player():
    r = attribute(A, B, seeds=1, workers=1, evaluate=toy, metrics=["total"], factors=["layout+efficiency"])
    c = r.contributions.set_index("factor")["contribution"]
    assert c["layout+efficiency"] == pytest.approx(13 - 17) and c["rest"] == pytest.approx(30)
    assert r.runs == 4


def test_run_metrics_censor_years_at_the_horizon():
    ts = pd.DataFrame({"year": [2020, 2021, 2022, 2023], "emissions_total_t": [4.0, 3.0, 2.0, 1.0]})
    events = [{"id": 1, "state": "passed_at_start", "year": 2022}, {"id": 3, "state": "crossed", "year": 2021},
              {"id": "net_zero", "state": "not_reached", "year": None}]
    m = run_metrics(ts, events)
    assert m.values["cumulative_emissions_t"] == 10.0
    assert (m.values["peak_year"], m.states["peak_year"]) == (2020.0, "passed_at_start")
    assert (m.values["inflection_1_year"], m.values["inflection_3_year"]) == (2020.0, 2021.0)
    assert (m.values["net_zero_year"], m.values["inflection_2_year"]) == (2024.0, 2024.0)
    rising = run_metrics(ts.assign(emissions_total_t=[1.0, 2.0, 3.0, 4.0]), events)
    assert (rising.values["peak_year"], rising.states["peak_year"]) == (2024.0, NOT_REACHED)


# --- sampled Shapley values (many factors) ------------------------------------------------------------

def test_sampled_values_keep_efficiency_and_are_exact_without_interactions():
    from abm.attribution.shapley import permutation_orders, prefix_masks, sampled_shapley_values

    rng = np.random.default_rng(4)
    n = 7
    weights = rng.normal(size=n)
    additive = {m: np.array([sum(weights[i] for i in range(n) if m >> i & 1)]) for m in range(2 ** n)}
    orders = permutation_orders(n, 4)
    assert len(orders) == 4 and orders[1] == orders[0][::-1]
    assert len(prefix_masks(orders)) <= 4 * (n - 1) + 2 < 2 ** n
    np.testing.assert_allclose(sampled_shapley_values(additive, orders, n)[:, 0], weights, atol=1e-12)
    # with interactions the estimate approaches the exact values as orders grow, and always adds up
    game = np.array([[additive[m][0] + 3.0 * (m & 1) * (m >> 1 & 1) - 2.0 * (m >> 2 & 1) * (m >> 6 & 1)]
                     for m in range(2 ** n)])
    exact = shapley_values(game)[:, 0]
    values = {m: game[m] for m in range(2 ** n)}
    for k in (2, 40):
        est = sampled_shapley_values(values, permutation_orders(n, k, seed=1), n)[:, 0]
        assert est.sum() == pytest.approx(game[-1, 0] - game[0, 0], abs=1e-12)
    assert np.abs(est - exact).max() < 0.35  # 40 orders: within a fraction of the interaction terms


def test_attribute_with_permutations_runs_fewer_coalitions_and_adds_up():
    exact = attribute(A, B, seeds=[0], workers=1, evaluate=toy, metrics=["total"])
    sampled = attribute(A, B, seeds=[0], workers=1, evaluate=toy, metrics=["total"], permutations=2)
    assert sampled.permutations == 2 and "sampled over 2 orders" in sampled.method
    assert sampled.runs <= exact.runs
    c = sampled.contributions.query("differs").groupby("metric").agg(s=("contribution", "sum"), t=("total", "first"))
    np.testing.assert_allclose(c["s"], c["t"], atol=1e-9)
    # population enters without interaction: exact in any order
    pop = sampled.contributions.set_index("factor").loc["population", "contribution"]
    assert pop == pytest.approx(30.0)
    with pytest.raises(ConfigError, match="permutations"):
        attribute(A, B, seeds=[0], workers=1, evaluate=toy, metrics=["total"], permutations=0)

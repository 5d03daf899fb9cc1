"""LMDI: contributions add up to the change exactly, and a planted change is recovered."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from abm.attribution.lmdi import MODE_MIX, lmdi, log_mean


def _row(persons, floor, energy, co2, sink=0.0, **extra):
    return {"persons": persons, "floor_area_residential_m2": floor, "energy_buildings_tce": energy,
            "emissions_buildings_t": co2, "sink_t": sink, **extra}


def by_factor(d: pd.DataFrame) -> dict[str, float]:
    return d.groupby("factor")["contribution"].sum().to_dict()


def test_a_planted_change_is_recovered():
    # population x2, floor per person x1.5, energy per m2 x0.8, carbon per energy x0.5
    r0 = _row(100.0, 3000.0, 90.0, 270.0)
    r1 = _row(200.0, 9000.0, 216.0, 324.0)
    d = by_factor(lmdi(r0, r1, sources=["emissions_buildings_t"]))
    w = log_mean(324.0, 270.0)
    assert d["population"] == pytest.approx(w * math.log(2.0))
    assert d["floor per person"] == pytest.approx(w * math.log(1.5))
    assert d["energy intensity"] == pytest.approx(w * math.log(0.8))
    assert d["carbon factor"] == pytest.approx(w * math.log(0.5))
    assert sum(d.values()) == pytest.approx(324.0 - 270.0, rel=1e-12)


def test_only_the_factor_that_moved_gets_the_change():
    d = by_factor(lmdi(_row(100.0, 3000.0, 90.0, 270.0), _row(130.0, 3900.0, 117.0, 351.0),
                       sources=["emissions_buildings_t"]))
    assert d["population"] == pytest.approx(81.0)
    assert d["floor per person"] == d["energy intensity"] == d["carbon factor"] == pytest.approx(0.0, abs=1e-9)


def test_contributions_sum_exactly_to_the_change_of_net_emissions_on_random_rows():
    rng = np.random.default_rng(3)
    cols = ["persons", "floor_area_residential_m2", "floor_area_commercial_m2", "energy_buildings_tce",
            "emissions_buildings_t", "passenger_km", "emissions_transport_t", "gdp_cny", "energy_industry_tce",
            "emissions_industry_t", "emissions_conversion_t", "floor_built_m2", "emissions_embodied_t", "sink_t",
            "emissions_new_source_t"] + [f"mode_share_{m}" for m in ("walk_cycle", "bus", "car")]
    ef = {"walk_cycle": 0.0, "bus": 56.0, "car": 129.0}
    for _ in range(50):
        r0, r1 = (dict(zip(cols, rng.uniform(1, 1e6, len(cols)))) for _ in range(2))
        sources = [c for c in cols if c.startswith("emissions_")]
        d = lmdi(r0, r1, sources=sources, mode_factors_g_pkm=ef)
        change = sum(r1[s] - r0[s] for s in sources) - (r1["sink_t"] - r0["sink_t"])
        assert d["contribution"].sum() == pytest.approx(change, rel=1e-9, abs=1e-6)
        assert "mode share" in set(d["factor"]) and "new_source per person" in set(d["factor"])


def test_mode_share_moves_with_the_shares_only():
    ef = {"walk_cycle": 0.0, "car": 100.0}
    r0 = {"persons": 10.0, "passenger_km": 1e6, "mode_share_walk_cycle": 0.5, "mode_share_car": 0.5,
          "emissions_transport_t": 50.0}
    r1 = {**r0, "mode_share_walk_cycle": 0.75, "mode_share_car": 0.25, "emissions_transport_t": 25.0}
    d = by_factor(lmdi(r0, r1, sources=["emissions_transport_t"], mode_factors_g_pkm=ef))
    assert d["mode share"] == pytest.approx(-25.0)
    assert d["population"] == d["travel distance"] == d["carbon factor"] == pytest.approx(0.0, abs=1e-9)
    without = by_factor(lmdi(r0, r1, sources=["emissions_transport_t"]))  # no reference factors: no mode step
    assert MODE_MIX not in without and without["carbon factor"] == pytest.approx(-25.0)


def test_a_source_that_starts_from_zero_gives_its_change_to_the_factor_that_was_zero():
    r0 = {"persons": 100.0, "floor_built_m2": 0.0, "emissions_embodied_t": 0.0, "sink_t": 5.0}
    r1 = {"persons": 120.0, "floor_built_m2": 500.0, "emissions_embodied_t": 150.0, "sink_t": 7.0}
    d = by_factor(lmdi(r0, r1, sources=["emissions_embodied_t"]))
    assert d == pytest.approx({"population": 0.0, "construction per person": 150.0, "carbon factor": 0.0,
                               "sink": -2.0})


def test_a_missing_column_leaves_its_step_to_the_next_factor():
    r0 = {"persons": 100.0, "emissions_buildings_t": 200.0}
    r1 = {"persons": 150.0, "emissions_buildings_t": 600.0}
    d = by_factor(lmdi(r0, r1, sources=["emissions_buildings_t"]))
    assert set(d) == {"population", "carbon factor"}
    assert sum(d.values()) == pytest.approx(400.0)


def test_log_mean_of_values_a_rounding_apart():
    """96318.46593060184 and ...187 have the same float logarithm: the limit, not a division by zero."""
    a, b = 96318.46593060184, 96318.46593060187
    assert log_mean(a, b) == pytest.approx(a, rel=1e-15)
    assert log_mean(2.0, 2.0) == 2.0 and log_mean(1.0, math.e) == pytest.approx(math.e - 1.0)

"""Industry kernel and GDP: twin, hand case, branches, cohorts with the growth scale, firms outside the area."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.kernels.industry import firm_gdp, industry_emissions
from abm.kernels.reference import industry as ref
from abm.population import BRANCHES, SECTORS, Firms

NB = len(BRANCHES)


def random_firms(rng, n, n_cells):
    branch = rng.integers(0, NB, n).astype(np.int8)
    return dict(site=rng.integers(0, n_cells, n), branch=branch,
                jobs=rng.integers(0, 500, n).astype(np.int32), va_per_job=rng.uniform(5e4, 5e5, n).astype(np.float32),
                arrived_tick=rng.integers(0, 5, n).astype(np.int32))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1), tick=st.integers(0, 5),
       scale=st.floats(-3.0, 3.0, allow_nan=False))
def test_equals_reference(n, seed, tick, scale):
    rng = np.random.default_rng(seed)
    valid = rng.random(50) < 0.8
    f = random_firms(rng, n, 50)
    kw = dict(tick=tick, kgce_per_cny=rng.uniform(0, 0.3, NB), tco2_per_cny=rng.uniform(0, 1e-3, NB),
              growth_scale=scale)
    fast = industry_emissions(*f.values(), valid, **kw)
    slow = ref.industry_emissions(*f.values(), valid, **kw)
    np.testing.assert_allclose(fast.firm_t, slow.firm_t, rtol=1e-12)
    for name in ("gdp_cny", "energy_kgce", "emissions_t", "founded_t", "new_t", "stock_t"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9, abs=1e-9), name
    np.testing.assert_allclose(fast.va_by_branch, slow.va_by_branch, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(fast.t_by_branch, slow.t_by_branch, rtol=1e-9, atol=1e-9)
    assert fast.new_t + fast.stock_t == pytest.approx(fast.emissions_t, rel=1e-12, abs=1e-9)
    assert fast.va_by_branch.sum() == pytest.approx(fast.gdp_cny, rel=1e-9, abs=1e-6)
    assert firm_gdp(f["site"], f["jobs"], f["va_per_job"], valid) == pytest.approx(
        ref.firm_gdp(f["site"], f["jobs"], f["va_per_job"], valid), rel=1e-9)


def test_by_hand_branches_and_cohorts():
    """10 jobs x 200k CNY = 2 M CNY per firm. Heavy at 0.24 kgce/CNY and 0.6 kgCO2/CNY: 480 tce, 1200 t;
    light at 0.05 / 0.1: 100 tce, 200 t; the services firm counts GDP only. The heavy firm was founded this
    tick: with growth scale 0.5 the new cohort is 600 t, the stock 800 t."""
    r = industry_emissions(np.array([0, 1, 2]), np.array([BRANCHES["heavy"], BRANCHES["light"], BRANCHES["services"]]),
                           np.array([10, 10, 10]), np.array([2e5, 2e5, 2e5], np.float32), np.array([3, 2, 3]),
                           np.ones(3, bool), tick=3, kgce_per_cny=[0.0, 0.24, 0.05, 0.0],
                           tco2_per_cny=[0.0, 6e-4, 1e-4, 0.0], growth_scale=0.5)
    assert r.gdp_cny == pytest.approx(6e6)
    assert r.energy_kgce == pytest.approx(580e3)
    assert r.emissions_t == pytest.approx(1400.0)
    assert r.founded_t == pytest.approx(1200.0)
    assert (r.new_t, r.stock_t) == (pytest.approx(600.0), pytest.approx(800.0))
    np.testing.assert_allclose(r.t_by_branch, [0.0, 1200.0, 200.0, 0.0])
    np.testing.assert_allclose(r.va_by_branch, [2e6, 2e6, 2e6, 0.0])


def test_shrinking_city_has_a_negative_new_cohort():
    r = industry_emissions(np.array([0]), np.array([1], np.int8), np.array([10]), np.array([1e5], np.float32),
                           np.array([4]), np.ones(1, bool), tick=4, kgce_per_cny=[0.0, 0.1],
                           tco2_per_cny=[0.0, 1e-4], growth_scale=-2.0)
    assert r.emissions_t == pytest.approx(100.0)
    assert r.new_t == pytest.approx(-200.0) and r.stock_t == pytest.approx(300.0)


def test_relocated_firms_are_not_new():
    """arrived_tick (not the tick the firm took its site) decides the cohort: a mover is stock."""
    firms = Firms.empty()
    firms.append(site=np.array([0, 1]), sector=np.array([1, 1]), jobs=np.array([10, 10]),
                 va_per_job=np.array([1e5, 1e5]), located_tick=1, branch=np.array([1, 1]))
    firms.located_tick[:] = 5  # both moved this tick
    r = industry_emissions(firms.site, firms.branch, firms.jobs, firms.va_per_job, firms.arrived_tick,
                           np.ones(2, bool), tick=5, kgce_per_cny=[0.0, 0.1], tco2_per_cny=[0.0, 1e-4])
    assert r.new_t == 0.0 and r.stock_t == pytest.approx(r.emissions_t) and r.emissions_t > 0


def test_gdp_matches_firm_table_and_skips_outside():
    rng = np.random.default_rng(2)
    firms = Firms.empty()
    f = random_firms(rng, 100, 20)
    sector = np.where(f["branch"] == BRANCHES["services"], SECTORS["services"], SECTORS["industry"])
    firms.append(site=f["site"], sector=sector, jobs=f["jobs"], va_per_job=f["va_per_job"],
                 located_tick=f["arrived_tick"], branch=f["branch"])
    valid = np.ones(20, bool)
    assert firm_gdp(firms.site, firms.jobs, firms.va_per_job, valid) == pytest.approx(firms.gdp(), rel=1e-12)
    valid[firms.site[0]] = False
    inside = valid[firms.site]
    expected = float(np.dot(firms.jobs[inside].astype(float), firms.va_per_job[inside].astype(float)))
    assert firm_gdp(firms.site, firms.jobs, firms.va_per_job, valid) == pytest.approx(expected, rel=1e-12)
    r = industry_emissions(firms.site, firms.branch, firms.jobs, firms.va_per_job, firms.arrived_tick, valid, tick=0,
                           kgce_per_cny=[1.0] * NB, tco2_per_cny=[1.0] * NB)
    assert (r.firm_t[~inside] == 0).all() and r.emissions_t == pytest.approx(expected)


def test_unknown_branch_and_mismatched_tables_refused():
    args = (np.array([0]), np.array([4], np.int8), np.array([1], np.int32), np.ones(1, np.float32),
            np.zeros(1, np.int32), np.ones(1, bool))
    with pytest.raises(ValueError, match="branch"):
        industry_emissions(*args, tick=0, kgce_per_cny=[0.0] * NB, tco2_per_cny=[0.0] * NB)
    with pytest.raises(ValueError, match="branches"):
        industry_emissions(*args, tick=0, kgce_per_cny=[0.0] * NB, tco2_per_cny=[0.0] * 2)

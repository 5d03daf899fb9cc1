"""Industry kernel and GDP: twin, hand case, cohorts, firms outside the area."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.kernels import reference as ref
from abm.kernels.industry import firm_gdp, industry_emissions
from abm.population import Firms


def random_firms(rng, n, n_cells):
    return dict(site=rng.integers(0, n_cells, n), sector=rng.integers(0, 2, n).astype(np.int8),
                jobs=rng.integers(0, 500, n).astype(np.int32), va_per_job=rng.uniform(5e4, 5e5, n).astype(np.float32),
                located_tick=rng.integers(0, 5, n).astype(np.int32))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1), tick=st.integers(0, 5))
def test_equals_reference(n, seed, tick):
    rng = np.random.default_rng(seed)
    valid = rng.random(50) < 0.8
    f = random_firms(rng, n, 50)
    kw = dict(tick=tick, kgce_per_cny=[0.0, 0.1], kgco2_per_kgce=2.7)
    fast = industry_emissions(*f.values(), valid, **kw)
    slow = ref.industry_emissions(*f.values(), valid, **kw)
    np.testing.assert_allclose(fast.firm_t, slow.firm_t, rtol=1e-12)
    for name in ("gdp_cny", "energy_kgce", "emissions_t", "new_t", "stock_t"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9, abs=1e-9)
    assert firm_gdp(f["site"], f["jobs"], f["va_per_job"], valid) == pytest.approx(
        ref.firm_gdp(f["site"], f["jobs"], f["va_per_job"], valid), rel=1e-9)


def test_by_hand_and_cohorts():
    """10 jobs x 200k CNY = 2 M CNY; 1 tce/10k CNY = 0.1 kgce/CNY -> 200 tce; x 2.5 -> 500 t."""
    r = industry_emissions(np.array([0, 1]), np.array([1, 0], np.int8), np.array([10, 10], np.int32),
                           np.array([2e5, 2e5], np.float32), np.array([3, 2], np.int32), np.ones(2, bool),
                           tick=3, kgce_per_cny=[0.0, 0.1], kgco2_per_kgce=2.5)
    assert r.gdp_cny == pytest.approx(4e6)
    assert r.emissions_t == pytest.approx(500.0)
    assert r.new_t == pytest.approx(500.0) and r.stock_t == 0.0  # the services firm emits nothing here


def test_gdp_matches_firm_table_and_skips_outside():
    rng = np.random.default_rng(2)
    firms = Firms.empty()
    firms.append(**random_firms(rng, 100, 20))
    valid = np.ones(20, bool)
    assert firm_gdp(firms.site, firms.jobs, firms.va_per_job, valid) == pytest.approx(firms.gdp(), rel=1e-12)
    valid[firms.site[0]] = False
    inside = valid[firms.site]
    expected = float(np.dot(firms.jobs[inside].astype(float), firms.va_per_job[inside].astype(float)))
    assert firm_gdp(firms.site, firms.jobs, firms.va_per_job, valid) == pytest.approx(expected, rel=1e-12)


def test_unknown_sector_refused():
    with pytest.raises(ValueError, match="sector"):
        industry_emissions(np.array([0]), np.array([2], np.int8), np.array([1], np.int32), np.ones(1, np.float32),
                           np.zeros(1, np.int32), np.ones(1, bool), tick=0, kgce_per_cny=[0.0, 0.1],
                           kgco2_per_kgce=2.5)

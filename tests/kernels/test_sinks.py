"""Sink kernel: twin, the forest growth curve's shape and calibration, fixed rates by land cover."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon_params import CarbonParameters
from abm.grid import LandCover
from abm.kernels import reference as ref
from abm.kernels.sinks import forest_biomass_mgc_ha, forest_removal_t_ha, sink_removals

Y = CarbonParameters().at_year(2030)
CURVE = dict(bmax_mgc_ha=Y.forest_bmax_mgc_ha, rate_per_yr=Y.forest_growth_rate_per_yr,
             half_age_yr=Y.forest_half_age_yr)


def sinks(land_cover, age, valid, cell_ha=1.0, fn=sink_removals):
    return fn(land_cover, age, valid, rate_t_ha=Y.sink_t_ha, forest_code=int(LandCover.FOREST), cell_ha=cell_ha,
              **CURVE)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 400), seed=st.integers(0, 2**32 - 1), cell_ha=st.floats(0.01, 10),
       whole_years=st.booleans())
def test_equals_reference(n, seed, cell_ha, whole_years):
    rng = np.random.default_rng(seed)
    lc = rng.integers(0, 8, n).astype(np.uint8)
    age = rng.uniform(0, 300, n)
    age = (np.floor(age) if whole_years else age).astype(np.float32)
    valid = rng.random(n) < 0.9
    fast = sinks(lc, age, valid, cell_ha)
    slow = sinks(lc, age, valid, cell_ha, fn=ref.sink_removals)
    np.testing.assert_allclose(fast.cell_t, slow.cell_t, rtol=1e-12, atol=1e-15)
    assert fast.sink_t == pytest.approx(slow.sink_t, rel=1e-9, abs=1e-9)


@given(age=st.floats(0, 400))
def test_removal_is_derivative_of_biomass(age):
    assert forest_removal_t_ha(age, **CURVE) == pytest.approx(ref.forest_removal_t_ha(age, **CURVE), rel=1e-6,
                                                              abs=1e-9)


def test_fixed_forest_sink_rises_then_flattens():
    ages = np.arange(0, 301, 1.0)
    removal = np.array([forest_removal_t_ha(a, **CURVE) for a in ages])
    peak = int(np.argmax(removal))
    assert 20 < ages[peak] < 80
    assert np.all(np.diff(removal[: peak + 1]) > 0)  # rises while the stand is young
    assert np.all(np.diff(removal[peak:]) < 0)       # then falls off
    assert removal[-1] < 0.05 * removal[peak]        # a mature stand's sink flattens toward 0
    biomass = forest_biomass_mgc_ha(ages, **CURVE)
    assert biomass[-1] == pytest.approx(CURVE["bmax_mgc_ha"], rel=1e-3)  # approaches the documented maximum


def test_calibration_band():
    """Typical-age stands (30-60 yr) remove 3.2-3.9 tCO2/ha/yr; the 45.8 MgC/ha average sits in that age range."""
    for age in range(30, 61):
        assert 3.2 <= forest_removal_t_ha(age, **CURVE) <= 3.9 + 1e-9
    biomass = forest_biomass_mgc_ha(np.arange(0, 200), **CURVE)
    age_at_average = int(np.searchsorted(biomass, 45.8))
    assert 30 <= age_at_average <= 60
    assert CURVE["bmax_mgc_ha"] > 45.8


def test_fixed_rates_by_land_cover():
    lc = np.array([LandCover.WETLAND, LandCover.GRASSLAND, LandCover.AGRICULTURE, LandCover.URBAN,
                   LandCover.WATER], np.uint8)
    r = sinks(lc, np.zeros(5, np.float32), np.ones(5, bool), cell_ha=2.0)
    np.testing.assert_allclose(r.cell_t, [1.2, 0.4, -0.2, 0.0, 0.0])


def test_afforested_cell_is_young_forest():
    lc = np.full(2, LandCover.FOREST, np.uint8)
    r = sinks(lc, np.array([0.0, 40.0], np.float32), np.ones(2, bool))
    assert 0 < r.cell_t[0] < r.cell_t[1]


def test_invalid_cells_and_bad_codes():
    lc = np.array([LandCover.FOREST, 200], np.uint8)
    r = sinks(lc, np.array([40, 0], np.float32), np.array([False, False]))
    assert r.sink_t == 0.0
    with pytest.raises(ValueError, match="land-cover code"):
        sinks(lc, np.array([40, 0], np.float32), np.array([True, True]))

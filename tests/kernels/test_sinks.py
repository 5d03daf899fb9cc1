"""Land-carbon kernels: twins, the stand curve's shape, stock changes of forests and other classes, harvest."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.grid import LandCover
from abm.kernels.reference import land as ref
from abm.kernels.sinks import (CO2_PER_C, age_stands, initial_storage, land_step, mean_stand_fraction,
                               stand_fraction)

FOREST = int(LandCover.FOREST)
LIVE = np.array([0.0, 0.0, 5.0, 4.4, 51.75, 0.0, 8.8, 0.0])
SOIL = np.array([0.0, 54.6, 78.0, 80.2, 96.0, 0.0, 156.0, 0.0])
FLUX = np.array([0.0, 0.0, -0.1, 0.2, 0.0, 0.0, 0.6, 0.0]) / CO2_PER_C
CURVE = dict(forest_live_tc_ha=240.0, rate_per_yr=0.03, half_age_yr=40.0)


def step(lc, age, valid, prev, soil, cell_ha=1.0, curve=CURVE):
    """(LandStep, storage after, sink map, soil after): the kernel works in place on copies."""
    n = len(valid)
    storage, sink = np.array(prev, np.float64), np.empty(n, np.float32)
    soil = np.array(soil, np.float64)
    r = land_step(lc, age, valid, storage, soil, live_tc_ha=LIVE, flux_tc_ha=FLUX, forest_code=FOREST, cell_ha=cell_ha,
                  sink_out=sink, **curve)
    return r, storage, sink, soil


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1), cell_ha=st.floats(0.01, 10),
       whole_years=st.booleans())
def test_step_equals_reference(n, seed, cell_ha, whole_years):
    rng = np.random.default_rng(seed)
    lc = rng.integers(0, 8, n).astype(np.uint8)
    age = rng.uniform(0, 300, n)
    age = (np.floor(age) if whole_years else age).astype(np.float32)
    age[rng.random(n) < 0.1] = 0.0  # felled stands
    valid = rng.random(n) < 0.9
    soil = rng.uniform(0, 200, n)
    prev = soil + rng.uniform(0, 300, n)
    fast, storage, sink, soil_after = step(lc, age, valid, prev, soil, cell_ha)
    slow, ref_storage, ref_sink, ref_soil = ref.land_step(lc, age, valid, prev, soil, live_tc_ha=LIVE, flux_tc_ha=FLUX,
                                                          forest_code=FOREST, cell_ha=cell_ha, **CURVE)
    np.testing.assert_allclose(storage, ref_storage, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(sink, ref_sink, rtol=1e-5, atol=1e-6)  # the map is float32
    np.testing.assert_allclose(soil_after[valid], ref_soil[valid], rtol=1e-12)
    for a, b in zip(fast, slow):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1))
def test_initial_storage_equals_reference(n, seed):
    rng = np.random.default_rng(seed)
    lc = rng.integers(0, 8, n).astype(np.uint8)
    age = rng.integers(0, 200, n).astype(np.float32)
    valid = rng.random(n) < 0.9
    fast = initial_storage(lc, age, valid, live_tc_ha=LIVE, soil_tc_ha=SOIL, forest_code=FOREST, **CURVE)
    slow = ref.initial_storage(lc, age, valid, live_tc_ha=LIVE, soil_tc_ha=SOIL, forest_code=FOREST, **CURVE)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@given(age=st.floats(0, 400), rate=st.floats(0.005, 0.5), half=st.floats(0, 120))
def test_stand_fraction_equals_reference(age, rate, half):
    assert float(stand_fraction(age, rate_per_yr=rate, half_age_yr=half)) == pytest.approx(
        ref.stand_fraction(age, rate_per_yr=rate, half_age_yr=half), rel=1e-9, abs=1e-12)


def test_a_stand_starts_empty_grows_fastest_at_half_age_and_matures():
    ages = np.arange(0, 301, 1.0)
    s = stand_fraction(ages, rate_per_yr=0.03, half_age_yr=40.0)
    assert s[0] == 0.0 and np.all(np.diff(s) > 0) and s[-1] == pytest.approx(1.0, abs=1e-3)
    increment = np.diff(s)  # what a stand takes up in the year it reaches each age
    peak = int(np.argmax(increment)) + 1
    assert 39 <= peak <= 41
    assert np.all(np.diff(increment[:peak]) > 0) and np.all(np.diff(increment[peak:]) < 0)


def test_mean_stand_fraction_of_a_table():
    m = mean_stand_fraction([1, 21], [20, 30], [0.5, 0.5], rate_per_yr=0.03, half_age_yr=40.0)
    by_year = 0.5 * stand_fraction(np.arange(1, 21), rate_per_yr=0.03, half_age_yr=40.0).mean() \
        + 0.5 * stand_fraction(np.arange(21, 31), rate_per_yr=0.03, half_age_yr=40.0).mean()
    assert m == pytest.approx(by_year)


def test_a_growing_stand_takes_up_its_increment_and_keeps_its_soil():
    prev = np.array([240.0 * float(stand_fraction(29.0, rate_per_yr=0.03, half_age_yr=40.0)) + 96.0])
    r, storage, sink, soil = step(np.array([FOREST], np.uint8), np.array([30.0], np.float32), np.ones(1, bool), prev,
                                  [96.0], cell_ha=2.0)
    grown = 240.0 * float(stand_fraction(30.0, rate_per_yr=0.03, half_age_yr=40.0) - stand_fraction(29.0, rate_per_yr=0.03,
                                                                                                   half_age_yr=40.0))
    assert r.sink_t == pytest.approx(grown * CO2_PER_C * 2.0) and sink[0] == pytest.approx(r.sink_t, rel=1e-6)
    assert soil[0] == 96.0 and storage[0] == pytest.approx(prev[0] + grown)
    assert r.storage_t == pytest.approx(storage[0] * 2.0) and r.felled_t == 0.0


def test_a_felled_stand_releases_its_live_carbon():
    live = 240.0 * float(stand_fraction(40.0, rate_per_yr=0.03, half_age_yr=40.0))
    r, storage, sink, _ = step(np.array([FOREST], np.uint8), np.zeros(1, np.float32), np.ones(1, bool),
                               np.array([live + 96.0]), [96.0])
    assert r.sink_t == pytest.approx(-live * CO2_PER_C) and r.felled_t == pytest.approx(live * CO2_PER_C)
    assert storage[0] == pytest.approx(96.0)


def test_other_classes_remove_their_rate_into_the_soil():
    lc = np.array([LandCover.WETLAND, LandCover.GRASSLAND, LandCover.AGRICULTURE, LandCover.URBAN,
                   LandCover.WATER], np.uint8)
    soil = SOIL[lc]
    r, storage, sink, soil_after = step(lc, np.zeros(5, np.float32), np.ones(5, bool), LIVE[lc] + soil, soil,
                                        cell_ha=2.0)
    np.testing.assert_allclose(sink, [1.2, 0.4, -0.2, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(soil_after - soil, np.array([0.6, 0.2, -0.1, 0.0, 0.0]) / CO2_PER_C)
    np.testing.assert_allclose(storage - (LIVE[lc] + soil), soil_after - soil)


def test_invalid_cells_and_bad_codes():
    lc = np.array([FOREST, 200], np.uint8)
    r, storage, sink, _ = step(lc, np.array([40, 0], np.float32), np.array([False, False]), np.ones(2), np.ones(2))
    assert r.sink_t == 0.0 and r.storage_t == 0.0 and not sink.any() and np.all(storage == 1.0)  # left as they were
    with pytest.raises(ValueError, match="land-cover code"):
        step(lc, np.array([40, 0], np.float32), np.array([True, True]), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="land-cover code"):
        initial_storage(lc, np.zeros(2, np.float32), np.ones(2, bool), live_tc_ha=LIVE, soil_tc_ha=SOIL,
                        forest_code=FOREST, **CURVE)
    with pytest.raises(ValueError, match="soil"):
        land_step(lc, np.zeros(2, np.float32), np.ones(2, bool), np.ones(2), np.ones(2, np.float32), live_tc_ha=LIVE,
                  flux_tc_ha=FLUX, forest_code=FOREST, cell_ha=1.0, sink_out=np.empty(2, np.float32), **CURVE)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), rotation=st.sampled_from([0.0, 1.0, 25.0, 41.0, 40.5]))
def test_ageing_equals_reference_and_finds_the_stands_reaching_rotation(seed, n, rotation):
    rng = np.random.default_rng(seed)
    ages = rng.integers(0, 80, 300).astype(np.float32)
    ages[rng.random(300) < 0.2] += np.float32(0.5)
    cells = rng.choice(300, n, replace=False)
    fast, slow = ages.copy(), ages.copy()
    reached = age_stands(fast, cells, rotation)
    np.testing.assert_array_equal(reached, ref.age_stands(slow, cells, rotation))
    np.testing.assert_array_equal(fast, slow)
    assert np.all(fast[cells] == ages[cells] + 1) and np.all(np.delete(fast, cells) == np.delete(ages, cells))
    if rotation:
        assert np.all((ages[reached] < rotation) & (fast[reached] >= rotation))
    else:
        assert not len(reached)

"""Commute kernel: twin, a hand-computed trip, the mode split's directions, scatter helpers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon_params import MODES, CarbonParameters
from abm.kernels import reference as ref
from abm.kernels.commute import CHUNK, ModeSplit, add_at, commute_emissions, households_per_cell, mode_shares

MODESPLIT = ModeSplit.from_year(CarbonParameters().at_year(2030))
CAR = MODES.index("car")


def random_case(rng, rows, cols, n_hh, n_firms):
    n = rows * cols
    home = rng.integers(0, n, n_hh)
    cells = dict(valid=rng.random(n) < 0.9, transit_dist_km=rng.exponential(1.0, n).astype(np.float32),
                 road=rng.random(n) < 0.4)
    firm_site = rng.integers(0, n, n_firms)
    work = rng.integers(-1, n_firms, n_hh) if n_firms else np.full(n_hh, -1)
    hh = dict(home=home, work=work, size=rng.integers(1, 7, n_hh).astype(np.int16), car=rng.random(n_hh) < 0.5,
              located_tick=rng.integers(0, 4, n_hh).astype(np.int32))
    return hh, cells, firm_site


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 12), n_hh=st.integers(0, 80), n_firms=st.integers(0, 10),
       seed=st.integers(0, 2**32 - 1), cell_km=st.floats(0.03, 1.0), tick=st.integers(0, 3))
def test_equals_reference(rows, cols, n_hh, n_firms, seed, cell_km, tick):
    rng = np.random.default_rng(seed)
    hh, cells, firm_site = random_case(rng, rows, cols, n_hh, n_firms)
    counts = households_per_cell(hh["home"], rows * cols)
    np.testing.assert_array_equal(counts, ref.households_per_cell(hh["home"], rows * cols))
    kw = dict(tick=tick, firm_site=firm_site, hh_count=counts, cols=cols, cell_km=cell_km, modes=MODESPLIT, **cells)
    fast = commute_emissions(*hh.values(), **kw)
    slow = ref.commute_emissions(*hh.values(), **kw)
    np.testing.assert_allclose(fast.household_t, slow.household_t, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(fast.household_km, slow.household_km, rtol=1e-6)
    for name in ("new_t", "stock_t", "commuters", "commuter_km"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(fast.trips_by_mode, slow.trips_by_mode, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast.pkm_by_mode, slow.pkm_by_mode, rtol=1e-9, atol=1e-9)
    assert fast.trips_by_mode.sum() == pytest.approx(fast.commuters, rel=1e-9, abs=1e-12)


def test_many_households_across_chunks_equal_reference():
    """More households than one pass holds (and a partial last pass): each chunk's rows and totals count."""
    rng = np.random.default_rng(5)
    hh, cells, firm_site = random_case(rng, 60, 70, 2 * CHUNK + 123, 300)
    kw = dict(tick=2, firm_site=firm_site, hh_count=households_per_cell(hh["home"], 60 * 70), cols=70, cell_km=0.1,
              modes=MODESPLIT, **cells)
    fast = commute_emissions(*hh.values(), **kw)
    slow = ref.commute_emissions(*hh.values(), **kw)
    np.testing.assert_allclose(fast.household_t, slow.household_t, rtol=1e-9, atol=1e-15)
    for name in ("new_t", "stock_t", "commuters", "commuter_km"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9)
    np.testing.assert_allclose(fast.pkm_by_mode, slow.pkm_by_mode, rtol=1e-9)


def test_totals_do_not_depend_on_the_number_of_threads():
    import numba

    rng = np.random.default_rng(8)
    hh, cells, firm_site = random_case(rng, 50, 50, CHUNK + 4000, 200)
    kw = dict(tick=1, firm_site=firm_site, hh_count=households_per_cell(hh["home"], 2500), cols=50, cell_km=0.1,
              modes=MODESPLIT, **cells)
    before = numba.get_num_threads()
    try:
        results = []
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            results.append(commute_emissions(*hh.values(), **kw))
    finally:
        numba.set_num_threads(before)
    for r in results[1:]:
        np.testing.assert_array_equal(r.household_t, results[0].household_t)
        assert (r.new_t, r.stock_t, r.commuter_km) == (results[0].new_t, results[0].stock_t, results[0].commuter_km)
        np.testing.assert_array_equal(r.pkm_by_mode, results[0].pkm_by_mode)


@settings(max_examples=60, deadline=None)
@given(d=st.floats(0.01, 80), rho=st.floats(0, 500), a=st.floats(0, 10), b=st.floats(0, 10),
       road=st.sampled_from([0.0, 0.5, 1.0]), car=st.booleans())
def test_mode_shares_equal_reference(d, rho, a, b, road, car):
    fast = mode_shares(d, rho, a, b, road, car, MODESPLIT)
    slow = ref.mode_shares(d, rho, a, b, road, car, MODESPLIT)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-15)
    assert fast.sum() == pytest.approx(1.0)
    if not car:
        assert fast[CAR] == 0.0


def test_one_trip_by_hand():
    """Work 3 cells east of home on 1 km cells, circuity 1.3 -> 3.9 km; one commuter (2 persons x 0.5);
    250 days x 2 trips x 3.9 km = 1950 pkm; every mode at 100 g/pkm -> 0.195 t."""
    p = CarbonParameters.from_dict({m: 100.0 for m in ("ef_car_g_pkm", "ef_bus_g_pkm", "ef_metro_g_pkm",
                                                        "ef_ebike_g_pkm", "ef_walk_cycle_g_pkm")}
                                   | {"commuters_per_person": 0.5, "workdays_per_year": 250, "circuity": 1.3})
    modes = ModeSplit.from_year(p.at_year(2030))
    r = commute_emissions(np.array([0]), np.array([0]), np.array([2], np.int16), np.array([True]),
                          np.array([7], np.int32), tick=7, firm_site=np.array([3]), valid=np.ones(4, bool),
                          hh_count=np.ones(4, np.int32), transit_dist_km=np.zeros(4, np.float32),
                          road=np.zeros(4, bool), cols=4, cell_km=1.0, modes=modes)
    assert r.household_km[0] == pytest.approx(3.9)
    assert r.household_t[0] == pytest.approx(0.195)
    assert r.new_t == pytest.approx(0.195) and r.stock_t == 0.0
    assert r.pkm_by_mode.sum() == pytest.approx(1950.0)


def test_no_job_or_outside_home_no_commute():
    r = commute_emissions(np.array([0, 1]), np.array([-1, 0]), np.array([3, 3], np.int16), np.array([True, True]),
                          np.zeros(2, np.int32), tick=0, firm_site=np.array([1]), valid=np.array([True, False]),
                          hh_count=np.ones(2, np.int32), transit_dist_km=np.zeros(2, np.float32),
                          road=np.zeros(2, bool), cols=2, cell_km=0.1, modes=MODESPLIT)
    assert r.household_t.tolist() == [0.0, 0.0] and r.commuters == 0.0


def _co2_per_household(hh_per_ha, transit_km, d_cells=40, car=True):
    """One car-owning household in a cell of the given density, job ``d_cells`` east (100 m cells)."""
    cols = 100
    counts = np.zeros(cols, np.int32)
    counts[0] = hh_per_ha  # 1 ha cells
    r = commute_emissions(np.array([0]), np.array([0]), np.array([3], np.int16), np.array([car]),
                          np.zeros(1, np.int32), tick=1, firm_site=np.array([d_cells]), valid=np.ones(cols, bool),
                          hh_count=counts, transit_dist_km=np.full(cols, transit_km, np.float32),
                          road=np.ones(cols, bool), cols=cols, cell_km=0.1, modes=MODESPLIT)
    return r.household_t[0], r.trips_by_mode / r.commuters


def test_density_and_transit_lower_commute_co2_at_equal_distance():
    sprawl, sprawl_shares = _co2_per_household(hh_per_ha=5, transit_km=3.0)
    dense, _ = _co2_per_household(hh_per_ha=150, transit_km=3.0)
    transit, _ = _co2_per_household(hh_per_ha=5, transit_km=0.2)
    compact, compact_shares = _co2_per_household(hh_per_ha=150, transit_km=0.2)
    assert compact < dense < sprawl
    assert compact < transit < sprawl
    assert compact_shares[CAR] < sprawl_shares[CAR]
    # DESIGN.md 4: about 70% green travel in a dense core (half the households own a car)
    no_car = _co2_per_household(hh_per_ha=150, transit_km=0.3, d_cells=80, car=False)[1]
    with_car = _co2_per_household(hh_per_ha=150, transit_km=0.3, d_cells=80, car=True)[1]
    green = 1.0 - 0.5 * (no_car[CAR] + with_car[CAR])
    assert 0.6 <= green <= 0.85


def test_longer_trips_emit_more():
    near, _ = _co2_per_household(50, 1.0, d_cells=10)
    far, _ = _co2_per_household(50, 1.0, d_cells=45)
    assert far > near


def test_add_at_sums_repeats_and_skips_negative():
    out = np.zeros(4, np.float32)
    idx = np.array([1, 1, -1, 3])
    w = np.array([1.0, 2.0, 5.0, 4.0])
    add_at(idx, w, out)
    np.testing.assert_array_equal(out, ref.add_at(idx, w, np.zeros(4, np.float32)))
    np.testing.assert_array_equal(out, [0, 3, 0, 4])


def test_out_of_range_indices_refused():
    kw = dict(tick=0, firm_site=np.array([0]), valid=np.ones(2, bool), hh_count=np.zeros(2, np.int32),
              transit_dist_km=np.zeros(2, np.float32), road=np.zeros(2, bool), cols=2, cell_km=0.1, modes=MODESPLIT)
    with pytest.raises(ValueError, match="home"):
        commute_emissions(np.array([2]), np.array([0]), np.ones(1, np.int16), np.ones(1, bool), np.zeros(1, np.int32), **kw)
    with pytest.raises(ValueError, match="work"):
        commute_emissions(np.array([0]), np.array([1]), np.ones(1, np.int16), np.ones(1, bool), np.zeros(1, np.int32), **kw)
    with pytest.raises(ValueError, match="home"):
        households_per_cell(np.array([-1]), 2)

"""Travel kernels: twins, hand cases, the nested logit's substitution pattern, destinations, scatter helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon_params import MODES, CarbonParameters
from abm.kernels.destinations import block_sums, destination_fields, settlements
from abm.kernels.reference import travel as ref
from abm.kernels.travel import (HH_TASK, SUB, ModeModel, add_at, block_trips, household_travel, households_per_cell,
                                mode_shares, persons_by_block)

YEAR = CarbonParameters().at_year(2030)
MODEL = YEAR.mode_model(0.4)
CAR, BUS, METRO, WALK = (MODES.index(m) for m in ("car", "bus", "metro", "walk_cycle"))


def with_lambdas(active: float, transit: float) -> ModeModel:
    return MODEL._replace(lambda_active=active, lambda_transit=transit)


def random_case(rng, rows, cols, n_hh, n_firms, block_cells):
    n = rows * cols
    cells = dict(valid=rng.random(n) < 0.9, transit_dist_km=rng.exponential(1.0, n).astype(np.float32),
                 road=rng.random(n) < 0.4)
    work = rng.integers(-1, n_firms, n_hh) if n_firms else np.full(n_hh, -1)
    hh = dict(home=rng.integers(0, n, n_hh), work=work, size=rng.integers(1, 7, n_hh).astype(np.int16),
              car=rng.random(n_hh) < 0.5, arrived_tick=rng.integers(0, 4, n_hh).astype(np.int32))
    n_blocks = -(-rows // block_cells) * -(-cols // block_cells)
    per_person = rng.uniform(0, 0.5, (n_blocks, 2))
    return hh, cells, rng.integers(0, n, n_firms), per_person


def household_kw(hh, cells, firm_site, per_person, rows, cols, cell_km, tick, block_cells):
    return dict(tick=tick, firm_site=firm_site, hh_count=households_per_cell(hh["home"], rows * cols), cols=cols,
                cell_km=cell_km, block_cells=block_cells, per_person_t=per_person, workdays_per_year=250.0,
                commuters_per_person=0.52, modes=MODEL, **cells)


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 12), n_hh=st.integers(0, 80), n_firms=st.integers(0, 10),
       seed=st.integers(0, 2**32 - 1), cell_km=st.floats(0.03, 1.0), tick=st.integers(0, 3), b=st.integers(1, 4))
def test_household_travel_equals_reference(rows, cols, n_hh, n_firms, seed, cell_km, tick, b):
    rng = np.random.default_rng(seed)
    hh, cells, firm_site, per_person = random_case(rng, rows, cols, n_hh, n_firms, b)
    np.testing.assert_array_equal(households_per_cell(hh["home"], rows * cols),
                                  ref.households_per_cell(hh["home"], rows * cols))
    kw = household_kw(hh, cells, firm_site, per_person, rows, cols, cell_km, tick, b)
    fast = household_travel(*hh.values(), **kw)
    slow = ref.household_travel(*hh.values(), **kw)
    np.testing.assert_allclose(fast.household_t, slow.household_t, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(fast.household_km, slow.household_km, rtol=1e-6)
    for name in ("total_t", "arrived_t", "commuters", "commuter_km"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(fast.work_trips_by_mode, slow.work_trips_by_mode, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast.work_pkm_by_mode, slow.work_pkm_by_mode, rtol=1e-9, atol=1e-9)
    assert fast.work_trips_by_mode.sum() == pytest.approx(fast.commuters * 500.0, rel=1e-9, abs=1e-9)


def test_many_households_across_tasks_equal_reference_and_any_thread_count():
    """More households than one task holds (and a partial last task); totals independent of the threads."""
    import numba

    rng = np.random.default_rng(5)
    hh, cells, firm_site, per_person = random_case(rng, 60, 70, 2 * HH_TASK + 123, 300, 3)
    kw = household_kw(hh, cells, firm_site, per_person, 60, 70, 0.1, 2, 3)
    slow = ref.household_travel(*hh.values(), **kw)
    before = numba.get_num_threads()
    try:
        results = []
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            results.append(household_travel(*hh.values(), **kw))
    finally:
        numba.set_num_threads(before)
    np.testing.assert_allclose(results[0].household_t, slow.household_t, rtol=1e-9, atol=1e-15)
    assert results[0].total_t == pytest.approx(slow.total_t, rel=1e-9)
    for r in results[1:]:
        np.testing.assert_array_equal(r.household_t, results[0].household_t)
        assert (r.total_t, r.arrived_t, r.commuter_km) == (results[0].total_t, results[0].arrived_t,
                                                            results[0].commuter_km)


@settings(max_examples=60, deadline=None)
@given(d=st.floats(0.01, 80), rho=st.floats(0, 500), a=st.floats(0, 10), b=st.floats(0, 10),
       road=st.sampled_from([0.0, 0.5, 1.0]), car=st.booleans(), la=st.floats(0.05, 1.0), lt=st.floats(0.05, 1.0))
def test_mode_shares_equal_reference(d, rho, a, b, road, car, la, lt):
    fast = mode_shares(d, rho, a, b, road, car, with_lambdas(la, lt))
    slow = ref.mode_shares(d, rho, a, b, road, car, with_lambdas(la, lt))
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-15)
    assert fast.sum() == pytest.approx(1.0)
    if not car:
        assert fast[CAR] == 0.0


def test_lambdas_of_one_give_the_multinomial_logit():
    m = with_lambdas(1.0, 1.0)
    dens = math.log1p(30.0 / m.density_ref_hh_ha)
    u = ref.utilities(6.0, dens, 1.2, 0.5, m)
    mnl = np.exp(u - u.max()) / np.exp(u - u.max()).sum()
    np.testing.assert_allclose(mode_shares(6.0, 30.0, 0.6, 0.6, 0.5, True, m), mnl, rtol=1e-12)


def test_a_better_metro_draws_on_the_bus_before_walking_and_cars():
    """No IIA: with a transit nest (lambda < 1) a shorter walk to the metro takes proportionally more from the
    bus than from walking or the car; between nests the losses stay proportional (walk / car ratio kept)."""
    m = with_lambdas(0.6, 0.4)
    far, near = (mode_shares(7.0, 40.0, w, 0.4, 0.5, True, m) for w in (2.0, 0.2))
    assert near[METRO] > far[METRO]
    kept = near / far
    assert kept[BUS] < kept[WALK] and kept[BUS] < kept[CAR] < 1.0
    assert kept[WALK] == pytest.approx(kept[CAR], rel=1e-9)
    # the multinomial logit would take from every mode alike
    flat = [mode_shares(7.0, 40.0, w, 0.4, 0.5, True, with_lambdas(1.0, 1.0)) for w in (2.0, 0.2)]
    same = flat[1] / flat[0]
    assert same[BUS] == pytest.approx(same[CAR], rel=1e-9) == pytest.approx(same[WALK], rel=1e-9)


def test_one_work_trip_by_hand():
    """Work 3 cells east of home on 1 km cells, circuity 1.3 -> 3.9 km; one commuter (2 persons x 0.5);
    250 days x 2 trips x 3.9 km = 1950 pkm; every mode at 100 g/pkm -> 0.195 t; the other trips add
    2 persons x 0.25 t."""
    modes = MODEL._replace(ef_g_pkm=np.full(5, 100.0), circuity=1.3)
    r = household_travel(np.array([0]), np.array([0]), np.array([2], np.int16), np.array([True]),
                         np.array([7], np.int32), tick=7, firm_site=np.array([3]), valid=np.ones(4, bool),
                         hh_count=np.ones(4, np.int32), transit_dist_km=np.zeros(4, np.float32), road=np.zeros(4, bool),
                         cols=4, cell_km=1.0, block_cells=2, per_person_t=np.array([[0.0, 0.25], [9.0, 9.0]]),
                         workdays_per_year=250.0, commuters_per_person=0.5, modes=modes)
    assert r.household_km[0] == pytest.approx(3.9)
    assert r.household_t[0] == pytest.approx(0.195 + 0.5)
    assert r.arrived_t == r.total_t == pytest.approx(0.695)
    assert r.work_pkm_by_mode.sum() == pytest.approx(1950.0)


def test_no_job_keeps_the_other_trips_and_a_home_outside_counts_nothing():
    r = household_travel(np.array([0, 1]), np.array([-1, 0]), np.array([3, 3], np.int16), np.array([True, True]),
                         np.zeros(2, np.int32), tick=0, firm_site=np.array([1]), valid=np.array([True, False]),
                         hh_count=np.ones(2, np.int32), transit_dist_km=np.zeros(2, np.float32), road=np.zeros(2, bool),
                         cols=2, cell_km=0.1, block_cells=1, per_person_t=np.array([[0.0, 0.1], [0.0, 0.2]]),
                         workdays_per_year=250.0, commuters_per_person=0.52, modes=MODEL)
    assert r.household_t.tolist() == pytest.approx([0.3, 0.0]) and r.commuters == 0.0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_blocks=st.integers(1, 30))
def test_block_trips_equal_reference(seed, n_blocks):
    rng = np.random.default_rng(seed)
    persons = np.where(rng.random((n_blocks, 2)) < 0.6, rng.integers(0, 50, (n_blocks, 2)), 0).astype(float)
    home = dict(log_density=rng.uniform(0, 2, n_blocks), home_walk_km=rng.exponential(1, n_blocks),
                road_share=rng.random(n_blocks))
    fields = dict(mean_km=rng.uniform(0.2, 15, (3, n_blocks)), dest_walk_km=rng.exponential(1, (3, n_blocks)))
    rates = rng.uniform(0, 300, 3)
    fast = block_trips(persons, **home, **fields, trips_per_person=rates, modes=MODEL)
    slow = ref.block_trips(persons, **home, **fields, trips_per_person=rates, modes=MODEL)
    np.testing.assert_allclose(fast.per_person_t, slow.per_person_t, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(fast.trips_by_mode, slow.trips_by_mode, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast.pkm_by_mode, slow.pkm_by_mode, rtol=1e-9, atol=1e-9)
    assert fast.trips_by_mode.sum() == pytest.approx(persons.sum() * rates.sum(), rel=1e-9, abs=1e-9)


def test_block_trips_integrate_a_gamma_trip_length():
    """The two-point rule keeps the mean trip length: pkm / trips is the block's mean."""
    r = block_trips(np.array([[10.0, 0.0]]), np.zeros(1), np.ones(1), np.zeros(1), np.full((3, 1), 4.0),
                    np.ones((3, 1)), trips_per_person=(100.0, 200.0, 50.0), modes=MODEL)
    assert r.pkm_by_mode.sum() / r.trips_by_mode.sum() == pytest.approx(4.0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 10), cols=st.integers(1, 10), b=st.integers(1, 4))
def test_block_sums_and_persons_equal_reference(seed, rows, cols, b):
    rng = np.random.default_rng(seed)
    valid = rng.random((rows, cols)) < 0.8
    floor = rng.uniform(0, 1e4, (2, rows, cols)).astype(np.float32)
    layers = (floor[0], floor[1], rng.integers(0, 8, (rows, cols)).astype(np.uint8), rng.integers(0, 20, (rows, cols)),
              rng.exponential(1, (rows, cols)).astype(np.float32), rng.random((rows, cols)) < 0.5)
    kw = dict(green_covers=(3, 4, 5, 6), block_cells=b, cell_km=0.1, density_ref_hh_ha=50.0)
    np.testing.assert_allclose(block_sums(valid, *layers, **kw), ref.block_sums(valid, *layers, **kw), rtol=1e-9,
                               atol=1e-9)
    n = int(rng.integers(0, 40))
    home, size, car = rng.integers(0, rows * cols, n), rng.integers(1, 6, n), rng.random(n) < 0.5
    nb = -(-rows // b) * -(-cols // b)
    kw = dict(cols=cols, block_cells=b, n_blocks=nb)
    np.testing.assert_array_equal(persons_by_block(home, size, car, valid, **kw),
                                  ref.persons_by_block(home, size, car, valid, **kw))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 9), cols=st.integers(1, 9), block_km=st.floats(0.1, 2.0),
       empty=st.booleans())
def test_destination_fields_equal_direct_summation(seed, rows, cols, block_km, empty):
    rng = np.random.default_rng(seed)
    opp = np.where(rng.random((3, rows, cols)) < 0.3, rng.uniform(0, 100, (3, rows, cols)), 0.0)
    if empty:
        opp[1] = 0.0
    walk = opp * rng.exponential(1, (3, rows, cols))
    kw = dict(block_km=block_km, circuity=1.3, decay_per_km=(1.2, 0.6, 0.35),
              fallback_walk_km=np.full((rows, cols), 7.0))
    fast, slow = destination_fields(opp, walk, **kw), ref.destination_fields(opp, walk, **kw)
    np.testing.assert_allclose(fast.mean_km, slow.mean_km, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fast.dest_walk_km, slow.dest_walk_km, rtol=1e-7, atol=1e-9)
    if empty:
        assert (fast.mean_km[1] == fast.reach_km[1]).all() and (fast.dest_walk_km[1] == 7.0).all()


def test_destination_fields_equal_direct_summation_where_the_reach_is_shorter_than_the_window():
    """The FFT is padded to n + reach only (the wrapped tail falls outside the crop): still the direct sum."""
    rng = np.random.default_rng(11)
    opp = np.where(rng.random((3, 30, 44)) < 0.3, rng.uniform(0, 100, (3, 30, 44)), 0.0)
    walk = opp * rng.exponential(1, opp.shape)
    kw = dict(block_km=0.3, circuity=1.3, decay_per_km=(3.0, 1.5, 1.0), fallback_walk_km=np.full((30, 44), 7.0))
    fast, slow = destination_fields(opp, walk, **kw), ref.destination_fields(opp, walk, **kw)
    assert (fast.reach_km / (1.3 * 0.3) < 30).all()  # every purpose's reach is shorter than the window
    np.testing.assert_allclose(fast.mean_km, slow.mean_km, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fast.dest_walk_km, slow.dest_walk_km, rtol=1e-7, atol=1e-9)


def test_destination_fields_do_not_depend_on_the_fft_threads(monkeypatch):
    """The FFTs of large windows use as many threads as numba: the fields are the same, bit for bit, on one
    thread (the size from which threads are used is lowered to this small window)."""
    import numba

    import abm.kernels.destinations

    monkeypatch.setattr(abm.kernels.destinations, "FFT_THREADS_FROM", 0)

    rng = np.random.default_rng(3)
    opp = np.where(rng.random((3, 90, 70)) < 0.3, rng.uniform(0, 100, (3, 90, 70)), 0.0)
    kw = dict(block_km=0.3, circuity=1.3, decay_per_km=(1.2, 0.6, 0.35), fallback_walk_km=np.zeros((90, 70)))
    before = numba.get_num_threads()
    try:
        fields = []
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            fields.append(destination_fields(opp, opp * 0.5, **kw))
    finally:
        numba.set_num_threads(before)
    for f in fields[1:]:
        np.testing.assert_array_equal(f.mean_km, fields[0].mean_km)
        np.testing.assert_array_equal(f.dest_walk_km, fields[0].dest_walk_km)


def test_shops_near_home_shorten_the_trips():
    """Mixed use: commercial floor next to a residential block shortens its shopping trips."""
    shops = np.zeros((1, 30, 30))
    shops[0, 25, 25] = 1000.0
    kw = dict(block_km=0.3, circuity=1.3, decay_per_km=(0.6,), fallback_walk_km=np.zeros((30, 30)))
    far = destination_fields(shops, shops * 0, **kw).mean_km[0, 5, 5]
    shops[0, 5, 6] = 200.0
    near = destination_fields(shops, shops * 0, **kw).mean_km[0, 5, 5]
    assert near < 0.5 * far


def test_add_at_sums_repeats_and_skips_negative():
    out = np.zeros(4, np.float32)
    idx = np.array([1, 1, -1, 3])
    w = np.array([1.0, 2.0, 5.0, 4.0])
    add_at(idx, w, out)
    np.testing.assert_array_equal(out, ref.add_at(idx, w, np.zeros(4, np.float32)))
    np.testing.assert_array_equal(out, [0, 3, 0, 4])


def test_out_of_range_indices_and_bad_shapes_refused():
    kw = dict(tick=0, firm_site=np.array([0]), valid=np.ones(2, bool), hh_count=np.zeros(2, np.int32),
              transit_dist_km=np.zeros(2, np.float32), road=np.zeros(2, bool), cols=2, cell_km=0.1, block_cells=1,
              per_person_t=np.zeros((2, 2)), workdays_per_year=250.0, commuters_per_person=0.5, modes=MODEL)
    one = (np.ones(1, np.int16), np.ones(1, bool), np.zeros(1, np.int32))
    with pytest.raises(ValueError, match="home"):
        household_travel(np.array([2]), np.array([0]), *one, **kw)
    with pytest.raises(ValueError, match="work"):
        household_travel(np.array([0]), np.array([1]), *one, **kw)
    with pytest.raises(ValueError, match="per_person_t"):
        household_travel(np.array([0]), np.array([0]), *one, **(kw | {"per_person_t": np.zeros((3, 2))}))
    with pytest.raises(ValueError, match="home"):
        households_per_cell(np.array([-1]), 2)
    with pytest.raises(ValueError, match="decay"):
        destination_fields(np.ones((1, 2, 2)), np.ones((1, 2, 2)), block_km=0.3, circuity=1.3, decay_per_km=(0.0,),
                           fallback_walk_km=np.zeros((2, 2)))



def test_settlements_are_the_occupied_blocks_grown_by_the_reach():
    occupied = np.zeros((40, 60), bool)
    occupied[5, 5] = occupied[6, 8] = True  # a town
    occupied[30, 50] = True                 # a village far away
    labels, windows = settlements(occupied, pad=4)
    assert windows == [(1, 11, 1, 13), (26, 35, 46, 55)]
    assert labels[5, 5] == labels[6, 8] == 1 and labels[30, 50] == 2 and labels[20, 30] == 0
    assert settlements(np.zeros((3, 3), bool), pad=2)[1] == []

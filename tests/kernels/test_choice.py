"""The location-choice kernel equals its numpy twin and never overfills a cell."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.kernels import reference
from abm.kernels import _jit
from abm.kernels.choice import DRAW_CHUNK, CandidateTable, choose_locations, draw_alternatives, draw_gumbel


def _case(seed: int, n: int, k: int, rows: int, cols: int, with_origin: bool, index_dtype=np.int64):
    rng = np.random.default_rng(seed)
    cells = rows * cols
    n_alt = int(rng.integers(1, cells + 1))
    alt_cells = np.sort(rng.choice(cells, size=n_alt, replace=False))
    candidates = rng.integers(-1, n_alt, size=(n, k)).astype(index_dtype)
    origin = np.where(rng.random(n) < 0.5, rng.integers(0, n_alt, n), -1) if with_origin else np.full(n, -1)
    return dict(
        order=rng.permutation(n),
        candidates=candidates,
        gumbel=draw_gumbel(rng, n, k),
        alt_cells=alt_cells,
        alt_utility=rng.normal(size=n_alt),
        capacity=rng.integers(0, 4, n_alt).astype(np.int64),
        target=np.where(rng.random(n) < 0.8, rng.integers(0, cells, n), -1),
        target_transit=rng.random(n) < 0.3,
        alt_transit=rng.random(n_alt) < 0.3,
        b_cost=-abs(rng.normal()),
        cols=cols,
        cell_km=0.1,
        circuity=1.3,
        transit_factor=0.6,
        demand=rng.integers(1, 3, n).astype(np.int64),
        origin=origin,
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 60), k=st.integers(1, 8), rows=st.integers(1, 9),
       cols=st.integers(1, 9), with_origin=st.booleans(), index_dtype=st.sampled_from([np.int32, np.int64]))
def test_kernel_equals_reference(seed, n, k, rows, cols, with_origin, index_dtype):
    a = _case(seed, n, k, rows, cols, with_origin, index_dtype)
    b = {key: (v.copy() if isinstance(v, np.ndarray) else v) for key, v in a.items()}
    fast = choose_locations(**a)
    slow = reference.choose_locations(**b)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(a["capacity"], b["capacity"])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 200))
def test_capacity_is_never_exceeded(seed, n):
    case = _case(seed, n, 6, 5, 5, with_origin=False)
    start = case["capacity"].copy()
    chosen = choose_locations(**case)
    used = np.bincount(chosen[chosen >= 0], weights=case["demand"][chosen >= 0], minlength=start.size).astype(np.int64)
    assert (used <= start).all()
    np.testing.assert_array_equal(case["capacity"], start - used)


def test_mover_can_always_stay_and_releases_its_place():
    # No room in alternative 0: the mover holding it may stay; a newcomer then takes the place a mover left.
    capacity = np.array([0, 1, 0], np.int64)
    candidates = np.array([[1], [0]])
    noise = np.zeros((2, 2))
    utility = np.array([0.0, 5.0, 0.0])  # everyone prefers alternative 1
    chosen = choose_locations(np.array([0, 1]), candidates, noise, np.array([10, 11, 12]), utility, capacity,
                              origin=np.array([0, -1]))
    assert chosen.tolist() == [1, 0]
    assert capacity.tolist() == [0, 0, 0]


def test_hand_computed_utility_picks_the_nearer_cell():
    # Chooser works at cell 0 of a 1x10 row; alternatives at cells 9 and 2 identical but for distance.
    capacity = np.ones(2, np.int64)
    half = np.zeros((1, 3))
    chosen = choose_locations(np.array([0]), np.array([[0, 1]]), half, np.array([9, 2]), np.zeros(2), capacity,
                              target=np.array([0]), b_cost=-1.0, cols=10)
    assert chosen.tolist() == [1]
    # With transit at both ends the far cell's cost shrinks by the factor: 9 x 0.2 < 2.
    capacity = np.ones(2, np.int64)
    chosen = choose_locations(np.array([0]), np.array([[0, 1]]), half, np.array([9, 2]), np.zeros(2), capacity,
                              target=np.array([0]), b_cost=-1.0, cols=10, target_transit=np.array([True]), alt_transit=np.array([True, False]), transit_factor=0.2)
    assert chosen.tolist() == [0]


def sample_candidates(rng, weights, n, k):
    """n choosers' k candidates from one generator, as each chunk of `draw_alternatives` draws them."""
    return CandidateTable.build(weights, n * k).draw(rng, n, k)


def test_candidate_table_follows_weights():
    rng = np.random.default_rng(0)
    cand = sample_candidates(rng, np.array([1, 3]), 4000, 5)
    share1 = (cand == 1).mean()
    assert 0.72 < share1 < 0.78
    assert (sample_candidates(rng, np.array([0, 0]), 3, 2) == -1).all()
    assert (sample_candidates(rng, np.array([2, 0, 5]), 500, 4) != 1).all()


def test_candidate_table_equals_numpy_draws():
    """The kernel's gather is numpy's `repeat` + fancy indexing on the same draws."""
    weights = np.array([3, 0, 1, 7, 2])
    fast = sample_candidates(np.random.default_rng(4), weights, 50, 6)
    draws = np.random.default_rng(4).integers(0, weights.sum(), size=(50, 6), dtype=np.int32)
    np.testing.assert_array_equal(fast, np.repeat(np.arange(5), weights)[draws])


def test_candidate_table_gives_the_same_draws_by_table_and_by_search():
    """Few draws against many units take the binary search (no unit table): the same candidates."""
    weights = np.random.default_rng(1).integers(0, 400, 2000)
    few = sample_candidates(np.random.default_rng(4), weights, 3, 2)  # 6 draws, ~400,000 units: searched
    draws = np.random.default_rng(4).integers(0, weights.sum(), size=(3, 2), dtype=np.int32)
    np.testing.assert_array_equal(few, np.repeat(np.arange(2000), weights)[draws])
    many = sample_candidates(np.random.default_rng(4), weights[:5], 5000, 20)  # a small table: gathered
    draws = np.random.default_rng(4).integers(0, weights[:5].sum(), size=(5000, 20), dtype=np.int32)
    np.testing.assert_array_equal(many, np.repeat(np.arange(5), weights[:5])[draws])


def test_no_alternatives_means_no_choice():
    n = 4
    chosen = choose_locations(np.arange(n), np.full((n, 3), -1), draw_gumbel(np.random.default_rng(0), n, 3),
                              np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64),
                              target=np.array([5, -1, 7, 0]), cols=10)
    assert chosen.tolist() == [-1] * n


def test_alternatives_drawn_in_chunks_do_not_depend_on_threads(monkeypatch):
    """Three chunks, drawn on every numba thread and on one: the same candidates and noise, and the same
    state of the caller's generator after."""
    weights = np.random.default_rng(3).integers(0, 5, 700)
    n = 2 * DRAW_CHUNK + 123
    out = []
    for serial_below in (0, 1 << 40):
        monkeypatch.setattr(_jit, "SERIAL_BELOW", serial_below)
        rng = np.random.default_rng(11)
        out.append((*draw_alternatives(rng, weights, n, 6), rng.random()))
    (c1, g1, r1), (c2, g2, r2) = out
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(g1, g2)
    assert r1 == r2


def test_alternatives_follow_the_weights_and_the_noise_is_gumbel():
    rng = np.random.default_rng(5)
    cand, noise = draw_alternatives(rng, np.array([1, 0, 3]), DRAW_CHUNK + 500, 4)
    assert cand.shape == (DRAW_CHUNK + 500, 4) and noise.shape == (DRAW_CHUNK + 500, 5)
    assert (cand != 1).all() and 0.74 < (cand == 2).mean() < 0.76
    assert abs(float(noise.mean()) - 0.5772) < 0.01  # Euler's constant: the mean of a standard Gumbel
    none, _ = draw_alternatives(rng, np.zeros(3, np.int64), 10, 4)
    assert (none == -1).all()

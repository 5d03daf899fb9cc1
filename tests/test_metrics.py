"""abm.metrics: hand-computed tiny maps for every statistic, plus a slow loop twin of the SLEUTH stats."""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from abm.metrics import (
    figure_of_merit,
    kappa_simulation,
    lee_sallee,
    multi_resolution_agreement,
    quantity_allocation_disagreement,
    sleuth_regression,
    sleuth_stats,
)

# 5 x 6: four 4-connected groups; after clearing the outer ring three remain, holding 5 cells
GRID = np.array(
    [
        [1, 1, 0, 0, 0, 0],
        [1, 1, 0, 1, 1, 0],
        [0, 0, 0, 1, 0, 0],
        [0, 1, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 1],
    ],
    dtype=bool,
)


def naive_sleuth_stats(urban: np.ndarray, slope: np.ndarray) -> dict[str, float]:
    """SLEUTH's stats_edge / stats_cluster / stats_circle as plain loops (the obviously correct twin)."""
    rows, cols = urban.shape
    area = edges = 0
    xs = ys = sl = 0.0
    for i in range(rows):
        for j in range(cols):
            if urban[i, j]:
                area += 1
                xs += j
                ys += i
                sl += float(slope[i, j])
                for di, dj in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                    r, c = i + di, j + dj
                    if 0 <= r < rows and 0 <= c < cols and not urban[r, c]:
                        edges += 1
                        break
    core = [[bool(urban[i, j]) and 0 < i < rows - 1 and 0 < j < cols - 1 for j in range(cols)] for i in range(rows)]
    seen = [[False] * cols for _ in range(rows)]
    clusters = total = 0
    for i in range(rows):
        for j in range(cols):
            if core[i][j] and not seen[i][j]:
                clusters += 1
                seen[i][j] = True
                queue = deque([(i, j)])
                while queue:
                    r, c = queue.popleft()
                    total += 1
                    for dr, dc in ((1, 0), (0, 1), (-1, 0), (0, -1)):
                        rr, cc = r + dr, c + dc
                        if 0 <= rr < rows and 0 <= cc < cols and core[rr][cc] and not seen[rr][cc]:
                            seen[rr][cc] = True
                            queue.append((rr, cc))
    return {
        "area": area, "edges": edges, "clusters": clusters, "cluster_size": total // clusters if clusters else 0,
        "xmean": xs / area if area else math.nan, "ymean": ys / area if area else math.nan,
        "slope": sl / area if area else math.nan, "rad": math.sqrt(area / math.pi),
    }


# ------------------------------------------------------------------------------------ SLEUTH stats
def test_sleuth_stats_hand_computed():
    slope = np.arange(30, dtype=np.float32).reshape(5, 6)
    s = sleuth_stats(GRID, slope)
    assert s["area"] == s["pop"] == 10
    # (0, 0) has only urban neighbours inside the image, so it is not an edge; all 9 others are
    assert s["edges"] == 9
    # ring rule: the corner block keeps only (1, 1), the right-edge pair vanishes -> 3 clusters of 5 cells
    assert s["clusters"] == 3
    assert s["cluster_size"] == 1  # 5 // 3, integer division as in SLEUTH (not 1.67)
    assert s["xmean"] == pytest.approx(2.3)  # columns 0+1+0+1+3+4+3+1+5+5 = 23
    assert s["ymean"] == pytest.approx(1.6)  # rows 0+0+1+1+1+1+2+3+3+4 = 16
    assert s["rad"] == pytest.approx(math.sqrt(10 / math.pi))
    assert s["slope"] == pytest.approx(11.9)  # slope = 6 row + col: (6 * 16 + 23) / 10
    assert s["percent_urban"] == pytest.approx(100 * 10 / 30)


def test_sleuth_stats_percent_urban_follows_sleuth_formula():
    roads = np.zeros_like(GRID)
    roads[2, 0:2] = True
    excluded = np.zeros(GRID.shape, np.uint8)
    excluded[4, 0:2] = 100
    excluded[4, 2] = 50  # below 100: may urbanise, not counted
    s = sleuth_stats(GRID, roads=roads, excluded=excluded)
    assert s["percent_urban"] == pytest.approx(100 * (10 + 2) / (30 - 2 - 2))


def test_clusters_are_4_connected():
    u = np.zeros((4, 4), bool)
    u[1, 1] = u[2, 2] = True  # diagonal neighbours: two clusters
    s = sleuth_stats(u)
    assert s["clusters"] == 2 and s["cluster_size"] == 1 and s["edges"] == 2


def test_outside_cells_are_never_counted():
    valid = np.ones_like(GRID)
    valid[4, 5] = False  # an urban cell outside the study area
    valid[0, 2] = False
    s = sleuth_stats(GRID, valid=valid)
    assert s["area"] == 9
    assert s["edges"] == 8  # (0, 0) still interior; (3, 5) now borders a non-urban (outside) cell
    assert s["percent_urban"] == pytest.approx(100 * 9 / 28)


def test_empty_map():
    s = sleuth_stats(np.zeros((3, 3), bool), np.ones((3, 3)))
    assert (s["area"], s["edges"], s["clusters"], s["cluster_size"], s["rad"]) == (0, 0, 0, 0, 0)
    assert math.isnan(s["xmean"]) and math.isnan(s["slope"])


@pytest.mark.parametrize("seed", range(6))
def test_sleuth_stats_match_loop_twin(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 25, size=2))
    urban = rng.random(shape) < rng.uniform(0.1, 0.7)
    slope = rng.integers(0, 40, size=shape).astype(np.float32)
    fast, slow = sleuth_stats(urban, slope), naive_sleuth_stats(urban, slope)
    for key, value in slow.items():
        assert fast[key] == pytest.approx(value, nan_ok=True), key


def test_sleuth_stats_demo200_match_loop_twin(demo200_dir):
    from abm.io.sleuth import load_sleuth_set

    maps = load_sleuth_set(demo200_dir)
    fast = sleuth_stats(maps.urban[1930], maps.slope)
    slow = naive_sleuth_stats(maps.urban[1930], maps.slope)
    for key, value in slow.items():
        assert fast[key] == pytest.approx(value), key


# --------------------------------------------------------------------------------- map agreement
def test_lee_sallee_hand_computed():
    sim = np.array([[1, 1, 0], [0, 1, 0]], bool)
    obs = np.array([[1, 0, 0], [0, 1, 1]], bool)
    assert lee_sallee(sim, obs) == pytest.approx(2 / 4)
    valid = np.ones_like(sim)
    valid[1, 2] = False  # drops an obs-only cell from the union
    assert lee_sallee(sim, obs, valid) == pytest.approx(2 / 3)
    assert math.isnan(lee_sallee(np.zeros((2, 2)), np.zeros((2, 2))))


def test_figure_of_merit_hand_computed():
    initial = np.array([[1, 1, 0, 0, 0, 0, 0, 0]], bool)
    obs = np.array([[1, 1, 1, 1, 0, 0, 0, 0]], bool)
    sim = np.array([[1, 1, 1, 0, 1, 1, 0, 0]], bool)
    # hit: cell 2; miss: cell 3; false alarms: cells 4, 5 -> 1 / (1 + 1 + 2)
    assert figure_of_merit(sim, obs, initial) == pytest.approx(0.25)
    valid = np.ones_like(sim)
    valid[0, 4:6] = False  # the false alarms lie outside: 1 / 2
    assert figure_of_merit(sim, obs, initial, valid) == pytest.approx(0.5)
    assert figure_of_merit(obs, obs, initial) == 1.0


def test_figure_of_merit_counts_losses_as_change():
    initial = np.array([[1, 1]], bool)
    obs = np.array([[1, 0]], bool)  # cell 1 lost its urban use
    sim = np.array([[0, 1]], bool)  # simulated the loss in the wrong place
    assert figure_of_merit(sim, obs, initial) == 0.0
    assert math.isnan(figure_of_merit(initial, initial, initial))


def test_kappa_simulation_hand_computed():
    initial = np.array([[1, 1, 0, 0, 0, 0, 0, 0]], bool)
    obs = np.array([[1, 1, 1, 1, 0, 0, 0, 0]], bool)
    # p_e(T) = 2/8 * (1 * 1) + 6/8 * (1/2 * 2/3 + 1/2 * 1/3) = 0.625
    sim_random = np.array([[1, 1, 1, 0, 1, 1, 0, 0]], bool)  # p_o = 5/8 = p_e -> 0
    assert kappa_simulation(sim_random, obs, initial) == pytest.approx(0.0)
    sim_good = np.array([[1, 1, 1, 1, 1, 0, 0, 0]], bool)  # p_o = 7/8 -> (0.875 - 0.625) / 0.375
    assert kappa_simulation(sim_good, obs, initial) == pytest.approx(2 / 3)
    assert kappa_simulation(obs, obs, initial) == pytest.approx(1.0)


def test_quantity_allocation_disagreement_hand_computed():
    sim = np.array([[1, 1, 1, 0], [0, 0, 0, 0]], bool)
    obs = np.array([[1, 0, 0, 0], [1, 0, 0, 0]], bool)
    d = quantity_allocation_disagreement(sim, obs)
    # p10 = 2/8 (simulated only), p01 = 1/8 (observed only)
    assert d["quantity"] == pytest.approx(1 / 8)
    assert d["allocation"] == pytest.approx(2 / 8)
    assert d["total"] == pytest.approx(3 / 8)


def test_multi_resolution_agreement_hand_computed():
    sim = np.zeros((4, 4), bool)
    obs = np.zeros((4, 4), bool)
    sim[:2, :2] = True
    obs[:2, 2:] = True
    assert multi_resolution_agreement(sim, obs, windows=(1, 2, 4)) == pytest.approx({1: 0.5, 2: 0.5, 4: 1.0})


def test_multi_resolution_agreement_partial_blocks_and_valid():
    sim = np.zeros((3, 3), bool)
    obs = np.zeros((3, 3), bool)
    sim[0, 0] = obs[2, 2] = True
    assert multi_resolution_agreement(sim, obs, windows=(1, 2, 4)) == pytest.approx({1: 7 / 9, 2: 7 / 9, 4: 1.0})
    valid = np.ones((3, 3), bool)
    valid[2, 2] = False
    assert multi_resolution_agreement(sim, obs, valid, windows=(1,)) == pytest.approx({1: 7 / 8})


# -------------------------------------------------------------------------------------- regression
def test_regression_perfect_fit_is_one():
    obs = {y: sleuth_stats(np.random.default_rng(y).random((12, 12)) < 0.1 * k, np.ones((12, 12)))
           for k, y in enumerate((1990, 2000, 2010), start=1)}
    r = sleuth_regression(obs, obs, {y: 1.0 for y in obs})
    for key in ("area", "pop", "edges", "clusters", "xmean", "ymean", "rad", "percent_urban"):
        assert r[key] == pytest.approx(1.0), key
    assert r["compare"] == 1.0 and r["leesalee"] == 1.0 and r["n_years"] == 3
    # slope is 1 everywhere, so it has no variance: SLEUTH scores that 0, and so the products are 0
    assert r["slope"] == 0.0 and r["product"] == 0.0 and r["osm"] == 0.0


def test_regression_hand_computed():
    obs = {1: {"pop": 1.0}, 2: {"pop": 2.0}, 3: {"pop": 3.0}}
    sim = {1: {"pop": 2.0}, 2: {"pop": 4.0}, 3: {"pop": 7.0}, 4: {"pop": 9.0}}  # 4: not observed, ignored
    r = sleuth_regression(sim, obs)
    # dy = (-1, 0, 1), dx = (-7/3, -1/3, 8/3): cross 5, syy 2, sxx 114/9 -> r^2 = 225/228
    assert r["pop"] == pytest.approx(225 / 228)
    assert r["compare"] == pytest.approx(3 / 7)
    assert r["osm"] == pytest.approx(3 / 7 * 225 / 228)  # other OSM factors absent
    assert sleuth_regression({1: {"pop": 5.0}}, {1: {"pop": 5.0}})["pop"] == 0.0  # one year: no fit
    with pytest.raises(ValueError, match="at least one year"):
        sleuth_regression({1: {"pop": 1.0}}, {2: {"pop": 1.0}})


# -------------------------------------------------------------------------------------- properties
maps = arrays(np.bool_, st.tuples(st.integers(1, 8), st.integers(1, 8)))


@settings(max_examples=60, deadline=None)
@given(maps, st.data())
def test_agreement_properties(obs, data):
    sim = data.draw(arrays(np.bool_, obs.shape))
    initial = data.draw(arrays(np.bool_, obs.shape)) & obs
    d = quantity_allocation_disagreement(sim, obs)
    assert d["quantity"] + d["allocation"] == pytest.approx(d["total"])
    assert multi_resolution_agreement(sim, obs, windows=(1,))[1] == pytest.approx(1 - d["total"])
    if obs.any():
        assert lee_sallee(obs, obs) == 1.0
    if (obs != initial).any():
        assert figure_of_merit(obs, obs, initial) == 1.0
    ls = lee_sallee(sim, obs)
    assert math.isnan(ls) or 0.0 <= ls <= 1.0

"""The developers' neighbourhood-score kernel equals its numpy twin to the last bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.kernels.cell_windows import neighbourhood_score, summed_area_table
from abm.kernels.reference import cell_windows as ref


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 40), cols=st.integers(1, 40),
       weights=st.tuples(*[st.sampled_from([0.0, 1.0, 4.0, -0.7, 0.33]) for _ in range(4)]),
       radius=st.integers(1, 6))
def test_kernel_equals_the_numpy_twin_bit_for_bit(seed, rows, cols, weights, radius):
    rng = np.random.default_rng(seed)
    urban = rng.random((rows, cols)) < rng.uniform(0, 1)
    recent = urban & (rng.random((rows, cols)) < 0.3)
    cells = np.flatnonzero(~urban.ravel())
    road = rng.random(len(cells))
    kw = dict(weight_edge=weights[0], weight_recent=weights[1], weight_local=weights[2], weight_road_edge=weights[3],
              local_radius=radius)
    np.testing.assert_array_equal(neighbourhood_score(urban, recent, cells, road, **kw),
                                  ref.neighbourhood_score(urban, recent, cells, road, **kw))


def test_summed_area_counts_and_edges():
    mask = np.array([[1, 0, 1], [1, 1, 0]], bool)
    t = summed_area_table(mask)
    assert t.shape == (3, 4) and t[-1, -1] == 4 and (t[0] == 0).all() and (t[:, 0] == 0).all()
    # a corner cell's 8 neighbours: beyond the grid counts as not urban
    score = neighbourhood_score(mask, None, np.array([1]), np.zeros(1), weight_edge=1.0, weight_recent=0.0,
                                weight_local=0.0, weight_road_edge=0.0, local_radius=1)
    assert score[0] == pytest.approx(4 / 9 * 9 / 8)


def test_bad_cells_and_a_missing_recent_map_are_refused():
    urban = np.zeros((3, 3), bool)
    with pytest.raises(ValueError, match="flat indices"):
        neighbourhood_score(urban, None, np.array([9]), np.zeros(1), weight_edge=1.0, weight_recent=0.0,
                            weight_local=0.0, weight_road_edge=0.0, local_radius=1)
    with pytest.raises(ValueError, match="recent"):
        neighbourhood_score(urban, None, np.array([0]), np.zeros(1), weight_edge=0.0, weight_recent=1.0,
                            weight_local=0.0, weight_road_edge=0.0, local_radius=1)

"""Land conversion kernel: twin, the ~49 t/ha forest loss, cells outside the area."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon_params import CarbonParameters
from abm.grid import LandCover
from abm.kernels import reference as ref
from abm.kernels.conversion import conversion_loss


@settings(max_examples=40, deadline=None)
@given(n_cells=st.integers(1, 400), seed=st.integers(0, 2**32 - 1), cell_ha=st.floats(0.01, 100))
def test_equals_reference(n_cells, seed, cell_ha):
    rng = np.random.default_rng(seed)
    valid = rng.random(n_cells) < 0.8
    k = int(rng.integers(0, n_cells + 1))
    cells = rng.choice(n_cells, k, replace=False)
    prev = rng.integers(0, 8, k).astype(np.uint8)
    loss = CarbonParameters().at_year(2030).conversion_t_ha
    fast = conversion_loss(cells, prev, valid, loss_t_ha=loss, cell_ha=cell_ha)
    slow = ref.conversion_loss(cells, prev, valid, loss_t_ha=loss, cell_ha=cell_ha)
    np.testing.assert_allclose(fast.cell_loss_t, slow.cell_loss_t, rtol=1e-12)
    assert fast.loss_t == pytest.approx(slow.loss_t, rel=1e-9)


def test_forest_books_about_49_t_per_ha():
    loss = CarbonParameters().at_year(2030).conversion_t_ha
    one_ha = conversion_loss(np.array([0]), np.array([LandCover.FOREST], np.uint8), np.ones(1, bool),
                             loss_t_ha=loss, cell_ha=1.0)
    assert one_ha.loss_t == pytest.approx(49.0)
    # 30 m cells: 0.09 ha each, ten of them
    ten = conversion_loss(np.arange(10), np.full(10, LandCover.FOREST, np.uint8), np.ones(10, bool),
                          loss_t_ha=loss, cell_ha=0.09)
    assert ten.loss_t == pytest.approx(49.0 * 0.9)


def test_outside_cells_and_urban_lose_nothing():
    loss = CarbonParameters().at_year(2030).conversion_t_ha
    r = conversion_loss(np.array([0, 1]), np.array([LandCover.FOREST, LandCover.URBAN], np.uint8),
                        np.array([False, True]), loss_t_ha=loss, cell_ha=1.0)
    assert r.loss_t == 0.0


def test_bad_inputs_refused():
    with pytest.raises(ValueError, match="previous_cover"):
        conversion_loss(np.array([0]), np.array([1, 2], np.uint8), np.ones(2, bool), loss_t_ha=[0] * 8, cell_ha=1.0)
    with pytest.raises(ValueError, match="indices"):
        conversion_loss(np.array([5]), np.array([1], np.uint8), np.ones(2, bool), loss_t_ha=[0] * 8, cell_ha=1.0)

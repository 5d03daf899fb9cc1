"""Land conversion kernel: twin, a sealed forest and field by hand, gains, cells outside the area."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.grid import LandCover
from abm.kernels.conversion import conversion_loss
from abm.kernels.reference import land as ref
from abm.kernels.sinks import CO2_PER_C

LIVE = [0.0, 0.0, 5.0, 4.4, 51.75, 0.0, 8.8, 0.0]
URBAN = int(LandCover.URBAN)


def convert(cells, cover, valid, stock, soil, share=0.3, cell_ha=1.0, fn=conversion_loss):
    return fn(cells, cover, valid, stock_tc_ha=stock, soil_tc_ha=soil, live_tc_ha=LIVE, sealed_code=URBAN,
              soil_loss_share=share, cell_ha=cell_ha)


@settings(max_examples=40, deadline=None)
@given(n_cells=st.integers(1, 400), seed=st.integers(0, 2**32 - 1), cell_ha=st.floats(0.01, 100),
       share=st.floats(0, 1))
def test_equals_reference(n_cells, seed, cell_ha, share):
    rng = np.random.default_rng(seed)
    valid = rng.random(n_cells) < 0.8
    k = int(rng.integers(0, n_cells + 1))
    cells = rng.choice(n_cells, k, replace=False)
    cover = np.where(rng.random(k) < 0.7, URBAN, rng.integers(0, 8, k)).astype(np.uint8)
    soil = rng.uniform(0, 200, k)
    stock = soil + rng.uniform(0, 100, k)
    fast = convert(cells, cover, valid, stock, soil, share, cell_ha)
    slow = convert(cells, cover, valid, stock, soil, share, cell_ha, fn=ref.conversion_loss)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert np.all(fast.cell_loss_t >= 0)


def test_sealed_forest_and_field_by_hand():
    """The shipped pools' mean forest stand (51.75 tC/ha live on 96 soil) and cropland (5 on 78), 30% of soil lost."""
    r = convert(np.array([0, 1]), np.array([URBAN, URBAN], np.uint8), np.ones(2, bool), [147.75, 83.0], [96.0, 78.0])
    np.testing.assert_allclose(r.cell_loss_t, np.array([51.75 + 28.8, 5.0 + 23.4]) * CO2_PER_C)
    np.testing.assert_allclose(r.soil_after_tc_ha, [67.2, 54.6])
    np.testing.assert_allclose(r.stock_after_tc_ha, [67.2, 54.6])
    # 30 m cells: 0.09 ha each
    small = convert(np.array([0]), np.array([URBAN], np.uint8), np.ones(1, bool), [147.75], [96.0], cell_ha=0.09)
    assert small.loss_t == pytest.approx(80.55 * CO2_PER_C * 0.09)


def test_no_sealing_loss_keeps_the_soil_and_a_gain_is_not_an_emission():
    r = convert(np.array([0, 1]), np.array([URBAN, LandCover.FOREST], np.uint8), np.ones(2, bool), [147.75, 80.0],
                [96.0, 80.0], share=0.0)
    assert r.cell_loss_t[0] == pytest.approx(51.75 * CO2_PER_C) and r.soil_after_tc_ha[0] == 96.0
    # bare soil planted to a (mean) forest stores more: no loss here, the land carbon books the gain
    assert r.cell_loss_t[1] == 0.0 and r.stock_after_tc_ha[1] == pytest.approx(131.75)


def test_outside_cells_lose_nothing():
    r = convert(np.array([0, 1]), np.array([URBAN, URBAN], np.uint8), np.array([False, True]), [147.75, 54.6],
                [96.0, 78.0])
    assert r.cell_loss_t[0] == 0.0 and r.loss_t == pytest.approx(r.cell_loss_t[1])


def test_bad_inputs_refused():
    with pytest.raises(ValueError, match="new_cover"):
        convert(np.array([0]), np.array([1, 2], np.uint8), np.ones(2, bool), [1.0], [1.0])
    with pytest.raises(ValueError, match="indices"):
        convert(np.array([5]), np.array([1], np.uint8), np.ones(2, bool), [1.0], [1.0])
    with pytest.raises(ValueError, match="code"):
        convert(np.array([0]), np.array([9], np.uint8), np.ones(2, bool), [1.0], [1.0])
    with pytest.raises(ValueError, match="soil_loss_share"):
        convert(np.array([0]), np.array([1], np.uint8), np.ones(2, bool), [1.0], [1.0], share=1.5)

"""Building kernel: equals its numpy twin, matches hand-computed cases, moves the right way."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon_params import CarbonParameters
from abm.kernels import reference as ref
from abm.kernels.buildings import building_emissions

USES = ("floor_residential", "floor_commercial", "floor_industrial")


def random_cells(rng: np.random.Generator, n: int) -> dict:
    floors = {u: np.where(rng.random(n) < 0.6, rng.uniform(0, 2e4, n), 0.0).astype(np.float32) for u in USES}
    total = sum(floors.values())
    return dict(
        **floors,
        # sometimes more than the floor (clipped to the whole cell), sometimes none
        floor_added=(total * rng.uniform(-0.1, 1.3, n) * (rng.random(n) < 0.5)).astype(np.float32),
        energy_factor=rng.uniform(0.5, 1.2, n).astype(np.float32),
        retrofit=rng.random(n).astype(np.float32),
        valid=rng.random(n) < 0.9,
    )


def run_both(cells: dict, **factors):
    fast = building_emissions(*cells.values(), **factors)
    slow = ref.building_emissions(*cells.values(), **factors)
    return fast, slow


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1), year=st.integers(2000, 2070))
def test_equals_reference(n, seed, year):
    rng = np.random.default_rng(seed)
    cells = random_cells(rng, n)
    y = CarbonParameters(heating_zone_share=float(rng.random())).at_year(year)
    fast, slow = run_both(cells, intensity_kgce_m2=y.intensity_kgce_m2, kgco2_per_kgce=y.building_kgco2_per_kgce,
                          retrofit_saving=y.retrofit_saving)
    np.testing.assert_allclose(fast.cell_t, slow.cell_t, rtol=1e-12, atol=0)
    for name in ("energy_kgce", "emissions_t", "new_t", "stock_t"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9, abs=1e-9)
    assert fast.new_t + fast.stock_t == pytest.approx(fast.emissions_t, rel=1e-12)


def test_float32_output_and_grid_shape():
    rng = np.random.default_rng(1)
    cells = {k: v.reshape(10, 20) for k, v in random_cells(rng, 200).items()}
    out = np.empty((10, 20), np.float32)
    r = building_emissions(*cells.values(), intensity_kgce_m2=(12.9, 30.2, 30.2), kgco2_per_kgce=(3, 3.5, 3.5),
                           retrofit_saving=0.3, out=out)
    assert r.cell_t is out
    assert float(out.sum(dtype=np.float64)) == pytest.approx(r.emissions_t, rel=1e-6)


def test_one_cell_by_hand():
    """1000 m2 of residential floor, 12.9 kgce/m2, 3 kgCO2/kgce -> 38.7 t; half retrofitted at 30% -> x 0.85."""
    one = np.array([1000.0], np.float32)
    zero = np.zeros(1, np.float32)
    kw = dict(intensity_kgce_m2=(12.9, 30.2, 30.2), kgco2_per_kgce=(3.0, 0.0, 0.0), retrofit_saving=0.3)
    r = building_emissions(one, zero, zero, np.array([250.0], np.float32), np.ones(1, np.float32), zero,
                           np.ones(1, bool), **kw)
    assert r.energy_kgce == pytest.approx(12900.0)
    assert r.emissions_t == pytest.approx(38.7)
    assert r.new_t == pytest.approx(38.7 / 4)  # 250 of 1000 m2 added this tick
    half = building_emissions(one, zero, zero, zero, np.full(1, 0.7, np.float32), np.full(1, 0.5, np.float32),
                              np.ones(1, bool), **kw)
    assert half.emissions_t == pytest.approx(38.7 * 0.7 * 0.85, rel=1e-6)  # GB 55015 residential x retrofit


def test_invalid_cells_never_count():
    one = np.full(2, 1000.0, np.float32)
    zero = np.zeros(2, np.float32)
    r = building_emissions(one, one, one, one, np.ones(2, np.float32), zero, np.array([True, False]),
                           intensity_kgce_m2=(10, 10, 10), kgco2_per_kgce=(2, 2, 2), retrofit_saving=0.0)
    assert r.cell_t[1] == 0.0
    assert r.emissions_t == pytest.approx(60.0)


def test_higher_grid_factor_more_emissions():
    rng = np.random.default_rng(5)
    cells = random_cells(rng, 500)
    totals = []
    for grid_factor in (0.2, 0.5366, 0.9):
        y = CarbonParameters.from_dict({"grid_factor_kg_per_kwh": grid_factor}).at_year(2030)
        r = building_emissions(*cells.values(), intensity_kgce_m2=y.intensity_kgce_m2,
                               kgco2_per_kgce=y.building_kgco2_per_kgce, retrofit_saving=y.retrofit_saving)
        totals.append(r.emissions_t)
    assert totals[0] < totals[1] < totals[2]


def test_shape_mismatch_refused():
    a = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match="floor_added"):
        building_emissions(a, a, a, np.zeros(4, np.float32), a, a, np.ones(3, bool),
                           intensity_kgce_m2=(1, 1, 1), kgco2_per_kgce=(1, 1, 1), retrofit_saving=0.0)

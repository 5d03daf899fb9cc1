"""Building kernel: equals its numpy twin, matches hand-computed cases, moves the right way by building type."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon_params import CarbonParameters
from abm.emissions.buildings import HEATED_ZONES
from abm.kernels.buildings import BuildingCoefficients, building_emissions, highrise_share
from abm.kernels.reference import buildings as ref

USES = ("floor_residential", "floor_commercial", "floor_industrial")
ZONES = ("severe_cold", "cold", "hot_summer_cold_winter", "hot_summer_warm_winter", "temperate")
HA = 10000.0  # 1 ha cells


def random_cells(rng: np.random.Generator, n: int) -> dict:
    floors = {u: np.where(rng.random(n) < 0.6, rng.uniform(0, 3e4, n), 0.0).astype(np.float32) for u in USES}
    total = sum(floors.values())
    return dict(
        **floors,
        # sometimes more than the floor (clipped to the whole cell), sometimes none
        floor_added=(total * rng.uniform(-0.1, 1.3, n) * (rng.random(n) < 0.5)).astype(np.float32),
        energy_factor=rng.uniform(0.5, 1.2, n).astype(np.float32),
        retrofit=rng.random(n).astype(np.float32),
        valid=rng.random(n) < 0.9,
        households=rng.integers(0, 400, n),
    )


def coefficients(**overrides) -> BuildingCoefficients:
    return CarbonParameters.from_dict(overrides).at_year(2030).building_coefficients


def one_cell(res=0.0, com=0.0, ind=0.0, added=0.0, factor=1.0, retrofit=0.0, households=0, c=None, area=HA):
    f32 = [np.array([x], np.float32) for x in (res, com, ind, added, factor, retrofit)]
    return building_emissions(*f32, np.ones(1, bool), np.array([households]),
                              coefficients=coefficients() if c is None else c, cell_area_m2=area)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1), year=st.integers(2000, 2070),
       zone=st.sampled_from(ZONES), industry=st.booleans())
def test_equals_reference(n, seed, year, zone, industry):
    rng = np.random.default_rng(seed)
    cells = random_cells(rng, n)
    c = CarbonParameters(climate_zone=zone, public_floor_share=float(rng.random()),
                         residential_household_share=float(rng.random()),
                         highrise_far_low=float(rng.uniform(0, 2)), highrise_far_high=float(rng.uniform(0, 4)),
                         ).at_year(year).building_coefficients
    if industry:
        c = c._replace(industrial_kgce_m2=0.0)
    fast = building_emissions(*cells.values(), coefficients=c, cell_area_m2=HA)
    slow = ref.building_emissions(*cells.values(), coefficients=c, cell_area_m2=HA)
    np.testing.assert_allclose(fast.cell_t, slow.cell_t, rtol=1e-12, atol=1e-12)
    for name in ("energy_kgce", "emissions_t", "new_t", "stock_t"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9, abs=1e-9)
    for name in ("type_t", "type_kgce", "floor_m2"):
        assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9, abs=1e-9)
    assert fast.new_t + fast.stock_t == pytest.approx(fast.emissions_t, rel=1e-12)
    assert sum(fast.type_t) == pytest.approx(fast.emissions_t, rel=1e-9, abs=1e-12)
    assert sum(fast.type_kgce) == pytest.approx(fast.energy_kgce, rel=1e-9, abs=1e-12)


def test_float32_output_and_grid_shape():
    rng = np.random.default_rng(1)
    cells = {k: v.reshape(10, 20) for k, v in random_cells(rng, 200).items()}
    out = np.empty((10, 20), np.float32)
    r = building_emissions(*cells.values(), coefficients=coefficients(), cell_area_m2=HA, out=out)
    assert r.cell_t is out
    assert float(out.sum(dtype=np.float64)) == pytest.approx(r.emissions_t, rel=1e-6)


def test_one_cell_by_hand():
    """1000 m2 of low-rise housing with 10 households: 4 kgce/m2 + 600 kgce per household at 3 kgCO2/kgce
    -> (4000 + 6000) x 3 / 1000 = 30 t; a quarter added this tick; half retrofitted at 30% on a 0.7 standard
    cuts only the floor part."""
    c = BuildingCoefficients(residential_kgce_m2=4.0, household_kgce=600.0, residential_kgco2_per_kgce=3.0,
                             retrofit_saving=0.3)
    r = one_cell(res=1000.0, added=250.0, households=10, c=c)
    assert r.energy_kgce == pytest.approx(10000.0)
    assert r.emissions_t == pytest.approx(30.0)
    assert r.new_t == pytest.approx(30.0 / 4)
    assert r.type_t == pytest.approx((30.0, 0.0, 0.0, 0.0))
    half = one_cell(res=1000.0, factor=0.7, retrofit=0.5, households=10, c=c)
    assert half.emissions_t == pytest.approx((4000 * 0.7 * 0.85 + 6000) * 3 / 1000, rel=1e-6)


def test_defaults_hold_the_published_means():
    """At the reference dwelling size, low-rise housing uses the CABEE residential mean; commercial and
    public floor at the default public share average the CABEE public-building mean (northern heating
    excluded); the default hot-summer-cold-winter city has no district heating."""
    p = CarbonParameters()
    c = p.at_year(2030).building_coefficients
    homes = 100
    r = one_cell(res=homes * p.reference_m2_per_household, households=homes, area=10 * HA)  # low-rise
    assert r.energy_kgce / (homes * p.reference_m2_per_household) == pytest.approx(12.9)
    com = one_cell(com=1000.0)
    assert com.energy_kgce / 1000.0 == pytest.approx(30.2, abs=0.2)
    assert com.type_t[1] / com.type_t[2] == pytest.approx(34.3 * 0.6 / (24.0 * 0.4))
    assert c.heating_kgce_m2 == 0.0


def test_smaller_dwellings_more_per_m2_less_per_household():
    """The same households in less floor: energy per m2 up, energy per household down."""
    small = one_cell(res=60.0 * 50, households=50)
    large = one_cell(res=140.0 * 50, households=50)
    assert small.energy_kgce / (60.0 * 50) > large.energy_kgce / (140.0 * 50)
    assert small.energy_kgce / 50 < large.energy_kgce / 50


def test_high_rise_uses_more_per_m2():
    """Per m2 of housing, a cell above the high-rise floor-area ratio uses the extra, a low-rise cell not."""
    p = CarbonParameters()
    c = coefficients(residential_household_share=0.0)
    low = one_cell(res=0.5 * HA, c=c)        # floor-area ratio 0.5
    high = one_cell(res=2.5 * HA, c=c)       # 2.5
    per_m2 = high.energy_kgce / (2.5 * HA) - low.energy_kgce / (0.5 * HA)
    assert per_m2 == pytest.approx(p.energy_highrise_extra_kgce_m2)
    assert highrise_share(np.array([0.5, 1.4, 2.5]), 0.8, 2.0) == pytest.approx([0.0, 0.5, 1.0])
    # the same floor on a cell four times larger is low-rise
    assert one_cell(res=2.5 * HA, c=c, area=4 * HA).energy_kgce == pytest.approx(low.energy_kgce * 5)


def test_public_share_lowers_commercial_floor_energy():
    energies = [one_cell(com=1000.0, c=coefficients(public_floor_share=s)).energy_kgce for s in (0.0, 0.4, 1.0)]
    assert energies[0] == pytest.approx(34.3 * 1000)
    assert energies[2] == pytest.approx(24.0 * 1000)
    assert energies[0] > energies[1] > energies[2]


@pytest.mark.parametrize("zone", ZONES)
def test_district_heating_only_in_the_north(zone):
    """Heating adds heating_kgce_m2 x residential and commercial floor (not industrial) at the heat factor."""
    south = coefficients()
    c = coefficients(climate_zone=zone)
    kw = dict(res=2000.0, com=1000.0, ind=500.0, households=20)
    extra = one_cell(c=c, **kw).emissions_t - one_cell(c=south, **kw).emissions_t
    heating = {"severe_cold": 27.0, "cold": 19.0}.get(zone, 0.0)
    assert (zone in HEATED_ZONES) == (heating > 0)
    assert extra == pytest.approx(heating * 3000.0 * c.heat_kgco2_per_kgce / 1000.0)
    assert 15.0 <= heating <= 30.0 or heating == 0.0  # inside the reference band of northern district heating


def test_invalid_cells_never_count():
    one = np.full(2, 1000.0, np.float32)
    zero = np.zeros(2, np.float32)
    c = BuildingCoefficients(residential_kgce_m2=10, commercial_kgce_m2=10, industrial_kgce_m2=10,
                             household_kgce=100.0, residential_kgco2_per_kgce=2, public_kgco2_per_kgce=2)
    r = building_emissions(one, one, one, one, np.ones(2, np.float32), zero, np.array([True, False]),
                           np.array([5, 5]), coefficients=c, cell_area_m2=HA)
    assert r.cell_t[1] == 0.0
    assert r.emissions_t == pytest.approx(61.0)
    assert r.floor_m2 == (1000.0, 1000.0, 1000.0)


def test_households_without_housing_not_counted():
    c = BuildingCoefficients(household_kgce=600.0, commercial_kgce_m2=10.0, residential_kgco2_per_kgce=2.0,
                             public_kgco2_per_kgce=2.0)
    assert one_cell(com=1000.0, households=30, c=c).energy_kgce == pytest.approx(10000.0)


def test_higher_grid_factor_more_emissions():
    rng = np.random.default_rng(5)
    cells = random_cells(rng, 500)
    totals = []
    for grid_factor in (0.2, 0.5366, 0.9):
        c = coefficients(grid_factor_kg_per_kwh=grid_factor)
        totals.append(building_emissions(*cells.values(), coefficients=c, cell_area_m2=HA).emissions_t)
    assert totals[0] < totals[1] < totals[2]


def test_shape_mismatch_refused():
    a = np.zeros(3, np.float32)
    kw = dict(coefficients=BuildingCoefficients(), cell_area_m2=HA)
    with pytest.raises(ValueError, match="floor_added"):
        building_emissions(a, a, a, np.zeros(4, np.float32), a, a, np.ones(3, bool), np.zeros(3, np.int64), **kw)
    with pytest.raises(ValueError, match="households"):
        building_emissions(a, a, a, a, a, a, np.ones(3, bool), np.zeros(2, np.int64), **kw)
    with pytest.raises(ValueError, match="cell_area_m2"):
        building_emissions(a, a, a, a, a, a, np.ones(3, bool), np.zeros(3, np.int64),
                           coefficients=BuildingCoefficients(), cell_area_m2=0.0)

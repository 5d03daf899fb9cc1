"""Embodied carbon of new floor and demolition: by hand, development's demolition, renewal vs greenfield in a run."""

from __future__ import annotations

import numpy as np
import pytest

from abm.carbon_params import CarbonParameters
from abm.development import demolition
from abm.emissions.embodied import EmbodiedCarbon
from abm.grid import LandGrid
from abm.model import UrbanModel
from abm.process import run_process
from abm.scenario import scenario_from_dict
from abm.state import CityState

REGION = {"rows": 70, "cols": 70, "town_radius_km": 1.0, "villages": 1}


def embodied_of(state: CityState):
    state.carbon_year = state.carbon_params.at_year(state.year)
    return run_process(EmbodiedCarbon(), state, state.year)


def hand_state(**carbon) -> CityState:
    """Three 1 ha cells: a renewal project on cell 0 (1000 m2 of housing built, 400 m2 demolished) and a
    greenfield project on cell 2 (500 m2 commercial, 200 m2 industrial), urbanised this tick."""
    grid = LandGrid.empty(1, 3)
    grid.floor_residential[0, 0] = 3000.0  # floor-area ratio 0.3: low-rise
    grid.floor_commercial[0, 2], grid.floor_industrial[0, 2] = 500.0, 200.0
    return CityState(grid=grid, carbon_params=CarbonParameters.from_dict(carbon), year=2030,
                     construction_cells=np.array([0, 2]),
                     construction_m2=np.array([[1000.0, 0.0, 0.0], [0.0, 500.0, 200.0]]),
                     demolished_m2=np.array([[400.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
                     converted_cells=np.array([2]))


def test_by_hand():
    """Renewal: 1000 m2 x 250 + 400 m2 x 40 = 266 t; greenfield: 500 x 400 + 200 x 250 = 250 t; all new."""
    r = embodied_of(hand_state())
    assert r.total_t == pytest.approx(516.0) and r.new_t == r.total_t and r.stock_t == 0.0
    assert list(r.cells) == [0, 2] and r.values == pytest.approx([266.0, 250.0])
    e = r.extras
    assert (e["embodied_construction_t"], e["embodied_demolition_t"]) == pytest.approx((500.0, 16.0))
    assert (e["embodied_renewal_t"], e["embodied_greenfield_t"]) == pytest.approx((266.0, 250.0))
    assert (e["floor_built_renewal_m2"], e["floor_built_greenfield_m2"], e["floor_demolished_m2"]) == (1000, 700, 400)


def test_high_rise_housing_costs_more_and_invalid_cells_nothing():
    state = hand_state()
    state.grid.floor_residential[0, 0] = 25000.0  # floor-area ratio 2.5: high-rise
    assert embodied_of(state).values[0] == pytest.approx(1000 * 0.350 + 400 * 0.040)
    state.grid.valid[0, 0] = False
    r = embodied_of(state)
    assert r.values[0] == 0.0 and r.total_t == pytest.approx(250.0)


def test_factors_follow_their_settings_and_nothing_built_nothing_booked():
    zero = embodied_of(hand_state(embodied_residential_lowrise_kgco2_m2=0.0, demolition_kgco2_m2=0.0))
    assert zero.values[0] == 0.0
    lower = embodied_of(hand_state(embodied_public_kgco2_m2={"2020": 400.0, "2040": 200.0}))  # 2030: 300
    assert lower.values[1] == pytest.approx(500 * 0.3 + 200 * 0.25)
    empty = embodied_of(CityState(grid=LandGrid.empty(2, 2), carbon_params=CarbonParameters(), year=2030))
    assert empty.total_t == 0.0 and len(empty.cells) == 0


def test_demolition_rules():
    params = CarbonParameters()  # replace 0.4 of what is built, cap 20% of the floor, 20 years old
    old = np.array([[600.0, 300.0, 100.0]] * 4)
    net = np.array([300.0, 3000.0, 300.0, 300.0])
    vintage = np.array([1990.0, 1990.0, 2015.0, 1990.0])
    renewal = np.array([True, True, True, False])
    d = demolition(old, net, vintage, renewal, 2030, params)
    assert d.sum(axis=1) == pytest.approx([200.0, 200.0, 0.0, 0.0])  # 300 x 0.4 / 0.6; capped; young; greenfield
    assert d[0] == pytest.approx([120.0, 60.0, 20.0])  # in proportion to the cell's floor by use
    none = CarbonParameters(renewal_replace_share=0.0)
    assert not demolition(old, net, vintage, renewal, 2030, none).any()


@pytest.fixture(scope="module")
def run():
    """A growing small city with a high renewal share: renewal and greenfield both build every year."""
    raw = {"region": REGION, "run": {"start_year": 2022, "ticks": 6}, "population": {"growth_rate": 0.05},
           "policy": {"renewal": {"renewal_share": 0.5}}}
    model = UrbanModel(scenario_from_dict(raw))
    ticks = []
    for _ in range(6):
        before = float(model.grid.floor_total.sum(dtype=np.float64))
        model.step()
        after = float(model.grid.floor_total.sum(dtype=np.float64))
        ticks.append((before, after, model.state.carbon, model.records[-1]["floor_area_added_m2"]))
    return model, ticks


def test_floor_built_less_demolished_is_the_net_growth(run):
    model, ticks = run
    for before, after, carbon, added in ticks:
        assert after - before == pytest.approx(carbon.floor_built_m2 - carbon.floor_demolished_m2, rel=1e-5)
        assert carbon.floor_built_m2 == pytest.approx(added, rel=1e-5)  # floor_added counts replacement floor


def test_renewal_and_greenfield_compared_in_co2(run):
    """Renewal pays demolition + construction, greenfield construction + land conversion: both show, per m2."""
    _, ticks = run
    accounts = [carbon for _, _, carbon, _ in ticks]
    renewal_t = sum(c.embodied_renewal_t for c in accounts)
    demolition_t = sum(c.embodied_demolition_t for c in accounts)
    greenfield_t = sum(c.embodied_greenfield_t for c in accounts)
    conversion_t = sum(c.emissions_conversion_t for c in accounts)
    renewal_m2 = sum(c.floor_built_renewal_m2 for c in accounts)
    greenfield_m2 = sum(c.floor_built_greenfield_m2 for c in accounts)
    assert demolition_t > 0 and renewal_t > demolition_t and renewal_m2 > 0
    assert greenfield_t > 0 and conversion_t > 0 and greenfield_m2 > 0
    renewal_per_m2 = renewal_t * 1000 / renewal_m2
    greenfield_per_m2 = (greenfield_t + conversion_t) * 1000 / greenfield_m2
    # both inside or just above the band of new floor's embodied carbon (200-600 kgCO2/m2)
    assert 200 <= renewal_per_m2 <= 700 and 200 <= greenfield_per_m2 <= 700
    for c in accounts:
        assert c.emissions_embodied_t == pytest.approx(c.embodied_renewal_t + c.embodied_greenfield_t)
        assert c.emissions_embodied_t == pytest.approx(c.embodied_construction_t + c.embodied_demolition_t)
        assert c.sources["embodied"].new_t == c.emissions_embodied_t  # all of it new cohort
        assert c.emissions_new_t + c.emissions_stock_t == pytest.approx(c.emissions_total_t, rel=1e-9)


def test_demolished_floor_is_rebuilt_to_the_new_standard(run):
    """Replacement floor is new building: floor_added counts it and its operation is in the new cohort."""
    model, ticks = run
    carbon = ticks[-1][2]
    s = model.state
    assert s.demolished_m2.shape == s.construction_m2.shape == (len(s.construction_cells), 3)
    assert (s.construction_m2 >= s.demolished_m2 - 1e-9).all()
    added = model.grid.floor_added.ravel()[s.construction_cells]
    assert added == pytest.approx(s.construction_m2.sum(axis=1), rel=1e-5)
    assert carbon.sources["buildings"].new_t > 0

"""Roads built with new urban land: by hand, only on land urbanised this tick, and in a whole run."""

from __future__ import annotations

import numpy as np
import pytest

from abm.carbon_params import CarbonParameters
from abm.emissions.roads import RoadConstruction
from abm.grid import LandGrid
from abm.model import UrbanModel
from abm.process import run_process
from abm.scenario import scenario_from_dict
from abm.state import CityState


def roads_of(state: CityState):
    state.carbon_year = state.carbon_params.at_year(state.year)
    return run_process(RoadConstruction(), state, state.year)


def hand_state(converted, **carbon) -> CityState:
    """Three 1 ha cells (100 m); `converted` urbanised this tick."""
    return CityState(grid=LandGrid.empty(1, 3), carbon_params=CarbonParameters.from_dict(carbon), year=2030,
                     converted_cells=np.asarray(converted, np.int64))


def test_by_hand():
    """Two new hectares: 2 x 10,000 m2 x 0.15 paved x 200 kgCO2/m2 = 600 t, all of it new cohort."""
    r = roads_of(hand_state([0, 2]))
    assert r.total_t == pytest.approx(600.0) and r.new_t == r.total_t and r.stock_t == 0.0
    assert list(r.cells) == [0, 2] and r.values == pytest.approx([300.0, 300.0])
    assert r.extras["roads_built_m2"] == pytest.approx(3000.0)


def test_factors_follow_their_settings_and_cells_outside_pay_nothing():
    r = roads_of(hand_state([1], road_share_new_land=0.25, road_embodied_kgco2_m2={"2020": 100.0, "2040": 300.0}))
    assert r.total_t == pytest.approx(10_000 * 0.25 * 0.2)  # 2030: 200 kgCO2/m2 on the path
    state = hand_state([0, 1])
    state.grid.valid[0, 0] = False
    assert roads_of(state).values.tolist() == [0.0, 300.0]
    assert roads_of(hand_state([])).total_t == 0.0


def test_only_new_urban_land_builds_roads():
    """In a run, every tick's roads are its urbanised cells' (renewal and infill build none), and a region
    that converts no land builds none."""
    raw = {"region": {"rows": 60, "cols": 60, "town_radius_km": 0.8, "villages": 1}, "run": {"ticks": 4},
           "population": {"growth_rate": 0.05}}
    model = UrbanModel(scenario_from_dict(raw))
    share, per_m2 = model.state.carbon_params.road_share_new_land, model.state.carbon_params.road_embodied_kgco2_m2
    grew = 0
    for _ in range(4):
        model.step()
        s = model.state
        new_cells = int(s.grid.valid.ravel()[s.converted_cells].sum())
        grew += new_cells
        expected = new_cells * s.grid.cell_area_m2 * share * per_m2.at(s.year) / 1000.0
        assert s.carbon.emissions_roads_t == pytest.approx(expected)
    assert grew > 0
    frozen = {**raw, "policy": {"quantity": {"land_quota_cells": 0}}}
    model = UrbanModel(scenario_from_dict(frozen))
    for _ in range(3):
        model.step()
        assert len(model.state.converted_cells) == 0 and model.state.carbon.emissions_roads_t == 0.0

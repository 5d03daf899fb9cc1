"""Total-quantity levers (三区三线: growth boundary, ecological red line, permanent basic farmland, and the
land quota) bind in the default city, and each run records how hard they pressed (LandSlack columns)."""

from __future__ import annotations

import numpy as np
import pytest

from abm.grid import LandCover
from abm.model import UrbanModel
from abm.runner import run_scenario
from abm.scenario import load_scenario, scenario_from_dict

SMALL = {"rows": 90, "cols": 90, "town_radius_km": 0.9, "villages": 2}
SLACK = ("quota_released_cells", "quota_unused_cells", "greenfield_shortfall_m2", "quota_bound", "land_bound",
         "refused_boundary_cells", "refused_red_line_cells", "refused_farmland_cells", "refused_green_reserve_cells")


def small(quantity: dict, **policy) -> UrbanModel:
    return UrbanModel(scenario_from_dict({"region": SMALL, "population": {"growth_rate": 0.08},
                                          "policy": {"quantity": quantity, **policy}}))


def test_farmland_is_designated_outside_the_boundary_and_never_built_or_planted():
    model = small({"growth_boundary": "town", "boundary_radius_km": 1.5, "farmland": "prime", "farmland_share": 0.8,
                   "land_quota_cells": 400}, structure={"afforestation_cells": 200})
    g = model.grid
    farmland = g.farmland.copy()
    cropland_outside = (g.land_cover == LandCover.AGRICULTURE) & g.valid & ~g.urban & ~g.red_line & ~g.growth_boundary
    assert farmland.any() and not (farmland & g.growth_boundary & ~g.urban).any()
    assert farmland.sum() == pytest.approx(0.8 * cropland_outside.sum(), rel=0.01)  # the start's planting aside
    for _ in range(6):
        model.step()
        assert not (farmland & ((g.floor_total > 0) | (g.land_cover != LandCover.AGRICULTURE))).any()
        assert (g.farmland == farmland).all()


def test_farmland_bends_growth_without_a_boundary():
    """No boundary: without farmland the city takes the flat cropland next to it; with it, it refuses them."""
    runs = {}
    for farmland in ("none", "prime"):
        model = small({"growth_boundary": "none", "farmland": farmland, "land_quota_cells": 150})
        for _ in range(5):
            model.step()
        runs[farmland] = model
    assert sum(r["refused_farmland_cells"] for r in runs["prime"].records) > 0
    assert all(r["refused_farmland_cells"] == 0 for r in runs["none"].records)
    assert runs["prime"].records[-1]["urban_cells"] > runs["prime"].records[0]["urban_cells"]  # it grows elsewhere
    assert not (runs["prime"].grid.farmland & runs["prime"].grid.urban).any()


@pytest.fixture(scope="module")
def to_2050():
    """The default city to 2050: baseline, its land quota halved, its boundary drawn 1.6 km tighter."""
    base = load_scenario("scenarios/baseline.toml")
    variants = {"baseline": base,
                "half_quota": base.with_overrides({"policy.quantity.land_quota_cells": 90}),
                "tight_boundary": base.with_overrides({"policy.quantity.boundary_radius_km": 6.0})}
    return {name: run_scenario(s, ticks=28).timeseries for name, s in variants.items()}


def test_default_city_quantity_levers_bind(to_2050):
    base = to_2050["baseline"].iloc[-1].urban_area_km2
    assert to_2050["half_quota"].iloc[-1].urban_area_km2 <= 0.95 * base
    assert to_2050["tight_boundary"].iloc[-1].urban_area_km2 <= 0.95 * base


def test_slack_columns_say_which_lever_bound(to_2050):
    base, half, tight = to_2050["baseline"], to_2050["half_quota"], to_2050["tight_boundary"]
    assert set(SLACK) <= set(base.columns)
    grown = base.iloc[1:]
    # baseline: demand exceeds its 180 cells in the growth years, so the quota binds there and is used up
    assert grown.quota_bound.any() and (grown.quota_unused_cells[grown.quota_bound > 0] == 0).all()
    assert (half.iloc[1:].quota_bound.sum() > grown.quota_bound.sum())
    # a boundary drawn tighter refuses more of developers' first choices, and its land runs out
    assert tight.refused_boundary_cells.sum() > base.refused_boundary_cells.sum()
    assert tight.land_bound.any()
    assert (base.refused_farmland_cells == 0).all()  # baseline designates no farmland
    assert np.isfinite(base[list(SLACK)].to_numpy()).all()

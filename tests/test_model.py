"""The model's tick: rules are obeyed, capacity is exact, counts are conserved, seeds reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from abm.firms import job_capacity
from abm.grid import LandCover
from abm.model import UrbanModel
from abm.population import SECTORS
from abm.scenario import load_scenario, scenario_from_dict

SMALL = {"rows": 70, "cols": 70, "town_radius_km": 0.8, "villages": 1}


def small(**policy) -> UrbanModel:
    raw = {"region": SMALL, "run": {"ticks": 8}, "population": {"growth_rate": 0.05}}
    if policy:
        raw["policy"] = policy
    return UrbanModel(scenario_from_dict(raw))


def _check_tick(model: UrbanModel) -> None:
    g = model.grid
    before_floor = g.floor_total.copy()
    before_urban = g.urban.copy()
    before_hh = len(model.households)
    before_valid = int(g.valid.sum())
    model.step()
    rules = model.rules
    added = g.floor_total > before_floor + 1e-3
    # New floor only where this year's rules allow building.
    assert not (added & ~rules.buildable(before_urban)).any()
    forbidden = ~g.valid | g.excluded | g.red_line
    assert not (added & forbidden).any()
    # New urban land only inside the growth boundary; urban land never disappears.
    new_urban = g.urban & ~before_urban
    assert not (new_urban & ~g.growth_boundary).any()
    assert not (before_urban & ~g.urban).any()
    assert int(new_urban.sum()) == len(model.converted_cells)
    # Land area is conserved: every valid cell has exactly one cover, the valid area is fixed.
    assert int(g.valid.sum()) == before_valid
    counts = np.bincount(g.land_cover[g.valid].ravel(), minlength=8)
    assert counts.sum() == before_valid
    # Households never exceed the dwellings their cell's floor holds; jobs never exceed floor.
    units = (g.floor_residential.ravel() // model.config.population.m2_per_household).astype(np.int64)
    per_cell = np.bincount(model.households.home, minlength=units.size)
    assert (per_cell <= units).all()
    assert g.valid.ravel()[model.households.home].all()
    # The year's count of households per cell (read by rents, neighbourhoods and carbon) is current.
    np.testing.assert_array_equal(model.households_per_cell, per_cell)
    cap = job_capacity(model, np.arange(units.size))
    for sector, capacity in cap.items():
        mine = model.firms.sector == sector
        jobs = np.bincount(model.firms.site[mine], weights=model.firms.jobs[mine], minlength=units.size)
        assert (jobs <= capacity).all(), f"sector {sector} over its floor"
    # Households are conserved: before + arrivals - leavers.
    assert len(model.households) == before_hh + model.arrivals - model.leavers
    # The model's list of built cells is exactly the cells with floor.
    np.testing.assert_array_equal(model.built, np.flatnonzero(g.floor_total.ravel() > 0))


@pytest.mark.parametrize("policy", [
    {},
    {"quantity": {"growth_boundary": "none", "land_quota_cells": 200}, "layout": {"far_cap_other": 0.6}},
    {"quantity": {"growth_boundary": "clusters", "boundary_radius_km": 1.2, "cluster_radius_km": 0.8},
     "layout": {"subcentres": 3, "subcentre_year": 2021, "subcentre_distance_km": 2.5, "transit": "trunk",
                "transit_year": 2022, "jobs_in_centres": 0.6}},
    {"quantity": {"boundary_radius_km": 1.0, "land_quota_cells": 5}, "structure": {"afforestation_cells": 30}},
], ids=["default", "sprawl-like", "polycentric-like", "tight"])
def test_invariants_hold_every_tick(policy):
    model = small(**policy)
    for _ in range(6):
        _check_tick(model)


def test_population_follows_the_path_when_land_allows():
    model = small()
    for _ in range(6):
        model.step()
    ts = model.records
    assert ts[-1]["households"] == pytest.approx(model.target_households, rel=0.01)
    assert sum(r["unhoused_households"] for r in ts) <= 0.02 * ts[-1]["households"]


def test_tight_rules_leave_newcomers_unhoused_instead_of_overfilling():
    model = small(quantity={"boundary_radius_km": 0.3, "land_quota_cells": 0}, renewal={"renewal_share": 0.0},
                  layout={"far_cap_core": 0.1, "far_cap_other": 0.1, "far_cap_subcentre": 0.1})
    for _ in range(3):
        _check_tick(model)
    assert model.records[-1]["unhoused_households"] > 0


def test_jobs_waiting_for_a_site_are_in_the_time_series():
    model = small(quantity={"boundary_radius_km": 0.3, "land_quota_cells": 0}, renewal={"renewal_share": 0.0},
                  layout={"far_cap_core": 0.1, "far_cap_other": 0.1, "far_cap_subcentre": 0.1})
    for _ in range(3):
        model.step()
    waiting = model.records[-1]["jobs_waiting"]
    assert waiting == int(model.state.firms_waiting.jobs.sum()) > 0


def test_same_seed_same_run_and_other_seed_differs():
    def run(seed):
        m = UrbanModel(scenario_from_dict({"region": SMALL, "run": {"seed": seed}}))
        for _ in range(4):
            m.step()
        return m

    a, b, c = run(1), run(1), run(2)
    assert a.records == b.records
    np.testing.assert_array_equal(a.households.home, b.households.home)
    np.testing.assert_array_equal(a.grid.floor_total, b.grid.floor_total)
    assert a.records != c.records


def test_no_building_on_red_line_or_water():
    model = small(quantity={"growth_boundary": "none", "land_quota_cells": 400})
    g = model.grid
    assert g.red_line.any()
    protected = g.red_line | (g.land_cover == LandCover.WATER)
    floor_before = g.floor_total[protected].copy()
    for _ in range(5):
        model.step()
    np.testing.assert_array_equal(g.floor_total[protected], floor_before)


def test_firms_fill_sectors_and_gdp_grows():
    model = small()
    for _ in range(4):
        model.step()
    f = model.firms
    assert set(np.unique(f.sector)) == set(SECTORS.values())
    gdp = [r["gdp_cny"] for r in model.records]
    assert gdp[-1] > gdp[0]


@pytest.fixture(scope="module")
def urban_forms():
    """Compact, polycentric and sprawl over 20 years on the default region (same population path)."""
    out = {}
    for name in ("compact", "polycentric", "sprawl"):
        m = UrbanModel(load_scenario(f"scenarios/{name}.toml"))
        for _ in range(20):
            m.step()
        out[name] = m
    return out


def test_compact_is_smaller_and_denser_than_sprawl_at_equal_population(urban_forms):
    compact, sprawl = urban_forms["compact"].records[-1], urban_forms["sprawl"].records[-1]
    assert compact["households"] == pytest.approx(sprawl["households"], rel=0.02)
    assert compact["urban_cells"] < 0.8 * sprawl["urban_cells"]
    assert compact["mean_density_persons_per_ha"] > 1.2 * sprawl["mean_density_persons_per_ha"]


def test_polycentric_puts_jobs_in_its_subcentres(urban_forms):
    def share_in_subcentres(model, mask):
        jobs = np.bincount(model.firms.site, weights=model.firms.jobs, minlength=mask.size)
        return jobs[mask].sum() / jobs.sum()

    poly = urban_forms["polycentric"]
    sub = poly.grid.subcentre.ravel() >= 2
    assert sub.any()
    poly_share = share_in_subcentres(poly, sub)
    # The same places under policies without sub-centres: a few jobs at most.
    others = max(share_in_subcentres(urban_forms[name], sub) for name in ("compact", "sprawl"))
    assert poly_share >= 0.05
    assert poly_share > 5 * others + 0.01


def test_a_shrinking_region_closes_firms_and_rehires_their_workers():
    model = UrbanModel(scenario_from_dict({"region": SMALL, "population": {"growth_rate": -0.08}}))
    jobs = []
    for _ in range(5):
        _check_tick(model)
        jobs.append(model.firms.total_jobs)
    assert jobs[-1] < 0.85 * max(jobs)
    # Every household works at an existing firm.
    assert (model.households.work >= 0).all() and (model.households.work < len(model.firms)).all()
    target = model.target_households * model.config.population.jobs_per_household
    assert model.firms.total_jobs <= target * 1.1

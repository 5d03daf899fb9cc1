"""The cohorts: growth scales from arrivals, leavers and jobs founded or closed, and the new cohort of a city
that does not grow (point 5 counts growth, not movers)."""

from __future__ import annotations

import numpy as np
import pytest

from abm.cohorts import Cohorts, growth_scale
from abm.model import UrbanModel
from abm.scenario import scenario_from_dict

REGION = {"rows": 60, "cols": 60, "town_radius_km": 0.8, "villages": 1}
#: A town whose seeded firms all find a site (small firms, no villages): no jobs fill in after the start.
STILL_TOWN = {"rows": 50, "cols": 50, "town_radius_km": 0.6, "villages": 0}


def test_growth_scale_conventions():
    assert growth_scale(1000, 800) == pytest.approx(0.2)   # 200 net new households of 1000 arrivals
    assert growth_scale(500, 500) == 0.0                   # arrivals only replace leavers
    assert growth_scale(100, 300) == pytest.approx(-2.0)   # the city shrinks: negative
    assert growth_scale(0, 50) == 0.0 and growth_scale(0, 0) == 0.0  # no arrivals: no cohort to scale


def test_the_cohort_process_is_in_the_recipe_after_land_and_before_carbon():
    model = UrbanModel(scenario_from_dict({"region": REGION}))
    names = [p.name for p in model.processes()]
    assert names.index("cohorts") > names.index("development") and names.index("cohorts") < names.index("carbon")
    assert isinstance(model.cohorts, Cohorts)
    # the seeded city is stock: nothing of it is the start year's growth
    assert (model.state.household_growth_scale, model.state.firm_growth_scale) == (0.0, 0.0)


@pytest.mark.parametrize("growth", [0.04, {2020: 0.03, 2022: -0.02}], ids=["growing", "shrinking"])
def test_scales_times_what_arrived_are_the_net_growth(growth):
    """household scale x arrivals = change in households; firm scale x jobs founded = change in jobs."""
    scenario = scenario_from_dict({"run": {"start_year": 2020}, "region": REGION,
                                   "population": {"growth_rate": growth, "leave_rate": 0.05}})
    model = UrbanModel(scenario)
    s = model.state
    signs, closed = set(), []
    for _ in range(6):
        households, jobs = len(s.households), s.firms.total_jobs
        model.step()
        arrived = int((s.households.arrived_tick == s.tick).sum())
        founded = int(s.firms.jobs[s.firms.arrived_tick == s.tick].sum())
        assert arrived == s.arrivals and len(s.households) - households == arrived - s.leavers
        if arrived:
            assert s.household_growth_scale * arrived == pytest.approx(len(s.households) - households, abs=1e-9)
        else:  # no cohort to scale: the leavers' absence shows in the stock
            assert s.household_growth_scale == 0.0
        assert founded - s.jobs_closed == s.firms.total_jobs - jobs
        if founded:
            assert s.firm_growth_scale * founded == pytest.approx(s.firms.total_jobs - jobs, abs=1e-9)
        else:
            assert s.firm_growth_scale == 0.0
        signs.add(np.sign(s.household_growth_scale))
        closed.append(s.jobs_closed)
    if isinstance(growth, dict):  # the shrinking city: more households leave than arrive, firms close
        assert -1.0 in signs and sum(closed) > 0
    else:
        assert signs == {1.0} and sum(closed) == 0


def test_zero_growth_and_no_construction_has_no_new_cohort_while_movers_move():
    """Point 5's premise: households that move are stock. A city whose arrivals only replace its leavers,
    with no floor built, no land converted and nothing planted, adds no emissions of growth, every tick."""
    scenario = scenario_from_dict({
        "run": {"start_year": 2020}, "region": STILL_TOWN,
        "population": {"growth_rate": 0.0, "move_rate": 0.1, "leave_rate": 0.02, "firm_move_rate": 0.05,
                       "firm_size_mean": 2.0, "services_share": 0.6},  # a fixed sector mix: no firms founded
        "policy": {"quantity": {"land_quota_cells": 0}, "structure": {"afforestation_cells": 0}}})
    model = UrbanModel(scenario)
    s = model.state
    households, jobs = len(s.households), s.firms.total_jobs
    moved = firms_moved = 0
    accounts = [s.carbon]
    for _ in range(6):
        model.step()
        # the premise: no growth, no construction, no conversion, no planting
        assert s.arrivals == s.leavers > 0 and len(s.households) == households and s.firms.total_jobs == jobs
        assert float(s.grid.floor_added.sum()) == 0.0 and len(s.converted_cells) == 0 and len(s.afforested_cells) == 0
        # ... while households and firms keep moving
        movers = (s.households.located_tick == s.tick) & (s.households.arrived_tick < s.tick)
        moved += int(movers.sum())
        assert movers.any()
        firms_moved += int(((s.firms.located_tick == s.tick) & (s.firms.arrived_tick < s.tick)).sum())
        accounts.append(s.carbon)
    assert moved > 0.05 * households and firms_moved > 0
    for account in accounts:  # tick 0 (the seeded city) included
        by_source = {name: r.new_t for name, r in account.sources.items()}
        assert by_source == dict.fromkeys(by_source, 0.0), (account.tick, by_source)
        assert (account.emissions_new_t, account.sink_new_t, account.net_new_t) == (0.0, 0.0, 0.0)
        assert account.emissions_stock_t == account.emissions_total_t > 0

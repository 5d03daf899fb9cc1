"""Industry by branch: on by default, energy and process CO2 as two sources, branch draws, declining paths,
industrial floor counted once, cohorts (founded firms x growth scale); the default city's shares against the
reference bands are in test_reference.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from abm.carbon import account_carbon
from abm.carbon_params import CarbonParameters
from abm.emissions import source
from abm.emissions.industry import IndustryEnergy
from abm.emissions.industry_process import IndustrialProcesses
from abm.errors import ConfigError
from abm.grid import LandGrid
from abm.model import UrbanModel
from abm.population import BRANCHES, INDUSTRY_BRANCHES, SECTORS, Firms, Households
from abm.scenario import load_scenario, scenario_from_dict
from abm.state import CityState

SMALL = {"rows": 120, "cols": 120, "town_radius_km": 1.2, "villages": 2}


def one_firm_each(jobs=100, va=2e5, arrived=(0, 0, 0, 0)) -> Firms:
    """One firm per branch (services, heavy, light, high-tech) on cells 0..3."""
    firms = Firms.empty()
    firms.append(site=np.arange(4), sector=np.array([0, 1, 1, 1]), jobs=np.full(4, jobs), va_per_job=np.full(4, va),
                 located_tick=np.array(arrived), branch=np.array([BRANCHES[b] for b in ("services", *INDUSTRY_BRANCHES)]))
    return firms


def by_cell(result) -> dict[int, float]:
    """A sparse source map as {cell: tonnes} (each test firm has its own cell)."""
    return dict(zip(result.cells.tolist(), result.values.tolist()))


def test_on_by_default_with_energy_and_process_as_two_sources():
    assert CarbonParameters().industry_enabled
    energy, process = source("industry"), source("industry_process")
    assert (energy.label_en, process.label_en, process.label_zh) == ("industrial energy", "industrial processes", "工业过程")
    assert process.column() == "emissions_industry_process_t" and energy.colour != process.colour


def test_by_hand_2020():
    """20 M CNY per firm in 2020 at the 2022 grid (0.5366 / 0.3055 = 1.756 kgCO2/kgce), fossil 2.6.
    Heavy: 2.4 tce/10k CNY -> 4,800 tce, x (0.34 x 1.756 + 0.66 x 2.6) = 11,103 t; process 1.3 t/10k -> 2,600 t.
    Light: 1,100 tce x (0.6 x 1.756 + 0.4 x 2.6); high-tech 500 tce x (0.85 x 1.756 + 0.15 x 2.6)."""
    grid = LandGrid.empty(2, 2)
    acc = account_carbon(grid, Households.empty(), one_firm_each(), CarbonParameters(), year=2020, tick=0,
                         transit_dist_km=np.zeros((2, 2), np.float32))
    elec = 0.5366 / 0.3055
    heavy, light, high = 4800 * (0.34 * elec + 0.66 * 2.6), 1100 * (0.6 * elec + 0.4 * 2.6), 500 * (0.85 * elec + 0.15 * 2.6)
    assert acc.energy_industry_tce == pytest.approx(4800 + 1100 + 500)
    assert (acc.industry_heavy_t, acc.industry_light_t, acc.industry_high_tech_t) == (
        pytest.approx(heavy), pytest.approx(light), pytest.approx(high))
    assert acc.emissions_industry_t == pytest.approx(heavy + light + high)
    assert acc.emissions_industry_process_t == pytest.approx(2600.0)
    assert acc.gdp_cny == pytest.approx(8e7) and acc.industry_value_added_cny == pytest.approx(6e7)
    # both sources book at the firm's cell; the services firm (cell 0) and light and high-tech process CO2 are 0
    assert by_cell(acc.sources["industry"]) == {1: pytest.approx(heavy), 2: pytest.approx(light),
                                                3: pytest.approx(high)}
    assert by_cell(acc.sources["industry_process"]) == {1: pytest.approx(2600.0)}


def test_disabled_counts_gdp_only_and_industrial_floor_as_buildings():
    grid = LandGrid.empty(2, 2)
    grid.floor_industrial[0, 1] = 5000.0
    kw = dict(year=2030, tick=0, transit_dist_km=np.zeros((2, 2), np.float32))
    off = account_carbon(grid, Households.empty(), one_firm_each(), CarbonParameters(industry_enabled=False), **kw)
    on = account_carbon(grid, Households.empty(), one_firm_each(), CarbonParameters(), **kw)
    assert off.emissions_industry_t == off.emissions_industry_process_t == 0.0 and off.gdp_cny == on.gdp_cny > 0
    # counted once: with industry on, industrial floor holds no building energy (the intensity per value added
    # includes the firms' buildings); with it off, the floor is counted as buildings
    assert on.emissions_buildings_t == 0.0 < off.emissions_buildings_t
    assert on.emissions_total_t - off.emissions_total_t == pytest.approx(
        on.emissions_industry_t + on.emissions_industry_process_t - off.emissions_buildings_t)


def test_intensities_fall_on_the_five_year_plan_path():
    p = CarbonParameters()
    y20, y25, y30 = p.at_year(2020), p.at_year(2025), p.at_year(2030)
    for b in INDUSTRY_BRANCHES:
        k = BRANCHES[b]
        assert y25.industry_kgce_per_cny[k] == pytest.approx(0.865 * y20.industry_kgce_per_cny[k])  # -13.5% in 5 years
        assert y30.industry_kgce_per_cny[k] == pytest.approx(0.75 * y20.industry_kgce_per_cny[k])
        assert y30.industry_process_tco2_per_cny[k] == pytest.approx(0.8 * y20.industry_process_tco2_per_cny[k])
    heavy, light, high = (y20.industry_kgce_per_cny[BRANCHES[b]] for b in INDUSTRY_BRANCHES)
    assert heavy > light > high > 0 and y20.industry_kgce_per_cny[BRANCHES["services"]] == 0.0
    assert y20.industry_process_tco2_per_cny[BRANCHES["heavy"]] > 0
    # a carbon-free grid leaves only the fossil part (and the process CO2, which no grid removes)
    clean = CarbonParameters.from_dict({"grid_factor_kg_per_kwh": 0.0}).at_year(2030)
    for b in INDUSTRY_BRANCHES:
        k = BRANCHES[b]
        share = getattr(p, f"industry_{b}_electric_share").at(2030)
        assert clean.industry_tco2_per_cny[k] == pytest.approx(clean.industry_kgce_per_cny[k] * (1 - share) * 2.6 / 1000)
        assert clean.industry_process_tco2_per_cny[k] == y30.industry_process_tco2_per_cny[k]


@pytest.mark.parametrize("scale", [1.0, 0.25, -1.5, 0.0])
def test_new_cohort_is_founded_firms_times_growth_scale(scale):
    """Heavy and light firms founded this tick (5), the high-tech one relocated this tick but founded at 2: only
    the founded ones are new, times the growth scale; new + stock = total for both sources."""
    firms = one_firm_each(arrived=(5, 5, 5, 2))
    firms.located_tick[:] = 5
    params = CarbonParameters()
    state = CityState(grid=LandGrid.empty(2, 2), carbon_params=params, tick=5, year=2030, firms=firms,
                      firm_growth_scale=scale, carbon_year=params.at_year(2030))
    energy = IndustryEnergy().run_one_step(state, 2030)
    process = IndustrialProcesses().run_one_step(state, 2030)
    energy_t, process_t = by_cell(energy), by_cell(process)
    founded = energy_t[1] + energy_t[2]  # heavy + light firms (cells 1, 2)
    assert energy.new_t == pytest.approx(scale * founded)
    assert energy.new_t + energy.stock_t == pytest.approx(energy.total_t)
    assert process.new_t == pytest.approx(scale * process_t[1])
    assert process.new_t + process.stock_t == pytest.approx(process.total_t)


def test_branch_shares_refused_when_over_one():
    with pytest.raises(ConfigError, match="population.high_tech_industry_share"):
        scenario_from_dict({"population": {"heavy_industry_share": 0.6, "high_tech_industry_share": 0.5}})


def test_model_draws_branches_with_the_value_added_shares_and_follows_a_path():
    """Industry firms take the scenario's branch shares (by value added); services firms are branch services.
    When the heavy share drops to 0 in 2021, no heavy firm is founded from then on (the seeded ones stay)."""
    s = scenario_from_dict({"region": SMALL, "run": {"start_year": 2020, "ticks": 3},
                            "population": {"growth_rate": 0.05, "heavy_industry_share": {"2020": 0.3, "2021": 0.0},
                                           "high_tech_industry_share": 0.5}})
    model = UrbanModel(s)
    f = model.firms
    industry = f.sector == SECTORS["industry"]
    assert (f.branch[~industry] == BRANCHES["services"]).all() and (f.branch[industry] != BRANCHES["services"]).all()
    va = f.jobs * f.va_per_job.astype(float)
    share = {b: va[f.branch == BRANCHES[b]].sum() / va[industry].sum() for b in INDUSTRY_BRANCHES}
    assert share == {"heavy": pytest.approx(0.3, abs=0.05), "light": pytest.approx(0.2, abs=0.05),
                     "high_tech": pytest.approx(0.5, abs=0.05)}
    for _ in range(3):
        model.step()
    f = model.firms
    founded_later = f.arrived_tick > 0
    assert founded_later.sum() > 20 and not (f.branch[founded_later] == BRANCHES["heavy"]).any()
    assert (f.branch[~founded_later] == BRANCHES["heavy"]).any()


def test_model_seeded_city_is_stock_and_growth_is_new():
    model = UrbanModel(scenario_from_dict({"region": SMALL, "run": {"ticks": 2}, "population": {"growth_rate": 0.05}}))
    first = model.records[0]
    assert first["emissions_industry_t"] > 0 and first["emissions_industry_process_t"] > 0
    assert model.carbon.sources["industry"].new_t == model.carbon.sources["industry_process"].new_t == 0.0
    model.step()  # firms follow last year's households: tick 1 founds few firms, tick 2 the growth's
    model.step()
    assert model.carbon.sources["industry"].new_t > 0
    # process CO2 comes from heavy industry only: new exactly when a heavy firm was founded this tick
    founded_heavy = ((model.firms.arrived_tick == model.tick) & (model.firms.branch == BRANCHES["heavy"])).any()
    assert (model.carbon.sources["industry_process"].new_t > 0) == founded_heavy

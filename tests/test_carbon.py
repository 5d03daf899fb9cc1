"""The tick's carbon account: balance closure, cohorts, valid cells, hand cases, GDP and intensity."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon import CarbonAccount, account_carbon
from abm.carbon_params import CarbonParameters
from abm.grid import LandCover, LandGrid
from abm.kernels.sinks import stand_fraction
from abm.land_carbon import AgeClasses, CarbonPools, forest_live_scale
from abm.population import Firms, Households


def random_world(seed: int, rows: int, cols: int, n_hh: int, n_firms: int, tick: int = 3):
    rng = np.random.default_rng(seed)
    n = rows * cols
    grid = LandGrid.empty(rows, cols, cell_size_m=float(rng.choice([30.0, 100.0, 250.0])))
    grid.valid[:] = rng.random((rows, cols)) < 0.85
    grid.land_cover[:] = rng.integers(1, 8, (rows, cols))
    for use in ("floor_residential", "floor_commercial", "floor_industrial"):
        getattr(grid, use)[:] = np.where(rng.random((rows, cols)) < 0.4, rng.uniform(0, 2e4, (rows, cols)), 0)
    grid.floor_added[:] = grid.floor_total * rng.uniform(0, 0.5, (rows, cols)) * (rng.random((rows, cols)) < 0.3)
    grid.energy_factor[:] = rng.uniform(0.7, 1.0, (rows, cols))
    grid.retrofit[:] = rng.random((rows, cols)) * 0.5
    grid.forest_age[:] = np.where(grid.land_cover == LandCover.FOREST, rng.integers(0, 150, (rows, cols)), 0)
    grid.roads[:] = rng.random((rows, cols)) < 0.3
    firms = Firms.empty()
    if n_firms:
        site, sector = rng.integers(0, n, n_firms), rng.integers(0, 2, n_firms)
        branch = np.where(sector == 0, 0, 1 + np.arange(n_firms) % 3)  # industry: heavy, light, high-tech in turn
        firms.append(site=site, sector=sector, jobs=rng.integers(1, 100, n_firms),
                     va_per_job=rng.uniform(5e4, 4e5, n_firms), located_tick=rng.integers(0, tick + 1, n_firms),
                     branch=branch)
    households = Households.empty()
    if n_hh:
        households.append(home=rng.integers(0, n, n_hh),
                          work=rng.integers(0, n_firms, n_hh) if n_firms else np.full(n_hh, -1),
                          size=rng.integers(1, 6, n_hh), income=rng.uniform(3e4, 3e5, n_hh),
                          car=rng.random(n_hh) < 0.5, located_tick=rng.integers(0, tick + 1, n_hh))
    k = int(rng.integers(0, n + 1))
    converted = rng.choice(n, k, replace=False)
    inputs = dict(transit_dist_km=rng.exponential(1.0, (rows, cols)).astype(np.float32),
                  converted_cells=converted, converted_from=rng.integers(0, 8, k).astype(np.uint8),
                  afforested_cells=rng.choice(n, int(rng.integers(0, n + 1)), replace=False))
    return grid, households, firms, inputs


def check_closes(acc: CarbonAccount) -> None:
    sources = 0.0
    for result in acc.sources.values():  # every registered source, in the account's order
        sources += result.total_t
    assert sources == pytest.approx(acc.emissions_total_t, rel=1e-12, abs=1e-9)
    assert acc.emissions_new_t + acc.emissions_stock_t == pytest.approx(acc.emissions_total_t, rel=1e-9, abs=1e-9)
    assert acc.net_t == pytest.approx(acc.emissions_total_t - acc.sink_t, rel=1e-12, abs=1e-9)
    assert acc.net_new_t == pytest.approx(acc.emissions_new_t - acc.sink_new_t, rel=1e-12, abs=1e-9)
    assert 0 <= acc.emissions_new_t <= acc.emissions_total_t + 1e-9
    # the maps hold the same totals (float32 per cell)
    assert float(acc.emissions_cell_t.sum(dtype=np.float64)) == pytest.approx(acc.emissions_total_t, rel=1e-5, abs=1e-3)
    assert float(acc.sink_cell_t.sum(dtype=np.float64)) == pytest.approx(acc.sink_t, rel=1e-5, abs=1e-3)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 15), cols=st.integers(1, 15),
       n_hh=st.integers(0, 200), n_firms=st.integers(0, 20), industry=st.booleans(), year=st.integers(2015, 2065))
def test_balance_closes(seed, rows, cols, n_hh, n_firms, industry, year):
    grid, households, firms, inputs = random_world(seed, rows, cols, n_hh, n_firms)
    params = CarbonParameters(industry_enabled=industry)
    acc = account_carbon(grid, households, firms, params, year=year, tick=3, **inputs)
    check_closes(acc)
    if not industry:
        assert acc.emissions_industry_t == acc.emissions_industry_process_t == 0.0
    shares = [acc.mode_share_walk_cycle, acc.mode_share_ebike, acc.mode_share_bus, acc.mode_share_metro,
              acc.mode_share_car]
    assert sum(shares) == pytest.approx(1.0) or sum(shares) == 0.0
    assert acc.emissions_cell_t.shape == acc.sink_cell_t.shape == grid.shape
    assert acc.emissions_cell_t.dtype == acc.sink_cell_t.dtype == np.float32


def test_invalid_cells_never_counted():
    grid, households, firms, inputs = random_world(7, 8, 8, 150, 10)
    params = CarbonParameters(industry_enabled=True)
    grid.valid[:] = True
    grid.valid[:4, :] = False  # cut the top half out of the study area
    after = account_carbon(grid, households, firms, params, year=2030, tick=3, **inputs)
    assert not after.emissions_cell_t[:4].any() and not after.sink_cell_t[:4].any()
    check_closes(after)

    # the same as an all-valid world holding only the bottom half's floor, households, firms, land
    inside = grid.valid.reshape(-1)
    bottom = grid.copy()
    bottom.valid[:] = True
    for use in ("floor_residential", "floor_commercial", "floor_industrial", "floor_added"):
        getattr(bottom, use)[:4] = 0
    bottom.land_cover[:4] = LandCover.URBAN  # 0 sink
    stay = Households(**{k: v.copy() for k, v in households.columns().items()})
    stay.keep(inside[stay.home])
    jobs = firms.jobs.copy()
    moved = Firms(**{k: v.copy() for k, v in firms.columns().items()})
    moved.jobs[:] = np.where(inside[firms.site], jobs, 0)  # firms outside produce nothing
    keep = inside[inputs["converted_cells"]]
    same = dict(inputs, converted_cells=inputs["converted_cells"][keep], converted_from=inputs["converted_from"][keep])
    ref = account_carbon(bottom, stay, moved, params, year=2030, tick=3, **same)
    for name in ("emissions_buildings_t", "emissions_transport_t", "emissions_industry_t", "emissions_conversion_t",
                 "emissions_freight_t", "emissions_industry_process_t",
                 "emissions_new_t", "sink_t", "gdp_cny"):
        assert getattr(after, name) == pytest.approx(getattr(ref, name), rel=1e-9, abs=1e-9), name


def test_one_cell_by_hand():
    """1000 m2 residential (low-rise, no households, all residential energy per m2), 12.9 kgce/m2, half
    electric at 0.5 / 0.125 = 4 kgCO2/kgce and half fossil at 2.0: 3 kgCO2/kgce -> 38.7 t; 250 m2 of it
    added this tick -> 9.675 t new."""
    grid = LandGrid.empty(1, 2)
    grid.floor_residential[0, 0] = 1000.0
    grid.floor_added[0, 0] = 250.0
    params = CarbonParameters.from_dict({"grid_factor_kg_per_kwh": 0.5, "kwh_kgce": 0.125, "fossil_kgco2_per_kgce": 2.0,
                                         "electric_share_residential": 0.5, "residential_household_share": 0.0})
    acc = account_carbon(grid, Households.empty(), Firms.empty(), params, year=2030, tick=0,
                         transit_dist_km=np.zeros((1, 2), np.float32))
    assert acc.emissions_buildings_t == pytest.approx(38.7)
    assert acc.emissions_new_t == pytest.approx(9.675)
    assert acc.emissions_stock_t == pytest.approx(38.7 - 9.675)
    # two hectares of cropland at -0.1 t/ha/yr
    assert acc.sink_t == pytest.approx(-0.2)
    assert acc.net_t == pytest.approx(38.9)
    assert math.isnan(acc.carbon_intensity_t_per_gdp)


def test_forest_conversion_and_afforestation():
    """A forest sealed this tick books its stock (the pools' mean stand: 51.75 tC/ha live, 96 soil) minus what it
    keeps (70% of the soil): 80.55 tC, 295.35 tCO2 on a hectare. A stand planted this tick (a year old when counted,
    as the model ages it) takes up its first year's growth."""
    grid = LandGrid.empty(1, 3)  # 1 ha cells
    grid.land_cover[0, 0] = LandCover.URBAN  # was forest, urbanised this tick
    grid.land_cover[0, 1] = LandCover.FOREST  # afforested this tick: a young stand
    grid.forest_age[0, 1] = 1.0
    p = CarbonParameters()
    acc = account_carbon(grid, Households.empty(), Firms.empty(), p, year=2030, tick=5,
                         transit_dist_km=np.zeros((1, 3), np.float32), converted_cells=np.array([0]),
                         converted_from=np.array([LandCover.FOREST], np.uint8), afforested_cells=np.array([1]))
    assert acc.emissions_conversion_t == pytest.approx(80.55 * 44 / 12)
    assert acc.emissions_roads_t == pytest.approx(10_000 * 0.15 * 0.2)  # the new hectare's streets
    assert acc.emissions_new_t == pytest.approx(80.55 * 44 / 12 + acc.emissions_roads_t)
    pools, ages = CarbonPools.read(), AgeClasses.read()
    first_year = forest_live_scale(pools, ages, p) * stand_fraction(1.0, rate_per_yr=p.forest_growth_rate_per_yr,
                                                                    half_age_yr=p.forest_half_age_yr)
    assert acc.sink_new_t == pytest.approx(first_year * 44 / 12)
    assert acc.sink_t == pytest.approx(acc.sink_new_t - 0.1)  # plus one hectare of cropland
    assert acc.net_new_t == pytest.approx(acc.emissions_new_t - acc.sink_new_t)
    assert acc.emissions_cell_t[0, 0] == pytest.approx(80.55 * 44 / 12 + acc.emissions_roads_t)
    # sealed soil; the young stand on forest soil (its previous class is not known here); the cropland, less its flux
    storage = 96 * 0.7 + (first_year + 96) + (pools.total[LandCover.AGRICULTURE] - 0.1 * 12 / 44)
    assert acc.carbon_storage_t == pytest.approx(storage)


def test_cohorts_new_households_and_firms():
    grid, households, firms, inputs = random_world(3, 6, 6, 300, 15, tick=4)
    grid.floor_added[:] = 0
    inputs.update(converted_cells=np.empty(0, np.int64), converted_from=np.empty(0, np.uint8))
    params = CarbonParameters(industry_enabled=True)
    acc = account_carbon(grid, households, firms, params, year=2030, tick=4, **inputs)
    for agents in (households, firms):  # moving keeps arrived_tick: both say "here before this tick"
        agents.located_tick[:] = agents.arrived_tick[:] = 0
    old = account_carbon(grid, households, firms, params, year=2030, tick=4, **inputs)
    assert old.emissions_new_t == 0.0
    assert old.emissions_total_t == pytest.approx(acc.emissions_total_t)
    for agents in (households, firms):
        agents.located_tick[:] = agents.arrived_tick[:] = 4
    new = account_carbon(grid, households, firms, params, year=2030, tick=4, **inputs)
    assert new.emissions_new_t == pytest.approx(new.emissions_transport_t + new.emissions_industry_t
                                                + new.emissions_industry_process_t + new.emissions_freight_t)
    assert new.emissions_industry_process_t > 0  # the random world has heavy industry
    assert 0 < acc.emissions_new_t < new.emissions_new_t


def test_gdp_and_intensity_per_10k_cny():
    grid = LandGrid.empty(2, 2)
    grid.floor_commercial[0, 0] = 2000.0
    firms = Firms.empty()
    firms.append(site=np.array([0]), sector=np.array([0]), jobs=np.array([100]), va_per_job=np.array([2e5]),
                 located_tick=0)
    acc = account_carbon(grid, Households.empty(), firms, CarbonParameters(), year=2030, tick=0,
                         transit_dist_km=np.zeros((2, 2), np.float32))
    assert acc.gdp_cny == pytest.approx(2e7)
    assert acc.carbon_intensity_t_per_gdp == pytest.approx(acc.emissions_total_t / 2000.0)


def test_higher_grid_factor_more_emissions():
    grid, households, firms, inputs = random_world(11, 10, 10, 100, 5)
    low = account_carbon(grid, households, firms, CarbonParameters.from_dict({"grid_factor_kg_per_kwh": 0.2}),
                         year=2030, tick=3, **inputs)
    high = account_carbon(grid, households, firms, CarbonParameters.from_dict({"grid_factor_kg_per_kwh": 0.8}),
                          year=2030, tick=3, **inputs)
    assert high.emissions_buildings_t > low.emissions_buildings_t


def test_to_row_scalar_columns():
    grid, households, firms, inputs = random_world(1, 5, 5, 50, 5)
    row = account_carbon(grid, households, firms, CarbonParameters(), year=2030, tick=3, **inputs).to_row()
    for name in ("emissions_total_t", "emissions_new_t", "emissions_stock_t", "sink_t", "sink_new_t", "net_t",
                 "net_new_t", "gdp_cny", "carbon_intensity_t_per_gdp", "commute_km_mean", "mode_share_car"):
        assert name in row
    assert "emissions_cell_t" not in row and "sink_cell_t" not in row
    assert all(isinstance(v, (int, float)) for v in row.values())


def test_bad_inputs_refused():
    grid = LandGrid.empty(2, 2)
    with pytest.raises(ValueError, match="transit_dist_km"):
        account_carbon(grid, Households.empty(), Firms.empty(), CarbonParameters(), year=2030, tick=0,
                       transit_dist_km=np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match="converted_from"):
        account_carbon(grid, Households.empty(), Firms.empty(), CarbonParameters(), year=2030, tick=0,
                       transit_dist_km=np.zeros((2, 2), np.float32), converted_cells=np.array([1]))


def test_industrial_floor_counted_once():
    """With the industry source on, its energy per value added holds its buildings: the buildings source
    drops exactly its industrial part, and the types it reports still sum to its total."""
    grid, households, firms, inputs = random_world(5, 10, 10, 100, 10)
    assert grid.floor_industrial.sum() > 0
    off = account_carbon(grid, households, firms, CarbonParameters(industry_enabled=False), year=2030, tick=3, **inputs)
    on = account_carbon(grid, households, firms, CarbonParameters(industry_enabled=True), year=2030, tick=3, **inputs)
    assert off.buildings_industrial_t > 0 and on.buildings_industrial_t == 0.0
    assert on.emissions_buildings_t == pytest.approx(off.emissions_buildings_t - off.buildings_industrial_t, rel=1e-9)
    for acc in (off, on):
        types = (acc.buildings_residential_t + acc.buildings_commercial_t + acc.buildings_public_t
                 + acc.buildings_industrial_t)
        assert types == pytest.approx(acc.emissions_buildings_t, rel=1e-9)
    assert on.emissions_industry_t > 0

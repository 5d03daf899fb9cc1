"""The built-in emission sources: buildings, commuting, industry and land conversion.

Each is a thin adapter from the city state to one kernel of abm.kernels; the kernels stay pure
functions on arrays (STYLE.md 2). ``state.carbon_year`` holds the year's resolved factors
(`CarbonParameters.at_year`), set by the carbon account before the sources run.
"""

from __future__ import annotations

import numpy as np

from abm.carbon_params import MODES
from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.buildings import building_emissions
from abm.kernels.commute import ModeSplit, commute_emissions
from abm.kernels.conversion import conversion_loss
from abm.kernels.industry import industry_emissions


@register_source
class BuildingEnergy(EmissionSource):
    """Operational energy of all floor space: floor x intensity by use x standard x retrofit x carrier factor."""

    name = "buildings"
    label_en = "buildings"
    label_zh = "建筑运行"
    colour = "#1f77b4"
    reads = ("grid.floor_residential", "grid.floor_commercial", "grid.floor_industrial", "grid.floor_added",
             "grid.energy_factor", "grid.retrofit", "grid.valid", "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g, y = state.grid, state.carbon_year
        cell_t = np.empty(g.shape, np.float32)
        b = building_emissions(g.floor_residential, g.floor_commercial, g.floor_industrial, g.floor_added,
                               g.energy_factor, g.retrofit, g.valid, intensity_kgce_m2=y.intensity_kgce_m2,
                               kgco2_per_kgce=y.building_kgco2_per_kgce, retrofit_saving=y.retrofit_saving,
                               out=cell_t)
        return SourceEmissions(b.emissions_t, b.new_t, b.stock_t, cell_t,
                               extras={"energy_buildings_tce": b.energy_kgce / 1000.0})


@register_source
class Commuting(EmissionSource):
    """Home-to-work trips of every household, booked at the home cell."""

    name = "commute"
    label_en = "commute"
    label_zh = "通勤交通"
    colour = "#ff7f0e"
    reads = ("households", "firms", "grid.valid", "grid.roads", "households_per_cell", "transit_km", "tick",
             "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g, hh = state.grid, state.households
        c = commute_emissions(hh.home, hh.work, hh.size, hh.car, hh.located_tick, tick=state.tick,
                              firm_site=state.firms.site, valid=g.valid, hh_count=state.households_per_cell,
                              transit_dist_km=state.transit_km, road=g.roads, cols=g.shape[1],
                              cell_km=g.cell_size_m / 1000.0, modes=ModeSplit.from_year(state.carbon_year))
        shares = c.trips_by_mode / c.commuters if c.commuters > 0 else np.zeros(len(MODES))
        extras = {"commute_km_mean": c.commuter_km / c.commuters if c.commuters > 0 else 0.0,
                  **{f"mode_share_{m}": float(shares[k]) for k, m in enumerate(MODES)}}
        return SourceEmissions(c.new_t + c.stock_t, c.new_t, c.stock_t, c.household_t, cells=hh.home, extras=extras)


@register_source
class IndustryProcess(EmissionSource):
    """Industrial energy and process emissions per unit of value added, booked at the firm's site.

    Also reports the area's GDP (value added of its firms), which the account needs for intensity.
    """

    name = "industry"
    label_en = "industry"
    label_zh = "工业"
    colour = "#8c564b"
    reads = ("firms", "grid.valid", "tick", "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        f, y = state.firms, state.carbon_year
        intensity = y.industry_kgce_per_cny if y.industry_enabled else (0.0,) * len(y.industry_kgce_per_cny)
        ind = industry_emissions(f.site, f.sector, f.jobs, f.va_per_job, f.located_tick, state.grid.valid,
                                 tick=state.tick, kgce_per_cny=intensity, kgco2_per_kgce=y.industry_kgco2_per_kgce)
        cells = f.site if y.industry_enabled else f.site[:0]
        values = ind.firm_t if y.industry_enabled else ind.firm_t[:0]
        return SourceEmissions(ind.emissions_t, ind.new_t, ind.stock_t, values, cells=cells,
                               extras={"gdp_cny": ind.gdp_cny, "energy_industry_tce": ind.energy_kgce / 1000.0})


@register_source
class LandConversion(EmissionSource):
    """The one-off loss of biomass and soil carbon of cells urbanised this tick (all of it new)."""

    name = "conversion"
    label_en = "land conversion"
    label_zh = "土地转换"
    colour = "#bcbd22"
    reads = ("converted_cells", "converted_from", "grid.valid", "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g = state.grid
        conv = conversion_loss(state.converted_cells, state.converted_from, g.valid,
                               loss_t_ha=state.carbon_year.conversion_t_ha, cell_ha=g.cell_area_m2 / 1e4)
        return SourceEmissions(conv.loss_t, conv.loss_t, 0.0, conv.cell_loss_t, cells=state.converted_cells)

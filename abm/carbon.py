"""The carbon account of one tick: emissions by source and cohort, sinks, GDP and per-cell maps.

Why cohorts: the net-stock inflection point (DESIGN.md 1, point 5) needs the emissions of what was
added this tick (new floor, households and firms at new locations, land converted) apart from the
stock. Everything is tonnes CO2 per year (conversion: tonnes released this tick). The account closes:
sources sum to ``emissions_total_t``, ``emissions_new_t + emissions_stock_t == emissions_total_t`` and
``net_t == emissions_total_t - sink_t``, up to float rounding.

>>> from abm.grid import LandGrid
>>> from abm.population import Households, Firms
>>> grid = LandGrid.empty(2, 2); grid.floor_residential[0, 0] = 1000.0
>>> acc = account_carbon(grid, Households.empty(), Firms.empty(), CarbonParameters(), year=2025, tick=0,
...                      transit_dist_km=np.zeros((2, 2), np.float32))
>>> acc.emissions_total_t == acc.emissions_buildings_t > 0
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from abm.carbon_params import MODES, CarbonParameters
from abm.grid import LandCover, LandGrid
from abm.kernels.buildings import building_emissions
from abm.kernels.commute import ModeSplit, add_at, commute_emissions
from abm.kernels.commute import households_per_cell as count_households
from abm.kernels.conversion import conversion_loss
from abm.kernels.industry import industry_emissions
from abm.kernels.sinks import sink_removals
from abm.population import Firms, Households

_EMPTY_INT = np.empty(0, np.int64)

#: grid layers the carbon step reads (it writes none: it returns a `CarbonAccount`)
READS = ("valid", "land_cover", "floor_residential", "floor_commercial", "floor_industrial", "floor_added",
         "energy_factor", "retrofit", "forest_age", "roads")
WRITES = ()


@dataclass
class CarbonAccount:
    """One tick's carbon balance (tCO2/yr unless named otherwise) and its maps."""

    year: int
    tick: int
    emissions_buildings_t: float
    emissions_commute_t: float
    emissions_industry_t: float
    emissions_conversion_t: float      # one-off stock loss of cells urbanised this tick
    emissions_total_t: float           # the four sources
    emissions_new_t: float             # new floor + newly located households and firms + conversion
    emissions_stock_t: float           # the rest
    sink_t: float                      # net removals of all valid cells (cropland counts negative)
    sink_new_t: float                  # removals of the cells afforested this tick
    net_t: float                       # emissions_total_t - sink_t
    net_new_t: float                   # emissions_new_t - sink_new_t
    gdp_cny: float                     # value added of the area's firms, CNY/yr
    carbon_intensity_t_per_gdp: float  # tCO2 per 10,000 CNY of GDP (China's intensity unit), nan if no GDP
    energy_buildings_tce: float        # tonnes of standard coal equivalent / yr
    energy_industry_tce: float
    commute_km_mean: float             # one-way commute per commuter, km
    mode_share_walk_cycle: float       # shares of commute trips (expected, commuter weighted)
    mode_share_ebike: float
    mode_share_bus: float
    mode_share_metro: float
    mode_share_car: float
    emissions_cell_t: np.ndarray       # float32 (rows, cols): buildings + commute at home + industry at site + conversion
    sink_cell_t: np.ndarray            # float32 (rows, cols)

    def to_row(self) -> dict[str, float | int]:
        """The scalar columns, for the tick's row of the time series."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not isinstance(getattr(self, f.name), np.ndarray)}


def account_carbon(grid: LandGrid, households: Households, firms: Firms, params: CarbonParameters, *, year: int,
                   tick: int, transit_dist_km: np.ndarray, households_per_cell: np.ndarray | None = None,
                   converted_cells: np.ndarray = _EMPTY_INT,
                   converted_from: np.ndarray | None = None, afforested_cells: np.ndarray = _EMPTY_INT
                   ) -> CarbonAccount:
    """Run every carbon kernel for one tick on the grid and agents after this tick's development.

    ``transit_dist_km`` (grid-shaped) is the walk from each cell to transit; ``households_per_cell``
    (flat) the households living in each cell, if the caller has it (counted here otherwise);
    ``converted_cells`` are the (distinct) flat indices urbanised this tick with ``converted_from`` their
    previous LandCover codes;
    ``afforested_cells`` flat indices turned to forest this tick (their sink is ``sink_new_t``; the
    model sets their ``forest_age`` to that of a young stand). Cells with ``valid`` False never count:
    no building, sink or conversion there, no commute of households living there, no industry or GDP
    of firms sited there. Commutes are booked at the home cell of the map, industry at the firm's cell.
    """
    y = params.at_year(year)
    rows, cols = grid.shape
    n = rows * cols
    valid = grid.valid.reshape(-1)
    cell_km = grid.cell_size_m / 1000.0
    cell_ha = grid.cell_area_m2 / 1e4
    transit = np.asarray(transit_dist_km)
    if transit.shape != grid.shape:
        raise ValueError(f"transit_dist_km has shape {transit.shape}; the grid is {grid.shape}")
    converted_cells = np.asarray(converted_cells, np.int64).reshape(-1)
    if converted_from is None:
        if converted_cells.size:
            raise ValueError("converted_from (previous LandCover of each converted cell) is required")
        converted_from = np.empty(0, np.uint8)
    afforested = np.asarray(afforested_cells, np.int64).reshape(-1)

    emissions_cell = np.empty((rows, cols), np.float32)
    b = building_emissions(grid.floor_residential, grid.floor_commercial, grid.floor_industrial, grid.floor_added,
                           grid.energy_factor, grid.retrofit, grid.valid, intensity_kgce_m2=y.intensity_kgce_m2,
                           kgco2_per_kgce=y.building_kgco2_per_kgce, retrofit_saving=y.retrofit_saving,
                           out=emissions_cell)
    flat_map = emissions_cell.reshape(-1)

    counts = count_households(households.home, n) if households_per_cell is None else households_per_cell
    c = commute_emissions(households.home, households.work, households.size, households.car, households.located_tick,
                          tick=tick, firm_site=firms.site, valid=valid, hh_count=counts, transit_dist_km=transit, road=grid.roads,
                          cols=cols, cell_km=cell_km, modes=ModeSplit.from_year(y))
    add_at(households.home, c.household_t, flat_map)

    intensity = y.industry_kgce_per_cny if y.industry_enabled else (0.0,) * len(y.industry_kgce_per_cny)
    ind = industry_emissions(firms.site, firms.sector, firms.jobs, firms.va_per_job, firms.located_tick, valid,
                             tick=tick, kgce_per_cny=intensity, kgco2_per_kgce=y.industry_kgco2_per_kgce)
    if y.industry_enabled:
        add_at(firms.site, ind.firm_t, flat_map)

    conv = conversion_loss(converted_cells, converted_from, valid, loss_t_ha=y.conversion_t_ha, cell_ha=cell_ha)
    add_at(converted_cells, conv.cell_loss_t, flat_map)

    sink_cell = np.empty((rows, cols), np.float32)
    s = sink_removals(grid.land_cover, grid.forest_age, grid.valid, rate_t_ha=y.sink_t_ha,
                      forest_code=int(LandCover.FOREST), bmax_mgc_ha=y.forest_bmax_mgc_ha,
                      rate_per_yr=y.forest_growth_rate_per_yr, half_age_yr=y.forest_half_age_yr,
                      cell_ha=cell_ha, out=sink_cell)
    sink_new = 0.0
    if afforested.size:
        if afforested.min() < 0 or afforested.max() >= n:
            raise ValueError(f"afforested_cells holds indices outside 0..{n - 1}")
        sink_new = float(sink_cell.reshape(-1)[np.unique(afforested)].sum(dtype=np.float64))

    total = b.emissions_t + (c.new_t + c.stock_t) + ind.emissions_t + conv.loss_t
    new = b.new_t + c.new_t + ind.new_t + conv.loss_t
    stock = b.stock_t + c.stock_t + ind.stock_t
    shares = c.trips_by_mode / c.commuters if c.commuters > 0 else np.zeros(len(MODES))
    return CarbonAccount(
        year=int(year),
        tick=int(tick),
        emissions_buildings_t=b.emissions_t,
        emissions_commute_t=c.new_t + c.stock_t,
        emissions_industry_t=ind.emissions_t,
        emissions_conversion_t=conv.loss_t,
        emissions_total_t=total,
        emissions_new_t=new,
        emissions_stock_t=stock,
        sink_t=s.sink_t,
        sink_new_t=sink_new,
        net_t=total - s.sink_t,
        net_new_t=new - sink_new,
        gdp_cny=ind.gdp_cny,
        carbon_intensity_t_per_gdp=total / (ind.gdp_cny / 1e4) if ind.gdp_cny > 0 else float("nan"),
        energy_buildings_tce=b.energy_kgce / 1000.0,
        energy_industry_tce=ind.energy_kgce / 1000.0,
        commute_km_mean=c.commuter_km / c.commuters if c.commuters > 0 else 0.0,
        **{f"mode_share_{m}": float(shares[k]) for k, m in enumerate(MODES)},
        emissions_cell_t=emissions_cell,
        sink_cell_t=sink_cell,
    )

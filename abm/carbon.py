"""The carbon account of one tick: every registered emission source, land carbon, GDP and the maps.

Why cohorts: the net-stock inflection point (DESIGN.md 1, point 5) needs the emissions of what was
added this tick (new floor, households and firms at new locations, land converted) apart from the
stock. Everything is tonnes CO2 per year (conversion: tonnes released this tick). The account closes:
sources sum to ``emissions_total_t``, ``emissions_new_t + emissions_stock_t == emissions_total_t`` and
``net_t == emissions_total_t - sink_t``, up to float rounding.

The sources are those of the registry (abm.emissions): the account loops over it, so a new source is
a new module, not an edit here. Each source's total is column ``emissions_<name>_t``; what a source
reports beside its emissions (energy, mode shares, GDP) becomes a column under its own name.

>>> from abm.grid import LandGrid
>>> from abm.population import Households, Firms
>>> grid = LandGrid.empty(2, 2); grid.floor_residential[0, 0] = 1000.0
>>> acc = account_carbon(grid, Households.empty(), Firms.empty(), CarbonParameters(), year=2025, tick=0,
...                      transit_dist_km=np.zeros((2, 2), np.float32))
>>> acc.emissions_total_t == acc.emissions_buildings_t > 0
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from abm.carbon_params import CarbonParameters
from abm.emissions import EmissionSource, SourceEmissions, emission_sources
from abm.grid import LandGrid
from abm.kernels.travel import households_per_cell as count_households
from abm.land_carbon import LandCarbon, SinkAccount
from abm.population import Firms, Households
from abm.process import Process

_EMPTY_INT = np.empty(0, np.int64)


@dataclass
class CarbonAccount:
    """One tick's carbon balance (tCO2/yr unless named otherwise) and its maps.

    Per-source totals and the sources' further figures read as attributes too:
    ``account.emissions_transport_t``, ``account.mode_share_car``.
    """

    year: int
    tick: int
    sources: dict[str, SourceEmissions]  # by source name, in registry order
    emissions_total_t: float             # the sources' sum
    emissions_new_t: float               # new floor + newly located households and firms + conversion
    emissions_stock_t: float             # the rest
    sink_t: float                        # net removals of all valid cells (cropland counts negative)
    sink_new_t: float                    # removals of the cells afforested this tick
    gdp_cny: float                       # value added of the area's firms, CNY/yr
    emissions_cell_t: np.ndarray         # float32 (rows, cols): every source's map
    sink_cell_t: np.ndarray              # float32 (rows, cols)
    extras: dict[str, float] = field(default_factory=dict)  # the sources' and land carbon's further figures
    storage_cell_tc_ha: np.ndarray | None = None  # float64 (rows, cols): carbon stored, tC/ha (changed in place)

    @property
    def net_t(self) -> float:
        return self.emissions_total_t - self.sink_t

    @property
    def net_new_t(self) -> float:
        return self.emissions_new_t - self.sink_new_t

    @property
    def carbon_intensity_t_per_gdp(self) -> float:
        """tCO2 per 10,000 CNY of GDP (China's intensity unit), nan if no GDP."""
        return self.emissions_total_t / (self.gdp_cny / 1e4) if self.gdp_cny > 0 else float("nan")

    def source_t(self, name: str) -> float:
        return self.sources[name].total_t

    def __getattr__(self, name: str) -> Any:
        sources, extras = self.__dict__.get("sources", {}), self.__dict__.get("extras", {})
        if name.startswith("emissions_") and name.endswith("_t") and name[10:-2] in sources:
            return sources[name[10:-2]].total_t
        if name in extras:
            return extras[name]
        raise AttributeError(f"CarbonAccount has no {name!r}")

    def to_row(self) -> dict[str, float | int]:
        """The scalar columns, for the tick's row of the time series."""
        return {
            "year": self.year, "tick": self.tick,
            **{f"emissions_{name}_t": s.total_t for name, s in self.sources.items()},
            "emissions_total_t": self.emissions_total_t, "emissions_new_t": self.emissions_new_t,
            "emissions_stock_t": self.emissions_stock_t, "sink_t": self.sink_t, "sink_new_t": self.sink_new_t,
            "net_t": self.net_t, "net_new_t": self.net_new_t, "gdp_cny": self.gdp_cny,
            "carbon_intensity_t_per_gdp": self.carbon_intensity_t_per_gdp,
            **{k: v for k, v in self.extras.items() if k != "gdp_cny"},
        }


def combine(year: int, tick: int, results: dict[str, SourceEmissions], sinks: SinkAccount,
            shape: tuple[int, int]) -> CarbonAccount:
    """The account from the sources' results and the sink: totals summed left to right in source order."""
    total = new = stock = 0.0
    flat_map: np.ndarray | None = None
    extras: dict[str, float] = {}
    for r in results.values():
        total += r.total_t
        new += r.new_t
        stock += r.stock_t
        extras.update(r.extras)
        if flat_map is None and r.cells is None and r.values.dtype == np.float32:
            flat_map = r.values.reshape(-1)  # the first full map becomes the account's map (no copy)
        else:
            if flat_map is None:
                flat_map = np.zeros(shape[0] * shape[1], np.float32)
            r.add_to(flat_map)
    if flat_map is None:
        flat_map = np.zeros(shape[0] * shape[1], np.float32)
    extras.update(sinks.columns())
    return CarbonAccount(year=int(year), tick=int(tick), sources=results, emissions_total_t=total,
                         emissions_new_t=new, emissions_stock_t=stock, sink_t=sinks.sink_t, sink_new_t=sinks.sink_new_t,
                         gdp_cny=float(extras.get("gdp_cny", 0.0)), emissions_cell_t=flat_map.reshape(shape),
                         sink_cell_t=sinks.cell_t, extras=extras, storage_cell_tc_ha=sinks.storage_tc_ha)


class CarbonAccounting(Process):
    """The year's factors, every registered emission source, land carbon, then the account."""

    name = "carbon"
    writes = ("carbon_year", "sinks", "carbon")

    def __init__(self, sources: tuple[type[EmissionSource], ...] | None = None) -> None:
        self.sources = [cls() for cls in (emission_sources() if sources is None else sources)]
        self.land = LandCarbon()
        parts = [*self.sources, self.land]
        self.reads = tuple(dict.fromkeys(["carbon_params", "tick", *(n for p in parts for n in p.reads)]))

    def run_one_step(self, state, year: int) -> None:
        state.carbon_year = state.carbon_params.at_year(year)
        results = {s.name: s.run_one_step(state.narrow(s), year) for s in self.sources}
        self.land.run_one_step(state.narrow(self.land), year)
        state.carbon = combine(year, state.tick, results, state.sinks, state.grid.shape)


def account_carbon(grid: LandGrid, households: Households, firms: Firms, params: CarbonParameters, *, year: int,
                   tick: int, transit_dist_km: np.ndarray, households_per_cell: np.ndarray | None = None,
                   converted_cells: np.ndarray = _EMPTY_INT,
                   converted_from: np.ndarray | None = None, afforested_cells: np.ndarray = _EMPTY_INT
                   ) -> CarbonAccount:
    """The account of one tick for a grid and agents outside a model (tests, benchmarks, notebooks).

    ``transit_dist_km`` (grid-shaped) is the walk from each cell to transit; ``households_per_cell``
    (flat) the households living in each cell, if the caller has it (counted here otherwise);
    ``converted_cells`` are the (distinct) flat indices urbanised this tick with ``converted_from`` their
    previous LandCover codes; ``afforested_cells`` flat indices turned to forest this tick (their sink is
    ``sink_new_t``). Cells with ``valid`` False never count: no building, sink or conversion there, no
    travel of households living there, no industry or GDP of firms sited there. Passenger travel is booked at
    the home cell of the map, industry at the firm's cell.
    """
    from abm.process import run_process
    from abm.state import CityState

    transit = np.asarray(transit_dist_km)
    if transit.shape != grid.shape:
        raise ValueError(f"transit_dist_km has shape {transit.shape}; the grid is {grid.shape}")
    converted_cells = np.asarray(converted_cells, np.int64).reshape(-1)
    if converted_from is None:
        if converted_cells.size:
            raise ValueError("converted_from (previous LandCover of each converted cell) is required")
        converted_from = np.empty(0, np.uint8)
    counts = count_households(households.home, grid.valid.size) if households_per_cell is None else households_per_cell
    state = CityState(grid=grid, carbon_params=params, tick=tick, year=year, households=households, firms=firms,
                      converted_cells=converted_cells, converted_from=converted_from,
                      afforested_cells=np.asarray(afforested_cells, np.int64).reshape(-1), transit_km=transit,
                      households_per_cell=counts)
    run_process(CarbonAccounting(), state, year)
    return state.carbon

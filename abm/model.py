"""UrbanModel: the mesa Model that owns the clock, the seeded RNG and the yearly recipe of processes.

The processes (abm.process) share one `CityState`; each sees only what it declares. The tick's cost
follows the agents and the built area, not the size of the grid: the state keeps the list of built
cells, occupancy per cell and block-level neighbourhood counts updated where land changed. Full-grid
passes happen only when the network or the plan changes.

>>> from abm.scenario import scenario_from_dict
>>> model = UrbanModel(scenario_from_dict({"region": {"rows": 40, "cols": 40, "town_radius_km": 0.5}}))
>>> model.step(); model.tick, len(model.records)
(1, 2)
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from abm.access import BlockGrid, distance_km, network_distances
from abm.carbon import CarbonAccounting
from abm.cohorts import Cohorts
from abm.development import Development, LandSlack
from abm.draws import AttributeDraws
from abm.firms import FirmLocations
from abm.government import Government
from abm.grid import LandGrid
from abm.households import HouseholdMoves
from abm.inflection import InflectionDetector, InflectionEvent
from abm.neighbourhood import ForestGrowth, LandLedger, Neighbourhoods
from abm.process import Process, StateView, run_process
from abm.regions import build_region
from abm.scenario import Scenario
from abm.state import CityState


class UrbanModel(mesa.Model):
    """An urban region under one scenario; `step()` advances one year.

    The state's fields read through the model (``model.households``, ``model.carbon``, ...).
    """

    def __init__(self, scenario: Scenario, *, seed: int | None = None, grid: LandGrid | None = None) -> None:
        self.seed_value = int(scenario.run.seed if seed is None else seed)
        super().__init__(rng=self.seed_value)
        self.config = scenario  # mesa.Model owns `self.scenario` for its own Scenario type
        self.detector = InflectionDetector(scenario.detector_config())
        self.new_events: list[InflectionEvent] = []
        self.tick = 0
        self.year = scenario.run.start_year
        self.records: list[dict[str, float]] = []
        self.state = self._initial_state(grid if grid is not None else build_region(scenario))
        self.government = Government(self, scenario.policy, self.state.grid)
        self.firm_locations = FirmLocations()
        self.household_moves = HouseholdMoves()
        self.development = Development()
        self.forest_growth = ForestGrowth()
        self.neighbourhoods = Neighbourhoods()
        self.cohorts = Cohorts()
        self.carbon_accounting = CarbonAccounting()
        self._seed_city()
        self.account()  # tick 0 is recorded but not detected: see `detect`
        self.collect()

    def _initial_state(self, grid: LandGrid) -> CityState:
        blocks = BlockGrid(grid.shape, grid.cell_size_m)
        return CityState(grid=grid, config=self.config, carbon_params=self.config.carbon_parameters(), rng=self.rng,
                         draws=AttributeDraws(self.seed_value),
                         tick=0, year=self.year, blocks=blocks, ledger=LandLedger.of(grid, blocks),
                         built=np.flatnonzero((grid.floor_total > 0).ravel() & grid.valid.ravel()),
                         road_km=distance_km(grid.roads, grid.cell_size_m).ravel(),
                         households_per_cell=np.zeros(grid.valid.size, np.int32))

    def _seed_city(self) -> None:
        """Year 0: the plan, the network, then the firms and households the existing town holds (all stock)."""
        s = self.state
        self.phase(self.government)
        s.transit_km, s.transit_access, s.centre_km = network_distances(s.grid, self.config.choice.transit_reach_km)
        self.phase(self.neighbourhoods)
        for process in (self.development, self.firm_locations, self.household_moves, self.cohorts):
            self.seed_phase(process)
        self.seed_phase(self.carbon_accounting.land)  # stand ages from the age-class table; the land's carbon stock
        self.phase(self.neighbourhoods)

    def __getattr__(self, name: str) -> Any:
        state = self.__dict__.get("state")
        if state is not None and hasattr(state, name):
            return getattr(state, name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    # ---- the year ---------------------------------------------------------------------------------
    def step(self) -> None:
        """One year: government, firms, households, development, land, cohorts, carbon, detector, collect."""
        self.tick += 1
        self.year = self.config.run.start_year + self.tick
        self.state.tick, self.state.year = self.tick, self.year
        self.phase(self.government)
        self.phase(self.firm_locations)
        self.phase(self.household_moves)
        self.phase(self.development)
        self.phase(self.forest_growth)
        self.phase(self.neighbourhoods)
        self.phase(self.cohorts)
        self.account()
        self.detect()
        self.collect()

    def phase(self, process: Process) -> None:
        """Run one process on its declared view of the city state."""
        run_process(process, self.state, self.year)

    def seed_phase(self, process: Process) -> None:
        """Run a process's start-of-run verb (`seed`) on its declared view of the city state."""
        process.seed(StateView(self.state, process))

    def processes(self) -> list[Process]:
        """Every process of the recipe, in order (the carbon account's sources and land carbon included)."""
        c = self.carbon_accounting
        return [self.government, self.firm_locations, self.household_moves, self.development, self.forest_growth,
                self.neighbourhoods, self.cohorts, *c.sources, c.land, c]

    def account(self) -> None:
        """This year's emissions by source and cohort, sinks and GDP (the carbon kernels)."""
        self.phase(self.carbon_accounting)

    def detect(self) -> None:
        """Feed the inflection detector; `new_events` holds the points confirmed this tick.

        The detector starts at tick 1, the first full simulated year. Tick 0 is the seeded stock: it has
        no construction, embodied or conversion carbon and no movers, so its emissions sit ~5% below the
        first year's and a series starting there would show a growth step that is an artefact of the
        start, not of the city (and confirm points 1-2 as "passed at start" for every scenario).
        """
        c = self.state.carbon
        self.new_events = self.detector.update(self.tick, self.year, c.emissions_total_t, c.sink_t, c.net_new_t,
                                               c.gdp_cny)

    def run(self, ticks: int | None = None, progress=None) -> None:
        for _ in range(self.config.run.ticks if ticks is None else ticks):
            self.step()
            if progress is not None:
                progress(self)

    def collect(self) -> None:
        """Append this tick's row of the time series."""
        self.records.append(time_series_row(self.state, self.tick, self.year))


def time_series_row(state: CityState, tick: int, year: int) -> dict[str, float]:
    """One row of the time series: people, jobs, land, floor, commute and the carbon account."""
    g = state.grid
    built = state.built
    urban_cells = int(np.count_nonzero(g.urban & g.valid))
    persons = state.households.persons
    urban_ha = urban_cells * g.cell_area_m2 / 1e4

    def floor(layer: np.ndarray) -> float:
        return float(layer.ravel()[built].sum(dtype=np.float64))

    carbon = state.carbon
    return {
        "tick": tick,
        "year": year,
        "households": len(state.households),
        "persons": persons,
        "jobs": state.firms.total_jobs,
        "firms": len(state.firms),
        "urban_cells": urban_cells,
        "urban_area_km2": urban_cells * g.cell_area_m2 / 1e6,
        "floor_area_residential_m2": floor(g.floor_residential),
        "floor_area_commercial_m2": floor(g.floor_commercial),
        "floor_area_industrial_m2": floor(g.floor_industrial),
        "floor_area_added_m2": floor(g.floor_added),
        "mean_density_persons_per_ha": persons / urban_ha if urban_ha else 0.0,
        "mean_commute_km": carbon.commute_km_mean,
        "unhoused_households": state.unhoused,
        "jobs_waiting": state.jobs_unplaced,  # jobs of founded firms still waiting for a site (abm.firms)
        "new_urban_cells": int(len(state.converted_cells)),
        **(state.land_slack or LandSlack()).to_row(),
        **{k: v for k, v in carbon.to_row().items() if k not in ("tick", "year", "commute_km_mean")},
    }

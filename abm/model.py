"""UrbanModel: the mesa Model that owns the grid, the agents, the seeded RNG and the yearly recipe.

The tick's cost follows the agents and the built area, not the size of the grid: the model keeps the
list of built cells (`built`), occupancy per built cell, and block-level neighbourhood counts that it
updates where land changed. Full-grid passes happen only when the network or the plan changes.

>>> from abm.scenario import scenario_from_dict
>>> model = UrbanModel(scenario_from_dict({"region": {"rows": 40, "cols": 40, "town_radius_km": 0.5}}))
>>> model.step(); model.tick, len(model.records)
(1, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from abm import development, firms, households
from abm.access import BlockGrid, distance_km
from abm.carbon import CarbonAccount, account_carbon
from abm.government import Government, YearRules
from abm.grid import LandCover, LandGrid
from abm.inflection import InflectionDetector, InflectionEvent
from abm.population import Firms, Households
from abm.regions import build_region
from abm.scenario import Scenario

#: Land covers that count as green space for the households' amenity.
GREEN_COVERS = (LandCover.FOREST, LandCover.GRASSLAND, LandCover.WATER, LandCover.WETLAND)


@dataclass
class Neighbourhood:
    """Block-level counts and smoothed densities the choices read (see abm.access.BlockGrid)."""

    households_per_ha: np.ndarray    # smoothed over ~1 km, per block
    jobs_per_ha: np.ndarray          # smoothed over ~1 km, per block
    green_share: np.ndarray          # smoothed over ~500 m, per block
    urban_share: np.ndarray          # smoothed over ~300 m, per block


class UrbanModel(mesa.Model):
    """An urban region under one scenario; `step()` advances one year."""

    def __init__(self, scenario: Scenario, *, seed: int | None = None, grid: LandGrid | None = None) -> None:
        self.seed_value = int(scenario.run.seed if seed is None else seed)
        super().__init__(rng=self.seed_value)
        self.config = scenario  # mesa.Model owns `self.scenario` for its own Scenario type
        self.carbon_params = scenario.carbon_parameters()
        self.detector = InflectionDetector(scenario.detector_config())
        self.new_events: list[InflectionEvent] = []
        self.carbon: CarbonAccount | None = None
        self.grid = grid if grid is not None else build_region(scenario)
        self.tick = 0
        self.year = scenario.run.start_year
        self.records: list[dict[str, float]] = []
        self.converted_cells = np.empty(0, np.int64)
        self.converted_from = np.empty(0, np.uint8)
        self.unhoused = self.arrivals = self.leavers = 0
        self.jobs_unplaced = 0
        g = self.grid
        self.n_cells = g.valid.size
        self.built = np.flatnonzero((g.floor_total > 0).ravel() & g.valid.ravel())
        self.forest_cells = np.flatnonzero((g.land_cover == LandCover.FOREST).ravel() & g.valid.ravel())
        self.blocks = BlockGrid(g.shape, g.cell_size_m)
        self._block_cells = np.maximum(self.blocks.bin_mask(g.valid), 1.0)
        self._green_count = self.blocks.bin_mask(np.isin(g.land_cover, GREEN_COVERS) & g.valid)
        self._urban_count = self.blocks.bin_mask(g.urban & g.valid)
        self.road_km = distance_km(g.roads, g.cell_size_m).ravel()
        self.government = Government(self, scenario.policy, g)
        self.rules: YearRules = self.government.decide(self.year)
        self._note_land_change(self.rules.afforested, self.rules.afforested_from)
        self.refresh_network()
        self.households = Households.empty()
        self.firms = Firms.empty()
        self.households_per_cell = np.zeros(self.n_cells, np.int64)
        self.refresh_neighbourhood()
        development.initial_rents(self)
        firms.seed_firms(self)
        households.seed_households(self)
        self.households_per_cell = self.occupancy()
        self.households_start = len(self.households)
        self.target_households = float(self.households_start)
        self.refresh_neighbourhood()
        self.account()
        self.detect()
        self.collect()

    # ---- derived state ----------------------------------------------------------------------------
    def refresh_network(self) -> None:
        """Distances to transit and centres: full-grid work, done only when the network changes."""
        g = self.grid
        self.transit_km = distance_km(g.transit, g.cell_size_m)
        self.transit_access = (self.transit_km.ravel() <= self.config.choice.transit_reach_km) & bool(g.transit.any())
        self.centre_km = distance_km(g.subcentre > 0, g.cell_size_m).ravel()

    def refresh_neighbourhood(self) -> None:
        """Block-level densities from the agents (cost: one pass over agents, a small filter)."""
        b = self.blocks
        ha = b.block_area_ha
        built = self.built  # every home is a built cell: bin those cells, not every household
        hh = b.bin(built, self.households_per_cell[built].astype(np.float64)) / ha
        jobs = b.bin(self.firms.site, self.firms.jobs.astype(np.float64)) / ha
        self.neighbourhood = Neighbourhood(
            households_per_ha=b.smooth(hh, 1000.0),
            jobs_per_ha=b.smooth(jobs, 1000.0),
            green_share=b.smooth(self._green_count / self._block_cells, 500.0),
            urban_share=b.smooth(self._urban_count / self._block_cells, 300.0),
        )

    def _note_land_change(self, cells: np.ndarray, previous: np.ndarray) -> None:
        """Keep block counts and the forest list in step with land-cover changes of `cells`."""
        if len(cells) == 0:
            return
        g = self.grid
        now = g.land_cover.ravel()[cells]
        was_green = np.isin(previous, GREEN_COVERS)
        is_green = np.isin(now, GREEN_COVERS)
        blocks = self.blocks
        self._green_count += blocks.bin(cells, is_green.astype(np.float64) - was_green)
        self._urban_count += blocks.bin(cells, (now == LandCover.URBAN).astype(np.float64) - (previous == LandCover.URBAN))
        # The forest list's order does not matter (it only ages stands): filter and append, no sorting.
        if ((now != LandCover.FOREST) & (previous == LandCover.FOREST)).any():
            self.forest_cells = self.forest_cells[g.land_cover.ravel()[self.forest_cells] == LandCover.FOREST]
        gained = cells[(now == LandCover.FOREST) & (previous != LandCover.FOREST)]
        if len(gained):
            self.forest_cells = np.concatenate([self.forest_cells, gained])

    def occupancy(self) -> np.ndarray:
        """Households per cell (flat, full grid)."""
        return np.bincount(self.households.home, minlength=self.n_cells)

    # ---- the year ---------------------------------------------------------------------------------
    def step(self) -> None:
        """One year: government, firms, households, development, carbon, detector, collect."""
        self.tick += 1
        self.year = self.config.run.start_year + self.tick
        self.grid.floor_added.ravel()[self.built] = 0
        self.rules = self.government.decide(self.year)
        self._note_land_change(self.rules.afforested, self.rules.afforested_from)
        if self.rules.network_changed:
            self.refresh_network()
        firms.step_firms(self)
        households.step_households(self)
        self.households_per_cell = self.occupancy()  # homes are settled for the year: counted once
        development.step_development(self)
        self._note_land_change(self.converted_cells, self.converted_from)
        self.grid.forest_age.ravel()[self.forest_cells] += 1.0
        self.refresh_neighbourhood()
        self.account()
        self.detect()
        self.collect()

    def account(self) -> None:
        """This year's emissions by source and cohort, sinks and GDP (the carbon kernels)."""
        self.carbon = account_carbon(
            self.grid, self.households, self.firms, self.carbon_params, year=self.year, tick=self.tick,
            transit_dist_km=self.transit_km, households_per_cell=self.households_per_cell,
            converted_cells=self.converted_cells,
            converted_from=self.converted_from, afforested_cells=self.rules.afforested,
        )

    def detect(self) -> None:
        """Feed the inflection detector; `new_events` holds the points confirmed this tick."""
        c = self.carbon
        self.new_events = self.detector.update(self.tick, self.year, c.emissions_total_t, c.sink_t, c.net_new_t,
                                               c.gdp_cny)

    def run(self, ticks: int | None = None, progress=None) -> None:
        for _ in range(self.config.run.ticks if ticks is None else ticks):
            self.step()
            if progress is not None:
                progress(self)

    def collect(self) -> None:
        """Append this tick's row of the time series."""
        g = self.grid
        built = self.built
        urban_cells = int(np.count_nonzero(g.urban & g.valid))
        persons = self.households.persons
        urban_ha = urban_cells * g.cell_area_m2 / 1e4

        def floor(layer: np.ndarray) -> float:
            return float(layer.ravel()[built].sum(dtype=np.float64))

        self.records.append({
            "tick": self.tick,
            "year": self.year,
            "households": len(self.households),
            "persons": persons,
            "jobs": self.firms.total_jobs,
            "firms": len(self.firms),
            "urban_cells": urban_cells,
            "urban_area_km2": urban_cells * g.cell_area_m2 / 1e6,
            "floor_area_residential_m2": floor(g.floor_residential),
            "floor_area_commercial_m2": floor(g.floor_commercial),
            "floor_area_industrial_m2": floor(g.floor_industrial),
            "floor_area_added_m2": floor(g.floor_added),
            "mean_density_persons_per_ha": persons / urban_ha if urban_ha else 0.0,
            "mean_commute_km": self.carbon.commute_km_mean,
            "unhoused_households": self.unhoused,
            "new_urban_cells": int(len(self.converted_cells)),
            **{k: v for k, v in self.carbon.to_row().items() if k not in ("tick", "year", "commute_km_mean")},
        })

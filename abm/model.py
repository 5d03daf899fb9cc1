"""UrbanModel: the mesa Model that owns the grid, the agents, the seeded RNG and the yearly recipe.

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
from abm.access import distance_km, neighbourhood_mean
from abm.carbon import CarbonAccount, account_carbon
from abm.inflection import InflectionDetector, InflectionEvent
from abm.government import Government, YearRules
from abm.grid import LandGrid
from abm.population import Firms, Households
from abm.regions import build_region
from abm.scenario import Scenario


@dataclass
class Layers:
    """Per-tick derived layers the choices read (recomputed in `refresh_layers`)."""

    households_per_cell: np.ndarray   # int64 flat
    units_per_cell: np.ndarray        # int64 flat: dwellings the residential floor holds
    jobs_per_cell: np.ndarray         # int64 flat
    density_nearby: np.ndarray        # float32 flat: households per ha within ~1 km
    jobs_nearby: np.ndarray           # float32 flat: jobs per ha within ~1 km
    green_nearby: np.ndarray          # float32 flat: green share within ~500 m
    road_km: np.ndarray               # float32 flat: distance to a road
    centre_km: np.ndarray             # float32 flat: distance to a designated centre
    transit_km: np.ndarray            # float32 2-D: distance to transit (the carbon kernels read it)
    transit_access: np.ndarray        # bool flat: within walking reach of transit


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
        self.unhoused = 0
        self.government = Government(self, scenario.policy, self.grid)
        self.rules: YearRules = self.government.decide(self.year)
        self.households = Households.empty()
        self.firms = Firms.empty()
        self._init_static_layers()
        self.households_start = 0
        self.refresh_layers(network_changed=True)
        development.initial_rents(self)
        firms.seed_firms(self)
        households.seed_households(self)
        self.households_start = len(self.households)
        self.target_households = float(self.households_start)
        self.refresh_layers(network_changed=True)
        self.account()
        self.detect()
        self.collect()

    # ----------------------------------------------------------------------------------------------
    def _init_static_layers(self) -> None:
        g = self.grid
        self.road_km = distance_km(g.roads, g.cell_size_m).ravel()

    def refresh_layers(self, network_changed: bool = False) -> None:
        """Recompute the derived layers; distances only when the network or centres changed."""
        g = self.grid
        p = self.config.population
        n_cells = g.valid.size
        hh = np.bincount(self.households.home, minlength=n_cells)
        units = (g.floor_residential.ravel() // p.m2_per_household).astype(np.int64)
        jobs = np.bincount(self.firms.site, weights=self.firms.jobs, minlength=n_cells).astype(np.int64)
        ha = g.cell_area_m2 / 1e4
        green = np.isin(g.land_cover, (4, 3, 5, 6)).astype(np.float32)  # forest, grassland, water, wetland
        if network_changed or not hasattr(self, "layers"):
            transit_km = distance_km(g.transit, g.cell_size_m)
            centre_km = distance_km(g.subcentre > 0, g.cell_size_m).ravel()
        else:
            transit_km, centre_km = self.layers.transit_km, self.layers.centre_km
        self.layers = Layers(
            households_per_cell=hh,
            units_per_cell=units,
            jobs_per_cell=jobs,
            density_nearby=neighbourhood_mean(hh.reshape(g.shape) / ha, g.cell_size_m, 1000).ravel(),
            jobs_nearby=neighbourhood_mean(jobs.reshape(g.shape) / ha, g.cell_size_m, 1000).ravel(),
            green_nearby=neighbourhood_mean(green, g.cell_size_m, 500).ravel(),
            road_km=self.road_km,
            centre_km=centre_km,
            transit_km=transit_km,
            transit_access=(transit_km.ravel() <= self.config.choice.transit_reach_km) & g.transit.any(),
        )

    # ----------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One year: government, firms, households, development, carbon, detector, collect."""
        self.tick += 1
        self.year = self.config.run.start_year + self.tick
        self.grid.floor_added[:] = 0
        self.rules = self.government.decide(self.year)
        if self.rules.network_changed:
            self.refresh_layers(network_changed=True)
        firms.step_firms(self)
        households.step_households(self)
        development.step_development(self)
        self.refresh_layers()
        self.account()
        self.detect()
        self.collect()

    def account(self) -> None:
        """This year's emissions by source and cohort, sinks and GDP (the carbon kernels)."""
        self.carbon = account_carbon(
            self.grid, self.households, self.firms, self.carbon_params, year=self.year, tick=self.tick,
            transit_dist_km=self.layers.transit_km, converted_cells=self.converted_cells,
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

    # ----------------------------------------------------------------------------------------------
    def collect(self) -> None:
        """Append this tick's row of the time series."""
        g = self.grid
        urban = g.urban & g.valid
        urban_cells = int(urban.sum())
        persons = self.households.persons
        urban_ha = urban_cells * g.cell_area_m2 / 1e4
        self.records.append({
            "tick": self.tick,
            "year": self.year,
            "households": len(self.households),
            "persons": persons,
            "jobs": self.firms.total_jobs,
            "firms": len(self.firms),
            "urban_cells": urban_cells,
            "urban_area_km2": urban_cells * g.cell_area_m2 / 1e6,
            "floor_area_residential_m2": float(g.floor_residential[g.valid].sum(dtype=np.float64)),
            "floor_area_commercial_m2": float(g.floor_commercial[g.valid].sum(dtype=np.float64)),
            "floor_area_industrial_m2": float(g.floor_industrial[g.valid].sum(dtype=np.float64)),
            "floor_area_added_m2": float(g.floor_added.sum(dtype=np.float64)),
            "mean_density_persons_per_ha": persons / urban_ha if urban_ha else 0.0,
            "mean_commute_km": self.carbon.commute_km_mean,
            "unhoused_households": self.unhoused,
            "new_urban_cells": int(len(self.converted_cells)),
            **self.carbon.to_row(),
        })

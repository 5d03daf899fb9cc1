"""Neighbourhoods: block-level counts of land and agents, and the smoothed densities choices read.

`LandLedger` keeps, per block, how many cells are green and urban, and the list of forest cells,
in step with every land-cover change (the government's planting, the developers' conversions), so no
process needs a full-grid pass per tick. `Neighbourhoods` turns the ledger and this year's agents into
the densities that households, firms and developers read next (see abm.access.BlockGrid).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abm.access import BlockGrid
from abm.grid import LandCover, LandGrid
from abm.kernels.sinks import age_stands
from abm.process import Process

#: Land covers that count as green space for the households' amenity.
GREEN_COVERS = (LandCover.FOREST, LandCover.GRASSLAND, LandCover.WATER, LandCover.WETLAND)


@dataclass
class Neighbourhood:
    """Block-level counts and smoothed densities the choices read (see abm.access.BlockGrid)."""

    households_per_ha: np.ndarray    # smoothed over ~1 km, per block
    jobs_per_ha: np.ndarray          # smoothed over ~1 km, per block
    green_share: np.ndarray          # smoothed over ~500 m, per block
    urban_share: np.ndarray          # smoothed over ~300 m, per block


@dataclass
class LandLedger:
    """Green and urban cells per block and the forest cells, kept in step with land-cover changes."""

    block_cells: np.ndarray   # valid cells per block (at least 1)
    green_count: np.ndarray   # green cells per block
    urban_count: np.ndarray   # urban cells per block
    forest_cells: np.ndarray  # flat indices of forest cells (any order)

    @classmethod
    def of(cls, grid: LandGrid, blocks: BlockGrid) -> LandLedger:
        """The ledger of a grid as it stands (full-grid passes: at start only)."""
        valid = grid.valid
        return cls(block_cells=np.maximum(blocks.bin_mask(valid), 1.0),
                   green_count=blocks.bin_mask(np.isin(grid.land_cover, GREEN_COVERS) & valid),
                   urban_count=blocks.bin_mask(grid.urban & valid),
                   forest_cells=np.flatnonzero((grid.land_cover == LandCover.FOREST).ravel() & valid.ravel()))

    def note_change(self, land_cover: np.ndarray, blocks: BlockGrid, cells: np.ndarray, previous: np.ndarray) -> None:
        """Record that `cells` (flat) changed from `previous` covers to what `land_cover` holds now."""
        if len(cells) == 0:
            return
        cover = land_cover.ravel()
        now = cover[cells]
        was_green = np.isin(previous, GREEN_COVERS)
        is_green = np.isin(now, GREEN_COVERS)
        self.green_count += blocks.bin(cells, is_green.astype(np.float64) - was_green)
        self.urban_count += blocks.bin(cells, (now == LandCover.URBAN).astype(np.float64) - (previous == LandCover.URBAN))
        # The forest list's order does not matter (it only ages stands): filter and append, no sorting.
        if ((now != LandCover.FOREST) & (previous == LandCover.FOREST)).any():
            self.forest_cells = self.forest_cells[cover[self.forest_cells] == LandCover.FOREST]
        gained = cells[(now == LandCover.FOREST) & (previous != LandCover.FOREST)]
        if len(gained):
            self.forest_cells = np.concatenate([self.forest_cells, gained])


def neighbourhood_of(blocks: BlockGrid, ledger: LandLedger, built: np.ndarray, households_per_cell: np.ndarray,
                     firm_sites: np.ndarray, firm_jobs: np.ndarray) -> Neighbourhood:
    """Smoothed densities from the agents (one pass over built cells and firms, a small filter)."""
    ha = blocks.block_area_ha
    hh = blocks.bin(built, households_per_cell[built].astype(np.float64)) / ha  # every home is a built cell
    jobs = blocks.bin(firm_sites, firm_jobs.astype(np.float64)) / ha
    return Neighbourhood(
        households_per_ha=blocks.smooth(hh, 1000.0),
        jobs_per_ha=blocks.smooth(jobs, 1000.0),
        green_share=blocks.smooth(ledger.green_count / ledger.block_cells, 500.0),
        urban_share=blocks.smooth(ledger.urban_count / ledger.block_cells, 300.0),
    )


class Neighbourhoods(Process):
    """After the year's moves and building: the densities next year's choices read."""

    name = "neighbourhoods"
    reads = ("blocks", "ledger", "built", "households_per_cell", "firms")
    writes = ("neighbourhood",)

    def run_one_step(self, state, year: int) -> None:
        state.neighbourhood = neighbourhood_of(state.blocks, state.ledger, state.built, state.households_per_cell,
                                               state.firms.site, state.firms.jobs)


class ForestGrowth(Process):
    """Every standing forest grows a year older; production stands reaching the rotation age are felled and
    regrow from age 0 (their carbon leaves the stock: abm.land_carbon books it; which stands are production
    forest is drawn when the model starts, `LandCarbon.seed`)."""

    name = "forest_growth"
    reads = ("ledger", "carbon_params", "sinks")
    writes = ("grid.forest_age",)

    def run_one_step(self, state, year: int) -> None:
        age = state.grid.forest_age
        reached = age_stands(age, state.ledger.forest_cells, state.carbon_params.forest_rotation_age_yr)
        stock = state.sinks.stock if state.sinks is not None else None
        if stock is not None and len(reached):
            age.ravel()[reached[stock.production[reached]]] = 0.0

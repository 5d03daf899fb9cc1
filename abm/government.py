"""The government agent: turns the scenario's policy schedule into this year's rules and public works.

Each tick it decides, for the year: where building is allowed (red line, growth boundary, green
reserve), the floor-area-ratio cap of every cell, how many new urban cells it releases (the quota),
which sub-centres it designates, which transit lines open, which cells it afforests and how much of
the old building stock it retrofits. Developers, firms and households read `YearRules`; they never
read the scenario's policy directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from scipy import ndimage

from abm.access import network_distances
from abm.grid import LandCover, LandGrid
from abm.process import Process
from abm.regions.synthetic import line_cells
from abm.scenario import Policy

RETROFIT_BEFORE_YEAR = 2022  # stock built before GB 55015-2021 is the retrofit programme's target


@dataclass
class YearRules:
    """This year's rules for everyone else."""

    year: int
    allowed: np.ndarray          # bool grid: may carry buildings at all (valid, not excluded/red line/water)
    greenfield_ok: np.ndarray    # bool grid: open land developers may urbanise (allowed, in boundary, not reserved)
    far_cap: np.ndarray          # float32 grid: floor-area ratio cap
    quota_cells: int             # new urban cells released this year
    renewal_share: float
    mixed_use: float
    jobs_in_centres: float
    network_changed: bool        # transit or centres changed: distance layers need recomputing
    afforested: np.ndarray       # flat indices of cells afforested this tick
    afforested_from: np.ndarray  # their land cover before

    def buildable(self, urban: np.ndarray) -> np.ndarray:
        """Where floor may be added: existing urban land that is allowed, plus released greenfield."""
        return (self.allowed & urban) | self.greenfield_ok


class Government(mesa.Agent, Process):
    """One planning authority applying `policy` to `grid` year by year.

    Built on the whole grid (it draws the red line and the core once); each year it works on its
    declared view of the city state: the plan's layers, planting, retrofits and the transit network.
    """

    name = "government"
    reads = ("config", "built", "blocks", "grid.valid", "grid.excluded", "grid.red_line", "grid.farmland", "grid.slope",
             "grid.vintage")
    writes = ("rules", "afforested_cells", "ledger", "transit_km", "transit_access", "centre_km",
              "grid.growth_boundary", "grid.subcentre", "grid.transit", "grid.land_cover", "grid.forest_age",
              "grid.retrofit")

    def __init__(self, model: mesa.Model, policy: Policy, grid: LandGrid) -> None:
        super().__init__(model)
        self.policy = policy
        self.grid = grid
        rows, cols = grid.shape
        self.centre = grid.metadata.get("centre") or self._find_centre()
        self._yy, self._xx = np.mgrid[0:rows, 0:cols]
        self._dist_km = (np.hypot(self._yy - self.centre[0], self._xx - self.centre[1]) * grid.cell_size_m / 1000).astype(np.float32)
        self.subcentre_sites: list[tuple[int, int]] = []
        self.green_reserve = np.zeros(grid.shape, bool)
        self._apply_red_line()
        self._apply_farmland(model.config.run.start_year if hasattr(model, "config") else 0)
        self._core_mask()
        self._transit_built = False
        self._subcentres_designated = False
        g = grid
        self.allowed = g.valid & ~g.excluded & ~g.red_line & ~g.farmland & (g.land_cover != LandCover.WATER)
        theta = np.arctan2(self._yy - self.centre[0], self._xx - self.centre[1])
        self._wedge = np.cos(6 * theta).astype(np.float32)  # six green wedges between the radial roads
        self._plan_key: tuple | None = None
        self._far_key: tuple | None = None
        self._afforest_order: np.ndarray | None = None

    # ----------------------------------------------------------------------------------------------
    def _find_centre(self) -> tuple[float, float]:
        """Centre of the existing town: the floor-weighted (else urban-weighted) centroid."""
        weight = self.grid.floor_total.astype(np.float64)
        if weight.sum() <= 0:
            weight = self.grid.urban.astype(np.float64)
        if weight.sum() <= 0:
            return (self.grid.shape[0] / 2, self.grid.shape[1] / 2)
        r, c = ndimage.center_of_mass(weight)
        return (float(r), float(c))

    def _core_mask(self) -> None:
        radius_cells = self.policy.layout.core_radius_km * 1000 / self.grid.cell_size_m
        core = np.hypot(self._yy - self.centre[0], self._xx - self.centre[1]) <= max(radius_cells, 0.5)
        self.grid.subcentre[(self.grid.subcentre == 1) & ~core] = 0
        self.grid.subcentre[core & self.grid.valid] = 1

    def _apply_red_line(self) -> None:
        g = self.grid
        if self.policy.quantity.red_line == "water_forest":
            water = (g.land_cover == LandCover.WATER) | (g.land_cover == LandCover.WETLAND)
            buffered = ndimage.binary_dilation(water, iterations=1)
            steep_forest = (g.land_cover == LandCover.FOREST) & (g.slope >= 15.0)
            g.red_line |= (buffered | steep_forest) & g.valid & ~g.urban

    def _designate_subcentres(self) -> None:
        """Place sub-centres on a ring around the core at the best buildable, low-slope sites."""
        lay = self.policy.layout
        g = self.grid
        n = lay.subcentres
        ring_cells = lay.subcentre_distance_km * 1000 / g.cell_size_m
        radius_cells = lay.core_radius_km * 1000 / g.cell_size_m
        ok = g.valid & ~g.excluded & ~g.red_line & (g.slope < 15)
        angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + np.pi / 4
        for i, angle in enumerate(angles):
            r0 = self.centre[0] + np.sin(angle) * ring_cells
            c0 = self.centre[1] + np.cos(angle) * ring_cells
            near = np.hypot(self._yy - r0, self._xx - c0)
            score = np.where(ok, near, np.inf)
            flat = int(np.argmin(score))
            if not np.isfinite(score.flat[flat]):
                continue
            sr, sc = divmod(flat, g.shape[1])
            self.subcentre_sites.append((sr, sc))
            disc = np.hypot(self._yy - sr, self._xx - sc) <= max(radius_cells, 0.5)
            g.subcentre[disc & g.valid & (g.subcentre == 0)] = i + 2

    def _build_transit(self) -> None:
        g = self.grid
        lay = self.policy.layout
        r0, c0 = self.centre
        lines = []
        span = lay.core_radius_km * 1000 / g.cell_size_m * 3
        if lay.transit in ("core", "trunk"):
            lines += [(r0 - span, c0, r0 + span, c0), (r0, c0 - span, r0, c0 + span)]
        if lay.transit == "trunk":
            lines += [(r0, c0, sr, sc) for sr, sc in self.subcentre_sites]
        for line in lines:
            rr, cc = line_cells(*line, g.shape)
            g.transit[rr, cc] = True
        g.transit &= g.valid

    def _apply_farmland(self, start_year: int) -> None:
        """Permanent basic farmland under `farmland = "prime"`: the gentlest-sloped share of today's cropland
        outside the start year's growth boundary and red line (drawn farmland from the region is kept too)."""
        q, g = self.policy.quantity, self.grid
        if q.farmland != "prime":
            return
        inside = np.zeros(g.shape, bool)
        if "boundary_mask" in g.metadata:
            inside = g.metadata["boundary_mask"]
        elif q.growth_boundary != "none":
            inside = self._dist_km <= q.boundary_radius_km.at(start_year)
        open_cropland = (g.land_cover == LandCover.AGRICULTURE) & g.valid & ~g.urban & ~g.red_line & ~inside
        cropland = np.flatnonzero(open_cropland.ravel())
        n = int(round(q.farmland_share * len(cropland)))
        g.farmland.ravel()[cropland[np.argsort(g.slope.ravel()[cropland], kind="stable")[:n]]] = True

    def _boundary(self, year: int) -> np.ndarray:
        q = self.policy.quantity
        g = self.grid
        if "boundary_mask" in g.metadata:  # a drawn boundary from the region's vector file wins
            inside = g.metadata["boundary_mask"].copy()
        elif q.growth_boundary == "none":
            inside = np.ones(g.shape, bool)
        else:
            inside = self._dist_km <= q.boundary_radius_km.at(year)
            if q.growth_boundary == "clusters":
                reach = q.cluster_radius_km.at(year) * 1000 / g.cell_size_m
                for sr, sc in self.subcentre_sites:
                    inside |= np.hypot(self._yy - sr, self._xx - sc) <= reach
        return (inside | g.urban) & g.valid

    def _green_reserve(self, year: int, boundary: np.ndarray) -> np.ndarray:
        """Green wedges: the share `green_share_min` of open land inside the boundary, in angular sectors."""
        share = self.policy.structure.green_share_min.at(year)
        g = self.grid
        open_land = boundary & ~g.urban & ~g.excluded & ~g.red_line & ~g.farmland
        if share <= 0 or not open_land.any():
            return np.zeros(g.shape, bool)
        values = self._wedge[open_land]
        threshold = np.quantile(values, 1 - share)
        return open_land & (self._wedge >= threshold)

    def _far_cap(self, year: int, changed: bool) -> np.ndarray:
        lay = self.policy.layout
        g = self.grid
        key = (lay.far_cap_other.at(year), lay.far_cap_subcentre.at(year), lay.far_cap_core.at(year))
        if changed or key != self._far_key:
            cap = np.full(g.shape, key[0], np.float32)
            cap[g.subcentre >= 2] = key[1]
            cap[g.subcentre == 1] = key[2]
            self.far_cap, self._far_key = cap, key
        return self.far_cap

    def _afforest(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Plant this year's forest: reserved wedges first, then open land nearest the town."""
        n = int(round(self.policy.structure.afforestation_cells.at(year)))
        g = self.grid
        empty = np.empty(0, np.int64), np.empty(0, np.uint8)
        if n <= 0:
            return empty
        cover = g.land_cover.ravel()
        if self._afforest_order is None:  # the works' priority list, drawn up once
            open_land = g.valid & ~g.farmland & ((g.land_cover == LandCover.AGRICULTURE)
                                                 | (g.land_cover == LandCover.GRASSLAND))
            # never on land released for building: the wedges, then open land outside the boundary
            candidates = np.flatnonzero((open_land & ~self.greenfield_ok).ravel())
            priority = self._dist_km.ravel()[candidates] - 1000.0 * self.green_reserve.ravel()[candidates]
            self._afforest_order = candidates[np.argsort(priority, kind="stable")]
        order = self._afforest_order
        still_open = (cover[order] == LandCover.AGRICULTURE) | (cover[order] == LandCover.GRASSLAND)
        order = order[still_open]
        chosen, self._afforest_order = order[:n], order[n:]
        previous = cover[chosen].copy()
        cover[chosen] = LandCover.FOREST
        g.forest_age.ravel()[chosen] = 0.0
        return chosen.astype(np.int64), previous

    def _retrofit(self, year: int, built: np.ndarray) -> None:
        """Retrofit a share of the not-yet-retrofitted floor built before the current standard."""
        rate = self.policy.efficiency.retrofit_rate.at(year)
        g = self.grid
        if rate <= 0:
            return
        vintage = g.vintage.ravel()[built]
        old = built[(vintage > 0) & (vintage < RETROFIT_BEFORE_YEAR)]
        retrofit = g.retrofit.ravel()
        retrofit[old] += rate * (1.0 - retrofit[old])

    # ----------------------------------------------------------------------------------------------
    def run_one_step(self, state, year: int) -> None:
        """Decide the year's rules on the state's grid; keep the land ledger and network distances in step."""
        self.grid = state.grid
        rules = self.decide(year, state.built)
        state.rules = rules
        state.afforested_cells = rules.afforested
        state.ledger.note_change(state.grid.land_cover, state.blocks, rules.afforested, rules.afforested_from)
        if rules.network_changed:
            state.transit_km, state.transit_access, state.centre_km = network_distances(
                state.grid, state.config.choice.transit_reach_km)

    def decide(self, year: int, built: np.ndarray) -> YearRules:
        """Apply this year's policy to the grid and return the rules others follow."""
        lay = self.policy.layout
        changed = False
        if lay.subcentres and not self._subcentres_designated and year >= lay.subcentre_year:
            self._designate_subcentres()
            self._subcentres_designated = True
            changed = True
        if lay.transit != "none" and not self._transit_built and year >= lay.transit_year:
            if lay.transit != "trunk" or self._subcentres_designated:
                self._build_transit()
                self._transit_built = True
                changed = True
        q = self.policy.quantity
        key = (q.boundary_radius_km.at(year), q.cluster_radius_km.at(year),
               self.policy.structure.green_share_min.at(year), len(self.subcentre_sites))
        if changed or key != self._plan_key:  # the plan's map changes only when its numbers do
            boundary = self._boundary(year)
            self.grid.growth_boundary[:] = boundary
            self.green_reserve = self._green_reserve(year, boundary)
            self.greenfield_ok = self.allowed & boundary & ~self.green_reserve
            self._plan_key = key
            self._afforest_order = None
        afforested, afforested_from = self._afforest(year)
        self._retrofit(year, built)
        return YearRules(
            year=year,
            allowed=self.allowed,
            greenfield_ok=self.greenfield_ok,
            far_cap=self._far_cap(year, changed),
            quota_cells=int(round(self.policy.quantity.land_quota_cells.at(year))),
            renewal_share=self.policy.renewal.renewal_share.at(year),
            mixed_use=self.policy.function.mixed_use.at(year),
            jobs_in_centres=lay.jobs_in_centres,
            network_changed=changed,
            afforested=afforested,
            afforested_from=afforested_from,
        )

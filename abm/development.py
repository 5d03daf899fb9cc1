"""Developers add floor space where demand and the government's rules allow; rents answer occupancy.

Demand: dwellings for next year's expected households plus the target vacancy, and floor for the
jobs the economy will need. Supply, in the government's rules: a share of it by redeveloping existing
urban cells below their floor-area-ratio cap (stock renewal), the rest on greenfield cells released
this year (new build, at most `quota_cells` of them), chosen by a simple pro forma score (being next
to the city, road access, nearness to a centre, flat land, and each developer's own taste). Mixed use
puts a share of the commercial floor inside residential projects; the plan can steer commercial floor
into designated centres; industry builds on greenfield sites with road access.

Stock renewal redevelops: on a renewal (infill) cell whose floor is old enough
(``demolition_min_age_years`` of the [carbon] table), a share ``renewal_replace_share`` of what the
project builds replaces demolished old floor, of each use in the cell's mix, and the rest is added on
top; at most ``demolition_cap_share`` of the cell's floor is demolished in a year (MOHURD 2021). The
demolished floor is rebuilt in the same use, so the net floor of each use is what demand asked for;
``floor_added`` is all floor built this tick (replacement included: it is new building, to the new
standard), and the floor built and demolished per cell this tick is recorded in the state
(``construction_cells``, ``construction_m2``, ``demolished_m2``) for the embodied-carbon source, so
renewal (demolition + construction) and greenfield growth (construction + land conversion) compare in CO2.

Two optional parts serve calibration to historical maps (both off by default): cell-level
neighbourhood terms of the greenfield score (urban share of the 8 neighbours, of a wider window, that
share times road access, and the share of neighbours urbanised in the last few years), and
`convert_full_quota`, which converts exactly the quota each year: released cells that demand leaves
empty still get a first small project, so the urban area follows a quota path set from observed totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from abm.firms import job_capacity
from abm.grid import LandCover
from abm.households import dwellings
from abm.kernels.cell_windows import neighbourhood_score
from abm.process import Process

if TYPE_CHECKING:
    from abm.state import CityState


class Development(Process):
    """Developers build the year's floor space under the rules; land converts; rents answer occupancy."""

    name = "development"
    reads = ("config", "year", "rules", "neighbourhood", "blocks", "road_km", "centre_km", "target_households",
             "carbon_params", "households_per_cell", "grid.valid", "grid.slope", "grid.subcentre", "grid.excluded",
             "grid.growth_boundary", "grid.red_line", "grid.farmland")
    writes = ("rng", "built", "converted_cells", "converted_from", "construction_cells", "construction_m2",
              "demolished_m2", "land_slack", "ledger", "grid.land_cover",
              "grid.floor_residential", "grid.floor_commercial", "grid.floor_industrial", "grid.floor_added",
              "grid.vintage", "grid.energy_factor", "grid.retrofit", "grid.forest_age", "grid.rent",
              "grid.urban_year")

    def seed(self, state: CityState) -> None:
        """Rents on the built cells that have none."""
        initial_rents(state)

    def run_one_step(self, state: CityState, year: int) -> None:
        state.grid.floor_added.ravel()[state.built] = 0  # "added" means added this tick
        step_development(state)
        state.ledger.note_change(state.grid.land_cover, state.blocks, state.converted_cells, state.converted_from)

MIN_PROJECT_M2 = 200.0  # smaller infill is not worth a project


@dataclass
class LandSlack:
    """How hard the total-quantity levers pressed this year (time-series columns, `to_row`).

    ``quota_bound``: greenfield demand was left when the year's quota of new urban cells ran out;
    ``land_bound``: it was left with quota to spare, because no released land remained (boundary, lines,
    green reserve). ``refused_*_cells``: of the cells developers would have converted first had no line
    been drawn (their score without the random taste, as many as they converted plus the shortfall), how
    many the growth boundary, the ecological red line, permanent basic farmland or the green reserve refused.
    """

    quota_released_cells: int = 0
    quota_unused_cells: int = 0
    greenfield_shortfall_m2: float = 0.0
    quota_bound: bool = False
    land_bound: bool = False
    refused_boundary_cells: int = 0
    refused_red_line_cells: int = 0
    refused_farmland_cells: int = 0
    refused_green_reserve_cells: int = 0

    def to_row(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.__dict__.items()}


def _take(order_score: np.ndarray, cells: np.ndarray, capacity: np.ndarray, need: float, max_cells: int | None = None):
    """Best-scored cells first until `need` m2 is met: (cells, m2 each)."""
    if need <= 0 or len(cells) == 0:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    limit = len(cells) if max_cells is None else min(max_cells, len(cells))
    if limit <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    # Only the best few can be needed: partial sort of a bounded prefix.
    typical = max(float(np.median(capacity)), 1.0)
    k = min(limit, int(need / typical * 2) + 16)
    while True:
        if k < len(cells):
            top = np.argpartition(-order_score, k - 1)[:k]
            top = top[np.argsort(-order_score[top], kind="stable")]
        else:
            top = np.argsort(-order_score, kind="stable")
        top = top[:limit]
        cum = np.cumsum(capacity[top], dtype=np.float64)
        if cum[-1] >= need or len(top) >= limit or k >= len(cells):
            break
        k = min(len(cells), k * 4)
    n = min(int(np.searchsorted(cum, need)) + 1, len(top))
    chosen = top[:n]
    amounts = capacity[chosen].astype(np.float64)
    overshoot = cum[n - 1] - need
    if overshoot > 0:
        amounts[-1] -= overshoot
    return cells[chosen], amounts


class _Site:
    """The state a development round reads, computed once per tick for the candidate cells only."""

    def __init__(self, state: CityState) -> None:
        g = state.grid
        rules = state.rules
        d = state.config.development
        self.rng = state.rng
        area = np.float32(g.cell_area_m2 * d.build_share_of_cap)
        cap = rules.far_cap.ravel()
        # Infill: built cells that rules allow, with room under their cap.
        built = state.built[rules.allowed.ravel()[state.built]]
        floor = (g.floor_residential.ravel()[built] + g.floor_commercial.ravel()[built]
                 + g.floor_industrial.ravel()[built])
        head = cap[built] * area - floor
        ok = head > MIN_PROJECT_M2
        self.infill, self.infill_head = built[ok], head[ok].astype(np.float64)
        # Greenfield: released open land next to the city or a road.
        candidates = np.flatnonzero(rules.greenfield_ok.ravel() & ~g.urban.ravel())
        share = state.blocks.lookup(state.neighbourhood.urban_share, candidates)
        lay_road = state.road_km[candidates]
        near = (share > 0) | (lay_road < 0.3)
        self.green = candidates[near]
        share, lay_road = share[near], lay_road[near]
        self.green_cap = (cap[self.green] * area).astype(np.float64)
        self.green_taken = np.zeros(len(self.green), bool)
        self.quota = rules.quota_cells
        noise = d.score_noise * self.rng.gumbel(size=len(self.green))
        # the released candidates and the fringe scored in one call: one pass of the grid's tables for both
        self.open_cells, open_share = fringe_cells(state)
        scores = greenfield_score(state, np.concatenate([self.green, self.open_cells]),
                                  np.concatenate([share, open_share]),
                                  np.concatenate([lay_road, state.road_km[self.open_cells]]))
        self.green_score = scores[:len(self.green)] + noise
        self.open_score = scores[len(self.green):]
        self.slack = LandSlack(quota_released_cells=int(rules.quota_cells))
        self.rent = g.rent.ravel()
        self.centre = g.subcentre.ravel() > 0
        self.road_km = lay_road

    def infill_round(self, need: float, in_centre: bool = False):
        idx = np.flatnonzero(self.infill_head > MIN_PROJECT_M2)
        if in_centre:
            idx = idx[self.centre[self.infill[idx]]]
        cells = self.infill[idx]
        score = self.rent[cells] / 1000.0 + 0.3 * self.rng.gumbel(size=len(cells))
        chosen, m2 = _take(score, idx, self.infill_head[idx], need)
        self.infill_head[chosen] -= m2
        return self.infill[chosen], m2

    def greenfield_round(self, need: float, score_bonus: np.ndarray | None = None, in_centre: bool = False):
        mask = ~self.green_taken
        if in_centre:
            mask &= self.centre[self.green]
        idx = np.flatnonzero(mask)
        score = self.green_score[idx] + (0 if score_bonus is None else score_bonus[idx])
        chosen, m2 = _take(score, idx, self.green_cap[idx], need, max_cells=self.quota)
        self.quota -= len(chosen)
        self.green_taken[chosen] = True
        short = need - float(m2.sum())
        if short > MIN_PROJECT_M2:
            self.slack.greenfield_shortfall_m2 += short
            if self.quota <= 0:
                self.slack.quota_bound = True
            else:
                self.slack.land_bound = True
        return self.green[chosen], m2

    def fill_quota(self):
        """The rest of this year's quota: the best-scored released cells not yet taken, a small project each."""
        idx = np.flatnonzero(~self.green_taken)
        n = min(self.quota, len(idx))
        if n <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        if n < len(idx):
            idx = idx[np.argpartition(-self.green_score[idx], n - 1)[:n]]
        self.quota -= n
        self.green_taken[idx] = True
        return self.green[idx], np.minimum(self.green_cap[idx], MIN_PROJECT_M2)

    def build(self, need: float, renewal_share: float, in_centre: bool = False, greenfield_bonus=None):
        """Meet `need` m2 by infill (renewal share first) then greenfield, then infill for any shortfall."""
        parts = [self.infill_round(need * renewal_share, in_centre)]
        rest = need - parts[-1][1].sum()
        parts.append(self.greenfield_round(rest, greenfield_bonus, in_centre))
        rest -= parts[-1][1].sum()
        if rest > MIN_PROJECT_M2:  # quota used up: densify what is there
            parts.append(self.infill_round(rest, in_centre))
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def greenfield_score(state: CityState, cells: np.ndarray, share: np.ndarray, lay_road: np.ndarray) -> np.ndarray:
    """Developers' pro forma score of open `cells` (without their random taste): next to the city
    (`share`, the block's urban share), road access (`lay_road` km), nearness to a centre, flat land, and
    the optional cell-level neighbourhood terms."""
    g, d = state.grid, state.config.development
    road_access = np.exp(-lay_road / d.road_decay_km)
    score = (d.weight_neighbourhood * share + d.weight_road * road_access
             + d.weight_centre * np.exp(-state.centre_km[cells] / d.centre_decay_km)
             - d.weight_slope * g.slope.ravel()[cells])
    if d.weight_edge or d.weight_local or d.weight_road_edge or d.weight_recent:
        recent_since = max(state.year - d.recent_years, state.config.run.start_year + 1)
        score += _cell_neighbourhood_score(g.urban & g.valid, cells, road_access, d, g.urban_year, recent_since)
    return score


def fringe_cells(state: CityState) -> tuple[np.ndarray, np.ndarray]:
    """Open land in blocks the city already touches, and its blocks' urban share: what `refusals` scores
    (`greenfield_score`, without the random taste, before the year's building) as the developers'
    unconstrained first choices that the lines hold against. Only the fringe: scoring every open cell
    near a road cost 20 ms a tick at 1000 x 1000."""
    g = state.grid
    b, share_by_block = state.blocks.b, state.neighbourhood.urban_share
    touched = np.repeat(np.repeat(share_by_block > 0, b, axis=0), b, axis=1)[:g.shape[0], :g.shape[1]]
    open_land = touched & g.valid & ~g.urban & ~g.excluded & (g.land_cover != LandCover.WATER)
    cells = np.flatnonzero(open_land.ravel())
    return cells, state.blocks.lookup(share_by_block, cells)


def refusals(state: CityState, slack: LandSlack, converted: int, cap_per_cell: float, cells: np.ndarray,
             score: np.ndarray) -> None:
    """Fill the ``refused_*`` counts of `slack`: the lines' share of developers' unconstrained first choices,
    the best-scored of the open `cells` (scored before this year's building, without the random taste)."""
    g, rules = state.grid, state.rules
    k = converted + int(np.ceil(slack.greenfield_shortfall_m2 / max(cap_per_cell, 1.0)))
    if k <= 0 or len(cells) == 0:
        return
    first = cells[np.argpartition(-score, k - 1)[:k]] if k < len(cells) else cells
    boundary = g.growth_boundary.ravel()[first]
    red, farm = g.red_line.ravel()[first], g.farmland.ravel()[first]
    slack.refused_boundary_cells = int(np.count_nonzero(~boundary))
    slack.refused_red_line_cells = int(np.count_nonzero(red))
    slack.refused_farmland_cells = int(np.count_nonzero(farm))
    reserve = boundary & ~red & ~farm & ~rules.greenfield_ok.ravel()[first]
    slack.refused_green_reserve_cells = int(np.count_nonzero(reserve))


def step_development(state: CityState) -> None:
    """Build this year's floor space, record land conversions and update rents."""
    g = state.grid
    p = state.config.population
    d = state.config.development
    rules = state.rules
    year = state.year
    v = d.target_vacancy

    # Demand: next year's expected households and jobs, with the vacancy developers keep.
    built = state.built
    next_households = state.target_households * (1.0 + p.growth_rate.at(year + 1))
    units_total = float((g.floor_residential.ravel()[built] // p.m2_per_household).sum())
    res_need = max(0.0, next_households * (1 + v) - units_total) * p.m2_per_household
    jobs_next = next_households * p.jobs_per_household
    share = p.services_share.at(year + 1)
    cap = job_capacity(state, built)
    com_need = max(0.0, jobs_next * share * (1 + v) - float(cap[0].sum())) * p.m2_per_job_services
    ind_need = max(0.0, jobs_next * (1 - share) * (1 + v) - float(cap[1].sum())) * p.m2_per_job_industry

    site = _Site(state)
    projects: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # cells, res, com, ind m2

    def add(cells: np.ndarray, res=None, com=None, ind=None) -> None:
        zero = np.zeros(len(cells))
        projects.append((cells, zero if res is None else res, zero if com is None else com, zero if ind is None else ind))

    # 1. Housing, with the mixed-use share of commercial floor inside the same projects.
    com_mixed = rules.mixed_use * com_need
    pool = res_need + com_mixed
    if pool > 0:
        cells, m2 = site.build(pool, rules.renewal_share)
        add(cells, res=m2 * (res_need / pool), com=m2 * (com_mixed / pool))
    # 2. Commercial floor: the plan's share into designated centres, the rest wherever it pays.
    com_rest = com_need - com_mixed
    in_centres = com_rest * rules.jobs_in_centres
    if in_centres > 0:
        cells, m2 = site.build(in_centres, rules.renewal_share, in_centre=True)
        add(cells, com=m2)
        com_rest -= m2.sum()  # what the centres could not take goes elsewhere
    if com_rest > 0:
        cells, m2 = site.build(com_rest, rules.renewal_share)
        add(cells, com=m2)
    # 3. Industry: greenfield parks with road access, away from the core.
    if ind_need > 0:
        bonus = 2.0 * np.exp(-site.road_km) - 1.5 * site.centre[site.green]
        cells, m2 = site.greenfield_round(ind_need, bonus)
        add(cells, ind=m2)
        rest = ind_need - m2.sum()
        if rest > MIN_PROJECT_M2:
            cells, m2 = site.infill_round(rest)
            add(cells, ind=m2)
    # 4. Calibration to observed totals: the whole quota is converted, demand or not.
    if d.convert_full_quota and site.quota > 0:
        cells, m2 = site.fill_quota()
        add(cells, res=m2)

    _apply(state, projects)
    state.land_slack = _record_slack(state, site)
    _update_rents(state)


def _record_slack(state: CityState, site: _Site) -> LandSlack:
    """The year's `LandSlack`: the quota left, and the lines' refusals of developers' first choices."""
    site.slack.quota_unused_cells = max(int(site.quota), 0)
    cap_per_cell = float(np.median(site.green_cap)) if len(site.green_cap) else float(state.grid.cell_area_m2)
    refusals(state, site.slack, len(state.converted_cells), cap_per_cell, site.open_cells, site.open_score)
    return site.slack


def _cell_neighbourhood_score(urban: np.ndarray, cells: np.ndarray, road_access: np.ndarray, d,
                              urban_year: np.ndarray, recent_since: int) -> np.ndarray:
    """Cell-level neighbourhood terms of the greenfield score of `cells` (flat indices).

    Edge growth: urban share of the 8 neighbours; local share: urban share of the (2r+1) x (2r+1)
    window (cells beyond the grid count as not urban); recent: share of the 8 neighbours urbanised in
    year `recent_since` or later. Each reads a summed-area table of its map (`abm.kernels.cell_windows`),
    so the cost is a pass over the grid plus a few lookups per candidate.
    """
    recent = urban & (urban_year >= recent_since) if d.weight_recent else None
    return neighbourhood_score(urban, recent, cells, road_access, weight_edge=d.weight_edge,
                               weight_recent=d.weight_recent, weight_local=d.weight_local,
                               weight_road_edge=d.weight_road_edge, local_radius=d.local_radius_cells)
def _merge(projects: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The projects summed per distinct cell: (cells, m2 by use (n, 3): residential, commercial, industrial)."""
    if not projects:
        return np.empty(0, np.int64), np.zeros((0, 3))
    cells, inverse = np.unique(np.concatenate([p[0] for p in projects]), return_inverse=True)
    m2 = np.stack([np.bincount(inverse, weights=np.concatenate([p[i] for p in projects]), minlength=len(cells))
                   for i in (1, 2, 3)], axis=1)
    keep = m2.sum(axis=1) > 0
    return cells[keep], m2[keep]


def demolition(old_m2: np.ndarray, net_m2: np.ndarray, vintage: np.ndarray, renewal: np.ndarray, year: int,
               params) -> np.ndarray:
    """Floor demolished by use (n, 3) where renewal projects build ``net_m2`` (n,) on ``old_m2`` (n, 3).

    A project replaces old floor for ``renewal_replace_share`` of what it builds (so it demolishes
    net x share / (1 - share)), at most ``demolition_cap_share`` of the cell's floor, on renewal cells
    whose floor-weighted construction year is ``demolition_min_age_years`` or more ago; each use in
    proportion to the cell's floor.

    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(renewal_replace_share=0.5, demolition_cap_share=0.2, demolition_min_age_years=20)
    >>> old = np.array([[800.0, 200.0, 0.0], [800.0, 200.0, 0.0], [800.0, 200.0, 0.0]])
    >>> demolition(old, np.array([100.0, 1000.0, 100.0]), np.array([1990.0, 1990.0, 2020.0]),
    ...            np.array([True, True, True]), 2030, p)   # 100 replaced; capped at 200; too young
    array([[ 80.,  20.,   0.],
           [160.,  40.,   0.],
           [  0.,   0.,   0.]])
    """
    old = old_m2.sum(axis=1)
    share = params.renewal_replace_share
    eligible = renewal & (old > 0) & (vintage > 0) & (vintage <= year - params.demolition_min_age_years)
    total = np.where(eligible, np.minimum(net_m2 * share / (1.0 - share), params.demolition_cap_share * old), 0.0)
    return old_m2 * (total / np.where(old > 0, old, 1.0))[:, None]


def _apply(state: CityState, projects: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """Write the new floor into the grid, with demolition, vintage, energy standard and land conversion."""
    g = state.grid
    year = state.year
    cells, net = _merge(projects)
    flat = {name: getattr(g, name).ravel() for name in ("floor_residential", "floor_commercial", "floor_industrial",
                                                         "floor_added", "vintage", "energy_factor", "retrofit",
                                                         "land_cover", "urban_year", "forest_age", "rent")}
    uses = ("floor_residential", "floor_commercial", "floor_industrial")
    old_m2 = np.stack([flat[u][cells].astype(np.float64) for u in uses], axis=1).reshape(-1, 3)
    renewal = flat["land_cover"][cells] == LandCover.URBAN
    params = state.carbon_params
    demolished = demolition(old_m2, net.sum(axis=1), flat["vintage"][cells], renewal, year, params)
    built = net + demolished                      # all floor built this tick, replacement included
    add = built.sum(axis=1)
    remaining = old_m2.sum(axis=1) - demolished.sum(axis=1)  # old floor left standing
    total = remaining + add
    new_factor = ((built[:, 0] * params.new_build_factor(year, "residential")
                   + (built[:, 1] + built[:, 2]) * params.new_build_factor(year, "commercial"))
                  / np.where(add > 0, add, 1.0))
    flat["vintage"][cells] = (flat["vintage"][cells] * remaining + year * add) / total
    flat["energy_factor"][cells] = (flat["energy_factor"][cells] * remaining + new_factor * add) / total
    flat["retrofit"][cells] = flat["retrofit"][cells] * remaining / total
    for i, u in enumerate(uses):
        flat[u][cells] += net[:, i]
    flat["floor_added"][cells] += add
    state.construction_cells, state.construction_m2, state.demolished_m2 = cells, built, demolished
    converted = cells[~renewal]
    state.converted_cells = converted
    state.converted_from = flat["land_cover"][converted].copy()
    flat["land_cover"][converted] = LandCover.URBAN
    flat["urban_year"][converted] = year
    flat["forest_age"][converted] = 0.0
    base = state.config.development.base_rent_cny_m2
    flat["rent"][converted] = base * (0.7 + 0.6 * np.exp(-state.centre_km[converted] / 5.0))
    new_built = np.setdiff1d(cells, state.built, assume_unique=True)
    if len(new_built):
        state.built = np.union1d(state.built, new_built)


def _update_rents(state: CityState) -> None:
    """Rents move toward clearing: up where occupancy beats the target, down where vacancy is high."""
    d = state.config.development
    built = state.built
    units = dwellings(state, built)
    hh = state.households_per_cell[built]  # occupancy after this year's moves
    has = units > 0
    occ = hh[has] / units[has]
    rent = state.grid.rent.ravel()
    cells = built[has]
    updated = rent[cells] * np.exp(d.rent_adjustment * (occ - (1 - d.target_vacancy)))
    rent[cells] = np.clip(updated, 0.2 * d.base_rent_cny_m2, 5.0 * d.base_rent_cny_m2)


def initial_rents(state: CityState) -> None:
    """Seed rents on built cells that have none: higher near a centre."""
    g = state.grid
    base = state.config.development.base_rent_cny_m2
    rent = g.rent.ravel()
    built = state.built
    unset = built[rent[built] <= 0]
    rent[unset] = base * (0.7 + 0.6 * np.exp(-state.centre_km[unset] / 5.0))

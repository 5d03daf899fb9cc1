"""Developers add floor space where demand and the government's rules allow; rents answer occupancy.

Demand: dwellings for next year's expected households plus the target vacancy, and floor for the
jobs the economy will need. Supply, in the government's rules: a share of it by redeveloping existing
urban cells below their floor-area-ratio cap (stock renewal), the rest on greenfield cells released
this year (new build, at most `quota_cells` of them), chosen by a simple pro forma score (being next
to the city, road access, nearness to a centre, flat land, and each developer's own taste). Mixed use
puts a share of the commercial floor inside residential projects; the plan can steer commercial floor
into designated centres; industry builds on greenfield sites with road access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.access import neighbourhood_mean
from abm.firms import job_capacity
from abm.grid import LandCover

if TYPE_CHECKING:
    from abm.model import UrbanModel

READS = ("valid", "land_cover", "slope", "floor_residential", "floor_commercial", "floor_industrial", "subcentre")
WRITES = ("land_cover", "floor_residential", "floor_commercial", "floor_industrial", "floor_added", "vintage",
          "energy_factor", "retrofit", "forest_age", "rent", "urban_year")

MIN_PROJECT_M2 = 200.0  # smaller infill is not worth a project


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
    """The state a development round reads, computed once per tick."""

    def __init__(self, model: UrbanModel) -> None:
        g = model.grid
        rules = model.rules
        d = model.config.development
        self.rng = model.rng
        self.cap_m2 = rules.far_cap.ravel() * np.float32(g.cell_area_m2 * d.build_share_of_cap)
        self.floor = g.floor_total.ravel().copy()
        self.urban = g.urban.ravel().copy()
        buildable = rules.buildable.ravel()
        urban_share = neighbourhood_mean(g.urban.astype(np.float32), g.cell_size_m, 250).ravel()
        lay = model.layers
        near = (urban_share > 0) | (lay.road_km < 0.3)
        self.green = np.flatnonzero(buildable & ~self.urban & near)
        self.quota = rules.quota_cells
        gi = self.green
        noise = d.score_noise * self.rng.gumbel(size=len(gi))
        self.green_score = (d.weight_neighbourhood * urban_share[gi] + d.weight_road * np.exp(-lay.road_km[gi])
                            + d.weight_centre * np.exp(-lay.centre_km[gi] / 5.0) - d.weight_slope * g.slope.ravel()[gi] + noise)
        self.infill = np.flatnonzero(buildable & self.urban & (self.cap_m2 - self.floor > MIN_PROJECT_M2))
        self.rent = g.rent.ravel()
        self.centre = g.subcentre.ravel() > 0
        self.road_km = lay.road_km

    def infill_round(self, need: float, in_centre: bool = False):
        cells = self.infill[self.centre[self.infill]] if in_centre else self.infill
        head = self.cap_m2[cells] - self.floor[cells]
        ok = head > MIN_PROJECT_M2
        cells, head = cells[ok], head[ok]
        score = self.rent[cells] / 1000.0 + 0.3 * self.rng.gumbel(size=len(cells))
        chosen, m2 = _take(score, cells, head, need)
        self.floor[chosen] += m2
        return chosen, m2

    def greenfield_round(self, need: float, score_bonus: np.ndarray | None = None, in_centre: bool = False):
        mask = ~self.urban[self.green]
        if in_centre:
            mask &= self.centre[self.green]
        idx = np.flatnonzero(mask)
        cells = self.green[idx]
        score = self.green_score[idx] + (0 if score_bonus is None else score_bonus[idx])
        chosen, m2 = _take(score, cells, self.cap_m2[cells].astype(np.float64), need, max_cells=self.quota)
        self.quota -= len(chosen)
        self.urban[chosen] = True
        self.floor[chosen] += m2
        return chosen, m2

    def build(self, need: float, renewal_share: float, in_centre: bool = False, greenfield_bonus=None):
        """Meet `need` m2 by infill (renewal share first) then greenfield, then infill for any shortfall."""
        parts = []
        c, m = self.infill_round(need * renewal_share, in_centre)
        parts.append((c, m))
        rest = need - m.sum()
        c, m = self.greenfield_round(rest, greenfield_bonus, in_centre)
        parts.append((c, m))
        rest -= m.sum()
        if rest > MIN_PROJECT_M2:  # quota used up: densify what is there
            c, m = self.infill_round(rest, in_centre)
            parts.append((c, m))
        cells = np.concatenate([p[0] for p in parts])
        m2 = np.concatenate([p[1] for p in parts])
        return cells, m2


def step_development(model: UrbanModel) -> None:
    """Build this year's floor space, record land conversions, update rents and forest ages."""
    g = model.grid
    p = model.config.population
    d = model.config.development
    rules = model.rules
    year = model.year
    v = d.target_vacancy

    # Demand: next year's expected households and jobs, with the vacancy developers keep.
    next_households = model.target_households * (1.0 + p.growth_rate.at(year + 1))
    units_total = float((g.floor_residential[g.valid] // p.m2_per_household).sum())
    res_need = max(0.0, next_households * (1 + v) - units_total) * p.m2_per_household
    jobs_next = next_households * p.jobs_per_household
    share = p.services_share.at(year + 1)
    cap = job_capacity(model)
    com_need = max(0.0, jobs_next * share * (1 + v) - float(cap[0].sum())) * p.m2_per_job_services
    ind_need = max(0.0, jobs_next * (1 - share) * (1 + v) - float(cap[1].sum())) * p.m2_per_job_industry

    site = _Site(model)
    n = g.valid.size
    add_res = np.zeros(n, np.float64)
    add_com = np.zeros(n, np.float64)
    add_ind = np.zeros(n, np.float64)

    # 1. Housing, with the mixed-use share of commercial floor inside the same projects.
    com_mixed = rules.mixed_use * com_need
    pool = res_need + com_mixed
    if pool > 0:
        cells, m2 = site.build(pool, rules.renewal_share)
        np.add.at(add_res, cells, m2 * (res_need / pool))
        np.add.at(add_com, cells, m2 * (com_mixed / pool))
    # 2. Commercial floor: the plan's share into designated centres, the rest wherever it pays.
    com_rest = com_need - com_mixed
    in_centres = com_rest * rules.jobs_in_centres
    if in_centres > 0:
        cells, m2 = site.build(in_centres, rules.renewal_share, in_centre=True)
        np.add.at(add_com, cells, m2)
        com_rest -= m2.sum()  # what the centres could not take goes elsewhere
    if com_rest > 0:
        cells, m2 = site.build(com_rest, rules.renewal_share)
        np.add.at(add_com, cells, m2)
    # 3. Industry: greenfield parks with road access, away from the core.
    if ind_need > 0:
        bonus = 2.0 * np.exp(-site.road_km[site.green]) - 1.5 * site.centre[site.green]
        cells, m2 = site.greenfield_round(ind_need, bonus)
        rest = ind_need - m2.sum()
        np.add.at(add_ind, cells, m2)
        if rest > MIN_PROJECT_M2:
            cells, m2 = site.infill_round(rest)
            np.add.at(add_ind, cells, m2)

    _apply(model, add_res, add_com, add_ind)
    _update_rents(model)
    forest = g.land_cover == LandCover.FOREST
    g.forest_age[forest] += 1.0


def _apply(model: UrbanModel, add_res: np.ndarray, add_com: np.ndarray, add_ind: np.ndarray) -> None:
    """Write the new floor into the grid, with vintage, energy standard and land conversion."""
    g = model.grid
    year = model.year
    cells = np.flatnonzero((add_res + add_com + add_ind) > 0)
    res, com, ind = add_res[cells], add_com[cells], add_ind[cells]
    add = res + com + ind
    flat = {name: getattr(g, name).ravel() for name in ("floor_residential", "floor_commercial", "floor_industrial",
                                                         "floor_added", "vintage", "energy_factor", "retrofit",
                                                         "land_cover", "urban_year", "forest_age", "rent")}
    old = (flat["floor_residential"][cells].astype(np.float64) + flat["floor_commercial"][cells]
           + flat["floor_industrial"][cells])
    total = old + add
    params = model.carbon_params
    f_res = params.new_build_factor(year, "residential")
    f_pub = params.new_build_factor(year, "commercial")
    new_factor = (res * f_res + (com + ind) * f_pub) / add
    flat["vintage"][cells] = (flat["vintage"][cells] * old + year * add) / total
    flat["energy_factor"][cells] = (flat["energy_factor"][cells] * old + new_factor * add) / total
    flat["retrofit"][cells] = flat["retrofit"][cells] * old / total
    flat["floor_residential"][cells] += res
    flat["floor_commercial"][cells] += com
    flat["floor_industrial"][cells] += ind
    flat["floor_added"][cells] += add
    converted = cells[flat["land_cover"][cells] != LandCover.URBAN]
    model.converted_cells = converted
    model.converted_from = flat["land_cover"][converted].copy()
    flat["land_cover"][converted] = LandCover.URBAN
    flat["urban_year"][converted] = year
    flat["forest_age"][converted] = 0.0
    base = model.config.development.base_rent_cny_m2
    flat["rent"][converted] = base * (0.7 + 0.6 * np.exp(-model.layers.centre_km[converted] / 5.0))


def _update_rents(model: UrbanModel) -> None:
    """Rents move toward clearing: up where occupancy beats the target, down where vacancy is high."""
    g = model.grid
    d = model.config.development
    units = (g.floor_residential.ravel() // model.config.population.m2_per_household)
    hh = np.bincount(model.households.home, minlength=units.size)  # occupancy after this year's moves
    has = units > 0
    occ = np.zeros_like(units, dtype=np.float64)
    occ[has] = hh[has] / units[has]
    rent = g.rent.ravel()
    rent[has] *= np.exp(d.rent_adjustment * (occ[has] - (1 - d.target_vacancy))).astype(np.float32)
    np.clip(rent, 0.2 * d.base_rent_cny_m2, 5.0 * d.base_rent_cny_m2, out=rent, where=has)


def initial_rents(model: UrbanModel) -> None:
    """Seed rents on built cells that have none: higher near a centre."""
    g = model.grid
    base = model.config.development.base_rent_cny_m2
    rent = g.rent.ravel()
    unset = (g.floor_total.ravel() > 0) & (rent <= 0)
    rent[unset] = base * (0.7 + 0.6 * np.exp(-model.layers.centre_km[unset] / 5.0))

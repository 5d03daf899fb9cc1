"""Firms: new firms appear as the economy follows the population, some relocate, all choose sites.

A firm's site utility (multinomial logit over sampled cells with room for its jobs): access to labour
(households nearby), agglomeration (jobs nearby), rent, and being in a designated centre (zoning).
Services firms need commercial floor, industry firms industrial floor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.draws import attribute_stream
from abm.households import draw_workplaces, dwellings
from abm.kernels.choice import choose_locations, draw_alternatives
from abm.population import BRANCHES, INDUSTRY_BRANCHES, SECTORS
from abm.process import Process

if TYPE_CHECKING:
    from abm.state import CityState


class FirmLocations(Process):
    """Firms close or open as the economy needs, some relocate, all choose sites.

    Writes the households too: workers of a closed firm take a job elsewhere (they keep their homes).
    """

    name = "firms"
    reads = ("config", "year", "tick", "built", "neighbourhood", "blocks", "target_households",
             "grid.floor_commercial", "grid.floor_industrial", "grid.floor_residential", "grid.rent", "grid.subcentre")
    writes = ("rng", "draws", "firms", "households", "jobs_unplaced", "jobs_closed", "grid.floor_commercial",
              "grid.floor_industrial")

    def seed(self, state: CityState) -> None:
        """The first year's firms, scaling up seeded job floor where the region has too little."""
        seed_firms(state)

    def run_one_step(self, state: CityState, year: int) -> None:
        step_firms(state)


def job_capacity(state: CityState, cells: np.ndarray) -> dict[int, np.ndarray]:
    """Jobs the floor of `cells` can hold, per sector code (int64, aligned with `cells`)."""
    p = state.config.population
    g = state.grid
    return {
        SECTORS["services"]: (g.floor_commercial.ravel()[cells] // p.m2_per_job_services).astype(np.int64),
        SECTORS["industry"]: (g.floor_industrial.ravel()[cells] // p.m2_per_job_industry).astype(np.int64),
    }


def free_job_capacity(state: CityState) -> dict[int, np.ndarray]:
    """Free jobs per built cell and sector (aligned with `state.built`)."""
    built = state.built
    cap = job_capacity(state, built)
    f = state.firms
    pos = np.searchsorted(built, f.site)
    for sector, arr in cap.items():
        mine = f.sector == sector
        arr -= np.bincount(pos[mine], weights=f.jobs[mine], minlength=len(built)).astype(np.int64)
    return cap


def _draw_firms(state: CityState, jobs_needed: int, sector: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sizes (jobs) of new firms adding up to about `jobs_needed`, their value added per job and branch."""
    p = state.config.population
    if jobs_needed <= 0:
        return np.empty(0, np.int32), np.empty(0, np.float32), np.empty(0, np.int8)
    sigma = 1.0
    mu = np.log(p.firm_size_mean) - sigma**2 / 2
    n_guess = int(jobs_needed / p.firm_size_mean * 1.5) + 4
    sizes = np.maximum(1, np.rint(attribute_stream(state, "firm_size", sector).lognormal(mu, sigma, n_guess)))
    sizes = sizes.astype(np.int32)
    cum = np.cumsum(sizes)
    n = int(np.searchsorted(cum, jobs_needed)) + 1
    sizes = sizes[:n]
    sizes[-1] -= max(0, int(sizes.sum()) - jobs_needed)
    sizes = sizes[sizes > 0]
    path = p.va_per_job_services_cny if sector == SECTORS["services"] else p.va_per_job_industry_cny
    va = path.at(state.year) * attribute_stream(state, "firm_value_added", sector).lognormal(-0.08, 0.4, len(sizes))
    return sizes, va.astype(np.float32), _draw_branches(state, sector, len(sizes))


def _draw_branches(state: CityState, sector: int, n: int) -> np.ndarray:
    """Branch codes of `n` new firms: industry firms drawn with the year's value-added shares by branch.

    Size and value added per job do not depend on the branch, so the expected value-added shares of new
    industry firms are the drawing shares (PopulationConfig.industry_branch_shares).
    """
    if sector == SECTORS["services"]:
        return np.full(n, BRANCHES["services"], np.int8)
    shares = state.config.population.industry_branch_shares(state.year)
    codes = np.array([BRANCHES[b] for b in INDUSTRY_BRANCHES], np.int8)
    cum = np.cumsum([shares[b] for b in INDUSTRY_BRANCHES])
    pick = np.searchsorted(cum / cum[-1], attribute_stream(state, "firm_branch", sector).random(n), side="right")
    return codes[np.minimum(pick, len(codes) - 1)]


def locate_firms(state: CityState, sizes: np.ndarray, sectors: np.ndarray, free: dict[int, np.ndarray],
                 origin: np.ndarray | None = None) -> np.ndarray:
    """Chosen site cell per firm (-1 where none had room); `free` (per built cell) is updated in place.

    `origin`: a relocating firm's current site cell (-1 for new firms), weighed beside the sampled sites
    and released when the firm leaves it.
    """
    c = state.config.choice
    g = state.grid
    built = state.built
    nb = state.neighbourhood
    origin = np.full(len(sizes), -1, np.int64) if origin is None else origin
    origin_pos = np.where(origin >= 0, np.searchsorted(built, origin), -1)
    sites = np.full(len(sizes), -1, np.int64)
    for sector in sorted(SECTORS.values()):
        rows = np.flatnonzero(sectors == sector)
        if len(rows) == 0:
            continue
        cap = free[sector]
        keep = cap > 0
        keep[origin_pos[rows][origin_pos[rows] >= 0]] = True
        alts = np.flatnonzero(keep)
        alt_cells = built[alts]
        capacity = np.maximum(cap[alts], 0)
        alt_utility = (c.firm_beta_labour * np.log1p(state.blocks.lookup(nb.households_per_ha, alt_cells))
                       + c.firm_beta_agglomeration * np.log1p(state.blocks.lookup(nb.jobs_per_ha, alt_cells))
                       + c.firm_beta_rent * g.rent.ravel()[alt_cells] / 1000.0
                       + c.firm_beta_centre * (g.subcentre.ravel()[alt_cells] > 0))
        opos = np.where(origin_pos >= 0, np.searchsorted(alts, origin_pos), -1)
        for _ in range(3):  # iterative lotteries: firms left without room re-choose among what is left
            if len(rows) == 0 or capacity.sum() == 0 and not (opos[rows] >= 0).any():
                break
            cand, gumbel = draw_alternatives(state.rng, capacity, len(rows), c.candidates)
            order = state.rng.permutation(len(rows))
            got = choose_locations(order, cand, gumbel, alt_cells, alt_utility, capacity,
                                   demand=sizes[rows].astype(np.int64), origin=opos[rows])
            sites[rows] = np.where(got >= 0, alt_cells[np.maximum(got, 0)], -1)
            rows = rows[got < 0]
        cap[alts] = capacity
    return sites


def seed_firms(state: CityState) -> None:
    """Fill the initial non-residential floor with firms at the start of the run."""
    p = state.config.population
    expected_households = dwellings(state, state.built).sum() * (1 - state.config.development.target_vacancy)
    jobs_needed = expected_households * p.jobs_per_household
    slack = SEED_FLOOR_SLACK
    for _ in range(SEED_ROUNDS):  # lumpy firm sizes leave room in fragments: add floor until all fit
        _top_up_job_floor(state, jobs_needed, slack)
        step_firms(state, jobs_target=jobs_needed, relocate=False)
        if state.jobs_unplaced <= SEED_UNPLACED_TOLERANCE * jobs_needed:
            break
        slack *= 1.0 + state.jobs_unplaced / jobs_needed


#: Seeded job floor is this much more than the jobs need (room for lumpy firm sizes) ...
SEED_FLOOR_SLACK = 1.15
#: ... and is raised, up to this many rounds, until no more than this share of the start jobs is left
#: without a site (a start year with jobs missing would jump at tick 1, when they find floor).
SEED_ROUNDS, SEED_UNPLACED_TOLERANCE = 6, 0.005


def _top_up_job_floor(state: CityState, jobs_needed: float, slack: float) -> None:
    """Scale up the seeded non-residential floor where the region has too little for its jobs."""
    p = state.config.population
    g = state.grid
    built = state.built
    share = p.services_share.at(state.year)
    for layer, m2, sector_share in ((g.floor_commercial, p.m2_per_job_services, share),
                                    (g.floor_industrial, p.m2_per_job_industry, 1 - share)):
        floor = layer.ravel()
        need_m2 = jobs_needed * sector_share * m2 * slack
        have = float(floor[built].sum())
        if have <= 0:
            floor[built] = g.floor_residential.ravel()[built] * 0.25
            have = float(floor[built].sum())
        if 0 < have < need_m2:
            floor[built] *= need_m2 / have


#: Jobs may exceed what the economy needs by this share before firms close (no churn on small dips).
CLOSURE_TOLERANCE = 0.03


def close_firms(state: CityState, sector: int, excess_jobs: int) -> int:
    """Close randomly chosen firms of `sector` holding about `excess_jobs` jobs; their workers find new jobs.

    Returns the jobs closed. Households keep their homes; those whose employer closed take a job at a
    firm with open positions (a job change, not a move).
    """
    f = state.firms
    mine = np.flatnonzero(f.sector == sector)
    if excess_jobs <= 0 or len(mine) == 0:
        return 0
    order = state.rng.permutation(mine)
    cum = np.cumsum(f.jobs[order])
    n = int(np.searchsorted(cum, excess_jobs))  # close whole firms without overshooting
    if n == 0:
        return 0
    closing = np.zeros(len(f), bool)
    closing[order[:n]] = True
    remap = np.cumsum(~closing) - 1
    hh = state.households
    lost = closing[hh.work]
    f.keep(~closing)
    hh.work = remap[hh.work]
    if lost.any():
        hh.work[lost] = draw_workplaces(state, int(lost.sum()), exclude=np.flatnonzero(lost))
    return int(cum[n - 1])


def step_firms(state: CityState, jobs_target: float | None = None, relocate: bool = True) -> None:
    """Close or create the firms the economy needs this year; movers and newcomers choose sites."""
    p = state.config.population
    f = state.firms
    if jobs_target is None:
        jobs_target = state.target_households * p.jobs_per_household
    share = p.services_share.at(state.year)
    state.jobs_closed = 0  # the cohorts' net new jobs need what closed this tick
    if relocate:  # a shrinking economy: firms close where jobs exceed need by more than the tolerance
        for sector, want in ((SECTORS["services"], share * jobs_target), (SECTORS["industry"], (1 - share) * jobs_target)):
            have = int(f.jobs[f.sector == sector].sum())
            if have > want * (1 + CLOSURE_TOLERANCE):
                state.jobs_closed += close_firms(state, sector, int(have - want))
    if relocate:  # productivity of existing firms follows the scenario's value-added path
        for sector, path in ((SECTORS["services"], p.va_per_job_services_cny), (SECTORS["industry"], p.va_per_job_industry_cny)):
            growth = path.at(state.year) / max(path.at(state.year - 1), 1e-9)
            f.va_per_job[f.sector == sector] *= np.float32(growth)
    free = free_job_capacity(state)
    new_sizes, new_va, new_sector, new_branch = [], [], [], []
    for sector, want in ((SECTORS["services"], share * jobs_target), (SECTORS["industry"], (1 - share) * jobs_target)):
        have = int(f.jobs[f.sector == sector].sum())
        sizes, va, branch = _draw_firms(state, int(round(want)) - have, sector)
        new_sizes.append(sizes)
        new_va.append(va)
        new_sector.append(np.full(len(sizes), sector, np.int8))
        new_branch.append(branch)
    sizes = np.concatenate(new_sizes)
    va = np.concatenate(new_va)
    sectors = np.concatenate(new_sector)
    branches = np.concatenate(new_branch)
    if relocate and len(f):
        movers = np.flatnonzero(state.rng.random(len(f)) < p.firm_move_rate)
        mover_sites = locate_firms(state, f.jobs[movers], f.sector[movers], free, f.site[movers])
        moved = (mover_sites >= 0) & (mover_sites != f.site[movers])
        f.site[movers[moved]] = mover_sites[moved]
        f.located_tick[movers[moved]] = state.tick
    sites = locate_firms(state, sizes, sectors, free)
    placed = sites >= 0
    f.append(site=sites[placed], sector=sectors[placed], jobs=sizes[placed], va_per_job=va[placed],
             located_tick=state.tick, branch=branches[placed])
    state.jobs_unplaced = int(sizes[~placed].sum())

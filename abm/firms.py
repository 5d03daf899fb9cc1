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
from abm.population import BRANCHES, INDUSTRY_BRANCHES, SECTORS, Firms
from abm.process import Process

if TYPE_CHECKING:
    from abm.state import CityState


class FirmLocations(Process):
    """Firms close or open as the economy needs, some relocate, all choose sites.

    Writes the households too: workers of a closed firm take a job elsewhere (they keep their homes).
    Firms founded without a site wait in `firms_waiting` (their jobs: `jobs_unplaced`).
    """

    name = "firms"
    reads = ("config", "year", "tick", "built", "neighbourhood", "blocks", "target_households",
             "grid.floor_commercial", "grid.floor_industrial", "grid.floor_residential", "grid.rent", "grid.subcentre")
    writes = ("rng", "draws", "firms", "firms_waiting", "households", "jobs_unplaced", "jobs_closed",
              "grid.floor_commercial", "grid.floor_industrial")

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


def _draw_firms(state: CityState, jobs_needed: int, sector: int) -> tuple[np.ndarray, ...]:
    """Sizes (jobs) of new firms adding up to about `jobs_needed`, their value added per job, branch and
    identity (uint64), each on its keyed stream."""
    p = state.config.population
    if jobs_needed <= 0:
        return np.empty(0, np.int32), np.empty(0, np.float32), np.empty(0, np.int8), np.empty(0, np.uint64)
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
    uid = attribute_stream(state, "firm_identity", sector).integers(0, 2**64, len(sizes), dtype=np.uint64)
    return sizes, va.astype(np.float32), _draw_branches(state, sector, len(sizes)), uid


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
                 origin: np.ndarray | None = None, largest_first: bool = False) -> np.ndarray:
    """Chosen site cell per firm (-1 where none had room); `free` (per built cell) is updated in place.

    `origin`: a relocating firm's current site cell (-1 for new firms), weighed beside the sampled sites
    and released when the firm leaves it. `largest_first`: firms choose in descending size, not in a
    random order (big firms are the hardest to site in fragments of free floor).
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
            order = (np.argsort(-sizes[rows], kind="stable") if largest_first
                     else state.rng.permutation(len(rows)))
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
    for _ in range(SEED_ROUNDS):  # lumpy firm sizes leave room in fragments: split firms, add floor until all fit
        _top_up_job_floor(state, jobs_needed, slack)
        step_firms(state, jobs_target=jobs_needed, relocate=False)
        if state.jobs_unplaced <= SEED_UNPLACED_TOLERANCE * jobs_needed:
            break
        if _floor_short(state):  # else the waiting firms fit in fragments once split (step_firms)
            slack *= 1.0 + state.jobs_unplaced / jobs_needed


def _floor_short(state: CityState) -> bool:
    """Whether the free job floor of a sector is less than its waiting firms' jobs."""
    w = state.firms_waiting
    free = free_job_capacity(state)
    return any(int(w.jobs[w.sector == sector].sum()) > int(np.maximum(cap, 0).sum()) for sector, cap in free.items())


#: Seeded job floor is this much more than the jobs need (room for lumpy firm sizes) ...
SEED_FLOOR_SLACK = 1.15
#: ... and is raised (or, where it suffices, the waiting firms split), up to this many rounds, until no
#: more than this share of the start jobs is left without a site (a start year with jobs missing would
#: jump at tick 1, when they find floor).
SEED_ROUNDS, SEED_UNPLACED_TOLERANCE = 8, 0.005


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


def closure_keys(uid: np.ndarray, year: int) -> np.ndarray:
    """Each firm's place in `year`'s closure order: a splitmix64 hash of (identity, year), uint64.

    Firms close in ascending key, so which close depends on the identities and the year only (the
    identities on the seed), never on the model's main generator or on a firm's row in the table.

    >>> k = closure_keys(np.array([1, 2, 3], np.uint64), 2030)
    >>> k[::-1].tolist() == closure_keys(np.array([3, 2, 1], np.uint64), 2030).tolist()
    True
    >>> bool((k != closure_keys(np.array([1, 2, 3], np.uint64), 2031)).all())
    True
    """
    mask = (1 << 64) - 1
    salt = np.uint64((int(year) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & mask)
    with np.errstate(over="ignore"):
        z = np.asarray(uid, np.uint64) ^ salt
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def close_firms(state: CityState, sector: int, excess_jobs: int) -> int:
    """Close firms of `sector` holding about `excess_jobs` jobs; their workers find new jobs.

    Candidates are whole firms (all rows, placed or waiting, that share an identity), in the order of
    `closure_keys`, closed without overshooting: two scenarios of a seed that hold the same firms close
    the same ones, wherever, whether and in how many parts each sited them. Returns the jobs closed at
    placed firms (a waiting firm's jobs were never counted as founded, abm.cohorts). Households keep
    their homes; those whose employer closed take a job at a firm with open positions (not a move).
    """
    f, w = state.firms, state.firms_waiting
    placed, waiting = np.flatnonzero(f.sector == sector), np.flatnonzero(w.sector == sector)
    if excess_jobs <= 0 or len(placed) + len(waiting) == 0:
        return 0
    uid = np.concatenate([f.uid[placed], w.uid[waiting]])
    no_id = np.flatnonzero(uid == 0)  # tables built by hand: each row a firm of its own
    uid[no_id] = no_id.astype(np.uint64) + np.uint64(1)
    ids, firm_of = np.unique(uid, return_inverse=True)
    jobs = np.bincount(firm_of, weights=np.concatenate([f.jobs[placed], w.jobs[waiting]]), minlength=len(ids))
    order = np.argsort(closure_keys(ids, state.year), kind="stable")
    cum = np.cumsum(jobs[order])
    closed = np.zeros(len(ids), bool)
    closed[order[: int(np.searchsorted(cum, excess_jobs))]] = True
    shut = closed[firm_of]
    gone = np.zeros(len(w), bool)
    gone[waiting[shut[len(placed):]]] = True
    w.keep(~gone)
    closing = np.zeros(len(f), bool)
    closing[placed[shut[: len(placed)]]] = True
    return _shut(state, closing)


def _shut(state: CityState, closing: np.ndarray) -> int:
    """Remove the placed firms where `closing`; their workers take jobs elsewhere. Returns their jobs."""
    f = state.firms
    if not closing.any():
        return 0
    closed = int(f.jobs[closing].sum(dtype=np.int64))
    remap = np.cumsum(~closing) - 1
    hh = state.households
    lost = closing[hh.work]
    f.keep(~closing)
    hh.work = remap[hh.work]
    if lost.any():
        hh.work[lost] = draw_workplaces(state, int(lost.sum()), exclude=np.flatnonzero(lost))
    return closed


def step_firms(state: CityState, jobs_target: float | None = None, relocate: bool = True) -> None:
    """Close or found the firms the economy needs this year; movers, waiting and new firms choose sites.

    Firms founded without a site wait (state.firms_waiting) and try again first the next year, largest
    first; one that fails again splits into two establishments of the same firm (its identity, sector,
    branch and value added per job), which try the year after. New firms are drawn only for the jobs
    neither placed nor waiting firms hold. So a scenario with less room holds the same firms as one with
    more, some waiting or in more parts, rather than other firms drawn in their place. (Splitting matters:
    a cell of the default city holds at most about 40 free industry jobs, so many a firm of the lognormal's
    tail would otherwise never find a site.)
    """
    p = state.config.population
    if jobs_target is None:
        jobs_target = state.target_households * p.jobs_per_household
    share = p.services_share.at(state.year)
    wants = ((SECTORS["services"], share * jobs_target), (SECTORS["industry"], (1 - share) * jobs_target))
    state.jobs_closed = 0  # the cohorts' net new jobs need what closed this tick
    if relocate:  # a shrinking economy: firms close where jobs exceed need by more than the tolerance
        for sector, want in wants:
            have = _jobs_held(state, sector)
            if have > want * (1 + CLOSURE_TOLERANCE):
                state.jobs_closed += close_firms(state, sector, int(have - want))
        _follow_productivity(state)
    new = _found_firms(state, wants)
    free = free_job_capacity(state)
    if relocate and len(state.firms):
        _relocate_firms(state, free)
    _place(state, state.firms_waiting, free, largest_first=True)  # the waiting go first
    split_in_two(state.firms_waiting)  # a firm that waited a year in vain: two establishments
    _place(state, new, free, largest_first=False)
    _append_rows(state.firms_waiting, new, np.ones(len(new), bool), site=-1, tick=state.tick)
    state.jobs_unplaced = state.firms_waiting.total_jobs


def _jobs_held(state: CityState, sector: int) -> int:
    """Jobs of `sector` held by placed and waiting firms."""
    f, w = state.firms, state.firms_waiting
    return int(f.jobs[f.sector == sector].sum(dtype=np.int64) + w.jobs[w.sector == sector].sum(dtype=np.int64))


def _follow_productivity(state: CityState) -> None:
    """Value added per job of placed and waiting firms follows the scenario's path."""
    p = state.config.population
    for sector, path in ((SECTORS["services"], p.va_per_job_services_cny), (SECTORS["industry"], p.va_per_job_industry_cny)):
        growth = np.float32(path.at(state.year) / max(path.at(state.year - 1), 1e-9))
        for f in (state.firms, state.firms_waiting):
            f.va_per_job[f.sector == sector] *= growth


def _found_firms(state: CityState, wants: tuple[tuple[int, float], ...]) -> Firms:
    """New firms (not yet sited) for the jobs of each sector that neither placed nor waiting firms hold."""
    new = Firms.empty()
    for sector, want in wants:
        sizes, va, branch, uid = _draw_firms(state, int(round(want)) - _jobs_held(state, sector), sector)
        new.append(site=-1, sector=sector, jobs=sizes, va_per_job=va, located_tick=state.tick, branch=branch, uid=uid)
    return new


def _relocate_firms(state: CityState, free: dict[int, np.ndarray]) -> None:
    """A share of the placed firms look for a better site (keeping theirs if nothing beats it)."""
    f = state.firms
    movers = np.flatnonzero(state.rng.random(len(f)) < state.config.population.firm_move_rate)
    mover_sites = locate_firms(state, f.jobs[movers], f.sector[movers], free, f.site[movers])
    moved = (mover_sites >= 0) & (mover_sites != f.site[movers])
    f.site[movers[moved]] = mover_sites[moved]
    f.located_tick[movers[moved]] = state.tick


def _place(state: CityState, firms: Firms, free: dict[int, np.ndarray], largest_first: bool) -> None:
    """Site what of `firms` (not yet sited) finds room: those move to state.firms, founded this tick; the
    rest stay in `firms`."""
    if len(firms) == 0:
        return
    sites = locate_firms(state, firms.jobs, firms.sector, free, largest_first=largest_first)
    placed = sites >= 0
    _append_rows(state.firms, firms, placed, site=sites[placed], tick=state.tick)
    firms.keep(~placed)


def split_in_two(firms: Firms) -> None:
    """Split every row of `firms` with two jobs or more into two rows of half its jobs (the larger half
    first); every other column is copied, identity included: the halves are establishments of one firm.

    >>> f = Firms.empty()
    >>> f.append(site=-1, sector=np.array([1, 1]), jobs=np.array([5, 1]), va_per_job=1e5, located_tick=0, uid=7)
    >>> split_in_two(f); f.jobs.tolist(), f.uid.tolist()
    ([3, 2, 1], [7, 7, 7])
    """
    parts = np.where(firms.jobs >= 2, 2, 1)
    if len(firms) == 0 or (parts == 1).all():
        return
    row = np.repeat(np.arange(len(firms)), parts)
    second = np.zeros(len(row), bool)
    second[np.cumsum(parts)[parts == 2] - 1] = True
    jobs = firms.jobs[row]
    halves = np.where(second, jobs // 2, jobs - jobs // 2)
    for name, col in firms.columns().items():
        setattr(firms, name, col[row])
    firms.jobs = halves.astype(firms.jobs.dtype)


def _append_rows(dst: Firms, src: Firms, rows: np.ndarray, *, site, tick: int) -> None:
    """Append the `rows` (mask) of `src` to `dst` at `site`, located (and founded) at `tick`."""
    dst.append(site=site, sector=src.sector[rows], jobs=src.jobs[rows], va_per_job=src.va_per_job[rows],
               located_tick=tick, branch=src.branch[rows], uid=src.uid[rows])

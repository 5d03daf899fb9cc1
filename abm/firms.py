"""Firms: new firms appear as the economy follows the population, some relocate, all choose sites.

A firm's site utility (multinomial logit over sampled cells with room for its jobs): access to labour
(households nearby), agglomeration (jobs nearby), rent, and being in a designated centre (zoning).
Services firms need commercial floor, industry firms industrial floor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.kernels.choice import choose_locations, sample_candidates
from abm.population import SECTORS

if TYPE_CHECKING:
    from abm.model import UrbanModel

READS = ("floor_commercial", "floor_industrial", "rent", "subcentre")
WRITES = ()  # firms change the agent table only


def job_capacity(model: UrbanModel) -> dict[int, np.ndarray]:
    """Jobs each cell's floor can hold, per sector code (flat int64)."""
    p = model.config.population
    g = model.grid
    valid = g.valid.ravel()
    return {
        SECTORS["services"]: np.where(valid, g.floor_commercial.ravel() // p.m2_per_job_services, 0).astype(np.int64),
        SECTORS["industry"]: np.where(valid, g.floor_industrial.ravel() // p.m2_per_job_industry, 0).astype(np.int64),
    }


def free_job_capacity(model: UrbanModel) -> dict[int, np.ndarray]:
    cap = job_capacity(model)
    n_cells = model.grid.valid.size
    for sector, arr in cap.items():
        mine = model.firms.sector == sector
        used = np.bincount(model.firms.site[mine], weights=model.firms.jobs[mine], minlength=n_cells)
        arr -= used.astype(np.int64)
    return cap


def _draw_firms(model: UrbanModel, jobs_needed: int, sector: int) -> tuple[np.ndarray, np.ndarray]:
    """Sizes (jobs) of new firms adding up to about `jobs_needed`, and their value added per job."""
    p = model.config.population
    if jobs_needed <= 0:
        return np.empty(0, np.int32), np.empty(0, np.float32)
    sigma = 1.0
    mu = np.log(p.firm_size_mean) - sigma**2 / 2
    n_guess = int(jobs_needed / p.firm_size_mean * 1.5) + 4
    sizes = np.maximum(1, np.rint(model.rng.lognormal(mu, sigma, n_guess))).astype(np.int32)
    cum = np.cumsum(sizes)
    n = int(np.searchsorted(cum, jobs_needed)) + 1
    sizes = sizes[:n]
    sizes[-1] -= max(0, int(sizes.sum()) - jobs_needed)
    sizes = sizes[sizes > 0]
    path = p.va_per_job_services_cny if sector == SECTORS["services"] else p.va_per_job_industry_cny
    va = path.at(model.year) * model.rng.lognormal(-0.08, 0.4, len(sizes))
    return sizes, va.astype(np.float32)


def _attributes(model: UrbanModel) -> tuple[np.ndarray, np.ndarray]:
    c = model.config.choice
    lay = model.layers
    attrs = np.stack([
        np.log1p(lay.density_nearby),
        np.log1p(lay.jobs_nearby),
        model.grid.rent.ravel() / 1000.0,
        (model.grid.subcentre.ravel() > 0).astype(np.float32),
    ])
    betas = np.array([c.firm_beta_labour, c.firm_beta_agglomeration, c.firm_beta_rent, c.firm_beta_centre])
    return attrs, betas


def locate_firms(model: UrbanModel, sizes: np.ndarray, sectors: np.ndarray, free: dict[int, np.ndarray],
                 origin: np.ndarray | None = None) -> np.ndarray:
    """Chosen site per firm (-1 where none had room); `free` capacities are updated in place.

    `origin`: a relocating firm's current site (-1 for new firms), weighed beside the sampled sites and
    released when the firm leaves it.
    """
    origin = np.full(len(sizes), -1, np.int64) if origin is None else origin
    k = model.config.choice.candidates
    attrs, betas = _attributes(model)
    sites = np.full(len(sizes), -1, np.int64)
    g = model.grid
    for sector in sorted(SECTORS.values()):
        rows = np.flatnonzero(sectors == sector)
        if len(rows) == 0:
            continue
        cap = free[sector]
        for _ in range(3):  # iterative lotteries: firms left without room re-choose among what is left
            cells = np.flatnonzero(cap > 0)
            if len(rows) == 0 or len(cells) == 0:
                break
            cand = sample_candidates(model.rng, cells, cap[cells].astype(np.float64), len(rows), k)
            cand = np.concatenate([origin[rows, None], cand], axis=1)
            gumbel = model.rng.gumbel(size=cand.shape)
            order = model.rng.permutation(len(rows))
            got = choose_locations(order, cand, gumbel, np.full(len(rows), -1, np.int64), attrs, betas, 0.0,
                                   g.shape[1], g.cell_size_m / 1000.0, 1.0, model.layers.transit_access, 1.0,
                                   cap, sizes[rows].astype(np.int64), origin[rows])
            sites[rows] = got
            rows = rows[got < 0]
    return sites


def seed_firms(model: UrbanModel) -> None:
    """Fill the initial non-residential floor with firms at the start of the run."""
    p = model.config.population
    units = int((model.grid.floor_residential[model.grid.valid] // p.m2_per_household).sum())
    expected_households = units * (1 - model.config.development.target_vacancy)
    jobs_needed = expected_households * p.jobs_per_household
    _top_up_job_floor(model, jobs_needed)
    model.refresh_layers(network_changed=True)
    step_firms(model, jobs_target=jobs_needed, relocate=False)


def _top_up_job_floor(model: UrbanModel, jobs_needed: float) -> None:
    """Scale up the seeded non-residential floor where the region has too little for its jobs."""
    p = model.config.population
    g = model.grid
    share = p.services_share.at(model.year)
    for floor, m2, sector_share in ((g.floor_commercial, p.m2_per_job_services, share),
                                    (g.floor_industrial, p.m2_per_job_industry, 1 - share)):
        need_m2 = jobs_needed * sector_share * m2 * 1.15  # room for lumpy firm sizes
        have = float(floor[g.valid].sum())
        if have <= 0:
            floor[:] = np.where(g.urban & g.valid, g.floor_residential * 0.25, 0)
            have = float(floor[g.valid].sum())
        if 0 < have < need_m2:
            floor *= need_m2 / have


def step_firms(model: UrbanModel, jobs_target: float | None = None, relocate: bool = True) -> None:
    """Create the firms the economy needs this year and let movers and newcomers choose sites."""
    p = model.config.population
    f = model.firms
    if jobs_target is None:
        jobs_target = model.target_households * p.jobs_per_household
    share = p.services_share.at(model.year)
    if relocate:  # productivity of existing firms follows the scenario's value-added path
        for sector, path in ((SECTORS["services"], p.va_per_job_services_cny), (SECTORS["industry"], p.va_per_job_industry_cny)):
            growth = path.at(model.year) / max(path.at(model.year - 1), 1e-9)
            f.va_per_job[f.sector == sector] *= np.float32(growth)
    free = free_job_capacity(model)
    new_sizes, new_va, new_sector = [], [], []
    for sector, want in ((SECTORS["services"], share * jobs_target), (SECTORS["industry"], (1 - share) * jobs_target)):
        have = int(f.jobs[f.sector == sector].sum())
        sizes, va = _draw_firms(model, int(round(want)) - have, sector)
        new_sizes.append(sizes)
        new_va.append(va)
        new_sector.append(np.full(len(sizes), sector, np.int8))
    sizes = np.concatenate(new_sizes)
    va = np.concatenate(new_va)
    sectors = np.concatenate(new_sector)
    if relocate and len(f):
        movers = np.flatnonzero(model.rng.random(len(f)) < p.firm_move_rate)
        mover_sites = locate_firms(model, f.jobs[movers], f.sector[movers], free, f.site[movers])
        moved = (mover_sites >= 0) & (mover_sites != f.site[movers])
        f.site[movers[moved]] = mover_sites[moved]
        f.located_tick[movers[moved]] = model.tick
    sites = locate_firms(model, sizes, sectors, free)
    placed = sites >= 0
    f.append(site=sites[placed], sector=sectors[placed], jobs=sizes[placed], va_per_job=va[placed],
             located_tick=model.tick)
    model.jobs_unplaced = int(sizes[~placed].sum())

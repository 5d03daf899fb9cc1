"""Households: some leave, newcomers arrive on the population path, a share moves; all choose homes.

A home's utility (multinomial logit over sampled cells with a free dwelling): commute cost to the
household's job, rent, green space nearby and density nearby. Capacity is exact: a cell never holds
more households than its residential floor has dwellings. Newcomers who find no dwelling stay out
of the region this year (`model.unhoused`), which is the demand developers answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.kernels.choice import choose_locations, draw_gumbel, sample_candidates

if TYPE_CHECKING:
    from abm.model import UrbanModel

READS = ("floor_residential", "rent", "land_cover")
WRITES = ()


def dwellings(model: UrbanModel, cells: np.ndarray) -> np.ndarray:
    """Dwellings the residential floor of `cells` holds (int64)."""
    m2 = model.config.population.m2_per_household
    return (model.grid.floor_residential.ravel()[cells] // m2).astype(np.int64)


def free_dwellings(model: UrbanModel) -> np.ndarray:
    """Free dwellings per built cell (aligned with `model.built`)."""
    occupied = model.occupancy()[model.built]
    return np.maximum(dwellings(model, model.built) - occupied, 0)


def _draw_newcomers(model: UrbanModel, n: int) -> dict[str, np.ndarray]:
    p = model.config.population
    rng = model.rng
    size = (1 + rng.poisson(p.household_size - 1, n)).astype(np.int16)
    income = (p.income_median_cny * rng.lognormal(0.0, 0.6, n)).astype(np.float32)
    car_p = np.clip(p.car_ownership * np.sqrt(income / p.income_median_cny), 0, 1)
    car = rng.random(n) < car_p
    return {"size": size, "income": income, "car": car, "work": draw_workplaces(model, n)}


def draw_workplaces(model: UrbanModel, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Firms for `n` job seekers, in proportion to each firm's open jobs (all jobs if none are open).

    `exclude`: households (rows) not counted as workers, e.g. those whose employer just closed.
    """
    f = model.firms
    work = model.households.work
    if exclude is not None and len(exclude):
        keep = np.ones(len(work), bool)
        keep[exclude] = False
        work = work[keep]
    workers = np.bincount(work, minlength=len(f))[: len(f)]
    open_jobs = np.maximum(f.jobs - workers, 0).astype(np.float64)
    if open_jobs.sum() <= 0:
        open_jobs = f.jobs.astype(np.float64)
    draws = model.rng.random(n) * open_jobs.sum()
    by_value = np.argsort(draws)  # sorted keys make the binary searches cache- and branch-friendly (2x)
    chosen = np.empty(n, np.int64)
    chosen[by_value] = np.searchsorted(np.cumsum(open_jobs), draws[by_value], side="right")
    return np.minimum(chosen, len(f) - 1)


def locate(model: UrbanModel, work: np.ndarray, free: np.ndarray, origin: np.ndarray | None = None,
           rounds: int = 3) -> np.ndarray:
    """Chosen home cell per chooser (-1 where none had room); `free` (per built cell) is updated in place.

    `origin` is a mover's current home cell (-1 for newcomers): it is weighed beside the sampled cells
    and released when the mover leaves it. Choosers whose sampled cells all filled up before their turn
    re-choose among what is left, up to `rounds` lotteries (UrbanSim's iterative lotteries).
    """
    g = model.grid
    c = model.config.choice
    n = len(work)
    origin = np.full(n, -1, np.int64) if origin is None else origin
    built = model.built
    # Alternatives: built cells with a free dwelling, plus the homes movers hold now.
    keep = free > 0
    keep[np.searchsorted(built, origin[origin >= 0])] = True
    alts = np.flatnonzero(keep)
    alt_cells = built[alts]
    capacity = free[alts].copy()
    origin_pos = np.full(n, -1, np.int64)
    has = origin >= 0
    origin_pos[has] = np.searchsorted(alt_cells, origin[has])
    nb = model.neighbourhood
    alt_utility = (c.beta_rent * g.rent.ravel()[alt_cells] / 1000.0
                   + c.beta_green * model.blocks.lookup(nb.green_share, alt_cells)
                   + c.beta_density * np.log1p(model.blocks.lookup(nb.households_per_ha, alt_cells)))
    job_cells = model.firms.site[work]
    chosen = np.full(n, -1, np.int64)
    waiting = np.arange(n)
    for _ in range(rounds):
        if len(waiting) == 0 or capacity.sum() == 0 and not has[waiting].any():
            break
        cand = sample_candidates(model.rng, capacity, len(waiting), c.candidates)
        gumbel = draw_gumbel(model.rng, len(waiting), c.candidates)
        order = model.rng.permutation(len(waiting))
        got = choose_locations(order, cand, gumbel, alt_cells, alt_utility, capacity,
                               target=job_cells[waiting], target_transit=model.transit_access[job_cells[waiting]],
                               alt_transit=model.transit_access[alt_cells], b_cost=c.beta_commute_km,
                               cols=g.shape[1], cell_km=g.cell_size_m / 1000.0, circuity=model.carbon_params.circuity,
                               transit_factor=c.transit_cost_factor, origin=origin_pos[waiting])
        chosen[waiting] = np.where(got >= 0, alt_cells[np.maximum(got, 0)], -1)
        waiting = waiting[got < 0]
    free[alts] = capacity
    return chosen


def seed_households(model: UrbanModel) -> None:
    """Fill the initial dwellings (less the target vacancy) with households who work in the region."""
    free = free_dwellings(model)
    n = int(free.sum() * (1 - model.config.development.target_vacancy))
    new = _draw_newcomers(model, n)
    homes = locate(model, new["work"], free)
    placed = homes >= 0
    model.households.append(home=homes[placed], work=new["work"][placed], size=new["size"][placed],
                            income=new["income"][placed], car=new["car"][placed], located_tick=0)


def step_households(model: UrbanModel) -> None:
    """Leavers go, the population path sets arrivals, movers and newcomers choose homes."""
    p = model.config.population
    hh = model.households
    rng = model.rng
    model.target_households *= 1.0 + p.growth_rate.at(model.year)
    target = int(round(model.target_households))
    # each household leaves with the base rate (a binomial count, then which ones: cheaper than a draw
    # per household); a shrinking region loses more, down to the target
    leaving = max(int(rng.binomial(len(hh), p.leave_rate)), len(hh) - target)
    stay = np.ones(len(hh), bool)
    stay[rng.choice(len(hh), size=leaving, replace=False)] = False
    hh.keep(stay)
    arrivals = max(0, target - len(hh))
    movers = np.sort(rng.choice(len(hh), size=int(rng.binomial(len(hh), p.move_rate)), replace=False))
    new = _draw_newcomers(model, arrivals)
    free = free_dwellings(model)  # movers' dwellings are released only as they move (a vacancy chain)
    work = np.concatenate([hh.work[movers], new["work"]])
    origin = np.concatenate([hh.home[movers], np.full(arrivals, -1, np.int64)])
    homes = locate(model, work, free, origin)
    mover_homes, new_homes = homes[: len(movers)], homes[len(movers):]
    moved = (mover_homes >= 0) & (mover_homes != hh.home[movers])
    hh.home[movers[moved]] = mover_homes[moved]
    hh.located_tick[movers[moved]] = model.tick
    placed = new_homes >= 0
    hh.append(home=new_homes[placed], work=new["work"][placed], size=new["size"][placed],
              income=new["income"][placed], car=new["car"][placed], located_tick=model.tick)
    model.unhoused = int((~placed).sum())
    model.arrivals = int(placed.sum())
    model.leavers = int((~stay).sum())

"""Households: some leave, newcomers arrive on the population path, a share moves; all choose homes.

A home's utility (multinomial logit over sampled cells with a free dwelling): commute cost to the
household's job, rent, green space nearby and density nearby. Capacity is exact: a cell never holds
more households than its residential floor has dwellings. Newcomers who find no dwelling stay out
of the region this year (`model.unhoused`), which is the demand developers answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.kernels.choice import choose_locations, sample_candidates

if TYPE_CHECKING:
    from abm.model import UrbanModel

READS = ("floor_residential", "rent", "land_cover")
WRITES = ()


def _attributes(model: UrbanModel) -> tuple[np.ndarray, np.ndarray]:
    c = model.config.choice
    lay = model.layers
    attrs = np.stack([model.grid.rent.ravel() / 1000.0, lay.green_nearby, np.log1p(lay.density_nearby)])
    return attrs, np.array([c.beta_rent, c.beta_green, c.beta_density])


def _draw_newcomers(model: UrbanModel, n: int) -> dict[str, np.ndarray]:
    p = model.config.population
    rng = model.rng
    size = (1 + rng.poisson(p.household_size - 1, n)).astype(np.int16)
    income = (p.income_median_cny * rng.lognormal(0.0, 0.6, n)).astype(np.float32)
    car_p = np.clip(p.car_ownership * np.sqrt(income / p.income_median_cny), 0, 1)
    car = rng.random(n) < car_p
    # Workplace: a firm with open jobs, chosen in proportion to its open jobs.
    f = model.firms
    workers = np.bincount(model.households.work, minlength=len(f))[: len(f)]
    open_jobs = np.maximum(f.jobs - workers, 0).astype(np.float64)
    if open_jobs.sum() <= 0:
        open_jobs = f.jobs.astype(np.float64)
    work = np.searchsorted(np.cumsum(open_jobs), rng.random(n) * open_jobs.sum(), side="right")
    work = np.minimum(work, len(f) - 1).astype(np.int64)
    return {"size": size, "income": income, "car": car, "work": work}


def locate(model: UrbanModel, work: np.ndarray, free_units: np.ndarray, origin: np.ndarray | None = None,
           rounds: int = 3) -> np.ndarray:
    """Chosen home cell per chooser (-1 where none had room); `free_units` is updated in place.

    `origin` is a mover's current home (-1 for newcomers): it is weighed beside the sampled cells and
    released when the mover leaves it. Choosers whose sampled cells all filled up before their turn
    re-choose among what is left, up to `rounds` lotteries (UrbanSim's iterative lotteries).
    """
    g = model.grid
    c = model.config.choice
    attrs, betas = _attributes(model)
    origin = np.full(len(work), -1, np.int64) if origin is None else origin
    chosen = np.full(len(work), -1, np.int64)
    waiting = np.arange(len(work))
    for _ in range(rounds):
        cells = np.flatnonzero(free_units > 0)
        if len(waiting) == 0 or len(cells) == 0:
            break
        cand = sample_candidates(model.rng, cells, free_units[cells].astype(np.float64), len(waiting), c.candidates)
        cand = np.concatenate([origin[waiting, None], cand], axis=1)
        gumbel = model.rng.gumbel(size=cand.shape)
        order = model.rng.permutation(len(waiting))
        got = choose_locations(order, cand, gumbel, model.firms.site[work[waiting]], attrs, betas, c.beta_commute_km,
                               g.shape[1], g.cell_size_m / 1000.0, model.carbon_params.circuity, model.layers.transit_access,
                               c.transit_cost_factor, free_units, origin=origin[waiting])
        chosen[waiting] = got
        waiting = waiting[got < 0]
    return chosen


def free_units(model: UrbanModel) -> np.ndarray:
    g = model.grid
    units = np.where(g.valid.ravel(), g.floor_residential.ravel() // model.config.population.m2_per_household, 0)
    occupied = np.bincount(model.households.home, minlength=g.valid.size)
    return np.maximum(units.astype(np.int64) - occupied, 0)


def seed_households(model: UrbanModel) -> None:
    """Fill the initial dwellings (less the target vacancy) with households who work in the region."""
    free = free_units(model)
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
    stay = rng.random(len(hh)) >= p.leave_rate
    excess = int(stay.sum()) - target
    if excess > 0:  # a shrinking region: more leave than the base rate
        stay[rng.choice(np.flatnonzero(stay), size=excess, replace=False)] = False
    hh.keep(stay)
    arrivals = max(0, target - len(hh))
    movers = np.flatnonzero(rng.random(len(hh)) < p.move_rate)
    new = _draw_newcomers(model, arrivals)
    free = free_units(model)  # movers' dwellings are released only as they move (a vacancy chain)
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

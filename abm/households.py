"""Households: some leave, newcomers arrive on the population path, a share moves; all choose homes.

A home's utility (multinomial logit over sampled cells with a free dwelling): commute cost to the
household's job, rent, green space nearby and density nearby. Capacity is exact: a cell never holds
more households than its residential floor has dwellings. Newcomers who find no dwelling stay out
of the region this year (`state.unhoused`), which is the demand developers answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.draws import attribute_stream
from abm.kernels.choice import choose_locations, draw_alternatives
from abm.kernels.travel import households_per_cell
from abm.process import Process

if TYPE_CHECKING:
    from abm.state import CityState


class HouseholdMoves(Process):
    """Households leave, arrive and move; the year's homes give the households per cell."""

    name = "households"
    reads = ("config", "year", "tick", "firms", "built", "neighbourhood", "blocks", "transit_access",
             "carbon_params", "grid.floor_residential", "grid.rent")
    writes = ("rng", "draws", "households", "households_per_cell", "target_households", "unhoused", "arrivals", "leavers")

    def seed(self, state: CityState) -> None:
        """Fill the first year's dwellings."""
        seed_households(state)
        state.households_per_cell = occupancy(state)
        state.target_households = float(len(state.households))

    def run_one_step(self, state: CityState, year: int) -> None:
        step_households(state)
        state.households_per_cell = occupancy(state)  # homes are settled for the year: counted once


def occupancy(state: CityState) -> np.ndarray:
    """Households per cell (flat, full grid, int32), counted into the state's array when it has one: a
    live layer like the grid's, recounted in place (a fresh 4-32 MB array a count cost more than the count
    on large grids)."""
    rows, cols = state.grid.shape
    out = state.households_per_cell
    if out is None or out.shape != (rows * cols,) or out.dtype != np.int32:
        out = None
    return households_per_cell(state.households.home, rows * cols, out=out)


def dwellings(state: CityState, cells: np.ndarray) -> np.ndarray:
    """Dwellings the residential floor of `cells` holds (int64)."""
    m2 = state.config.population.m2_per_household
    return (state.grid.floor_residential.ravel()[cells] // m2).astype(np.int64)


def free_dwellings(state: CityState) -> np.ndarray:
    """Free dwellings per built cell (aligned with `state.built`)."""
    occupied = occupancy(state)[state.built]  # the count now, between moves; recounted once they settle
    return np.maximum(dwellings(state, state.built) - occupied, 0)


def _draw_newcomers(state: CityState, n: int) -> dict[str, np.ndarray]:
    p = state.config.population
    size = (1 + attribute_stream(state, "household_size").poisson(p.household_size - 1, n)).astype(np.int16)
    income = (p.income_median_cny * attribute_stream(state, "household_income").lognormal(0.0, 0.6, n)).astype(np.float32)
    car_p = np.clip(p.car_ownership * np.sqrt(income / p.income_median_cny), 0, 1)
    car = attribute_stream(state, "household_car").random(n) < car_p
    return {"size": size, "income": income, "car": car, "work": draw_workplaces(state, n)}


def draw_workplaces(state: CityState, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Firms for `n` job seekers, in proportion to each firm's open jobs (all jobs if none are open).

    `exclude`: households (rows) not counted as workers, e.g. those whose employer just closed.
    """
    f = state.firms
    work = state.households.work
    if exclude is not None and len(exclude):
        keep = np.ones(len(work), bool)
        keep[exclude] = False
        work = work[keep]
    workers = np.bincount(work, minlength=len(f))[: len(f)]
    open_jobs = np.maximum(f.jobs - workers, 0).astype(np.float64)
    if open_jobs.sum() <= 0:
        open_jobs = f.jobs.astype(np.float64)
    draws = state.rng.random(n) * open_jobs.sum()
    by_value = np.argsort(draws)  # sorted keys make the binary searches cache- and branch-friendly (2x)
    chosen = np.empty(n, np.int64)
    chosen[by_value] = np.searchsorted(np.cumsum(open_jobs), draws[by_value], side="right")
    return np.minimum(chosen, len(f) - 1)


def locate(state: CityState, work: np.ndarray, free: np.ndarray, origin: np.ndarray | None = None,
           rounds: int = 3) -> np.ndarray:
    """Chosen home cell per chooser (-1 where none had room); `free` (per built cell) is updated in place.

    `origin` is a mover's current home cell (-1 for newcomers): it is weighed beside the sampled cells
    and released when the mover leaves it. Choosers whose sampled cells all filled up before their turn
    re-choose among what is left, up to `rounds` lotteries (UrbanSim's iterative lotteries).
    """
    g = state.grid
    c = state.config.choice
    n = len(work)
    origin = np.full(n, -1, np.int64) if origin is None else origin
    built = state.built
    # Alternatives: built cells with a free dwelling, plus the homes movers hold now.
    keep = free > 0
    keep[np.searchsorted(built, origin[origin >= 0])] = True
    alts = np.flatnonzero(keep)
    alt_cells = built[alts]
    capacity = free[alts].copy()
    origin_pos = np.full(n, -1, np.int64)
    has = origin >= 0
    origin_pos[has] = np.searchsorted(alt_cells, origin[has])
    nb = state.neighbourhood
    alt_utility = (c.beta_rent * g.rent.ravel()[alt_cells] / 1000.0
                   + c.beta_green * state.blocks.lookup(nb.green_share, alt_cells)
                   + c.beta_density * np.log1p(state.blocks.lookup(nb.households_per_ha, alt_cells)))
    job_cells = state.firms.site[work]
    chosen = np.full(n, -1, np.int64)
    waiting = np.arange(n)
    for _ in range(rounds):
        if len(waiting) == 0 or capacity.sum() == 0 and not has[waiting].any():
            break
        cand, gumbel = draw_alternatives(state.rng, capacity, len(waiting), c.candidates)
        order = state.rng.permutation(len(waiting))
        got = choose_locations(order, cand, gumbel, alt_cells, alt_utility, capacity,
                               target=job_cells[waiting], target_transit=state.transit_access[job_cells[waiting]],
                               alt_transit=state.transit_access[alt_cells], b_cost=c.beta_commute_km,
                               cols=g.shape[1], cell_km=g.cell_size_m / 1000.0, circuity=state.carbon_params.circuity,
                               transit_factor=c.transit_cost_factor, origin=origin_pos[waiting])
        chosen[waiting] = np.where(got >= 0, alt_cells[np.maximum(got, 0)], -1)
        waiting = waiting[got < 0]
    free[alts] = capacity
    return chosen


def seed_households(state: CityState) -> None:
    """Fill the initial dwellings (less the target vacancy) with households who work in the region."""
    free = free_dwellings(state)
    n = int(free.sum() * (1 - state.config.development.target_vacancy))
    new = _draw_newcomers(state, n)
    homes = locate(state, new["work"], free)
    placed = homes >= 0
    state.households.append(home=homes[placed], work=new["work"][placed], size=new["size"][placed],
                            income=new["income"][placed], car=new["car"][placed], located_tick=0)


def step_households(state: CityState) -> None:
    """Leavers go, the population path sets arrivals, movers and newcomers choose homes."""
    p = state.config.population
    hh = state.households
    rng = state.rng
    state.target_households *= 1.0 + p.growth_rate.at(state.year)
    target = int(round(state.target_households))
    # each household leaves with the base rate (a binomial count, then which ones: cheaper than a draw
    # per household); a shrinking region loses more, down to the target
    leaving = max(int(rng.binomial(len(hh), p.leave_rate)), len(hh) - target)
    stay = np.ones(len(hh), bool)
    stay[rng.choice(len(hh), size=leaving, replace=False)] = False
    hh.keep(stay)
    arrivals = max(0, target - len(hh))
    movers = np.sort(rng.choice(len(hh), size=int(rng.binomial(len(hh), p.move_rate)), replace=False))
    new = _draw_newcomers(state, arrivals)
    free = free_dwellings(state)  # movers' dwellings are released only as they move (a vacancy chain)
    work = np.concatenate([hh.work[movers], new["work"]])
    origin = np.concatenate([hh.home[movers], np.full(arrivals, -1, np.int64)])
    homes = locate(state, work, free, origin)
    mover_homes, new_homes = homes[: len(movers)], homes[len(movers):]
    moved = (mover_homes >= 0) & (mover_homes != hh.home[movers])
    hh.home[movers[moved]] = mover_homes[moved]
    hh.located_tick[movers[moved]] = state.tick
    placed = new_homes >= 0
    hh.append(home=new_homes[placed], work=new["work"][placed], size=new["size"][placed],
              income=new["income"][placed], car=new["car"][placed], located_tick=state.tick)
    state.unhoused = int((~placed).sum())
    state.arrivals = int(placed.sum())
    state.leavers = int((~stay).sum())

"""Location choice with sampled alternatives and capacity: the households' and firms' kernel.

Each chooser scores a few dozen sampled candidate cells with a linear utility plus pre-drawn Gumbel
noise (a multinomial logit, as in UrbanSim's sampled-alternatives MNL), then choosers take their best
candidate that still has room, in a random order drawn by the caller. Processing in a random order
is the limit of UrbanSim's iterative lotteries (over-subscribed choosers re-choose among what is left)
and keeps capacity exact: no cell ever receives more than it holds. A chooser that already has a
place (a mover) may stay: its `origin` is always available to it, and when it leaves, its place is
released at once for the choosers after it (a vacancy chain within the year).

Utility of candidate cell c for chooser i (all attributes per cell, all coefficients scalars)::

    u = b_cost * cost_km(c, target_i) + sum_j b_j * attribute_j[c] + gumbel[i, k]

where cost_km is the straight-line distance times `circuity`, multiplied by `transit_factor` when
both ends are within reach of transit (0 for firms, which have no single target).
"""

from __future__ import annotations

import numpy as np

from abm.kernels._jit import kernel


@kernel
def _choose_kernel(order, candidates, gumbel, target, attributes, betas, b_cost, cols, cell_km, circuity,
                   transit_access, transit_factor, capacity, demand, origin, out_choice):
    n_attr = attributes.shape[0]
    n_cand = candidates.shape[1]
    for pos in range(order.shape[0]):
        i = order[pos]
        best = -1
        best_u = -np.inf
        need = demand[i]
        tr = -1
        tc = 0
        if target[i] >= 0:
            tr = target[i] // cols
            tc = target[i] % cols
        for k in range(n_cand):
            c = candidates[i, k]
            if c < 0 or (capacity[c] < need and c != origin[i]):
                continue
            u = gumbel[i, k]
            for j in range(n_attr):
                u += betas[j] * attributes[j, c]
            if tr >= 0:
                dr = c // cols - tr
                dc = c % cols - tc
                km = np.sqrt(dr * dr + dc * dc) * cell_km * circuity
                if transit_access[c] and transit_access[target[i]]:
                    km *= transit_factor
                u += b_cost * km
            if u > best_u:
                best_u = u
                best = c
        if best >= 0 and best != origin[i]:
            capacity[best] -= need
            if origin[i] >= 0:
                capacity[origin[i]] += need
        out_choice[i] = best


def choose_locations(
    order: np.ndarray,
    candidates: np.ndarray,
    gumbel: np.ndarray,
    target: np.ndarray,
    attributes: np.ndarray,
    betas: np.ndarray,
    b_cost: float,
    cols: int,
    cell_km: float,
    circuity: float,
    transit_access: np.ndarray,
    transit_factor: float,
    capacity: np.ndarray,
    demand: np.ndarray | None = None,
    origin: np.ndarray | None = None,
) -> np.ndarray:
    """Chosen cell per chooser (-1 where no candidate had room); `capacity` is decremented in place.

    order: permutation of chooser rows (the lottery order); candidates: (n, k) flat cell indices, -1 =
    none; gumbel: (n, k) noise; target: (n,) flat cell of each chooser's fixed destination (job), -1 for
    none; attributes: (m, cells) float; betas: (m,); transit_access: (cells,) bool; capacity: (cells,)
    int64 units left; demand: (n,) units each chooser needs (default 1); origin: (n,) the cell a mover
    holds now (-1 for newcomers), always available to it and not counted in `capacity` (put it among
    its candidates for it to be weighed).
    """
    n = candidates.shape[0]
    if gumbel.shape != candidates.shape:
        raise ValueError(f"gumbel shape {gumbel.shape} must equal candidates shape {candidates.shape}")
    if capacity.dtype != np.int64:
        raise TypeError("capacity must be int64 (it is decremented in place)")
    demand = np.ones(n, np.int64) if demand is None else np.ascontiguousarray(demand, np.int64)
    origin = np.full(n, -1, np.int64) if origin is None else np.ascontiguousarray(origin, np.int64)
    out = np.full(n, -1, np.int64)
    _choose_kernel(
        np.ascontiguousarray(order, np.int64), np.ascontiguousarray(candidates, np.int64),
        np.ascontiguousarray(gumbel, np.float64), np.ascontiguousarray(target, np.int64),
        np.ascontiguousarray(attributes, np.float64), np.ascontiguousarray(betas, np.float64),
        float(b_cost), int(cols), float(cell_km), float(circuity),
        np.ascontiguousarray(transit_access, np.bool_), float(transit_factor), capacity, demand, origin, out,
    )
    return out


def choose_locations_reference(order, candidates, gumbel, target, attributes, betas, b_cost, cols, cell_km,
                               circuity, transit_access, transit_factor, capacity, demand=None, origin=None):
    """Plain-numpy twin of `choose_locations`: utilities as a full (n, k) matrix, then a Python lottery."""
    n, k = candidates.shape
    demand = np.ones(n, np.int64) if demand is None else np.asarray(demand, np.int64)
    origin = np.full(n, -1, np.int64) if origin is None else np.asarray(origin, np.int64)
    safe = np.where(candidates >= 0, candidates, 0)
    util = gumbel.astype(np.float64).copy()
    for j in range(attributes.shape[0]):
        util += betas[j] * attributes[j][safe]
    has_target = target >= 0
    tgt = np.where(has_target, target, 0)
    dr = safe // cols - (tgt // cols)[:, None]
    dc = safe % cols - (tgt % cols)[:, None]
    km = np.sqrt(dr * dr + dc * dc) * cell_km * circuity
    both = transit_access[safe] & transit_access[tgt][:, None]
    km = np.where(both, km * transit_factor, km)
    util += np.where(has_target[:, None], b_cost * km, 0.0)
    out = np.full(n, -1, np.int64)
    for i in order:
        best, best_u = -1, -np.inf
        for kk in range(k):
            c = candidates[i, kk]
            room = capacity[c] >= demand[i] or c == origin[i]
            if c >= 0 and room and util[i, kk] > best_u:
                best, best_u = c, util[i, kk]
        if best >= 0 and best != origin[i]:
            capacity[best] -= demand[i]
            if origin[i] >= 0:
                capacity[origin[i]] += demand[i]
        out[i] = best
    return out


def sample_candidates(rng: np.random.Generator, cells: np.ndarray, weights: np.ndarray, n: int, k: int) -> np.ndarray:
    """(n, k) candidate cells drawn from `cells` with probability proportional to `weights`; -1 if none."""
    if len(cells) == 0 or n == 0:
        return np.full((n, k), -1, np.int64)
    cum = np.cumsum(weights, dtype=np.float64)
    draws = rng.random((n, k)) * cum[-1]
    return cells[np.minimum(np.searchsorted(cum, draws, side="right"), len(cells) - 1)].astype(np.int64)

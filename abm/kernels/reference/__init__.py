"""Slow, obviously correct twins of every kernel (STYLE.md 4): plain numpy and Python loops.

Each twin takes the same inputs as the public wrapper it mirrors and returns the same result type;
tests check the compiled kernels against these on random inputs. Nothing here is used by the model.
A new kernel's twin goes in a module of this package named after its concern
(``abm.kernels.reference.<concern>``, e.g. `abm.kernels.reference.buildings`); the twins below predate
that layout.
"""

from __future__ import annotations

import numpy as np


def choose_locations(order, candidates, gumbel, alt_cells, alt_utility, capacity, *, target=None,
                               target_transit=None, alt_transit=None, b_cost=0.0, cols=1, cell_km=1.0, circuity=1.0,
                               transit_factor=1.0, demand=None, origin=None):
    """Plain-numpy twin of `choose_locations`: utilities as a full (n, k + 1) matrix, then a Python lottery."""
    n, k = candidates.shape
    n_alt = len(alt_cells)
    target = np.full(n, -1, np.int64) if target is None else np.asarray(target, np.int64)
    target_transit = np.zeros(n, bool) if target_transit is None else np.asarray(target_transit, bool)
    alt_transit = np.zeros(n_alt, bool) if alt_transit is None else np.asarray(alt_transit, bool)
    demand = np.ones(n, np.int64) if demand is None else np.asarray(demand, np.int64)
    origin = np.full(n, -1, np.int64) if origin is None else np.asarray(origin, np.int64)
    by_chooser = np.empty_like(candidates)  # row p of candidates / gumbel belongs to chooser order[p]
    by_chooser[order] = candidates
    gumbel_by_chooser = np.empty_like(gumbel)
    gumbel_by_chooser[order] = gumbel
    slots = np.concatenate([origin[:, None], by_chooser], axis=1)
    safe = np.where(slots >= 0, slots, 0)
    util = np.asarray(alt_utility, np.float64)[safe] + gumbel_by_chooser
    has_target = target >= 0
    tgt = np.where(has_target, target, 0)
    cell = np.asarray(alt_cells, np.int64)[safe]
    dr = cell // cols - (tgt // cols)[:, None]
    dc = cell % cols - (tgt % cols)[:, None]
    km = np.sqrt(dr * dr + dc * dc) * cell_km * circuity
    km = np.where(alt_transit[safe] & target_transit[:, None], km * transit_factor, km)
    util += np.where(has_target[:, None], b_cost * km, 0.0)
    out = np.full(n, -1, np.int64)
    for i in order:
        best, best_u = -1, -np.inf
        for kk in range(k + 1):
            a = slots[i, kk]
            if a >= 0 and (capacity[a] >= demand[i] or a == origin[i]) and util[i, kk] > best_u:
                best, best_u = a, util[i, kk]
        if best >= 0 and best != origin[i]:
            capacity[best] -= demand[i]
            if origin[i] >= 0:
                capacity[origin[i]] += demand[i]
        out[i] = best
    return out

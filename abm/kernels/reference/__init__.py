"""Slow, obviously correct twins of every kernel (STYLE.md 4): plain numpy and Python loops.

Each twin takes the same inputs as the public wrapper it mirrors and returns the same result type;
tests check the compiled kernels against these on random inputs. Nothing here is used by the model.
A new kernel's twin goes in a module of this package named after its concern
(``abm.kernels.reference.<concern>``, e.g. `abm.kernels.reference.buildings`); the twins below predate
that layout.
"""

from __future__ import annotations

import math

import numpy as np

from abm.kernels.commute import INTRA_CELL, NMODES, CommuteResult, ModeSplit


def mode_shares(distance_km, hh_per_ha, transit_home_km, transit_work_km, road_share, has_car, modes: ModeSplit):
    d = distance_km
    dens = math.log(1.0 + hh_per_ha / modes.density_ref_hh_ha)
    boost = 1.0 + modes.road_speedup * road_share
    walk = modes.access_walk_kmh
    bus_access = min(transit_home_km, modes.bus_stop_km) + min(transit_work_km, modes.bus_stop_km)
    v = modes.speed_kmh
    minutes = [
        60 * d / v[0],
        60 * d / v[1],
        60 * bus_access / walk + 60 * d / (v[2] * boost),
        60 * (transit_home_km + transit_work_km) / walk + 60 * d / v[3],
        60 * d / (v[4] * boost),
    ]
    u = np.array([modes.asc[m] - modes.beta_per_min * (minutes[m] + modes.wait_min[m])
                  + modes.density_effect[m] * dens for m in range(NMODES)])
    available = np.array([True, True, True, True, bool(has_car)])
    x = np.where(available, np.exp(u - u[available].max()), 0.0)
    return x / x.sum()


def commute_emissions(home, work, size, car, located_tick, *, tick, firm_site, valid, hh_count, transit_dist_km,
                      road, cols, cell_km, modes: ModeSplit):
    home = np.asarray(home, np.int64)
    work_cell = [int(firm_site[j]) if j >= 0 else -1 for j in work]
    n = len(home)
    valid = np.asarray(valid, bool).reshape(-1)
    hh_count = np.asarray(hh_count).reshape(-1)
    transit = np.asarray(transit_dist_km, np.float32).reshape(-1).astype(np.float64)
    road = np.asarray(road, bool).reshape(-1)
    cell_ha = (cell_km * 100.0) ** 2
    out_t = np.zeros(n)
    out_km = np.zeros(n)
    new = stock = commuters_sum = commuter_km = 0.0
    trips = np.zeros(NMODES)
    pkm_mode = np.zeros(NMODES)
    for i in range(n):
        h, w = int(home[i]), int(work_cell[i])
        if w < 0 or not valid[h]:
            continue
        (hr, hc), (wr, wc) = divmod(h, cols), divmod(w, cols)
        d = modes.circuity * cell_km * max(math.hypot(hr - wr, hc - wc), INTRA_CELL)
        p = mode_shares(d, hh_count[h] / cell_ha, transit[h], transit[w], (int(road[h]) + int(road[w])) / 2,
                        car[i], modes)
        commuters = float(size[i]) * modes.commuters_per_person
        pkm = commuters * 2 * modes.workdays_per_year * d
        t = pkm * float(p @ modes.ef_g_pkm) / 1e6
        out_t[i], out_km[i] = t, d
        if located_tick[i] == tick:
            new += t
        else:
            stock += t
        commuters_sum += commuters
        commuter_km += commuters * d
        trips += commuters * p
        pkm_mode += pkm * p
    return CommuteResult(out_t, out_km, new, stock, commuters_sum, commuter_km, trips, pkm_mode)


def households_per_cell(home, n_cells):
    out = np.zeros(n_cells, np.int32)
    for h in np.asarray(home, np.int64):
        out[h] += 1
    return out


def add_at(index, weights, out):
    for j, w in zip(np.asarray(index, np.int64), np.asarray(weights)):
        if j >= 0:
            out.reshape(-1)[j] += w
    return out


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

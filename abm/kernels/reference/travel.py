"""Slow, obviously correct twins of the travel kernels: `abm.kernels.travel` and `abm.kernels.destinations`.

The nested logit is written from its textbook form (inclusive values of full nests, no pairing trick),
the destinations by direct summation over every pair of blocks (no FFT), households by a Python loop.
"""

from __future__ import annotations

import math

import numpy as np

from abm.kernels.destinations import INTRA_BLOCK, REACH, DestinationFields
from abm.kernels.travel import (GAMMA2_NODES, GAMMA2_WEIGHTS, INTRA_CELL, NMODES, BlockTrips, HouseholdTravel,
                                ModeModel)

#: nests of the mode model: active, transit, car
NESTS = ((0, 1), (2, 3), (4,))


def utilities(d, dens, metro_walk, road_share, modes: ModeModel) -> np.ndarray:
    """The five utilities of a trip from door-to-door minutes."""
    boost = 1.0 + modes.road_speedup * road_share
    walk, v = modes.access_walk_kmh, modes.speed_kmh
    minutes = [60 * d / v[0], 60 * d / v[1], 60 * 2 * modes.bus_walk_km / walk + 60 * d / (v[2] * boost),
               60 * (metro_walk + 2 * modes.station_walk_km) / walk + 60 * d / v[3], 60 * d / (v[4] * boost)]
    return np.array([modes.asc[m] - modes.beta_per_min * (minutes[m] + modes.wait_min[m])
                     + modes.density_effect[m] * dens for m in range(NMODES)])


def nested_shares(u, has_car, lambdas) -> np.ndarray:
    """P(m) = P(m | nest) P(nest), inclusive values IV_n = l_n log sum exp(V / l_n)."""
    nests = NESTS if has_car else NESTS[:2]
    lam = (*lambdas, 1.0)
    iv = [lam[k] * math.log(sum(math.exp(u[m] / lam[k]) for m in nest)) for k, nest in enumerate(nests)]
    top = sum(math.exp(x) for x in iv)
    p = np.zeros(NMODES)
    for k, nest in enumerate(nests):
        inside = sum(math.exp(u[m] / lam[k]) for m in nest)
        for m in nest:
            p[m] = math.exp(iv[k]) / top * math.exp(u[m] / lam[k]) / inside
    return p


def mode_shares(distance_km, hh_per_ha, metro_walk_home_km, metro_walk_dest_km, road_share, has_car,
                modes: ModeModel) -> np.ndarray:
    dens = math.log(1.0 + hh_per_ha / modes.density_ref_hh_ha)
    u = utilities(distance_km, dens, metro_walk_home_km + metro_walk_dest_km, road_share, modes)
    return nested_shares(u - u.max(), has_car, (modes.lambda_active, modes.lambda_transit))


def block_trips(persons, log_density, home_walk_km, road_share, mean_km, dest_walk_km, *, trips_per_person,
                modes: ModeModel) -> BlockTrips:
    persons = np.asarray(persons, np.float64)
    mean_km = np.asarray(mean_km, np.float64).reshape(len(trips_per_person), -1)
    dest_walk_km = np.asarray(dest_walk_km, np.float64).reshape(len(trips_per_person), -1)
    out = np.zeros(persons.shape)
    trips, pkm = np.zeros(NMODES), np.zeros(NMODES)
    for blk, car in zip(*np.nonzero(persons > 0)):
        for p, rate in enumerate(trips_per_person):
            walk = home_walk_km[blk] + dest_walk_km[p, blk]
            for node, weight in zip(GAMMA2_NODES, GAMMA2_WEIGHTS):
                d = mean_km[p, blk] * node
                u = utilities(d, log_density[blk], walk, road_share[blk], modes)
                sh = nested_shares(u - u.max(), bool(car), (modes.lambda_active, modes.lambda_transit))
                out[blk, car] += rate * weight * d * float(sh @ modes.ef_g_pkm) / 1e6
                trips += persons[blk, car] * rate * weight * sh
                pkm += persons[blk, car] * rate * weight * d * sh
    return BlockTrips(out, trips, pkm, float(persons.sum()))


def household_travel(home, work, size, car, arrived_tick, *, tick, firm_site, valid, hh_count, transit_dist_km, road,
                     cols, cell_km, block_cells, per_person_t, workdays_per_year, commuters_per_person,
                     modes: ModeModel) -> HouseholdTravel:
    valid = np.asarray(valid, bool).reshape(-1)
    hh_count = np.asarray(hh_count).reshape(-1)
    walk = np.asarray(transit_dist_km, np.float32).reshape(-1).astype(np.float64)
    road = np.asarray(road, bool).reshape(-1)
    cell_ha = (cell_km * 100.0) ** 2
    bcols = -(-cols // block_cells)
    n = len(home)
    out_t, out_km = np.zeros(n), np.zeros(n)
    total = arrived = commuters_sum = commuter_km = 0.0
    trips, pkm = np.zeros(NMODES), np.zeros(NMODES)
    for i in range(n):
        h = int(home[i])
        if not valid[h]:
            continue
        hr, hc = divmod(h, cols)
        blk = (hr // block_cells) * bcols + hc // block_cells
        t = float(size[i]) * per_person_t[blk, int(bool(car[i]))]
        if work[i] >= 0:
            w = int(firm_site[work[i]])
            wr, wc = divmod(w, cols)
            d = modes.circuity * cell_km * max(math.hypot(hr - wr, hc - wc), INTRA_CELL)
            p = mode_shares(d, hh_count[h] / cell_ha, walk[h], walk[w], (int(road[h]) + int(road[w])) / 2, car[i],
                            modes)
            commuters = float(size[i]) * commuters_per_person
            n_trips = commuters * 2 * workdays_per_year
            t += n_trips * d * float(p @ modes.ef_g_pkm) / 1e6
            out_km[i] = d
            commuters_sum += commuters
            commuter_km += commuters * d
            trips += n_trips * p
            pkm += n_trips * d * p
        out_t[i] = t
        total += t
        arrived += t if arrived_tick[i] == tick else 0.0
    return HouseholdTravel(out_t, out_km, total, arrived, commuters_sum, commuter_km, trips, pkm)


def households_per_cell(home, n_cells):
    out = np.zeros(n_cells, np.int32)
    for h in np.asarray(home, np.int64):
        out[h] += 1
    return out


def persons_by_block(home, size, car, valid, *, cols, block_cells, n_blocks):
    out = np.zeros((n_blocks, 2))
    bcols = -(-cols // block_cells)
    for h, s, c in zip(np.asarray(home, np.int64), size, car):
        if np.asarray(valid).reshape(-1)[h]:
            r, col = divmod(int(h), cols)
            out[(r // block_cells) * bcols + col // block_cells, int(bool(c))] += s
    return out


def add_at(index, weights, out):
    for j, w in zip(np.asarray(index, np.int64), np.asarray(weights)):
        if j >= 0:
            out.reshape(-1)[j] += w
    return out


def block_sums(valid, floor_residential, floor_commercial, land_cover, hh_count, walk_km, road, *, green_covers,
               block_cells, cell_km, density_ref_hh_ha):
    rows, cols = np.shape(valid)
    b = block_cells
    bcols = -(-cols // b)
    out = np.zeros((-(-rows // b) * bcols, 10))
    hh = np.asarray(hh_count).reshape(rows, cols)
    for r in range(rows):
        for c in range(cols):
            if not valid[r, c]:
                continue
            k = (r // b) * bcols + c // b
            w = float(np.float32(walk_km[r, c]))
            fr, fc = float(np.float32(floor_residential[r, c])), float(np.float32(floor_commercial[r, c]))
            green = float(int(land_cover[r, c]) in set(green_covers))
            n = float(hh[r, c])
            ld = math.log(1.0 + n / ((cell_km * 100.0) ** 2 * density_ref_hh_ha))
            out[k] += [fr, fc, green, fr * w, fc * w, green * w, n, n * ld, n * w, n * float(road[r, c])]
    return out


def destination_fields(opportunities, opportunities_walk, *, block_km, circuity, decay_per_km, fallback_walk_km):
    o = np.asarray(opportunities, np.float64)
    ow = np.asarray(opportunities_walk, np.float64)
    npur, brows, bcols = o.shape
    reach = REACH / np.asarray(decay_per_km, np.float64)
    mean, walk = np.zeros(o.shape), np.zeros(o.shape)
    for p in range(npur):
        for i in range(brows):
            for j in range(bcols):
                den = num = wal = 0.0
                for k in range(brows):
                    for m in range(bcols):
                        r = circuity * block_km * (math.hypot(i - k, j - m) if (i, j) != (k, m) else INTRA_BLOCK)
                        if decay_per_km[p] * r <= REACH and o[p, k, m] > 0:
                            x = math.exp(-decay_per_km[p] * r)
                            den += o[p, k, m] * x
                            num += o[p, k, m] * x * r
                            wal += ow[p, k, m] * x
                if den > 1e-9 * o[p].sum():
                    mean[p, i, j] = min(max(num / den, circuity * block_km * INTRA_BLOCK), reach[p])
                    walk[p, i, j] = max(wal / den, 0.0)
                else:
                    mean[p, i, j], walk[p, i, j] = reach[p], fallback_walk_km[i, j]
    return DestinationFields(mean, walk, reach)

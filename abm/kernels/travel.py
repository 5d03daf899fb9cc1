"""Passenger travel CO2: a nested-logit mode choice, work trips per household, other trips per block.

Why this shape. Travel-demand models price a trip by its door-to-door time per mode and share trips
among modes; a multinomial logit does that with IIA (a better metro takes riders from walking as much
as from cars, in proportion to their shares), which misstates what transit does. The mode model here
is a **nested logit** (McFadden 1978; Ben-Akiva and Lerman 1985, ch. 10): nests active {walk/cycle,
e-bike}, transit {bus, metro/rail} and car (car owners only), each nest with its dissimilarity
``lambda`` in (0, 1]. Within a nest ``P(m | n) = exp(V_m / l_n) / sum_k exp(V_k / l_n)``; a nest's
inclusive value is ``IV_n = l_n log sum_k exp(V_k / l_n)`` and ``P(n) = exp(IV_n) / sum exp(IV)``.
With every lambda = 1 it is the multinomial logit. Expected shares are used (no random draw), so a
tick's emissions are a smooth function of the layout.

Utility of mode m for a trip of d km (times in minutes): ``asc_m - beta x time_m + density_effect_m x
ln(1 + households_per_ha / density_ref)`` with walk/cycle and e-bike ``60 d / v``; bus ``walk to a stop at
both ends + wait + 60 d / (v (1 + road_speedup x road share))``; metro ``walk to the line and along it to
a station at both ends + wait + 60 d / v``; car ``terminal time + 60 d / (v (1 + road_speedup x road
share))``. Buses run on the ordinary street network (a fixed walk to a stop); the grid's transit layer
is the rail network, so adding a line changes the metro's access walk and nothing else.

Work trips are per household (home cell to the employer's cell, straight line x circuity; a trip
inside one cell is 0.5214 cell sides, the mean distance between two random points of a square). Trips
of the other purposes (school, shopping and services, leisure) go to destinations chosen by distance
on the land-use pattern (`abm.kernels.destinations`): their mean length from a block is known, and the
trip lengths from a block are taken as a gamma(2) distribution of that mean (the distance of a
destination drawn with exponential deterrence over a plane), integrated by the two-point generalised
Gauss-Laguerre rule. Their mode choice is evaluated once per block and car ownership, then looked up by
each household: the cost of a tick follows households plus occupied blocks.

Modes, in kernel order: walk/cycle, e-bike, bus, metro/rail, car.

>>> import numpy as np
>>> m = ModeModel(ef_g_pkm=np.array([0, 6, 50, 40, 130.0]), speed_kmh=np.array([10, 18, 15, 35, 25.0]),
...               asc=np.zeros(5), density_effect=np.zeros(5), wait_min=np.zeros(5), beta_per_min=0.08,
...               access_walk_kmh=4.5, bus_walk_km=0.3, station_walk_km=0.3, road_speedup=0.0, density_ref_hh_ha=50.0,
...               circuity=1.3, lambda_active=1.0, lambda_transit=1.0)
>>> p = mode_shares(3.0, 0.0, 0.5, 0.5, 0.0, False, m)
>>> round(float(p.sum()), 12), float(p[4])        # shares sum to one; no car without one
(1.0, 0.0)
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import NamedTuple

import numba
import numpy as np
from numba import prange

from abm.kernels._jit import kernel, runs_alone, threads_for

NMODES = 5
#: the purposes other than work, in kernel order (their trips are evaluated per block)
PURPOSES: tuple[str, ...] = ("school", "shopping", "leisure")
NPURPOSES = len(PURPOSES)
#: mean distance between two random points in a unit square: the length of a trip inside one cell
INTRA_CELL = 0.5214054331647207
#: households (or blocks) per parallel task; totals are summed per task in a fixed order, so they do not
#: depend on the number of threads
SUB = 8192
#: households per task of the household pass (`_household_task`), summed in a fixed order like SUB
HH_TASK = 2 * SUB
#: two-point generalised Gauss-Laguerre rule for a gamma(2) trip length of mean 1: nodes (3 -+ sqrt 3) / 2
#: and weights (3 +- sqrt 3) / 6 (exact for polynomials of degree <= 3 in the length)
GAMMA2_NODES = (0.6339745962155614, 2.3660254037844384)
GAMMA2_WEIGHTS = (0.7886751345948129, 0.2113248654051871)
#: columns of the household totals: total t, arrived t, commuters, commuter km, work trips by mode (5),
#: work pkm by mode (5)
_HH_COLS = 4 + 2 * NMODES
#: columns of the block totals: trips by mode (5), pkm by mode (5), persons
_BLOCK_COLS = 2 * NMODES + 1


class ModeModel(NamedTuple):
    """One year's mode model and factors, as arrays by mode (see `abm.emissions.transport.TravelYear`)."""

    ef_g_pkm: np.ndarray        # (5,) gCO2/pkm (electric parts at this year's grid factor)
    speed_kmh: np.ndarray       # (5,)
    asc: np.ndarray             # (5,) utils
    density_effect: np.ndarray  # (5,) utils per ln(1 + density / ref)
    wait_min: np.ndarray        # (5,) fixed minutes per trip (waits, car terminal time)
    beta_per_min: float
    access_walk_kmh: float
    bus_walk_km: float          # walk to a bus stop at each end
    station_walk_km: float      # walk along the line to a metro station at each end (beyond the walk to the line)
    road_speedup: float
    density_ref_hh_ha: float
    circuity: float
    lambda_active: float        # dissimilarity of the walk/cycle + e-bike nest
    lambda_transit: float       # dissimilarity of the bus + metro nest


class Coefficients(NamedTuple):
    """The mode model folded for the kernels: u_m = a_m - b_m d (+ density, access, road terms)."""

    a: tuple                    # asc - beta x (wait, and the bus stop walks)
    b: tuple                    # beta x 60 / speed: utils per km
    deff: tuple                 # density effects
    access_beta: float          # utils per km walked to the metro
    road_speedup: float
    lambda_active: float
    lambda_transit: float


def coefficients(modes: ModeModel) -> Coefficients:
    """Fold a `ModeModel` once per call. Tuples, not arrays: the kernels then hold them in registers."""
    beta = modes.beta_per_min
    access_beta = beta * 60.0 / modes.access_walk_kmh
    a = np.asarray(modes.asc, np.float64) - beta * np.asarray(modes.wait_min, np.float64)
    a[2] -= access_beta * 2.0 * modes.bus_walk_km
    a[3] -= access_beta * 2.0 * modes.station_walk_km
    b = beta * 60.0 / np.asarray(modes.speed_kmh, np.float64)
    deff = np.asarray(modes.density_effect, np.float64)
    return Coefficients(tuple(a.tolist()), tuple(b.tolist()), tuple(deff.tolist()), float(access_beta),
                        float(modes.road_speedup), float(modes.lambda_active), float(modes.lambda_transit))


@kernel
def _utilities(d, dens, metro_walk, road_share, a, b, deff, access_beta, road_speedup):
    """The five utilities of a trip of ``d`` km; ``metro_walk`` is the walk to the line at both ends."""
    inv_boost = 1.0 / (1.0 + road_speedup * road_share)
    u0 = a[0] + deff[0] * dens - b[0] * d
    u1 = a[1] + deff[1] * dens - b[1] * d
    u2 = a[2] + deff[2] * dens - b[2] * d * inv_boost
    u3 = a[3] + deff[3] * dens - b[3] * d - access_beta * metro_walk
    u4 = a[4] + deff[4] * dens - b[4] * d * inv_boost
    return u0, u1, u2, u3, u4


@kernel
def _pair(u_first, u_second, lam):
    """A two-alternative nest: its inclusive value and the share of its first alternative."""
    e = math.exp(-abs(u_first - u_second) / lam)
    share_high = 1.0 / (1.0 + e)
    first = share_high if u_first >= u_second else 1.0 - share_high
    return max(u_first, u_second) + lam * math.log(1.0 + e), first  # log(1 + e), e in (0, 1]: 2x log1p's speed


@kernel
def _nests(u0, u1, u2, u3, lam_active, lam_transit):
    """Inclusive values of the active and transit nests and the share of their first mode within them."""
    iv_a, q0 = _pair(u0, u1, lam_active)
    iv_t, q2 = _pair(u2, u3, lam_transit)
    return iv_a, q0, iv_t, q2


@kernel
def _weights(iv_a, iv_t, u4):
    """exp of the nests' inclusive values and the car's utility, relative to the larger of the first two
    (which is exactly 1): the car's may not be the largest, and car owners and others share them. The
    car's exponent is capped at 700 (exp would overflow past 709; utilities never differ by that much)."""
    e = math.exp(-abs(iv_a - iv_t))
    x_a = 1.0 if iv_a >= iv_t else e
    x_t = e if iv_a >= iv_t else 1.0
    return x_a, x_t, math.exp(min(u4 - max(iv_a, iv_t), 700.0))


@kernel
def _shares(q0, q2, x_a, x_t, x_car):
    """The five shares from the nests' weights (``x_car`` = 0 without a car) and the shares within them."""
    inv = 1.0 / (x_a + x_t + x_car)
    p_a, p_t = x_a * inv, x_t * inv
    return p_a * q0, p_a * (1.0 - q0), p_t * q2, p_t * (1.0 - q2), x_car * inv


@kernel
def _top(iv_a, q0, iv_t, q2, u4, has_car):
    """The five shares from the nests' inclusive values and the car's utility (its nest: car owners only)."""
    x_a, x_t, x_car = _weights(iv_a, iv_t, u4)
    return _shares(q0, q2, x_a, x_t, x_car if has_car else 0.0)


@kernel
def _nested_shares(u0, u1, u2, u3, u4, has_car, lam_active, lam_transit):
    """Nested-logit shares of the five modes (the car nest only for car owners)."""
    iv_a, q0, iv_t, q2 = _nests(u0, u1, u2, u3, lam_active, lam_transit)
    return _top(iv_a, q0, iv_t, q2, u4, has_car)


@kernel
def _trip(d, dens, metro_walk, road_share, has_car, a, b, deff, access_beta, road_speedup, lam_active, lam_transit):
    """Shares of one trip from the folded coefficients (the fields of a `Coefficients`)."""
    u0, u1, u2, u3, u4 = _utilities(d, dens, metro_walk, road_share, a, b, deff, access_beta, road_speedup)
    return _nested_shares(u0, u1, u2, u3, u4, has_car, lam_active, lam_transit)


def mode_shares(distance_km, hh_per_ha, metro_walk_home_km, metro_walk_dest_km, road_share, has_car,
                modes: ModeModel) -> np.ndarray:
    """Expected mode shares (5,) of one trip: what the kernels use, for checks and the app."""
    dens = math.log1p(float(hh_per_ha) / modes.density_ref_hh_ha)
    p = _trip(float(distance_km), dens, float(metro_walk_home_km) + float(metro_walk_dest_km), float(road_share),
              bool(has_car), *coefficients(modes))
    return np.array(p)


# --- other purposes: one evaluation per occupied block and car ownership --------------------------

@kernel
def _block_task(s, occupied, persons, log_density, home_walk, road_share, mean_km, dest_walk, trips_per_person,
                ef, a, b, deff, access_beta, road_speedup, lam_active, lam_transit, out_t, part):
    """Task ``s`` (occupied blocks s x SUB onwards): tCO2/yr per person of the non-work trips into ``out_t``
    (block, car) and the trips and pkm by mode of the blocks' persons into ``part[s]``. The nests'
    inclusive values are shared by the persons with and without a car; only the top level differs."""
    acc = np.zeros(part.shape[1])
    for k in range(s * SUB, min((s + 1) * SUB, occupied.shape[0])):
        blk = occupied[k]
        n0, n1 = persons[blk, 0], persons[blk, 1]
        grams0 = 0.0  # gCO2/yr per person without a car, and with one (scalars: no allocation per block)
        grams1 = 0.0
        for p in range(mean_km.shape[0]):
            walk = home_walk[blk] + dest_walk[p, blk]
            for q in range(2):
                d = mean_km[p, blk] * GAMMA2_NODES[q]
                trips = trips_per_person[p] * GAMMA2_WEIGHTS[q]
                u0, u1, u2, u3, u4 = _utilities(d, log_density[blk], walk, road_share[blk], a, b, deff,
                                                access_beta, road_speedup)
                iv_a, q0, iv_t, q2 = _nests(u0, u1, u2, u3, lam_active, lam_transit)
                x_a, x_t, x_car = _weights(iv_a, iv_t, u4)
                if n0 > 0.0:
                    sh = _shares(q0, q2, x_a, x_t, 0.0)
                    for m in range(NMODES):
                        grams0 += trips * d * sh[m] * ef[m]
                        acc[m] += n0 * trips * sh[m]
                        acc[NMODES + m] += n0 * trips * d * sh[m]
                if n1 > 0.0:
                    sh = _shares(q0, q2, x_a, x_t, x_car)
                    for m in range(NMODES):
                        grams1 += trips * d * sh[m] * ef[m]
                        acc[m] += n1 * trips * sh[m]
                        acc[NMODES + m] += n1 * trips * d * sh[m]
        out_t[blk, 0] = grams0 / 1e6
        out_t[blk, 1] = grams1 / 1e6
        acc[2 * NMODES] += n0 + n1
    for m in range(part.shape[1]):
        part[s, m] += acc[m]


@kernel(parallel=True)
def _block_pass(occupied, persons, log_density, home_walk, road_share, mean_km, dest_walk, trips_per_person,
                ef, a, b, deff, access_beta, road_speedup, lam_active, lam_transit, out_t, part):
    """Every task of `_block_task`, in parallel."""
    for s in prange(part.shape[0]):
        _block_task(s, occupied, persons, log_density, home_walk, road_share, mean_km, dest_walk, trips_per_person,
                    ef, a, b, deff, access_beta, road_speedup, lam_active, lam_transit, out_t, part)


class BlockTrips(NamedTuple):
    per_person_t: np.ndarray    # (blocks, 2): tCO2/yr per person of the non-work trips, without / with a car
    trips_by_mode: np.ndarray   # (5,) trips/yr of every person of the occupied blocks
    pkm_by_mode: np.ndarray     # (5,)
    persons: float


def block_trips(persons, log_density, home_walk_km, road_share, mean_km, dest_walk_km, *, trips_per_person,
                modes: ModeModel) -> BlockTrips:
    """Non-work trips of the persons of every block: tCO2/yr per person by car ownership, totals by mode.

    ``persons`` (blocks, 2): persons without / with a car per flat block; per block ``log_density``
    (ln(1 + households per ha / ref) at home), ``home_walk_km`` (walk to the metro at home),
    ``road_share`` (of the trip ends); per purpose and block (`PURPOSES`): ``mean_km`` (mean trip length)
    and ``dest_walk_km`` (walk to the metro at the destinations); ``trips_per_person`` (per purpose,
    trips a person makes a year).
    """
    persons = np.ascontiguousarray(persons, np.float64)
    nb = persons.shape[0]
    cols = [np.ascontiguousarray(x, np.float64).reshape(-1) for x in (log_density, home_walk_km, road_share)]
    fields = [np.ascontiguousarray(x, np.float64).reshape(NPURPOSES, -1) for x in (mean_km, dest_walk_km)]
    for arr in (*cols, *fields):
        if arr.shape[-1] != nb or persons.shape != (nb, 2):
            raise ValueError(f"block arrays disagree: {nb} blocks of persons, found {arr.shape[-1]}")
    rates = np.asarray(trips_per_person, np.float64)
    occupied = np.flatnonzero(persons[:, 0] + persons[:, 1] > 0)
    out_t = np.zeros((nb, 2))
    part = np.zeros((max(1, -(-len(occupied) // SUB)), _BLOCK_COLS))
    args = (occupied, persons, *cols, *fields, rates, np.asarray(modes.ef_g_pkm, np.float64), *coefficients(modes),
            out_t, part)
    if part.shape[0] > 1:
        _block_pass(*args)
    elif len(occupied):  # one task: on this thread (a parallel region's start can cost ~8 ms on a busy machine)
        _block_task(0, *args)
    s = part.sum(axis=0)
    return BlockTrips(out_t, s[:NMODES].copy(), s[NMODES:2 * NMODES].copy(), float(s[2 * NMODES]))


# --- households: the work trip, plus the block's other trips ------------------------------------
#
# A household costs about seven transcendental functions (a log for density, two exp and two log in the
# nests, two exp at the top) and little else, and numba's scalar exp and log are ~6x slower than numpy's
# SIMD ones. So households go in tasks of HH_TASK through four small numba stages (gather, utilities, nests,
# shares and totals), numpy's exp and log on the task's arrays between them. Tasks run on a pool
# of numba.get_num_threads() threads (the kernels and numpy release the GIL; a prange region per stage and
# task cost more than it saved on a busy machine). Values are elementwise and each task sums its own totals
# in a fixed order, so the results do not depend on the number of threads.


@kernel
def _block_of(h, cols, inv_cols, inv_b, bcols):
    """The flat block of flat cell ``h`` (blocks of ``1 / inv_b`` cells a side, ``bcols`` a row), by float
    reciprocals: exact for cells < 2^40, and faster than integer division."""
    row = math.floor((h + 0.5) * inv_cols)
    return np.int64(math.floor((row + 0.5) * inv_b)) * bcols + np.int64(math.floor((h - row * cols + 0.5) * inv_b))


@kernel
def _hh_gather(lo, hi, home, work, size, car, cols, inv_cols, b, bcols, firm_end,
               valid, hh_count, transit_km, road, cell_km, dens_scale, per_person_t, circuity, ok, other, km, dens, u):
    """Each household's home and work ends: its work trip's km, the density argument (1 + households per ha
    / ref, logged before `_hh_utilities`), the walk to the metro and road share (in ``u`` rows 0 and 1 until
    `_hh_utilities`) and the other purposes' tCO2/yr."""
    inv_b = 1.0 / b
    for k in range(hi - lo):  # the home cells first, in a tight loop: it keeps many cache misses in flight
        i = lo + k
        h = home[i]
        blk = _block_of(h, cols, inv_cols, inv_b, bcols)
        ok[k] = valid[h]
        other[k] = np.float64(size[i]) * per_person_t[blk, 1 if car[i] else 0]
        dens[k] = 1.0 + hh_count[h] * dens_scale
        u[0, k] = transit_km[h]
        u[1, k] = road[h]
    for k in range(hi - lo):  # then the work ends
        i = lo + k
        j = work[i]
        if j >= 0:
            h = home[i]
            row = math.floor((h + 0.5) * inv_cols)
            dr, dc = row - firm_end[j, 0], h - row * cols - firm_end[j, 1]
            km[k] = circuity * cell_km * max(math.sqrt(dr * dr + dc * dc), INTRA_CELL)
            u[0, k] += firm_end[j, 2]
            u[1, k] = 0.5 * (u[1, k] + firm_end[j, 3])
        else:
            km[k] = 0.0


@kernel
def _hh_utilities(n, km, dens, a, bb, deff, access_beta, road_speedup, lam_active, lam_transit, u, z):
    """The five utilities of each work trip into ``u`` and the nests' exponents -|du| / lambda into ``z``."""
    for k in range(n):
        u0, u1, u2, u3, u4 = _utilities(km[k], dens[k], u[0, k], u[1, k], a, bb, deff, access_beta, road_speedup)
        u[0, k], u[1, k], u[2, k], u[3, k], u[4, k] = u0, u1, u2, u3, u4
        z[0, k] = -abs(u0 - u1) / lam_active
        z[1, k] = -abs(u2 - u3) / lam_transit


@kernel
def _hh_nests(n, u, e, lg, lam_active, lam_transit, q, z):
    """From e = exp(z) and lg = log(1 + e) of each nest: the share of its first mode within it into ``q``,
    the top level's exponents into ``z`` (-|IV_a - IV_t| and the car's, capped at 700: exp overflows past
    709) and which nest leads into ``u`` row 0."""
    for k in range(n):
        high = 1.0 / (1.0 + e[0, k])
        q[0, k] = high if u[0, k] >= u[1, k] else 1.0 - high
        high = 1.0 / (1.0 + e[1, k])
        q[1, k] = high if u[2, k] >= u[3, k] else 1.0 - high
        iv_a = max(u[0, k], u[1, k]) + lam_active * lg[0, k]
        iv_t = max(u[2, k], u[3, k]) + lam_transit * lg[1, k]
        z[0, k] = -abs(iv_a - iv_t)
        z[1, k] = min(u[4, k] - max(iv_a, iv_t), 700.0)
        u[0, k] = 1.0 if iv_a >= iv_t else 0.0


@kernel
def _hh_totals(lo, hi, work, size, car, arrived, tick, work_trips, cpp, ef, ok, other, km, u, q, e, out_t, out_km,
               acc):
    """Shares from the top level's e = exp(z), each household's tCO2/yr, and the task's totals into ``acc``."""
    for k in range(hi - lo):
        i = lo + k
        out_t[i] = 0.0
        out_km[i] = 0.0
        if not ok[k]:
            continue
        t = other[k]
        if work[i] >= 0:
            lead = u[0, k] > 0.5
            x_a = 1.0 if lead else e[0, k]
            x_t = e[0, k] if lead else 1.0
            sh = _shares(q[0, k], q[1, k], x_a, x_t, e[1, k] if car[i] else 0.0)
            commuters = np.float64(size[i]) * cpp
            trips = commuters * work_trips
            d = km[k]
            g = 0.0
            for m in range(NMODES):
                g += sh[m] * ef[m]
                acc[4 + m] += trips * sh[m]
                acc[4 + NMODES + m] += trips * d * sh[m]
            t += trips * d * g / 1e6
            out_km[i] = d
            acc[2] += commuters
            acc[3] += commuters * d
        out_t[i] = t
        acc[0] += t
        if arrived[i] == tick:
            acc[1] += t


def _household_task(task, households, ends, cells, per_person_t, factors, coeffs, out_t, out_km, part):
    """One task of HH_TASK households through the stages; its totals into ``part[task]``."""
    home, work, size, car, arrived, tick = households
    lo, hi = task * HH_TASK, min((task + 1) * HH_TASK, home.shape[0])
    n = hi - lo
    ok = np.empty(n, np.bool_)
    other, km, dens = np.empty(n), np.empty(n), np.empty(n)
    u, z, e, lg, q = np.empty((5, n)), np.empty((2, n)), np.empty((2, n)), np.empty((2, n)), np.empty((2, n))
    a, bb, deff, access_beta, road_speedup, lam_active, lam_transit = coeffs
    _hh_gather(lo, hi, home, work, size, car, *ends, *cells, per_person_t, factors[0], ok, other, km, dens, u)
    np.log(dens, out=dens)
    _hh_utilities(n, km, dens, a, bb, deff, access_beta, road_speedup, lam_active, lam_transit, u, z)
    np.exp(z, out=e)
    np.add(e, 1.0, out=lg)
    np.log(lg, out=lg)
    _hh_nests(n, u, e, lg, lam_active, lam_transit, q, z)
    np.exp(z, out=e)
    _hh_totals(lo, hi, work, size, car, arrived, tick, *factors[1:], ok, other, km, u, q, e, out_t, out_km, part[task])


def _household_pass(households, ends, cells, per_person_t, factors, coeffs, out_t, out_km, part):
    """Every task, on numba.get_num_threads() threads (on this one below `SERIAL_BELOW` households)."""
    n = households[0].shape[0]
    tasks = range(part.shape[0] if n else 0)
    run = partial(_household_task, households=households, ends=ends, cells=cells, per_person_t=per_person_t,
                  factors=factors, coeffs=coeffs, out_t=out_t, out_km=out_km, part=part)
    threads = 1 if runs_alone(n) else min(numba.get_num_threads(), len(tasks))
    if threads <= 1:
        for task in tasks:
            run(task)
        return
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, tasks))


class HouseholdTravel(NamedTuple):
    household_t: np.ndarray     # tCO2/yr per household: work trips + other purposes (0 where home is outside)
    household_km: np.ndarray    # one-way work trip km per household (0 without a job)
    total_t: float
    arrived_t: float            # of households with arrived_tick == tick
    commuters: float            # persons commuting (expected)
    commuter_km: float          # sum over commuters of one-way km (mean = commuter_km / commuters)
    work_trips_by_mode: np.ndarray  # (5,) work trips/yr by mode
    work_pkm_by_mode: np.ndarray    # (5,) work pkm/yr by mode


def household_travel(home, work, size, car, arrived_tick, *, tick: int, firm_site, valid, hh_count, transit_dist_km,
                     road, cols: int, cell_km: float, block_cells: int, per_person_t, workdays_per_year: float,
                     commuters_per_person: float, modes: ModeModel, out_t: np.ndarray | None = None,
                     out_km: np.ndarray | None = None) -> HouseholdTravel:
    """Annual travel CO2 per household (t) and the work trips' totals.

    ``home`` flat home cell; ``work`` the employer's row in the firm table (-1 = no job: no work trips)
    and ``firm_site`` the firms' flat cells; ``size`` persons; ``car`` ownership; the arrived cohort is
    ``arrived_tick == tick``. Cell arrays (flat or grid-shaped): ``valid``, ``hh_count`` households per
    cell (density at home), ``transit_dist_km`` walk to the metro, ``road``. ``block_cells`` is the side
    of a block in cells and ``per_person_t`` (blocks, 2) the other purposes' tCO2/yr per person by car
    ownership (`block_trips`). Each commuter makes 2 trips per workday.
    """
    home, work, car = _flat(home, np.int64), _flat(work, np.int64), _flat(car, np.bool_)
    size, arrived = _flat(size, np.int16), _flat(arrived_tick, np.int32)
    n = home.shape[0]
    for name, arr in (("work", work), ("size", size), ("car", car), ("arrived_tick", arrived)):
        if arr.shape[0] != n:
            raise ValueError(f"{name} has {arr.shape[0]} rows, home has {n}")
    v, tr, rd = _flat(valid, np.bool_), _flat(transit_dist_km, np.float32), _flat(road, np.bool_)
    hh = np.ascontiguousarray(hh_count).reshape(-1)
    ncell = v.shape[0]
    for name, arr in (("hh_count", hh), ("transit_dist_km", tr), ("road", rd)):
        if arr.shape[0] != ncell:
            raise ValueError(f"{name} has {arr.shape[0]} cells, valid has {ncell}")
    if cols <= 0 or ncell % cols:
        raise ValueError(f"{ncell} cells is not a whole number of rows of {cols} columns")
    site = _flat(firm_site, np.int64)
    check_index("home", home, ncell, allow_negative=False)
    check_index("firm_site", site, ncell, allow_negative=False)
    check_index("work", work, site.shape[0], allow_negative=True)
    bcols = -(-cols // block_cells)
    n_blocks = -(-(ncell // cols) // block_cells) * bcols
    per_person_t = np.ascontiguousarray(per_person_t, np.float64)
    if per_person_t.shape != (n_blocks, 2):
        raise ValueError(f"per_person_t has shape {per_person_t.shape}; expected ({n_blocks}, 2): one row a block")
    # the work end of every trip, per firm, in one row (row, col, walk to the metro, road): a household's
    # lookup is one cache line, not four (households index firms at random)
    row, col = np.divmod(site, cols)
    firm_end = np.stack([row.astype(np.float64), col.astype(np.float64), tr[site].astype(np.float64),
                         rd[site].astype(np.float64)], axis=1)
    out_t = np.empty(n, np.float64) if out_t is None else out_t
    out_km = np.empty(n, np.float32) if out_km is None else out_km
    for name, o in (("out_t", out_t), ("out_km", out_km)):
        if o.shape != (n,) or o.dtype not in (np.float32, np.float64):
            raise ValueError(f"{name} must be a float32/float64 array of {n} rows")
    part = np.zeros((max(1, -(-n // HH_TASK)), _HH_COLS))
    households = (home, work, size, car, arrived, np.int32(tick))
    ends = (float(cols), 1.0 / cols, np.int64(block_cells), np.int64(bcols), firm_end)
    cells = (v, hh, tr, rd, float(cell_km), 1.0 / ((cell_km * 100.0) ** 2 * modes.density_ref_hh_ha))
    factors = (float(modes.circuity), 2.0 * workdays_per_year, float(commuters_per_person),
               np.asarray(modes.ef_g_pkm, np.float64))
    _household_pass(households, ends, cells, per_person_t, factors, coefficients(modes), out_t, out_km, part)
    s = part.sum(axis=0)
    return HouseholdTravel(out_t, out_km, float(s[0]), float(s[1]), float(s[2]), float(s[3]),
                           s[4:4 + NMODES].copy(), s[4 + NMODES:].copy())


# --- scatter helpers: households per cell and per block, sums into cell maps ----------------------

@kernel
def _count_kernel(index, out):
    out[:] = 0
    for i in range(index.shape[0]):
        out[index[i]] += 1


def households_per_cell(home, n_cells: int, out: np.ndarray | None = None) -> np.ndarray:
    """Households living in each cell (int32, flat), for density at home."""
    home = _flat(home, np.int64)
    check_index("home", home, n_cells, allow_negative=False)
    out = np.empty(n_cells, np.int32) if out is None else out
    _count_kernel(home, out)
    return out


@kernel(parallel=True)
def _persons_kernel(home, size, car, valid, cols, b, bcols, out):
    """``out`` (parts, blocks, 2): part t counts the t-th of ``parts`` equal slices of the households, so
    the threads never write the same place; the caller sums the parts (whole numbers: exact in any order)."""
    inv_cols, inv_b = 1.0 / cols, 1.0 / b
    n, parts = home.shape[0], out.shape[0]
    for t in prange(parts):
        for i in range(t * n // parts, (t + 1) * n // parts):
            h = home[i]
            if valid[h]:
                out[t, _block_of(h, cols, inv_cols, inv_b, bcols), 1 if car[i] else 0] += size[i]


def persons_by_block(home, size, car, valid, *, cols: int, block_cells: int, n_blocks: int) -> np.ndarray:
    """Persons per flat block (blocks, 2): without / with a car; homes outside the area do not count."""
    home, size, car, v = _flat(home, np.int64), _flat(size, np.int16), _flat(car, np.bool_), _flat(valid, np.bool_)
    check_index("home", home, v.shape[0], allow_negative=False)
    with threads_for(home.shape[0]):  # one part a thread: a single one on small work
        out = np.zeros((numba.get_num_threads(), n_blocks, 2))
        _persons_kernel(home, size, car, v, np.int64(cols), np.int64(block_cells), np.int64(-(-cols // block_cells)),
                        out)
    return out[0] if out.shape[0] == 1 else out.sum(axis=0)


@kernel
def _add_at_kernel(index, weights, out):
    for i in range(index.shape[0]):
        j = index[i]
        if j >= 0:
            out[j] += weights[i]


def add_at(index, weights, out: np.ndarray) -> np.ndarray:
    """``out[index] += weights`` with repeats summed and negative indices skipped (maps by cell)."""
    index = _flat(index, np.int64)
    weights = np.ascontiguousarray(weights).reshape(-1)
    if weights.shape != index.shape:
        raise ValueError(f"weights has {weights.shape[0]} rows, index has {index.shape[0]}")
    check_index("index", index, out.size, allow_negative=True)
    _add_at_kernel(index, weights, out.reshape(-1))
    return out


def _flat(a, dtype) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dtype).reshape(-1)


def check_index(name: str, index: np.ndarray, size: int, *, allow_negative: bool) -> None:
    """Numba does not bounds-check: refuse indices outside [0, size) (or < -1 where -1 means none)."""
    if index.size == 0:
        return
    lo, hi = int(index.min()), int(index.max())
    if hi >= size or lo < (-1 if allow_negative else 0):
        raise ValueError(f"{name} holds indices from {lo} to {hi}; expected 0..{size - 1}"
                         + (" or -1" if allow_negative else ""))

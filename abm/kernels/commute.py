"""Commuting CO2 per household: distance home -> job, a deterministic mode split, factors per pkm.

Why this shape: travel-demand models price a trip by door-to-door time per mode and share trips by a
multinomial logit; here the expected shares are used directly (no random draw), so a tick's commute
emissions are a smooth function of the layout: density at home, distance, transit access at both ends,
roads and car ownership (DESIGN.md 3). Distances are straight lines between cell centres x a circuity
factor; a trip inside one cell is 0.5214 cell sides (the mean distance between two random points of a
square). Modes, in kernel order: walk/cycle, e-bike, bus, metro/rail, car (car owners only).

Utility of mode m: ``asc_m - beta x time_m + density_effect_m x ln(1 + hh_per_ha / density_ref)`` with
time in minutes: walk/cycle and e-bike ``60 d / v``; bus ``walk to min(transit, bus_stop) at both ends +
wait + 60 d / (v (1 + road_speedup x road ends share))``; metro ``walk to transit at both ends + wait +
60 d / v``; car ``terminal time + 60 d / (v (1 + road_speedup x road ends share))``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import prange

from abm.kernels._jit import kernel

NMODES = 5
#: households per pass: their utilities (5 x CHUNK float64, 640 kB) stay in the core's cache between passes
CHUNK = 16384
#: households per parallel task inside a pass; totals are summed per task in a fixed order, so they do not
#: depend on the number of threads
SUB = 2048
#: mean distance between two random points in a unit square: the length of a trip inside one cell
INTRA_CELL = 0.5214054331647207


class CommuteResult(NamedTuple):
    household_t: np.ndarray     # tCO2/yr per household (0 where no commute or home outside the area)
    household_km: np.ndarray    # one-way trip length per household, km (0 where no commute)
    new_t: float                # tCO2/yr of households with located_tick == tick
    stock_t: float              # tCO2/yr of the others
    commuters: float            # persons commuting (expected)
    commuter_km: float          # sum over commuters of one-way km (mean = commuter_km / commuters)
    trips_by_mode: np.ndarray   # (5,) commuters x expected share: mode shares = this / commuters
    pkm_by_mode: np.ndarray     # (5,) pkm/yr by mode


class ModeSplit(NamedTuple):
    """The mode-split and trip factors of one year, as arrays (see `CarbonYear`)."""

    ef_g_pkm: np.ndarray        # (5,) gCO2/pkm
    speed_kmh: np.ndarray       # (5,)
    asc: np.ndarray             # (5,) utils
    density_effect: np.ndarray  # (5,) utils per ln(1 + density / ref)
    wait_min: np.ndarray        # (5,) fixed minutes per trip (waits, car terminal time)
    beta_per_min: float
    access_walk_kmh: float
    bus_stop_km: float
    road_speedup: float
    density_ref_hh_ha: float
    circuity: float
    workdays_per_year: float
    commuters_per_person: float

    @classmethod
    def from_year(cls, y) -> ModeSplit:
        """From a `CarbonYear` (abm.carbon_params)."""
        f = np.asarray
        return cls(f(y.ef_g_pkm, np.float64), f(y.speed_kmh, np.float64), f(y.asc, np.float64),
                   f(y.density_effect, np.float64), f(y.wait_min, np.float64), float(y.beta_per_min),
                   float(y.access_walk_kmh), float(y.bus_stop_km), float(y.road_speedup),
                   float(y.density_ref_hh_ha), float(y.circuity), float(y.workdays_per_year),
                   float(y.commuters_per_person))


@kernel
def _utilities(d, dens, acc_h, acc_w, road_share, has_car, a, b, deff, access_beta, bus_stop_km, road_speedup):
    """Mode utilities (5) of one trip of ``d`` km, less their maximum so that ``exp`` cannot overflow; the
    car (last) is -inf for households without one. a = asc - beta x wait, b = beta x min/km."""
    inv_boost = 1.0 / (1.0 + road_speedup * road_share)
    bus_h = min(acc_h, bus_stop_km)
    bus_w = min(acc_w, bus_stop_km)
    u0 = a[0] + deff[0] * dens - b[0] * d
    u1 = a[1] + deff[1] * dens - b[1] * d
    u2 = a[2] + deff[2] * dens - b[2] * d * inv_boost - access_beta * (bus_h + bus_w)
    u3 = a[3] + deff[3] * dens - b[3] * d - access_beta * (acc_h + acc_w)
    u4 = a[4] + deff[4] * dens - b[4] * d * inv_boost if has_car else -np.inf
    m = max(max(u0, u1), max(u2, u3), u4)
    return u0 - m, u1 - m, u2 - m, u3 - m, u4 - m


@kernel(parallel=True)
def _utility_pass(lo, hi, home, work, car, cols, inv_cols, firm_row, firm_col, firm_transit, firm_road, valid,
                  log_density, transit_km, road, cell_km, a, b, deff, access_beta, bus_stop_km, road_speedup, circuity,
                  u, d):
    """Households lo..hi-1: shifted utilities into ``u`` (mode, household) and trip km into ``d`` (from
    0); d = -1 marks a household without a commute (no job, or home outside the area), whose utilities
    are 0. Branch-free (a household without a job is computed with the placeholder firm, then masked):
    cheaper than a mispredicted branch."""
    for s in prange((hi - lo + SUB - 1) // SUB):
        start, stop = lo + s * SUB, min(lo + (s + 1) * SUB, hi)
        # home-cell attributes first, in a tight gather loop: on a large grid it keeps many cache misses
        # in flight, which the heavier loop below cannot
        home_ok = np.empty(stop - start, np.bool_)
        home_density = np.empty(stop - start)
        home_transit = np.empty(stop - start)
        home_road = np.empty(stop - start)
        for i in range(start, stop):
            h = home[i]
            home_ok[i - start] = valid[h]
            home_density[i - start] = log_density[h]
            home_transit[i - start] = transit_km[h]
            home_road[i - start] = road[h]
        for i in range(start, stop):
            k = i - lo
            h = home[i]
            j = work[i] if work[i] >= 0 else firm_row.shape[0] - 1  # the last firm row: a placeholder
            skip = (work[i] < 0) | (not home_ok[i - start])
            home_row = math.floor((h + 0.5) * inv_cols)  # exact for h < 2^40; integer division is slower
            dr = home_row - firm_row[j]
            dc = h - home_row * cols - firm_col[j]
            km = circuity * cell_km * max(math.sqrt(dr * dr + dc * dc), INTRA_CELL)
            road_share = 0.5 * (home_road[i - start] + np.float64(firm_road[j]))
            u0, u1, u2, u3, u4 = _utilities(km, home_density[i - start], home_transit[i - start],
                                            np.float64(firm_transit[j]), road_share, car[i], a, b, deff,
                                            access_beta, bus_stop_km, road_speedup)
            d[k] = -1.0 if skip else km
            u[0, k] = 0.0 if skip else u0
            u[1, k] = 0.0 if skip else u1
            u[2, k] = 0.0 if skip else u2
            u[3, k] = 0.0 if skip else u3
            u[4, k] = 0.0 if skip else u4


@kernel(parallel=True)
def _emission_pass(lo, hi, size, located, tick, x, d, ef, trips_per_commuter, commuters_per_person, out_t, out_km,
                   part):
    """Households lo..hi-1 from ``x`` = exp(shifted utilities): shares, tCO2 and km per household, and the
    totals of each block of SUB households added into its row of ``part``."""
    for s in prange((hi - lo + SUB - 1) // SUB):
        acc = np.zeros(part.shape[1])
        for i in range(lo + s * SUB, min(lo + (s + 1) * SUB, hi)):
            k = i - lo
            if d[k] < 0.0:
                out_t[i] = 0.0
                out_km[i] = 0.0
                continue
            inv = 1.0 / (x[0, k] + x[1, k] + x[2, k] + x[3, k] + x[4, k])
            commuters = np.float64(size[i]) * commuters_per_person
            pkm = commuters * trips_per_commuter * d[k]
            g = 0.0
            for m in range(NMODES):
                p = x[m, k] * inv
                g += p * ef[m]
                acc[4 + m] += commuters * p
                acc[4 + NMODES + m] += pkm * p
            t = pkm * g / 1e6
            out_t[i] = t
            out_km[i] = d[k]
            if located[i] == tick:
                acc[0] += t
            else:
                acc[1] += t
            acc[2] += commuters
            acc[3] += commuters * d[k]
        for m in range(part.shape[1]):
            part[s, m] += acc[m]


def _coefficients(modes: ModeSplit):
    """Utility coefficients folded once per call: a = asc - beta x wait, b = beta x 60 / speed (per km).

    Tuples, not arrays: the kernels then hold them in registers (an array might alias the outputs, so
    the compiler would reload it for every household)."""
    beta = modes.beta_per_min
    a = np.asarray(modes.asc, np.float64) - beta * np.asarray(modes.wait_min, np.float64)
    b = beta * 60.0 / np.asarray(modes.speed_kmh, np.float64)
    deff = np.asarray(modes.density_effect, np.float64)
    return tuple(a.tolist()), tuple(b.tolist()), tuple(deff.tolist()), beta * 60.0 / modes.access_walk_kmh


def commute_emissions(home, work, size, car, located_tick, *, tick: int, firm_site, valid, hh_count,
                      transit_dist_km, road, cols: int, cell_km: float, modes: ModeSplit,
                      out_t: np.ndarray | None = None, out_km: np.ndarray | None = None) -> CommuteResult:
    """Annual commute CO2 per household (t) and totals by cohort and mode.

    ``home`` is the flat home cell, ``work`` the employer's row in the firm table (-1 = no job: no
    commute) and ``firm_site`` the firms' flat cells; ``size`` persons; ``car`` ownership; the new cohort is
    ``located_tick == tick``. Cell arrays (flat or grid-shaped): ``valid``, ``hh_count`` households per
    cell (`households_per_cell`), ``transit_dist_km`` walk to transit, ``road``. ``cell_km`` is the cell
    side in km. Each commuter makes 2 trips per workday.
    """
    home = _flat(home, np.int64)
    work = _flat(work, np.int64)
    size = _flat(size, np.int16)
    car = _flat(car, np.bool_)
    located = _flat(located_tick, np.int32)
    n = home.shape[0]
    for name, arr in (("work", work), ("size", size), ("car", car), ("located_tick", located)):
        if arr.shape[0] != n:
            raise ValueError(f"{name} has {arr.shape[0]} rows, home has {n}")
    v = _flat(valid, np.bool_)
    ncell = v.shape[0]
    hh = np.ascontiguousarray(hh_count).reshape(-1)  # any integer type: only its non-zero cells are read
    tr = _flat(transit_dist_km, np.float32)
    rd = _flat(road, np.bool_)
    for name, arr in (("hh_count", hh), ("transit_dist_km", tr), ("road", rd)):
        if arr.shape[0] != ncell:
            raise ValueError(f"{name} has {arr.shape[0]} cells, valid has {ncell}")
    if cols <= 0 or ncell % cols:
        raise ValueError(f"{ncell} cells is not a whole number of rows of {cols} columns")
    site = _flat(firm_site, np.int64)
    _check_index("home", home, ncell, allow_negative=False)
    _check_index("firm_site", site, ncell, allow_negative=False)
    _check_index("work", work, site.shape[0], allow_negative=True)
    # the work end of every trip, per firm: small arrays that stay in cache (households index them), with
    # a placeholder last row that households without a job read
    row, col = np.divmod(np.append(site, 0), cols)
    firm_row, firm_col = row.astype(np.float64), col.astype(np.float64)
    firm_transit = np.append(tr[site], np.float32(0))
    firm_road = np.append(rd[site], False)
    out_t = np.empty(n, np.float64) if out_t is None else out_t
    out_km = np.empty(n, np.float32) if out_km is None else out_km
    for name, o in (("out_t", out_t), ("out_km", out_km)):
        if o.shape != (n,) or o.dtype not in (np.float32, np.float64):
            raise ValueError(f"{name} must be a float32/float64 array of {n} rows")
    cell_ha = (cell_km * 100.0) ** 2
    a, b, deff, access_beta = _coefficients(modes)
    # the density term once per occupied cell (a log per cell, not per household)
    occupied = np.flatnonzero(hh)
    log_density = np.zeros(ncell, np.float64)
    log_density[occupied] = np.log1p(hh[occupied] * (1.0 / (cell_ha * modes.density_ref_hh_ha)))
    ef = np.asarray(modes.ef_g_pkm, np.float64)
    # chunk by chunk: utilities in numba, exp in numpy (SIMD, ~5x numba's scalar exp), shares in numba
    u = np.empty((NMODES, min(n, CHUNK)), np.float64)
    d = np.empty(min(n, CHUNK), np.float64)
    part = np.zeros((-(-CHUNK // SUB), 4 + 2 * NMODES))
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        _utility_pass(lo, hi, home, work, car, float(cols), 1.0 / cols, firm_row, firm_col, firm_transit, firm_road, v,
                      log_density, tr, rd, float(cell_km), a, b, deff, float(access_beta), float(modes.bus_stop_km),
                      float(modes.road_speedup), float(modes.circuity), u, d)
        np.exp(u[:, :hi - lo], out=u[:, :hi - lo])
        _emission_pass(lo, hi, size, located, np.int64(tick), u, d, ef, 2.0 * modes.workdays_per_year,
                       float(modes.commuters_per_person), out_t, out_km, part)
    s = part.sum(axis=0)
    return CommuteResult(out_t, out_km, float(s[0]), float(s[1]), float(s[2]), float(s[3]),
                         s[4:4 + NMODES].copy(), s[4 + NMODES:].copy())


def mode_shares(distance_km, hh_per_ha, transit_home_km, transit_work_km, road_share, has_car,
                modes: ModeSplit) -> np.ndarray:
    """Expected mode shares (5,) of one trip: what the commute kernel uses, for checks and the app."""
    a, b, deff, access_beta = _coefficients(modes)
    dens = math.log1p(float(hh_per_ha) / modes.density_ref_hh_ha)
    x = np.exp(np.array(_utilities(float(distance_km), dens, float(transit_home_km), float(transit_work_km),
                                   float(road_share), bool(has_car), a, b, deff, float(access_beta),
                                   float(modes.bus_stop_km), float(modes.road_speedup))))
    return x / x.sum()


# --- scatter helpers: households per cell, sums into cell maps ---------------------------

@kernel
def _count_kernel(index, out):
    out[:] = 0
    for i in range(index.shape[0]):
        out[index[i]] += 1


def households_per_cell(home, n_cells: int, out: np.ndarray | None = None) -> np.ndarray:
    """Households living in each cell (int32, flat), for density at home."""
    home = _flat(home, np.int64)
    _check_index("home", home, n_cells, allow_negative=False)
    out = np.empty(n_cells, np.int32) if out is None else out
    _count_kernel(home, out)
    return out


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
    _check_index("index", index, out.size, allow_negative=True)
    _add_at_kernel(index, weights, out.reshape(-1))
    return out


def _flat(a, dtype) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dtype).reshape(-1)


def _check_index(name: str, index: np.ndarray, size: int, *, allow_negative: bool) -> None:
    """Numba does not bounds-check: refuse indices outside [0, size) (or < -1 where -1 means none)."""
    if index.size == 0:
        return
    lo, hi = int(index.min()), int(index.max())
    if hi >= size or lo < (-1 if allow_negative else 0):
        raise ValueError(f"{name} holds indices from {lo} to {hi}; expected 0..{size - 1}"
                         + (" or -1" if allow_negative else ""))

"""Land carbon per cell: stored carbon (InVEST's four pools) and its change over a year.

Why stocks and their change: InVEST's carbon model maps what each land class stores (above- and
below-ground biomass, soil, dead matter, tC/ha) and counts sequestration as the difference between
two maps. Here every cell keeps its stock from one tick to the next; its removal this tick is the
change of that stock (a growing stand's increment, a felled stand's loss, the small yearly soil
change of the other classes), so storage and removals always agree.

A forest stand's live pools (biomass and dead matter) follow its age on a logistic curve shifted to
start at zero: ``s(a) = (L(a) - L(0)) / (1 - L(0))`` with ``L(a) = 1 / (1 + exp(-r (a - a_half)))``,
so a planted or felled stand starts empty and tends to a mature stand; a fixed forest's uptake rises
while its stands are young, peaks at ``a_half`` and falls as they mature (DESIGN.md 1, point 4).
The live pools of a stand are ``forest_live_tc_ha x s(a)`` (tC/ha). Other classes hold their pools'
live carbon and change their soil by a fixed yearly flux (negative = a source, as cropland).

>>> round(float(stand_fraction(0.0, rate_per_yr=0.03, half_age_yr=40.0)), 6)
0.0
>>> round(float(stand_fraction(40.0, rate_per_yr=0.03, half_age_yr=40.0)), 3)
0.349
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import prange

from abm.kernels._jit import kernel, threads_for

NCHUNK = 64
CO2_PER_C = 44.0 / 12.0
#: whole-year ages below this read a table (the model ages stands a year per tick); others the formula
AGE_TABLE = 1024


class LandStep(NamedTuple):
    sink_t: float      # tCO2 removed this tick over the valid cells (negative: released)
    storage_t: float   # tC stored at the end of the tick over the valid cells
    felled_t: float    # tCO2 of the stands felled this tick (forest cells at age 0 that lost carbon)


@kernel
def _fraction(age, rate, half_age):
    a = max(age, 0.0)
    l0 = 1.0 / (1.0 + math.exp(rate * half_age))
    la = 1.0 / (1.0 + math.exp(-rate * (a - half_age)))
    return (la - l0) / (1.0 - l0)


def stand_fraction(age_yr, *, rate_per_yr: float, half_age_yr: float):
    """``s(a)``: a stand's live carbon as a share of a mature stand's (0 at age 0, towards 1)."""
    a = np.maximum(np.asarray(age_yr, np.float64), 0.0)
    l0 = 1.0 / (1.0 + np.exp(rate_per_yr * half_age_yr))
    return (1.0 / (1.0 + np.exp(-rate_per_yr * (a - half_age_yr))) - l0) / (1.0 - l0)


def mean_stand_fraction(age_min, age_max, share, *, rate_per_yr: float, half_age_yr: float) -> float:
    """The area-weighted mean of ``s(a)`` over an age-class table (whole-year ages, uniform in a class)."""
    total = 0.0
    for lo, hi, w in zip(np.asarray(age_min), np.asarray(age_max), np.asarray(share, np.float64)):
        ages = np.arange(int(lo), int(hi) + 1, dtype=np.float64)
        total += w * float(stand_fraction(ages, rate_per_yr=rate_per_yr, half_age_yr=half_age_yr).mean())
    return total / float(np.sum(share))


@kernel
def _table(scale, rate, half_age):
    table = np.empty(AGE_TABLE)
    for a in range(AGE_TABLE):
        table[a] = scale * _fraction(np.float64(a), rate, half_age)
    return table


@kernel
def _forest_live(age, table, scale, rate, half_age):
    whole = int(age) if 0.0 <= age < AGE_TABLE else -1
    if whole >= 0 and whole == age:
        return table[whole]
    return scale * _fraction(age, rate, half_age)


@kernel(parallel=True)
def _step_kernel(land_cover, forest_age, valid, live, flux, forest_code, scale, rate, half_age, co2_cell,
                 storage, soil, sink_out):
    n = land_cover.shape[0]
    ncode = live.shape[0]
    table = _table(scale, rate, half_age)
    part = np.zeros((NCHUNK, 4))
    for c in prange(NCHUNK):
        lo = c * n // NCHUNK
        hi = (c + 1) * n // NCHUNK
        removed = stored = felled = bad = 0.0
        for i in range(lo, hi):
            if not valid[i]:
                sink_out[i] = 0.0
                continue
            lc = land_cover[i]
            if lc >= ncode:  # reported by the wrapper
                bad += 1.0
                sink_out[i] = 0.0
                continue
            s0 = soil[i]
            if lc == forest_code:
                age = forest_age[i]
                now = _forest_live(np.float64(age), table, scale, rate, half_age)
                d = now - (storage[i] - s0)
                if age == 0.0 and d < 0.0:
                    felled -= d
                new = now + s0
            else:
                f = flux[lc]
                now = live[lc]
                d = now - (storage[i] - s0) + f  # change of live carbon, plus the soil's flux
                new = now + s0 + f
                soil[i] = s0 + f
            storage[i] = new
            sink_out[i] = d * co2_cell
            removed += d
            stored += new
        part[c, 0] = removed
        part[c, 1] = stored
        part[c, 2] = felled
        part[c, 3] = bad
    return part


def _flat(a, dtype, n, name):
    out = np.ascontiguousarray(a, dtype).reshape(-1)
    if out.shape[0] != n:
        raise ValueError(f"{name} has {out.shape[0]} cells; valid has {n}")
    return out


def land_step(land_cover, forest_age, valid, storage, soil, *, live_tc_ha, flux_tc_ha, forest_code: int,
              forest_live_tc_ha: float, rate_per_yr: float, half_age_yr: float, cell_ha: float,
              sink_out: np.ndarray) -> LandStep:
    """One year of every valid cell, in place: ``storage`` and ``soil`` (tC/ha, float64) go from the end of
    the last tick to the end of this one; ``sink_out`` gets each cell's change (tCO2 per cell). ``live_tc_ha``
    (above + below + dead) and ``flux_tc_ha`` (soil change, tC/ha/yr) are indexed by land-cover code;
    forest follows ``forest_live_tc_ha x s(age)`` instead."""
    v = np.ascontiguousarray(valid, np.bool_).reshape(-1)
    n = v.shape[0]
    lc = _flat(land_cover, np.uint8, n, "land_cover")
    age = _flat(forest_age, np.float32, n, "forest_age")
    for name, arr, dtype in (("storage", storage, np.float64), ("soil", soil, np.float64),
                             ("sink_out", sink_out, np.float32)):
        if arr.size != n or arr.dtype != dtype or not arr.flags.c_contiguous:
            raise ValueError(f"{name} must be a contiguous {np.dtype(dtype).name} array of {n} cells")
    live = np.asarray(live_tc_ha, np.float64)
    flux = np.asarray(flux_tc_ha, np.float64)
    if live.shape != flux.shape:
        raise ValueError(f"live_tc_ha has {live.shape[0]} classes, flux_tc_ha {flux.shape[0]}")
    with threads_for(v.shape[0]):
        part = _step_kernel(lc, age, v, live, flux, np.uint8(forest_code), float(forest_live_tc_ha),
                            float(rate_per_yr), float(half_age_yr), float(cell_ha) * CO2_PER_C, storage.reshape(-1),
                            soil.reshape(-1), sink_out.reshape(-1))
    s = part.sum(axis=0)
    if s[3]:
        raise ValueError(f"{int(s[3])} valid cells hold a land-cover code >= {live.shape[0]}, the number of "
                         "classes of the carbon pools")
    return LandStep(float(s[0]) * CO2_PER_C * cell_ha, float(s[1]) * cell_ha, float(s[2]) * CO2_PER_C * cell_ha)


@kernel(parallel=True)
def _initial_kernel(cover, forest_age, age_shift, valid, live, soil_tab, forest_code, scale, rate, half_age,
                    storage_out, soil_out):
    n = cover.shape[0]
    ncode = live.shape[0]
    table = _table(scale, rate, half_age)
    bad = np.zeros(NCHUNK)
    for c in prange(NCHUNK):
        for i in range(c * n // NCHUNK, (c + 1) * n // NCHUNK):
            lc = cover[i]
            if not valid[i] or lc >= ncode:
                bad[c] += 1.0 if valid[i] else 0.0
                storage_out[i] = 0.0
                soil_out[i] = 0.0
                continue
            s0 = soil_tab[lc]
            if lc == forest_code:
                now = _forest_live(max(np.float64(forest_age[i]) - age_shift, 0.0), table, scale, rate, half_age)
            else:
                now = live[lc]
            soil_out[i] = s0
            storage_out[i] = now + s0
    return bad.sum()


def initial_storage(cover, forest_age, valid, *, live_tc_ha, soil_tc_ha, forest_code: int, forest_live_tc_ha: float,
                    rate_per_yr: float, half_age_yr: float, age_shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(storage, soil), flat float64 tC/ha: every valid cell at its class's pools, forest by stand age (less
    `age_shift` years, at least 0: the stock of a year ago with ``age_shift = 1``)."""
    v = np.ascontiguousarray(valid, np.bool_).reshape(-1)
    n = v.shape[0]
    lc = _flat(cover, np.uint8, n, "cover")
    age = _flat(forest_age, np.float32, n, "forest_age")
    live = np.asarray(live_tc_ha, np.float64)
    storage, soil = np.empty(n), np.empty(n)
    with threads_for(n):
        bad = _initial_kernel(lc, age, float(age_shift), v, live, np.asarray(soil_tc_ha, np.float64),
                              np.uint8(forest_code), float(forest_live_tc_ha), float(rate_per_yr), float(half_age_yr),
                              storage, soil)
    if bad:
        raise ValueError(f"{int(bad)} valid cells hold a land-cover code >= {live.shape[0]}, the number of "
                         "classes of the carbon pools")
    return storage, soil


@kernel
def _age_kernel(forest_age, cells, rotation, out):
    k = 0
    for j in range(cells.shape[0]):
        c = cells[j]
        before = forest_age[c]
        after = before + np.float32(1.0)
        forest_age[c] = after
        if rotation > 0.0 and before < rotation <= after:
            out[k] = c
            k += 1
    return k


def age_stands(forest_age: np.ndarray, cells: np.ndarray, rotation_age_yr: float) -> np.ndarray:
    """Every stand in ``cells`` (flat indices) grows a year older, in place; returns the cells that reached
    ``rotation_age_yr`` this year (none if it is 0)."""
    if forest_age.dtype != np.float32 or not forest_age.flags.c_contiguous:
        raise ValueError("forest_age must be a contiguous float32 array")
    flat = forest_age.reshape(-1)
    cells = np.ascontiguousarray(cells, np.int64)
    if cells.size and (cells.min() < 0 or cells.max() >= flat.shape[0]):
        raise ValueError(f"cells holds indices outside 0..{flat.shape[0] - 1}")
    out = np.empty(cells.shape[0], np.int64)
    k = _age_kernel(flat, cells, float(rotation_age_yr), out)
    return out[:k]

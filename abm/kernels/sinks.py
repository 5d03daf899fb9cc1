"""Carbon sinks per cell: removal rate by land cover; forest by stand age from a logistic biomass curve.

Why a growth curve: a forest's uptake is the growth of its biomass, so a fixed forest area's sink rises
while young stands grow, peaks at the fastest growth and falls as the stand nears its maximum biomass
(the sink-growth inflection point, DESIGN.md 1). Biomass carbon ``B(a) = Bmax / (1 + exp(-r (a - a_half)))``
(MgC/ha); removal ``B'(a) x 44/12 = r B (1 - B / Bmax) x 44/12`` tCO2/ha/yr. Other classes take a fixed
rate (negative = a source, as cropland). Sinks are positive removals, in tCO2/yr.

>>> round(forest_removal_t_ha(45.0, bmax_mgc_ha=100.0, rate_per_yr=0.0425, half_age_yr=45.0), 3)
3.896
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import prange

from abm.kernels._jit import kernel

NCHUNK = 64
CO2_PER_C = 44.0 / 12.0


class SinkResult(NamedTuple):
    cell_t: np.ndarray   # tCO2/yr removed per cell
    sink_t: float        # tCO2/yr over all valid cells


@kernel
def _forest_t_ha(age, bmax, rate, half_age):
    b = bmax / (1.0 + math.exp(-rate * (age - half_age)))
    return rate * b * (1.0 - b / bmax) * CO2_PER_C


def forest_removal_t_ha(age_yr: float, *, bmax_mgc_ha: float, rate_per_yr: float, half_age_yr: float) -> float:
    """Removal of one hectare of forest of age ``age_yr``, tCO2/ha/yr."""
    return float(_forest_t_ha(float(age_yr), float(bmax_mgc_ha), float(rate_per_yr), float(half_age_yr)))


def forest_biomass_mgc_ha(age_yr, *, bmax_mgc_ha: float, rate_per_yr: float, half_age_yr: float):
    """Biomass carbon B(a) of a stand, MgC/ha (numpy, for plots and checks)."""
    return bmax_mgc_ha / (1.0 + np.exp(-rate_per_yr * (np.asarray(age_yr, np.float64) - half_age_yr)))


#: whole-year ages below this use a table (the model ages stands a year per tick); others the formula
AGE_TABLE = 1024


@kernel(parallel=True)
def _sink_kernel(land_cover, forest_age, valid, rate_t_ha, forest_code, bmax, rate, half_age, cell_ha, out):
    n = land_cover.shape[0]
    ncode = rate_t_ha.shape[0]
    # removal per cell by whole-year age, from the same formula: saves an exp per forest cell
    table = np.empty(AGE_TABLE)
    for a in range(AGE_TABLE):
        table[a] = _forest_t_ha(np.float64(a), bmax, rate, half_age) * cell_ha
    part = np.zeros((NCHUNK, 2))
    for c in prange(NCHUNK):
        lo = c * n // NCHUNK
        hi = (c + 1) * n // NCHUNK
        acc = 0.0
        bad = 0.0
        for i in range(lo, hi):
            if not valid[i]:
                out[i] = 0.0
                continue
            lc = land_cover[i]
            if lc == forest_code:
                age = np.float64(forest_age[i])
                whole = int(age) if 0.0 <= age < AGE_TABLE else -1
                if whole >= 0 and whole == age:
                    t = table[whole]
                else:
                    t = _forest_t_ha(age, bmax, rate, half_age) * cell_ha
            elif lc < ncode:
                t = rate_t_ha[lc] * cell_ha
            else:  # unknown class: reported by the wrapper
                t = 0.0
                bad += 1.0
            out[i] = t
            acc += t
        part[c, 0] = acc
        part[c, 1] = bad
    return part


def sink_removals(land_cover, forest_age, valid, *, rate_t_ha, forest_code: int, bmax_mgc_ha: float,
                  rate_per_yr: float, half_age_yr: float, cell_ha: float,
                  out: np.ndarray | None = None) -> SinkResult:
    """Annual removals per cell (tCO2/yr) and their sum; ``rate_t_ha`` is indexed by land-cover code."""
    lc = np.ascontiguousarray(land_cover, np.uint8).reshape(-1)
    age = np.ascontiguousarray(forest_age, np.float32).reshape(-1)
    v = np.ascontiguousarray(valid, np.bool_).reshape(-1)
    n = v.shape[0]
    if lc.shape[0] != n or age.shape[0] != n:
        raise ValueError(f"land_cover and forest_age must have {n} cells like valid")
    rates = np.asarray(rate_t_ha, np.float64)
    if out is None:
        out = np.empty(n, np.float64)
    if out.size != n or out.dtype not in (np.float32, np.float64) or not out.flags.c_contiguous:
        raise ValueError(f"out must be a contiguous float32/float64 array of {n} cells")
    part = _sink_kernel(lc, age, v, rates, np.uint8(forest_code), float(bmax_mgc_ha), float(rate_per_yr),
                        float(half_age_yr), float(cell_ha), out.reshape(-1))
    s = part.sum(axis=0)
    if s[1]:
        raise ValueError(f"{int(s[1])} valid cells hold a land-cover code >= {rates.shape[0]}, "
                         "the length of rate_t_ha")
    return SinkResult(out, float(s[0]))

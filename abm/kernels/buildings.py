"""Building energy and CO2 per cell: floor by building type x intensity x standard x retrofit x carriers.

Why per cell: floor area, the standard it was built to (``energy_factor``), the retrofit share and the
households living there are cell layers, so the stock's emissions and their map come from one pass
over the grid. A cell's energy is the sum of

- residential floor x (the per-m2 part of residential energy + the high-rise extra x the cell's
  high-rise share), plus households x the per-household part (cooking, hot water, appliances: it
  follows the household, not the floor, so smaller dwellings use more per m2 and less per household);
- commercial floor split into commercial (offices, malls, hotels) and public (schools, hospitals,
  administration) by the public share, each with its intensity;
- industrial floor x its building-services intensity (0 when the industry source counts it);
- district heating of residential and commercial floor (0 outside the northern heating zones).

The high-rise share is a linear blend of the cell's floor-area ratio (all floor / cell area) between
two thresholds. The standard and retrofit multiply the floor-related parts (envelope, services,
heating), not the per-household part, which no building standard governs. The part of a cell's
emissions due to floor added this tick (the "new" cohort, DESIGN.md 1) is ``floor_added / floor``
of the cell's emissions.

>>> import numpy as np
>>> one = np.array([1000.0], np.float32); zero = np.zeros(1, np.float32)
>>> c = BuildingCoefficients(residential_kgce_m2=10.0, residential_kgco2_per_kgce=2.0)
>>> r = building_emissions(one, zero, zero, zero, np.ones(1, np.float32), zero, np.ones(1, bool),
...                        np.zeros(1, np.int64), coefficients=c, cell_area_m2=10000.0)
>>> r.energy_kgce, r.emissions_t     # 1000 m2 x 10 kgce x 2 kgCO2 / 1000
(10000.0, 20.0)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from abm.kernels._jit import kernel, threads_for

#: Fixed number of work chunks: partial sums per chunk make totals independent of the thread count.
NCHUNK = 64
#: The building types the results are split by (commercial floor splits into commercial and public).
TYPES = ("residential", "commercial", "public", "industrial")
# columns of the per-chunk partial sums
_E, _T, _NEW, _STOCK, _T_TYPE, _E_TYPE, _FLOOR = 0, 1, 2, 3, 4, 8, 12
_NSUM = 15


class BuildingCoefficients(NamedTuple):
    """One year's building factors as the kernel takes them (kgce per m2 or per household per year)."""

    residential_kgce_m2: float = 0.0         # per-m2 part of residential energy (low-rise)
    highrise_extra_kgce_m2: float = 0.0      # added per m2 of residential floor at high-rise share 1
    household_kgce: float = 0.0              # per-household part of residential energy
    highrise_far_low: float = 1.0            # floor-area ratio at and below which a cell is low-rise
    highrise_far_high: float = 2.0           # floor-area ratio at and above which a cell is high-rise
    commercial_kgce_m2: float = 0.0          # offices, malls, hotels
    public_kgce_m2: float = 0.0              # schools, hospitals, administration
    public_share: float = 0.0                # share of the commercial floor layer that is public
    industrial_kgce_m2: float = 0.0          # building services of industrial floor
    heating_kgce_m2: float = 0.0             # district heating of residential and commercial floor
    residential_kgco2_per_kgce: float = 0.0  # carrier mix of residential energy
    public_kgco2_per_kgce: float = 0.0       # carrier mix of commercial, public and industrial energy
    heat_kgco2_per_kgce: float = 0.0         # district heat
    retrofit_saving: float = 0.0             # share of floor-related energy a retrofit saves


class BuildingResult(NamedTuple):
    cell_t: np.ndarray       # tCO2/yr per cell (the output array that was passed or allocated)
    energy_kgce: float       # kgce/yr over all valid cells
    emissions_t: float       # tCO2/yr
    new_t: float             # tCO2/yr due to floor added this tick
    stock_t: float           # tCO2/yr of the rest of the floor
    type_t: tuple            # tCO2/yr by TYPES, district heating included
    type_kgce: tuple         # kgce/yr by TYPES
    floor_m2: tuple          # m2 of valid floor by use: residential, commercial (public included), industrial


def highrise_share(far, low: float, high: float):
    """Share of a cell's floor that is high-rise: 0 at and below ``low``, 1 at and above ``high``."""
    if high <= low:
        return np.where(np.asarray(far) >= high, 1.0, 0.0)
    return np.clip((np.asarray(far) - low) / (high - low), 0.0, 1.0)


@kernel
def _highrise(far, low, high):
    if high <= low:
        return 1.0 if far >= high else 0.0
    h = (far - low) / (high - low)
    return min(max(h, 0.0), 1.0)


@kernel
def _cell(fr, fc, fi, hh, k, h, c):
    """Energy (kgce) and CO2 (t) of one cell by type: residential, commercial, public, industrial."""
    p = c[7]
    heat_r = fr * c[9] * k
    heat_c = fc * (1.0 - p) * c[9] * k
    heat_p = fc * p * c[9] * k
    own_r = fr * (c[0] + h * c[1]) * k + (hh * c[2] if fr > 0.0 else 0.0)
    own_c = fc * (1.0 - p) * c[5] * k
    own_p = fc * p * c[6] * k
    own_i = fi * c[8] * k
    return ((own_r * c[10] + heat_r * c[12]) / 1000.0, (own_c * c[11] + heat_c * c[12]) / 1000.0,
            (own_p * c[11] + heat_p * c[12]) / 1000.0, own_i * c[11] / 1000.0,
            own_r + heat_r, own_c + heat_c, own_p + heat_p, own_i)


@kernel(parallel=True)
def _building_kernel(f_res, f_com, f_ind, f_added, factor, retrofit, valid, households, c, cell_area, out):
    n = f_res.shape[0]
    part = np.zeros((NCHUNK, _NSUM))
    for chunk in prange(NCHUNK):
        total = new = tr_sum = tc_sum = tp_sum = ti_sum = er_sum = ec_sum = ep_sum = ei_sum = 0.0
        fr_sum = fc_sum = fi_sum = 0.0
        for i in range(chunk * n // NCHUNK, (chunk + 1) * n // NCHUNK):
            if not valid[i]:
                out[i] = 0.0
                continue
            fr = np.float64(f_res[i])
            fc = np.float64(f_com[i])
            fi = np.float64(f_ind[i])
            floor = fr + fc + fi
            if floor == 0.0:  # most land: skip reading the other layers
                out[i] = 0.0
                continue
            k = np.float64(factor[i]) * (1.0 - c[13] * np.float64(retrofit[i]))
            h = _highrise(floor / cell_area, c[3], c[4])
            tr, tc, tp, ti, er, ec, ep, ei = _cell(fr, fc, fi, np.float64(households[i]), k, h, c)
            t = tr + tc + tp + ti
            out[i] = t
            total += t
            new += t * min(max(np.float64(f_added[i]) / floor, 0.0), 1.0)
            tr_sum += tr
            tc_sum += tc
            tp_sum += tp
            ti_sum += ti
            er_sum += er
            ec_sum += ec
            ep_sum += ep
            ei_sum += ei
            fr_sum += fr
            fc_sum += fc
            fi_sum += fi
        row = part[chunk]
        row[_E], row[_T], row[_NEW], row[_STOCK] = er_sum + ec_sum + ep_sum + ei_sum, total, new, total - new
        row[_T_TYPE], row[_T_TYPE + 1], row[_T_TYPE + 2], row[_T_TYPE + 3] = tr_sum, tc_sum, tp_sum, ti_sum
        row[_E_TYPE], row[_E_TYPE + 1], row[_E_TYPE + 2], row[_E_TYPE + 3] = er_sum, ec_sum, ep_sum, ei_sum
        row[_FLOOR], row[_FLOOR + 1], row[_FLOOR + 2] = fr_sum, fc_sum, fi_sum
    return part


def _flat(a, dtype) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dtype).reshape(-1)


def building_emissions(floor_residential, floor_commercial, floor_industrial, floor_added, energy_factor,
                       retrofit, valid, households, *, coefficients: BuildingCoefficients, cell_area_m2: float,
                       out: np.ndarray | None = None) -> BuildingResult:
    """Annual building CO2 per cell (t) and totals; cells with ``valid`` False give 0.

    Layers are grid-shaped (any shape, read flat): m2 of floor by use, m2 added this tick, the energy
    factor of the standard built to, the retrofitted share, and ``households`` living in each cell
    (integers; counted where the cell has residential floor). ``coefficients`` are one year's factors
    (`abm.emissions.buildings.BuildingFactors.buildings_year`); ``out`` (float32 or float64, same
    size) receives tCO2/yr per cell.
    """
    layers = [_flat(a, np.float32) for a in (floor_residential, floor_commercial, floor_industrial,
                                              floor_added, energy_factor, retrofit)]
    v = _flat(valid, np.bool_)
    hh = np.ascontiguousarray(households).reshape(-1)
    n = v.shape[0]
    for name, a in zip(("floor_residential", "floor_commercial", "floor_industrial", "floor_added",
                        "energy_factor", "retrofit", "households"), (*layers, hh)):
        if a.shape[0] != n:
            raise ValueError(f"{name} has {a.shape[0]} cells, valid has {n}")
    if hh.dtype.kind not in "iu":
        hh = hh.astype(np.int64)
    if not cell_area_m2 > 0:
        raise ValueError(f"cell_area_m2 must be > 0, got {cell_area_m2}")
    c = np.asarray(tuple(coefficients), np.float64)
    if out is None:
        out = np.empty(n, np.float64)
    if out.size != n or out.dtype not in (np.float32, np.float64) or not out.flags.c_contiguous:
        raise ValueError(f"out must be a contiguous float32/float64 array of {n} cells")
    with threads_for(n):
        part = _building_kernel(*layers, v, hh, c, float(cell_area_m2), out.reshape(-1))
    s = part.sum(axis=0)
    return BuildingResult(out, float(s[_E]), float(s[_T]), float(s[_NEW]), float(s[_STOCK]),
                          tuple(float(x) for x in s[_T_TYPE:_T_TYPE + 4]),
                          tuple(float(x) for x in s[_E_TYPE:_E_TYPE + 4]),
                          tuple(float(x) for x in s[_FLOOR:_FLOOR + 3]))

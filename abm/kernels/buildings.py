"""Building energy and CO2 per cell: floor by use x intensity x standard x retrofit x carrier factors.

Why per cell: floor area, the standard it was built to (``energy_factor``) and the retrofit share are
cell layers, so the stock's emissions and their map come from one pass over the grid. The part of a
cell's emissions due to floor added this tick (the "new" cohort, DESIGN.md 1) is
``floor_added x`` the cell's emissions per m2.

>>> import numpy as np
>>> one = np.array([1000.0], np.float32); zero = np.zeros(1, np.float32)
>>> r = building_emissions(one, zero, zero, zero, np.ones(1, np.float32), zero, np.ones(1, bool),
...                        intensity_kgce_m2=(10.0, 0.0, 0.0), kgco2_per_kgce=(2.0, 0.0, 0.0),
...                        retrofit_saving=0.3)
>>> r.energy_kgce, r.emissions_t     # 1000 m2 x 10 kgce x 2 kgCO2 / 1000
(10000.0, 20.0)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from abm.kernels._jit import kernel

#: Fixed number of work chunks: partial sums per chunk make totals independent of the thread count.
NCHUNK = 64


class BuildingResult(NamedTuple):
    cell_t: np.ndarray       # tCO2/yr per cell (the output array that was passed or allocated)
    energy_kgce: float       # kgce/yr over all valid cells
    emissions_t: float       # tCO2/yr
    new_t: float             # tCO2/yr due to floor added this tick
    stock_t: float           # tCO2/yr of the rest of the floor


@kernel(parallel=True)
def _building_kernel(f_res, f_com, f_ind, f_added, factor, retrofit, valid, intensity, co2, saving, out):
    n = f_res.shape[0]
    part = np.zeros((NCHUNK, 4))
    for c in prange(NCHUNK):
        lo = c * n // NCHUNK
        hi = (c + 1) * n // NCHUNK
        energy = 0.0
        total = 0.0
        new = 0.0
        stock = 0.0
        for i in range(lo, hi):
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
            k = np.float64(factor[i]) * (1.0 - saving * np.float64(retrofit[i]))
            e_r = fr * intensity[0] * k
            e_c = fc * intensity[1] * k
            e_i = fi * intensity[2] * k
            t = (e_r * co2[0] + e_c * co2[1] + e_i * co2[2]) / 1000.0
            share = np.float64(f_added[i]) / floor
            if share > 1.0:
                share = 1.0
            elif share < 0.0:
                share = 0.0
            t_new = t * share
            out[i] = t
            energy += e_r + e_c + e_i
            total += t
            new += t_new
            stock += t - t_new
        part[c, 0] = energy
        part[c, 1] = total
        part[c, 2] = new
        part[c, 3] = stock
    return part


def _flat(a, dtype) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dtype).reshape(-1)


def building_emissions(floor_residential, floor_commercial, floor_industrial, floor_added, energy_factor,
                       retrofit, valid, *, intensity_kgce_m2, kgco2_per_kgce, retrofit_saving: float,
                       out: np.ndarray | None = None) -> BuildingResult:
    """Annual building CO2 per cell (t) and totals; cells with ``valid`` False give 0.

    Layers are grid-shaped (any shape, read flat) m2 of floor, the energy factor of the standard built
    to, and the retrofitted share. ``intensity_kgce_m2`` and ``kgco2_per_kgce`` are per use (residential,
    commercial, industrial); see `CarbonParameters.at_year`. ``out`` (float32 or float64, same size)
    receives tCO2/yr per cell.
    """
    layers = [_flat(a, np.float32) for a in (floor_residential, floor_commercial, floor_industrial,
                                              floor_added, energy_factor, retrofit)]
    v = _flat(valid, np.bool_)
    n = v.shape[0]
    for name, a in zip(("floor_residential", "floor_commercial", "floor_industrial", "floor_added",
                        "energy_factor", "retrofit"), layers):
        if a.shape[0] != n:
            raise ValueError(f"{name} has {a.shape[0]} cells, valid has {n}")
    intensity = np.asarray(intensity_kgce_m2, np.float64)
    co2 = np.asarray(kgco2_per_kgce, np.float64)
    if intensity.shape != (3,) or co2.shape != (3,):
        raise ValueError("intensity_kgce_m2 and kgco2_per_kgce need one value per use (3)")
    if out is None:
        out = np.empty(n, np.float64)
    if out.size != n or out.dtype not in (np.float32, np.float64) or not out.flags.c_contiguous:
        raise ValueError(f"out must be a contiguous float32/float64 array of {n} cells")
    part = _building_kernel(*layers, v, intensity, co2, float(retrofit_saving), out.reshape(-1))
    s = part.sum(axis=0)
    return BuildingResult(out, float(s[0]), float(s[1]), float(s[2]), float(s[3]))

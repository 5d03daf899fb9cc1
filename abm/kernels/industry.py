"""Industry CO2 per firm (energy per value added by sector x emission factor) and GDP from firms.

Why per firm: the process energy of a firm follows its output, not its floor; summing value added also
gives the GDP for carbon intensity per GDP (the Tianjin eco-city indicator, DESIGN.md 3). Firms sited
outside the study area (``valid`` False) count for neither.

>>> import numpy as np
>>> r = industry_emissions(np.array([0]), np.array([1], np.int8), np.array([10], np.int32),
...                        np.array([2e5], np.float32), np.array([0], np.int32), np.ones(1, bool),
...                        tick=0, kgce_per_cny=[0.0, 0.1], kgco2_per_kgce=2.5)
>>> r.gdp_cny, r.energy_kgce, r.emissions_t    # 2 M CNY x 0.1 kgce/CNY x 2.5 kgCO2/kgce
(2000000.0, 200000.0, 500.0)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from abm.kernels._jit import kernel

NCHUNK = 64


class IndustryResult(NamedTuple):
    firm_t: np.ndarray   # tCO2/yr per firm
    gdp_cny: float       # value added of firms in the area, CNY/yr
    energy_kgce: float   # kgce/yr
    emissions_t: float   # tCO2/yr
    new_t: float         # of firms with located_tick == tick
    stock_t: float


@kernel(parallel=False)  # 1e5 firms: a thread team costs more than it saves
def _industry_kernel(site, sector, jobs, va_per_job, located, tick, valid, intensity, co2, out):
    n = site.shape[0]
    part = np.zeros((NCHUNK, 5))
    for c in range(NCHUNK):
        lo = c * n // NCHUNK
        hi = (c + 1) * n // NCHUNK
        gdp = 0.0
        energy = 0.0
        new = 0.0
        stock = 0.0
        for i in range(lo, hi):
            if not valid[site[i]]:
                out[i] = 0.0
                continue
            va = np.float64(jobs[i]) * np.float64(va_per_job[i])
            e = va * intensity[sector[i]]
            t = e * co2 / 1000.0
            out[i] = t
            gdp += va
            energy += e
            if located[i] == tick:
                new += t
            else:
                stock += t
        part[c, 0] = gdp
        part[c, 1] = energy
        part[c, 2] = new + stock
        part[c, 3] = new
        part[c, 4] = stock
    return part


def industry_emissions(site, sector, jobs, va_per_job, located_tick, valid, *, tick: int, kgce_per_cny,
                       kgco2_per_kgce: float, out: np.ndarray | None = None) -> IndustryResult:
    """Process CO2 per firm (t/yr), totals by cohort, and GDP (CNY/yr).

    ``kgce_per_cny`` is indexed by sector code (abm.population.SECTORS); set it to zeros to count GDP only.
    """
    site = np.ascontiguousarray(site, np.int64).reshape(-1)
    sector = np.ascontiguousarray(sector, np.int8).reshape(-1)
    jobs = np.ascontiguousarray(jobs, np.int32).reshape(-1)
    va = np.ascontiguousarray(va_per_job, np.float32).reshape(-1)
    located = np.ascontiguousarray(located_tick, np.int32).reshape(-1)
    v = np.ascontiguousarray(valid, np.bool_).reshape(-1)
    n = site.shape[0]
    for name, a in (("sector", sector), ("jobs", jobs), ("va_per_job", va), ("located_tick", located)):
        if a.shape[0] != n:
            raise ValueError(f"{name} has {a.shape[0]} rows, site has {n}")
    intensity = np.asarray(kgce_per_cny, np.float64)
    if n:
        if site.min() < 0 or site.max() >= v.shape[0]:
            raise ValueError(f"site holds indices outside 0..{v.shape[0] - 1}")
        if sector.min() < 0 or sector.max() >= intensity.shape[0]:
            raise ValueError(f"sector codes must be 0..{intensity.shape[0] - 1} (one intensity per sector)")
    out = np.empty(n, np.float64) if out is None else out
    part = _industry_kernel(site, sector, jobs, va, located, np.int64(tick), v, intensity,
                            float(kgco2_per_kgce), out)
    s = part.sum(axis=0)
    return IndustryResult(out, float(s[0]), float(s[1]), float(s[2]), float(s[3]), float(s[4]))


def firm_gdp(site, jobs, va_per_job, valid) -> float:
    """Value added of the firms sited in the area, CNY/yr (sum of jobs x value added per job)."""
    n = np.asarray(site).shape[0]
    r = industry_emissions(site, np.zeros(n, np.int8), jobs, va_per_job, np.zeros(n, np.int32), valid,
                           tick=-1, kgce_per_cny=[0.0], kgco2_per_kgce=0.0)
    return r.gdp_cny

"""Industry CO2 per firm (value added x CO2 per unit of value added of its branch) and GDP from firms.

Why per firm: the energy of a factory and the CO2 of its kilns follow its output, not its floor; summing
value added also gives the GDP for carbon intensity per GDP (the Tianjin eco-city indicator, DESIGN.md 3).
Firms sited outside the study area (``valid`` False) count for neither.

Per branch (codes of abm.population.BRANCHES) the caller gives the energy per CNY of value added
(kgce, summed into ``energy_kgce``) and the CO2 per CNY (t); energy CO2 and process CO2 are two calls
with their own factors (process CO2 counts no energy). The new cohort is the CO2 of the firms founded
this tick (``arrived_tick == tick``: a firm that relocates is not new) times ``growth_scale`` (net new
jobs per job of the founded firms, abm.cohorts); the stock is the rest.

>>> import numpy as np
>>> r = industry_emissions(np.array([0]), np.array([1], np.int8), np.array([10], np.int32),
...                        np.array([2e5], np.float32), np.array([0], np.int32), np.ones(1, bool),
...                        tick=0, kgce_per_cny=[0.0, 0.1], tco2_per_cny=[0.0, 0.00025])
>>> r.gdp_cny, r.energy_kgce, r.emissions_t    # 2 M CNY x 0.1 kgce/CNY; x 2.5 kgCO2/kgce
(2000000.0, 200000.0, 500.0)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from abm.kernels._jit import kernel

NCHUNK = 64


class IndustryResult(NamedTuple):
    firm_t: np.ndarray   # tCO2/yr per firm (0 outside the area)
    gdp_cny: float       # value added of firms in the area, CNY/yr
    energy_kgce: float   # kgce/yr
    emissions_t: float   # tCO2/yr
    founded_t: float     # of firms founded this tick (arrived_tick == tick), before the growth scale
    new_t: float         # founded_t x growth_scale
    stock_t: float       # emissions_t - new_t
    va_by_branch: np.ndarray  # value added in the area by branch code, CNY/yr
    t_by_branch: np.ndarray   # tCO2/yr by branch code


@kernel(parallel=False)  # 1e5 firms: a thread team costs more than it saves
def _industry_kernel(site, branch, jobs, va_per_job, arrived, tick, valid, kgce, tco2, out):
    n = site.shape[0]
    nb = kgce.shape[0]
    part = np.zeros((NCHUNK, 4 + 2 * nb))
    for c in range(NCHUNK):
        lo = c * n // NCHUNK
        hi = (c + 1) * n // NCHUNK
        gdp = 0.0
        energy = 0.0
        total = 0.0
        founded = 0.0
        for i in range(lo, hi):
            if not valid[site[i]]:
                out[i] = 0.0
                continue
            b = branch[i]
            va = np.float64(jobs[i]) * np.float64(va_per_job[i])
            t = va * tco2[b]
            out[i] = t
            part[c, 4 + b] += va
            part[c, 4 + nb + b] += t
            gdp += va
            energy += va * kgce[b]
            total += t
            if arrived[i] == tick:
                founded += t
        part[c, 0] = gdp
        part[c, 1] = energy
        part[c, 2] = total
        part[c, 3] = founded
    return part


def industry_emissions(site, branch, jobs, va_per_job, arrived_tick, valid, *, tick: int, kgce_per_cny,
                       tco2_per_cny, growth_scale: float = 1.0, out: np.ndarray | None = None) -> IndustryResult:
    """CO2 per firm (t/yr), totals by cohort, energy (kgce/yr) and GDP (CNY/yr).

    ``kgce_per_cny`` and ``tco2_per_cny`` are indexed by branch code (abm.population.BRANCHES); zeros
    count GDP only.
    """
    site = np.ascontiguousarray(site, np.int64).reshape(-1)
    branch = np.ascontiguousarray(branch, np.int8).reshape(-1)
    jobs = np.ascontiguousarray(jobs, np.int32).reshape(-1)
    va = np.ascontiguousarray(va_per_job, np.float32).reshape(-1)
    arrived = np.ascontiguousarray(arrived_tick, np.int32).reshape(-1)
    v = np.ascontiguousarray(valid, np.bool_).reshape(-1)
    n = site.shape[0]
    for name, a in (("branch", branch), ("jobs", jobs), ("va_per_job", va), ("arrived_tick", arrived)):
        if a.shape[0] != n:
            raise ValueError(f"{name} has {a.shape[0]} rows, site has {n}")
    kgce = np.asarray(kgce_per_cny, np.float64).reshape(-1)
    tco2 = np.asarray(tco2_per_cny, np.float64).reshape(-1)
    if kgce.shape != tco2.shape:
        raise ValueError(f"kgce_per_cny has {kgce.shape[0]} branches, tco2_per_cny {tco2.shape[0]}")
    if n:
        if site.min() < 0 or site.max() >= v.shape[0]:
            raise ValueError(f"site holds indices outside 0..{v.shape[0] - 1}")
        if branch.min() < 0 or branch.max() >= kgce.shape[0]:
            raise ValueError(f"branch codes must be 0..{kgce.shape[0] - 1} (one factor per branch)")
    out = np.empty(n, np.float64) if out is None else out
    part = _industry_kernel(site, branch, jobs, va, arrived, np.int64(tick), v, kgce, tco2, out)
    s = part.sum(axis=0)
    new = float(growth_scale) * float(s[3])
    nb = kgce.shape[0]
    return IndustryResult(out, float(s[0]), float(s[1]), float(s[2]), float(s[3]), new, float(s[2]) - new,
                          s[4:4 + nb].copy(), s[4 + nb:].copy())


def firm_gdp(site, jobs, va_per_job, valid) -> float:
    """Value added of the firms sited in the area, CNY/yr (sum of jobs x value added per job)."""
    n = np.asarray(site).shape[0]
    r = industry_emissions(site, np.zeros(n, np.int8), jobs, va_per_job, np.zeros(n, np.int32), valid,
                           tick=-1, kgce_per_cny=[0.0], tco2_per_cny=[0.0])
    return r.gdp_cny

"""Slow, obviously correct twin of abm.kernels.industry: whole-array numpy, no chunks."""

from __future__ import annotations

import numpy as np

from abm.kernels.industry import IndustryResult


def industry_emissions(site, branch, jobs, va_per_job, arrived_tick, valid, *, tick, kgce_per_cny, tco2_per_cny,
                       growth_scale=1.0):
    site = np.asarray(site, np.int64)
    inside = np.asarray(valid, bool).reshape(-1)[site]
    va = np.asarray(jobs, np.float64) * np.asarray(va_per_job, np.float32).astype(np.float64)
    va = np.where(inside, va, 0.0)
    b = np.asarray(branch, np.int64)
    energy = va * np.asarray(kgce_per_cny, np.float64)[b]
    t = va * np.asarray(tco2_per_cny, np.float64)[b]
    founded = float(t[np.asarray(arrived_tick) == tick].sum())
    new = growth_scale * founded
    nb = len(kgce_per_cny)
    va_by = np.array([va[b == k].sum() for k in range(nb)])
    t_by = np.array([t[b == k].sum() for k in range(nb)])
    return IndustryResult(t, float(va.sum()), float(energy.sum()), float(t.sum()), founded, new, float(t.sum()) - new,
                          va_by, t_by)


def firm_gdp(site, jobs, va_per_job, valid):
    inside = np.asarray(valid, bool).reshape(-1)[np.asarray(site, np.int64)]
    return float(sum(int(j) * float(v) for j, v, ok in zip(jobs, np.asarray(va_per_job, np.float32), inside) if ok))

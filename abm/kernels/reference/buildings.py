"""Plain-numpy twin of `abm.kernels.buildings.building_emissions` (whole-array arithmetic, no numba)."""

from __future__ import annotations

import numpy as np

from abm.kernels.buildings import BuildingCoefficients, BuildingResult


def building_emissions(floor_residential, floor_commercial, floor_industrial, floor_added, energy_factor,
                       retrofit, valid, households, *, coefficients: BuildingCoefficients, cell_area_m2: float):
    c = coefficients
    fr, fc, fi, added, factor, retro = (np.asarray(a, np.float32).reshape(-1).astype(np.float64)
                                        for a in (floor_residential, floor_commercial, floor_industrial,
                                                  floor_added, energy_factor, retrofit))
    hh = np.asarray(households).reshape(-1).astype(np.float64)
    valid = np.asarray(valid, bool).reshape(-1)
    floor = fr + fc + fi
    k = factor * (1.0 - c.retrofit_saving * retro)
    far = floor / cell_area_m2
    if c.highrise_far_high <= c.highrise_far_low:
        high = (far >= c.highrise_far_high).astype(np.float64)
    else:
        high = np.clip((far - c.highrise_far_low) / (c.highrise_far_high - c.highrise_far_low), 0.0, 1.0)
    p = c.public_share
    # energy by type, each split into what burns in the buildings' own carriers and district heat
    own = {
        "residential": fr * (c.residential_kgce_m2 + high * c.highrise_extra_kgce_m2) * k
        + np.where(fr > 0, hh * c.household_kgce, 0.0),
        "commercial": fc * (1 - p) * c.commercial_kgce_m2 * k,
        "public": fc * p * c.public_kgce_m2 * k,
        "industrial": fi * c.industrial_kgce_m2 * k,
    }
    heat = {"residential": fr * c.heating_kgce_m2 * k, "commercial": fc * (1 - p) * c.heating_kgce_m2 * k,
            "public": fc * p * c.heating_kgce_m2 * k, "industrial": np.zeros_like(fr)}
    factor_of = {"residential": c.residential_kgco2_per_kgce, "commercial": c.public_kgco2_per_kgce,
                 "public": c.public_kgco2_per_kgce, "industrial": c.public_kgco2_per_kgce}
    keep = valid & (floor > 0)
    t_type = {u: np.where(keep, (own[u] * factor_of[u] + heat[u] * c.heat_kgco2_per_kgce) / 1000.0, 0.0)
              for u in own}
    e_type = {u: np.where(keep, own[u] + heat[u], 0.0) for u in own}
    cell_t = sum(t_type.values())
    share = np.clip(np.divide(added, floor, out=np.zeros_like(floor), where=floor > 0), 0.0, 1.0)
    new = cell_t * share
    return BuildingResult(cell_t, float(sum(e.sum() for e in e_type.values())), float(cell_t.sum()),
                          float(new.sum()), float((cell_t - new).sum()),
                          tuple(float(t_type[u].sum()) for u in own), tuple(float(e_type[u].sum()) for u in own),
                          tuple(float(np.where(valid, f, 0.0).sum()) for f in (fr, fc, fi)))

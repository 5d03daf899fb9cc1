"""Plain twins of the land-carbon kernels (abm.kernels.sinks, abm.kernels.conversion): loops over cells.

The forest curve is written out again from its definition (a logistic ``L`` shifted so that a stand
starts empty), so the twin does not share the kernels' closed form or their age table.
"""

from __future__ import annotations

import math

import numpy as np

from abm.kernels.conversion import ConversionResult
from abm.kernels.sinks import CO2_PER_C, LandStep


def stand_fraction(age_yr, *, rate_per_yr, half_age_yr):
    def logistic(a):
        return 1.0 / (1.0 + math.exp(-rate_per_yr * (a - half_age_yr)))
    return (logistic(max(float(age_yr), 0.0)) - logistic(0.0)) / (1.0 - logistic(0.0))


def _live(cover, age, live_tc_ha, forest_code, forest_live_tc_ha, rate_per_yr, half_age_yr):
    if cover == forest_code:
        return forest_live_tc_ha * stand_fraction(age, rate_per_yr=rate_per_yr, half_age_yr=half_age_yr)
    return float(live_tc_ha[cover])


def land_step(land_cover, forest_age, valid, storage_prev, soil, *, live_tc_ha, flux_tc_ha, forest_code,
              forest_live_tc_ha, rate_per_yr, half_age_yr, cell_ha):
    """(LandStep, storage, sink map, soil after): the stock change of each cell, one at a time."""
    lc = np.asarray(land_cover, np.uint8).reshape(-1)
    age = np.asarray(forest_age, np.float32).reshape(-1)
    valid = np.asarray(valid, bool).reshape(-1)
    soil = np.array(soil, np.float64).reshape(-1)
    storage = np.array(storage_prev, np.float64).reshape(-1)  # outside the area: kept as it was
    sink = np.zeros(lc.shape[0])
    felled = 0.0
    for i in range(lc.shape[0]):
        if not valid[i] or lc[i] >= len(live_tc_ha):
            continue
        now = _live(lc[i], float(age[i]), live_tc_ha, forest_code, forest_live_tc_ha, rate_per_yr, half_age_yr)
        flux = 0.0 if lc[i] == forest_code else float(flux_tc_ha[lc[i]])
        before_live = float(storage_prev[i]) - soil[i]
        soil[i] += flux
        storage[i] = now + soil[i]
        change = now - before_live + flux
        sink[i] = change * CO2_PER_C * cell_ha
        if lc[i] == forest_code and age[i] == 0 and change < 0:
            felled -= change * CO2_PER_C * cell_ha
    known = valid & (lc < len(live_tc_ha))
    step = LandStep(float(sink.sum()), float(storage[known].sum()) * cell_ha, felled)
    return step, storage, sink, soil


def initial_storage(cover, forest_age, valid, *, live_tc_ha, soil_tc_ha, forest_code, forest_live_tc_ha,
                    rate_per_yr, half_age_yr, age_shift=0.0):
    lc = np.asarray(cover, np.uint8).reshape(-1)
    age = np.asarray(forest_age, np.float32).reshape(-1)
    valid = np.asarray(valid, bool).reshape(-1)
    storage, soil = np.zeros(lc.shape[0]), np.zeros(lc.shape[0])
    for i in range(lc.shape[0]):
        if valid[i]:
            soil[i] = float(soil_tc_ha[lc[i]])
            storage[i] = soil[i] + _live(lc[i], max(float(age[i]) - age_shift, 0.0), live_tc_ha, forest_code,
                                         forest_live_tc_ha, rate_per_yr, half_age_yr)
    return storage, soil


def age_stands(forest_age, cells, rotation_age_yr):
    """Ages `forest_age` in place; returns the cells that reached the rotation age."""
    flat = forest_age.reshape(-1)
    reached = []
    for c in cells:
        before = float(flat[c])
        flat[c] = np.float32(before + 1.0)
        if rotation_age_yr > 0 and before < rotation_age_yr <= before + 1.0:
            reached.append(int(c))
    return np.array(reached, np.int64)


def conversion_loss(cells, new_cover, valid, *, stock_tc_ha, soil_tc_ha, live_tc_ha, sealed_code, soil_loss_share,
                    cell_ha):
    valid = np.asarray(valid, bool).reshape(-1)
    loss, soil_after, stock_after = [], [], []
    for c, cover, stock, soil in zip(cells, new_cover, stock_tc_ha, soil_tc_ha):
        kept = soil * (1.0 - soil_loss_share) if cover == sealed_code else soil
        after = live_tc_ha[cover] + kept
        soil_after.append(kept)
        stock_after.append(after)
        loss.append(max(stock - after, 0.0) * CO2_PER_C * cell_ha if valid[c] else 0.0)
    loss = np.array(loss, np.float64)
    return ConversionResult(loss, float(loss.sum()), np.array(soil_after, np.float64), np.array(stock_after, np.float64))

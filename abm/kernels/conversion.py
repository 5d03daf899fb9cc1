"""Land conversion: the carbon a cell's stock loses when its class changes, booked that tick.

Why a stock difference: as InVEST's carbon model counts a change of land use, the loss is what the
cell held before minus what its new class holds: the live pools (biomass and dead matter) are
replaced by the new class's, and sealing (a change to urban land) removes a share of the soil
carbon. Clearing a forest or sealing a field releases it when it happens, not spread over later
years; it belongs to the "new" cohort of the tick (DESIGN.md 1, point 5).

A forest stand of 51.75 tC/ha of live carbon on 96 tC/ha of soil, sealed with 30% of its soil lost:
51.75 + 28.8 = 80.55 tC/ha, 295.35 tCO2 on one hectare.

>>> import numpy as np
>>> r = conversion_loss(np.array([0]), np.array([1], np.uint8), np.ones(1, bool), stock_tc_ha=[147.75],
...                     soil_tc_ha=[96.0], live_tc_ha=[0, 0, 5, 4.4, 51.75, 0, 8.8, 0], sealed_code=1,
...                     soil_loss_share=0.3, cell_ha=1.0)
>>> round(r.loss_t, 2), round(float(r.soil_after_tc_ha[0]), 1)
(295.35, 67.2)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from abm.kernels._jit import kernel
from abm.kernels.sinks import CO2_PER_C


class ConversionResult(NamedTuple):
    cell_loss_t: np.ndarray     # tCO2 lost per converted cell (0 where the cell is outside the area)
    loss_t: float               # tCO2 this tick
    soil_after_tc_ha: np.ndarray  # soil carbon each converted cell keeps, tC/ha
    stock_after_tc_ha: np.ndarray  # carbon each converted cell stores after the change, tC/ha


@kernel
def _conversion_kernel(cells, new_cover, valid, stock, soil, live, sealed_code, keep_sealed, co2_cell, out,
                       soil_out, stock_out):
    total = 0.0
    for j in range(cells.shape[0]):
        lc = new_cover[j]
        kept = soil[j] * keep_sealed if lc == sealed_code else soil[j]
        after = live[lc] + kept
        soil_out[j] = kept
        stock_out[j] = after
        t = max(stock[j] - after, 0.0) * co2_cell if valid[cells[j]] else 0.0
        out[j] = t
        total += t
    return total


def conversion_loss(cells, new_cover, valid, *, stock_tc_ha, soil_tc_ha, live_tc_ha, sealed_code: int,
                    soil_loss_share: float, cell_ha: float) -> ConversionResult:
    """Carbon lost by the cells (flat indices) that changed to ``new_cover`` this tick, given the stock
    (``stock_tc_ha``) and soil carbon (``soil_tc_ha``) each held before, one entry per cell (tC/ha).
    ``live_tc_ha`` (above + below + dead of each class) is indexed by land-cover code; a change to
    ``sealed_code`` keeps ``1 - soil_loss_share`` of the soil. A cell whose new class stores more loses
    nothing here (its gain is a removal: abm.land_carbon books it in the sink)."""
    cells = np.ascontiguousarray(cells, np.int64).reshape(-1)
    cover = np.ascontiguousarray(new_cover, np.uint8).reshape(-1)
    v = np.ascontiguousarray(valid, np.bool_).reshape(-1)
    stock = np.ascontiguousarray(stock_tc_ha, np.float64).reshape(-1)
    soil = np.ascontiguousarray(soil_tc_ha, np.float64).reshape(-1)
    live = np.asarray(live_tc_ha, np.float64)
    for name, arr in (("new_cover", cover), ("stock_tc_ha", stock), ("soil_tc_ha", soil)):
        if arr.shape != cells.shape:
            raise ValueError(f"{name} has {arr.shape[0]} entries, cells has {cells.shape[0]}")
    if cells.size:
        if cells.min() < 0 or cells.max() >= v.shape[0]:
            raise ValueError(f"cells holds indices outside 0..{v.shape[0] - 1}")
        if int(cover.max()) >= live.shape[0]:
            raise ValueError(f"new_cover holds a code >= {live.shape[0]}, the number of classes of the pools")
    if not 0.0 <= soil_loss_share <= 1.0:
        raise ValueError(f"soil_loss_share must be within 0..1, got {soil_loss_share}")
    out, soil_out, stock_out = np.empty(cells.shape[0]), np.empty(cells.shape[0]), np.empty(cells.shape[0])
    total = _conversion_kernel(cells, cover, v, stock, soil, live, np.uint8(sealed_code), 1.0 - float(soil_loss_share),
                               float(cell_ha) * CO2_PER_C, out, soil_out, stock_out)
    return ConversionResult(out, float(total), soil_out, stock_out)

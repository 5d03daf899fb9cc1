"""Land conversion: the carbon stock (biomass + soil) lost when a cell is urbanised, booked that tick.

Why one-off: clearing a forest or sealing a field releases its stored carbon when it happens, not
spread over later years; it belongs to the "new" cohort of the tick (DESIGN.md 1, point 5).

>>> import numpy as np
>>> r = conversion_loss(np.array([0]), np.array([4], np.uint8), np.ones(1, bool),
...                     loss_t_ha=[0, 0, 10, 15, 49, 0, 30, 0], cell_ha=1.0)
>>> r.loss_t
49.0
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from abm.kernels._jit import kernel


class ConversionResult(NamedTuple):
    cell_loss_t: np.ndarray  # tCO2 lost per converted cell (0 where the cell is outside the area)
    loss_t: float            # tCO2 this tick


@kernel
def _conversion_kernel(cells, previous, valid, loss_t_ha, cell_ha, out):
    total = 0.0
    for j in range(cells.shape[0]):
        c = cells[j]
        t = loss_t_ha[previous[j]] * cell_ha if valid[c] else 0.0
        out[j] = t
        total += t
    return total


def conversion_loss(cells, previous_cover, valid, *, loss_t_ha, cell_ha: float,
                    out: np.ndarray | None = None) -> ConversionResult:
    """Carbon lost by the cells urbanised this tick (flat indices) given their previous land cover."""
    cells = np.ascontiguousarray(cells, np.int64).reshape(-1)
    prev = np.ascontiguousarray(previous_cover, np.uint8).reshape(-1)
    v = np.ascontiguousarray(valid, np.bool_).reshape(-1)
    loss = np.asarray(loss_t_ha, np.float64)
    if prev.shape != cells.shape:
        raise ValueError(f"previous_cover has {prev.shape[0]} entries, cells has {cells.shape[0]}")
    if cells.size:
        if cells.min() < 0 or cells.max() >= v.shape[0]:
            raise ValueError(f"cells holds indices outside 0..{v.shape[0] - 1}")
        if int(prev.max()) >= loss.shape[0]:
            raise ValueError(f"previous_cover holds a code >= {loss.shape[0]}, the length of loss_t_ha")
    out = np.empty(cells.shape[0], np.float64) if out is None else out
    total = _conversion_kernel(cells, prev, v, loss, float(cell_ha), out)
    return ConversionResult(out, float(total))

"""Developers' cell-level neighbourhood terms of the greenfield score, from summed-area tables.

Why a kernel: the score reads, for every open cell developers look at, the urban share of its 8
neighbours (edge growth), of the neighbours urbanised recently, and of a wider window (local share).
On a large fragmented region (wb_100: millions of fringe cells, twice a tick) numpy's version built a
dozen temporaries per term and took ~145 ms a tick; one pass per table and one fused pass over the
cells do the same arithmetic in the same order (identical results: `abm.kernels.reference.cell_windows`).

Cells beyond the grid count as not urban; each window's share is its count / (2 r + 1)^2.
"""

from __future__ import annotations

import numpy as np

from abm.kernels._jit import kernel


@kernel
def _summed_area(mask, out):
    """out[r + 1, c + 1] = number of True cells in mask[:r + 1, :c + 1] (out's first row and column stay 0)."""
    rows, cols = mask.shape
    for r in range(rows):
        acc = 0
        for c in range(cols):
            acc += 1 if mask[r, c] else 0
            out[r + 1, c + 1] = out[r, c + 1] + acc


@kernel
def _share(table, r, c, radius, rows, cols):
    r0, r1 = max(r - radius, 0), min(r + radius + 1, rows)
    c0, c1 = max(c - radius, 0), min(c + radius + 1, cols)
    count = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
    return np.float64(count) / ((2 * radius + 1) ** 2)


@kernel
def _score_kernel(table, recent, cells, cols, road_access, w_edge, w_recent, w_local, w_road_edge, local_radius,
                  out):
    rows = table.shape[0] - 1
    for i in range(cells.shape[0]):
        h = cells[i]
        r = h // cols
        c = h - r * cols
        s = 0.0
        if w_edge != 0.0:
            s += w_edge * _share(table, r, c, 1, rows, cols) * (9.0 / 8.0)  # the candidate itself is not urban
        if w_recent != 0.0:
            s += w_recent * _share(recent, r, c, 1, rows, cols) * (9.0 / 8.0)
        if w_local != 0.0 or w_road_edge != 0.0:
            local = _share(table, r, c, local_radius, rows, cols)
            s += w_local * local + w_road_edge * road_access[i] * local
        out[i] = s


def summed_area_table(mask: np.ndarray) -> np.ndarray:
    """(rows + 1, cols + 1) int32 counts of True cells above and left of each corner."""
    mask = np.ascontiguousarray(mask, np.bool_)
    out = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), np.int32)
    _summed_area(mask, out)
    return out


def neighbourhood_score(urban: np.ndarray, recent: np.ndarray | None, cells: np.ndarray, road_access: np.ndarray, *,
                        weight_edge: float, weight_recent: float, weight_local: float, weight_road_edge: float,
                        local_radius: int) -> np.ndarray:
    """The terms for flat `cells` of the grid-shaped `urban` map (and `recent`: urban cells urbanised recently,
    needed when weight_recent is not 0): weight_edge x edge share x 9/8 + weight_recent x recent share x 9/8
    + (weight_local + weight_road_edge x road_access) x local share (each term only where its weight is set)."""
    rows, cols = urban.shape
    cells = np.ascontiguousarray(cells, np.int64)
    if cells.size and (cells.min() < 0 or cells.max() >= rows * cols):
        raise ValueError(f"cells must be flat indices of the {rows} x {cols} grid")
    table = summed_area_table(urban)
    recent_table = summed_area_table(recent) if weight_recent and recent is not None else table
    if weight_recent and recent is None:
        raise ValueError("recent is required when weight_recent is set")
    out = np.empty(len(cells))
    _score_kernel(table, recent_table, cells, np.int64(cols), np.ascontiguousarray(road_access, np.float64),
                  float(weight_edge), float(weight_recent), float(weight_local), float(weight_road_edge),
                  np.int64(local_radius), out)
    return out

"""Plain-numpy twin of `abm.kernels.cell_windows` (the development module's own code before the kernel)."""

from __future__ import annotations

import numpy as np


def neighbourhood_score(urban, recent, cells, road_access, *, weight_edge, weight_recent, weight_local,
                        weight_road_edge, local_radius):
    rows, cols = urban.shape
    r, c = np.divmod(np.asarray(cells, np.int64), cols)

    def table_of(mask: np.ndarray) -> np.ndarray:
        table = np.zeros((rows + 1, cols + 1), np.int32)
        np.cumsum(mask, axis=0, dtype=np.int32, out=table[1:, 1:])
        np.cumsum(table[1:, 1:], axis=1, out=table[1:, 1:])
        return table

    def window(table: np.ndarray, radius: int) -> np.ndarray:
        r0, r1 = np.maximum(r - radius, 0), np.minimum(r + radius + 1, rows)
        c0, c1 = np.maximum(c - radius, 0), np.minimum(c + radius + 1, cols)
        count = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
        return count.astype(np.float64) / (2 * radius + 1) ** 2

    score = np.zeros(len(r))
    table = table_of(urban)
    if weight_edge:
        score += weight_edge * window(table, 1) * (9.0 / 8.0)
    if weight_recent:
        score += weight_recent * window(table_of(recent), 1) * (9.0 / 8.0)
    if weight_local or weight_road_edge:
        local = window(table, local_radius)
        score += weight_local * local + weight_road_edge * road_access * local
    return score

"""Neighbourhood and distance layers the choices read: densities nearby, green share, distances.

Neighbourhood means are taken on a coarse block grid (blocks of about `block_m` metres) and read back
per cell, so a 2000x2000 grid costs a 400x400 filter, not a 4-million-cell one: these layers steer
choices; they are not outputs that need cell precision.

>>> counts = np.zeros((10, 10)); counts[5, 5] = 100
>>> layer = neighbourhood_mean(counts, cell_size_m=100, radius_m=300)
>>> layer.shape, float(layer[5, 5]) > float(layer[0, 0])
((10, 10), True)
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def _block(cell_size_m: float, radius_m: float) -> int:
    return int(max(1, round(radius_m / cell_size_m / 3)))


def neighbourhood_mean(values: np.ndarray, cell_size_m: float, radius_m: float) -> np.ndarray:
    """Mean of `values` in a square window of about 2 x radius_m, per cell (float32)."""
    rows, cols = values.shape
    b = _block(cell_size_m, radius_m)
    pad_r, pad_c = (-rows) % b, (-cols) % b
    v = np.pad(values.astype(np.float32, copy=False), ((0, pad_r), (0, pad_c)))
    coarse = v.reshape(v.shape[0] // b, b, v.shape[1] // b, b).mean(axis=(1, 3))
    size = max(1, int(round(2 * radius_m / (cell_size_m * b))) | 1)
    smooth = ndimage.uniform_filter(coarse, size=size, mode="constant")
    return np.repeat(np.repeat(smooth, b, axis=0), b, axis=1)[:rows, :cols]


def distance_km(mask: np.ndarray, cell_size_m: float, cap_km: float = 50.0) -> np.ndarray:
    """Distance from every cell to the nearest True cell of `mask`, km (cap_km where mask is empty)."""
    if not mask.any():
        return np.full(mask.shape, cap_km, np.float32)
    dist = ndimage.distance_transform_edt(~mask, sampling=cell_size_m / 1000.0)
    return np.minimum(dist, cap_km).astype(np.float32)

"""Neighbourhood and distance layers the choices read: densities nearby, green share, distances.

Neighbourhood quantities live on a coarse block grid (blocks of about 300 m): agents and changed cells
are binned into blocks, the block grid is smoothed, and values are looked up for the few cells a choice
needs. A tick then costs in proportion to the agents and the cells that changed, not to the size of the
grid. These layers steer choices; they are not outputs that need cell precision.

>>> blocks = BlockGrid((10, 10), cell_size_m=100, block_m=300)
>>> counts = blocks.bin(np.array([55]), np.array([100.0]))   # 100 households in cell (5, 5)
>>> near = blocks.smooth(counts, radius_m=300)
>>> float(blocks.lookup(near, np.array([55]))[0]) > float(blocks.lookup(near, np.array([99]))[0])  # far corner
True
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


class BlockGrid:
    """Maps grid cells to coarse blocks of `b` x `b` cells (b = block_m / cell size, at least 1)."""

    def __init__(self, shape: tuple[int, int], cell_size_m: float, block_m: float = 300.0) -> None:
        self.rows, self.cols = shape
        self.cell_size_m = float(cell_size_m)
        self.b = int(max(1, round(block_m / cell_size_m)))
        self.shape = (-(-self.rows // self.b), -(-self.cols // self.b))
        self.block_area_ha = (self.b * self.cell_size_m) ** 2 / 1e4
        # flat cell -> flat block, looked up rather than divided (integer division is slow per call)
        rows = np.arange(self.rows, dtype=np.int32)[:, None] // self.b
        cols = np.arange(self.cols, dtype=np.int32)[None, :] // self.b
        self._cell_block = (rows * np.int32(self.shape[1]) + cols).ravel()

    def block_of(self, flat_cells: np.ndarray) -> np.ndarray:
        """Flat block index of each flat cell index."""
        return self._cell_block[flat_cells]

    def bin(self, flat_cells: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Sum of `weights` (default 1) per block, as a (block rows, block cols) float64 array."""
        size = self.shape[0] * self.shape[1]
        return np.bincount(self.block_of(flat_cells), weights=weights, minlength=size).reshape(self.shape).astype(np.float64)

    def bin_mask(self, mask: np.ndarray) -> np.ndarray:
        """Count of True cells per block from a full-grid mask (a full pass: use at start, not per tick)."""
        b = self.b
        pad = np.zeros((self.shape[0] * b, self.shape[1] * b), np.float32)
        pad[: self.rows, : self.cols] = mask
        return pad.reshape(self.shape[0], b, self.shape[1], b).sum(axis=(1, 3)).astype(np.float64)

    def smooth(self, coarse: np.ndarray, radius_m: float) -> np.ndarray:
        """Mean over a square window of about 2 x radius_m around each block."""
        size = max(1, int(round(2 * radius_m / (self.b * self.cell_size_m))) | 1)
        return ndimage.uniform_filter(coarse, size=size, mode="constant")

    def lookup(self, coarse: np.ndarray, flat_cells: np.ndarray) -> np.ndarray:
        return coarse.ravel()[self.block_of(flat_cells)]


def distance_km(mask: np.ndarray, cell_size_m: float, cap_km: float = 50.0) -> np.ndarray:
    """Distance from every cell to the nearest True cell of `mask`, km (cap_km where mask is empty)."""
    if not mask.any():
        return np.full(mask.shape, cap_km, np.float32)
    dist = ndimage.distance_transform_edt(~mask, sampling=cell_size_m / 1000.0)
    return np.minimum(dist, cap_km).astype(np.float32)


def network_distances(grid, transit_reach_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk to transit (grid km), transit within reach (flat bool) and distance to a centre (flat km).

    Full-grid work: done at start and when the network or the centres change, not every tick.
    """
    transit_km = distance_km(grid.transit, grid.cell_size_m)
    transit_access = (transit_km.ravel() <= transit_reach_km) & bool(grid.transit.any())
    centre_km = distance_km(grid.subcentre > 0, grid.cell_size_m).ravel()
    return transit_km, transit_access, centre_km

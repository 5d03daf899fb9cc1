"""A built-in synthetic region, so that `make run` and the tests need no data.

Seeded and deterministic: smoothed-noise terrain with a ridge, a meandering river with a floodplain
wetland, forest on the steeper and higher ground, farmland elsewhere, and an existing town on the river
with a dense core, a radial-and-ring road net and a few villages. Floor space is seeded in the town
(floor-area ratio falling from the core), so the model starts with a populated city.

>>> grid = synthetic_region(SyntheticRegion(rows=60, cols=80, seed=1))
>>> grid.shape, bool(grid.urban.any()), bool((grid.land_cover == LandCover.WATER).any())
((60, 80), True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from abm.grid import LandCover, LandGrid


@dataclass(frozen=True)
class SyntheticRegion:
    """Parameters of the generated region (sizes in cells unless the name says otherwise)."""

    rows: int = 200
    cols: int = 200
    cell_size_m: float = 100.0
    seed: int = 7
    town_radius_km: float = 1.6
    core_far: float = 2.0          # floor-area ratio at the town centre; falls to a quarter at the edge
    villages: int = 4
    relief_m: float = 120.0         # terrain amplitude
    river: bool = True
    start_year: int = 2020


def line_cells(r0: float, c0: float, r1: float, c1: float, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Cells on the straight segment between two points (dense sampling, clipped to the grid)."""
    n = int(max(abs(r1 - r0), abs(c1 - c0)) * 2) + 2
    rr = np.rint(np.linspace(r0, r1, n)).astype(np.int64)
    cc = np.rint(np.linspace(c0, c1, n)).astype(np.int64)
    keep = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
    return rr[keep], cc[keep]


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Gaussian-smoothed white noise scaled to [-1, 1]; wide kernels are drawn coarse and upsampled."""
    factor = max(1, int(sigma // 4))
    coarse_shape = (-(-shape[0] // factor), -(-shape[1] // factor))
    field = ndimage.gaussian_filter(rng.standard_normal(coarse_shape).astype(np.float32), sigma=sigma / factor)
    if factor > 1:
        field = ndimage.zoom(field, factor, order=1)[: shape[0], : shape[1]]
    return field / (np.abs(field).max() + 1e-9)


@dataclass
class Town:
    """Where the settlements are: the centre (row, column), the town's radius and footprint, the villages."""

    centre: tuple[float, float]
    radius_cells: float
    dist: np.ndarray            # distance of every cell from the centre, in cells
    town: np.ndarray            # bool: the town's footprint
    villages: np.ndarray        # bool: the villages' footprints
    village_cells: np.ndarray   # flat index of each village centre


def synthetic_region(params: SyntheticRegion) -> LandGrid:
    """Generate the region described by `params` as a LandGrid (deterministic in `params.seed`).

    The steps draw from one generator in a fixed order: terrain, river, land cover, settlements, roads.
    """
    rng = np.random.default_rng(params.seed)
    rows, cols = params.rows, params.cols
    grid = LandGrid.empty(rows, cols, cell_size_m=params.cell_size_m)
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float32)
    noise, elevation = _terrain(rng, params, grid, yy)
    centre = (rows * 0.45, cols * 0.5)  # the town centre: near the middle, on the river
    water, elevation = _river(rng, params, grid, yy, centre, noise, elevation)
    forest = _land_cover(rng, grid, elevation, water)
    town = _settlements(rng, params, grid, yy, xx, centre, water, forest)
    _roads(rng, grid, town, water)
    _floor_space(params, grid, town)
    grid.metadata.update({"centre": (float(centre[0]), float(centre[1])), "town_radius_cells": float(town.radius_cells),
                          "source": "synthetic", "seed": params.seed})
    return grid


def _terrain(rng: np.random.Generator, params: SyntheticRegion, grid: LandGrid,
             yy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(noise, elevation in m): smooth noise plus a ridge along one side; sets the slope (percent)."""
    rows, cols = params.rows, params.cols
    noise = _smooth_noise(rng, (rows, cols), max(rows, cols) / 12)
    ridge = np.clip((yy / rows) - 0.55, 0, None) * 2.2
    elevation = params.relief_m * (0.55 * noise + ridge)
    gy, gx = np.gradient(elevation, params.cell_size_m)
    grid.slope[:] = np.hypot(gx, gy) * 100.0
    return noise, elevation


def _river(rng: np.random.Generator, params: SyntheticRegion, grid: LandGrid, yy: np.ndarray,
           centre: tuple[float, float], noise: np.ndarray, elevation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(water, elevation): a meander crossing west to east just south of the centre, its valley lowered and
    a wetland on part of its floodplain. Without a river: no water, elevation unchanged."""
    rows, cols = params.rows, params.cols
    water = np.zeros((rows, cols), bool)
    if not params.river:
        return water, elevation
    centre_r, centre_c = centre
    scale = max(rows, cols)
    phase = rng.uniform(0, 2 * np.pi)
    river_r = centre_r + 0.07 * rows + 0.06 * rows * np.sin(np.linspace(0, 3 * np.pi, cols) + phase)
    river_r += 0.07 * rows - (river_r[int(centre_c)] - centre_r)  # keep the centre a little north of it
    width = max(1.0, 0.008 * scale)
    water = np.abs(yy - river_r[None, :]) <= width
    elevation = np.where(np.abs(yy - river_r[None, :]) < 6 * width, elevation * 0.3, elevation)
    floodplain = (np.abs(yy - river_r[None, :]) <= 3 * width) & ~water
    wet = floodplain & (noise < 0.1)
    grid.land_cover[wet] = LandCover.WETLAND
    return water, elevation


def _land_cover(rng: np.random.Generator, grid: LandGrid, elevation: np.ndarray, water: np.ndarray) -> np.ndarray:
    """Forest on high or steep ground, grassland on the middle slopes, farmland on the plain, water
    excluded; returns the forest mask."""
    forest = (elevation > np.quantile(elevation, 0.72)) | (grid.slope > np.quantile(grid.slope, 0.9))
    grass = ~forest & (elevation > np.quantile(elevation, 0.6))
    grid.land_cover[grass] = LandCover.GRASSLAND
    grid.land_cover[forest] = LandCover.FOREST
    grid.forest_age[forest] = rng.uniform(10, 60, size=int(forest.sum())).astype(np.float32)
    grid.land_cover[water] = LandCover.WATER
    grid.excluded[water] = True
    return forest


def _settlements(rng: np.random.Generator, params: SyntheticRegion, grid: LandGrid, yy: np.ndarray,
                 xx: np.ndarray, centre: tuple[float, float], water: np.ndarray, forest: np.ndarray) -> Town:
    """The town (distance-decay footprint with ragged edges) and small villages on the plain, made urban."""
    cols = params.cols
    centre_r, centre_c = centre
    radius_cells = params.town_radius_km / (params.cell_size_m / 1000.0)
    dist = np.hypot(yy - centre_r, xx - centre_c)
    edge_noise = _smooth_noise(rng, (params.rows, cols), max(1.0, radius_cells / 5))
    town = (dist <= radius_cells * (1 + 0.25 * edge_noise)) & ~water
    plain = ~water & ~forest & (grid.slope < 8) & (dist > 2.5 * radius_cells)
    candidates = np.flatnonzero(plain)
    village_cells = (rng.choice(candidates, size=min(params.villages, len(candidates)), replace=False)
                     if len(candidates) else [])
    village_radius = max(1.0, radius_cells / 5)
    villages = np.zeros_like(town)
    for flat in village_cells:
        vr, vc = divmod(int(flat), cols)
        villages |= np.hypot(yy - vr, xx - vc) <= village_radius
    villages &= ~water
    urban = town | villages
    grid.land_cover[urban] = LandCover.URBAN
    grid.forest_age[urban] = 0
    grid.urban_year[urban] = params.start_year - 1
    return Town(centre, radius_cells, dist, town, villages, np.asarray(village_cells, np.int64))


def _roads(rng: np.random.Generator, grid: LandGrid, town: Town, water: np.ndarray) -> None:
    """Radial spokes from the centre to the edges, a ring at the town edge, links to the villages."""
    rows, cols = grid.shape
    scale = max(rows, cols)
    centre_r, centre_c = town.centre
    roads = np.zeros((rows, cols), bool)
    for angle in np.linspace(0, 2 * np.pi, 8, endpoint=False) + rng.uniform(0, np.pi / 8):
        rr, cc = line_cells(centre_r, centre_c, centre_r + np.sin(angle) * scale, centre_c + np.cos(angle) * scale,
                            (rows, cols))
        roads[rr, cc] = True
    roads |= np.abs(town.dist - town.radius_cells) <= 0.6
    for flat in town.village_cells:
        vr, vc = divmod(int(flat), cols)
        rr, cc = line_cells(centre_r, centre_c, vr, vc, (rows, cols))
        roads[rr, cc] = True
    grid.roads[:] = roads & ~water  # bridges are not modelled as buildable, so no road on water cells


def _floor_space(params: SyntheticRegion, grid: LandGrid, town: Town) -> None:
    """Floor space: FAR falls linearly from the core to a quarter of it at the town edge; villages low.
    Also the buildings' vintage, the energy factor and the core as subcentre 1."""
    dist, radius_cells = town.dist, town.radius_cells
    urban = town.town | town.villages
    far = params.core_far * np.clip(1 - 0.75 * dist / radius_cells, 0.25, 1.0)
    far = np.where(town.town, far, np.where(town.villages, 0.3, 0.0)).astype(np.float32)
    area = grid.cell_area_m2
    grid.floor_residential[:] = far * area * 0.75
    grid.floor_commercial[:] = far * area * np.where(dist < radius_cells * 0.4, 0.2, 0.1)
    grid.floor_industrial[:] = far * area * np.where(dist < radius_cells * 0.4, 0.05, 0.15)
    grid.vintage[urban] = np.clip(params.start_year - 40 + dist[urban] / max(radius_cells, 1) * 30, 1950,
                                  params.start_year - 1)
    grid.energy_factor[:] = 1.0
    grid.subcentre[dist <= max(1.0, radius_cells * 0.35)] = 1  # the core

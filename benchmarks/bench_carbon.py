"""Carbon accounting speed: one `account_carbon` call on a 2000 x 2000 grid, 1M households, 100k firms.

Why: the carbon kernels run every tick of every Monte Carlo run, so they must stay well under the cost
of the rest of a tick. Synthetic random layers and agents (seeded); the first call compiles/loads the
kernels and is not timed.
"""

from __future__ import annotations

import statistics
import time

import numba
import numpy as np

from abm.carbon import account_carbon
from abm.carbon_params import CarbonParameters
from abm.grid import LandCover, LandGrid
from abm.population import Firms, Households

TARGET_MS = 100.0


def synthetic(rows: int = 2000, cols: int = 2000, n_households: int = 1_000_000, n_firms: int = 100_000,
              seed: int = 0):
    """A random grid with households and firms, and the per-tick inputs of `account_carbon`."""
    rng = np.random.default_rng(seed)
    grid = LandGrid.empty(rows, cols, cell_size_m=100.0)
    n = rows * cols
    grid.valid[:] = rng.random((rows, cols)) < 0.95
    grid.land_cover[:] = rng.choice(np.array([1, 2, 3, 4, 5, 6, 7], np.uint8), size=(rows, cols),
                                    p=[0.2, 0.35, 0.1, 0.25, 0.03, 0.02, 0.05])
    urban = grid.land_cover == LandCover.URBAN
    grid.floor_residential[:] = np.where(urban, rng.random((rows, cols)) * 15000, 0)
    grid.floor_commercial[:] = np.where(urban, rng.random((rows, cols)) * 5000, 0)
    grid.floor_industrial[:] = np.where(urban, rng.random((rows, cols)) * 3000, 0)
    grid.floor_added[:] = np.where(rng.random((rows, cols)) < 0.01, grid.floor_residential * 0.5, 0)
    grid.energy_factor[:] = rng.uniform(0.7, 1.0, (rows, cols))
    grid.retrofit[:] = rng.random((rows, cols)) * 0.3
    # whole years, as the model ages stands one year per tick
    grid.forest_age[:] = np.where(grid.land_cover == LandCover.FOREST, rng.integers(0, 120, (rows, cols)), 0)
    grid.roads[:] = rng.random((rows, cols)) < 0.3
    urban_cells = np.flatnonzero(urban & grid.valid)
    firms = Firms.empty()
    firms.append(site=rng.choice(urban_cells, n_firms), sector=rng.integers(0, 2, n_firms),
                 jobs=rng.integers(1, 50, n_firms), va_per_job=rng.uniform(1e5, 4e5, n_firms),
                 located_tick=rng.integers(0, 10, n_firms))
    households = Households.empty()
    households.append(home=rng.choice(urban_cells, n_households), work=rng.integers(0, n_firms, n_households),
                      size=rng.integers(1, 6, n_households), income=rng.uniform(3e4, 3e5, n_households),
                      car=rng.random(n_households) < 0.5, located_tick=rng.integers(0, 10, n_households))
    inputs = dict(
        transit_dist_km=rng.exponential(1.5, (rows, cols)).astype(np.float32),
        converted_cells=rng.choice(n, 2000, replace=False),
        converted_from=rng.choice(np.array([2, 3, 4, 6], np.uint8), 2000),
        afforested_cells=rng.choice(n, 1000, replace=False),
    )
    return grid, households, firms, inputs


def run(repeats: int = 7) -> dict:
    grid, households, firms, inputs = synthetic()
    params = CarbonParameters.from_dict({"industry_enabled": True})
    account_carbon(grid, households, firms, params, year=2030, tick=9, **inputs)  # compile / load cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        account_carbon(grid, households, firms, params, year=2030, tick=9, **inputs)
        times.append((time.perf_counter() - start) * 1000.0)
    return {
        "account_carbon_median_ms": round(statistics.median(times), 1),
        "account_carbon_min_ms": round(min(times), 1),
        "target_ms": TARGET_MS,
        "meets_target": statistics.median(times) <= TARGET_MS,
        "grid": "2000x2000",
        "households": len(households),
        "firms": len(firms),
        "repeats": repeats,
        "numba_threads": numba.get_num_threads(),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))

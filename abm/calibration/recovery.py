"""Parameter recovery: simulate a history with known parameters, calibrate on it, compare.

If the calibration cannot find parameters it was handed the answer for, its fits of real maps mean
little. `synthetic_history` replaces the urban maps of a map set (a real one, e.g. demo200's 1930
state, or the small `toy_map_set`) by one model run with the `truth` parameters, keeping the start
map, roads, slope and exclusion; `recover` calibrates on that history and reports each searched
parameter's error as a share of its search range.

>>> sset = toy_map_set(size=40, seed=1)
>>> sset.urban_years, sset.shape
([2000, 2010, 2020, 2030], (40, 40))
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from abm.calibration.config import CalibrationConfig
from abm.io.sleuth import SleuthSet


def toy_map_set(size: int = 64, seed: int = 0, years: tuple[int, ...] = (2000, 2010, 2020, 2030),
                growth: tuple[float, ...] = (1.0, 2.0, 3.4, 5.2)) -> SleuthSet:
    """A small synthetic map set: a town and two villages on roads, a lake, gentle slopes.

    Only the start map is meaningful; later urban maps are placeholders with the areas `growth` x the
    start (`synthetic_history` replaces them by a simulation).
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    c = size / 2
    urban = np.hypot(yy - c, xx - c) <= size * 0.09
    for fy, fx, r in ((0.25, 0.3, 0.05), (0.72, 0.68, 0.045)):
        urban |= np.hypot(yy - fy * size, xx - fx * size) <= size * r
    roads = np.zeros((size, size), bool)
    roads[int(c), :] = True
    roads[:, int(c)] = True
    diag = np.arange(size)
    roads[diag, diag] = True
    from scipy import ndimage

    slope = ndimage.gaussian_filter(rng.random((size, size)), size / 10) * 40
    slope = (slope - slope.min()) / max(np.ptp(slope), 1e-9) * 25
    excluded = np.zeros((size, size), np.uint8)
    lake = np.hypot(yy - 0.8 * size, xx - 0.2 * size) <= size * 0.1
    excluded[lake] = 100
    urban &= ~lake
    roads &= ~lake
    n0 = int(urban.sum())
    maps = {y: urban.copy() for y in years}
    for y, g in zip(years, growth):  # placeholders with the right areas: the start map grown by distance
        if y == years[0]:
            continue
        d = ndimage.distance_transform_edt(~urban) + 1e-3 * rng.random((size, size))
        d[lake] = np.inf
        order = np.argsort(d.ravel(), kind="stable")
        m = np.zeros(size * size, bool)
        m[order[: int(round(n0 * g))]] = True
        maps[y] = m.reshape(size, size)
    return SleuthSet(
        name=f"toy{size}", path=Path("<synthetic>"), urban=maps, roads={years[0]: roads.astype(np.uint8) * 100},
        slope=slope.astype(np.float32), excluded=excluded, landuse={}, valid=np.ones((size, size), bool),
        prefix="toy", missing=("landuse",),
    )


def synthetic_history(config: CalibrationConfig, truth: dict[str, Any], seed: int = 12345,
                      sset: SleuthSet | None = None) -> SleuthSet:
    """A copy of the config's map set whose urban maps after the start are one model run with `truth`.

    The run follows the observed totals (as every calibration run does) and the roads schedule; held-out
    totals are those the calibration itself would use, so a perfect fit is possible in principle.
    """
    from abm.calibration.history import load_history
    from abm.calibration.simulate import build_inputs, run_model

    history = load_history(config, sset)
    inputs = build_inputs(config, history, history.fit_years)
    maps = run_model(inputs, dict(truth), seed, history.years)
    out = copy.copy(history.sset)
    urban = {y: m.copy() for y, m in history.sset.urban.items()}
    for y, m in maps.items():
        urban[y] = m
    return dataclasses.replace(out, urban=urban)


def recover(config: CalibrationConfig, truth: dict[str, Any], *, seed: int = 12345, sset: SleuthSet | None = None,
            workers: int | None = 1, progress: bool = False) -> dict[str, Any]:
    """Calibrate on a synthetic history made with `truth`; per parameter: truth, recovered, error / range.

    `truth` must give a value for every searched parameter (and may fix others). Returns
    ``{"parameters": {key: {"truth", "recovered", "error_share"}}, "max_error_share", "fit": headline}``.
    """
    from abm.calibration.pipeline import calibrate

    missing = [p.key for p in config.search.space if p.key not in truth]
    if missing:
        raise ValueError(f"truth gives no value for the searched parameter(s) {', '.join(missing)}")
    synthetic = synthetic_history(config, truth, seed, sset)
    fixed = {k: v for k, v in truth.items() if k not in {p.key for p in config.search.space}}
    if fixed:
        scenario = copy.deepcopy(config.scenario)
        from abm.scenario import set_dotted

        for k, v in fixed.items():
            set_dotted(scenario, k, v)
        config = dataclasses.replace(config, scenario=scenario)
    result = calibrate(config, None, workers=workers, progress=progress, sset=synthetic, write=False)
    params = {}
    for p in config.search.space:
        got = result.best_params[p.key]
        params[p.key] = {"truth": truth[p.key], "recovered": got,
                         "error_share": abs(float(got) - float(truth[p.key])) / float(p.high - p.low)}
    return {"parameters": params, "max_error_share": max(v["error_share"] for v in params.values()),
            "fit": result.headline["model"], "seconds": result.seconds}

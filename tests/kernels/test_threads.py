"""Parallel kernels give the same results on the calling thread alone as on every numba thread."""

from __future__ import annotations

import pandas as pd

from abm.kernels import _jit
from abm.model import UrbanModel
from abm.scenario import scenario_from_dict


def _run(monkeypatch, serial_below: int) -> pd.DataFrame:
    monkeypatch.setattr(_jit, "SERIAL_BELOW", serial_below)
    model = UrbanModel(scenario_from_dict({"region": {"rows": 80, "cols": 80, "town_radius_km": 1.2, "villages": 2},
                                           "run": {"ticks": 3}, "population": {"growth_rate": 0.04}}))
    for _ in range(3):
        model.step()
    return pd.DataFrame(model.records)


def test_small_work_on_one_thread_gives_the_parallel_results(monkeypatch):
    """Every kernel behind `threads_for` (buildings, sinks, block sums, location choice, household pass) run in
    parallel (threshold 0) and alone (threshold above any work): the same time series, to the last bit."""
    parallel = _run(monkeypatch, 0)
    alone = _run(monkeypatch, 1 << 40)
    pd.testing.assert_frame_equal(parallel, alone, check_exact=True)

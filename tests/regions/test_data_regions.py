"""Data regions: demo200 starts from its 1930 map and runs (skips where the shared data is absent)."""

from __future__ import annotations

import numpy as np

from abm.model import UrbanModel
from abm.scenario import scenario_from_dict


def test_demo200_runs_from_1930(demo200_dir):
    scenario = scenario_from_dict({
        "run": {"start_year": 1930, "ticks": 3},
        "region": {"kind": "sleuth", "path": str(demo200_dir), "year": 1930},
        "policy": {"quantity": {"growth_boundary": "none", "red_line": "none"}},
    })
    model = UrbanModel(scenario)
    g = model.grid
    assert g.shape == (200, 200)
    assert int(g.urban.sum()) == 598
    assert len(model.households) > 0
    for _ in range(3):
        model.step()
    assert model.year == 1933
    assert int(g.urban.sum()) >= 598
    assert not (g.floor_total[g.excluded] > 0).any()
    assert np.isfinite(model.records[-1]["emissions_total_t"])

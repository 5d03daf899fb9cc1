"""Every shipped scenario runs a few ticks (as Mesa's test_examples does for its examples)."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm.runner import run_scenario
from abm.scenario import load_scenario

SCENARIOS = sorted((Path(__file__).parents[1] / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_runs_a_few_ticks(path):
    result = run_scenario(load_scenario(path), ticks=3)
    ts = result.timeseries
    assert list(ts["tick"]) == [0, 1, 2, 3]
    assert (ts["households"] > 0).all()
    assert ts["emissions_total_t"].notna().all()

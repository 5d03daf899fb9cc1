"""Golden results: the four shipped scenarios, seed 42, 20 ticks, give exactly the stored time series
and inflection events.

Why: issue 10 rebuilds the model's insides (processes as components, a registry of emission sources,
one schema engine). A refactor must change no result; this test says so to the last bit. Retire or
regenerate it (``ABM_WRITE_GOLDEN=1 pytest tests/test_golden.py``) only in a change that alters the
physics on purpose, and say so in that commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm.runner import run_scenario
from abm.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = ("baseline", "compact", "polycentric", "sprawl")
SEED, TICKS = 42, 20


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_results_match_golden(name: str) -> None:
    result = run_scenario(load_scenario(ROOT / "scenarios" / f"{name}.toml"), seed=SEED, ticks=TICKS)
    series_path, events_path = GOLDEN / f"{name}.parquet", GOLDEN / f"{name}_events.json"
    if os.environ.get("ABM_WRITE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        result.timeseries.to_parquet(series_path, index=False)
        events_path.write_text(json.dumps(result.events, indent=1, sort_keys=True) + "\n")
    expected = pd.read_parquet(series_path)
    got = result.timeseries
    assert sorted(got.columns) == sorted(expected.columns), "time-series columns changed"
    for column in expected.columns:
        a, b = got[column].to_numpy(), expected[column].to_numpy()
        assert a.dtype.kind == b.dtype.kind, f"column {column}: dtype {a.dtype} != {b.dtype}"
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f"column {column} differs from golden"
    assert json.loads(json.dumps(result.events, sort_keys=True)) == json.loads(events_path.read_text())

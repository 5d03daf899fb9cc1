"""Every output that states an inflection year says which exogenous paths it holds on."""

from __future__ import annotations

import json

from abm.commands.run import summary
from abm.conditions import exogenous_conditions
from abm.runner import run_scenario
from abm.scenario import scenario_from_dict

TINY = {"run": {"ticks": 3, "start_year": 2022}, "region": {"rows": 40, "cols": 40, "town_radius_km": 0.5}}


def test_conditions_name_each_path_and_follow_the_scenario():
    slow = scenario_from_dict({**TINY, "population": {"growth_rate": {2022: 0.02, 2040: 0.0}},
                               "carbon": {"grid_factor_kg_per_kwh": 0.6}})
    growth, economy, grid = exogenous_conditions(slow)
    assert growth == "household growth 2.0%/yr (2022), 0.0%/yr (2040)"
    assert economy.startswith("value added per job, services") and "industry" in economy
    assert grid == "grid factor 0.6 kgCO2/kWh"


def test_events_json_summary_and_app_carry_them(tmp_path):
    scenario = scenario_from_dict(TINY)
    expected = exogenous_conditions(scenario)
    result = run_scenario(scenario, out_dir=tmp_path)
    events = json.loads((tmp_path / "events.json").read_text())
    assert len(events) == 6 and all(e["conditional_on"] == expected for e in events)
    assert "conditional on: " + "; ".join(expected) in summary(result, tmp_path)

    from viz.runs import Run
    from viz.session import conditions_line

    run = Run("A", scenario)
    assert all(e["conditional_on"] == expected for e in run.events() + run.milestones())
    assert conditions_line(run).endswith("; ".join(expected))

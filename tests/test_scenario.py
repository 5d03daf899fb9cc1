"""Scenario files: validation names the field and the fix; extends, round trips, year paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm.errors import ConfigError
from abm.scenario import describe_fields, dumps_toml, load_scenario, scenario_from_dict

SCENARIOS = sorted((Path(__file__).parents[1] / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_load(path):
    s = load_scenario(path)
    assert s.name == path.stem
    assert s.run.ticks >= 1


@pytest.mark.parametrize(
    "raw, field, words",
    [
        ({"run": {"ticks": 0}}, "run.ticks",
         "0 is below the minimum 1 (fix: use a value from 1 to 1000 years, e.g. ticks = 50)"),
        ({"run": {"ticks": 2.5}}, "run.ticks", "integer"),
        ({"run": {"tick": 5}}, "run.tick", "unknown field"),
        ({"policy": {"layout": {"transit": "tram"}}}, "policy.layout.transit", "not a valid choice"),
        ({"policy": {"quantity": {"land_quota_cells": {"2020": -5}}}}, "policy.quantity.land_quota_cells.2020", "minimum"),
        ({"policy": {"quantity": {"land_quota_cells": {"soon": 5}}}}, "policy.quantity.land_quota_cells", "not a year"),
        ({"policy": {"function": {"mixed_use": "high"}}}, "policy.function.mixed_use", "number"),
        ({"policy": {"quantity": {"growth_boundary": "clusters"}}}, "policy.quantity.growth_boundary", "sub-centres"),
        ({"region": {"kind": "sleuth"}}, "region.path", "data path"),
        ({"carbon": {"ef_car_gpkm": 100}}, "carbon.ef_car_gpkm", "unknown"),
        ({"policy": {"efficiency": {"grid_factor_kg_per_kwh": -1}}}, "carbon.grid_factor_kg_per_kwh", ""),
        ({"schema": 9}, "schema", "not supported"),
        ({"detector": {"windowz": 3}}, "detector.windowz", "unknown field"),
        ({"run": {"tick": 5}}, "run.tick", "did you mean ticks?"),
        ({"region": {"cell_size_m": float("nan")}}, "region.cell_size_m", "not a finite number"),
        ({"population": {"move_rate": float("inf")}}, "population.move_rate", "not a finite number"),
        ({"run": {"ticks": float("inf")}}, "run.ticks", "not a finite number"),
        ({"population": {"growth_rate": {"2020": float("nan")}}}, "population.growth_rate.2020", "not finite"),
        ({"run": {"ticks": True}}, "run.ticks", "integer"),
        ({"name": 3}, "name", "string"),
        ({"run": 5}, "run", "expected a table"),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(raw, field, words):
    with pytest.raises(ConfigError) as err:
        scenario_from_dict(raw)
    message = str(err.value)
    assert message.startswith(field), message
    assert words in message
    assert "\n" not in message
    assert "fix:" in message


def test_year_path_and_extends(tmp_path):
    (tmp_path / "base.toml").write_text('name = "base"\n[policy.quantity]\nland_quota_cells = 100\nboundary_radius_km = 7.0\n')
    (tmp_path / "child.toml").write_text('extends = "base.toml"\nname = "child"\n'
                                         '[policy.quantity]\nland_quota_cells = { 2020 = 100, 2030 = 20 }\n')
    s = load_scenario(tmp_path / "child.toml")
    assert s.name == "child"
    assert s.policy.quantity.boundary_radius_km.at(2050) == 7.0  # inherited
    assert s.policy.quantity.land_quota_cells.at(2025) == 60.0  # interpolated
    assert s.policy.quantity.land_quota_cells.at(2040) == 20.0  # held


def test_efficiency_levers_reach_the_carbon_parameters():
    s = scenario_from_dict({"policy": {"efficiency": {"grid_factor_kg_per_kwh": {"2020": 0.5, "2030": 0.1}}}})
    assert s.carbon_parameters().grid_factor_kg_per_kwh.at(2030) == pytest.approx(0.1)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_round_trip_through_toml(path, tmp_path):
    s = load_scenario(path)
    out = tmp_path / "again.toml"
    out.write_text(dumps_toml(s.to_dict()))
    again = load_scenario(out)
    assert again.to_dict() == s.to_dict()


def test_overrides_are_validated():
    s = scenario_from_dict({})
    assert s.with_overrides({"policy.layout.subcentres": 3}).policy.layout.subcentres == 3
    with pytest.raises(ConfigError, match="policy.layout.subcentres"):
        s.with_overrides({"policy.layout.subcentres": -1})


def test_every_field_is_described():
    rows = describe_fields()
    assert len(rows) > 60
    assert all(row.doc for row in rows), [row.name for row in rows if not row.doc]
    ticks = next(row for row in rows if row.name == "run.ticks")
    assert (ticks.type, ticks.default, ticks.range, ticks.unit) == ("integer", "50", "1 to 1000", "years")
    growth = next(row for row in rows if row.name == "population.growth_rate")
    assert growth.type == "number or year path" and growth.default.startswith("{ 2020 = 0.025")


def test_docs_scenarios_table_is_current():
    from abm.scenario import scenario_reference_markdown

    text = (Path(__file__).parents[1] / "docs" / "scenarios.md").read_text()
    assert scenario_reference_markdown() in text, "docs/scenarios.md is stale: regenerate from scenario_reference_markdown()"


@pytest.mark.parametrize("year", ["1800", "99999", "0"])
def test_a_year_path_naming_a_year_no_run_can_reach_is_refused(year):
    """Year keys are years a run can reach (start 1900-2200, up to 1000 ticks): 1800 or 99999 is a typo."""
    with pytest.raises(ConfigError, match="not a year.*1900-3200"):
        scenario_from_dict({"population": {"growth_rate": {"2020": 0.01, year: 0.02}}})

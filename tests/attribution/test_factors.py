"""The factor table: every scenario field and [carbon] key in exactly one factor or declared no lever."""

from __future__ import annotations

import dataclasses
import fnmatch

import pytest

from abm.attribution.factors import (FACTORS, IGNORED, NOT_LEVERS, coalition_scenario, compare_scenarios,
                                     factor_of, players_for, scenario_fields)
from abm.carbon_params import CarbonParameters
from abm.errors import ConfigError
from abm.inflection import DetectorConfig
from abm.scenario import describe_fields, scenario_from_dict
from abm.schema import fields_of

TINY = {"region": {"rows": 40, "cols": 40, "town_radius_km": 0.5}, "run": {"ticks": 3}}


def _declarations(field: str) -> list[str]:
    return ([f"factor {f.name}" for f in FACTORS if f.owns(field)]
            + [f"not a lever ({p})" for p in NOT_LEVERS if fnmatch.fnmatchcase(field, p)]
            + [f"ignored ({i})" for i in IGNORED if i == field])


def _every_field() -> set[str]:
    """Every leaf of the schema, every [carbon] key and every detector setting, however written."""
    leaves = {row.name for row in describe_fields()} - {"carbon", "detector"}
    sections = {name.rsplit(".", 1)[0] for name in leaves if "." in name}
    fields = {name for name in leaves if name not in sections}
    fields |= {f"carbon.{spec.name}" for spec in fields_of(CarbonParameters)}
    fields |= {f"detector.{f.name}" for f in dataclasses.fields(DetectorConfig)}
    return fields


def test_every_field_falls_in_exactly_one_factor_or_is_declared_no_lever():
    fields = _every_field() | set(scenario_fields(scenario_from_dict({})))
    wrong = {field: _declarations(field) for field in sorted(fields) if len(_declarations(field)) != 1}
    assert not wrong, f"classify each in abm/attribution/factors.py (exactly once): {wrong}"


def test_every_pattern_names_a_field():
    """A pattern matching nothing is a stale name (a field renamed or moved): fix the table."""
    fields = _every_field()
    patterns = [p for f in FACTORS for p in f.patterns] + list(NOT_LEVERS) + list(IGNORED)
    stale = [p for p in patterns if not any(fnmatch.fnmatchcase(field, p) for field in fields)]
    assert not stale


def test_the_lever_classes_renewal_technology_and_paths_are_factors():
    assert factor_of("policy.quantity.land_quota_cells") == "quantity"
    assert factor_of("policy.renewal.renewal_share") == "renewal"
    assert factor_of("carbon.new_build_factor_residential") == "efficiency"
    assert factor_of("carbon.grid_factor_kg_per_kwh") == "grid"
    assert factor_of("population.growth_rate") == "population"
    assert factor_of("population.va_per_job_services_cny") == "economy"
    assert factor_of("choice.beta_rent") is None
    assert {f.group for f in FACTORS} == {"form", "technology", "exogenous"}


def test_efficiency_levers_written_under_policy_count_as_efficiency():
    a = scenario_from_dict(TINY)
    b = scenario_from_dict({**TINY, "policy": {"efficiency": {"renewables_share": 0.3, "retrofit_rate": 0.03}}})
    assert compare_scenarios(a, b).differs == {"efficiency": ("carbon.renewables_share",
                                                             "policy.efficiency.retrofit_rate")}


def test_a_difference_in_a_field_that_is_no_lever_is_refused_naming_it():
    a = scenario_from_dict(TINY)
    b = scenario_from_dict({**TINY, "choice": {"beta_rent": -2.0}})
    with pytest.raises(ConfigError, match=r"^choice\.beta_rent: differs between A \(-1\.2\) and B \(-2\.0\)"):
        compare_scenarios(a, b)


def test_run_length_must_agree_unless_overridden():
    a = scenario_from_dict(TINY)
    b = scenario_from_dict({**TINY, "run": {"ticks": 4}})
    with pytest.raises(ConfigError, match="run.ticks"):
        compare_scenarios(a, b)
    assert compare_scenarios(a, b, ticks=2).differs == {}


def test_players_group_factors_and_put_the_rest_together():
    a = scenario_from_dict(TINY)
    b = scenario_from_dict({**TINY, "policy": {"layout": {"far_cap_core": 3.0}, "function": {"mixed_use": 0.5},
                                               "quantity": {"land_quota_cells": 50}},
                            "population": {"growth_rate": 0.04}})
    comp = compare_scenarios(a, b)
    assert [p.name for p in players_for(comp)] == ["quantity", "function", "layout", "population"]
    grouped = players_for(comp, ["quantity+layout", "population"])
    assert [(p.name, p.group) for p in grouped] == [("quantity+layout", "form"), ("population", "exogenous"),
                                                     ("rest", "form")]
    with pytest.raises(ConfigError, match="unknown factor 'layuot'"):
        players_for(comp, ["layuot"])
    with pytest.raises(ConfigError, match="'layout' is named twice"):
        players_for(comp, ["layout", "quantity+layout"])


def test_a_coalition_is_a_with_the_players_fields_from_b():
    a = scenario_from_dict(TINY)
    b = scenario_from_dict({**TINY, "policy": {"layout": {"far_cap_core": 3.0}}, "population": {"growth_rate": 0.04}})
    comp = compare_scenarios(a, b)
    players = players_for(comp)
    only_layout = scenario_from_dict(coalition_scenario(comp, players, 0b01, seed=5, ticks=None))
    assert only_layout.policy.layout.far_cap_core.at(2020) == 3.0
    assert only_layout.population.growth_rate == a.population.growth_rate
    assert only_layout.run.seed == 5
    none, both = (coalition_scenario(comp, players, m, seed=5, ticks=None) for m in (0, 3))
    assert scenario_fields(scenario_from_dict(none))["policy.layout.far_cap_core"] == 2.5
    assert scenario_fields(scenario_from_dict(both))["population.growth_rate"] == 0.04


def test_a_coalition_that_is_no_valid_scenario_is_refused_with_the_fix():
    a = scenario_from_dict(TINY)
    b = scenario_from_dict({**TINY, "policy": {"quantity": {"growth_boundary": "clusters"},
                                               "layout": {"subcentres": 3}}})
    comp = compare_scenarios(a, b)
    with pytest.raises(ConfigError, match=r"coalition \{quantity\}.*--factors quantity\+layout"):
        coalition_scenario(comp, players_for(comp), 0b01, seed=1, ticks=None)

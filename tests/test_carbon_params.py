"""CarbonParameters: DESIGN.md defaults, scenario overrides and refusals, documentation of every field."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon_params import PARAMETERS, CarbonParameters, parameters_markdown
from abm.errors import ConfigError
from abm.paths import YearPath

DOCS = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"


def test_fields_are_the_table():
    assert [f.name for f in fields(CarbonParameters)] == list(PARAMETERS)
    p = CarbonParameters()
    for name, info in PARAMETERS.items():
        assert getattr(p, name) == info.default
        assert info.units and info.source and info.doc


def test_every_field_documented():
    text = DOCS.read_text()
    for name in PARAMETERS:
        assert f"`{name}`" in text, f"{name} missing from docs/parameters.md"
    assert parameters_markdown() in text, "docs/parameters.md table is stale: regenerate with parameters_markdown()"


def test_design_defaults():
    p = CarbonParameters()
    g = p.grid_factor_kg_per_kwh
    assert g.at(2022) == pytest.approx(0.5366)
    assert g.at(2030) == pytest.approx(0.40)
    assert g.at(2050) <= 0.08
    assert g.at(2060) == pytest.approx(0.0, abs=1e-9)
    assert p.new_build_factor(2021, "residential") == 1.0
    assert p.new_build_factor(2021, "commercial") == 1.0
    assert p.new_build_factor(2022, "residential") == pytest.approx(0.70)
    assert p.new_build_factor(2035, "commercial") == pytest.approx(0.80)
    assert p.new_build_factor(2035, "industrial") == pytest.approx(0.80)
    assert (p.energy_residential_kgce_m2, p.energy_commercial_kgce_m2, p.heating_kgce_m2) == (12.9, 30.2, 14.9)
    assert (p.ef_car_g_pkm.at(2030), p.ef_bus_g_pkm.at(2030), p.ef_ebike_g_pkm.at(2030)) == (129, 56, 6)
    assert 53 <= p.ef_metro_g_pkm.at(2030) <= 77
    assert (p.sink_wetland_t_ha, p.sink_grassland_t_ha, p.sink_cropland_t_ha) == (0.6, 0.2, -0.1)
    assert p.conversion_forest_t_ha == 49.0
    assert 2.0 <= p.fossil_kgco2_per_kgce <= 2.7


def test_at_year_carriers():
    p = CarbonParameters.from_dict({"renewables_share": {"2020": 0.0, "2040": 0.5}, "electric_share_residential": 0.5,
                                    "fossil_kgco2_per_kgce": 2.0, "grid_factor_kg_per_kwh": 0.5, "kwh_kgce": 0.1229})
    y = p.at_year(2030)
    assert y.electricity_kgco2_per_kgce == pytest.approx(0.5 / 0.1229 * 0.75)
    assert y.building_kgco2_per_kgce[0] == pytest.approx(0.5 * 0.5 / 0.1229 * 0.75 + 0.5 * 2.0)
    assert y.intensity_kgce_m2 == (12.9, 30.2, 30.2)
    north = CarbonParameters(heating_zone_share=1.0).at_year(2030)
    assert north.intensity_kgce_m2 == pytest.approx((12.9 + 14.9, 30.2 + 14.9, 30.2))
    with pytest.raises(ValueError, match="residential"):
        p.new_build_factor(2030, "farm")


def test_round_trip_defaults_and_overrides():
    p = CarbonParameters()
    assert CarbonParameters.from_dict(p.to_dict()) == p
    q = CarbonParameters.from_dict({"grid_factor_kg_per_kwh": {"2025": 0.5, "2040": 0.1}, "industry_enabled": True,
                                    "circuity": 1.2, "ef_car_g_pkm": 100})
    assert q.grid_factor_kg_per_kwh == YearPath((2025, 2040), (0.5, 0.1))
    assert CarbonParameters.from_dict(q.to_dict()) == q


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_round_trip_random_overrides(data):
    names = data.draw(st.lists(st.sampled_from(list(PARAMETERS)), unique=True, max_size=8))
    raw = {}
    for name in names:
        info = PARAMETERS[name]
        if isinstance(info.default, bool):
            raw[name] = data.draw(st.booleans())
            continue
        value = st.floats(info.lo, info.hi, allow_nan=False)
        if isinstance(info.default, YearPath):
            raw[name] = data.draw(value | st.dictionaries(st.integers(1990, 2100).map(str), value, min_size=1,
                                                          max_size=4))
        else:
            raw[name] = data.draw(value)
    p = CarbonParameters.from_dict(raw)
    assert CarbonParameters.from_dict(p.to_dict()) == p


def test_unknown_field_named_with_suggestion():
    with pytest.raises(ConfigError) as err:
        CarbonParameters.from_dict({"ef_carr_g_pkm": 100}, field="scenario.carbon")
    assert err.value.field == "scenario.carbon.ef_carr_g_pkm"
    assert "ef_car_g_pkm" in str(err.value)


@pytest.mark.parametrize("raw, field", [
    ({"circuity": "1.3"}, "carbon.circuity"),
    ({"circuity": True}, "carbon.circuity"),
    ({"circuity": 0.5}, "carbon.circuity"),
    ({"industry_enabled": 1}, "carbon.industry_enabled"),
    ({"retrofit_saving": 1.5}, "carbon.retrofit_saving"),
    ({"workdays_per_year": float("nan")}, "carbon.workdays_per_year"),
    ({"grid_factor_kg_per_kwh": {"2030": -0.1, "2040": 0.1}}, "carbon.grid_factor_kg_per_kwh.2030"),
    ({"grid_factor_kg_per_kwh": "low"}, "carbon.grid_factor_kg_per_kwh"),
    ({"renewables_share": {"next year": 0.5}}, "carbon.renewables_share"),
])
def test_bad_values_refused_naming_the_field(raw, field):
    with pytest.raises(ConfigError) as err:
        CarbonParameters.from_dict(raw)
    assert err.value.field == field
    assert "fix:" in str(err.value)


def test_not_a_table_refused():
    with pytest.raises(ConfigError, match="carbon"):
        CarbonParameters.from_dict([1, 2])  # type: ignore[arg-type]

"""CarbonParameters: DESIGN.md defaults, scenario overrides and refusals, documentation of every field."""

from __future__ import annotations

import typing
from dataclasses import fields
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.carbon_params import CarbonParameters, parameters_markdown
from abm.errors import ConfigError
from abm.grid import LandCover
from abm.paths import YearPath
from abm.schema import fields_of

#: name -> declaration (default, unit, range, meaning, source) of every carbon factor.
SPECS = {spec.name: spec for spec in fields_of(CarbonParameters)}

DOCS = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"


def test_every_field_is_declared_with_unit_range_and_source():
    assert [f.name for f in fields(CarbonParameters)] == list(SPECS)
    p = CarbonParameters()
    for name, spec in SPECS.items():
        assert getattr(p, name) == spec.default
        assert spec.setting.unit and spec.setting.source and spec.setting.doc, name
        choices = typing.get_args(spec.type) if typing.get_origin(spec.type) is Literal else ()
        assert spec.type in (bool, str) or choices or (spec.setting.lo is not None and spec.setting.hi is not None), name


def test_every_field_documented():
    text = DOCS.read_text()
    for name in SPECS:
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
    assert (p.energy_residential_kgce_m2, p.climate_zone, p.heating_kgce_m2()) == (12.9, "hot_summer_cold_winter", 0.0)
    # commercial and public floor average the CABEE public-building figure at the default public share
    mean = (1 - p.public_floor_share) * p.energy_commercial_kgce_m2 + p.public_floor_share * p.energy_public_kgce_m2
    assert mean == pytest.approx(30.2, abs=0.2)
    assert (p.ef_car_g_pkm.at(2030), p.ef_bus_g_pkm.at(2030)) == (129, 56)
    # electric modes at the 2022 grid: e-bike about 6 g/pkm, metro under the bus; nothing on a carbon-free grid
    y22 = p.at_year(2022)
    ef = y22.ef_g_pkm(y22.electricity_kgco2_per_kgce * p.kwh_kgce)
    assert ef[1] == pytest.approx(6.4, abs=0.1) and 20 <= ef[3] < ef[2] < 56 and ef[4] < 129
    assert p.at_year(2060).ef_g_pkm(0.0)[[0, 1, 3]].tolist() == [0.0, 0.0, 0.0]
    assert (p.sink_wetland_t_ha, p.sink_grassland_t_ha, p.sink_cropland_t_ha) == (0.6, 0.2, -0.1)
    assert (p.carbon_pools_file, p.soil_loss_on_sealing, p.forest_ages) == ("", 0.3, "table")  # the shipped pools
    assert 2.0 <= p.fossil_kgco2_per_kgce <= 2.7


def test_at_year_assembles_every_step():
    """Buildings, industry, commuting, sinks and conversion each land in their CarbonYear slots."""
    p = CarbonParameters.from_dict({"industry_enabled": True, "climate_zone": "cold", "renewables_share": 0.2})
    y = p.at_year(2035)
    assert y.year == 2035 and y.industry_enabled
    assert y.electricity_kgco2_per_kgce == pytest.approx(0.32 / 0.3055 * 0.8)
    c = y.building_coefficients
    assert (c.heating_kgce_m2, c.commercial_kgce_m2, c.public_kgce_m2, c.industrial_kgce_m2) == (19.0, 34.3, 24.0, 30.2)
    assert c.residential_kgce_m2 + c.household_kgce / 96.0 == pytest.approx(12.9)  # the mean at the reference size
    assert y.embodied_kgco2_m2 == (250.0, 350.0, 400.0, 250.0) and y.demolition_kgco2_m2 == 40.0
    # by BRANCHES code (services, heavy, light, high-tech): 2020 levels x the 2035 index (0.75 - 5 x 0.42 / 30)
    assert y.industry_kgce_per_cny == pytest.approx((0.0, 0.24 * 0.68, 0.055 * 0.68, 0.025 * 0.68))
    assert y.industry_process_tco2_per_cny == pytest.approx((0.0, 1.3e-4 * (0.8 - 5 * 0.4 / 30), 0.0, 0.0))
    assert y.sink_t_ha[LandCover.WETLAND] == 0.6 and y.sink_t_ha[LandCover.FOREST] == 0.0
    assert y.soil_loss_on_sealing == 0.3 and (y.forest_growth_rate_per_yr, y.forest_half_age_yr) == (0.03, 40.0)
    # 2035: buses 95% and cars 32.5% electric (their paths); the rest at the fossil factors
    assert y.fossil_g_pkm == pytest.approx((0.0, 0.0, 0.05 * 56.0, 0.0, 0.675 * 129.0))
    assert y.electric_kwh_pkm == pytest.approx((0.0, 0.012, 0.95 * 0.08, 0.05, 0.325 * 0.1))
    assert y.speed_kmh == (10.0, 18.0, 15.0, 35.0, 25.0) and y.nest_lambda == (0.6, 0.35)
    assert y.trips_per_person == pytest.approx((2 * 0.2 * 190, 365 * 0.65, 365 * 0.3))
    assert y.freight_tkm_per_cny == (0.028, 0.14) and y.freight_g_per_tkm == pytest.approx((50.5 + 35.8) / 2)
    assert y.wait_min == (0.0, 0.0, 6.0, 4.0, 5.0) and y.density_effect == (0.7, 0.0, 0.0, 0.0, -0.8)
    assert (y.circuity, y.workdays_per_year, y.commuters_per_person) == (1.3, 250.0, 0.52)


def test_at_year_carriers():
    p = CarbonParameters.from_dict({"renewables_share": {"2020": 0.0, "2040": 0.5}, "electric_share_residential": 0.5,
                                    "fossil_kgco2_per_kgce": 2.0, "grid_factor_kg_per_kwh": 0.5, "kwh_kgce": 0.1229})
    y = p.at_year(2030)
    assert y.electricity_kgco2_per_kgce == pytest.approx(0.5 / 0.1229 * 0.75)
    c = y.building_coefficients
    assert c.residential_kgco2_per_kgce == pytest.approx(0.5 * 0.5 / 0.1229 * 0.75 + 0.5 * 2.0)
    assert c.heat_kgco2_per_kgce == 2.0 and c.heating_kgce_m2 == 0.0
    for zone, heating in (("severe_cold", 27.0), ("cold", 19.0), ("hot_summer_warm_winter", 0.0), ("temperate", 0.0)):
        assert CarbonParameters(climate_zone=zone).at_year(2030).building_coefficients.heating_kgce_m2 == heating
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
    names = data.draw(st.lists(st.sampled_from(list(SPECS)), unique=True, max_size=8))
    raw = {}
    for name in names:
        spec = SPECS[name]
        if spec.type is bool:
            raw[name] = data.draw(st.booleans())
            continue
        if spec.type is str:  # a file name: read when the model starts, not here
            raw[name] = data.draw(st.text(min_size=0, max_size=12))
            continue
        if typing.get_origin(spec.type) is Literal:
            raw[name] = data.draw(st.sampled_from(typing.get_args(spec.type)))
            continue
        value = st.floats(spec.setting.lo, spec.setting.hi, allow_nan=False)
        if spec.type is YearPath:
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
    assert "did you mean ef_car_g_pkm" in str(err.value)
    with pytest.raises(ConfigError, match=r"carbon.zzz: unknown field \(fix: see docs/parameters.md for the names\)"):
        CarbonParameters.from_dict({"zzz": 1})


@pytest.mark.parametrize("raw, field", [
    ({"circuity": "1.3"}, "carbon.circuity"),
    ({"circuity": True}, "carbon.circuity"),
    ({"circuity": 0.5}, "carbon.circuity"),
    ({"industry_enabled": 1}, "carbon.industry_enabled"),
    ({"retrofit_saving": 1.5}, "carbon.retrofit_saving"),
    ({"workdays_per_year": float("nan")}, "carbon.workdays_per_year"),
    ({"ef_car_g_pkm": float("inf")}, "carbon.ef_car_g_pkm"),
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

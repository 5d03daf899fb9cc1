"""The default city's first full year against the published bands of the reference table, and the arithmetic
that turns a time-series row into the table's quantities."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm.commands.run import reference_lines
from abm.reference import city_figures, compare, load_bands, reference_path
from abm.runner import run_scenario
from abm.scenario import load_scenario

BASELINE = Path(__file__).parents[1] / "scenarios" / "baseline.toml"

#: Every quantity the default city must hold inside its band in its first full year (issue 11).
CHECKED = {"co2_per_capita_city", "share_industry_energy", "share_industry_process", "share_transport",
           "share_household", "share_commercial", "carbon_intensity_2020", "building_energy_mean",
           "commute_one_way_km", "mode_share_walk_cycle", "mode_share_car", "construction_land_per_capita",
           "embodied_carbon_new_building"}


def bands():
    if not reference_path().exists():
        pytest.skip(f"reference table not found at {reference_path()}: set ABM_DATA_DIR to the shared data folder")
    return load_bands()


def test_figures_by_hand():
    """Direct sources 10 Mt (embodied and conversion left out) over 1 M persons; transport = passenger + freight;
    commercial = commercial + public buildings."""
    row = {"persons": 1e6, "emissions_industry_t": 6e6, "emissions_industry_process_t": 1e6,
           "emissions_transport_t": 6e5, "emissions_freight_t": 4e5, "buildings_residential_t": 1.5e6,
           "buildings_commercial_t": 3e5, "buildings_public_t": 2e5, "buildings_industrial_t": 0.0,
           "emissions_embodied_t": 9e9, "emissions_conversion_t": 9e9, "gdp_cny": 1e11, "urban_area_km2": 90.0,
           "floor_built_m2": 1e6, "embodied_construction_t": 3e5, "mean_commute_km": 8.0}
    f = city_figures(row)
    assert f["co2_per_capita_city"] == pytest.approx(10.0)
    assert (f["share_industry_energy"], f["share_industry_process"], f["share_transport"], f["share_household"],
            f["share_commercial"]) == pytest.approx((0.6, 0.1, 0.1, 0.15, 0.05))
    assert f["carbon_intensity_2020"] == pytest.approx(1e7 / 1e7)  # 10 Mt over 10 million x 10k CNY
    assert f["construction_land_per_capita"] == pytest.approx(90.0)
    assert f["embodied_carbon_new_building"] == pytest.approx(300.0)
    assert f["commute_one_way_km"] == 8.0 and "building_energy_mean" not in f  # absent columns are skipped


def test_outside_a_band_is_reported():
    row = {"persons": 1e6, "emissions_industry_t": 2e7}
    (check,) = [c for c in compare(row, {"co2_per_capita_city": (5.0, 8.85, 12.0)})]
    assert check.value == 20.0 and not check.inside and "OUTSIDE" in check.line()


@pytest.fixture(scope="module")
def first_year():
    result = run_scenario(load_scenario(BASELINE), ticks=1)
    return result.timeseries


def test_default_city_first_full_year_inside_every_band(first_year):
    """The default scenario's first full year (tick 1; tick 0 is the seeded stock without construction) lies
    inside the reference bands: per capita, five shares, intensity, building kgce/m2, commute, mode shares,
    land per person and embodied carbon of new floor."""
    b = bands()
    checks = compare(first_year.iloc[1].to_dict(), b)
    assert {c.quantity for c in checks} == CHECKED
    outside = [c.line() for c in checks if not c.inside]
    assert not outside, "\n".join(outside)


def test_run_summary_shows_the_bands(first_year):
    bands()
    lines = reference_lines(first_year)
    assert f"{len(CHECKED)} of {len(CHECKED)} inside" in lines[0]
    assert any("commute_one_way_km" in line for line in lines[1:])


def test_run_summary_says_why_when_the_table_is_absent(first_year, monkeypatch, tmp_path):
    monkeypatch.setenv("ABM_DATA_DIR", str(tmp_path))
    (line,) = reference_lines(first_year)
    assert "not compared" in line and "ABM_DATA_DIR" in line

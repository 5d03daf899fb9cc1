"""What a planner types into a lever: full-width digits and punctuation from a Chinese keyboard read like
plain ones, and a year path naming a year no plan could mean (1800, 99999) is refused with the valid years."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm.scenario import load_scenario
from viz import levers
from viz.session import AppConfig, AppSession

REPO = Path(__file__).resolve().parents[2]
FAR = "policy.layout.far_cap_core"


@pytest.fixture(scope="module")
def base():
    return load_scenario(REPO / "scenarios" / "baseline.toml")  # 2022 + 48 ticks: simulates 2023-2070


@pytest.mark.parametrize("typed", ["2020：6，2030：4", "２０２０：６，２０３０：４", "2020年：6、2030年：4", "2020＝6；2030＝4",
                                   "{2020: 6, 2030: 4}"])
def test_full_width_punctuation_reads_like_plain(base, typed):
    plain, errors = levers.apply_edits(base, {FAR: "2020: 6, 2030: 4"})
    scenario, errors = levers.apply_edits(base, {FAR: typed})
    assert errors == {}
    assert scenario.policy.layout.far_cap_core == plain.policy.layout.far_cap_core
    assert scenario.policy.layout.far_cap_core.at(2025) == 5.0


def test_full_width_numbers_and_choices(base):
    scenario, errors = levers.apply_edits(base, {"run.seed": "４２", "policy.layout.transit": "ｃｏｒｅ",
                                                 "policy.function.mixed_use": "０．３", FAR: "−1"})
    assert scenario.run.seed == 42 and scenario.policy.layout.transit == "core"
    assert scenario.policy.function.mixed_use.at(2030) == pytest.approx(0.3)
    assert errors[FAR].startswith("-1.0 is below the minimum 0.05")  # the minus sign read as a minus


@pytest.mark.parametrize("typed, year", [("1800: 3", 1800), ("2020: 3, 99999: 2", 99999), ("0: 3", 0)])
def test_a_year_outside_the_valid_years_is_refused_with_the_range(base, typed, year):
    scenario, errors = levers.apply_edits(base, {FAR: typed})
    assert errors[FAR] == (f"year {year} is outside 1900-2200 (this run simulates 2023-2070): write the path's years "
                           "within 1900-2200 (valid: 0.05 to 20)")
    assert scenario.policy.layout.far_cap_core == base.policy.layout.far_cap_core  # not applied
    _, errors = levers.apply_edits(base, {FAR: typed}, "zh")
    assert errors[FAR].startswith(f"{year}年超出可用年份 1900-2200（本次模拟 2023-2070 年）")


def test_years_before_the_start_and_after_the_end_of_the_run_stay_valid(base):
    # the shipped scenarios anchor paths at 2020 (before the 2022 start) and at 2060 or later
    scenario, errors = levers.apply_edits(base, {FAR: "1900: 2, 2020: 3, 2200: 4"})
    assert errors == {} and scenario.policy.layout.far_cap_core.years == (1900, 2020, 2200)


def test_a_year_given_twice_is_refused(base):
    _, errors = levers.apply_edits(base, {FAR: "2020: 3, 2020：4"})
    assert errors[FAR].startswith("year 2020 is given twice")


def test_a_run_past_2200_widens_the_valid_years(base):
    long = base.with_overrides({"run.start_year": 2150, "run.ticks": 100})
    _, errors = levers.apply_edits(long, {FAR: "2150: 3, 2250: 2"})
    assert errors == {}
    assert levers.path_years(long) == (1900, 2250)


def test_the_session_applies_a_full_width_path_and_refuses_1800(scenario_dir):
    s = AppSession(AppConfig(scenario_dir, region_size=(40, 40)))
    s.set_field("A", FAR, "2020：6，2030：4")
    assert s.refused() == [] and s.runs[0].scenario.policy.layout.far_cap_core.at(2030) == 4.0
    s.set_field("A", "policy.quantity.land_quota_cells", "1800: 30")
    assert [r.key for r in s.refused()] == ["policy.quantity.land_quota_cells"]
    assert "1900-2200" in s.refused()[0].message

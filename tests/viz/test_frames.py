"""The page's one-line summary of each run says what the land rules held back, so a planner does not read the
emissions of households and jobs the region did not get as a saving."""

from __future__ import annotations

from abm.scenario import scenario_from_dict
from viz.frames import summary
from viz.runs import Run

SMALL = {"rows": 80, "cols": 80, "town_radius_km": 1.2}


def run(**policy) -> Run:
    r = Run("A", scenario_from_dict({"region": SMALL, "population": {"growth_rate": 0.05}, **policy}))
    for _ in range(3):
        r.model.step()
    return r


def test_the_summary_names_households_and_jobs_the_land_rules_held_back():
    tight = run(policy={"quantity": {"boundary_radius_km": 0.3, "land_quota_cells": 0},
                        "renewal": {"renewal_share": 0.0},
                        "layout": {"far_cap_core": 0.1, "far_cap_other": 0.1, "far_cap_subcentre": 0.1}})
    rec = tight.model.records[-1]
    assert rec["unhoused_households"] > 0 and rec["jobs_waiting"] > 0
    line = summary(tight)
    assert f"{rec['unhoused_households']:,} households without a home here" in line
    assert f"{rec['jobs_waiting']:,} jobs of firms waiting for a site" in line
    assert "受用地规则限制" in summary(tight, "zh")


def test_the_summary_says_nothing_of_it_when_nothing_was_held_back():
    free = run()
    free.model.records[-1]["unhoused_households"] = free.model.records[-1]["jobs_waiting"] = 0
    assert "held back" not in summary(free)

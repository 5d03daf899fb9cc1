"""The app's parts that need no browser: map images, SVG charts, levers, the session and its exports."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from abm.grid import LandCover
from abm.scenario import load_scenario, scenario_from_dict
from viz import charts, layers, levers, ramps, render
from viz.runs import describe_event
from viz.session import AppConfig, AppSession, parse_region_size

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"


def decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.fixture(scope="module")
def session() -> AppSession:
    return AppSession(AppConfig(SCENARIOS, region_size=(40, 40)))


# ---- map images -------------------------------------------------------------------------------------
def test_land_use_colours_each_cell_and_marks_outside_white():
    cover = np.full((3, 4), LandCover.AGRICULTURE, np.uint8)
    cover[0, 0] = LandCover.URBAN
    cover[2, 3] = LandCover.WATER
    valid = np.ones((3, 4), bool)
    valid[1, 1] = False
    transit = np.zeros((3, 4), bool)
    transit[2, 0] = True
    img = render.render_map(cover, "land_use", valid, transit=transit)
    rgb = decode(img.png)
    assert rgb.shape == (3, 4, 3) and img.size == (4, 3)
    assert tuple(rgb[0, 0]) == ramps.LAND_COLOURS[LandCover.URBAN][1]
    assert tuple(rgb[2, 3]) == ramps.LAND_COLOURS[LandCover.WATER][1]
    assert tuple(rgb[1, 1]) == ramps.OUTSIDE
    assert tuple(rgb[2, 0]) == ramps.TRANSIT_COLOUR[1]
    labels = [label for label, _ in img.legend.items]
    assert "urban" in labels and "transit" in labels and img.legend.kind == "categorical"


@pytest.mark.parametrize("layer", ["households", "floor", "emissions"])
def test_quantities_scale_from_background_to_the_top_colour(layer):
    values = np.array([[0.0, 50.0, 100.0, 400.0]])
    img = render.render_map(values, layer, np.ones_like(values, bool), vmax=100.0)
    rgb = decode(img.png)
    table = ramps.lut(layers.map_layer(layer).colouring.cmap)
    assert tuple(rgb[0, 0]) == ramps.BACKGROUND        # nothing there
    assert tuple(rgb[0, 2]) == tuple(table[255])       # at the scale maximum
    assert tuple(rgb[0, 3]) == tuple(table[255])       # above it: clipped, not wrapped
    assert (img.legend.vmin, img.legend.vmax) == (0.0, 100.0)


def test_sink_is_diverging_around_zero():
    values = np.array([[-5.0, 0.0, 5.0]], np.float32)
    img = render.render_map(values, "sink", np.ones((1, 3), bool), vmax=5.0)
    rgb = decode(img.png)
    table = ramps.lut("BrBG")
    assert tuple(rgb[0, 0]) == tuple(table[0]) and tuple(rgb[0, 2]) == tuple(table[255])
    assert img.legend.vmin == -5.0 and img.legend.vmax == 5.0


def test_development_year_separates_old_town_new_growth_and_open_land():
    years = np.array([[0, 2020, 2030, 2040]], np.int16)
    img = render.render_map(years, "urban_year", np.ones((1, 4), bool), year_range=(2020, 2040))
    rgb = decode(img.png)
    assert tuple(rgb[0, 0]) == ramps.BACKGROUND
    assert tuple(rgb[0, 1]) == ramps.BEFORE_START_COLOUR[1]
    assert tuple(rgb[0, 3]) == tuple(ramps.lut("plasma")[255])


def test_large_grids_are_reduced_to_screen_size():
    values = np.ones((1700, 900), np.float32)
    valid = np.ones_like(values, bool)
    valid[:, :2] = False  # the first block column keeps one valid cell column: it stays inside
    valid[:3, 3:6] = False  # a block with no valid cell is outside
    img = render.render_map(values, "floor", valid, vmax=1.0)
    assert img.size == (300, 567)  # factor 3 = ceil(1700 / 800)
    assert "3 x 3 cells" in img.legend.note
    rgb = decode(img.png)
    assert tuple(rgb[1, 1]) == tuple(ramps.lut("magma_r")[255])
    assert tuple(rgb[0, 0]) == tuple(ramps.lut("magma_r")[255])  # block mean over its valid cells
    assert tuple(rgb[0, 1]) == ramps.OUTSIDE


def test_every_layer_renders_from_a_model(session):
    model = session.runs[0].model
    for layer in layers.map_layers():
        values = render.layer_values(model, layer)
        assert values.shape == model.grid.shape
        scale = render.layer_scale([values], [model.grid.valid], layer)
        img = render.render_map(values, layer, model.grid.valid, vmax=scale, year_range=(2020, 2025))
        assert decode(img.png).shape == (40, 40, 3)
    with pytest.raises(KeyError, match="no map layer 'rainfall'; choose from land_use, households"):
        render.layer_values(model, "rainfall")


def test_a_layer_is_one_entry_with_its_own_getter_labels_and_colouring(session):
    names = [spec.name for spec in layers.map_layers()]
    assert names == ["land_use", "households", "floor", "emissions", "sink", "carbon_storage", "urban_year", "lines"]
    assert len(set(names)) == 8
    assert all(spec.label("en") and spec.label("zh") != spec.label("en") for spec in layers.map_layers())
    model = session.runs[0].model
    roads = layers.MapLayer("roads", "road access", "道路", "share", ramps.Sequential("Greys"),
                            lambda m: m.grid.roads.astype(float))
    img = render.render_map(render.layer_values(model, roads), roads, model.grid.valid, vmax=1.0, lang="zh")
    assert img.legend.title == "道路" and img.legend.ramp[-1] == ramps.hex_colour(ramps.lut("Greys")[255])
    assert render.layer_scale([np.zeros((2, 2))], [np.ones((2, 2), bool)], "land_use") == 1.0
    with pytest.raises(KeyError, match="choose from land_use"):
        session.set_layer("rainfall")


def test_scale_bar_and_nice_numbers():
    assert render.scale_bar(200, 100.0) == ("5 km", 0.25)
    label, share = render.scale_bar(80, 100.0)
    assert label == "2 km" and share == pytest.approx(0.25)
    assert render.scale_bar(30, 10.0)[0] == "50 m"
    assert [ramps.nice_ceil(x) for x in (0.7, 3.0, 180.0, 0.0)] == [1.0, 5.0, 200.0, 1.0]


# ---- charts ------------------------------------------------------------------------------------------
def test_chart_is_valid_svg_with_areas_lines_markers_and_gaps():
    svg = charts.line_chart(
        [2020, 2021, 2022, 2023],
        [charts.Series("total", [3.0, 4.0, float("nan"), 5.0], "#000")],
        areas=[charts.Series("buildings", [1.0, 2.0, 2.0, 2.0], "#1f77b4"), charts.Series("commute", [1.0] * 4, "#f80")],
        markers=[charts.Marker(2021, 4.0, 1), charts.Marker(2021, 4.0, 2), charts.Marker(2023, 5.0, 3)],
        title="emissions & sink", chart_id="t", x_domain=(2020, 2030))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polygon")) == 2                    # two stacked areas
    assert len(root.findall(f"{ns}polyline")) == 2                   # the NaN breaks the line in two
    points = [g for g in root.iter(f"{ns}g") if "abm-point" in g.get("class", "")]
    assert [g.get("class").split()[-1] for g in points] == ["abm-point-1", "abm-point-2", "abm-point-3"]
    assert "emissions &amp; sink" in svg


def test_the_net_zero_year_is_a_marker_of_its_own_on_the_net_line():
    from viz.carbon_charts import emissions_chart, inflection_markers

    ts = {"year": [2020, 2021, 2022, 2023], "emissions_total_t": [9e3, 8e3, 6e3, 5e3], "sink_t": [5e3] * 4,
          "net_t": [4e3, 3e3, 1e3, 0.0]}
    events = [{"id": 3, "name": "total emissions peak", "state": "crossed", "tick": 1, "year": 2021,
               "confirmed_tick": 3},
              {"id": 4, "name": "sink growth peak", "state": "not_reached", "tick": None, "year": None},
              {"id": "net_zero", "name": "net-zero year", "state": "crossed", "tick": 3, "year": 2023,
               "confirmed_tick": 5}]
    markers = inflection_markers(ts, events, 2020)
    assert [(m.point, m.x, m.y) for m in markers] == [(3, 2021, 8.0), ("net_zero", 2023, 0.0)]  # kt: on total, net
    assert markers[1].title == "2023: net-zero year reached (emissions <= sink), confirmed 2025 (2 years later)"
    root = ET.fromstring(emissions_chart(ts, markers, title="t"))
    groups = {g.get("class"): g for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert set(groups) == {"abm-point abm-point-3", "abm-milestone abm-milestone-net_zero"}
    milestone = groups["abm-milestone abm-milestone-net_zero"]
    assert [t.text for t in milestone.iter() if t.tag.endswith("text")] == ["NZ"]
    assert milestone.find("{http://www.w3.org/2000/svg}title").text == markers[1].title


def test_nice_ticks_cover_the_range():
    assert charts.nice_ticks(-3.0, 7.0)[0] <= -3.0 and charts.nice_ticks(-3.0, 7.0)[-1] >= 7.0
    assert charts.nice_ticks(5.0, 5.0) == [5.0, 5.2, 5.4, 5.6, 5.8, 6.0]


# ---- levers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_lever_of_every_scenario_reads_back_unchanged(path):
    scenario = load_scenario(path)
    texts = {lever.key: levers.lever_text(scenario, lever) for lever in (*levers.LEVERS, levers.SEED, levers.TICKS)}
    same, errors = levers.apply_edits(scenario, texts)
    assert errors == {}
    assert same.carbon_parameters() == scenario.carbon_parameters()  # the defaults, now written out
    assert {**same.to_dict(), "carbon": {}} == {**scenario.to_dict(), "carbon": {}}


def test_levers_cover_the_five_classes_and_renewal():
    assert {lever.group for lever in levers.LEVERS} == set(levers.GROUPS)


def test_a_path_and_a_grid_factor_end_value():
    base = scenario_from_dict({})
    s, errors = levers.apply_edits(base, {"policy.quantity.boundary_radius_km": "2020: 5, 2030 = 3",
                                          "carbon.grid_factor_kg_per_kwh": "0.02"})
    assert errors == {}
    assert s.policy.quantity.boundary_radius_km.at(2025) == pytest.approx(4.0)
    path = s.carbon_parameters().grid_factor_kg_per_kwh
    assert path.values[-1] == 0.02 and path.values[0] == pytest.approx(0.5366)


@pytest.mark.parametrize("key, text, message", [
    ("policy.layout.far_cap_core", "-1", "below the minimum 0.05"),
    ("policy.layout.far_cap_core", "abc", "'abc' is not a number"),
    ("policy.layout.far_cap_core", "2020: 3, 20x0: 4", "is not 'year: value'"),
    ("policy.function.mixed_use", "1.5", "above the maximum 1.0"),
    ("policy.layout.subcentres", "2.5", "not a whole number"),
    ("policy.layout.subcentres", "99", "above the maximum 12"),
    ("run.seed", "-4", "below the minimum 0"),
    ("run.ticks", "", "is empty"),
    ("carbon.grid_factor_kg_per_kwh", "-0.1", "below the minimum"),
    ("policy.quantity.growth_boundary", "ring", "not a valid choice"),
])
def test_bad_values_get_a_plain_message_for_their_field(key, text, message):
    base = scenario_from_dict({})
    scenario, errors = levers.apply_edits(base, {key: text})
    assert scenario.to_dict() == base.to_dict()  # nothing else was typed: the file's values run
    assert message in errors[key]
    assert "policy." not in errors[key] and "fix:" not in errors[key]  # a planner's words, not dotted fields


def test_edits_are_validated_together_in_any_order():
    base = load_scenario(SCENARIOS / "baseline.toml")
    for edits in ({"policy.layout.subcentres": "3", "policy.layout.transit": "trunk"},
                  {"policy.layout.transit": "trunk", "policy.layout.subcentres": "3"},
                  {"policy.quantity.growth_boundary": "clusters", "policy.layout.transit": "trunk",
                   "policy.layout.subcentres": "2"}):
        scenario, errors = levers.apply_edits(base, edits)
        assert errors == {}, edits
        assert scenario.policy.layout.subcentres in (2, 3) and scenario.policy.layout.transit == "trunk"


def test_a_refused_edit_leaves_the_other_edits_applied():
    base = load_scenario(SCENARIOS / "baseline.toml")
    scenario, errors = levers.apply_edits(base, {"policy.layout.far_cap_core": "-1", "policy.function.mixed_use": "0.4",
                                                 "policy.layout.transit": "trunk", "run.seed": "5"})
    assert set(errors) == {"policy.layout.far_cap_core", "policy.layout.transit"}
    assert "trunk transit links the sub-centres, but there are none" in errors["policy.layout.transit"]
    assert scenario.policy.function.mixed_use.at(2030) == 0.4 and scenario.run.seed == 5
    assert scenario.policy.layout.far_cap_core == base.policy.layout.far_cap_core
    assert scenario.policy.layout.transit == base.policy.layout.transit


def test_a_refused_combination_says_why_in_plain_words():
    poly = load_scenario(SCENARIOS / "polycentric.toml")
    scenario, errors = levers.apply_edits(poly, {"policy.layout.subcentres": "0"})
    assert set(errors) == {"policy.layout.subcentres"}
    assert "sub-centres, but there are none" in errors["policy.layout.subcentres"]
    assert scenario.policy.layout.subcentres == poly.policy.layout.subcentres


def test_every_field_states_its_valid_range():
    base = scenario_from_dict({})
    hint = {lever.key: levers.lever_hint(base, lever) for lever in (*levers.LEVERS, levers.SEED, levers.TICKS)}
    assert hint["policy.layout.far_cap_core"].startswith("0.05 to 20")
    assert hint["policy.layout.subcentres"] == "0 to 12"
    assert hint["policy.layout.transit"] == "one of none, core, trunk"
    assert hint["run.ticks"].startswith("1 to 1000") and hint["run.seed"] == "0 or more"
    assert hint["carbon.grid_factor_kg_per_kwh"].startswith("0 to 2 kgCO2/kWh in 2060")
    assert all(hint.values())


# ---- the session ---------------------------------------------------------------------------------------
def test_region_size_option():
    assert parse_region_size("200") == (200, 200)
    assert parse_region_size("120x300") == (120, 300)
    for bad in ("abc", "5", "10x", "1x2x3"):
        with pytest.raises(Exception, match="grid size"):
            parse_region_size(bad)


def test_session_steps_edits_and_refuses_bad_values(session):
    session.reset()
    assert session.frame.tick == 0 and session.step() and session.frame.tick == 1
    model = session.runs[0].model
    session.set_field("A", "policy.layout.far_cap_core", "nope")
    assert "not a number" in session.field_error("A", "policy.layout.far_cap_core")
    assert session.field_text("A", "policy.layout.far_cap_core") == "nope"
    assert session.runs[0].model is model and session.frame.tick == 1  # a bad value leaves the run alone
    session.set_field("A", "policy.layout.far_cap_core", "3.5")
    assert session.field_error("A", "policy.layout.far_cap_core") == ""
    assert session.frame.tick == 0 and session.runs[0].scenario.policy.layout.far_cap_core.at(2030) == 3.5
    session.set_field("A", "policy.layout.far_cap_core", levers.lever_text(session.policies["A"].base,
                                                                           levers.BY_KEY["policy.layout.far_cap_core"]))
    assert session.policies["A"].edits == {}


def test_session_applies_valid_edits_beside_refused_ones_and_lists_refusals_of_both_sides(session):
    session.set_compare(False)
    session.set_scenario("A", "baseline.toml")
    session.set_field("A", "policy.layout.subcentres", "3")
    session.set_field("A", "policy.layout.transit", "trunk")
    assert session.refused() == []
    assert session.runs[0].scenario.policy.layout.transit == "trunk"
    session.set_field("A", "policy.layout.far_cap_core", "-1")
    session.set_field("A", "policy.function.mixed_use", "0.35")
    assert [(r.side, r.label) for r in session.refused()] == [("A", "FAR cap, core")]
    applied = session.runs[0].scenario
    assert applied.policy.function.mixed_use.at(2030) == 0.35 and applied.policy.layout.subcentres == 3
    session.set_compare(True)
    session.set_field("B", "policy.layout.transit", "trunk")  # sprawl has no sub-centres
    assert [(r.side, r.label) for r in session.refused()] == [("A", "FAR cap, core"), ("B", "transit")]
    assert len(session.runs) == 2 and session.runs[1].scenario.policy.layout.transit == "none"
    session.set_compare(False)
    session.set_scenario("A", "compact.toml")
    assert session.refused() == []


def test_compare_steps_both_policies_on_one_region_and_seed(session):
    session.set_scenario("A", "compact.toml")
    session.set_scenario("B", "sprawl.toml")
    session.set_compare(True)
    session.set_field("A", "run.seed", "9")
    for _ in range(2):
        session.step()
    a, b = session.runs
    assert (a.tick, b.tick) == (2, 2)
    assert a.model.seed_value == b.model.seed_value == 9
    assert a.scenario.region == b.scenario.region and a.scenario.run == b.scenario.run
    assert len(session.frame.maps) == 2 and "difference" in dict(session.frame.charts)
    session.set_layer("emissions")
    assert session.frame.maps[0].image.legend.vmax == session.frame.maps[1].image.legend.vmax  # one shared scale
    session.set_compare(False)
    session.set_scenario("A", "baseline.toml")
    assert len(session.runs) == 1


def test_the_settings_table_lists_every_difference_hidden_ones_included():
    from viz.compare import settings_diff

    compact, sprawl = (load_scenario(SCENARIOS / f"{n}.toml") for n in ("compact", "sprawl"))
    diff = settings_diff(compact, sprawl)
    rows = {row.field: row for row in diff.rows}
    assert rows["policy.layout.transit"].shown and rows["policy.layout.transit"].a == '"core"'
    hidden = rows["policy.layout.transit_year"]  # not in the controls, still credited to the policy
    assert not hidden.shown and (hidden.a, hidden.b) == ("2024", "2025") and hidden.group == "form"
    assert diff.credit.startswith("A and B differ in urban form only")
    ambitious = settings_diff(compact, load_scenario(SCENARIOS / "compact_ambitious.toml"))
    assert {row.group for row in ambitious.rows} == {"technology"}
    assert "not urban form's alone" in ambitious.credit


def test_a_difference_in_a_setting_that_is_no_lever_is_listed_and_said(scenario_dir):
    from viz.compare import settings_diff

    demo, sprawl = (load_scenario(scenario_dir / n) for n in ("inflection-demo.toml", "sprawl.toml"))
    diff = settings_diff(demo, sprawl)
    groups = {row.field: row.group for row in diff.rows}
    assert groups["choice.beta_commute_km"] == "none" and groups["policy.layout.far_cap_other"] == "form"
    assert "no planning lever" in diff.credit and "not the policies' alone" in diff.credit


def test_the_verdict_gives_the_gap_in_years_and_what_b_saves():
    from viz.compare import verdict

    def events(years: dict) -> list[dict]:
        out = []
        for pid in (1, 2, 3, 4, 5, "net_zero"):
            state, year = years.get(pid, ("not_reached", None))
            out.append({"id": pid, "name": "", "state": state, "year": year})
        return out

    a = events({3: ("crossed", 2035), 1: ("passed_at_start", 2025), 2: ("crossed", 2030)})
    b = events({3: ("crossed", 2030), 1: ("passed_at_start", 2025), 2: ("crossed", 2031)})
    ts_a = {"tick": [0, 1, 2], "year": [2022, 2023, 2024], "emissions_total_t": [9e9, 2e6, 2e6],
            "net_t": [9e9, 1e6, 1e6], "urban_area_km2": [10.0, 11.0, 12.0]}
    ts_b = {**ts_a, "emissions_total_t": [9e9, 1.5e6, 1.5e6], "urban_area_km2": [10.0, 10.5, 11.0]}
    rows = {row.label: row for row in verdict((a, b), (ts_a, ts_b), 2023, 2070)}
    peak = rows["3 total emissions peak"]
    assert (peak.a, peak.b, peak.gap) == ("2035", "2030", "B 5 years earlier")
    assert rows["2 emissions increment peak"].gap == "B 1 year later"
    assert (rows["1 emissions growth-rate peak"].a, rows["1 emissions growth-rate peak"].gap) == \
        ("before 2023", "both before the run")
    assert rows["NZ net-zero year"].b == "not reached by 2070"
    cumulative = rows["cumulative emissions 2023-2024, MtCO2"]  # tick 0, the seeded stock, is not counted
    assert (cumulative.a, cumulative.b, cumulative.gap) == ("4.00", "3.00", "B saves 1.00 Mt (25.0%)")
    assert rows["urban land in 2024, km2"].gap == "B saves 1.00 km2 (8.3%)"
    a[4] = {**a[4], "candidate_year": 2031}  # while the run goes on: candidates, provisional gaps
    b[4] = {**b[4], "candidate_year": 2024, "candidate_at_start": True}
    b[2] = {**b[2], "state": "not_reached", "year": None, "candidate_year": 2033}
    rows = {row.label: row for row in verdict((a, b), (ts_a, ts_b), 2023, None)}
    assert (rows["5 net-stock point"].a, rows["5 net-stock point"].b) == ("2031? (candidate)", "before 2023? (candidate)")
    assert rows["5 net-stock point"].gap == "B earlier: B's passed before the run (provisional: not yet confirmed)"
    assert rows["3 total emissions peak"].gap == "B 2 years earlier (provisional: not yet confirmed)"
    assert rows["NZ net-zero year"].b == "not yet"


def chart_ticks(svg: str) -> list[str]:
    import re

    return re.findall(r'text-anchor="end">([^<]+)<', svg)


def test_compare_frame_has_a_verdict_the_settings_a_cumulative_chart_and_one_y_axis(session):
    session.set_scenario("A", "compact.toml")
    session.set_scenario("B", "sprawl.toml")
    session.set_compare(True)
    for _ in range(4):
        session.step()
    frame = session.frame
    labels = [row.label for row in frame.verdict]
    assert labels[:6] == ["1 emissions growth-rate peak", "2 emissions increment peak", "3 total emissions peak",
                          "4 sink growth peak", "5 net-stock point", "NZ net-zero year"]
    assert any(label.startswith("cumulative emissions") for label in labels) and labels[-1].startswith("urban land")
    assert "policy.layout.transit_year" in {row.field for row in frame.differs.rows}
    charts = dict(frame.charts)
    assert "cumulative" in charts and "polyline" in charts["cumulative"]
    assert chart_ticks(charts["emissions-A"]) == chart_ticks(charts["emissions-B"])  # one shared y axis
    session.set_compare(False)
    assert session.frame.differs is None and session.frame.verdict == ()
    session.set_scenario("A", "baseline.toml")


def test_a_step_from_a_play_loop_started_before_a_reset_is_void(session):
    session.set_compare(False)
    session.reset()
    stale = session.generation
    session.reset()
    assert session.step(stale) is False and session.frame.tick == 0
    assert session.step(session.generation) and session.frame.tick == 1


def test_sessions_are_independent():
    one = AppSession(AppConfig(SCENARIOS, region_size=(30, 30)))
    two = AppSession(AppConfig(SCENARIOS, region_size=(30, 30)))
    one.step()
    one.step()
    assert (one.frame.tick, two.frame.tick) == (2, 0)
    assert one.runs[0].model is not two.runs[0].model


def test_the_log_names_all_five_points_and_the_net_zero_year_and_the_run_stops_at_its_end(scenario_dir):
    s = AppSession(AppConfig(scenario_dir, default_scenario="inflection-demo.toml"))
    while s.step():
        pass
    assert s.frame.at_end and s.frame.tick == 30 and not s.step()
    assert [row.mark for row in s.frame.log] == ["1", "2", "3", "4", "5", "NZ"]  # as the chart numbers them
    for row, name in zip(s.frame.log, ("growth-rate peak", "increment peak", "total emissions peak",
                                       "sink growth peak", "net-stock point")):
        assert f"{name} crossed, confirmed" in row.text and row.state == "crossed"
    assert s.frame.log[-1].text == "net-zero year not reached by 2050"  # its sink is a tenth of its emissions
    assert s.frame.charts[0][1].count('class="abm-point ') == 5
    assert "abm-milestone" not in s.frame.charts[0][1]


def test_describe_event_states():
    from abm.inflection import InflectionEvent

    assert describe_event(InflectionEvent(4, "sink growth peak", "passed_at_start", 4, 2026, 7, 1.0), 2022) == \
        ("sink growth peak passed before 2023, the first simulated year (already falling when first judged, in 2026; "
         "confirmed 2029)")
    assert describe_event({"id": 5, "name": "net-stock point", "state": "not_reached"}, 2020) == "net-stock point not reached"
    assert describe_event({"id": 5, "name": "net-stock point", "state": "not_reached"}, 2020, 2050) == \
        "net-stock point not reached by 2050"
    net_zero = InflectionEvent("net_zero", "net-zero year", "crossed", 31, 2051, 35, -2.0)
    assert describe_event(net_zero, 2020) == "2051: net-zero year reached (emissions <= sink), confirmed 2055 (4 years later)"
    net_zero.state = "not_reached"
    assert describe_event(net_zero.to_dict(), 2020) == "net-zero year not reached"


def test_exports(session):
    session.set_compare(False)
    session.reset()
    session.step()
    csv = pd.read_csv(io.BytesIO(session.export_csv()))
    assert list(csv.columns[:5]) == ["policy", "scenario", "seed", "tick", "year"] and len(csv) == 2
    assert {"emissions_total_t", "sink_t", "net_t", "carbon_intensity_t_per_gdp"} <= set(csv.columns)
    parquet = pd.read_parquet(io.BytesIO(session.export_parquet()))
    pd.testing.assert_frame_equal(parquet[["tick", "emissions_total_t"]], csv[["tick", "emissions_total_t"]])
    events = json.loads(session.export_events())
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, "net_zero"]  # as events.json: the points, then the milestone
    assert {"state", "year", "confirmed_tick"} <= set(events[0]) and {"policy", "scenario", "seed"} <= set(events[-1])
    png = Image.open(io.BytesIO(session.export_png()))
    assert png.format == "PNG" and png.size[0] > 500
    assert session.export_name().startswith("baseline-")


def test_exports_are_named_after_the_scenarios_the_edits_the_year_and_the_seed():
    s = AppSession(AppConfig(SCENARIOS, region_size=(30, 30)))
    s.step()
    assert s.export_name() == "baseline-2023-seed42"
    s.set_field("A", "policy.layout.far_cap_core", "-1")  # refused: not an edit of the run
    s.step()
    assert s.export_name() == "baseline-2024-seed42"
    s.set_field("A", "run.seed", "7")
    s.set_compare(True)
    s.set_field("B", "policy.layout.subcentres", "2")
    s.step()
    assert s.export_name() == "baseline-vs-sprawl-edited-2023-seed7"


def run_again(toml: bytes, folder: Path, ticks: int) -> pd.DataFrame:
    """`abm run` on an exported scenario TOML: the time series it gives for `ticks` years."""
    from abm.runner import run_scenario

    path = folder / "exported.toml"
    path.write_bytes(toml)
    return run_scenario(load_scenario(path), ticks=ticks).timeseries


def test_the_exported_scenario_reruns_to_the_same_time_series(tmp_path):
    s = AppSession(AppConfig(SCENARIOS, region_size=(40, 40)))
    s.set_field("A", "policy.layout.subcentres", "2")
    s.set_field("A", "policy.layout.transit", "trunk")
    s.set_field("A", "policy.quantity.boundary_radius_km", "2020: 3, 2030: 2.5")
    s.set_field("A", "carbon.grid_factor_kg_per_kwh", "0.1")
    s.set_field("A", "run.seed", "11")
    s.set_compare(True)
    s.set_field("B", "policy.layout.far_cap_other", "1.1")
    for _ in range(6):
        s.step()
    for side, run in zip("AB", s.runs):
        toml = s.export_toml(side)
        assert b"seed = 11" in toml
        again = run_again(toml, tmp_path, 6)
        app = pd.DataFrame.from_records(run.model.records)
        assert len(again) == len(app) == 7
        columns = [c for c in app.columns if c in again.columns]
        assert len(columns) > 40
        pd.testing.assert_frame_equal(again[columns].reset_index(drop=True), app[columns], check_dtype=False)
    meta = __import__("pyarrow.parquet", fromlist=["read_schema"]).read_schema(io.BytesIO(s.export_parquet())).metadata
    assert meta[b"abm.scenario.A"] == s.export_toml("A") and meta[b"abm.scenario.B"] == s.export_toml("B")


def test_a_failing_step_becomes_one_line_not_a_traceback(session, monkeypatch):
    session.reset()
    monkeypatch.setattr(session.runs[0].model, "step", lambda: 1 / 0)
    assert session.step() is False
    assert session.error.startswith("The model stopped in") and "ZeroDivisionError" in session.error
    assert not session.step()
    session.reset()
    assert session.error is None and session.step()


# ---- boundaries --------------------------------------------------------------------------------------
def test_abm_imports_without_solara():
    code = ("import sys; sys.modules['solara'] = None\n"
            "import abm, abm.model, abm.runner, abm.cli, abm.commands.app\n"
            "from abm.cli import build_parser; build_parser('app')\n"
            "assert not any(m == 'solara' or m.startswith('solara.') for m in sys.modules if sys.modules[m])")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_app_module_imports_and_names_a_page():
    import viz.app

    assert callable(viz.app.Page)


def test_abm_app_refuses_bad_options_in_one_line(capsys):
    from abm.cli import main

    assert main(["app", "--region-size", "huge"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("abm app: error: --region-size:") and "\n" not in err
    assert main(["app", "--scenarios", "/nonexistent/folder"]) == 2
    assert "is not a folder" in capsys.readouterr().err

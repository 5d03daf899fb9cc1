"""The page renders its controls again only when `AppSession.controls_state()` changes (viz.app.Controls), so
the state must change with everything the controls show, and never with a Step, a tick of Play, a map layer
or a Reset: those leave the levers, and a value a planner is typing, alone. tests/viz/test_app_browser.py
checks the same in the browser (a value being typed survives two Steps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from viz.session import AppConfig, AppSession
from tests.viz.uploads_data import red_line_geojson

REPO = Path(__file__).resolve().parents[2]
FAR_CORE = "policy.layout.far_cap_core"


@pytest.fixture()
def session() -> AppSession:
    return AppSession(AppConfig(REPO / "scenarios", region_size=(40, 40)))


def test_a_step_a_layer_and_a_reset_leave_the_controls_state(session):
    shown = session.controls_state()
    assert session.step() and session.step()
    session.set_layer("emissions")
    session.reset()
    session.set_field("A", FAR_CORE, session.field_text("A", FAR_CORE))  # the value in use entered again
    assert session.controls_state() == shown


def test_every_change_the_controls_show_changes_the_controls_state(session, tmp_path):
    changes = {
        "a valid value": lambda: session.set_field("A", FAR_CORE, "3.5"),
        "a refused value": lambda: session.set_field("A", FAR_CORE, "abc"),
        "the run's seed": lambda: session.set_field("A", "run.seed", "7"),
        "another scenario": lambda: session.set_scenario("A", "sprawl.toml"),
        "compare": lambda: session.set_compare(True),
        "a lever of B": lambda: session.set_field("B", FAR_CORE, "4"),
        "the language": lambda: session.set_lang("zh"),
        "a file that cannot be loaded": lambda: session.load_toml("A", "broken.toml", "[policy\n"),
        "a loaded file": lambda: session.load_toml("A", "mine.toml", 'name = "mine"\n'),
        "a refused upload": lambda: session.check_upload("red_line", [("a.geojson", 10**12)]),
        "an upload in use": lambda: session.upload("red_line", [("red.geojson", red_line_geojson(
            tmp_path / "red.geojson", 40, (5, 15, 25, 35)).read_bytes())]),
        "an upload removed": lambda: session.clear_upload("red_line"),
        "five seeds": lambda: session.set_seeds(5),
        "one seed again": lambda: session.set_seeds(1),
    }
    for what, change in changes.items():
        before = session.controls_state()
        change()
        assert session.controls_state() != before, what

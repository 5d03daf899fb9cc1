"""Browser-test fixtures: Debian's Chromium, a small region, a scenario folder with a test scenario,
and a record of every outside connection this process tries (the in-process app server included).

pytest-ipywidgets runs the Solara server in a thread of this process (`solara_server`), serves the
page module given to `solara_app`, and `page_session` is one long-lived Playwright page.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from viz.browser import CHROMIUM, CHROMIUM_ARGS, outside_call

REPO = Path(__file__).resolve().parents[2]

#: Region size for every scenario in the browser tests (a tick takes tens of ms).
REGION_SIZE = "80"

#: A scenario that crosses all five inflection points within about 25 years on a small region: a
#: growth spurt that ends, no greenfield land after 2040, no construction once growth has stopped
#: (point 5 counts new floor's embodied carbon), and an afforestation drive. Written out in
#: full (no `extends`), so that edits to the shipped scenarios do not move its points.
INFLECTION_DEMO = """\
schema = 1
name = "inflection-demo"
description = "Test scenario: all five inflection points within about 25 years"

[run]
start_year = 2020
ticks = 30
seed = 42

[region]
kind = "synthetic"
rows = 80
cols = 80
cell_size_m = 100
seed = 7
town_radius_km = 0.8

[population]
growth_rate = { 2020 = 0.0, 2030 = 0.08, 2040 = 0.0 }
move_rate = 0.0
leave_rate = 0.0
firm_move_rate = 0.0
services_share = 0.6   # a fixed sector mix: once growth stops no commercial floor is built for a shifting mix

[policy.quantity]
growth_boundary = "town"
boundary_radius_km = 2.5
land_quota_cells = { 2020 = 120, 2038 = 120, 2040 = 0 }

[policy.structure]
afforestation_cells = { 2020 = 0, 2032 = 200, 2033 = 60 }
"""

#: Hosts tried by this process that are not this machine (filled by an audit hook).
OUTSIDE_CALLS: list[str] = []


def _audit(event: str, args: tuple) -> None:
    call = outside_call(event, args)
    if call:
        OUTSIDE_CALLS.append(call)


_hook_installed = False


@pytest.fixture(scope="session")
def outside_calls() -> list[str]:
    """The list the audit hook fills (an audit hook cannot be removed, so it is installed once)."""
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    return OUTSIDE_CALLS


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser; no background calls to Google."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory) -> Path:
    """The shipped scenarios plus the inflection test scenario."""
    folder = tmp_path_factory.mktemp("scenarios")
    for path in (REPO / "scenarios").glob("*.toml"):
        shutil.copy(path, folder / path.name)
    shutil.copytree(REPO / "scenarios" / "packages", folder / "packages")  # the scenarios extend them
    (folder / "inflection-demo.toml").write_text(INFLECTION_DEMO, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def app_env(scenario_dir: Path):
    """What `abm app --scenarios DIR --region-size 80` sets, for the in-process server's sessions."""
    import solara.server.settings as settings

    from viz.session import ENV_REGION_SIZE, ENV_SCENARIOS

    saved = {k: os.environ.get(k) for k in (ENV_SCENARIOS, ENV_REGION_SIZE)}
    os.environ[ENV_SCENARIOS] = str(scenario_dir)
    os.environ[ENV_REGION_SIZE] = REGION_SIZE
    settings.telemetry.mixpanel_enable = False  # solara read its environment before this file ran
    yield scenario_dir
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture()
def app_page(app_env, outside_calls, solara_server, solara_app, page_session):
    """A fresh session of the app (each page load is a new browser session), with its requests."""
    requests: list[str] = []

    def note(request) -> None:
        requests.append(request.url)

    page_session.on("request", note)
    with solara_app("viz.app"):
        page_session.goto(solara_server.base_url)
        page_session.locator(".abm-tick").wait_for()
        page_session.requests = requests  # type: ignore[attr-defined]
        yield page_session
    page_session.remove_listener("request", note)

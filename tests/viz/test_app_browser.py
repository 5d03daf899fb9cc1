"""The planners' app in a real browser (Debian's Chromium through Playwright).

Each test loads the page afresh (a new browser session, so a new model) on an 80 x 80 region.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from viz.browser import free_port, is_local, stop_server, wait_until_serving

pytestmark = pytest.mark.browser

TICK = re.compile(r"tick (\d+) of (\d+)")


def tick(page: Page) -> int:
    return int(TICK.search(page.locator(".abm-tick").inner_text()).group(1))


def step(page: Page) -> int:
    before = tick(page)
    page.locator(".abm-step").click()
    expect(page.locator(".abm-tick")).to_contain_text(f"tick {before + 1} of", timeout=15_000)
    return before + 1


def choose(page: Page, css: str, option: str) -> None:
    """Pick `option` in the Vuetify select with class `css`.

    A click that lands while the form re-renders (switching the policy being edited, a restart)
    opens a menu on an element that is then replaced; the menu is opened again until it shows.
    """
    item = page.locator(".menuable__content__active .v-list-item", has_text=option)
    for _ in range(4):
        page.locator(f"{css} .v-select__slot").click()
        try:
            item.wait_for(state="visible", timeout=7_500)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    item.click()


def svg(page: Page, chart: str) -> str:
    return page.locator(f".abm-chart-{chart}").evaluate("e => e.outerHTML")


def outside(urls: list[str]) -> list[str]:
    return [u for u in urls if urlparse(u).scheme in ("http", "https", "ws", "wss") and not is_local(urlparse(u).hostname)]


def test_page_loads_with_no_outside_request(app_page: Page, outside_calls: list[str]):
    outside_calls.clear()
    app_page.reload()
    app_page.locator(".abm-tick").wait_for()
    expect(app_page.locator(".abm-map img")).to_be_visible()
    step(app_page)
    assert app_page.requests, "no request was recorded"
    assert outside(app_page.requests) == []
    assert outside_calls == []
    expect(app_page.locator(".abm-legend").first).to_contain_text("land use")
    expect(app_page.locator(".abm-scalebar").first).to_contain_text("km")


def test_step_advances_the_tick(app_page: Page):
    assert tick(app_page) == 0
    app_page.locator(".abm-layers button", has_text="emissions per cell").click()
    expect(app_page.locator(".abm-legend")).to_contain_text("emissions per cell")
    image = app_page.locator(".abm-map img").get_attribute("src")
    chart = svg(app_page, "emissions-A")
    assert step(app_page) == 1
    assert step(app_page) == 2
    expect(app_page.locator(".abm-map img")).not_to_have_attribute("src", image)
    assert svg(app_page, "emissions-A") != chart
    expect(app_page.locator(".abm-summary")).to_contain_text(re.compile(r"A: baseline, \d{4}: emissions"))
    expect(app_page.locator(".abm-conditions")).to_contain_text("inflection years hold on")


def test_play_advances_and_pause_stops(app_page: Page):
    app_page.locator(".abm-play").click()
    expect(app_page.locator(".abm-tick")).to_contain_text(re.compile(r"tick ([3-9]|\d\d+) of"), timeout=20_000)
    app_page.locator(".abm-pause").click()
    expect(app_page.locator(".abm-playing")).to_have_count(0)
    shown_at_pause = tick(app_page)
    # a tick under way when Pause was clicked may still land (later on a busy machine): wait for the label to settle
    paused_at = settled_tick(app_page)
    assert 3 <= paused_at <= shown_at_pause + 2
    time.sleep(1.5)
    assert tick(app_page) == paused_at


def settled_tick(page: Page, quiet_s: float = 1.0, deadline_s: float = 15.0) -> int:
    """The tick label once it has not changed for `quiet_s` (a test failure if it never settles)."""
    last, since, start = tick(page), time.monotonic(), time.monotonic()
    while time.monotonic() - since < quiet_s:
        assert time.monotonic() - start < deadline_s, "the tick label kept changing after Pause"
        time.sleep(0.1)
        now = tick(page)
        if now != last:
            last, since = now, time.monotonic()
    return last


def test_choosing_sprawl_changes_the_charts(app_page: Page):
    for _ in range(3):
        step(app_page)
    baseline = svg(app_page, "emissions-A")
    summary = app_page.locator(".abm-summary").inner_text()
    choose(app_page, ".abm-scenario-A", "sprawl.toml")
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")
    expect(app_page.locator(".abm-chart-emissions-A")).to_contain_text("sprawl")
    for _ in range(3):
        step(app_page)
    sprawl = svg(app_page, "emissions-A")
    assert sprawl.replace("sprawl", "") != baseline.replace("baseline", "")
    expect(app_page.locator(".abm-summary")).not_to_have_text(summary)
    expect(app_page.locator(".abm-field-far_cap_other input")).to_have_value("0.8")  # sprawl's own lever


def test_a_run_that_crosses_the_points_logs_all_five(app_page: Page):
    choose(app_page, ".abm-scenario-A", "inflection-demo.toml")
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of 30")
    for _ in range(12):
        step(app_page)
    candidate = app_page.locator(".abm-log-A .abm-log-candidate", has_text="total emissions peak")
    expect(candidate).to_contain_text(re.compile(r"^3 total emissions peak: candidate year \d{4}"))
    expect(candidate).to_contain_text("awaiting confirmation")
    choose(app_page, ".abm-speed", "max")
    app_page.locator(".abm-play").click()
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 30 of 30", timeout=60_000)
    # the milestone beside the points, listed last; the log may re-render a moment after the tick label
    expect(app_page.locator(".abm-log li").last).to_have_text("NZ net-zero year not reached by 2050")
    lines = app_page.locator(".abm-log li").all_inner_texts()
    names = ("emissions growth-rate peak", "emissions increment peak", "total emissions peak", "sink growth peak",
             "net-stock point")
    for number, (name, line) in enumerate(zip(names, lines), start=1):  # numbered 1-5 as on the chart, in order
        assert re.match(rf"{number} \d{{4}}: {name} crossed, confirmed \d{{4}} \(\d+ years? later\)$", line), line
    assert lines[-1] == "NZ net-zero year not reached by 2050"
    expect(app_page.locator(".abm-chart-emissions-A .abm-point")).to_have_count(5)
    chart_numbers = app_page.locator(".abm-chart-emissions-A .abm-point text").all_text_contents()
    assert sorted(chart_numbers) == ["1", "2", "3", "4", "5"]
    expect(app_page.locator(".abm-chart-emissions-A .abm-milestone")).to_have_count(0)
    legend = app_page.locator(".abm-log-legend")
    for number in ("1", "2", "3", "4", "5", "NZ"):
        expect(legend.locator(".abm-mark", has_text=re.compile(rf"^{number}$"))).to_have_count(1)
    expect(legend).to_contain_text("3 total emissions peak (the carbon peak): the year emissions are highest")
    expect(legend).to_contain_text("confirmed at least 4 years after its year")


def test_five_seeds_run_in_the_background_while_step_and_play_keep_working(app_page: Page):
    choose(app_page, ".abm-scenario-A", "inflection-demo.toml")
    type_into(app_page, "ticks", "14")
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of 14")
    started = time.perf_counter()
    for _ in range(3):
        step(app_page)
    alone = (time.perf_counter() - started) / 3
    app_page.locator(".abm-reset").click()
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of 14")
    app_page.locator(".abm-seeds button", has_text="5").click()
    status = app_page.locator(".abm-seeds-status")
    expect(status).to_contain_text("running seeds 42-46 in the background")
    started = time.perf_counter()
    for _ in range(3):  # the page answers while the seeds run in another process
        step(app_page)
    took = (time.perf_counter() - started) / 3
    expect(status).to_contain_text("running seeds")  # (the 3 steps did not wait for the seeds)
    app_page.locator(".abm-play").click()
    expect(app_page.locator(".abm-tick")).to_contain_text(re.compile(r"tick ([6-9]|1\d) of"), timeout=20_000)
    app_page.locator(".abm-pause").click()
    expect(status).to_contain_text("seeds 42-46 done", timeout=180_000)
    expect(app_page.locator(".abm-chart-emissions-A .abm-band")).to_have_count(1)
    expect(app_page.locator(".abm-chart-emissions-A")).to_contain_text("P5-P95 of 5 seeds")
    expect(app_page.locator(".abm-log-A li").first).to_contain_text("5 seeds")
    print(f"Step: {alone:.2f} s a click alone, {took:.2f} s while 5 seeds ran in the background")


def transform(page: Page, n: int = 0) -> str:
    return page.locator(".abm-map img").nth(n).evaluate("e => e.style.transform")


def test_the_map_zooms_pans_and_reads_out_the_cell_under_the_pointer(app_page: Page):
    step(app_page)
    box = app_page.locator(".abm-map-box").first
    readout = app_page.locator(".abm-readout").first
    expect(readout).to_contain_text("hover a cell")
    area = box.bounding_box()
    app_page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)  # the town centre
    expect(readout).to_contain_text(re.compile(r"^row [34]\d, col [34]\d: urban, floor [\d,]+ m2, [\d,]+ households, "
                                               r"emissions [\d,.]+ tCO2/yr, sink [-\d,.]+ tCO2/yr"))
    app_page.locator(".abm-step").dispatch_event("click")  # a step with the pointer still on the map
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 2 of")
    expect(readout).to_contain_text("urban")  # the read-out stays, and follows the run
    assert "scale(1)" in transform(app_page)
    app_page.mouse.wheel(0, -300)  # zoom in at the pointer
    expect(app_page.locator(".abm-map img").first).to_have_attribute("style", re.compile(r"scale\(1\.2"))
    app_page.locator(".abm-zoom-in").first.click()
    scale = float(re.search(r"scale\(([\d.]+)\)", transform(app_page)).group(1))
    assert scale > 2.4
    before = transform(app_page)
    app_page.mouse.move(area["x"] + 60, area["y"] + 60)
    app_page.mouse.down()
    app_page.mouse.move(area["x"] + 120, area["y"] + 100, steps=4)  # pan
    app_page.mouse.up()
    assert transform(app_page) != before and f"scale({scale})" in transform(app_page)
    expect(app_page.locator(".abm-scalebar").first).to_contain_text(re.compile(r"\d+ (m|km)"))
    step(app_page)
    assert f"scale({scale})" in transform(app_page)  # a new tick keeps the view
    app_page.get_by_text("compare with a second policy (B)").click()
    expect(app_page.locator(".abm-map")).to_have_count(2)
    app_page.locator(".abm-zoom-in").first.click()
    expect(app_page.locator(".abm-map img").nth(1)).to_have_attribute("style", re.compile(r"scale\(2\)"))  # B follows
    app_page.locator(".abm-zoom-reset").nth(1).click()
    expect(app_page.locator(".abm-map img").first).to_have_attribute("style", re.compile(r"scale\(1\)"))
    box = app_page.locator(".abm-map-box").nth(1).bounding_box()
    app_page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(app_page.locator(".abm-readout").first).to_contain_text(re.compile(r"^row [34]\d, col [34]\d: "))  # both maps
    expect(app_page.locator(".abm-readout").nth(1)).to_contain_text(re.compile(r"^row [34]\d, col [34]\d: "))


def test_compare_mode_shows_two_maps_and_a_difference(app_page: Page):
    app_page.get_by_text("compare with a second policy (B)").click()
    expect(app_page.locator(".abm-map")).to_have_count(2)
    expect(app_page.locator(".abm-chart-difference")).to_be_visible()
    expect(app_page.locator(".abm-map").nth(1)).to_contain_text("B: sprawl")
    step(app_page)
    step(app_page)
    expect(app_page.locator(".abm-summary")).to_have_count(2)
    difference = svg(app_page, "difference")
    assert "polyline" in difference
    app_page.locator(".abm-layers button", has_text="emissions per cell").click()
    expect(app_page.locator(".abm-legend").nth(1)).to_contain_text("emissions per cell")


def test_compare_gives_a_verdict_and_every_setting_that_differs(app_page: Page):
    app_page.get_by_text("compare with a second policy (B)").click()
    expect(app_page.locator(".abm-map")).to_have_count(2)
    for _ in range(3):
        step(app_page)
    verdict = app_page.locator(".abm-verdict")
    expect(verdict).to_contain_text("3 total emissions peak")
    expect(verdict).to_contain_text("NZ net-zero year")
    expect(verdict).to_contain_text(re.compile(r"cumulative emissions 20\d\d-20\d\d, MtCO2"))
    expect(verdict).to_contain_text(re.compile(r"B (saves|emits) [\d.,]+ Mt"))
    expect(verdict).to_contain_text("urban land in")
    differs = app_page.locator(".abm-differs")
    expect(differs).to_contain_text("land quota")
    expect(differs).to_contain_text("policy.layout.transit_year")  # set in the files only, shown all the same
    expect(app_page.locator(".abm-credit")).to_contain_text("urban form only")
    expect(app_page.locator(".abm-chart-cumulative polyline").first).to_be_attached()
    ticks = [app_page.locator(f".abm-chart-emissions-{side}").evaluate(
        "e => [...e.querySelectorAll('text[text-anchor=end]')].map(t => t.textContent).join('|')") for side in "AB"]
    assert ticks[0] == ticks[1]  # A and B on one y axis


def test_a_bad_value_shows_a_message_beside_the_field(app_page: Page):
    field = app_page.locator(".abm-field-far_cap_core")
    field.locator("input").fill("-1")
    field.locator("input").press("Enter")
    expect(field).to_contain_text("below the minimum 0.05")
    field.locator("input").fill("abc")
    field.locator("input").press("Enter")
    expect(field).to_contain_text("'abc' is not a number")
    seed = app_page.locator(".abm-field-seed")
    seed.locator("input").fill("1.5")
    seed.locator("input").press("Enter")
    expect(seed).to_contain_text("not a whole number")
    assert "Traceback" not in app_page.locator("body").inner_text()
    field.locator("input").fill("2020: 3, 1800: 2")
    field.locator("input").press("Enter")
    expect(field).to_contain_text("year 1800 is outside 1900-2200 (this run simulates 2023-2070)")
    field.locator("input").fill("2020：6，2030：4")  # typed on a Chinese keyboard
    field.locator("input").press("Enter")
    expect(field).not_to_contain_text("outside")
    expect(app_page.locator(".abm-refused")).not_to_contain_text("FAR cap, core")  # applied (the seed is refused)
    field.locator("input").fill("3.5")
    field.locator("input").press("Enter")
    expect(field).not_to_contain_text("not a number")
    seed.locator("input").fill("7")
    seed.locator("input").press("Enter")
    expect(seed).not_to_contain_text("whole number")
    step(app_page)


def type_into(page: Page, name: str, text: str) -> None:
    field = page.locator(f".abm-field-{name} input")
    field.fill(text)
    field.press("Enter")


def test_sub_centres_then_trunk_transit_is_accepted(app_page: Page):
    step(app_page)
    type_into(app_page, "subcentres", "3")
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")
    step(app_page)
    choose(app_page, ".abm-field-transit", "trunk")
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")  # applied: the run restarted with it
    expect(app_page.locator(".abm-field-transit")).not_to_contain_text("there are none")
    expect(app_page.locator(".abm-refused")).to_have_count(0)
    expect(app_page.locator(".abm-field-far_cap_core")).to_contain_text("0.05 to 20")  # the valid range


def test_a_refused_setting_shows_a_banner_and_the_other_edits_apply(app_page: Page):
    type_into(app_page, "far_cap_core", "-1")
    expect(app_page.locator(".abm-refused")).to_contain_text("1 setting not applied")
    expect(app_page.locator(".abm-refused")).to_contain_text("FAR cap, core = -1: -1.0 is below the minimum 0.05")
    step(app_page)
    type_into(app_page, "mixed_use", "0.4")  # valid: applied although the other field is refused
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")
    expect(app_page.locator(".abm-refused")).to_contain_text("1 setting not applied")
    app_page.get_by_text("compare with a second policy (B)").click()
    expect(app_page.locator(".abm-map")).to_have_count(2)
    app_page.locator(".abm-editing button", has_text="B").click()
    expect(app_page.get_by_text("levers of policy B")).to_be_visible()  # the form now edits B
    choose(app_page, ".abm-field-transit", "trunk")  # B is sprawl: no sub-centres
    expect(app_page.locator(".abm-field-transit")).to_contain_text("there are none")
    app_page.locator(".abm-editing button", has_text="A").click()
    banner = app_page.locator(".abm-refused")
    expect(banner).to_contain_text("2 settings not applied")  # B's refusal stays in sight while editing A
    expect(banner).to_contain_text("B: transit = trunk: trunk transit links the sub-centres")


def test_two_sessions_have_independent_runs(app_env, solara_server, solara_app, browser):
    with solara_app("viz.app"):
        pages = []
        for _ in range(2):
            context = browser.new_context()
            page = context.new_page()
            page.goto(solara_server.base_url)
            page.locator(".abm-tick").wait_for()
            pages.append(page)
        first, second = pages
        step(first)
        step(first)
        assert tick(second) == 0
        step(second)
        assert tick(first) == 2
        first.reload()
        first.locator(".abm-tick").wait_for()
        assert tick(first) == 0 and tick(second) == 1  # a reload is a new session, too
        for page in pages:
            page.context.close()


def test_csv_export_downloads_the_time_series(app_page: Page):
    step(app_page)
    with app_page.expect_download() as info:
        app_page.locator("button", has_text="CSV").click()
    text = open(info.value.path(), encoding="utf-8").read()
    header, *rows = text.strip().splitlines()
    assert header.startswith("policy,scenario,seed,tick,year")
    assert len(rows) == 2


def test_exports_are_named_after_the_run_and_carry_its_scenario(app_page: Page, tmp_path):
    from abm.scenario import load_scenario

    type_into(app_page, "far_cap_core", "3.5")
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")
    step(app_page)
    step(app_page)
    year = re.search(r"Year (\d{4})", app_page.locator(".abm-tick").inner_text()).group(1)
    with app_page.expect_download() as info:
        app_page.locator("button", has_text="CSV").click()
    assert info.value.suggested_filename == f"baseline-edited-{year}-seed42-timeseries.csv"
    with app_page.expect_download() as info:
        app_page.locator("button", has_text="scenario TOML").click()
    assert info.value.suggested_filename == f"baseline-edited-{year}-seed42-scenario.toml"
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "# edited in the app: FAR cap, core = 3.5" in text
    scenario = load_scenario(path)
    assert scenario.policy.layout.far_cap_core.at(2030) == 3.5 and scenario.run.seed == 42
    assert scenario.region.rows == 80  # the app's region, so `abm run` on it runs the same city


def test_a_saved_scenario_loads_back_in_the_page(app_page: Page, tmp_path):
    type_into(app_page, "far_cap_core", "2020: 6, 2030: 4")
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")
    with app_page.expect_download() as info:
        app_page.locator("button", has_text="scenario TOML").click()
    saved = tmp_path / "my-plan.toml"
    info.value.save_as(saved)
    choose(app_page, ".abm-scenario-A", "sprawl.toml")
    expect(app_page.locator(".abm-field-far_cap_core input")).not_to_have_value("2020: 6, 2030: 4")
    app_page.locator(".abm-load input").set_input_files(str(saved))
    expect(app_page.locator(".abm-scenario-A")).to_contain_text("my-plan.toml (loaded)")
    expect(app_page.locator(".abm-field-far_cap_core input")).to_have_value("2020: 6, 2030: 4")
    broken = tmp_path / "broken.toml"
    broken.write_text("[policy\n")
    app_page.locator(".abm-load input").set_input_files(str(broken))
    expect(app_page.locator(".abm-load-error")).to_contain_text("broken.toml was not loaded")
    step(app_page)


#: Runs `abm app` with an audit hook that writes every outside connection attempt to a file.
SERVER = """
import sys
from viz.browser import outside_call
log = open(sys.argv[1], "a", buffering=1)
def hook(event, args):
    call = outside_call(event, args)
    if call:
        log.write(call + "\\n")
sys.addaudithook(hook)
from abm.cli import main
sys.exit(main(sys.argv[2:]))
"""


@contextlib.contextmanager
def abm_app(calls: Path, *options: str):
    """`abm app` with `options` in a subprocess (its outside connection attempts written to `calls`): its URL."""
    port = free_port()
    calls.write_text("")
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(calls), "app", "--port", str(port), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://localhost:{port}"
        try:
            wait_until_serving(url, proc, timeout_s=60)
        except RuntimeError as err:
            pytest.fail(f"{err}: {proc.communicate()[0] if proc.poll() is not None else ''}")
        yield url
    finally:
        stop_server(proc)


def test_abm_app_serves_offline(tmp_path, scenario_dir, browser):
    """`abm app` itself: no outside connection from the server, no outside request from the page."""
    calls = tmp_path / "outside.txt"
    with abm_app(calls, "--region-size", "40", "--scenarios", str(scenario_dir)) as url:
        context = browser.new_context()
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        page.locator(".abm-tick").wait_for()
        step(page)
        context.close()
        assert requests and outside(requests) == []
        assert calls.read_text() == ""


def test_abm_app_lang_zh_shows_the_page_and_the_log_in_chinese(tmp_path, scenario_dir, browser):
    with abm_app(tmp_path / "outside.txt", "--lang", "zh", "--region-size", "40", "--scenarios", str(scenario_dir),
                 "--scenario", "inflection-demo.toml") as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.locator(".abm-tick").wait_for()
        expect(page.locator(".abm-log-A")).to_contain_text("3 碳达峰")
        expect(page.locator(".abm-step")).to_contain_text("单步")
        page.locator(".abm-step").click()
        expect(page.locator(".abm-tick")).to_contain_text("第1步，共30步")
        expect(page.locator(".abm-log-legend")).to_contain_text("碳达峰：排放总量最高的年份")
        expect(page.locator(".abm-field-growth_boundary")).to_contain_text("城镇开发边界")
        expect(page.locator(".abm-field-land_quota_cells")).to_contain_text("用地指标")
        context.close()


def test_the_language_switch_turns_the_page_chinese_and_back(app_page: Page):
    step(app_page)
    app_page.locator(".abm-lang button", has_text="中文").click()
    expect(app_page.locator(".abm-tick")).to_contain_text("第1步")  # the run goes on: same tick
    expect(app_page.locator(".abm-play")).to_contain_text("播放")
    expect(app_page.locator(".abm-log-A")).to_contain_text("碳达峰")
    expect(app_page.locator(".abm-layers")).to_contain_text("土地利用")
    expect(app_page.locator(".abm-legend")).to_contain_text("耕地")
    expect(app_page.locator(".abm-chart-emissions-A")).to_contain_text("总排放")
    expect(app_page.locator(".abm-field-far_cap_core")).to_contain_text("容积率上限（核心区）")
    type_into(app_page, "far_cap_core", "-1")
    expect(app_page.locator(".abm-refused")).to_contain_text("1项设置未应用")
    expect(app_page.locator(".abm-field-far_cap_core")).to_contain_text("低于最小值 0.05")
    choose(app_page, ".abm-field-transit", "干线")  # the choices in Chinese too; baseline has no sub-centres
    expect(app_page.locator(".abm-field-transit")).to_contain_text("当前没有副中心")
    app_page.locator(".abm-lang button", has_text="English").click()
    expect(app_page.locator(".abm-play")).to_contain_text("Play")
    expect(app_page.locator(".abm-field-far_cap_core")).to_contain_text("below the minimum 0.05")
    expect(app_page.locator(".abm-field-transit")).to_contain_text("there are none")


# ---- the planner's own city: uploads ---------------------------------------------------------------
def upload(page: Page, slot: str, *paths: Path) -> None:
    page.locator(f".abm-upload-{slot} input[type=file]").set_input_files([str(p) for p in paths])


def test_a_geotiff_upload_runs_on_the_uploaded_region(app_page: Page, demo200_dir, tmp_path):
    from tests.viz.uploads_data import geotiff_stack

    step(app_page)
    upload(app_page, "region", *geotiff_stack(demo200_dir, tmp_path / "maps"))
    expect(app_page.locator(".abm-upload-region .abm-upload-summary")).to_contain_text(
        "200 x 200 cells of 100 m (20 x 20 km), starting from the 1990 urban map", timeout=30_000)
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")
    image = app_page.locator(".abm-map img")
    expect(image).to_have_js_property("naturalWidth", 200)  # the 80 x 80 test region before
    step(app_page)
    step(app_page)
    assert tick(app_page) == 2
    expect(app_page.locator(".abm-refused")).to_have_count(0)
    with app_page.expect_download() as info:
        app_page.locator("button", has_text="scenario TOML").click()
    text = open(info.value.path(), encoding="utf-8").read()
    assert 'kind = "geotiff"' in text and "# uploaded in the app: region.path = " in text
    assert info.value.suggested_filename.startswith("baseline-uploaded-")


def test_a_vector_red_line_upload_changes_the_red_line_layer(app_page: Page, tmp_path):
    from tests.viz.uploads_data import red_line_geojson

    app_page.set_viewport_size({"width": 1024, "height": 900})
    lines = app_page.locator(".abm-layers button", has_text="planning lines")
    box = lines.bounding_box()
    assert box["x"] + box["width"] <= 1024, "the last layer button is clipped at 1024 px (the layers wrap)"
    lines.click()
    expect(app_page.locator(".abm-legend")).to_contain_text("ecological red line")
    image = app_page.locator(".abm-map img")
    before = image.get_attribute("src")
    upload(app_page, "red_line", red_line_geojson(tmp_path / "red.geojson", 80, (5, 30, 50, 75)))
    expect(app_page.locator(".abm-upload-red_line .abm-upload-summary")).to_contain_text("red.geojson", timeout=30_000)
    expect(image).not_to_have_attribute("src", before)
    # the cell under the pointer is now red line: the read-out of the planning-lines map is the layer itself
    box = image.bounding_box()
    app_page.mouse.move(box["x"] + box["width"] * 62.5 / 80, box["y"] + box["height"] * 17.5 / 80)
    expect(app_page.locator(".abm-readout").first).to_contain_text("row 17, col 62: ")
    expect(app_page.locator(".abm-readout").first).to_contain_text("ecological red line")
    step(app_page)


def test_a_bad_upload_is_refused_in_one_line_and_the_old_run_continues(app_page: Page, tmp_path):
    step(app_page)
    step(app_page)
    notes = tmp_path / "urban_2020.tif"
    notes.write_text("these are my notes, not a map\n", encoding="utf-8")
    upload(app_page, "region", notes)
    error = app_page.locator(".abm-upload-region .abm-upload-error")
    expect(error).to_have_text("urban_2020.tif is not a GeoTIFF (it starts like text): export the map as a GeoTIFF "
                               "(.tif), one band per layer", timeout=30_000)
    expect(app_page.locator(".abm-refused")).to_contain_text("1 setting not applied")
    expect(app_page.locator(".abm-refused")).to_contain_text("upload: land-use maps")
    assert tick(app_page) == 2  # the old run, where it was
    step(app_page)
    expect(app_page.locator(".abm-map img")).to_have_js_property("naturalWidth", 80)


def test_a_growth_boundary_drawn_on_the_map_is_used(app_page: Page):
    step(app_page)
    box_el = app_page.locator(".abm-map-box").first
    app_page.locator(".abm-draw").click()
    expect(app_page.locator(".abm-readout").first).to_contain_text("click the boundary's corners")
    box = box_el.bounding_box()

    def at(row: float, col: float) -> tuple[float, float]:  # a point of the 80 x 80 grid on screen
        return box["x"] + box["width"] * col / 80, box["y"] + box["height"] * row / 80

    for row, col in ((2, 2), (2, 40), (40, 40), (40, 2)):
        app_page.mouse.click(*at(row, col))
    expect(app_page.locator(".abm-readout").first).to_contain_text("(4)")
    app_page.locator(".abm-draw-done").click()
    expect(app_page.locator(".abm-upload-growth_boundary .abm-upload-summary")).to_contain_text(
        "drawn-boundary.geojson", timeout=30_000)
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")  # the run restarted with it
    app_page.mouse.move(*at(60.5, 60.5))
    expect(app_page.locator(".abm-readout").first).to_contain_text("outside the growth boundary")
    app_page.mouse.move(*at(20.5, 20.5))
    expect(app_page.locator(".abm-readout").first).to_contain_text("row 20, col 20: ")
    expect(app_page.locator(".abm-readout").first).not_to_contain_text("outside the growth boundary")
    step(app_page)


def test_a_step_leaves_a_value_being_typed_alone(app_page: Page):
    """A Step renders the results again, never the levers: a value typed but not yet entered stays in its field
    (when every Step rendered the whole page, the field went back to the value in use). The Step is clicked
    from script, so the field keeps the focus and nothing enters the value; Play does the same every tick."""
    field = app_page.locator(".abm-field-far_cap_core input")
    entered = field.input_value()
    field.fill("7.25")  # typed, not entered: no Enter, the field keeps the focus
    for expected in (1, 2):
        app_page.evaluate("document.querySelector('.abm-step').click()")
        expect(app_page.locator(".abm-tick")).to_contain_text(f"tick {expected} of", timeout=15_000)
    expect(field).to_be_focused()
    expect(field).to_have_value("7.25")
    field.press("Enter")  # entering it applies it: the run restarts with the new value
    expect(app_page.locator(".abm-tick")).to_contain_text("tick 0 of")
    expect(field).to_have_value("7.25")
    assert entered != "7.25"

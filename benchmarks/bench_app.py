"""Step + render in the browser app: seconds from a click on Step to the updated page (issue 6).

Starts `abm app --region-size N` in a subprocess (the baseline scenario on an N x N grid), drives it
with Playwright in Debian's Chromium, shows the "emissions per cell" layer (it changes every tick,
so the map image must be replaced each time) and times, for each Step click: until the tick label
shows the next year (`step_to_label_s`), and until the label, the map image and the emissions chart
have all changed (`step_to_map_and_chart_s`). Also reported: the server-side share (the model's tick
plus drawing the frame, in-process, `server_step_ms`) and the page load. Targets on the 2-core
machine: <= 0.2 s at 200 x 200 and <= 1 s at 1000 x 1000 (click to updated tick label).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = {"200x200": (200, 0.2), "1000x1000": (1000, 1.0)}  # name: grid size, target seconds
STEPS = 10
from viz.browser import CHROMIUM, CHROMIUM_ARGS, free_port, stop_server, wait_until_serving
REPO = Path(__file__).resolve().parents[1]

CHANGED = """([tick, img, chart]) => {
  const t = document.querySelector('.abm-tick'), i = document.querySelector('.abm-map img, img.abm-map-image'),
        c = document.querySelector('.abm-chart-emissions-A');
  return t && i && c && t.innerText !== tick && i.src !== img && c.outerHTML !== chart;
}"""
LABEL_CHANGED = "tick => document.querySelector('.abm-tick').innerText !== tick"


def _server_step_ms(size: int) -> float:
    """Median of AppSession.step (model tick + map + charts) in this process, for the breakdown."""
    from viz.session import AppConfig, AppSession

    session = AppSession(AppConfig(REPO / "scenarios", region_size=(size, size)))
    session.set_layer("emissions")
    session.step()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        session.step()
        times.append((time.perf_counter() - t) * 1e3)
    return round(statistics.median(times), 1)


def _measure(size: int) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "abm.cli", "app", "--port", str(port), "--region-size", str(size)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    url = f"http://localhost:{port}"
    try:
        wait_until_serving(url, proc, timeout_s=90)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            t = time.perf_counter()
            page.goto(url)
            page.locator(".abm-tick").wait_for()
            page.locator(".abm-map img, img.abm-map-image").first.wait_for()
            load_s = time.perf_counter() - t
            page.locator(".abm-layers button", has_text="emissions per cell").click()
            page.locator(".abm-legend", has_text="emissions per cell").first.wait_for()
            label, full = [], []
            for i in range(STEPS + 1):
                tick = page.locator(".abm-tick").inner_text()
                img = page.locator(".abm-map img, img.abm-map-image").first.get_attribute("src")
                chart = page.locator(".abm-chart-emissions-A").evaluate("e => e.outerHTML")
                t = time.perf_counter()
                page.locator(".abm-step").click()
                page.wait_for_function(LABEL_CHANGED, arg=tick, polling="raf")
                t_label = time.perf_counter() - t
                page.wait_for_function(CHANGED, arg=[tick, img, chart], polling="raf")
                t_full = time.perf_counter() - t
                if i:  # the first step warms up (compiled kernels, first PNG encode)
                    label.append(t_label)
                    full.append(t_full)
                page.wait_for_function("() => !document.querySelector('.abm-step').disabled")
            browser.close()
    finally:
        stop_server(proc)
    return {
        "page_load_s": round(load_s, 2),
        "step_to_label_s": round(statistics.median(label), 3),
        "step_to_label_max_s": round(max(label), 3),
        "step_to_map_and_chart_s": round(statistics.median(full), 3),
        "step_to_map_and_chart_max_s": round(max(full), 3),
        "steps_timed": len(label),
    }


def run() -> dict:
    if not os.path.exists(CHROMIUM):
        return {"skipped": f"{CHROMIUM} not found (apt-get install chromium)"}
    out = {}
    for name, (size, target) in CASES.items():
        figures = _measure(size)
        figures["server_step_ms"] = _server_step_ms(size)
        figures["target_step_to_label_s"] = target
        figures["meets_target"] = figures["step_to_label_s"] <= target
        out[name] = figures
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))

"""Uncertainty over seeds: the extra seeds of the shown policies run in a worker process while the session
stays free to step, they equal `abm run` of those seeds, and they give the P5-P95 band of total emissions
and the spread of each inflection year in the log and the verdict."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from abm.inflection import CROSSED
from abm.runner import run_scenario
from viz.ensemble import SeedRun, emissions_band, seed_spreads, spread_text
from viz.session import AppConfig, AppSession


def wait_for_seeds(s: AppSession, timeout_s: float = 240.0) -> None:
    deadline = time.monotonic() + timeout_s
    while s.seeds_busy:  # as the page's poll: take in what finished, look again
        s.poll_seeds()
        assert time.monotonic() < deadline, "the background seeds did not finish"
        time.sleep(0.2)


def test_the_spread_of_a_point_in_words():
    assert spread_text([2034, 2037, 2035, 2036, 2034], 5, "before 2023") == "2034-2037 over 5 seeds"
    assert spread_text([2035] * 5, 5, "before 2023") == "2035 in all 5 seeds"
    assert spread_text([2035, 2036], 5, "before 2023") == "2035-2036 in 2 of 5 seeds (3 not reached)"
    assert spread_text([], 5, "before 2023") == "not reached in any of 5 seeds"
    assert spread_text([2030], 5, "before 2023", passed=4) == "before 2023 to 2030 over 5 seeds"
    assert spread_text([2034, 2037], 2, "2023年之前", "zh") == "2个种子：2034-2037"


def test_the_band_is_p5_to_p95_over_the_seeds_year_by_year():
    runs = [SeedRun(s, (2020, 2021), (10.0 + s, 20.0 * s), ()) for s in range(1, 6)]
    lo, hi = emissions_band(runs, [2020, 2021, 2022])
    assert lo[0] == pytest.approx(np.percentile([11, 12, 13, 14, 15], 5)) and hi[1] == pytest.approx(96.0)
    assert math.isnan(lo[2]) and math.isnan(hi[2])  # a year no seed has


def test_seed_spreads_wait_for_every_seed():
    event = {"id": 3, "state": CROSSED, "year": 2031}
    runs = [SeedRun(s, (2020,), (1.0,), ({**event, "year": 2030 + s},)) for s in range(3)]
    assert seed_spreads(runs[:2], 3, 2021) == {}
    assert seed_spreads(runs, 3, 2021) == {3: "2030-2032 over 3 seeds"}


def test_five_seeds_run_in_the_background_and_match_abm_run(scenario_dir):
    s = AppSession(AppConfig(scenario_dir, region_size=(40, 40), default_scenario="inflection-demo.toml"))
    s.set_field("A", "run.ticks", "12")
    s.set_seeds(5)
    assert s.seeds_busy and "running seeds 42-46 in the background" in s.frame.seeds[0]
    started = time.perf_counter()
    while s.step():  # the session steps its own run to the end while the seeds run elsewhere
        pass
    stepping = time.perf_counter() - started
    wait_for_seeds(s)
    assert "seeds 42-46 done" in s.frame.seeds[0], s.frame.seeds
    finished, n, failed = s.ensemble.status("A")
    assert n == 5 and failed == [] and sorted(r.seed for r in finished) == [42, 43, 44, 45, 46]
    shown = next(r for r in finished if r.seed == 42)
    assert list(shown.total) == [rec["emissions_total_t"] for rec in s.runs[0].model.records]  # the shown run
    other = next(r for r in finished if r.seed == 44)
    again = run_scenario(s.runs[0].scenario, seed=44)
    assert list(other.total) == list(again.timeseries["emissions_total_t"])  # `abm run` of that seed
    assert len({r.total[-1] for r in finished}) > 1  # the seeds differ
    emissions = dict(s.frame.charts)["emissions-A"]
    assert emissions.count('class="abm-band"') == 1 and "P5-P95 of 5 seeds" in emissions
    assert all(" seeds" in row.text for row in s.frame.log), [row.text for row in s.frame.log]
    print(f"stepping 12 ticks took {stepping:.2f} s while 5 seeds ran")


def test_comparing_puts_the_spreads_in_the_verdict_and_one_seed_drops_them(scenario_dir):
    s = AppSession(AppConfig(scenario_dir, region_size=(40, 40)))
    s.set_field("A", "run.ticks", "6")
    s.set_compare(True)
    s.set_seeds(5)
    wait_for_seeds(s)
    assert len(s.frame.seeds) == 2 and all("done" in line for line in s.frame.seeds)
    cells = [cell for row in s.frame.verdict[:6] for cell in (row.a, row.b)]
    assert all("5 seeds" in cell for cell in cells), cells
    assert s.ensemble.status("A")[0][0].seed == s.ensemble.status("B")[0][0].seed  # paired: the same seeds
    s.set_seeds(1)
    assert s.frame.seeds == () and 'class="abm-band"' not in dict(s.frame.charts)["emissions-A"]
    with pytest.raises(ValueError, match="use one of 1, 5, 10"):
        s.set_seeds(3)
    s.ensemble.close()

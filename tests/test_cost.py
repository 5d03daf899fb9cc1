"""The up-front cost estimate (abm.cost): close to what runs take, shown before a run or sweep, refusing past memory."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import abm.cost
from abm.cli import main
from abm.cost import Estimate, estimate, estimate_scenario, estimate_sweep, households_path, snapshot_count
from abm.errors import ConfigError
from abm.scenario import scenario_from_dict

SMALL = {"region": {"rows": 40, "cols": 50, "town_radius_km": 0.8, "villages": 0}, "run": {"ticks": 3}}


def test_the_estimate_counts_the_cells_and_households_the_model_has():
    from abm.model import UrbanModel

    scenario = scenario_from_dict(SMALL)
    est = estimate_scenario(scenario)
    model = UrbanModel(scenario)
    assert est.cells == 2000 and est.ticks == 3 and est.snapshots == 2  # ticks 0 and 3
    assert est.households_start == pytest.approx(len(model.households), rel=0.02)
    for _ in range(3):
        model.step()
    assert est.households_end == pytest.approx(len(model.households), rel=0.05)


def test_more_cells_households_ticks_or_snapshots_cost_more():
    base = estimate(10_000, [1000.0] * 11, 3)
    assert estimate(1_000_000, [1000.0] * 11, 3).peak_mb > base.peak_mb
    assert estimate(10_000, [1e6] * 11, 3).peak_mb > base.peak_mb
    assert estimate(10_000, [1000.0] * 51, 3).seconds > base.seconds
    assert estimate(10_000, [1000.0] * 11, 30).seconds > base.seconds  # streamed: time, not memory
    assert estimate(10_000, [1000.0] * 11, 0).peak_mb < base.peak_mb  # no snapshots: no frame held
    assert households_path(100.0, scenario_from_dict({"population": {"growth_rate": -0.1}}), 2) == \
        pytest.approx([100.0, 90.0, 81.0])
    assert [snapshot_count(t, 5) for t in (1, 5, 6, 10)] == [2, 2, 3, 3]


def test_the_fit_reproduces_the_measured_runs():
    """Each run the coefficients were fitted on: peak memory within 10%, build + ticks + write within 50%."""
    for name, m in abm.cost.MEASURED.items():
        hh = [m["hh0"] + (m["hh1"] - m["hh0"]) * t / m["ticks"] for t in range(int(m["ticks"]) + 1)]
        est = estimate(int(m["cells"]), hh, int(m["snaps"]))
        assert est.peak_mb == pytest.approx(m["peak_mb"], rel=0.10), name
        measured_s = abm.cost.START_S + m["init_s"] + m["ticks"] * m["tick_s"] + m["write_s"]
        assert est.seconds == pytest.approx(measured_s, rel=0.5), name


def test_the_memory_estimate_holds_for_a_fresh_run():
    """A run the fit has not seen, in a process of its own (kernels compiled): its peak memory within 25% of the
    estimate. Peak from VmHWM: Linux carries the parent's RSS at fork into the child's ru_maxrss across exec
    (a 490 MB pytest made a 360 MB run read 490)."""
    child = (
        "import json, resource, tempfile\n"
        "from abm.cost import estimate_scenario\n"
        "from abm.runner import run_scenario\n"
        "from abm.scenario import scenario_from_dict\n"
        "s = scenario_from_dict({'region': {'rows': 150, 'cols': 120, 'town_radius_km': 2.2}, 'run': {'ticks': 4}})\n"
        "est = estimate_scenario(s)\n"
        "with tempfile.TemporaryDirectory() as tmp:\n"
        "    run_scenario(s, out_dir=tmp + '/o')\n"
        "hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')]\n"
        "peak = int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps([est.peak_mb, peak]))\n"
    )
    for _ in range(2):  # the first may compile kernels changed since their cache (numba's compiler: +130 MB)
        done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=600, check=True)
    estimated, measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert estimated == pytest.approx(measured, rel=0.25)


def test_a_run_past_the_memory_is_refused_with_the_estimate_and_the_fix():
    scenario = scenario_from_dict({**SMALL, "region": {"rows": 4000, "cols": 4000, "town_radius_km": 0.8}})
    with pytest.raises(ConfigError) as err:
        estimate_scenario(scenario, available=1000.0)
    text = str(err.value)
    assert text.startswith("memory: the run needs about 1.6 GB, more than the 1,000 MB this machine has available")
    assert "a smaller region (rows, cols)" in text and "\n" not in text


def test_a_grid_past_the_memory_is_refused_before_it_is_built(monkeypatch):
    import abm.regions

    def forbidden(scenario):
        raise AssertionError("the region was built: 400 million cells would fill the memory first")

    monkeypatch.setattr(abm.regions, "build_region", forbidden)
    huge = scenario_from_dict({"region": {"rows": 20_000, "cols": 20_000}})
    with pytest.raises(ConfigError, match="the run needs about 32.6 GB, more than the 15.6 GB"):
        estimate_scenario(huge, available=16_000.0)


def test_a_sweep_counts_the_runs_at_once():
    scenario = scenario_from_dict(SMALL)
    one = estimate_scenario(scenario, snapshots=False)
    sweep = estimate_sweep([scenario] * 6, workers=2)
    assert sweep.runs == 6 and sweep.workers == 2
    assert sweep.peak_mb == pytest.approx(2 * one.peak_mb)
    assert sweep.seconds == pytest.approx(abm.cost.START_S + 3 * (one.seconds - abm.cost.START_S))
    with pytest.raises(ConfigError, match=r"\(2 runs at once\).*fewer --workers"):
        estimate_sweep([scenario] * 6, workers=2, available=1.5 * one.peak_mb)
    assert estimate_sweep([scenario] * 6, workers=2, available=1.0, local=False).runs == 6  # a cluster's own


def test_estimate_lines_read_plainly():
    assert Estimate(40_000, 62_851, 88_251, 20, 5, 383.7, 6.1).line() == \
        "estimate: 384 MB peak memory, about 6 s (40,000 cells, 62,851 -> 88,251 households, 20 ticks)"
    assert Estimate(1, 1, 1, 1, 1, 3000.0, 7200.0, runs=60, workers=2).line() == \
        "estimate: 2.9 GB peak memory, about 2.0 h (60 runs on 2 workers)"


# ----------------------------------------------------------------------------------------- the commands
TINY = '[run]\nticks = 1\n[region]\nrows = 20\ncols = 20\ntown_radius_km = 0.5\nvillages = 0\n'


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text('name = "tiny"\n' + TINY)
    return path


def test_abm_run_says_the_estimate_first(tiny, tmp_path, capsys):
    assert main(["run", str(tiny), "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("abm run: estimate: ") and " MB peak memory, about " in err.splitlines()[0]


def test_abm_run_and_sweep_refuse_past_the_memory_before_any_work(tiny, tmp_path, capsys, monkeypatch):
    import abm.runner
    import abm.sweeps

    def forbidden(*args, **kwargs):
        raise AssertionError("the work started")

    monkeypatch.setattr(abm.runner, "simulate", forbidden)
    monkeypatch.setattr(abm.sweeps, "run_sweep", forbidden)
    monkeypatch.setattr(abm.cost, "available_mb", lambda: 100.0)
    assert main(["run", str(tiny), "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("abm run: error: memory: the run needs about ") and "\n" not in err, err
    assert "more than the 100 MB this machine has available (fix: a smaller region" in err
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'scenarios = ["{tiny}"]\nseeds = 4\n')
    assert main(["sweep", str(sweep), "--quiet", "--workers", "2", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("abm sweep: error: memory: the run needs about ") and "(2 runs at once)" in err, err
    assert not (tmp_path / "o").exists()


def test_a_sweep_dry_run_shows_the_estimate(tiny, tmp_path, capsys):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'scenarios = ["{tiny}"]\nseeds = 3\n')
    assert main(["sweep", str(sweep), "--dry-run", "--workers", "2", "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "\n  estimate: " in out and "peak memory, about " in out and "(3 runs on 2 workers)" in out, out

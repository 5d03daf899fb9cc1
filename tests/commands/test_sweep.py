"""`abm sweep` and `abm report`: a planner's sweep end to end, refusals in one line, and kill + resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from abm.sweeps import load_sweep_spec
from abm.cli import main

REPO = Path(__file__).resolve().parents[2]

TINY = """
name = "tiny"
[run]
ticks = 3
[region]
rows = 40
cols = 40
town_radius_km = 0.5
villages = 1
"""

TINY_SPRAWL = """
extends = "tiny.toml"
name = "tiny-sprawl"
[policy.quantity]
growth_boundary = "none"
"""

SWEEP = """{top}
name = "small"
scenarios = ["scen/tiny.toml", "scen/tiny_sprawl.toml"]
seeds = {seeds}
ticks = {ticks}

[axes]
"policy.layout.far_cap_core" = [2.0, 3.0]
"""


@pytest.fixture
def sweep_file(tmp_path):
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "tiny.toml").write_text(TINY)
    (tmp_path / "scen" / "tiny_sprawl.toml").write_text(TINY_SPRAWL)

    def make(seeds="2", ticks=3, extra="", top=""):
        path = tmp_path / "sweep.toml"
        path.write_text(SWEEP.format(seeds=seeds, ticks=ticks, top=top) + extra)
        return path

    return make


def test_sweep_then_report(sweep_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(sweep_file()), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "8 of 8 runs finished (8 ok, 0 failed" in printed and "tiny-sprawl" in printed
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 8 and summary["run_id"].is_unique
    assert main(["report", str(out)]) == 0
    for name in ("inflection_years.png", "emission_fans.png", "emissions_vs_urban_area.png"):
        png = out / "report" / name
        assert png.is_file() and png.stat().st_size > 5000 and png.read_bytes()[:4] == b"\x89PNG"
    table = pd.read_csv(out / "report" / "inflection_years.csv")
    assert set(table["scenario"]) == {"tiny", "tiny-sprawl"} and set(table["id"]) == {1, 2, 3, 4, 5}
    # a second run does nothing and says so
    assert main(["sweep", str(sweep_file()), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "8 were already done" in capsys.readouterr().out
    assert main(["sweep", str(sweep_file()), "--out", str(out), "--dry-run"]) == 0
    assert "already finished" in capsys.readouterr().out


def test_failed_runs_give_exit_status_1_and_are_reported(sweep_file, tmp_path, capsys):
    path = sweep_file()
    path.write_text(path.read_text().replace("[2.0, 3.0]", "[2.0, 25.0]"))  # 25 > the cap's maximum 20
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 1
    printed = capsys.readouterr().out
    assert "4 ok, 4 failed" in printed and "far_cap_core" in printed and "--retry-failed" in printed


@pytest.mark.parametrize("extra, seeds, words", [
    ("TOP:seed = 4", "2", "seed: unknown field"),                                        # unknown key
    ('"policy.layout.far_cap_cor" = [1.0, 2.0]\n', "2", "axes.policy.layout.far_cap_cor"),  # typo in an axis
    ('"policy.layout.far_cap_other" = "high"\n', "2", "axes.policy.layout.far_cap_other"),  # bad axis spec
    ('"policy.function.mixed_use" = { min = 0.1, max = 0.5 }\n', "2", "axes.policy.function.mixed_use.num"),
    ("", "0", "seeds"),
    ("", "[3, 3]", "seeds"),
    ("", "[1, -1]", "seeds[1]"),
    ('\n[sampling]\nmethod = "sobol"\nsamples = 5\n', "2", "sampling.samples"),
])
def test_bad_sweep_file_is_refused_in_one_line(sweep_file, tmp_path, capsys, extra, seeds, words):
    out = tmp_path / "out"
    top = extra.removeprefix("TOP:") if extra.startswith("TOP:") else ""
    path = sweep_file(seeds=seeds, extra="" if top else extra, top=top)
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1, err
    assert not out.exists()


def test_missing_files_are_refused_in_one_line(sweep_file, tmp_path, capsys):
    path = sweep_file()
    path.write_text(path.read_text().replace("scen/tiny.toml", "scen/nope.toml"))
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "scenarios[0]" in err and "nope.toml" in err and len(err.splitlines()) == 1
    assert main(["sweep", str(tmp_path / "absent.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert "not found" in err and len(err.splitlines()) == 1
    assert main(["report", str(tmp_path / "no-such-dir")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("flags, words", [
    (["--workers", "0"], "--workers"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--workers and --scheduler"),
    (["--scheduler", "my-cluster"], "--scheduler"),
])
def test_bad_flags_get_one_line(sweep_file, tmp_path, capsys, flags, words):
    assert main(["sweep", str(sweep_file()), "--out", str(tmp_path / "o"), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_shipped_sweeps_are_valid():
    files = sorted((REPO / "sweeps").glob("*.toml"))
    assert any(f.name == "urban_form.toml" for f in files)
    for path in files:
        spec = load_sweep_spec(path)
        assert spec.scenarios and spec.seeds
    urban = load_sweep_spec(REPO / "sweeps" / "urban_form.toml")
    assert urban.scenario_names == ["compact", "polycentric", "sprawl"] and len(urban.seeds) == 20


def test_killed_sweep_resumes_with_every_run_exactly_once(sweep_file, tmp_path):
    psutil = pytest.importorskip("psutil")
    path = sweep_file(seeds="6")  # 2 scenarios x 2 caps x 6 seeds = 24 runs
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "abm.cli", "sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / "first.log", "w")  # not a pipe: a stray worker holding it must not block us
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    records = out / "records"
    while time.monotonic() < deadline and proc.poll() is None:
        if records.is_dir() and len(list(records.glob("*.json"))) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, (tmp_path / "first.log").read_text()
    workers = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    log.close()
    finished_at_kill = len(list(records.glob("*.json")))
    assert 2 <= finished_at_kill < 24
    # the workers notice that their parent is gone and exit instead of waiting for ever
    gone, alive = psutil.wait_procs(workers, timeout=10)
    for stray in alive:
        stray.kill()
    assert not alive, "pool workers outlived the killed sweep"
    # what a kill during a write leaves behind
    (out / "records" / ".0123456789abcdef.json.a1b2c3.part").write_text("{")

    again = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{finished_at_kill} were already done" in again.stdout
    summary = pd.read_parquet(out / "summary.parquet")
    plan = pd.read_parquet(out / "plan.parquet")
    assert len(summary) == 24 and summary["run_id"].is_unique and set(summary["run_id"]) == set(plan["run_id"])
    assert (summary["status"] == "ok").all()
    assert sorted(p.stem for p in records.glob("*.json")) == sorted(summary["run_id"])
    assert sorted(p.stem for p in (out / "runs").rglob("*.parquet")) == sorted(summary["run_id"])
    assert not [p for p in out.rglob("*") if p.name.endswith(".part") or p.name.startswith(".")]
    # and the result is what an uninterrupted sweep gives
    clean = tmp_path / "clean"
    assert main(["sweep", str(path), "--out", str(clean), "--workers", "1", "--quiet"]) == 0
    assert (clean / "summary.parquet").read_bytes() == (out / "summary.parquet").read_bytes()

"""An output folder holds one run, whole: killed while overwriting, `abm run` leaves the old run or the
new one (never a mix), with one run id in every file; the next run removes what a killed one left.
The same for `abm calibrate` and `abm report`.

Why (issue 16): a run killed while overwriting an earlier one left the new time series beside the old
grids, map and manifest, so the manifest described a run the time series was not.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import rasterio
import xarray as xr
from PIL import Image

from abm.atomic import FolderError, sha256_file
from abm.cli import main
from abm.errors import DataError
from abm.outputs import check_run_folder

ROOT = Path(__file__).resolve().parents[1]

TINY = """
name = "tiny"
[run]
ticks = 4
snapshot_every = 2
[region]
rows = 40
cols = 40
town_radius_km = 0.5
"""

#: The child: `abm run`, optionally paused (for the kill) just before or just after the folder swap.
DRIVER = """
import os, sys, time
from pathlib import Path
import abm.atomic as atomic

pause, mark = os.environ.get("KILL_PAUSE"), os.environ.get("KILL_MARK")
real = atomic.exchange

def exchange(a, b):
    if pause == "before_swap":
        Path(mark).write_text("here"); time.sleep(120)
    done = real(a, b)
    if pause == "after_swap":
        Path(mark).write_text("here"); time.sleep(120)
    return done

atomic.exchange = exchange
from abm.cli import main
sys.exit(main(sys.argv[1:]))
"""


def digests(folder: Path) -> dict[str, str]:
    return {p.name: sha256_file(p) for p in sorted(folder.iterdir())}


def stagings(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.*.staging"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The earlier run (seed 7, no plot) and what the new run (seed 42, --plot) writes when not killed."""
    base = tmp_path_factory.mktemp("runs")
    scenario = base / "tiny.toml"
    scenario.write_text(TINY)
    assert main(["run", str(scenario), "--out", str(base / "old"), "--seed", "7", "--quiet"]) == 0
    assert main(["run", str(scenario), "--out", str(base / "new"), "--seed", "42", "--quiet", "--plot"]) == 0
    return base


def assert_one_run(out: Path, runs: Path) -> str:
    """The folder is one run's complete set, old or new, each file carrying the manifest's run id."""
    manifest = json.loads((out / "manifest.json").read_text())
    run_id = manifest["run_id"]
    assert sorted(p.name for p in out.iterdir()) == sorted(manifest["files"]), "files beside the run's set"
    # read back with the formats' own readers, not only with abm's checker
    assert pq.read_schema(out / "timeseries.parquet").metadata[b"run_id"].decode() == run_id
    assert {e["run_id"] for e in json.loads((out / "events.json").read_text())} == {run_id}
    with xr.open_dataset(out / "grids.nc", engine="h5netcdf") as ds:
        assert ds.attrs["run_id"] == run_id
    with rasterio.open(out / "final.tif") as src:
        assert src.tags(1)["run_id"] == run_id
    if (out / "emissions.png").exists():
        with Image.open(out / "emissions.png") as img:
            assert img.text["run_id"] == run_id
    assert check_run_folder(out) == run_id
    old = runs / "old"
    if run_id == json.loads((old / "manifest.json").read_text())["run_id"]:
        assert digests(out) == digests(old), "the earlier run, but not byte for byte"
        return "old"
    new = runs / "new"
    assert manifest["seed"] == 42 and sorted(manifest["files"]) == sorted(p.name for p in new.iterdir())
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"),
                                  pd.read_parquet(new / "timeseries.parquet"))
    strip = lambda path: [{k: v for k, v in e.items() if k != "run_id"} for e in json.loads(path.read_text())]
    assert strip(out / "events.json") == strip(new / "events.json")
    return "new"


def in_stage(pattern: str):
    """Kill once a staged file matching `pattern` shows up (the run is writing that file)."""
    return lambda out, mark: any(s.glob(pattern) for s in stagings(out))


KILL_POINTS = {
    "simulating": lambda out, mark: bool(stagings(out)),                 # folder staged, model running
    "timeseries_written": in_stage("timeseries.parquet"),
    "grids_half_written": in_stage(".grids.nc.*.part"),
    "plot_written": in_stage("emissions.png"),
    "manifest_written": in_stage("manifest.json"),                         # racing the swap itself
    "before_swap": lambda out, mark: mark.exists(),
    "after_swap": lambda out, mark: mark.exists(),
}


def kill_run_at(point: str, out: Path, scenario: Path, tmp: Path) -> tuple[bool, float]:
    """Start `abm run` (seed 42, --plot) into `out`, SIGKILL it at `point`. Returns (killed, seconds)."""
    mark = tmp / f"{point}.mark"
    env = {"KILL_PAUSE": point, "KILL_MARK": str(mark)}
    cmd = ["-c", DRIVER, "run", str(scenario), "--out", str(out), "--seed", "42", "--quiet", "--plot"]
    return kill_when(cmd, env, lambda: KILL_POINTS[point](out, mark), tmp / f"{point}.log")


def kill_when(args: list[str], env: dict[str, str], seen, log_path: Path) -> tuple[bool, float]:
    """Run python `args` from the repository root; SIGKILL it once `seen()`. Returns (killed, seconds)."""
    log = open(log_path, "w")  # not a pipe: nothing may block the child before the kill
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, **env}, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        while proc.poll() is None and time.monotonic() - start < 120 and not seen():
            time.sleep(0.002)
        killed = proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        killed = False
    finally:
        proc.wait()
        log.close()
    if not killed:
        assert proc.returncode == 0, log_path.read_text()
    return killed, time.monotonic() - start


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_run_killed_while_overwriting_leaves_one_whole_run(runs, tmp_path, point):
    out = tmp_path / "out"
    shutil.copytree(runs / "old", out)
    killed, seconds = kill_run_at(point, out, runs / "tiny.toml", tmp_path)
    outcome = assert_one_run(out, runs)
    if point in ("simulating", "timeseries_written", "grids_half_written", "plot_written", "before_swap"):
        assert killed and outcome == "old", (point, killed, outcome)
    if point == "after_swap":
        assert killed and outcome == "new"
    print(f"{point}: killed={killed} after {seconds:.2f} s -> {outcome} run")


def test_a_rerun_removes_what_a_killed_run_left_and_nothing_else(runs, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(runs / "old", out)
    killed, _ = kill_run_at("after_swap", out, runs / "tiny.toml", tmp_path)
    assert killed and len(stagings(out)) == 1  # the swapped-out old run, never removed
    # what an older abm, which wrote straight into the folder, left when killed mid-write
    (out / ".grids.nc.ab12cd34.part").write_bytes(b"half")
    (out / ".emissions.png.x1y2z3w4.part").write_bytes(b"half")
    # a user's files beside the folder, and the staging folder of a run still going (this process)
    (tmp_path / "out.notes.txt").write_text("mine")
    (tmp_path / ".out.backup").mkdir()
    live = tmp_path / f".out.{os.getpid()}-abcd1234.staging"
    live.mkdir()
    assert main(["run", str(runs / "tiny.toml"), "--out", str(out), "--seed", "7", "--quiet"]) == 0
    assert stagings(out) == [live]
    assert not list(out.glob(".*")) and not list(tmp_path.glob(".out.*.old"))
    assert (tmp_path / "out.notes.txt").read_text() == "mine" and (tmp_path / ".out.backup").is_dir()
    run_id = check_run_folder(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and "emissions.png" not in manifest["files"]  # no plot: none left over
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"),
                                  pd.read_parquet(runs / "old" / "timeseries.parquet"))
    assert run_id != json.loads((runs / "old" / "manifest.json").read_text())["run_id"]


def test_a_folder_holding_other_files_is_refused_before_the_run(runs, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(runs / "old", out)
    (out / "notes.txt").write_text("mine")
    before = digests(out)
    assert main(["run", str(runs / "tiny.toml"), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "notes.txt" in err and "--out" in err and len(err.splitlines()) == 1
    assert digests(out) == before and not stagings(out)


def test_a_run_failing_while_writing_keeps_the_earlier_run(runs, tmp_path, monkeypatch):
    from abm import outputs
    from abm.runner import run_scenario
    from abm.scenario import load_scenario

    out = tmp_path / "out"
    shutil.copytree(runs / "old", out)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs, "write_final_tif", broken)
    with pytest.raises(RuntimeError):
        run_scenario(load_scenario(runs / "tiny.toml"), seed=42, out_dir=out)
    assert digests(out) == digests(runs / "old") and not stagings(out)


def test_the_checker_names_a_mixed_folder(runs, tmp_path):
    mixed = tmp_path / "mixed"
    shutil.copytree(runs / "old", mixed)
    shutil.copy2(runs / "new" / "timeseries.parquet", mixed / "timeseries.parquet")  # what issue 16 saw
    with pytest.raises(DataError, match="timeseries.parquet"):
        check_run_folder(mixed)
    shutil.copy2(runs / "old" / "timeseries.parquet", mixed / "timeseries.parquet")
    (mixed / "emissions.png").write_bytes((runs / "new" / "emissions.png").read_bytes())
    with pytest.raises(DataError, match="emissions.png is not in the manifest"):
        check_run_folder(mixed)


# ------------------------------------------------------------------------------------ abm calibrate
@pytest.fixture
def toy_calibration():
    from abm.calibration import calibration_from_dict
    from abm.calibration.recovery import toy_map_set
    from tests.test_calibration import toy

    return calibration_from_dict(toy(), check_path=False), toy_map_set(40)


def test_calibrate_replaces_its_folder_whole_and_every_file_carries_the_run_id(toy_calibration, tmp_path,
                                                                                monkeypatch):
    import abm.calibration.pipeline as pipeline

    cfg, sset = toy_calibration
    out = tmp_path / "cal"
    first = pipeline.calibrate(cfg, out, workers=1, progress=False, sset=sset)
    run_id = check_run_folder(out, manifest="fit.json")
    assert first.out_dir == out and first.report["run_id"] == run_id
    assert out.joinpath("scenario.toml").read_text().startswith(f'# run_id = "{run_id}"')
    with Image.open(out / "search.png") as img:
        assert img.text["run_id"] == run_id
    kept = digests(out)

    def broken(*args, **kwargs):
        raise RuntimeError("killed while drawing")

    monkeypatch.setattr(pipeline, "plot_search", broken)
    with pytest.raises(RuntimeError):
        pipeline.calibrate(cfg, out, workers=1, progress=False, sset=sset)
    assert digests(out) == kept and not stagings(out)
    monkeypatch.undo()
    (out / ".fit.json.ab12cd34.part").write_text("{")  # a killed write of an older abm
    second = pipeline.calibrate(cfg, out, workers=1, progress=False, sset=sset)
    assert check_run_folder(out, manifest="fit.json") == second.report["run_id"] != run_id
    assert not list(out.glob(".*")) and not stagings(out)


CALIBRATE = """
import sys
from abm.calibration import calibrate, calibration_from_dict
from abm.calibration.recovery import toy_map_set
from tests.test_calibration import toy

calibrate(calibration_from_dict(toy(), check_path=False), sys.argv[1], workers=1, progress=False,
          sset=toy_map_set(40))
"""


def test_calibrate_killed_while_overwriting_leaves_the_earlier_calibration(toy_calibration, tmp_path):
    from abm.calibration import calibrate

    cfg, sset = toy_calibration
    out = tmp_path / "cal"
    calibrate(cfg, out, workers=1, progress=False, sset=sset)
    kept = digests(out)
    killed, _ = kill_when(["-c", CALIBRATE, str(out)], {}, in_stage_of(out, "map_*.png"), tmp_path / "cal.log")
    assert killed and digests(out) == kept
    check_run_folder(out, manifest="fit.json")


def in_stage_of(out: Path, pattern: str):
    return lambda: any(s.glob(pattern) for s in stagings(out))


def test_calibrate_refuses_a_folder_of_other_files_before_searching(toy_calibration, tmp_path, monkeypatch):
    import abm.calibration.pipeline as pipeline

    cfg, sset = toy_calibration
    out = tmp_path / "cal"
    out.mkdir()
    (out / "data.csv").write_text("mine")
    monkeypatch.setattr(pipeline, "search_parameters", lambda *a, **k: pytest.fail("searched"))
    with pytest.raises(FolderError, match="data.csv"):
        pipeline.calibrate(cfg, out, workers=1, progress=False, sset=sset)
    assert [p.name for p in out.iterdir()] == ["data.csv"] and not stagings(out)


# --------------------------------------------------------------------------------------- abm report
def fake_report(fail: bool = False):
    """Stand-in for abm.sweep_plots.write_report: two figures and a table, drawn into `fig_dir`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def write(sweep_dir, fig_dir):
        fig_dir = Path(fig_dir)
        written = []
        for name in ("inflection_years.png", "emission_fans.png"):
            fig, ax = plt.subplots(figsize=(2, 2))
            ax.plot([0, 1], [1, 0])
            fig.savefig(fig_dir / name)
            plt.close(fig)
            written.append(fig_dir / name)
            if fail:
                raise RuntimeError("killed while drawing")
        (fig_dir / "inflection_years.csv").write_text("scenario,id\ntiny,1\n")
        return written + [fig_dir / "inflection_years.csv"]

    return write


def test_report_replaces_its_folder_whole(tmp_path, monkeypatch, capsys):
    import abm.sweep_plots

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    monkeypatch.setattr(abm.sweep_plots, "write_report", fake_report())
    assert main(["report", str(sweep)]) == 0
    report = sweep / "report"
    assert str(report / "inflection_years.csv") in capsys.readouterr().out
    run_id = check_run_folder(report)
    with Image.open(report / "emission_fans.png") as img:
        assert img.text["run_id"] == run_id
    kept = digests(report)
    monkeypatch.setattr(abm.sweep_plots, "write_report", fake_report(fail=True))
    with pytest.raises(RuntimeError):
        main(["report", str(sweep)])
    assert digests(report) == kept and not stagings(report)
    monkeypatch.setattr(abm.sweep_plots, "write_report", fake_report())
    (report / ".emission_fans.png.ab12cd34.part").write_bytes(b"half")
    assert main(["report", str(sweep)]) == 0
    assert check_run_folder(report) != run_id and not list(report.glob(".*"))
    # the sweep folder itself is not a report folder: refused, nothing touched
    (sweep / "summary.parquet").write_bytes(b"sweep")
    assert main(["report", str(sweep), "--out", str(sweep)]) == 2
    assert "summary.parquet" in capsys.readouterr().err and (sweep / "summary.parquet").read_bytes() == b"sweep"

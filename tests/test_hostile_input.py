"""Hostile input (issue 14): bad input is refused in one line, before any work, never a traceback or a hang.

A fixed corpus, one test per class of the hostile-user generator's findings: non-finite and huge
numbers and limits the flags share with the files (1), output folders no command could write (2),
deep nesting, link loops, rasters given as vectors and raster bombs (3), scheduler addresses (4),
unclear refusals (5) and names used as folders (6). tests/test_hostile_fuzz.py draws more.
"""

from __future__ import annotations

import json
import os
import struct

import numpy as np
import pytest

from abm.calibration.config import calibration_from_dict
from abm.cli import main
from abm.errors import ConfigError, DataError
from abm.scenario import scenario_from_dict
from abm.sweeps.spec import sweep_from_dict

TINY = """
name = "tiny"
[run]
ticks = 1
[region]
rows = 20
cols = 20
town_radius_km = 0.5
villages = 0
"""
TINY_REGION = {"rows": 20, "cols": 20, "town_radius_km": 0.5, "villages": 0}


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture
def no_work(monkeypatch):
    """Every command's work replaced by a failure: a refusal must come before any of it."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the work started: the input should have been refused before")

    import abm.attribution
    import abm.calibration
    import abm.commands.report
    import abm.runner
    import abm.sweeps

    monkeypatch.setattr(abm.runner, "simulate", forbidden)
    monkeypatch.setattr(abm.sweeps, "run_sweep", forbidden)
    monkeypatch.setattr(abm.calibration, "calibrate", forbidden)
    monkeypatch.setattr(abm.attribution, "attribute", forbidden)
    monkeypatch.setattr(abm.commands.report, "write_report_folder", forbidden)


def refused(capsys, argv: list[str], *words: str) -> str:
    """Run `abm argv`: exit status 2 and one line on stderr, 'abm <command>: error: ...', naming `words`."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith(f"abm {argv[0]}: error: ") and "\n" not in err and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    assert len(err) < 600, err
    return err


# --------------------------------------------------------------------------------- 1. numbers, limits
@pytest.mark.parametrize("field, value", [
    ("policy.layout.far_cap_core", 2**1100),              # an integer beyond a float: OverflowError before
    ("policy.layout.far_cap_core", {"2020": 2**1100}),
    ("policy.layout.far_cap_core", {"99999999999999999999": 1.0}),
    ("region.town_radius_km", 2**1100),
    ("run.seed", 2**1100),
    ("population.growth_rate", float("inf")),
    ("region.town_radius_km", float("nan")),
    ("detector.noise_factor", 2**1100),                   # the detector's own check overflowed
    ("detector.smoothing_window", 2**1100 + 1),
    ("run.start_year", 1899),                             # in range before, then crashed in the keyed draws
])
def test_numbers_no_model_can_take_are_refused_by_field(field, value):
    from abm.scenario import set_dotted

    raw = {"run": {"ticks": 1}, "region": dict(TINY_REGION)}
    set_dotted(raw, field, value)
    with pytest.raises(ConfigError) as err:
        scenario_from_dict(raw)
    assert str(err.value).startswith(field) and len(str(err.value)) < 300


@pytest.mark.parametrize("key", ["run.ticks", "policy.quantity.land_quota_cells", "run.start_year", "run.seed"])
def test_calibration_may_not_search_what_it_sets_itself(key):
    raw = {"data": {"path": ".", "fit_years": [1950]}, "search": {"space": {key: [1, 10]}}}
    with pytest.raises(ConfigError, match="set by the calibration itself"):
        calibration_from_dict(raw, check_path=False)


@pytest.mark.parametrize("raw, words", [
    ({"seeds": 200_000}, "seeds: 200000 is above the maximum 100000"),
    ({"seeds": {"count": 200_000}}, "seeds.count: 200000 is above the maximum 100000"),
    ({"seeds": 1000, "axes": {"policy.layout.far_cap_core": {"min": 1.0, "max": 3.0, "num": 5000}}},
     "the sweep plans 5,000,000 runs"),
    ({"seeds": 1, "sampling": {"method": "lhs", "samples": 2**40},
      "axes": {"policy.layout.far_cap_core": {"min": 1.0, "max": 3.0}}}, "sampling.samples"),
])
def test_sweeps_too_large_to_plan_are_refused(raw, words):
    tiny = scenario_from_dict({"name": "tiny", "region": TINY_REGION})
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        sweep_from_dict({"scenarios": [tiny], **raw})


def _geojson(path, ring):
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def _empty_gpkg(path):
    import geopandas as gpd

    gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:3857").to_file(path, layer="boundary", driver="GPKG")
    return path


def _written(path, text):
    path.write_text(text)
    return path


NULL_GEOMETRY = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": None}]}
DRAWN_FILES = {  # a drawn file that would stop all growth, or protect nothing, silently: refused by field
    "an empty file": (lambda p: _written(p / "e.geojson", ""), "is an empty file (0 bytes), not a vector layer"),
    "no features": (lambda p: _written(p / "n.geojson", '{"type": "FeatureCollection", "features": []}'),
                    "holds no features (an empty layer)"),
    "only null geometries": (lambda p: _written(p / "g.geojson", json.dumps(NULL_GEOMETRY)),
                             "holds no features (an empty layer)"),
    "an empty GeoPackage layer": (lambda p: _empty_gpkg(p / "l.gpkg"), "holds no features (an empty layer)"),
    "far away (another CRS or place)": (lambda p: _geojson(p / "far.geojson", [[1e7, 1e7], [1e7 + 10, 1e7],
                                        [1e7 + 10, 1e7 + 10], [1e7, 1e7]]),
                                        "covers no cell of the region: check its CRS/extent"),
}


@pytest.mark.parametrize("field", ["growth_boundary_file", "red_line_file", "farmland_file"])
@pytest.mark.parametrize("case", list(DRAWN_FILES))
def test_a_drawn_file_covering_no_cell_is_refused(tmp_path, capsys, field, case):
    make, words = DRAWN_FILES[case]
    path = make(tmp_path)
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY + f'{field} = "{path}"\n')
    refused(capsys, ["run", scenario, "--quiet", "--out", tmp_path / "o"], f"region.{field}: ", words)
    assert not (tmp_path / "o").exists()


def test_a_drawn_file_covering_one_cell_runs(tmp_path):
    from abm.regions import build_region

    one = _geojson(tmp_path / "one.geojson", [[110, 110], [190, 110], [190, 190], [110, 190], [110, 110]])
    for field in ("growth_boundary_file", "red_line_file", "farmland_file"):
        grid = build_region(scenario_from_dict({"run": {"ticks": 1}, "region": {**TINY_REGION, field: str(one)}}))
        drawn = grid.metadata["boundary_mask"] if field == "growth_boundary_file" else \
            getattr(grid, field.removesuffix("_file"))
        assert drawn.sum() >= 1


# ------------------------------------------------------------------- 1. flags share the files' limits
@pytest.mark.parametrize("flags, words", [
    (["--ticks", "1001"], ["--ticks: 1001 is above the maximum 1000", "e.g. --ticks 50"]),
    (["--ticks", "0"], ["--ticks: 0 is below the minimum 1"]),
    (["--seed", str(2**64)], ["--seed: 18446744073709551616 is above the maximum 9223372036854775807"]),
    (["--seed", "-1"], ["--seed: -1 is below the minimum 0"]),
])
def test_run_flags_share_the_scenario_limits(tiny, capsys, no_work, flags, words):
    refused(capsys, ["run", tiny, "--quiet", "--out", tiny.parent / "o", *flags], *words)


def test_attribute_and_calibrate_flags_share_the_file_limits(tiny, tmp_path, capsys, no_work):
    refused(capsys, ["attribute", tiny, tiny, "--out", tmp_path / "a", "--ticks", "1001"], "--ticks: 1001")
    refused(capsys, ["attribute", tiny, tiny, "--out", tmp_path / "a", "--seed", str(2**64)], "--seed:")
    refused(capsys, ["attribute", tiny, tiny, "--out", tmp_path / "a", "--seeds", "200000"], "--seeds:")
    refused(capsys, ["attribute", tiny, tiny, "--out", tmp_path / "a", "--permutations", str(10**12)],
            "--permutations:")
    cal = tmp_path / "cal.toml"
    cal.write_text(f'[data]\npath = "{tmp_path}"\nfit_years = [1950]\n[search.space]\n'
                   '"development.weight_edge" = [0, 10]\n')
    refused(capsys, ["calibrate", cal, "--trials", str(10**9)], "--trials: 1000000000 is above the maximum 100000")
    refused(capsys, ["calibrate", cal, "--replicates", "0"], "--replicates: 0 is below the minimum 1")


# ----------------------------------------------------------------------------------- 2. output folders
def _command_args(name: str, tmp_path, tiny) -> list:
    """The arguments of command `name` before --out (the inputs are valid: only --out is bad)."""
    if name == "sweep":
        sweep = tmp_path / "sweep.toml"
        sweep.write_text(f'scenarios = ["{tiny}"]\nseeds = 1\n')
        return ["sweep", sweep, "--workers", "1", "--quiet"]
    if name == "calibrate":
        cal = tmp_path / "cal.toml"
        cal.write_text(f'[data]\npath = "{tmp_path}"\nfit_years = [1950]\n[search.space]\n'
                       '"development.weight_edge" = [0, 10]\n')
        return ["calibrate", cal, "--quiet"]
    if name == "report":
        (tmp_path / "sweep_out").mkdir(exist_ok=True)
        return ["report", tmp_path / "sweep_out"]
    if name == "attribute":
        return ["attribute", tiny, tiny, "--quiet"]
    return ["run", tiny, "--quiet"]


BAD_OUTS = {
    "an existing file": ("afile", "is a file"),
    "a path under a file": ("afile/sub", "lies under"),
    "/dev/null": ("/dev/null", "is a file or device"),
    "/proc": ("/proc/abm-hostile/out", "cannot be written"),
    "a 300-character name": ("a" * 300, "a name in it is 300 bytes long"),
    "a dangling symlink": ("dangling", "a symbolic link to nothing"),
    "a path under a dangling symlink": ("dangling/sub", "a symbolic link to nothing"),
}


@pytest.mark.parametrize("command", ["run", "sweep", "calibrate", "report", "attribute"])
@pytest.mark.parametrize("case", list(BAD_OUTS))
def test_unwritable_output_folders_are_refused_before_any_work(tmp_path, tiny, capsys, no_work, command, case):
    (tmp_path / "afile").write_text("not a folder")
    target = tmp_path / "nowhere" / "x"
    (tmp_path / "dangling").symlink_to(target)
    out, words = BAD_OUTS[case]
    out = out if out.startswith("/") else str(tmp_path / out)
    refused(capsys, [*_command_args(command, tmp_path, tiny), "--out", out], "--out", words)
    assert not (tmp_path / "nowhere").exists()  # the link's target was not made


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path, tiny, capsys, no_work):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        refused(capsys, ["run", tiny, "--quiet", "--out", locked / "o"], "cannot be written")
    finally:
        locked.chmod(0o700)


# ------------------------------------------------------------------------------ 3. nesting, files, rasters
@pytest.mark.parametrize("text", [
    "x = " + "[" * 5000 + "]" * 5000 + "\n",
    'name = "d"\n' + ".".join(["a"] * 3000) + " = 1\n",
    "[run]\nticks = 1\n[" + ".".join(["t"] * 40) + "]\nx = 1\n",
])
def test_deep_nesting_is_refused_in_one_line(tmp_path, capsys, no_work, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    refused(capsys, ["run", path, "--quiet"], "nested deeper than 24 levels")
    deep: object = 1
    for _ in range(3000):
        deep = [deep]
    with pytest.raises(ConfigError, match="nested deeper"):
        scenario_from_dict({"carbon": {"x": deep}})


def test_extends_chains_that_explode_or_loop_are_refused(tmp_path, capsys, no_work):
    for i in range(8):  # each file extends the next twice: 2**8 reads without a budget
        (tmp_path / f"f{i}.toml").write_text(f'extends = ["f{i + 1}.toml", "f{i + 1}.toml"]\n')
    (tmp_path / "f8.toml").write_text(TINY)
    refused(capsys, ["run", tmp_path / "f0.toml", "--quiet"], "is built from more than 64 files")
    (tmp_path / "loop1.toml").symlink_to(tmp_path / "loop2.toml")
    (tmp_path / "loop2.toml").symlink_to(tmp_path / "loop1.toml")
    refused(capsys, ["run", tmp_path / "loop1.toml", "--quiet"], "symbolic link to nothing (or a loop")
    (tmp_path / "child.toml").write_text('extends = "loop1.toml"\n')
    refused(capsys, ["run", tmp_path / "child.toml", "--quiet"], "loop1.toml")


def _rasters(tmp_path):
    import rasterio
    from PIL import Image
    from rasterio.transform import from_origin

    tif = tmp_path / "boundary.tif"
    with rasterio.open(tif, "w", driver="GTiff", height=10, width=10, count=1, dtype="uint8",
                       transform=from_origin(0, 1000, 100, 100)) as dst:
        dst.write(np.ones((10, 10), np.uint8), 1)
    gif = tmp_path / "boundary.gif"
    Image.fromarray(np.full((10, 10), 200, np.uint8), mode="L").save(gif)
    csv = tmp_path / "boundary.csv"
    csv.write_text("a,b\n1,2\n")
    return tif, gif, csv


@pytest.mark.parametrize("field", ["growth_boundary_file", "red_line_file", "farmland_file"])
def test_vector_inputs_that_are_not_vectors_are_refused(tmp_path, capsys, field):
    for path in _rasters(tmp_path):
        scenario = tmp_path / f"s_{path.suffix[1:]}.toml"
        scenario.write_text(TINY + f'{field} = "{path}"\n')
        refused(capsys, ["run", scenario, "--quiet", "--out", tmp_path / "o"], str(path))


def test_raster_bombs_are_refused_before_decoding(tmp_path, capsys, no_work):
    import rasterio
    from rasterio.transform import from_origin

    bomb = tmp_path / "bomb"
    bomb.mkdir()
    header = b"GIF89a" + struct.pack("<HH", 65535, 65535) + bytes([0xF0, 0, 0]) + b"\x00\x00\x00\xff\xff\xff"
    image = b"\x2c" + struct.pack("<HHHH", 0, 0, 65535, 65535) + b"\x00\x02\x02\x44\x01\x00\x3b"
    (bomb / "b.urban.1990.gif").write_bytes(header + image)
    refused(capsys, ["data", "describe", bomb], "more than the 100,000,000 cells")
    big = tmp_path / "big"
    big.mkdir()
    with rasterio.open(big / "urban_1990.tif", "w", driver="GTiff", height=12_000, width=12_000, count=1,
                       dtype="uint8", transform=from_origin(0, 1000, 100, 100), tiled=True, compress="deflate",
                       SPARSE_OK=True):
        pass
    refused(capsys, ["data", "describe", big], "12,000 rows x 12,000 columns is more than the 100,000,000 cells")
    from abm.io.geotiff import read_geotiff_stack

    with pytest.raises(DataError, match="resample"):
        read_geotiff_stack(big)


# ---------------------------------------------------------------------------------- 4. scheduler addresses
@pytest.mark.parametrize("address, words", [
    ("", "'' is not an address"),
    ("http://localhost:8786", "'http://' is not a Dask protocol"),
    ("tcp://", "does not name a host and a port"),
    ("tcp://somehost", "does not name a host and a port"),
    ("tcp://somehost:99999", "does not name a host and a port"),
    ("tcp://:8786", "does not name a host and a port"),
])
@pytest.mark.parametrize("command", ["sweep", "calibrate", "attribute"])
def test_scheduler_addresses_dask_cannot_take_are_refused(tmp_path, tiny, capsys, no_work, command, address, words):
    args = [a for a in _command_args(command, tmp_path, tiny) if a not in ("--workers", "1")]
    refused(capsys, [*args, "--out", tmp_path / "o", "--scheduler", address], "--scheduler: ", words)


def test_too_many_workers_are_refused(tiny, capsys, no_work):
    refused(capsys, ["sweep", tiny, "--workers", str(10**6)], "--workers: must be from 1 to 1024")


def test_the_executor_refuses_them_too():
    from abm.executors import Executor

    with pytest.raises(ConfigError, match="not a Dask protocol"):
        Executor(scheduler="http://localhost:8786")


# ---------------------------------------------------------------------------------- 5. clear refusals
def test_a_folder_given_as_the_scenario_is_named_once(tmp_path, capsys, no_work, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, ["run", "."], "is a folder, not a scenario file")
    assert err.startswith("abm run: error: .: is a folder") and ".: .:" not in err


def test_a_sweep_whose_runs_all_fail_says_so_on_stderr(tmp_path, tiny, capsys):
    sweep = tmp_path / "failing.toml"
    sweep.write_text(f'scenarios = ["{tiny}"]\nseeds = 2\nticks = 1\n[axes]\n"policy.layout.far_cap_core" = [50.0]\n')
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "o"), "--workers", "1", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("abm sweep: error: 2 of 2 runs failed") and "far_cap_core" in err, err
    assert "--retry-failed" in err


@pytest.mark.parametrize("text", [
    'name = "' + "x" * 10_000 + '"\n',
    '[policy.quantity]\ngrowth_boundary = "' + "x" * 10_000 + '"\n',
    '[policy.layout]\nfar_cap_core = "' + "x" * 10_000 + '"\n',
    '[policy.layout]\nfar_cap_core = { 2020 = "' + "x" * 10_000 + '" }\n',
    '"' + "x" * 10_000 + '" = 1\n',
    '[carbon]\n"' + "x" * 10_000 + '" = 1\n',
])
def test_a_long_value_is_never_echoed_whole(tmp_path, capsys, no_work, text):
    path = tmp_path / "long.toml"
    path.write_text(text)
    err = refused(capsys, ["run", path, "--quiet"])
    assert "x" * 100 not in err and len(err) < 400, err


# ---------------------------------------------------------------------------------- 6. names as folders
@pytest.mark.parametrize("name", ["..", ".", "/tmp/abm-hostile", "a/b", "..\\x", "", "   ", "tab\there",
                                  "x" * 101])
def test_names_that_are_paths_are_refused(tmp_path, name):
    with pytest.raises(ConfigError, match="^name"):
        scenario_from_dict({"name": name})
    tiny = scenario_from_dict({"name": "tiny", "region": TINY_REGION})
    with pytest.raises(ConfigError, match="^name"):
        sweep_from_dict({"name": name, "scenarios": [tiny], "seeds": 1})
    with pytest.raises(ConfigError, match="^name"):
        calibration_from_dict({"name": name, "data": {"path": ".", "fit_years": [1950]},
                               "search": {"space": {"development.weight_edge": [0, 10]}}}, check_path=False)


def test_a_scenario_named_dotdot_writes_nothing_outside_out(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "s.toml"
    path.write_text(TINY.replace('name = "tiny"', 'name = ".."'))
    refused(capsys, ["run", path, "--quiet"], "name", "not a plain name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


# ---------------------------------------------------------------------------------- 7. a full disk
def _no_leftovers(parent, name="o"):
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


@pytest.mark.parametrize("file", ["timeseries.parquet", "final.tif", "events.json", "manifest.json"])
def test_a_disk_that_fills_while_writing_is_one_line_and_leaves_nothing(tmp_path, tiny, capsys, monkeypatch, file):
    """Simulated ENOSPC halfway through one output: one line, the previous run's folder as it was."""
    import errno
    import pathlib

    from abm.outputs import check_run_folder

    out = tmp_path / "o"
    assert main(["run", str(tiny), "--quiet", "--out", str(out)]) == 0
    before = check_run_folder(out)
    capsys.readouterr()
    real = pathlib.Path.write_bytes

    def full(self, data):
        if self.name.startswith(f".{file}."):
            real(self, bytes(memoryview(data)[: len(memoryview(data)) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", full)
    err = refused(capsys, ["run", tiny, "--quiet", "--out", out],
                  f"no space left on device writing {out / file}: free ", " MB or choose --out elsewhere")
    assert ".staging" not in err and ".part" not in err
    assert check_run_folder(out) == before and not _no_leftovers(tmp_path)


def test_a_disk_that_fills_while_streaming_snapshots_is_one_line_and_leaves_nothing(tmp_path, tiny, capsys,
                                                                                     monkeypatch):
    """grids.nc is written frame by frame during the run: ENOSPC at the second frame is the same one line,
    the previous run's folder as it was, no staged folder left."""
    import errno

    import abm.outputs
    from abm.outputs import check_run_folder

    out = tmp_path / "o"
    assert main(["run", str(tiny), "--quiet", "--out", str(out)]) == 0
    before = check_run_folder(out)
    capsys.readouterr()
    real = abm.outputs.SnapshotRecorder._append

    def full(self, tick, *args):
        if self.ticks:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path))
        return real(self, tick, *args)

    monkeypatch.setattr(abm.outputs.SnapshotRecorder, "_append", full)
    err = refused(capsys, ["run", tiny, "--quiet", "--out", out],
                  f"no space left on device writing {out / 'grids.nc'}: free ", " MB or choose --out elsewhere")
    assert ".staging" not in err
    assert check_run_folder(out) == before and not _no_leftovers(tmp_path)


def test_a_disk_too_small_for_the_netcdf_is_refused_before_writing_it(tmp_path, capsys, monkeypatch):
    """Each snapshot's uncompressed size is checked against the free space before it goes to grids.nc:
    HDF5 never meets a full disk (it segfaulted)."""
    import abm.atomic

    scenario = tmp_path / "s.toml"  # 150 x 150 cells, 3 ticks: a snapshot ~0.9 MB uncompressed
    scenario.write_text(TINY.replace("rows = 20", "rows = 150").replace("cols = 20", "cols = 150")
                        .replace("ticks = 1", "ticks = 3"))
    writes = []
    real = abm.atomic.atomic_write
    monkeypatch.setattr(abm.atomic, "atomic_write", lambda path, *a: writes.append(path.name) or real(path, *a))
    monkeypatch.setattr(abm.atomic, "free_bytes", lambda folder: 100_000)
    refused(capsys, ["run", scenario, "--quiet", "--out", tmp_path / "o"],
            f"no space left on device writing {tmp_path / 'o' / 'grids.nc'}: free 1.0 MB")  # the frame's shortfall
    assert writes == []  # refused at the first snapshot (tick 0), before any other file
    assert not (tmp_path / "o").exists() and not _no_leftovers(tmp_path)


@pytest.fixture
def small_disk(tmp_path):
    """A real 256 kB tmpfs (root on Linux); skipped with the reason where mounting is not allowed."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root: the simulated ENOSPC tests cover this")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True,
                          text=True)
    if made.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({made.stderr.strip()[:80]}): the simulated ENOSPC tests cover this")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_real_full_disk_is_one_line_and_never_a_segfault(small_disk, tmp_path):
    """On a 256 kB tmpfs: a small run fits; a larger one (grids.nc of ~0.5 MB) is refused in one line by
    the real console script (HDF5 segfaulted here, exit 139) and the first run's folder stays whole."""
    import subprocess
    import sys

    from abm.outputs import check_run_folder

    small, large = tmp_path / "small.toml", tmp_path / "large.toml"
    small.write_text(TINY)
    large.write_text(TINY.replace("rows = 20", "rows = 150").replace("cols = 20", "cols = 150")
                     .replace("ticks = 1", "ticks = 3"))
    out = small_disk / "o"
    abm = [sys.executable, "-m", "abm.cli", "run", "--quiet", "--no-snapshots"]
    first = subprocess.run([*abm, str(small), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = check_run_folder(out)
    done = subprocess.run([*abm[:-1], str(large), "--out", str(out)], capture_output=True, text=True, timeout=300)
    err = done.stderr.strip()
    assert done.returncode == 2, (done.returncode, err[-2000:])
    assert err.startswith(f"abm run: error: no space left on device writing {out}/") and "\n" not in err, err
    assert "MB or choose --out elsewhere" in err
    assert check_run_folder(out) == before and not _no_leftovers(small_disk)


# ---------------------------------------------------------------------------------- 5. argparse in one line
@pytest.mark.parametrize("argv, start", [
    (["run"], "abm run: error: the following arguments are required: SCENARIO.toml"),
    (["run", "s.toml", "--ticks", "abc"], "abm run: error: argument --ticks: invalid int value: 'abc'"),
    (["run", "s.toml", "--ticks", "x" * 500], "abm run: error: argument --ticks: invalid int value: 'xxx"),
    (["run", "s.toml", "--bogus"], "abm run: error: unrecognized arguments: '--bogus'"),
    (["sweep"], "abm sweep: error: the following arguments are required: SWEEP.toml"),
    (["calibrate", "c.toml", "--trials"], "abm calibrate: error: argument --trials: expected one argument"),
    (["data", "describe"], "abm data describe: error: the following arguments are required: PATH"),
    (["bogus"], "abm: error: argument COMMAND: invalid choice: 'bogus'"),
    (["--bogus"], "abm: error: unrecognized arguments: '--bogus'"),
])
def test_argparse_refusals_are_one_line(capsys, argv, start):
    """(abm data without an action, found by benchmarks/hostile_generator.py: tests/commands/test_data.py.)"""
    with pytest.raises(SystemExit) as done:
        main(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.startswith(start) and err.count("\n") == 1, err
    prog = start.split(": error:")[0]
    assert err.rstrip().endswith(f"(see {prog} --help)") and "usage:" not in err and "x" * 100 not in err, err

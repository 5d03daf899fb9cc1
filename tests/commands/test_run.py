"""`abm run`: the files a planner gets, the summary, reproducibility and one-line refusals."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import rasterio
import xarray as xr

from abm.cli import main

SMALL = """
name = "small"
[run]
ticks = 4
seed = 5
snapshot_every = 2
[region]
rows = 50
cols = 50
town_radius_km = 0.6
villages = 1
"""

COLUMNS = ["tick", "year", "households", "jobs", "urban_cells", "floor_area_residential_m2",
           "floor_area_commercial_m2", "floor_area_industrial_m2", "mean_density_persons_per_ha", "mean_commute_km",
           "gdp_cny"]


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_run_writes_every_output(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(scenario_file), "--out", str(out), "--quiet", "--plot"]) == 0
    printed = capsys.readouterr().out
    assert "Scenario 'small'" in printed and "carbon inflection points" in printed
    assert re.search(r"^  net-zero year \(emissions <= sink\) +(not reached|already passed at start|"
                     r"\d{4} \(confirmed \d{4}\))$", printed, re.M)
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["tick"]) == [0, 1, 2, 3, 4]
    assert set(COLUMNS) <= set(ts.columns)
    events = json.loads((out / "events.json").read_text())
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, "net_zero"]  # the five points, then the milestone
    assert events[-1]["name"] == "net-zero year" and {"state", "year", "confirmed_tick", "value"} <= set(events[-1])
    grids = xr.open_dataset(out / "grids.nc", engine="h5netcdf")
    assert list(grids["tick"].values) == [0, 2, 4]
    assert grids["land_cover"].dims == ("tick", "y", "x")
    # each snapshot is its own year, not a view of the live grid: floor and urban years grow between them
    floor = grids["floor_residential"].values
    assert (floor[-1] >= floor[0]).all() and (floor[-1] > floor[0]).any()
    assert (grids["urban_year"].values[0] <= 2020).all() and (grids["urban_year"].values[-1] > 2020).any()
    last = pd.read_parquet(out / "timeseries.parquet").iloc[-1]
    assert float(floor[0].sum()) < last["floor_area_residential_m2"] == pytest.approx(float(floor[-1].sum()), rel=1e-5)
    with rasterio.open(out / "final.tif") as src:
        assert src.read(1).shape == (50, 50)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["scenario"]["run"]["ticks"] == 4
    assert "mesa" in manifest["versions"]
    assert (out / "emissions.png").stat().st_size > 1000
    assert not list(out.glob(".*.part")) and not list(tmp_path.glob(".out.*"))
    # one run: the manifest's run id is in every file, and the manifest lists every file (emissions.png too)
    from abm.outputs import check_run_folder, read_run_id

    run_id = check_run_folder(out)
    assert manifest["run_id"] == run_id and sorted(manifest["files"]) == sorted(p.name for p in out.iterdir())
    assert {e["run_id"] for e in events} == {run_id} and read_run_id(out / "emissions.png") == run_id
    assert f"outputs in {out}/: timeseries.parquet, events.json, grids.nc, final.tif, emissions.png, manifest.json" \
        in printed


def test_summary_lists_the_net_zero_year_with_its_confirmation(tmp_path):
    from types import SimpleNamespace

    from abm.commands.run import summary

    ts = pd.DataFrame({"year": [2020, 2021], "households": [10, 11], "urban_area_km2": [1.0, 1.1],
                       "mean_density_persons_per_ha": [50.0, 51.0], "mean_commute_km": [2.0, 2.1]})
    events = [{"id": 5, "name": "net-stock point", "state": "not_reached"}]
    milestones = [{"id": "net_zero", "name": "net-zero year", "state": "crossed", "tick": 31, "year": 2051,
                   "confirmed_tick": 35, "value": -1.0}]
    result = SimpleNamespace(scenario=SimpleNamespace(name="s"), seed=1, timeseries=ts, events=events,
                             milestones=milestones, files=[])
    text = summary(result, tmp_path)
    assert "    5. net-stock point                    not reached" in text
    assert "  net-zero year (emissions <= sink)       2051 (confirmed 2055)" in text
    milestones[0].update(state="passed_at_start")
    assert "net-zero year (emissions <= sink)       already passed at start" in summary(result, tmp_path)


def test_same_seed_identical_outputs_other_seed_differs(scenario_file, tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        assert main(["run", str(scenario_file), "--out", str(tmp_path / name), "--seed", str(seed), "--quiet",
                     "--no-snapshots"]) == 0
    a, b, c = (pd.read_parquet(tmp_path / n / "timeseries.parquet") for n in "abc")
    pd.testing.assert_frame_equal(a, b)
    # the run id is metadata: it tells the two runs apart and changes no value
    ids = [json.loads((tmp_path / n / "manifest.json").read_text())["run_id"] for n in "ab"]
    assert ids[0] != ids[1]
    assert not a.equals(c)
    with rasterio.open(tmp_path / "a" / "final.tif") as x, rasterio.open(tmp_path / "b" / "final.tif") as y:
        np.testing.assert_array_equal(x.read(1), y.read(1))


@pytest.mark.parametrize("args, words", [
    (["--ticks", "0"], "--ticks"),
    (["--seed", "-3"], "--seed"),
])
def test_bad_flags_get_one_line(scenario_file, tmp_path, capsys, args, words):
    assert main(["run", str(scenario_file), "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


def test_bad_scenario_gets_one_line_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[policy.layout]\nfar_cap_core = "tall"\n')
    out = tmp_path / "o"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "policy.layout.far_cap_core" in err and len(err.splitlines()) == 1
    assert not out.exists()
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "not found" in capsys.readouterr().err


def test_help_reads_well(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "run" in text and "scenario" in text
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "timeseries.parquet" in capsys.readouterr().out

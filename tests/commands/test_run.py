"""`abm run`: the files a planner gets, the summary, reproducibility and one-line refusals."""

from __future__ import annotations

import json

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
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["tick"]) == [0, 1, 2, 3, 4]
    assert set(COLUMNS) <= set(ts.columns)
    events = json.loads((out / "events.json").read_text())
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5]
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
    assert not list(out.glob(".*.part"))


def test_same_seed_identical_outputs_other_seed_differs(scenario_file, tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        assert main(["run", str(scenario_file), "--out", str(tmp_path / name), "--seed", str(seed), "--quiet",
                     "--no-snapshots"]) == 0
    a, b, c = (pd.read_parquet(tmp_path / n / "timeseries.parquet") for n in "abc")
    pd.testing.assert_frame_equal(a, b)
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

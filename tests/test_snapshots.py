"""Grid snapshots are written to grids.nc as they are taken, not held for the end of the run (issue 15)."""

from __future__ import annotations

import numpy as np

from abm.runner import run_scenario
from abm.scenario import scenario_from_dict

RAW = {"run": {"start_year": 2022, "ticks": 4, "snapshot_every": 1},
       "region": {"rows": 60, "cols": 60, "town_radius_km": 1.0}}


def test_each_snapshot_reaches_the_file_during_the_run(tmp_path):
    import xarray as xr

    sizes = []

    def watch(model):  # the staged grids.nc, while the run goes on
        staged = [p for p in tmp_path.glob(".o.*.staging/grids.nc")]
        sizes.append(staged[0].stat().st_size if staged else 0)

    result = run_scenario(scenario_from_dict(RAW), out_dir=tmp_path / "o", progress=watch)
    assert all(s > 0 for s in sizes) and sizes[-1] > sizes[0]  # written from the first tick on, and growing
    with xr.open_dataset(tmp_path / "o" / "grids.nc", engine="h5netcdf") as ds:
        assert list(ds["tick"].values) == [0, 1, 2, 3, 4]
        assert list(ds["year"].values) == [2022, 2023, 2024, 2025, 2026]
        assert "year" in ds.coords and ds.attrs["run_id"] == result.run_id
        assert ds["land_cover"].dims == ("tick", "y", "x") and ds["households"].dtype == np.int32
        assert int(ds["households"].isel(tick=-1).sum()) == len(result.model.households)
        floor = ds["floor_residential"].values
        assert (floor[-1] >= floor[0]).all() and (floor[-1] > floor[0]).any()  # frames are their own years

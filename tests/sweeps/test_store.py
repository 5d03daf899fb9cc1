"""abm.sweeps.store: one writer per folder, what a sweep writes, and reading it back."""

from __future__ import annotations

import pandas as pd
import pytest

from abm.errors import ConfigError
from abm.sweeps.run import run_sweep
from abm.sweeps.store import FolderLock, load_sweep, load_timeseries


def test_one_sweep_at_a_time_per_folder(small_spec, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with FolderLock(out):
        with pytest.raises(ConfigError, match="another sweep"):
            run_sweep(small_spec(), out, workers=1, progress=False)
    assert not (out / "plan.parquet").exists()


def test_outputs_and_loading_back(small_spec, tmp_path):
    spec = small_spec(seeds=[1], outputs={"snapshots": ["tiny"]})
    out = tmp_path / "out"
    run_sweep(spec, out, workers=1, progress=False)
    summary = load_sweep(out)
    assert summary.attrs["sweep"]["axes"][0]["key"] == "policy.layout.far_cap_core"
    ts = load_timeseries(out)
    assert {"run_id", "scenario", "seed", "point", "policy.layout.far_cap_core", "year",
            "emissions_total_t"} <= set(ts.columns)
    assert ts.groupby("run_id").size().tolist() == [4] * 4  # ticks 0..3 of each run
    assert set(ts["scenario"]) == {"tiny", "tiny-sprawl"}
    assert set(load_timeseries(out, ["run_id", "year"], scenarios=["tiny"])["run_id"]) == \
        set(summary.loc[summary["scenario"] == "tiny", "run_id"])
    # grid snapshots only where asked
    snaps = sorted(p.name for p in (out / "snapshots" / "scenario=tiny").iterdir())
    assert snaps == sorted(summary.loc[summary["scenario"] == "tiny", "run_id"])
    assert (out / "snapshots" / "scenario=tiny" / snaps[0] / "grids.nc").is_file()
    assert not (out / "snapshots" / "scenario=tiny-sprawl").exists()
    # a lost summary.parquet is rebuilt from the records, the same table
    (out / "summary.parquet").unlink()
    pd.testing.assert_frame_equal(load_sweep(out), summary)
    # without time series the summary is still complete
    lean = run_sweep(small_spec(seeds=[1], outputs={"timeseries": False}), tmp_path / "lean",
                     workers=1, progress=False)
    assert len(lean) == 4 and not (tmp_path / "lean" / "runs").exists()


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not a sweep folder"):
        load_sweep(tmp_path)
    assert load_timeseries(tmp_path, ["run_id"]).columns.tolist() == ["run_id"]  # no runs yet: an empty frame

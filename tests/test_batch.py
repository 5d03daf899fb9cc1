"""abm.batch: sweep files, stable run ids, determinism across executors, failures, resume, map_tasks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from abm import batch
from abm.batch import Executor, load_sweep, load_timeseries, map_tasks, plan_runs, run_id_of, run_sweep, sweep_from_dict
from abm.errors import ConfigError

TINY = """
name = "tiny"
[run]
ticks = 3
seed = 5
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
land_quota_cells = 40
"""


@pytest.fixture
def scenarios(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY)
    (tmp_path / "tiny_sprawl.toml").write_text(TINY_SPRAWL)
    return tmp_path


def small_spec(base, **extra):
    raw = {"scenarios": ["tiny.toml", "tiny_sprawl.toml"], "seeds": [1, 2],
           "axes": {"policy.layout.far_cap_core": [2.0, 3.5]}}
    raw.update(extra)
    return sweep_from_dict(raw, base_dir=base)


def files_under(path):
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------------
# The sweep file
# --------------------------------------------------------------------------------------------------
def test_grid_lhs_sobol_points(scenarios):
    grid = sweep_from_dict({"scenarios": ["tiny.toml"], "seeds": 3, "axes": {
        "policy.layout.far_cap_core": [2.0, 3.0], "policy.quantity.land_quota_cells": {"min": 20, "max": 60, "num": 3}}},
        base_dir=scenarios)
    points = grid.points()
    assert len(points) == 6 and points[0] == {"policy.layout.far_cap_core": 2.0, "policy.quantity.land_quota_cells": 20.0}
    assert grid.seeds == (0, 1, 2)
    assert len(plan_runs(grid)) == 6 * 3

    lhs = sweep_from_dict({"scenarios": ["tiny.toml"], "seeds": {"start": 10, "count": 2},
                           "sampling": {"method": "lhs", "samples": 8, "seed": 3},
                           "axes": {"policy": {"layout": {"far_cap_core": {"min": 1.5, "max": 4.0},
                                                          "subcentres": {"min": 0, "max": 3}}}}},  # nested form
                          base_dir=scenarios)
    pts = lhs.points()
    assert lhs.seeds == (10, 11) and len(pts) == 8 and pts == lhs.points()  # same points every time
    cap = np.array([p["policy.layout.far_cap_core"] for p in pts])
    # a Latin hypercube puts exactly one point in each eighth of the range
    assert sorted(np.floor((cap - 1.5) / 2.5 * 8).astype(int)) == list(range(8))
    assert all(isinstance(p["policy.layout.subcentres"], int) and 0 <= p["policy.layout.subcentres"] <= 3 for p in pts)

    sobol = sweep_from_dict({"scenarios": ["tiny.toml"], "seeds": [1], "sampling": {"method": "sobol", "samples": 4},
                             "axes": {"policy.layout.far_cap_core": {"min": 1.5, "max": 4.0},
                                      "policy.function.mixed_use": [0.1, 0.3, 0.5]}}, base_dir=scenarios)
    assert len(sobol.points()) == 4 * (2 * 2 + 2)
    assert {p["policy.function.mixed_use"] for p in sobol.points()} <= {0.1, 0.3, 0.5}


def test_run_ids_are_stable_and_follow_the_resolved_scenario(scenarios):
    a = plan_runs(small_spec(scenarios))
    b = plan_runs(small_spec(scenarios))
    assert [r.run_id for r in a] == [r.run_id for r in b]
    assert len({r.run_id for r in a}) == len(a) == 2 * 2 * 2
    for run in a:
        assert run.resolved["run"]["seed"] == run.seed
        assert run.run_id == run_id_of(run.resolved, run.seed) and len(run.run_id) == 16
    # 3.5 written as an integer-valued float or another spelling resolves to the same scenario: same id
    c = plan_runs(small_spec(scenarios, axes={"policy.layout.far_cap_core": [2, 3.5]}))
    assert [r.run_id for r in c] == [r.run_id for r in a]
    # the ticks override changes the scenario, hence the id
    d = plan_runs(small_spec(scenarios, ticks=2))
    assert not {r.run_id for r in d} & {r.run_id for r in a}


def test_efficiency_carbon_levers_can_be_axes(scenarios):
    spec = sweep_from_dict({"scenarios": ["tiny.toml"], "seeds": [1],
                            "axes": {"policy.efficiency.grid_factor_kg_per_kwh": [0.3, 0.5]}}, base_dir=scenarios)
    runs = plan_runs(spec)
    assert [r.resolved["carbon"]["grid_factor_kg_per_kwh"] for r in runs] == [0.3, 0.5]


@pytest.mark.parametrize("raw, field", [
    ({"seed": 3}, "seed"),
    ({"axes": {"policy.layout.far_cap_cor": [1.0, 2.0]}}, "axes.policy.layout.far_cap_cor"),
    ({"axes": {"policy.layout.far_cap_core": 3.0}}, "axes.policy.layout.far_cap_core"),
    ({"axes": {"policy.layout.far_cap_core": {"min": 3.0, "max": 2.0, "num": 2}}}, "axes.policy.layout.far_cap_core"),
    ({"axes": {"policy.layout.far_cap_core": {"min": 1.0, "max": 2.0}}}, "axes.policy.layout.far_cap_core.num"),
    ({"axes": {"policy.layout": [1, 2]}}, "axes.policy.layout"),
    ({"axes": {"run.seed": [1, 2]}}, "axes.run.seed"),
    ({"scenarios": ["missing.toml"]}, "scenarios[0]"),
    ({"scenarios": ["tiny.toml", "tiny.toml"]}, "scenarios[1]"),
    ({"seeds": 0}, "seeds"),
    ({"seeds": [1, 1]}, "seeds"),
    ({"seeds": [1, -2]}, "seeds[1]"),
    ({"seeds": "many"}, "seeds"),
    ({"sampling": {"method": "random"}}, "sampling.method"),
    ({"sampling": {"method": "sobol", "samples": 6}}, "sampling.samples"),
    ({"outputs": {"snapshots": ["nope"]}}, "outputs.snapshots"),
    ({"overrides": {"region.rows": 3}}, "overrides.region.rows"),
])
def test_bad_sweep_is_refused_naming_the_field(scenarios, raw, field):
    spec = {"scenarios": ["tiny.toml"], "seeds": [1], "axes": {"policy.layout.far_cap_core": [2.0, 3.0]}}
    spec.update(raw)
    with pytest.raises(ConfigError) as err:
        sweep_from_dict(spec, base_dir=scenarios)
    assert err.value.field == field
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------------------------------
# Running sweeps
# --------------------------------------------------------------------------------------------------
def test_identical_results_on_one_two_workers_and_dask(scenarios, tmp_path):
    from distributed import LocalCluster

    spec = small_spec(scenarios)
    one = run_sweep(spec, tmp_path / "one", workers=1, progress=False)
    two = run_sweep(spec, tmp_path / "two", workers=2, progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        dask = run_sweep(spec, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)

    assert len(one) == 8 and set(one["status"]) == {"ok"}
    assert list(one["run_id"]) == sorted(one["run_id"])
    for other in (two, dask):
        pd.testing.assert_frame_equal(one, other)
    summaries = [(tmp_path / name / "summary.parquet").read_bytes() for name in ("one", "two", "dask")]
    assert summaries[0] == summaries[1] == summaries[2]
    # every run's time series too, file by file
    runs = files_under(tmp_path / "one" / "runs")
    assert len(runs) == 8 and runs == files_under(tmp_path / "two" / "runs") == files_under(tmp_path / "dask" / "runs")
    for rel in runs:
        a = pd.read_parquet(tmp_path / "one" / "runs" / rel)
        for name in ("two", "dask"):
            pd.testing.assert_frame_equal(a, pd.read_parquet(tmp_path / name / "runs" / rel))
    # the summary has what the issue lists, and distinct policies / parameters give distinct results
    for column in ["run_id", "scenario", "seed", "policy.layout.far_cap_core", "status", "error",
                   *[f"state_{i}" for i in range(1, 6)], *[f"year_{i}" for i in range(1, 6)],
                   "cumulative_emissions_t", "peak_emissions_t", "final_urban_area_km2",
                   "final_density_persons_per_ha", "final_carbon_intensity_t_per_gdp"]:
        assert column in one
    assert one["cumulative_emissions_t"].nunique() > 1


def test_a_failing_run_is_recorded_and_the_others_complete(scenarios, tmp_path, monkeypatch):
    from abm import runner

    real = runner.run_scenario

    def flaky(scenario, **kw):
        if scenario.run.seed == 2 and scenario.name == "tiny":
            raise RuntimeError("boom in the model")
        return real(scenario, **kw)

    monkeypatch.setattr(runner, "run_scenario", flaky)
    # 30 is above the FAR cap's maximum: those runs cannot even be built
    spec = small_spec(scenarios, axes={"policy.layout.far_cap_core": [2.0, 30.0]})
    out = tmp_path / "out"
    summary = run_sweep(spec, out, workers=1, progress=False)
    assert len(summary) == 8
    bad_axis = summary["policy.layout.far_cap_core"] == 30.0
    boom = ~bad_axis & (summary["scenario"] == "tiny") & (summary["seed"] == 2)
    assert (summary.loc[bad_axis, "status"] == "error").all()
    assert summary.loc[bad_axis, "error"].str.contains("far_cap_core").all()
    assert summary.loc[boom, "status"].tolist() == ["error"]
    assert "RuntimeError: boom in the model" in summary.loc[boom, "error"].iloc[0]
    assert (summary.loc[~bad_axis & ~boom, "status"] == "ok").all() and (~bad_axis & ~boom).sum() == 3
    assert summary.loc[summary["status"] == "error", "cumulative_emissions_t"].isna().all()
    record = json.loads((out / "records" / f"{summary.loc[boom, 'run_id'].iloc[0]}.json").read_text())
    assert record["status"] == "error" and "flaky" in record["traceback"]
    assert len(files_under(out / "runs")) == 3  # only finished runs leave a time series

    # again: failed runs are finished runs (nothing runs); with retry_failed the fixed run succeeds
    monkeypatch.setattr(runner, "run_scenario", real)
    again = run_sweep(spec, out, workers=1, progress=False)
    assert again.attrs["skipped"] == 8 and again.attrs["ran_ok"] == 0
    retried = run_sweep(spec, out, workers=1, progress=False, retry_failed=True)
    assert retried.attrs["ran_ok"] == 1 and retried.attrs["ran_failed"] == 4
    assert retried.loc[retried["run_id"] == summary.loc[boom, "run_id"].iloc[0], "status"].item() == "ok"


def test_rerun_skips_finished_runs_and_cleans_partial_files(scenarios, tmp_path):
    spec = small_spec(scenarios)
    out = tmp_path / "out"
    first = run_sweep(spec, out, workers=1, progress=False)
    assert first.attrs == {"runs": 8, "skipped": 0, "ran_ok": 8, "ran_failed": 0}
    # a kill mid-write leaves abm.atomic's temporary file; a lost record means the run is not finished
    victim = first["run_id"].iloc[3]
    (out / "records" / f"{victim}.json").unlink()
    stale = out / "runs" / "scenario=tiny" / f".{victim}.parquet.x1y2.part"
    stale.write_bytes(b"half a file")
    second = run_sweep(spec, out, workers=1, progress=False)
    assert second.attrs == {"runs": 8, "skipped": 7, "ran_ok": 1, "ran_failed": 0}
    assert not stale.exists() and not list(out.rglob("*.part"))
    pd.testing.assert_frame_equal(first, second)
    # adding seeds runs only the new ones, and the summary then covers the new plan
    more = run_sweep(small_spec(scenarios, seeds=[1, 2, 3]), out, workers=1, progress=False)
    assert more.attrs["skipped"] == 8 and more.attrs["ran_ok"] == 4 and len(more) == 12


def test_one_sweep_at_a_time_per_folder(scenarios, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with batch._exclusive(out):
        with pytest.raises(ConfigError, match="another sweep"):
            run_sweep(small_spec(scenarios), out, workers=1, progress=False)
    assert not (out / "plan.parquet").exists()


def test_outputs_and_loading_back(scenarios, tmp_path):
    spec = small_spec(scenarios, seeds=[1], outputs={"snapshots": ["tiny"]})
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
    # without time series the summary is still complete
    lean = run_sweep(small_spec(scenarios, seeds=[1], outputs={"timeseries": False}), tmp_path / "lean",
                     workers=1, progress=False)
    assert len(lean) == 4 and not (tmp_path / "lean" / "runs").exists()


# --------------------------------------------------------------------------------------------------
# map_tasks
# --------------------------------------------------------------------------------------------------
def square(x):
    return x * x


def fail_on_seven(x):
    if x == 7:
        raise ValueError("seven")
    return x


def test_map_tasks_same_results_on_every_executor():
    from distributed import Client, LocalCluster

    tasks = list(range(300))
    expected = [(t, t * t) for t in tasks]
    assert list(map_tasks(square, tasks, workers=1)) == expected
    pool = list(map_tasks(square, tasks, workers=2))
    assert sorted(pool) == expected  # each task exactly once
    assert list(map_tasks(square, iter(tasks), workers=2, ordered=True)) == expected  # a lazy iterator
    offset = 5
    assert sorted(r for _, r in map_tasks(lambda x: x + offset, range(10), workers=2, chunk=3)) == list(range(5, 15))
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            assert list(map_tasks(square, tasks, scheduler=client, ordered=True)) == expected
            assert sorted(map_tasks(square, tasks, scheduler=cluster.scheduler_address)) == expected


def die(x):
    import os

    os._exit(3)


def test_a_dead_worker_is_reported_not_hung_on():
    with pytest.raises(batch.WorkerLost):
        list(map_tasks(die, range(4), workers=2))


def test_map_tasks_reraises_task_errors_and_refuses_bad_arguments():
    with pytest.raises(ValueError, match="seven"):
        list(map_tasks(fail_on_seven, range(10), workers=2))
    with pytest.raises(ValueError, match="seven"):
        list(map_tasks(fail_on_seven, range(10), workers=1))
    for kwargs, field in [({"workers": 0}, "workers"), ({"workers": 2, "scheduler": "tcp://h:1"}, "workers"),
                          ({"chunk": 0}, "chunk"), ({"scheduler": "nowhere"}, "scheduler")]:
        with pytest.raises(ConfigError) as err:
            map_tasks(square, [1], **kwargs)
        assert err.value.field == field


def test_an_executor_serves_several_maps_and_early_stops():
    expected = [(i, i * i) for i in range(60)]
    with Executor(workers=2) as ex:
        pool = ex._backend.pool
        for _, _ in ex.map(square, range(1000)):
            break  # the caller stops early: the rest is cancelled, the pool stays usable
        assert sorted(ex.map(square, range(60))) == expected
        assert list(ex.map(square, range(60), chunk=7, ordered=True)) == expected
        assert ex._backend.pool is pool
    assert ex._backend is None


def test_chunks_grow_for_cheap_tasks_but_keep_every_worker_busy():
    assert batch._chunk_size(None, 0.25, 1000, 0, 2) == 1          # nothing measured yet
    assert batch._chunk_size(1e-4, 0.25, 100_000, 0, 2) == 2500    # cheap tasks: chunks of ~0.25 s
    assert batch._chunk_size(1e-4, 0.25, 1000, 900, 2) == 12       # near the end: small chunks
    assert batch._chunk_size(2.0, 0.25, 1000, 0, 2) == 1           # model runs: one per chunk

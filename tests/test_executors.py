"""abm.executors: the same results on every executor, errors re-raised, dead workers reported, chunking."""

from __future__ import annotations

import pytest

from abm import executors
from abm.errors import ConfigError, UserFacingError
from abm.executors import Executor, WorkerLost, check_executor_arguments, map_tasks


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
    with pytest.raises(WorkerLost):
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
    assert executors._chunk_size(None, 0.25, 1000, 0, 2) == 1          # nothing measured yet
    assert executors._chunk_size(1e-4, 0.25, 100_000, 0, 2) == 2500    # cheap tasks: chunks of ~0.25 s
    assert executors._chunk_size(1e-4, 0.25, 1000, 900, 2) == 12       # near the end: small chunks
    assert executors._chunk_size(2.0, 0.25, 1000, 0, 2) == 1           # model runs: one per chunk


@pytest.mark.parametrize("workers, scheduler, flag", [
    (0, None, "--workers"), (2, "tcp://h:1", "--workers and --scheduler"), (None, "nowhere", "--scheduler")])
def test_bad_executor_flags_are_refused_in_one_line(workers, scheduler, flag):
    with pytest.raises(UserFacingError) as err:
        check_executor_arguments(workers, scheduler)
    assert str(err.value).startswith(f"{flag}:") and "\n" not in str(err.value)
    check_executor_arguments(None, "local")  # the good ones pass
    check_executor_arguments(0, None, min_workers=0)

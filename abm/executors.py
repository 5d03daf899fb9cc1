"""The parallel executor that sweeps and calibration share: a local process pool or a Dask cluster.

`map_tasks` runs ``fn(task)`` for every task and yields ``(task, result)`` pairs; `Executor` keeps
the workers open across several maps. Tasks travel in chunks sized from the measured task time, at
most a few chunks per worker are in flight, and a worker that dies raises `WorkerLost`. Nothing here
knows about sweeps or scenarios: the sweep runner (abm.sweeps.run) and calibration
(abm.calibration) are two users. `add_executor_arguments` / `check_executor_arguments` are the
``--workers`` / ``--scheduler`` flags of the commands that use it.

>>> [result for _, result in map_tasks(abs, [-3, 1, -2], workers=1, ordered=True)]
[3, 1, 2]
"""

from __future__ import annotations

import functools
import itertools
import os
import queue
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from abm.errors import ConfigError, clip, shown

__all__ = ["map_tasks", "Executor", "WorkerLost", "SizedIterable", "cpu_count", "check_chunk",
           "add_executor_arguments", "check_executor_arguments"]


def add_executor_arguments(parser, workers_help: str) -> None:
    """The `--workers N | --scheduler ADDRESS` flags every parallel command shares (sweep, calibrate)."""
    parser.add_argument("--workers", type=int, metavar="N", help=workers_help)
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help='a Dask scheduler, e.g. tcp://10.0.0.5:8786, or "local" for a Dask LocalCluster')


#: The most local worker processes (--workers): more would exhaust any machine's process table.
MAX_WORKERS = 1024
#: The protocols a Dask scheduler address may name (distributed's comm backends).
SCHEDULER_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")
SCHEDULER_FIX = "e.g. tcp://10.0.0.5:8786, or local for a Dask cluster on this machine"


def scheduler_problem(address: str) -> str | None:
    """What is wrong with a scheduler address written by hand (None: it looks like one Dask takes)."""
    if address == "local":
        return None
    scheme, sep, rest = address.partition("://")
    if not sep:
        return f"{shown(address)} is not an address"
    if scheme not in SCHEDULER_SCHEMES:
        return f"{shown(scheme + '://')} is not a Dask protocol (use {', '.join(s + '://' for s in SCHEDULER_SCHEMES)})"
    host, colon, port = rest.rpartition(":")
    if scheme != "inproc" and (not colon or not host.strip() or not port.isdigit() or not 1 <= int(port) <= 65535):
        return f"{shown(address)} does not name a host and a port (1-65535)"
    return None


def check_executor_arguments(workers: int | None, scheduler: str | None, min_workers: int = 1) -> None:
    """Refuse bad `--workers` / `--scheduler` values in one line (abm.errors.UserFacingError)."""
    from abm.errors import UserFacingError

    if workers is not None and not min_workers <= workers <= MAX_WORKERS:
        raise UserFacingError(f"--workers: must be from {min_workers} to {MAX_WORKERS} (fix: e.g. --workers 2)")
    if workers is not None and scheduler:
        raise UserFacingError("--workers and --scheduler: give one of them (fix: the Dask cluster decides its workers)")
    problem = None if scheduler is None else scheduler_problem(scheduler)
    if problem:
        raise UserFacingError(f"--scheduler: {problem} (fix: {SCHEDULER_FIX})")


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory) so its tasks have no result."""


def cpu_count() -> int:
    """The cores this process may use (its CPU affinity, which a batch scheduler may restrict)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_tasks(fn: Callable[[Any], Any], tasks: Iterable[Any], workers: int | None = None,
              scheduler: Any = None, chunk: int | None = None, *, ordered: bool = False) -> Iterator[tuple[Any, Any]]:
    """Run ``fn(task)`` for every task on a local process pool or Dask; yield ``(task, result)`` pairs.

    The executor that sweeps and calibration share. ``fn`` must be picklable (functions of a module,
    or closures and lambdas: they travel with cloudpickle) and depend only on its task: then every
    result is the same whatever the number of workers or the chunking, because nothing else (RNG
    state included) is shared between tasks.

    Where tasks run:

    - ``workers=1`` (and no scheduler): in this process, one after the other (no start-up cost);
    - ``workers=N`` or nothing given: a pool of N (default: all cores) fresh "spawn" processes, each
      with ``NUMBA_NUM_THREADS = cores // N`` (unless set) so numba kernels do not oversubscribe;
    - ``scheduler="local"``: a Dask LocalCluster of ``workers`` (default all cores) single-threaded
      processes, closed at the end;
    - ``scheduler="tcp://host:8786"``, a ``distributed.Client`` or a cluster object (LocalCluster,
      dask-jobqueue's SLURMCluster, ...): that Dask cluster; what it is given stays open.

    Tasks are sent in chunks: one Dask task costs about 2.5 ms on a LocalCluster and a pool task
    about 0.2 ms, so with ``chunk=None`` the chunk size adapts to the measured task time (chunks of
    about 0.25 s on Dask, 0.05 s on the pool, never so large that a worker goes idle at the end).
    At most a few chunks per worker are in flight and results are handed over as they come, so
    memory stays flat for any number of tasks (``tasks`` may be a lazy iterator).

    Results come as they finish; ``ordered=True`` gives them in task order. An exception raised by
    ``fn`` is re-raised here (with the worker's traceback as a note) and the rest is cancelled: catch
    errors inside ``fn`` to keep going. A worker process that dies raises `WorkerLost`.

    >>> sorted(result for _, result in map_tasks(abs, [-3, 1, -2], workers=1))
    [1, 2, 3]
    >>> [task for task, _ in map_tasks(abs, range(5), workers=1, ordered=True)]
    [0, 1, 2, 3, 4]
    """
    executor = Executor(workers, scheduler)  # refuses bad arguments now, not at the first result
    check_chunk(chunk)
    if executor.serial:
        return _serial(fn, tasks)
    return _map_and_close(executor, fn, tasks, chunk, ordered)


def _map_and_close(executor: Executor, fn, tasks, chunk, ordered) -> Iterator[tuple[Any, Any]]:
    with executor:
        yield from executor.map(fn, tasks, chunk, ordered=ordered)


def check_chunk(chunk: Any) -> None:
    """Refuse a chunk size that is not None (adaptive) or a positive integer, before any work starts."""
    if chunk is not None and (not _is_int(chunk) or chunk < 1):
        raise ConfigError("chunk", f"must be an integer >= 1, got {chunk!r}", "e.g. chunk=10 or None (adaptive)")


def _is_int(value: Any) -> bool:
    """An integer that is not a boolean (True is not a worker count)."""
    return isinstance(value, int) and not isinstance(value, bool)


class Executor:
    """The workers of `map_tasks`, kept open across several maps (the pool or cluster starts once).

    Calibration loops that map a batch of candidates per iteration should hold one Executor rather
    than call map_tasks each time (a fresh pool costs about a second). Arguments as in map_tasks.

    >>> with Executor(workers=1) as ex:
    ...     [r for _, r in ex.map(abs, [-1, -2], ordered=True)]
    [1, 2]
    """

    def __init__(self, workers: int | None = None, scheduler: Any = None) -> None:
        if workers is not None and (not _is_int(workers) or workers < 1):
            raise ConfigError("workers", f"must be an integer >= 1, got {workers!r}", "e.g. workers=2")
        if scheduler is not None and workers is not None and scheduler != "local":
            raise ConfigError("workers", "give workers or a scheduler, not both",
                              "the Dask cluster decides how many workers it has")
        if isinstance(scheduler, str) and scheduler_problem(scheduler):
            raise ConfigError("scheduler", scheduler_problem(scheduler), 'give e.g. "tcp://10.0.0.5:8786" or "local"')
        self.workers, self.scheduler = workers, scheduler
        self.serial = scheduler is None and (workers or cpu_count()) == 1
        self._backend: _PoolBackend | _DaskBackend | None = None

    def open(self) -> Executor:
        """Start the pool or connect to the cluster (a bad address fails here, as a ConfigError)."""
        if not self.serial and self._backend is None:
            self._backend = (_DaskBackend(self.scheduler, self.workers) if self.scheduler is not None
                             else _PoolBackend(self.workers))
        return self

    def close(self) -> None:
        if self._backend is not None:
            backend, self._backend = self._backend, None
            backend.shutdown()

    def __enter__(self) -> Executor:
        return self.open()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any], chunk: int | None = None, *,
            ordered: bool = False) -> Iterator[tuple[Any, Any]]:
        """Like `map_tasks` on these workers; the Executor stays open afterwards."""
        check_chunk(chunk)
        if self.serial:
            return _serial(fn, tasks)
        self.open()
        total = len(tasks) if hasattr(tasks, "__len__") else None  # type: ignore[arg-type]
        return _drive(self._backend, fn, tasks, chunk, ordered, total)


def _serial(fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    for task in tasks:
        yield task, fn(task)


@functools.lru_cache(maxsize=1)
def _unpickled(payload: bytes) -> Callable[[Any], Any]:
    """Worker side: the function of the current map, unpickled once rather than once per chunk."""
    import cloudpickle

    return cloudpickle.loads(payload)


def _call_chunk(payload: bytes, tasks: list[Any]) -> tuple[list[tuple[bool, Any]], float]:
    """Worker side: run a chunk, returning each result or a picklable error, and the time taken."""
    import pickle

    fn = _unpickled(payload)
    start = time.perf_counter()
    out: list[tuple[bool, Any]] = []
    for task in tasks:
        try:
            out.append((True, fn(task)))
        except Exception as err:  # noqa: BLE001 - shipped to the caller and re-raised there
            tb = traceback.format_exc()
            try:
                pickle.dumps(err)
            except Exception:  # noqa: BLE001
                err = RuntimeError(f"{type(err).__name__}: {err}")
            out.append((False, (err, tb)))
    return out, time.perf_counter() - start


def _init_pool_worker(numba_threads: int | None, parent: int) -> None:
    """Pool worker start-up: cap numba's threads before numba loads; exit if the parent dies; exit fast."""
    if numba_threads is not None and "NUMBA_NUM_THREADS" not in os.environ and "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = str(numba_threads)
    import atexit
    import gc
    import threading

    # The interpreter's last garbage collection (numba's and pandas' object graphs) takes ~0.3 s per
    # worker, and the sweep waits for its workers to exit; the OS frees that memory anyway. Registered
    # first, so it runs after every other exit handler.
    atexit.register(gc.freeze)

    def watch() -> None:  # a SIGKILLed sweep must not leave its workers waiting for ever
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="abm-parent-watch").start()


class _PoolBackend:
    target_s = 0.05

    def __init__(self, workers: int | None) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.slots = workers or cpu_count()
        threads = max(1, cpu_count() // self.slots)
        self.pool = ProcessPoolExecutor(max_workers=self.slots, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_init_pool_worker, initargs=(threads, os.getpid()))

    def submit(self, *args: Any):
        return self.pool.submit(*args)

    def result(self, fut):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool as err:
            raise WorkerLost(f"a worker process died ({err}); finished results are kept") from None

    def parallelism(self) -> int:
        return self.slots

    def cancel(self, pending: list) -> None:
        for fut in pending:
            fut.cancel()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _DaskBackend:
    target_s = 0.25

    def __init__(self, scheduler: Any, workers: int | None) -> None:
        from distributed import Client

        self.owned: list[Any] = []
        try:
            if isinstance(scheduler, Client):
                self.client = scheduler
            elif scheduler == "local":
                from distributed import LocalCluster

                n = workers or cpu_count()
                env = {} if "NUMBA_NUM_THREADS" in os.environ else {"NUMBA_NUM_THREADS": str(max(1, cpu_count() // n))}
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                       env=env)
                self.owned.append(cluster)
                self.client = Client(cluster)
                self.owned.insert(0, self.client)
            elif isinstance(scheduler, str):
                self.client = Client(scheduler, timeout="20s")
                self.owned.append(self.client)
            elif hasattr(scheduler, "scheduler_address"):
                self.client = Client(scheduler)
                self.owned.append(self.client)
            else:
                raise ConfigError("scheduler", f"cannot use {type(scheduler).__name__} as a Dask scheduler",
                                  'give an address "tcp://host:8786", "local", a Client or a cluster')
        except (OSError, TimeoutError, ValueError) as err:  # ValueError: an address Dask cannot parse
            raise ConfigError("scheduler", f"cannot connect to {shown(scheduler)}: {clip(str(err), 100)}",
                              "check the address (tcp://host:8786) and that the scheduler is running") from None
        self._slots, self._checked = 1, 0.0

    def submit(self, *args: Any):
        return self.client.submit(*args, pure=False)

    def result(self, fut):
        from distributed.scheduler import KilledWorker

        try:
            return fut.result()
        except KilledWorker as err:
            raise WorkerLost(f"a Dask worker died while running a task ({err})") from None

    def parallelism(self) -> int:
        now = time.monotonic()
        if now - self._checked > 5.0:  # clusters may scale up or down while we run
            self._slots = max(1, sum(self.client.nthreads().values()))
            self._checked = now
        return self._slots

    def cancel(self, pending: list) -> None:
        if pending:
            try:
                self.client.cancel(pending)
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass

    def shutdown(self) -> None:
        for obj in self.owned:
            obj.close()


def _drive(backend, fn, tasks, chunk, ordered, total) -> Iterator[tuple[Any, Any]]:
    import cloudpickle

    payload = cloudpickle.dumps(fn)
    it = iter(tasks)
    done: queue.SimpleQueue = queue.SimpleQueue()
    pending: dict[Any, tuple[int, list[Any]]] = {}
    buffer: dict[int, tuple[list[Any], list]] = {}
    seq = next_out = submitted = 0
    per_task: float | None = None
    exhausted = False
    try:
        while True:
            slots = backend.parallelism()
            while not exhausted and len(pending) + len(buffer) < max(4, 3 * slots):
                size = chunk or _chunk_size(per_task, backend.target_s, total, submitted, slots)
                items = list(itertools.islice(it, size))
                if not items:
                    exhausted = True
                    break
                fut = backend.submit(_call_chunk, payload, items)
                pending[fut] = (seq, items)
                fut.add_done_callback(done.put)
                seq += 1
                submitted += len(items)
            if not pending:
                return
            while True:
                try:
                    fut = done.get(timeout=0.5)
                    break
                except queue.Empty:
                    continue
            index, items = pending.pop(fut)
            results, elapsed = backend.result(fut)
            del fut
            measured = elapsed / len(items)
            per_task = measured if per_task is None else 0.7 * per_task + 0.3 * measured
            if ordered:
                buffer[index] = (items, results)
                while next_out in buffer:
                    yield from _emit(*buffer.pop(next_out))
                    next_out += 1
            else:
                yield from _emit(items, results)
    finally:  # on an error or when the caller stops early: what has not run is not needed
        backend.cancel(list(pending))


def _chunk_size(per_task: float | None, target_s: float, total: int | None, submitted: int, slots: int) -> int:
    if per_task is None:
        return 1
    size = max(1, int(target_s / max(per_task, 1e-6)))
    if total is not None:  # keep every worker busy to the end: at least ~4 chunks per worker remain
        size = min(size, max(1, (total - submitted) // (4 * slots)))
    return min(size, 10_000)


def _emit(items: list[Any], results: list[tuple[bool, Any]]) -> Iterator[tuple[Any, Any]]:
    for task, (ok, value) in zip(items, results):
        if not ok:
            err, tb = value
            err.add_note(f"raised in a worker; its traceback:\n{tb}")
            raise err
        yield task, value


class SizedIterable:
    """A lazy iterable that knows its length (`Executor.map` sizes its chunks with it).

    >>> len(SizedIterable(iter("abc"), 3)), list(SizedIterable(iter("abc"), 3))
    (3, ['a', 'b', 'c'])
    """

    def __init__(self, it: Iterator[Any], n: int) -> None:
        self.it, self.n = it, n

    def __iter__(self) -> Iterator[Any]:
        return self.it

    def __len__(self) -> int:
        return self.n


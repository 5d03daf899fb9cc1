"""Processes as components: each declares what it reads and writes, and sees only that.

In the manner of landlab components (STYLE.md 6), a process is a small class with one verb,
``run_one_step(state, year)``, and two declarations: ``reads`` and ``writes``, each a tuple of names of
the city state (abm.state.CityState fields such as ``"households"`` or ``"rng"``) and of grid layers
written ``"grid.<layer>"``. Writing implies reading. The model hands every process a `StateView` of the
state that enforces the declarations: reading or assigning an undeclared name raises
`UndeclaredAccess`, so a declaration cannot drift from the code. Frozen views (``frozen=True``, used by
the registry test) also make every array the process did not declare as written read-only, so an
in-place write to it raises too.

>>> from types import SimpleNamespace
>>> class Counter(Process):
...     name, reads, writes = "counter", ("tick",), ("count",)
...     def run_one_step(self, state, year):
...         state.count = state.tick + 1
>>> state = SimpleNamespace(tick=3, count=0, secret=1)
>>> view = StateView(state, Counter())
>>> Counter().run_one_step(view, 2025); state.count
4
>>> view.secret
Traceback (most recent call last):
...
abm.process.UndeclaredAccess: process 'counter' reads state.secret but does not declare it; add "secret" to its `reads`
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from typing import Any, ClassVar, Iterator

import numpy as np

GRID_PREFIX = "grid."


class UndeclaredAccess(AttributeError):
    """A process touched state it did not declare (a programming error, not a user error)."""


class Process:
    """Base of every process; subclasses set `name`, `reads`, `writes` and implement `run_one_step`."""

    name: ClassVar[str]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    def run_one_step(self, state: Any, year: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"process {self.name!r} must implement run_one_step")


def split_names(names: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """(state field names, grid layer names) of a declaration."""
    layers = {n[len(GRID_PREFIX):] for n in names if n.startswith(GRID_PREFIX)}
    return {n for n in names if not n.startswith(GRID_PREFIX)}, layers


class GridView:
    """The land grid as one process may see it: declared layers only; geometry is always readable."""

    #: what every process may read: the geometry of the grid, not its contents
    GEOMETRY = frozenset({"shape", "cell_size_m", "cell_area_m2", "crs", "transform", "metadata"})

    def __init__(self, grid: Any, process: str, readable: set[str], writable: set[str]) -> None:
        object.__setattr__(self, "_grid", grid)
        object.__setattr__(self, "_process", process)
        object.__setattr__(self, "_readable", readable | writable)
        object.__setattr__(self, "_writable", writable)

    def __getattr__(self, name: str) -> Any:
        from abm.grid import LAYERS, LandGrid

        grid = self._grid
        if name in LAYERS:
            if name not in self._readable:
                raise UndeclaredAccess(f"process {self._process!r} reads grid.{name} but does not declare it; "
                                       f'add "grid.{name}" to its `reads`')
            return getattr(grid, name)
        derived = getattr(LandGrid, name, None)
        if isinstance(derived, property) and name not in self.GEOMETRY:
            return derived.fget(self)  # e.g. `urban` reads land_cover through this view
        return getattr(grid, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._writable:
            raise UndeclaredAccess(f"process {self._process!r} replaces grid.{name} but does not declare it; "
                                   f'add "grid.{name}" to its `writes`')
        setattr(self._grid, name, value)


class StateView:
    """The city state as one process may see it (see the module docstring)."""

    def __init__(self, state: Any, process: Process) -> None:
        readable, layers_read = split_names(tuple(process.reads))
        writable, layers_written = split_names(tuple(process.writes))
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_process", process.name)
        object.__setattr__(self, "_readable", readable | writable)
        object.__setattr__(self, "_writable", writable)
        object.__setattr__(self, "_assigned", set())
        grid = getattr(state, "grid", None)
        view = GridView(grid, process.name, layers_read, layers_written) if grid is not None else None
        object.__setattr__(self, "_grid_view", view)

    def __getattr__(self, name: str) -> Any:
        if name == "grid":
            return self._grid_view
        if name not in self._readable:
            raise UndeclaredAccess(f"process {self._process!r} reads state.{name} but does not declare it; "
                                   f'add "{name}" to its `reads`')
        return getattr(self._state, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._writable:
            raise UndeclaredAccess(f"process {self._process!r} assigns state.{name} but does not declare it; "
                                   f'add "{name}" to its `writes`')
        self._assigned.add(name)
        setattr(self._state, name, value)

    @property
    def assigned(self) -> frozenset[str]:
        """The state fields this view has assigned so far (an output may be re-assigned an equal value)."""
        return frozenset(self._assigned)

    def narrow(self, process: Process) -> StateView:
        """A view for a sub-process (e.g. one emission source), which may see no more than this one."""
        return StateView(self._state, process)


def run_process(process: Process, state: Any, year: int) -> Any:
    """Run one process on its view of `state` (the model's way of calling every phase)."""
    return process.run_one_step(StateView(state, process), year)


# ---- frozen runs: the registry test's check that declarations hold for in-place writes too ---------
def _arrays_of(value: Any, seen: set[int]) -> Iterator[np.ndarray]:
    """Every numpy array held by `value`, looking into dataclasses and plain objects one level deep."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        yield value
        return
    members = ([getattr(value, f.name) for f in fields(value)] if is_dataclass(value) and not isinstance(value, type)
               else list(vars(value).values()) if hasattr(value, "__dict__") else [])
    for member in members:
        if isinstance(member, np.ndarray):
            if id(member) not in seen:
                seen.add(id(member))
                yield member
        elif isinstance(member, (list, tuple)):
            for item in member:
                if isinstance(item, np.ndarray):
                    yield item


@contextmanager
def read_only_except(state: Any, process: Process) -> Iterator[None]:
    """Make every array of `state` that `process` does not declare as written read-only, then restore."""
    writable, layers_written = split_names(tuple(process.writes))
    from abm.grid import LAYERS

    frozen: list[np.ndarray] = []
    seen: set[int] = set()
    # arrays the process may write are marked seen first, so a shared array is never frozen under it
    keep = [getattr(state.grid, n) for n in layers_written]
    for name in writable:
        keep.extend(_arrays_of(getattr(state, name, None), set()))
    seen.update(id(a) for a in keep)
    candidates = [getattr(state.grid, n) for n in LAYERS if n not in layers_written]
    for name in vars(state):
        if name != "grid" and name not in writable:
            candidates.extend(_arrays_of(getattr(state, name), set()))
    try:
        for array in candidates:
            if id(array) not in seen and array.flags.writeable:
                seen.add(id(array))
                array.flags.writeable = False
                frozen.append(array)
        yield
    finally:
        for _ in range(3):  # a view may only be made writeable again after its base: retry the rest
            left = []
            for array in frozen:
                try:
                    array.flags.writeable = True
                except ValueError:
                    left.append(array)
            frozen = left

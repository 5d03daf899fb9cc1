"""The one numba compile decorator every kernel uses.

Defined once so that caching and floating-point flags are the same for every kernel (STYLE.md 3);
`fastmath` stays off so kernels agree with their numpy twins bit for bit where the order of
operations matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba

JIT_OPTIONS: dict[str, bool] = {"nopython": True, "cache": True, "nogil": True, "fastmath": False}


def kernel(func=None, *, parallel: bool = False):
    """Compile ``func`` with the project's numba options; ``parallel=True`` where prange pays."""

    def wrap(f):
        return numba.jit(**JIT_OPTIONS, parallel=parallel)(f)

    return wrap(func) if func is not None else wrap


#: below this much work (cells, choosers x slots) a parallel kernel runs on the calling thread alone
SERIAL_BELOW = 1 << 18


def runs_alone(work: int) -> bool:
    """Whether work of this size runs on the calling thread alone (see `threads_for`)."""
    return work < SERIAL_BELOW


@contextmanager
def threads_for(work: int) -> Iterator[None]:
    """Run the parallel kernels inside on every numba thread for large work, on the calling thread alone
    below `SERIAL_BELOW`: on a busy machine, waiting for the other threads of a parallel region costs up to
    a scheduler time slice (measured: 11 ms a tick for the building kernel on a 40,000-cell grid whose
    work takes 0.3 ms). Results do not change: the kernels split their work in fixed chunks."""
    if not runs_alone(work):
        yield
        return
    saved = numba.get_num_threads()
    numba.set_num_threads(1)  # thread-local: other threads keep theirs
    try:
        yield
    finally:
        numba.set_num_threads(saved)

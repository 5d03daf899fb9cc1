"""The one numba compile decorator every kernel uses.

Defined once so that caching and floating-point flags are the same for every kernel (STYLE.md 3);
`fastmath` stays off so kernels agree with their numpy twins bit for bit where the order of
operations matches.
"""

from __future__ import annotations

import numba

JIT_OPTIONS: dict[str, bool] = {"nopython": True, "cache": True, "nogil": True, "fastmath": False}


def kernel(func=None, *, parallel: bool = False):
    """Compile ``func`` with the project's numba options; ``parallel=True`` where prange pays."""

    def wrap(f):
        return numba.jit(**JIT_OPTIONS, parallel=parallel)(f)

    return wrap(func) if func is not None else wrap

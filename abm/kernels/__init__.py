"""Numba kernels: pure functions on arrays, each with a plain-numpy twin in ``reference.py``."""

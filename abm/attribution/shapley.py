"""Exact Shapley values of a game given on every coalition.

Player i's value is the weighted mean of its marginal contributions over all coalitions S without it,

    phi_i = sum_S |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S)),

which is the mean over the n! orders in which players could join (Shapley 1953). The values add up
to v(all) - v(none) exactly (efficiency), a player that never changes v gets 0 (null player), two
players that always change v alike get the same (symmetry), and for v = u + w they are those of u
plus those of w (additivity). With interactions, each interaction term is split equally among the
players it involves: v = a x + b y + c x y over x, y in {0, 1} gives x: a + c/2, y: b + c/2.

Coalitions are bit masks: bit i set = player i in. NaN anywhere in a metric's column makes every
value of that metric NaN (there is no exact decomposition without every coalition).

>>> v = np.array([[0.0], [3.0], [5.0], [10.0]])   # none, {x}, {y}, {x, y}: 3x + 5y + 2xy
>>> shapley_values(v)[:, 0].tolist()
[4.0, 6.0]
"""

from __future__ import annotations

from math import factorial

import numpy as np

__all__ = ["shapley_values", "coalition_sizes", "permutation_orders", "prefix_masks", "sampled_shapley_values"]


def coalition_sizes(n: int) -> np.ndarray:
    """The number of players in each of the 2**n coalitions (popcount of the mask)."""
    masks = np.arange(2 ** n)
    return np.array([bin(m).count("1") for m in masks], dtype=int)


def shapley_values(values: np.ndarray) -> np.ndarray:
    """Shapley values, shape (n players, m metrics), of `values`, shape (2**n coalitions, m metrics)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    k = values.shape[0]
    n = k.bit_length() - 1
    if k != 2 ** n:
        raise ValueError(f"values need one row per coalition (2**n rows), got {k}")
    sizes = coalition_sizes(n)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)]) if n else np.zeros(0)
    masks = np.arange(k)
    out = np.zeros((n, values.shape[1]))
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        marginal = values[without | (1 << i)] - values[without]
        out[i] = (weight[sizes[without]][:, None] * marginal).sum(axis=0)
    return out


def permutation_orders(n: int, count: int, seed: int = 0) -> list[tuple[int, ...]]:
    """`count` orders of the n players for sampled Shapley values: random orders, each followed by its
    reverse (antithetic pairs: a player early in one is late in the other, which halves much of the
    variance from interactions). `count` is rounded up to an even number."""
    rng = np.random.default_rng([0x5A3, int(seed)])
    orders: list[tuple[int, ...]] = []
    while len(orders) < count:
        order = tuple(int(i) for i in rng.permutation(n))
        orders += [order, order[::-1]]
    return orders


def prefix_masks(orders: list[tuple[int, ...]]) -> list[int]:
    """The coalitions the orders pass through (every prefix of every order, the empty and full ones too)."""
    masks = set()
    for order in orders:
        mask = 0
        masks.add(mask)
        for i in order:
            mask |= 1 << i
            masks.add(mask)
    return sorted(masks)


def sampled_shapley_values(values: dict[int, np.ndarray], orders: list[tuple[int, ...]], n: int) -> np.ndarray:
    """Shapley values estimated as the mean marginal contribution over `orders` (Castro et al. 2009),
    shape (n, m), from `values` {coalition mask: (m,) metric values}. Each order's contributions add up
    to v(all) - v(none), so the estimate keeps efficiency exactly; for a game without interactions every
    order gives the exact values.

    >>> v = {0: np.array([0.0]), 1: np.array([3.0]), 2: np.array([5.0]), 3: np.array([8.0])}  # 3x + 5y
    >>> sampled_shapley_values(v, permutation_orders(2, 2), 2)[:, 0].tolist()
    [3.0, 5.0]
    """
    m = len(next(iter(values.values())))
    out = np.zeros((n, m))
    for order in orders:
        mask = 0
        for i in order:
            out[i] += values[mask | (1 << i)] - values[mask]
            mask |= 1 << i
    return out / max(len(orders), 1)

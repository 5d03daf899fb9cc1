"""Location choice with sampled alternatives and capacity: the households' and firms' kernel.

Each chooser scores a few dozen sampled alternatives (cells with room) with a linear utility plus
pre-drawn Gumbel noise (a multinomial logit, as in UrbanSim's sampled-alternatives MNL), then
choosers take their best alternative that still has room, in a random order drawn by the caller.
Processing in a random order is the limit of UrbanSim's iterative lotteries (over-subscribed choosers
re-choose among what is left) and keeps capacity exact: no cell ever receives more than it holds. A
chooser that already has a place (a mover) may stay: its `origin` is always available to it, and when
it leaves, its place is released at once for the choosers after it (a vacancy chain within the year).

Everything is indexed by alternative (a short list of cells), never by grid cell, so the cost grows
with the agents and the built area, not with the size of the grid. Utility of alternative a for
chooser i::

    u = alt_utility[a] + gumbel[i, slot] + b_cost * cost_km(alt_cells[a], target[i])

with alt_utility = sum_j beta_j x attribute_j computed once per alternative by the caller, and the
Gumbel noise pre-drawn by the caller from the model's generator (`draw_gumbel`).

where cost_km is the straight-line distance times `circuity`, times `transit_factor` when both ends
have transit access (no cost term for choosers without a target, e.g. firms).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
from numba import prange

from abm.kernels._jit import kernel, runs_alone, threads_for


@kernel
def _slot_utility(a, noise, has_target, tr, tc, transit_at_target, alt_row, alt_col, alt_utility, alt_transit, b_cost,
                  cell_km, circuity, transit_factor):
    """Utility of alternative `a` for one chooser (its target at row `tr`, column `tc`): the one formula both
    passes use, so that they agree to the last bit."""
    dr = alt_row[a] - tr
    dc = alt_col[a] - tc
    km = np.sqrt(dr * dr + dc * dc) * cell_km * circuity
    km = km * transit_factor if alt_transit[a] & transit_at_target else km
    u = alt_utility[a] + noise
    return u + b_cost * km if has_target else u


@kernel
def _best_slot(pos, with_room, candidates, gumbel, alt_row, alt_col, alt_utility, target, target_transit,
               alt_transit, b_cost, cols, cell_km, circuity, transit_factor, capacity, demand, origin):
    """Slot (0: the place held now, k: candidate k - 1; -1: none) of the best alternative of the chooser in
    lottery position `pos`: among all it drew, or (`with_room`) among those with room now."""
    held = origin[pos]
    need = demand[pos]
    has_target = target[pos] >= 0
    tr = np.float64(target[pos] // cols) if has_target else 0.0
    tc = np.float64(target[pos] % cols) if has_target else 0.0
    transit_at_target = target_transit[pos]
    best_k = -1
    best_u = -np.inf
    # Every slot's utility and the running best without a branch (a slot without room never wins): cheaper
    # than skipping slots, whose branches are unpredictable.
    for k in range(candidates.shape[1] + 1):
        slot = held if k == 0 else candidates[pos, k - 1]
        a = max(slot, 0)
        u = _slot_utility(a, gumbel[pos, k], has_target, tr, tc, transit_at_target, alt_row, alt_col, alt_utility,
                          alt_transit, b_cost, cell_km, circuity, transit_factor)
        has_room = (capacity[a] >= need) | (slot == held)
        eligible = (slot >= 0) & (has_room | (not with_room))
        better = eligible & (u > best_u)
        best_k = k if better else best_k
        best_u = u if better else best_u
    return best_k


@kernel(parallel=True)
def _first_choices(candidates, gumbel, alt_row, alt_col, alt_utility, target, target_transit, alt_transit,
                   b_cost, cols, cell_km, circuity, transit_factor, capacity, demand, origin, out_slot):
    """Each chooser's best slot whatever the room: independent across choosers, so in parallel."""
    for pos in prange(candidates.shape[0]):
        out_slot[pos] = _best_slot(pos, False, candidates, gumbel, alt_row, alt_col, alt_utility, target,
                                   target_transit, alt_transit, b_cost, cols, cell_km, circuity, transit_factor,
                                   capacity, demand, origin)


@kernel
def _settle(first_slot, candidates, gumbel, alt_row, alt_col, alt_utility, target, target_transit, alt_transit,
            b_cost, cols, cell_km, circuity, transit_factor, capacity, demand, origin, out_choice):
    """The lottery, in order: a chooser takes its first choice if it still has room (the best with room is
    then that one), else it scores its slots again against the room left; once fewer units are left than
    it needs, only the place it holds (if any) has room for it."""
    left = capacity.sum()
    for pos in range(candidates.shape[0]):
        need = demand[pos]
        held = origin[pos]
        k = first_slot[pos]
        slot = -1 if k < 0 else held if k == 0 else candidates[pos, k - 1]
        if slot >= 0 and slot != held and capacity[slot] < need:
            if left < need:
                slot = held
            else:
                k = _best_slot(pos, True, candidates, gumbel, alt_row, alt_col, alt_utility, target, target_transit,
                               alt_transit, b_cost, cols, cell_km, circuity, transit_factor, capacity, demand, origin)
                slot = -1 if k < 0 else held if k == 0 else candidates[pos, k - 1]
        if slot >= 0 and slot != held:
            capacity[slot] -= need
            left -= need
            if held >= 0:
                capacity[held] += need
                left += need
        out_choice[pos] = slot


def choose_locations(
    order: np.ndarray,
    candidates: np.ndarray,
    gumbel: np.ndarray,
    alt_cells: np.ndarray,
    alt_utility: np.ndarray,
    capacity: np.ndarray,
    *,
    target: np.ndarray | None = None,
    target_transit: np.ndarray | None = None,
    alt_transit: np.ndarray | None = None,
    b_cost: float = 0.0,
    cols: int = 1,
    cell_km: float = 1.0,
    circuity: float = 1.0,
    transit_factor: float = 1.0,
    demand: np.ndarray | None = None,
    origin: np.ndarray | None = None,
) -> np.ndarray:
    """Chosen alternative per chooser (-1 where none had room); `capacity` is updated in place.

    order: permutation of chooser rows (the lottery order); candidates: (n, k) alternative positions,
    -1 = none; gumbel: (n, k + 1) pre-drawn Gumbel noise (column 0 for the origin, see `draw_gumbel`);
    row p of `candidates` and `gumbel` is used by chooser order[p], the p-th in the lottery (the rows are
    independent draws, so which chooser gets which row does not matter; read in order, they stream
    through the cache);
    alt_cells: (A,) flat grid cell of each alternative; alt_utility: (A,) the chooser-independent part
    of the utility (sum of coefficient x attribute); capacity: (A,) int64 units left; target: (n,) flat
    cell of each chooser's fixed destination (its job), -1 for none; target_transit: (n,) bool transit
    access at the target; alt_transit: (A,) bool; demand: (n,) units each chooser needs (default 1);
    origin: (n,) position of the alternative a mover holds now (-1 for newcomers): always available to
    it, weighed beside its candidates, and not counted in `capacity`.
    """
    n, k = candidates.shape
    n_alt = len(alt_cells)
    if gumbel.shape != (n, k + 1):
        raise ValueError(f"gumbel must be ({n}, {k + 1}) (one column for the origin); got {gumbel.shape}")
    if capacity.dtype != np.int64 or capacity.shape != (n_alt,):
        raise TypeError(f"capacity must be int64 of shape ({n_alt},): it is updated in place")
    if alt_utility.shape != (n_alt,):
        raise ValueError(f"alt_utility must have shape ({n_alt},); got {alt_utility.shape}")
    target = np.full(n, -1, np.int64) if target is None else np.ascontiguousarray(target, np.int64)
    target_transit = np.zeros(n, np.bool_) if target_transit is None else np.ascontiguousarray(target_transit, np.bool_)
    alt_transit = np.zeros(n_alt, np.bool_) if alt_transit is None else np.ascontiguousarray(alt_transit, np.bool_)
    demand = np.ones(n, np.int64) if demand is None else np.ascontiguousarray(demand, np.int64)
    origin = np.full(n, -1, np.int64) if origin is None else np.ascontiguousarray(origin, np.int64)
    out = np.full(n, -1, np.int64)
    if n_alt == 0:  # nothing to choose (the kernel reads alternative 0 for empty slots)
        return out
    # int32 (as `CandidateTable` gives) or int64 as they come: a conversion would cost more than it saves
    candidates = np.ascontiguousarray(candidates, None if candidates.dtype in (np.int32, np.int64) else np.int64)
    # rows and columns of the alternatives, once: integer division is slow in the inner loop
    alt_row, alt_col = np.divmod(np.ascontiguousarray(alt_cells, np.int64), int(cols))
    # The choosers' own arrays in lottery order, so the kernels read them in sequence (the lottery reads and
    # writes them once per chooser: at random, a cache miss each, that cost more than the choice itself).
    order = np.ascontiguousarray(order, np.int64)
    in_order = [a[order] for a in (target, target_transit, demand, origin)]
    args = (candidates, np.ascontiguousarray(gumbel), alt_row.astype(np.float64), alt_col.astype(np.float64),
            np.ascontiguousarray(alt_utility, np.float64), in_order[0], in_order[1], alt_transit, float(b_cost),
            int(cols), float(cell_km), float(circuity), float(transit_factor), capacity, in_order[2], in_order[3])
    first = np.empty(n, np.int32)
    with threads_for(n * (k + 1)):
        _first_choices(*args, first)
    by_position = np.empty(n, np.int64)
    _settle(first, *args, by_position)
    out[order] = by_position
    return out


def draw_gumbel(rng: np.random.Generator, n: int, k: int, out: np.ndarray | None = None) -> np.ndarray:
    """(n, k + 1) float32 Gumbel noise for `choose_locations`: -log(-log(U)) on float32 uniforms (into `out`).

    Several times cheaper than float64 `Generator.gumbel`; float32 resolution is ample for noise.
    """
    u = np.empty((n, k + 1), np.float32) if out is None else out
    rng.random(dtype=np.float32, out=u)
    np.clip(u, np.float32(1e-7), np.float32(1 - 1e-7), out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    np.log(u, out=u)
    np.negative(u, out=u)
    return u


@dataclass(frozen=True)
class CandidateTable:
    """What candidates are drawn from: every alternative repeated `weights` times (`units`), or the
    cumulative weights for a binary search (`cumulative`), whichever is cheaper for the draws to come.

    Drawing a unit uniformly is exact and costs one gather per draw, much cheaper than a binary search
    per draw, but building the table costs a write per unit: on a large region (wb_100: 40 M units for
    5 M draws) the binary search is cheaper. Both give the same alternative for the same draw.
    """

    total: int
    units: np.ndarray | None
    cumulative: np.ndarray | None

    @classmethod
    def build(cls, weights: np.ndarray, draws: int) -> CandidateTable:
        weights = np.asarray(weights, np.int64)
        total = int(weights.sum())
        if total <= 0 or draws == 0:
            return cls(max(total, 0), None, None)
        if total <= min(50_000_000, 4 * draws):
            index = np.arange(len(weights), dtype=np.int32 if len(weights) < 2**31 else np.int64)
            return cls(total, np.repeat(index, weights), None)
        return cls(total, None, np.cumsum(weights))

    @property
    def dtype(self) -> np.dtype:
        return self.units.dtype if self.units is not None else np.dtype(np.int64)

    def draw(self, rng: np.random.Generator, n: int, k: int, out: np.ndarray | None = None) -> np.ndarray:
        """(n, k) alternative positions (into `out`, of `dtype`); -1 if there is nothing to draw."""
        out = np.empty((n, k), self.dtype) if out is None else out
        if self.units is None and self.cumulative is None:
            out[...] = -1
            return out
        draws = rng.integers(0, self.total, size=(n, k), dtype=np.int32 if self.total < 2**31 else np.int64)
        if self.units is not None:
            _gather(self.units, draws.reshape(-1), out.reshape(-1))
        else:
            out[...] = np.searchsorted(self.cumulative, draws, side="right")
        return out


#: choosers per chunk of `draw_alternatives`: each chunk draws from a generator of its own, so that the draws
#: do not depend on how many threads draw them
DRAW_CHUNK = 1 << 15


def draw_alternatives(rng: np.random.Generator, weights: np.ndarray, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(candidates, noise) for a lottery of n choosers with k candidates each: `CandidateTable` draws and
    `draw_gumbel` noise, in chunks of `DRAW_CHUNK` choosers on numba's threads.

    Why: a large region's lottery draws 11 M numbers a tick (wb_100), from one generator a third of the
    households phase. Chunk c draws from a generator keyed by (one number drawn from `rng`, c), so the
    result depends on the seed and n only, not on the number of threads (numpy's generators and ufuncs
    release the GIL while they fill arrays).
    """
    key = int(rng.integers(0, 2**63))
    table = CandidateTable.build(weights, n * k)
    candidates = np.empty((n, k), table.dtype)
    noise = np.empty((n, k + 1), np.float32)

    def fill(chunk: int) -> None:
        lo, hi = chunk * DRAW_CHUNK, min((chunk + 1) * DRAW_CHUNK, n)
        chunk_rng = np.random.default_rng([key, chunk])
        table.draw(chunk_rng, hi - lo, k, out=candidates[lo:hi])
        draw_gumbel(chunk_rng, hi - lo, k, out=noise[lo:hi])

    chunks = range(-(-n // DRAW_CHUNK))
    threads = 1 if runs_alone(n * k) else min(numba.get_num_threads(), len(chunks))
    if threads <= 1:
        for chunk in chunks:
            fill(chunk)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(fill, chunks))
    return candidates, noise


@kernel
def _gather(table, index, out):
    """``out = table[index]`` (numpy's take first converts int32 indices to int64: twice the time)."""
    for i in range(index.shape[0]):
        out[i] = table[index[i]]

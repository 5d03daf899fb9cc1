"""Where the trips of each purpose go: opportunities by block and a distance-decay destination choice.

Why: trips other than to work go to the opportunities of their purpose (shops and services, schools,
parks) and, among those, mostly to near ones. A gravity / destination-choice model puts it as
``P(j | i) = O_j exp(-beta r_ij) / sum_k O_k exp(-beta r_ik)`` (Wilson 1967; the logit destination
choice of Ben-Akiva and Lerman 1985, with ln O_j as the size term), so the mean trip length from block
i is ``sum_j O_j K_ij r_ij / sum_j O_j K_ij`` with ``K = exp(-beta r)``, and the walk to the metro at the
destination is the same average of the destinations' walks. Both are convolutions of the opportunity
map with a fixed kernel, done once per tick by FFT on the block grid (blocks of about 300 m,
`abm.access.BlockGrid`): more opportunities near home (mixed use, sub-centres, density) shorten trips.

Distances are between block centres, straight line x circuity; a trip inside one block is 0.5214 block
sides (the mean distance between two random points of a square). The kernel is cut where it has fallen
to e^-8 (``r > 8 / beta``); a block with no opportunity of a purpose within that reach sends that
purpose's trips the whole reach (they leave for wherever the opportunity is).

>>> import numpy as np
>>> shops = np.zeros((1, 9)); shops[0, 0] = 1.0       # one row of 9 blocks of 1 km, shops at the west end
>>> f = destination_fields(shops[None], shops[None] * 0, block_km=1.0, circuity=1.0, decay_per_km=(0.5,),
...                        fallback_walk_km=np.zeros((1, 9)))
>>> [round(float(x), 2) for x in f.mean_km[0, 0, [0, 1, 4]]]     # the distance to the shops
[0.52, 1.0, 4.0]
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numba
import numpy as np
import scipy.fft as sfft
from numba import prange
from scipy import ndimage

from abm.kernels._jit import kernel, threads_for

#: mean distance between two random points in a unit square: a trip inside one block
INTRA_BLOCK = 0.5214054331647207
#: the destination kernel is cut where exp(-beta r) has fallen to exp(-REACH)
REACH = 8.0
#: padded FFT sizes (points) from which the transforms use several threads
FFT_THREADS_FROM = 1 << 19
#: columns of `block_sums`: floor and green by block, each also weighted by the walk to the metro, then
#: the households and their density (log term), walk to the metro and road share at home
SUM_COLUMNS = ("floor_residential", "floor_commercial", "green_cells", "floor_residential_walk",
               "floor_commercial_walk", "green_walk", "households", "households_log_density", "households_walk",
               "households_road")


@kernel(parallel=True)
def _sums_kernel(valid, floor_res, floor_com, land_cover, green_lut, hh_count, walk, road, b, bcols, dens_scale, out):
    """One pass over the (window of the) grid, parallel over bands of block rows (each band writes its own
    blocks). Grid-shaped inputs, possibly strided views of a larger grid; ``out`` is (columns, blocks), so
    that each column is contiguous for the whole-array arithmetic that reads it."""
    rows, cols = valid.shape
    for br in prange((rows + b - 1) // b):
        for r in range(br * b, min((br + 1) * b, rows)):
            for c in range(cols):
                if not valid[r, c]:
                    continue
                k = br * bcols + c // b
                w = np.float64(walk[r, c])
                fr, fc = np.float64(floor_res[r, c]), np.float64(floor_com[r, c])
                gr = 1.0 if green_lut[land_cover[r, c]] else 0.0
                out[0, k] += fr
                out[1, k] += fc
                out[2, k] += gr
                out[3, k] += fr * w
                out[4, k] += fc * w
                out[5, k] += gr * w
                n = np.float64(hh_count[r, c])
                if n > 0.0:
                    out[6, k] += n
                    out[7, k] += n * math.log(1.0 + n * dens_scale)
                    out[8, k] += n * w
                    out[9, k] += n if road[r, c] else 0.0


def block_sums(valid, floor_residential, floor_commercial, land_cover, hh_count, walk_km, road, *, green_covers,
               block_cells: int, cell_km: float, density_ref_hh_ha: float) -> np.ndarray:
    """Per flat block, the `SUM_COLUMNS` of its valid cells: (blocks, 10) float64, a transposed view of a
    C-ordered (10, blocks) array (``.T`` gives each column contiguous).

    Grid-shaped inputs (views of a window of a larger grid are read in place, when the window starts on
    a block boundary its blocks are the grid's): ``walk_km`` the walk to the metro, ``hh_count``
    households per cell, ``green_covers`` the land-cover codes that count as green space. The density
    term of a cell is ``ln(1 + households per ha / density_ref_hh_ha)``.
    """
    arrays = [np.asarray(a) for a in (valid, floor_residential, floor_commercial, land_cover, hh_count, walk_km, road)]
    shape = arrays[0].shape
    if len(shape) != 2 or any(a.shape != shape for a in arrays):
        raise ValueError(f"cell arrays must share one grid shape; found {sorted({a.shape for a in arrays})}")
    lut = np.zeros(256, np.bool_)
    lut[list(green_covers)] = True
    b = int(block_cells)
    bcols = -(-shape[1] // b)
    out = np.zeros((len(SUM_COLUMNS), -(-shape[0] // b) * bcols))
    v, fr, fc, lc, hh, w, rd = arrays
    with threads_for(v.size):
        _sums_kernel(v.astype(np.bool_, copy=False), fr, fc, lc.astype(np.uint8, copy=False), lut, hh, w,
                     rd.astype(np.bool_, copy=False), b, bcols, 1.0 / ((cell_km * 100.0) ** 2 * density_ref_hh_ha),
                     out)
    return out.T


def reach_blocks(decay_per_km, *, block_km: float, circuity: float) -> int:
    """How many blocks the farthest-reaching purpose's destinations lie from home, at most."""
    return int(np.ceil(REACH / min(decay_per_km) / (circuity * block_km)))


def settlements(occupied: np.ndarray, pad: int) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """The settlements of a 2-D mask of occupied blocks: the labels (1, 2, ...) of the occupied blocks grown
    by ``pad`` blocks, where trips from their homes can reach, and each one's window (r0, r1, c0, c1).

    Why: a town and its villages far apart are computed apart, each on the window its trips can reach,
    so the cost follows the settlements, not the size of the region.
    """
    grown = ndimage.maximum_filter(occupied.astype(np.uint8), size=2 * pad + 1, mode="constant")
    labels, _ = ndimage.label(grown)
    return labels, [(r.start, r.stop, c.start, c.stop) for r, c in ndimage.find_objects(labels)]


class DestinationFields(NamedTuple):
    mean_km: np.ndarray     # (purposes, block rows, block cols): mean trip length from each block
    dest_walk_km: np.ndarray  # same shape: mean walk to the metro at the destinations
    reach_km: np.ndarray    # (purposes,): the cut of each purpose's kernel


@lru_cache(maxsize=32)
def _kernel_spectra(pad: tuple[int, int], half: int, block_km: float, circuity: float, beta: float):
    """rfft2 of K = exp(-beta r) and of K r on the padded shape, K centred at (half, half) (cached)."""
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    r = circuity * block_km * np.hypot(y, x)
    r[half, half] = circuity * block_km * INTRA_BLOCK
    k = np.where(beta * r <= REACH, np.exp(-beta * r), 0.0)
    spectra = sfft.rfft2(k, s=pad), sfft.rfft2(k * r, s=pad)
    for s in spectra:
        s.flags.writeable = False
    return spectra


def destination_fields(opportunities, opportunities_walk, *, block_km: float, circuity: float, decay_per_km,
                       fallback_walk_km) -> DestinationFields:
    """Mean trip length and the destinations' walk to the metro, per purpose and block.

    ``opportunities`` (purposes, block rows, block cols): the size of each block as a destination of each
    purpose (floor m2, green cells: any unit, only its pattern counts); ``opportunities_walk`` the same
    weighted by the walk to the metro (so that their ratio is the destinations' mean walk);
    ``decay_per_km`` one beta per purpose. Where a purpose has no opportunity within reach, the mean is the
    reach and the walk is ``fallback_walk_km`` (block rows, block cols).
    """
    o = np.asarray(opportunities, np.float64)
    ow = np.asarray(opportunities_walk, np.float64)
    npur, brows, bcols = o.shape
    beta = np.asarray(decay_per_km, np.float64)
    if ow.shape != o.shape or beta.shape != (npur,) or np.shape(fallback_walk_km) != (brows, bcols):
        raise ValueError(f"opportunities {o.shape}, their walk-weighted twin {ow.shape}, decay {beta.shape} and "
                         f"fallback {np.shape(fallback_walk_km)} disagree")
    if (beta <= 0).any() or (o < 0).any():
        raise ValueError("decay_per_km must be > 0 and opportunities >= 0")
    reach = REACH / beta
    halves = [int(min(np.ceil(rk / (circuity * block_km)), max(brows, bcols) - 1)) for rk in reach]
    mean = np.empty(o.shape)
    walk = np.empty(o.shape)
    for p in range(npur):
        hp = halves[p]
        # padded for a linear convolution: the full one is n + 2 hp long, and a circular one of size N wraps
        # its last n + 2 hp - N values onto the first, which the crop [hp, hp + n) drops while N >= n + hp
        # (and N >= 2 hp + 1 holds the kernel). Rounded up so that a window that grows a little keeps the
        # cached kernel spectra
        pad = tuple(sfft.next_fast_len(-(-max(n + hp, 2 * hp + 1) // 16) * 16, real=True) for n in (brows, bcols))
        fk, fkr = _kernel_spectra(pad, hp, float(block_km), float(circuity), float(beta[p]))
        # as many FFT threads as the kernels use (1 in sweep workers) on large windows only (threads cost
        # more than they save below ~500k points: 330 x 330 blocks took 26 ms on 2, 23 on 1; 900 x 900,
        # 142 against 205); each 1-D transform is computed the same way on any thread
        workers = numba.get_num_threads() if pad[0] * pad[1] >= FFT_THREADS_FROM else 1
        fo, fow = sfft.rfft2(np.stack([o[p], ow[p]]), s=pad, workers=workers)
        spectra = np.empty((3, *fo.shape), fo.dtype)
        np.multiply(fo, fk, out=spectra[0])
        np.multiply(fo, fkr, out=spectra[1])
        np.multiply(fow, fk, out=spectra[2])
        den, num, wal = sfft.irfft2(spectra, s=pad, workers=workers)[:, hp:hp + brows, hp:hp + bcols]
        # FFT round-off is ~1e-16 of the total; below 1e-9 of it, a block has nothing within reach
        _mean_and_walk(den, num, wal, 1e-9 * max(o[p].sum(), 1e-300), circuity * block_km * INTRA_BLOCK,
                       reach[p], np.asarray(fallback_walk_km, np.float64), mean[p], walk[p])
    return DestinationFields(mean, walk, reach)


@kernel
def _mean_and_walk(den, num, wal, floor, lo, reach, fallback_walk, mean, walk):
    """Mean trip length (num / den, kept within [lo, reach]) and destinations' walk (wal / den, >= 0) of
    each block; where den <= floor nothing lies within reach: the reach, and the fallback walk. One pass
    instead of a temporary array per step."""
    for i in range(den.shape[0]):
        for j in range(den.shape[1]):
            d = den[i, j]
            if d > floor:
                mean[i, j] = min(max(num[i, j] / d, lo), reach)
                walk[i, j] = max(wal[i, j] / d, 0.0)
            else:
                mean[i, j] = reach
                walk[i, j] = fallback_walk[i, j]

"""Map comparison metrics: SLEUTH statistics, Lee-Sallee, Figure of Merit, Kappa simulation and friends.

Pure numpy/scipy: boolean urban maps in, floats out. Every function takes a ``valid`` mask (``None`` =
every cell valid); cells outside the study area are never counted, whatever the maps hold there.
Calibration (``calibration/``) compares simulated maps with the historical ones through these.

>>> import numpy as np
>>> obs = np.zeros((4, 4), bool); obs[1:3, 1:3] = True
>>> sim = obs.copy(); sim[1, 1] = False
>>> lee_sallee(sim, obs)
0.75
>>> stats = sleuth_stats(obs)
>>> stats["area"], stats["edges"], stats["clusters"], stats["cluster_size"]
(4.0, 4.0, 1.0, 4.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import ndimage

#: Statistic names `sleuth_stats` returns, in SLEUTH's log order.
SLEUTH_STAT_NAMES: tuple[str, ...] = (
    "area", "edges", "clusters", "pop", "xmean", "ymean", "rad", "slope", "cluster_size", "percent_urban",
)

#: The statistics SLEUTH regresses (observed on simulated) over the control years, our names.
REGRESSION_STATS: tuple[str, ...] = (
    "area", "pop", "edges", "clusters", "cluster_size", "slope", "percent_urban", "xmean", "ymean", "rad",
)

#: The factors of the Optimal SLEUTH Metric (Dietzel & Clarke 2007), besides `compare`.
OSM_STATS: tuple[str, ...] = ("pop", "edges", "clusters", "slope", "xmean", "ymean")


# ----------------------------------------------------------------------------------------------- helpers
def _bool(name: str, arr: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D map, got {arr.ndim} dimension(s)")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}; expected {shape} like the other maps")
    return arr if arr.dtype == np.bool_ else arr != 0


def _valid(valid: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    if valid is None:
        return np.ones(shape, dtype=bool)
    return _bool("valid", valid, shape)


def _maps(valid: np.ndarray | None, **maps: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Cast every map to bool, check shapes, and clear cells outside ``valid``."""
    arrays = list(maps.items())
    shape = np.asarray(arrays[0][1]).shape
    v = _valid(valid, shape)
    return v, [_bool(name, a, shape) & v for name, a in arrays]


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else math.nan


# -------------------------------------------------------------------------------- SLEUTH base statistics
def sleuth_stats(
    urban: np.ndarray,
    slope: np.ndarray | None = None,
    valid: np.ndarray | None = None,
    roads: np.ndarray | None = None,
    excluded: np.ndarray | None = None,
) -> dict[str, float]:
    """SLEUTH's base statistics of one urban map, as ``stats_obj.c`` of SLEUTH 3.0 computes them.

    Source: Project Gigalopolis SLEUTH 3.0 (Clarke, UCSB; code by T. Cathey), ``stats_edge``,
    ``stats_cluster``, ``stats_circle`` and ``stats_CalPercentUrban``:

    - ``area`` = ``pop``: urban cells (non-zero).
    - ``edges``: urban cells with at least one 4-neighbour (N, S, E, W) inside the image that is not
      urban. Neighbours beyond the image border do not count; cells outside the study area
      (``valid`` False) are not urban, so an urban cell next to them is an edge, as in SLEUTH where the
      outside is 0 in the urban layer.
    - ``clusters``: 4-connected urban components after the outer ring of image cells is set to non-urban.
    - ``cluster_size``: ``pixels in clusters // clusters`` (C integer division, on the ring-cleared
      image); 0 when there is no cluster (SLEUTH stops with an error there).
    - ``xmean``, ``ymean``: mean column and mean row index of urban cells (NaN without urban cells).
    - ``rad``: ``sqrt(area / pi)``, the radius of a circle of the urban area.
    - ``slope``: mean of ``slope`` over urban cells (NaN when no slope is given or no urban cell).
    - ``percent_urban``: ``100 (pop + road cells) / (cells - road cells - excluded cells)`` with road
      cells = ``roads > 0`` and excluded cells = ``excluded >= 100`` (SLEUTH's count), all inside
      ``valid``. Without roads / excluded those counts are 0.

    >>> import numpy as np
    >>> u = np.zeros((5, 5), bool); u[0, 0] = True; u[2, 1:4] = True
    >>> s = sleuth_stats(u)
    >>> s["area"], s["edges"], s["clusters"], s["cluster_size"], s["xmean"], s["ymean"]
    (4.0, 4.0, 1.0, 3.0, 1.5, 1.5)
    """
    valid_mask, (u,) = _maps(valid, urban=urban)
    area = int(np.count_nonzero(u))
    n_clusters, cluster_size = _clusters(u)
    xmean, ymean = _centroid(u)
    return {
        "area": float(area),
        "edges": float(_edge_count(u)),
        "clusters": float(n_clusters),
        "pop": float(area),
        "xmean": xmean,
        "ymean": ymean,
        "rad": math.sqrt(area / math.pi),
        "slope": _mean_slope(u, slope),
        "cluster_size": float(cluster_size),
        "percent_urban": _percent_urban(u, valid_mask, roads, excluded),
    }


def _edge_count(u: np.ndarray) -> int:
    """Urban cells with an in-image non-urban 4-neighbour (SLEUTH's ``stats_edge``)."""
    nonurban_nb = np.zeros_like(u)
    nonurban_nb[1:, :] |= ~u[:-1, :]
    nonurban_nb[:-1, :] |= ~u[1:, :]
    nonurban_nb[:, 1:] |= ~u[:, :-1]
    nonurban_nb[:, :-1] |= ~u[:, 1:]
    return int(np.count_nonzero(u & nonurban_nb))


def _clusters(u: np.ndarray) -> tuple[int, int]:
    """(clusters, cluster size) on the ring-cleared image, as SLEUTH's ``stats_cluster`` counts them.

    4-connectivity is ndimage.label's default structure; the size is C integer division, 0 without clusters.
    """
    core = u.copy()
    core[0, :] = core[-1, :] = False
    core[:, 0] = core[:, -1] = False
    _, n_clusters = ndimage.label(core)
    in_clusters = int(np.count_nonzero(core))
    return n_clusters, (in_clusters // n_clusters if n_clusters else 0)


def _centroid(u: np.ndarray) -> tuple[float, float]:
    """Mean column and mean row of the urban cells (NaN without urban cells)."""
    if not u.any():
        return math.nan, math.nan
    r, c = np.nonzero(u)
    return float(c.mean()), float(r.mean())


def _mean_slope(u: np.ndarray, slope: np.ndarray | None) -> float:
    """Mean slope over urban cells (NaN without a slope map or without urban cells)."""
    if slope is None or not u.any():
        return math.nan
    s = np.asarray(slope)
    if s.shape != u.shape:
        raise ValueError(f"slope has shape {s.shape}; expected {u.shape} like the urban map")
    return float(s[u].astype(np.float64).mean())


def _percent_urban(u: np.ndarray, valid_mask: np.ndarray, roads: np.ndarray | None,
                   excluded: np.ndarray | None) -> float:
    """``100 (pop + road cells) / (cells - road cells - excluded cells)`` inside the study area (SLEUTH's
    ``stats_CalPercentUrban``; excluded = ``excluded >= 100``, or True for a boolean map)."""
    area = int(np.count_nonzero(u))
    n_roads = 0 if roads is None else int(np.count_nonzero(_bool("roads", roads, u.shape) & valid_mask))
    n_excl = 0
    if excluded is not None:
        ex = np.asarray(excluded)
        if ex.shape != u.shape:
            raise ValueError(f"excluded has shape {ex.shape}; expected {u.shape} like the urban map")
        n_excl = int(np.count_nonzero((ex >= 100) & valid_mask)) if ex.dtype != np.bool_ else int(
            np.count_nonzero(ex & valid_mask))
    denom = int(np.count_nonzero(valid_mask)) - n_roads - n_excl
    return 100.0 * (area + n_roads) / denom if denom > 0 else math.nan


# ------------------------------------------------------------------------------------ map agreement
def lee_sallee(sim: np.ndarray, obs: np.ndarray, valid: np.ndarray | None = None) -> float:
    """Lee-Sallee shape index: ``|sim AND obs| / |sim OR obs|`` over valid cells.

    Source: Lee & Sallee (1970), as computed by SLEUTH 3.0 ``stats_compute_leesalee`` (Clarke et al.
    1997). 1 = identical footprints, 0 = disjoint. NaN when both maps are empty (0/0, as in SLEUTH).

    >>> import numpy as np
    >>> lee_sallee(np.array([[1, 1, 0]]), np.array([[0, 1, 1]]))
    0.3333333333333333
    """
    _, (s, o) = _maps(valid, sim=sim, obs=obs)
    return _ratio(np.count_nonzero(s & o), np.count_nonzero(s | o))


def figure_of_merit(
    sim: np.ndarray, obs: np.ndarray, initial: np.ndarray, valid: np.ndarray | None = None
) -> float:
    """Figure of Merit of simulated change: ``H / (H + M + W + F)``.

    Source: Pontius et al. (2008), "Comparing the input, output, and validation maps for several models
    of land change", Ann. Reg. Sci. 42:11-37. Change is any cell whose state differs from ``initial``
    (gains and losses of urban): hits H = observed change simulated as change (to the same state),
    misses M = observed change simulated as persistence, false alarms F = observed persistence
    simulated as change, wrong hits W = change to the wrong class (always 0 for a binary map, since
    both maps can only flip a cell to the one other state). NaN when neither map changes anything.

    >>> import numpy as np
    >>> init = np.array([[1, 0, 0, 0, 0]])
    >>> obs = np.array([[1, 1, 1, 0, 0]]); sim = np.array([[1, 1, 0, 1, 0]])
    >>> figure_of_merit(sim, obs, init)  # 1 hit, 1 miss, 1 false alarm
    0.3333333333333333
    """
    _, (s, o, i) = _maps(valid, sim=sim, obs=obs, initial=initial)
    obs_change = o != i
    sim_change = s != i
    hits = np.count_nonzero(obs_change & sim_change & (s == o))
    wrong = np.count_nonzero(obs_change & sim_change & (s != o))
    misses = np.count_nonzero(obs_change & ~sim_change)
    false_alarms = np.count_nonzero(~obs_change & sim_change)
    return _ratio(hits, hits + misses + wrong + false_alarms)


def kappa_simulation(
    sim: np.ndarray, obs: np.ndarray, initial: np.ndarray, valid: np.ndarray | None = None
) -> float:
    """Kappa Simulation: agreement of sim with obs beyond what the transition sizes alone would give.

    Source: van Vliet, Bregt & Hagen-Zanker (2011), "Revisiting Kappa to account for change in the
    accuracy assessment of land-use change models", Ecol. Model. 222:1367-1375, eqs. 4-7::

        p_o       = sum_i p(sim = i, obs = i)
        p_e(T)    = sum_j p(init = j) * sum_i p(sim = i | init = j) * p(obs = i | init = j)
        K_sim     = (p_o - p_e(T)) / (1 - p_e(T))

    over valid cells, classes {not urban, urban}. 1 = perfect, 0 = no better than randomly allocating
    the simulated transitions, < 0 worse. NaN when ``p_e(T) == 1`` (e.g. nothing changes in either map).

    >>> import numpy as np
    >>> init = np.array([[1, 0, 0, 0, 0]])
    >>> kappa_simulation(np.array([[1, 1, 1, 0, 0]]), np.array([[1, 1, 1, 0, 0]]), init)
    1.0
    """
    v, (s, o, i) = _maps(valid, sim=sim, obs=obs, initial=initial)
    n = int(np.count_nonzero(v))
    if n == 0:
        return math.nan
    p_o = float(np.count_nonzero((s == o) & v)) / n
    p_e = 0.0
    for j in (False, True):
        from_j = (i == j) & v
        n_j = np.count_nonzero(from_j)
        if n_j == 0:
            continue
        inner = 0.0
        for k in (False, True):
            inner += (np.count_nonzero(from_j & (s == k)) / n_j) * (np.count_nonzero(from_j & (o == k)) / n_j)
        p_e += n_j / n * inner
    return _ratio(p_o - p_e, 1.0 - p_e) if not math.isclose(p_e, 1.0) else math.nan


def quantity_allocation_disagreement(
    sim: np.ndarray, obs: np.ndarray, valid: np.ndarray | None = None
) -> dict[str, float]:
    """Quantity and allocation disagreement of two binary maps, as shares of the valid cells.

    Source: Pontius & Millones (2011), "Death to Kappa: birth of quantity disagreement and allocation
    disagreement for accuracy assessment", Int. J. Remote Sens. 32:4407-4429, eqs. 2-5. With ``p_ij``
    the share of cells simulated as class i and observed as class j::

        q_g = |p_{g+} - p_{+g}|,        Q = sum_g q_g / 2
        a_g = 2 min(p_{g+} - p_{gg}, p_{+g} - p_{gg}),  A = sum_g a_g / 2
        D   = 1 - sum_g p_{gg} = Q + A

    For two classes this is ``Q = |p_10 - p_01|`` and ``A = 2 min(p_10, p_01)``. Returns ``quantity``,
    ``allocation`` and ``total`` (NaN when no cell is valid).

    >>> import numpy as np
    >>> d = quantity_allocation_disagreement(np.array([[1, 1, 0, 0]]), np.array([[1, 0, 1, 1]]))
    >>> d["quantity"], d["allocation"], d["total"]
    (0.25, 0.5, 0.75)
    """
    v, (s, o) = _maps(valid, sim=sim, obs=obs)
    n = int(np.count_nonzero(v))
    if n == 0:
        return {"quantity": math.nan, "allocation": math.nan, "total": math.nan}
    p10 = float(np.count_nonzero(s & ~o)) / n  # simulated urban, observed not
    p01 = float(np.count_nonzero(~s & o & v)) / n  # simulated not, observed urban
    return {"quantity": abs(p10 - p01), "allocation": 2.0 * min(p10, p01), "total": p10 + p01}


def multi_resolution_agreement(
    sim: np.ndarray,
    obs: np.ndarray,
    valid: np.ndarray | None = None,
    windows: Sequence[int] = (1, 2, 4, 8, 16),
) -> dict[int, float]:
    """Agreement of the urban fraction at coarser resolutions: ``{window: 1 - weighted mean |f_sim - f_obs|}``.

    Source: the multiple-resolution goodness of fit of Costanza (1989), "Model goodness of fit: a
    multiple resolution procedure", Ecol. Model. 47:199-215 (per window ``F_w = 1 - sum_classes |a_1 -
    a_2| / 2w^2``, which for two classes is ``1 - |f_sim - f_obs|``), computed on non-overlapping
    ``w x w`` blocks as in Pontius et al. (2008) rather than Costanza's sliding window. Each block's
    fractions are over its valid cells, and blocks are weighted by their valid cell count (edge blocks
    are partial). At ``w = 1`` this is the share of valid cells where the maps agree. Perfect = 1.

    >>> import numpy as np
    >>> sim = np.array([[1, 0], [0, 0]]); obs = np.array([[0, 1], [0, 0]])
    >>> multi_resolution_agreement(sim, obs, windows=(1, 2))
    {1: 0.5, 2: 1.0}
    """
    v, (s, o) = _maps(valid, sim=sim, obs=obs)
    total = np.count_nonzero(v)
    out: dict[int, float] = {}
    for w in windows:
        w = int(w)
        if w < 1:
            raise ValueError(f"window sizes must be integers >= 1, got {w}")
        if total == 0:
            out[w] = math.nan
            continue
        sums = [_block_sum(a, w) for a in (s, o, v)]
        n_blk = sums[2]
        diff = np.abs(sums[0] - sums[1])  # = n_b * |f_sim - f_obs| per block
        out[w] = 1.0 - float(diff.sum()) / float(n_blk.sum())
    return out


def _block_sum(arr: np.ndarray, w: int) -> np.ndarray:
    """Sum of ``arr`` over non-overlapping w x w blocks (edge blocks partial, zero-padded)."""
    rows, cols = arr.shape
    pr, pc = -rows % w, -cols % w
    a = np.pad(arr.astype(np.int64), ((0, pr), (0, pc)))
    return a.reshape((rows + pr) // w, w, (cols + pc) // w, w).sum(axis=(1, 3))


# ------------------------------------------------------------------------------ SLEUTH regression
def _linefit_r2(observed: Sequence[float], simulated: Sequence[float]) -> float:
    """SLEUTH's ``stats_linefit``: squared Pearson r, 0 when either series has (almost) no variance."""
    y = np.asarray(observed, dtype=np.float64)
    x = np.asarray(simulated, dtype=np.float64)
    dy, dx = y - y.mean(), x - x.mean()
    syy, sxx = float((dy * dy).sum()), float((dx * dx).sum())
    if not np.isfinite(syy * sxx):
        return math.nan
    if syy * sxx < 1e-11:
        return 0.0
    r = float((dy * dx).sum()) / math.sqrt(syy * sxx)
    return r * r


def sleuth_regression(
    sim_stats_by_year: Mapping[int, Mapping[str, float]],
    obs_stats_by_year: Mapping[int, Mapping[str, float]],
    lee_sallee_by_year: Mapping[int, float] | None = None,
) -> dict[str, float]:
    """SLEUTH's calibration scores: r^2 of observed on simulated statistics over the control years.

    Source: SLEUTH 3.0 ``stats_DoRegressions`` / ``stats_linefit`` / ``stats_DoAggregate`` (Clarke et
    al. 1997; Project Gigalopolis), and the Optimal SLEUTH Metric of Dietzel & Clarke (2007), "Toward
    optimal calibration of the SLEUTH land use change model", Trans. GIS 11:29-45.

    - For each statistic in `REGRESSION_STATS` present in every year's dicts: ``r2 = r^2`` of the
      Pearson correlation of observed and simulated values over the years both maps share (SLEUTH's
      line fit; 0 when either series has no variance, so fewer than two years give 0). SLEUTH leaves
      out the seed year (the first urban map); pass only the years you want compared.
    - ``compare``: final (latest shared) year ``min(pop_sim, pop_obs) / max(pop_sim, pop_obs)``.
    - ``leesalee``: mean of ``lee_sallee_by_year`` over the shared years, when given.
    - ``product``: SLEUTH's composite, ``compare x leesalee x r2`` of edges, clusters, pop, xmean, ymean,
      rad, slope, cluster_size and percent_urban (leesalee left out when not given).
    - ``osm``: ``compare x r2`` of pop, edges, clusters, slope, xmean and ymean (Dietzel & Clarke).

    Returns a flat dict: each statistic's name (its r^2), plus ``compare``, ``leesalee`` (if given),
    ``product``, ``osm`` and ``n_years``.

    >>> obs = {2000: {"pop": 10.0}, 2010: {"pop": 20.0}, 2020: {"pop": 40.0}}
    >>> sim = {2000: {"pop": 11.0}, 2010: {"pop": 21.0}, 2020: {"pop": 41.0}}
    >>> r = sleuth_regression(sim, obs)
    >>> round(r["pop"], 12), round(r["compare"], 4)
    (1.0, 0.9756)
    """
    years = sorted(set(sim_stats_by_year) & set(obs_stats_by_year))
    if not years:
        raise ValueError("sleuth_regression needs at least one year present in both the simulated and "
                         "observed statistics")
    out: dict[str, float] = {"n_years": float(len(years))}
    for name in REGRESSION_STATS:
        if all(name in sim_stats_by_year[y] and name in obs_stats_by_year[y] for y in years):
            out[name] = _linefit_r2([obs_stats_by_year[y][name] for y in years],
                                    [sim_stats_by_year[y][name] for y in years])
    last = years[-1]
    try:
        pop_sim = float(sim_stats_by_year[last]["pop"])
        pop_obs = float(obs_stats_by_year[last]["pop"])
    except KeyError:
        raise ValueError(f"sleuth_regression needs 'pop' in the statistics of {last}") from None
    hi, lo = max(pop_sim, pop_obs), min(pop_sim, pop_obs)
    out["compare"] = lo / hi if hi > 0 else 1.0

    product = out["compare"]
    if lee_sallee_by_year is not None:
        ls = [float(lee_sallee_by_year[y]) for y in years if y in lee_sallee_by_year]
        out["leesalee"] = float(np.mean(ls)) if ls else math.nan
        product *= out["leesalee"]
    for name in ("edges", "clusters", "pop", "xmean", "ymean", "rad", "slope", "cluster_size", "percent_urban"):
        product *= out.get(name, 1.0)
    out["product"] = product
    osm = out["compare"]
    for name in OSM_STATS:
        osm *= out.get(name, 1.0)
    out["osm"] = osm
    return out


__all__ = [
    "OSM_STATS",
    "REGRESSION_STATS",
    "SLEUTH_STAT_NAMES",
    "figure_of_merit",
    "kappa_simulation",
    "lee_sallee",
    "multi_resolution_agreement",
    "quantity_allocation_disagreement",
    "sleuth_regression",
    "sleuth_stats",
]

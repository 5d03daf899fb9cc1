"""Simulated histories and their scores: the model, the two null models, and map metrics per year.

Everything a worker needs travels in one `Inputs` object (shipped once per worker process by
`abm.executors.map_tasks`); a task is a small dict naming what to simulate (``model``, ``neighbourhood``
or ``persistence``), its parameters and its seed, and the result is a small dict of scores per year
(plus packed maps in the final evaluation). A task depends on nothing else, so results are the same
for any number of workers.

The model is `abm.model.UrbanModel` itself, run from the start map with the quota path of the
observed totals (`development.convert_full_quota`), with the roads maps switched in as the years pass.
Its carbon accounting, inflection detector and time series are skipped (`CalibrationModel`): they
read the land but never feed back into it, so the maps are those of `abm run`.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from abm.access import distance_km
from abm.calibration.history import History, load_history
from abm.grid import LandGrid
from abm.metrics import (
    figure_of_merit,
    kappa_simulation,
    lee_sallee,
    multi_resolution_agreement,
    quantity_allocation_disagreement,
    sleuth_stats,
)
from abm.model import UrbanModel

if TYPE_CHECKING:
    from abm.calibration.config import CalibrationConfig

#: The map statistics of SLEUTH reported for every simulated map (abm.metrics.sleuth_stats).
STAT_KEYS = ("area", "edges", "clusters", "cluster_size", "xmean", "ymean", "rad", "slope", "percent_urban")


class CalibrationModel(UrbanModel):
    """UrbanModel without the carbon accounting, detector and time series (land dynamics unchanged)."""

    def account(self) -> None:  # noqa: D102 - see the class docstring
        pass

    def detect(self) -> None:  # noqa: D102
        self.new_events = []

    def collect(self) -> None:  # noqa: D102
        pass


@dataclass
class Inputs:
    """What simulations and scores may read (picklable; the arrays are the region's, not copies per task)."""

    start_year: int
    grid: LandGrid                       # the model's start state (floor seeded, boundary files applied)
    scenario: dict[str, Any]             # the resolved base scenario (plain data)
    quota: dict[int, int]                # year -> new urban cells
    roads_maps: dict[int, np.ndarray]    # map year -> bool roads (the start map's year included)
    schedule: dict[int, int]             # first simulated year -> roads map year
    start_roads_year: int | None
    observed: dict[int, np.ndarray]      # year -> observed urban map, only the years this evaluator scores
    windows: tuple[int, ...] = (1, 2, 4, 8, 16)
    excluded_raw: np.ndarray | None = None
    _scenario_cache: dict = field(default_factory=dict, repr=False)
    _road_dist: dict = field(default_factory=dict, repr=False)

    @property
    def valid(self) -> np.ndarray:
        return self.grid.valid

    @property
    def start_map(self) -> np.ndarray:
        return self.grid.urban & self.grid.valid

    @property
    def allowed(self) -> np.ndarray:
        """Where anything may be built: valid, not excluded, not red line or farmland (the null models' candidates)."""
        g = self.grid
        return g.valid & ~g.excluded & ~g.red_line & ~g.farmland

    def roads_year(self, year: int) -> int | None:
        """Year of the roads map in force in `year`: the start roads until the schedule switches them."""
        current = self.start_roads_year
        for switch in sorted(self.schedule):
            if switch <= year:
                current = self.schedule[switch]
        return current

    def roads_at(self, year: int) -> np.ndarray | None:
        """The roads map in force in `year` (None when the region has no roads map for it)."""
        return self.roads_maps.get(self.roads_year(year))


# ------------------------------------------------------------------------------------------- inputs
def base_scenario_raw(config: CalibrationConfig, history: History, kind: str = "sleuth",
                      region_path: str | None = None) -> dict[str, Any]:
    """The scenario every trial starts from: the file's [scenario] plus the observed history.

    Region and start year from [data]; ticks to the last compared year; the quota path of the totals
    with `convert_full_quota`; unless the file sets it, household growth follows the urban area's.
    """
    raw = copy.deepcopy(config.scenario)
    raw.setdefault("name", f"{config.name}-calibrated")
    region = raw.setdefault("region", {})
    region.update(kind=kind, path=region_path or config.data.path, year=history.start_year)
    run = raw.setdefault("run", {})
    run.update(start_year=history.start_year, ticks=history.last_year - history.start_year)
    raw.setdefault("policy", {}).setdefault("quantity", {})["land_quota_cells"] = {
        str(y): float(k) for y, k in sorted(history.quota.items())}
    raw.setdefault("development", {})["convert_full_quota"] = True
    population = raw.setdefault("population", {})
    if "growth_rate" not in population:
        population["growth_rate"] = _growth_rate_path(history.totals)
    return raw


def _growth_rate_path(totals: dict[int, int]) -> dict[str, float]:
    """Household growth per year following the urban totals (clipped to -20 %..+50 % a year)."""
    years = sorted(totals)
    path: dict[str, float] = {}
    for a, b in zip(years[:-1], years[1:]):
        rate = (max(totals[b], 1) / max(totals[a], 1)) ** (1.0 / (b - a)) - 1.0
        rate = float(min(max(rate, -0.2), 0.5))
        path[str(a + 1)] = rate
        path[str(b)] = rate
    return path


def map_set_kind(history: History) -> str:
    """The region kind a scenario names for the history's maps: ``geotiff`` or ``sleuth``."""
    return "geotiff" if getattr(history.sset, "source", "sleuth") == "geotiff" else "sleuth"


def build_inputs(config: CalibrationConfig, history: History, years: tuple[int, ...]) -> Inputs:
    """Worker inputs scoring `years` (the search gets the fit years only: the hold-out is never read)."""
    from abm.regions import build_region
    from abm.scenario import scenario_from_dict

    sset = history.sset
    raw = base_scenario_raw(config, history, map_set_kind(history))
    scenario = scenario_from_dict(raw, source=config.source)
    grid = build_region(scenario) if history.path.exists() else _grid_from_set(history, scenario)
    start_roads = grid.metadata.get("roads_year")
    if start_roads is None:  # a region without dated roads: its start roads under the start year
        start_roads = history.start_year
    roads_maps = {start_roads: grid.roads.copy()}
    for ry in history.roads.values():
        roads_maps[ry] = (sset.roads[ry] > 0) & sset.valid
    return Inputs(start_year=history.start_year, grid=grid, scenario=scenario.to_dict(), quota=dict(history.quota),
                  roads_maps=roads_maps, schedule=dict(history.roads), start_roads_year=start_roads,
                  observed={y: history.observed(y) for y in years}, windows=config.report.windows,
                  excluded_raw=sset.excluded)


def _grid_from_set(history: History, scenario) -> LandGrid:
    """The start grid straight from an in-memory map set (synthetic histories have no folder)."""
    from abm.io.sleuth import region_from_set
    from abm.regions import seed_floor_space

    grid = region_from_set(history.sset, history.start_year, scenario.region.cell_size_m)
    seed_floor_space(grid, scenario.region.initial_far, history.start_year)
    return grid


# ------------------------------------------------------------------------------------------ metrics
def interval_figure_of_merit(sim: np.ndarray, obs: np.ndarray, prev_sim: np.ndarray, prev_obs: np.ndarray,
                             valid: np.ndarray) -> float:
    """Figure of Merit of the change over one interval: the simulation's own change since its map at the
    previous compared year against the observed change between the two observed maps.

    >>> import numpy as np
    >>> p = np.array([[1, 0, 0, 0]], bool); v = np.ones_like(p)
    >>> interval_figure_of_merit(np.array([[1, 1, 0, 1]], bool), np.array([[1, 1, 1, 0]], bool), p, p, v)
    0.3333333333333333
    """
    s_change = (sim != prev_sim) & valid
    o_change = (obs != prev_obs) & valid
    both = s_change & o_change
    hits = np.count_nonzero(both & (sim == obs))
    wrong = np.count_nonzero(both & (sim != obs))
    misses = np.count_nonzero(o_change & ~s_change)
    false_alarms = np.count_nonzero(s_change & ~o_change)
    den = hits + wrong + misses + false_alarms
    return float(hits / den) if den else math.nan


def score_maps(inputs: Inputs, maps: dict[int, np.ndarray], full: bool) -> dict[int, dict[str, float]]:
    """Scores of simulated maps per year: the objective's metrics, or (full) every metric."""
    valid = inputs.valid
    start = inputs.start_map
    out: dict[int, dict[str, float]] = {}
    prev_year = inputs.start_year
    for year in sorted(maps):
        sim, obs = maps[year], inputs.observed[year]
        row = {"lee_sallee": lee_sallee(sim, obs, valid),
               "figure_of_merit": figure_of_merit(sim, obs, start, valid),
               "kappa_simulation": kappa_simulation(sim, obs, start, valid)}
        if full:
            prev_sim = maps.get(prev_year, start)
            prev_obs = inputs.observed.get(prev_year, start)
            row["figure_of_merit_interval"] = interval_figure_of_merit(sim, obs, prev_sim, prev_obs, valid)
            qad = quantity_allocation_disagreement(sim, obs, valid)
            row.update({f"{k}_disagreement": v for k, v in qad.items()})
            for w, agree in multi_resolution_agreement(sim, obs, valid, inputs.windows).items():
                row[f"agreement_{w}x{w}"] = agree
            roads = inputs.roads_at(year)
            stats = sleuth_stats(sim, inputs.grid.slope, valid, roads=roads, excluded=inputs.excluded_raw)
            row.update({f"stat_{k}": stats[k] for k in STAT_KEYS})
            row["urban_cells"] = float(np.count_nonzero(sim))
        out[year] = row
        prev_year = year
    return out


# ---------------------------------------------------------------------------------------- the model
def scenario_for(inputs: Inputs, params: dict[str, Any]):
    """The base scenario with the trial's parameters (dotted keys) applied and validated."""
    from abm.scenario import set_dotted, scenario_from_dict

    key = tuple(sorted(params.items()))
    cached = inputs._scenario_cache.get(key)
    if cached is None:
        raw = copy.deepcopy(inputs.scenario)
        for dotted, value in params.items():
            set_dotted(raw, dotted, value)
        cached = scenario_from_dict(raw)
        if len(inputs._scenario_cache) > 64:
            inputs._scenario_cache.clear()
        inputs._scenario_cache[key] = cached
    return cached


def run_model(inputs: Inputs, params: dict[str, Any], seed: int, years: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Urban maps of one model run at `years` (the run stops at the last of them)."""
    scenario = scenario_for(inputs, params)
    grid = inputs.grid.copy()
    model = CalibrationModel(scenario, seed=seed, grid=grid)
    maps: dict[int, np.ndarray] = {}
    wanted = set(years)
    for year in range(inputs.start_year + 1, max(years) + 1):
        if year in inputs.schedule:
            grid.roads[:] = inputs.roads_maps[inputs.schedule[year]]
            model.road_km = distance_km(grid.roads, grid.cell_size_m).ravel()
        model.step()
        if year in wanted:
            maps[year] = grid.urban & grid.valid
    return maps


# ------------------------------------------------------------------------------------ the null models
def run_persistence(inputs: Inputs, years: tuple[int, ...]) -> dict[int, np.ndarray]:
    """The null of no change: every year's map is the start map."""
    start = inputs.start_map
    return {y: start.copy() for y in years}


def _window_share(urban: np.ndarray, cells: np.ndarray, radius: int) -> np.ndarray:
    """Urban share of the (2r+1) x (2r+1) window around each flat cell index (outside the grid: not urban)."""
    rows, cols = urban.shape
    table = np.zeros((rows + 1, cols + 1), np.int32)
    np.cumsum(urban, axis=0, dtype=np.int32, out=table[1:, 1:])
    np.cumsum(table[1:, 1:], axis=1, out=table[1:, 1:])
    r, c = np.divmod(cells, cols)
    r0, r1 = np.maximum(r - radius, 0), np.minimum(r + radius + 1, rows)
    c0, c1 = np.maximum(c - radius, 0), np.minimum(c + radius + 1, cols)
    count = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
    return count / float((2 * radius + 1) ** 2)


def _road_distance_cells(inputs: Inputs, map_year: int | None) -> np.ndarray:
    if map_year not in inputs._road_dist:
        from scipy import ndimage

        roads = inputs.roads_maps.get(map_year) if map_year is not None else None
        if roads is None or not roads.any():
            dist = np.full(inputs.grid.shape, 1e6, np.float32)
        else:
            dist = ndimage.distance_transform_edt(~roads).astype(np.float32)
        inputs._road_dist[map_year] = dist.ravel()
    return inputs._road_dist[map_year]


def run_neighbourhood_null(inputs: Inputs, params: dict[str, Any], seed: int,
                           years: tuple[int, ...]) -> dict[int, np.ndarray]:
    """The demand-driven neighbourhood null model: each year convert the year's quota of cells where

        score = urban share of the (2r+1)^2 window + weight_road * exp(-road distance / road_decay_cells)
                - weight_slope * slope + noise * Gumbel

    is highest, among valid, non-excluded, non-urban cells. Same quota path and roads schedule as the model.
    """
    rng = np.random.default_rng(seed)
    cur = inputs.start_map.copy()
    flat = cur.ravel()
    allowed = inputs.allowed.ravel()
    slope = inputs.grid.slope.ravel()
    radius = int(params["radius_cells"])
    w_road, decay = float(params["weight_road"]), float(params["road_decay_cells"])
    w_slope, noise = float(params["weight_slope"]), float(params["noise"])
    road = _road_distance_cells(inputs, inputs.start_roads_year)
    maps: dict[int, np.ndarray] = {}
    wanted = set(years)
    for year in range(inputs.start_year + 1, max(years) + 1):
        if year in inputs.schedule:
            road = _road_distance_cells(inputs, inputs.schedule[year])
        k = inputs.quota.get(year, 0)
        if k > 0:
            cand = np.flatnonzero(allowed & ~flat)
            score = _window_share(cur, cand, radius)
            if w_road:
                score += w_road * np.exp(-road[cand] / decay)
            if w_slope:
                score -= w_slope * slope[cand]
            score += noise * rng.gumbel(size=len(cand))
            if k < len(cand):
                cand = cand[np.argpartition(-score, k - 1)[:k]]
            flat[cand] = True
        if year in wanted:
            maps[year] = cur.copy()
    return maps


# ------------------------------------------------------------------------------------------- worker
class Evaluator:
    """The map_tasks function: run the task's simulation and score it (see the module docstring).

    It travels to the workers as a recipe (the calibration config, the years it scores and, for an
    in-memory map set, the set itself); each process reads the maps and builds its `Inputs` once, on
    its first task, so a large region is never pickled whole.
    """

    def __init__(self, config, years: tuple[int, ...], sset=None, history=None) -> None:
        self.config = config
        self.years = tuple(years)
        self.sset = sset            # an in-memory map set travels with the recipe; a folder is read
        self._history = history     # the caller's loaded history (kept in this process only)
        self._inputs: Inputs | None = None

    @property
    def inputs(self) -> Inputs:
        if self._inputs is None:
            history = self._history if self._history is not None else load_history(self.config, self.sset)
            self._inputs = build_inputs(self.config, history, self.years)
        return self._inputs

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_inputs"] = state["_history"] = None
        return state

    def __call__(self, task: dict[str, Any]) -> dict[str, Any] | None:
        kind = task["kind"]
        if kind == "wait":  # a batch barrier in the search (see abm.calibration.search)
            time.sleep(0.005)
            return None
        years = tuple(task["years"])
        start = time.perf_counter()
        inputs = self.inputs
        if kind == "model":
            maps = run_model(inputs, task["params"], task["seed"], years)
        elif kind == "neighbourhood":
            maps = run_neighbourhood_null(inputs, task["params"], task["seed"], years)
        elif kind == "persistence":
            maps = run_persistence(inputs, years)
        else:  # pragma: no cover - a programming error
            raise ValueError(f"unknown task kind {kind!r}")
        sim_s = time.perf_counter() - start
        full = bool(task.get("full"))
        out: dict[str, Any] = {"scores": score_maps(inputs, maps, full), "seconds": sim_s}
        if full:
            out["maps"] = {y: np.packbits(m.ravel()) for y, m in maps.items()}
        del maps
        if inputs.grid.valid.size >= 1_000_000:
            _release_memory()
        return out


def _release_memory() -> None:
    """Give freed heap back to the system after a large run (glibc keeps it otherwise, and a worker that
    runs many large models would grow run after run)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass

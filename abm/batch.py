"""Batch sweeps: policies x parameters x seeds, from a laptop's process pool to a Dask cluster, resumable.

A sweep file (TOML, see docs/sweeps.md) names base scenarios, parameter axes sampled as a full grid,
a Latin hypercube or a Sobol sequence (SALib), seeds, an optional ``ticks`` override and the outputs
to keep. ``run_sweep`` resolves every run (scenario + axis values + seed), gives it a stable id (the
first 16 hex digits of the sha256 of its canonical JSON), runs the missing ones on `map_tasks` and
writes, all atomically (abm.atomic):

- ``runs/scenario=<name>/<run_id>.parquet`` the run's time series with run_id / seed / point /
  parameter columns, a Hive-partitioned dataset: ``pandas.read_parquet(out / "runs")`` (or dask's,
  or pyarrow.dataset's with partitioning="hive") adds the scenario column from the folder names;
- ``records/<run_id>.json`` the run's small record: status ok / error, the error, the summary values;
  written last, so it marks a finished run;
- ``snapshots/scenario=<name>/<run_id>/`` a full run folder (grids.nc, final.tif, ...) where asked;
- ``plan.parquet`` every planned run, ``sweep.json`` the resolved sweep, and ``summary.parquet`` one
  row per run rebuilt from the records, sorted by run_id.

Running the same sweep again skips finished runs; a run that raises is recorded and the sweep goes on.
Workers return small results (a time series of ticks + 1 rows), the main process writes each as it
arrives, and at most a few tasks per worker are in flight, so memory stays flat however many runs.

>>> import tempfile
>>> spec = {"scenarios": [scenario_from_dict({"name": "tiny", "region": {"rows": 40, "cols": 40,
...                                                "town_radius_km": 0.5}})],
...         "seeds": [1, 2], "ticks": 2, "axes": {"policy.layout.far_cap_core": [2.0, 3.0]}}
>>> summary = run_sweep(spec, tempfile.mkdtemp(), workers=1, progress=False)
>>> len(summary), sorted(summary["policy.layout.far_cap_core"].unique().tolist()), set(summary["status"])
(4, [2.0, 3.0], {'ok'})
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import itertools
import json
import math
import os
import queue
import sys
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.atomic import atomic_write, atomic_write_text
from abm.errors import ConfigError
from abm.scenario import EFFICIENCY_CARBON_KEYS, Scenario, load_scenario, scenario_from_dict

__all__ = ["map_tasks", "Executor", "run_sweep", "load_sweep", "load_timeseries", "load_sweep_spec", "sweep_from_dict",
           "SweepSpec", "Axis", "WorkerLost", "plan_runs", "run_id_of"]

SAMPLING_METHODS = ("grid", "lhs", "sobol")
TOP_KEYS = ("name", "description", "scenarios", "seeds", "ticks", "overrides", "axes", "sampling", "outputs")
AXIS_KEYS = ("values", "min", "max", "num", "integer", "log")
SAMPLING_KEYS = ("method", "samples", "seed", "second_order")
OUTPUT_KEYS = ("timeseries", "snapshots", "snapshot_seeds")
#: Axes may not vary these: the run's identity is set by the sweep itself.
RESERVED_KEYS = ("name", "description", "schema", "run.seed", "run.ticks")

POINTS = (1, 2, 3, 4, 5)
METRICS = ("cumulative_emissions_t", "peak_emissions_t", "peak_emissions_year", "final_urban_area_km2",
           "final_density_persons_per_ha", "final_carbon_intensity_t_per_gdp")


# ==================================================================================================
# The sweep file
# ==================================================================================================
@dataclass(frozen=True)
class Axis:
    """One varied scenario field: explicit values (levels) or a [min, max] range."""

    key: str                               # dotted scenario key as written (the column name)
    values: tuple[Any, ...] = ()           # explicit levels (grid: all of them; lhs/sobol: equally likely)
    lo: float | None = None
    hi: float | None = None
    num: int | None = None                 # grid: points from lo to hi
    integer: bool = False                  # round to integers (inferred from an integer field)
    log: bool = False                      # spaced / sampled evenly in log

    @property
    def apply_key(self) -> str:
        """Where the value goes: efficiency levers that are carbon factors live in [carbon] once resolved."""
        head, _, last = self.key.rpartition(".")
        return f"carbon.{last}" if head == "policy.efficiency" and last in EFFICIENCY_CARBON_KEYS else self.key

    def grid_values(self) -> list[Any]:
        if self.values:
            return list(self.values)
        if self.log:
            raw = np.geomspace(self.lo, self.hi, self.num)
        else:
            raw = np.linspace(self.lo, self.hi, self.num)
        return [int(round(v)) for v in raw] if self.integer else [float(v) for v in raw]

    def from_unit(self, u: float) -> Any:
        """Map u in [0, 1) to a value: a level with equal chances, or a point of the range."""
        if self.values:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        if self.integer:  # every integer in [lo, hi] equally likely
            lo, hi = int(math.ceil(self.lo)), int(math.floor(self.hi))
            return int(min(lo + math.floor(u * (hi - lo + 1)), hi))
        if self.log:
            return float(math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo))))
        return float(self.lo + u * (self.hi - self.lo))

    def sample_value(self) -> Any:
        return self.values[0] if self.values else (int(math.ceil(self.lo)) if self.integer else float(self.lo))

    def to_dict(self) -> dict[str, Any]:
        if self.values:
            return {"key": self.key, "values": list(self.values)}
        out: dict[str, Any] = {"key": self.key, "min": self.lo, "max": self.hi}
        if self.num is not None:
            out["num"] = self.num
        return out | {"integer": self.integer, "log": self.log}


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base scenarios (overrides applied), axes, sampling, seeds and outputs."""

    name: str
    scenarios: tuple[Scenario, ...]
    seeds: tuple[int, ...]
    description: str = ""
    ticks: int | None = None
    overrides: tuple[tuple[str, Any], ...] = ()
    axes: tuple[Axis, ...] = ()
    method: str = "grid"
    samples: int | None = None
    sampling_seed: int = 0
    second_order: bool = True
    keep_timeseries: bool = True
    snapshots: tuple[str, ...] = ()        # scenario names whose runs keep a full run folder
    snapshot_seeds: tuple[int, ...] | None = None
    source: str = ""

    @property
    def scenario_names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def problem(self) -> dict[str, Any]:
        """The SALib problem of the unit hypercube the lhs / sobol points were drawn from."""
        return {"num_vars": len(self.axes), "names": [a.key for a in self.axes],
                "bounds": [[0.0, 1.0]] * len(self.axes)}

    def points(self) -> list[dict[str, Any]]:
        """The parameter points, in order (index = the `point` column). No axes: one empty point."""
        if not self.axes:
            return [{}]
        if self.method == "grid":
            return [dict(zip((a.key for a in self.axes), combo))
                    for combo in itertools.product(*(a.grid_values() for a in self.axes))]
        if self.method == "lhs":
            from SALib.sample import latin

            unit = latin.sample(self.problem(), self.samples, seed=self.sampling_seed)
        else:
            from SALib.sample import sobol

            unit = sobol.sample(self.problem(), self.samples, calc_second_order=self.second_order,
                                seed=self.sampling_seed)
        return [{a.key: a.from_unit(float(u)) for a, u in zip(self.axes, row)} for row in unit]

    def keeps_snapshot(self, scenario: str, seed: int) -> bool:
        return scenario in self.snapshots and (self.snapshot_seeds is None or seed in self.snapshot_seeds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description, "source": self.source,
            "scenarios": [{"name": s.name, "path": s.source} for s in self.scenarios],
            "seeds": list(self.seeds), "ticks": self.ticks, "overrides": dict(self.overrides),
            "axes": [a.to_dict() for a in self.axes],
            "sampling": {"method": self.method, "samples": self.samples, "seed": self.sampling_seed,
                         "second_order": self.second_order},
            "outputs": {"timeseries": self.keep_timeseries, "snapshots": list(self.snapshots),
                        "snapshot_seeds": None if self.snapshot_seeds is None else list(self.snapshot_seeds)},
            "problem": self.problem(),
        }


def load_sweep_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep TOML file; scenario paths are relative to the sweep file."""
    from abm.tomlio import read_toml

    path = Path(path)
    raw = read_toml(path, "sweep", "sweeps/")
    return sweep_from_dict(raw, base_dir=path.parent, source=str(path), default_name=path.stem)


def sweep_from_dict(raw: dict[str, Any], base_dir: str | Path = ".", source: str = "",
                    default_name: str = "sweep") -> SweepSpec:
    """Validate a sweep given as plain data; errors are ConfigError naming the field.

    ``scenarios`` entries are paths (relative to `base_dir`) or `Scenario` objects (handy in notebooks).
    """
    if not isinstance(raw, dict):
        raise ConfigError("sweep", f"expected a table, got {type(raw).__name__}", "give key = value pairs")
    for key in raw:
        if key not in TOP_KEYS:
            raise ConfigError(key, "unknown field", f"use one of: {', '.join(TOP_KEYS)}")
    name = raw.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise ConfigError("name", f"expected a non-empty string, got {name!r}", 'write name = "my-sweep"')
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ConfigError("description", f"expected a string, got {description!r}", "write it in quotes")
    ticks = raw.get("ticks")
    if ticks is not None and (not _is_int(ticks) or not 1 <= ticks <= 1000):
        raise ConfigError("ticks", f"expected an integer from 1 to 1000, got {ticks!r}", "write e.g. ticks = 50")
    seeds = _parse_seeds(raw.get("seeds"))
    overrides = _flatten_overrides(raw.get("overrides", {}))
    scenarios = _parse_scenarios(raw.get("scenarios"), Path(base_dir), overrides)
    method, samples, sampling_seed, second_order = _parse_sampling(raw.get("sampling", {}))
    axes = _parse_axes(raw.get("axes", {}), method, scenarios)
    if method == "sobol" and len(axes) < 2:
        raise ConfigError("sampling.method", "sobol needs at least two axes", 'use method = "lhs" for one axis')
    if method != "grid" and not axes:
        raise ConfigError("sampling.method", f"{method} samples axes but [axes] is empty", "add axes or use grid")
    keep_ts, snapshots, snapshot_seeds = _parse_outputs(raw.get("outputs", {}), [s.name for s in scenarios], seeds)
    return SweepSpec(name=name, description=description, scenarios=tuple(scenarios), seeds=seeds, ticks=ticks,
                     overrides=tuple(overrides.items()), axes=tuple(axes), method=method, samples=samples,
                     sampling_seed=sampling_seed, second_order=second_order, keep_timeseries=keep_ts,
                     snapshots=snapshots, snapshot_seeds=snapshot_seeds, source=source)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_seeds(raw: Any) -> tuple[int, ...]:
    fix = "write seeds = 20 (seeds 0-19), seeds = [1, 2, 3] or seeds = { start = 100, count = 20 }"
    if raw is None:
        raise ConfigError("seeds", "is required", fix)
    if _is_int(raw):
        if raw < 1:
            raise ConfigError("seeds", f"a count must be >= 1, got {raw}", fix)
        return tuple(range(raw))
    if isinstance(raw, dict):
        for key in raw:
            if key not in ("start", "count"):
                raise ConfigError(f"seeds.{key}", "unknown field", "use start and count")
        start, count = raw.get("start", 0), raw.get("count")
        if not _is_int(start) or start < 0:
            raise ConfigError("seeds.start", f"expected an integer >= 0, got {start!r}", fix)
        if not _is_int(count) or count < 1:
            raise ConfigError("seeds.count", f"expected an integer >= 1, got {count!r}", fix)
        return tuple(range(start, start + count))
    if isinstance(raw, list):
        if not raw:
            raise ConfigError("seeds", "the list is empty", fix)
        for i, seed in enumerate(raw):
            if not _is_int(seed) or not 0 <= seed < 2**63:
                raise ConfigError(f"seeds[{i}]", f"expected an integer >= 0, got {seed!r}", fix)
        if len(set(raw)) != len(raw):
            dup = next(s for s in raw if raw.count(s) > 1)
            raise ConfigError("seeds", f"seed {dup} is listed twice", "list each seed once")
        return tuple(raw)
    raise ConfigError("seeds", f"expected a count, a list or a table, got {raw!r}", fix)


def _flatten_overrides(raw: Any, prefix: str = "") -> dict[str, Any]:
    """[overrides] as dotted keys: quoted ("region.rows" = 60) or nested ([overrides.region] rows = 60)."""
    if not isinstance(raw, dict):
        raise ConfigError(prefix or "overrides", f"expected a table, got {raw!r}",
                          'write [overrides] with "dotted.key" = value lines')
    out: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not _is_year_table(value):
            out.update(_flatten_overrides(value, dotted))
        else:
            out[dotted] = value
    return out


def _is_year_table(value: dict) -> bool:
    return bool(value) and all(str(k).lstrip("-").isdigit() for k in value)


def _parse_scenarios(raw: Any, base_dir: Path, overrides: dict[str, Any]) -> list[Scenario]:
    fix = 'write scenarios = ["../scenarios/compact.toml", "../scenarios/sprawl.toml"] (relative to the sweep file)'
    if raw is None:
        raise ConfigError("scenarios", "is required", fix)
    if isinstance(raw, (str, Scenario)):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ConfigError("scenarios", f"expected a non-empty list of scenario files, got {raw!r}", fix)
    out: list[Scenario] = []
    for i, entry in enumerate(raw):
        where = f"scenarios[{i}]"
        if isinstance(entry, Scenario):
            scenario = entry
        elif isinstance(entry, (str, Path)):
            path = Path(entry)
            path = path if path.is_absolute() else base_dir / path
            if not path.is_file():
                raise ConfigError(where, f"scenario file {str(path)!r} not found",
                                  "give the path relative to the sweep file, e.g. \"../scenarios/compact.toml\"")
            try:
                scenario = load_scenario(path.resolve())
            except ConfigError as err:
                raise ConfigError(where, f"{entry}: {err}") from None
        else:
            raise ConfigError(where, f"expected a file name, got {entry!r}", fix)
        if overrides:
            try:
                scenario = scenario.with_overrides(overrides)
            except ConfigError as err:
                raise ConfigError(f"overrides.{err.field}", err.problem, err.fix) from None
        out.append(scenario)
    names = [s.name for s in out]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ConfigError(f"scenarios[{i}]", f"two scenarios are named {name!r} (results are grouped by name)",
                              "give each scenario file its own name = \"...\"")
    return out


def _parse_sampling(raw: Any) -> tuple[str, int | None, int, bool]:
    if not isinstance(raw, dict):
        raise ConfigError("sampling", f"expected a table, got {raw!r}", 'write [sampling] method = "lhs"')
    for key in raw:
        if key not in SAMPLING_KEYS:
            raise ConfigError(f"sampling.{key}", "unknown field", f"use one of: {', '.join(SAMPLING_KEYS)}")
    method = raw.get("method", "grid")
    if method not in SAMPLING_METHODS:
        raise ConfigError("sampling.method", f"{method!r} is not a valid choice",
                          f"use one of {', '.join(map(repr, SAMPLING_METHODS))}")
    samples = raw.get("samples")
    if method == "grid" and samples is not None:
        raise ConfigError("sampling.samples", "a grid takes every combination of the axes' values",
                          'remove samples, or use method = "lhs" / "sobol"')
    if method != "grid":
        if not _is_int(samples) or samples < 1:
            raise ConfigError("sampling.samples", f"{method} needs samples = an integer >= 1, got {samples!r}",
                              "write e.g. samples = 64")
        if method == "sobol" and samples & (samples - 1):
            lower = 1 << (samples.bit_length() - 1)
            raise ConfigError("sampling.samples", f"sobol needs a power of two, got {samples}",
                              f"use {lower} or {lower * 2} (runs = samples x (2 x axes + 2) x scenarios x seeds)")
    seed = raw.get("seed", 0)
    if not _is_int(seed) or seed < 0:
        raise ConfigError("sampling.seed", f"expected an integer >= 0, got {seed!r}", "write e.g. seed = 0")
    second = raw.get("second_order", True)
    if not isinstance(second, bool):
        raise ConfigError("sampling.second_order", f"expected true or false, got {second!r}", "write true or false")
    return method, samples, seed, second


def _flatten_axes(raw: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in raw.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and not set(value) <= set(AXIS_KEYS):
            if set(value) & set(AXIS_KEYS):
                bad = sorted(set(value) - set(AXIS_KEYS))[0]
                raise ConfigError(f"axes.{dotted}.{bad}", "unknown field", f"use one of: {', '.join(AXIS_KEYS)}")
            yield from _flatten_axes(value, dotted)
        else:
            yield dotted, value


def _lookup(data: dict[str, Any], dotted: str) -> tuple[bool, Any]:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _normalise_levels(where: str, values: list[Any]) -> tuple[Any, ...]:
    fix = "give numbers, strings or true/false, all of one kind, e.g. [2.0, 3.0, 4.0]"
    if not values:
        raise ConfigError(where, "the list of values is empty", fix)
    if all(isinstance(v, bool) for v in values) or all(isinstance(v, str) for v in values):
        levels = list(values)
    elif all(_is_number(v) for v in values):
        levels = values if all(_is_int(v) for v in values) else [float(v) for v in values]
    else:
        raise ConfigError(where, f"values must be numbers, strings or booleans of one kind, got {values!r}", fix)
    for v in levels:
        if isinstance(v, float) and not math.isfinite(v):
            raise ConfigError(where, f"value {v} is not finite", fix)
    if len(set(levels)) != len(levels):
        raise ConfigError(where, "a value is listed twice", "list each value once")
    return tuple(levels)


def _parse_axes(raw: Any, method: str, scenarios: list[Scenario]) -> list[Axis]:
    if not isinstance(raw, dict):
        raise ConfigError("axes", f"expected a table, got {raw!r}",
                          'write [axes] with "policy.layout.far_cap_core" = [2.0, 3.0] lines')
    bases = [s.to_dict() for s in scenarios]
    axes: list[Axis] = []
    for key, spec in _flatten_axes(raw):
        where = f"axes.{key}"
        if key in RESERVED_KEYS:
            raise ConfigError(where, "cannot be an axis", "seeds and ticks are set at the top of the sweep file")
        if isinstance(spec, list):
            axis = Axis(key, values=_normalise_levels(where, spec))
        elif isinstance(spec, dict):
            axis = _range_axis(where, key, spec, method)
        else:
            raise ConfigError(where, f"expected a list of values or {{ min = ..., max = ... }}, got {spec!r}",
                              "write e.g. [2.0, 3.0] or { min = 2.0, max = 4.0 }; a fixed value goes in [overrides]")
        axis = _check_axis_key(where, axis, scenarios, bases)
        axes.append(axis)
    return axes


def _range_axis(where: str, key: str, spec: dict[str, Any], method: str) -> Axis:
    if "values" in spec:
        others = sorted(set(spec) - {"values"})
        if others:
            raise ConfigError(f"{where}.{others[0]}", "cannot be combined with values", "give values or min/max")
        if not isinstance(spec["values"], list):
            raise ConfigError(f"{where}.values", f"expected a list, got {spec['values']!r}", "write values = [1, 2]")
        return Axis(key, values=_normalise_levels(f"{where}.values", spec["values"]))
    lo, hi = spec.get("min"), spec.get("max")
    for name, v in (("min", lo), ("max", hi)):
        if not _is_number(v) or not math.isfinite(v):
            raise ConfigError(f"{where}.{name}", f"expected a number, got {v!r}", "write { min = 2.0, max = 4.0 }")
    if not lo < hi:
        raise ConfigError(where, f"min ({lo}) must be below max ({hi})", "swap them or widen the range")
    integer, log = spec.get("integer", False), spec.get("log", False)
    for name, v in (("integer", integer), ("log", log)):
        if not isinstance(v, bool):
            raise ConfigError(f"{where}.{name}", f"expected true or false, got {v!r}", "write true or false")
    if log and lo <= 0:
        raise ConfigError(f"{where}.min", "a log axis needs min > 0", "use a positive min or log = false")
    if integer and math.floor(hi) < math.ceil(lo):
        raise ConfigError(where, f"no integer lies in [{lo}, {hi}]", "widen the range")
    num = spec.get("num")
    if method == "grid":
        if not _is_int(num) or num < 2:
            raise ConfigError(f"{where}.num", f"a grid range needs num = an integer >= 2, got {num!r}",
                              "write e.g. { min = 2.0, max = 4.0, num = 5 } or a list of values")
    elif num is not None:
        raise ConfigError(f"{where}.num", f"num is for grids; {method} draws sampling.samples points",
                          "remove num")
    return Axis(key, lo=float(lo), hi=float(hi), num=num, integer=integer, log=log)


def _check_axis_key(where: str, axis: Axis, scenarios: list[Scenario], bases: list[dict]) -> Axis:
    """Refuse a key no scenario has (a typo) now, rather than as one error per run."""
    found, current = _lookup(bases[0], axis.apply_key)
    if found and isinstance(current, dict) and not _is_year_table(current) and current:
        raise ConfigError(where, "is a table, not a field", "name a field inside it, e.g. policy.layout.far_cap_core")
    if found and _is_int(current) and not axis.values and not axis.integer:
        axis = dataclasses.replace(axis, integer=True)  # an integer field: draw integers
        if math.floor(axis.hi) < math.ceil(axis.lo):
            raise ConfigError(where, f"the field is an integer but no integer lies in [{axis.lo}, {axis.hi}]",
                              "widen the range")
    for scenario in scenarios:
        try:
            scenario.with_overrides({axis.apply_key: axis.sample_value()})
        except ConfigError as err:
            if err.problem == "unknown field" or "is not a table" in err.problem:
                raise ConfigError(where, f"not a scenario field ({err.field}: {err.problem})",
                                  err.fix or "see docs/scenarios.md for the fields") from None
            # any other refusal depends on the value: recorded per run, the others still run
    return axis


def _parse_outputs(raw: Any, names: list[str], seeds: tuple[int, ...]) -> tuple[bool, tuple[str, ...], tuple | None]:
    if not isinstance(raw, dict):
        raise ConfigError("outputs", f"expected a table, got {raw!r}", "write [outputs] timeseries = true")
    for key in raw:
        if key not in OUTPUT_KEYS:
            raise ConfigError(f"outputs.{key}", "unknown field", f"use one of: {', '.join(OUTPUT_KEYS)}")
    keep = raw.get("timeseries", True)
    if not isinstance(keep, bool):
        raise ConfigError("outputs.timeseries", f"expected true or false, got {keep!r}", "write true or false")
    snaps = raw.get("snapshots", False)
    if isinstance(snaps, bool):
        chosen = tuple(names) if snaps else ()
    elif isinstance(snaps, list) and all(isinstance(s, str) for s in snaps):
        for s in snaps:
            if s not in names:
                raise ConfigError("outputs.snapshots", f"no scenario is named {s!r}", f"use names from: {', '.join(names)}")
        chosen = tuple(snaps)
    else:
        raise ConfigError("outputs.snapshots", f"expected true, false or a list of scenario names, got {snaps!r}",
                          'write snapshots = ["compact"]')
    snap_seeds = raw.get("snapshot_seeds")
    if snap_seeds is not None:
        if not isinstance(snap_seeds, list) or not all(_is_int(s) for s in snap_seeds):
            raise ConfigError("outputs.snapshot_seeds", f"expected a list of seeds, got {snap_seeds!r}",
                              "write snapshot_seeds = [0]")
        missing = [s for s in snap_seeds if s not in seeds]
        if missing:
            raise ConfigError("outputs.snapshot_seeds", f"seed {missing[0]} is not among the sweep's seeds",
                              "pick seeds from the seeds list")
        snap_seeds = tuple(snap_seeds)
    return keep, chosen, snap_seeds


def _coerce_spec(spec: str | Path | dict | SweepSpec) -> SweepSpec:
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return sweep_from_dict(spec)
    return load_sweep_spec(spec)


# ==================================================================================================
# Planning: every run with its resolved scenario and stable id
# ==================================================================================================
@dataclass(frozen=True)
class PlannedRun:
    run_id: str
    scenario: str
    seed: int
    point: int
    params: tuple[tuple[str, Any], ...]
    resolved: dict[str, Any] | None       # the resolved scenario (run.seed set); None if it is invalid
    source: str = ""
    error: str = ""                       # why the scenario could not be resolved


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def run_id_of(resolved: dict[str, Any], seed: int) -> str:
    """The stable id of a run: sha256 of the canonical JSON of its resolved scenario and seed, 16 hex.

    >>> run_id_of({"name": "a", "run": {"seed": 1}}, 1) == run_id_of({"run": {"seed": 1}, "name": "a"}, 1)
    True
    """
    return hashlib.sha256(canonical_json({"scenario": resolved, "seed": int(seed)}).encode()).hexdigest()[:16]


def plan_runs(spec: SweepSpec) -> list[PlannedRun]:
    """Every run of the sweep, scenario by scenario, point by point, seed by seed (duplicates included)."""
    from abm.scenario import set_dotted

    points = spec.points()
    runs: list[PlannedRun] = []
    for scenario in spec.scenarios:
        base = scenario.to_dict()
        if spec.ticks is not None:
            base["run"]["ticks"] = spec.ticks
        for index, point in enumerate(points):
            raw = copy.deepcopy(base)
            error = ""
            try:
                for axis in spec.axes:
                    set_dotted(raw, axis.apply_key, point[axis.key])
                resolved = scenario_from_dict(raw, source=scenario.source).to_dict()
            except ConfigError as err:
                resolved, error = None, f"ConfigError: {err}"
            params = tuple((a.key, point[a.key]) for a in spec.axes)
            for seed in spec.seeds:
                if resolved is not None:
                    run = copy.deepcopy(resolved)
                    run["run"]["seed"] = int(seed)
                    run_id = run_id_of(run, seed)
                else:
                    run = None
                    bad = copy.deepcopy(raw)
                    bad["run"]["seed"] = int(seed)
                    run_id = run_id_of({"unresolved": bad}, seed)
                runs.append(PlannedRun(run_id, scenario.name, int(seed), index, params, run, scenario.source, error))
    return runs


def _partition(name: str) -> str:
    return "scenario=" + urllib.parse.quote(name, safe=" -_.+")


def _run_file(out: Path, run: PlannedRun) -> Path:
    return out / "runs" / _partition(run.scenario) / f"{run.run_id}.parquet"


def _snapshot_dir(out: Path, run: PlannedRun) -> Path:
    return out / "snapshots" / _partition(run.scenario) / run.run_id


def _record_file(out: Path, run_id: str) -> Path:
    return out / "records" / f"{run_id}.json"


# ==================================================================================================
# One run (in a worker)
# ==================================================================================================
def summarise_run(ts: pd.DataFrame, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary values of one run: inflection states and years, emissions, final urban form."""
    out: dict[str, Any] = {}
    byid = {int(e["id"]): e for e in events}
    for pid in POINTS:
        e = byid.get(pid, {})
        out[f"state_{pid}"] = e.get("state", "not_reached")
        out[f"year_{pid}"] = None if e.get("year") is None else int(e["year"])
    emissions = ts["emissions_total_t"].to_numpy(dtype=float)
    last = ts.iloc[-1]
    out["cumulative_emissions_t"] = float(emissions.sum())
    out["peak_emissions_t"] = float(emissions.max())
    out["peak_emissions_year"] = int(ts["year"].iloc[int(np.argmax(emissions))])
    out["final_urban_area_km2"] = float(last["urban_area_km2"])
    out["final_density_persons_per_ha"] = float(last["mean_density_persons_per_ha"])
    out["final_carbon_intensity_t_per_gdp"] = float(last["carbon_intensity_t_per_gdp"])
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


def _execute(task: dict[str, Any]) -> dict[str, Any]:
    """Run one planned run from its resolved scenario; never raises (an error becomes the outcome)."""
    start = time.perf_counter()
    try:
        from abm import runner

        scenario = scenario_from_dict(task["scenario"], source=task["source"])
        snap = task["snapshot_dir"]
        result = runner.run_scenario(scenario, out_dir=snap, snapshots=snap is not None)
        return {"run_id": task["run_id"], "status": "ok", "error": None,
                "metrics": summarise_run(result.timeseries, result.events),
                "timeseries": result.timeseries if task["keep_timeseries"] else None,
                "elapsed_s": time.perf_counter() - start}
    except Exception as err:  # noqa: BLE001 - a failed run is data, the sweep goes on
        return {"run_id": task["run_id"], "status": "error", "error": f"{type(err).__name__}: {err}",
                "traceback": traceback.format_exc(limit=-8), "metrics": {}, "timeseries": None,
                "elapsed_s": time.perf_counter() - start}


# ==================================================================================================
# The generic executor
# ==================================================================================================
def add_executor_arguments(parser, workers_help: str) -> None:
    """The `--workers N | --scheduler ADDRESS` flags every parallel command shares (sweep, calibrate)."""
    parser.add_argument("--workers", type=int, metavar="N", help=workers_help)
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help='a Dask scheduler, e.g. tcp://10.0.0.5:8786, or "local" for a Dask LocalCluster')


def check_executor_arguments(workers: int | None, scheduler: str | None, min_workers: int = 1) -> None:
    """Refuse bad `--workers` / `--scheduler` values in one line (abm.errors.UserFacingError)."""
    from abm.errors import UserFacingError

    if workers is not None and workers < min_workers:
        raise UserFacingError(f"--workers: must be >= {min_workers} (fix: e.g. --workers 2)")
    if workers is not None and scheduler:
        raise UserFacingError("--workers and --scheduler: give one of them (fix: the Dask cluster decides its workers)")
    if scheduler is not None and scheduler != "local" and "://" not in scheduler:
        raise UserFacingError(f"--scheduler: {scheduler!r} is not an address (fix: e.g. tcp://10.0.0.5:8786 or local)")


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory) so its tasks have no result."""


def cpu_count() -> int:
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
    _check_chunk(chunk)
    if executor.serial:
        return _serial(fn, tasks)
    return _map_and_close(executor, fn, tasks, chunk, ordered)


def _map_and_close(executor: Executor, fn, tasks, chunk, ordered) -> Iterator[tuple[Any, Any]]:
    with executor:
        yield from executor.map(fn, tasks, chunk, ordered=ordered)


def _check_chunk(chunk: Any) -> None:
    if chunk is not None and (not _is_int(chunk) or chunk < 1):
        raise ConfigError("chunk", f"must be an integer >= 1, got {chunk!r}", "e.g. chunk=10 or None (adaptive)")


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
        if isinstance(scheduler, str) and scheduler != "local" and "://" not in scheduler:
            raise ConfigError("scheduler", f"{scheduler!r} is not a scheduler address",
                              'give e.g. "tcp://10.0.0.5:8786" or "local"')
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
        _check_chunk(chunk)
        if self.serial:
            return _serial(fn, tasks)
        self.open()
        total = len(tasks) if hasattr(tasks, "__len__") else None  # type: ignore[arg-type]
        return _drive(self._backend, fn, tasks, chunk, ordered, total)


def _serial(fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    for task in tasks:
        yield task, fn(task)


_FN_CACHE: dict[bytes, Callable] = {}


def _call_chunk(payload: bytes, tasks: list[Any]) -> tuple[list[tuple[bool, Any]], float]:
    """Worker side: run a chunk, returning each result or a picklable error, and the time taken."""
    import pickle

    fn = _FN_CACHE.get(payload)
    if fn is None:
        import cloudpickle

        _FN_CACHE.clear()
        fn = _FN_CACHE[payload] = cloudpickle.loads(payload)
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
        except (OSError, TimeoutError) as err:
            raise ConfigError("scheduler", f"cannot connect to {scheduler}: {err}",
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


# ==================================================================================================
# The sweep
# ==================================================================================================
def run_sweep(sweep: str | Path | dict | SweepSpec, out_dir: str | Path, workers: int | None = None,
              scheduler: Any = None, *, retry_failed: bool = False, progress: bool = True,
              chunk: int | None = None) -> pd.DataFrame:
    """Run a sweep (file, dict or SweepSpec) into `out_dir` and return its summary (one row per run).

    Finished runs already in `out_dir` are skipped (runs that failed too, unless ``retry_failed``),
    so an interrupted sweep is resumed by running it again. `workers` / `scheduler` are those of
    `map_tasks`. The summary is also written to ``out_dir/summary.parquet``.
    """
    spec = _coerce_spec(sweep)
    executor = Executor(workers, scheduler)  # bad workers / scheduler refused before anything is written
    _check_chunk(chunk)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with _exclusive(out), contextlib.ExitStack() as stack:
        _remove_partial_files(out)
        plan = plan_runs(spec)
        _write_plan(out, spec, plan)
        seen: set[str] = set()  # identical resolved scenario + seed: one run (the first point naming it)
        unique = [run for run in plan if not (run.run_id in seen or seen.add(run.run_id))]
        finished = finished_runs(out, spec, unique, retry_failed)
        todo = [run for run in unique if run.run_id not in finished]
        runnable = [run for run in todo if run.resolved is not None]
        if runnable:
            stack.enter_context(executor)  # start the pool / connect now: a bad address fails before the bar
        state = {"ok": 0, "failed": 0}
        bar = _progress_bar(spec, len(unique), len(unique) - len(todo), progress)

        def tick(outcome: dict[str, Any]) -> None:
            state["ok" if outcome["status"] == "ok" else "failed"] += 1
            bar.set_postfix_str(_postfix(state, bar.total - bar.n - 1), refresh=False)
            bar.update(1)

        try:
            for run in todo:
                if run.resolved is None:  # the axis values make an invalid scenario: recorded, not run
                    outcome = {"run_id": run.run_id, "status": "error", "error": run.error, "metrics": {},
                               "timeseries": None, "elapsed_s": 0.0}
                    _store(out, spec, run, outcome)
                    tick(outcome)
            by_id = {run.run_id: run for run in runnable}
            tasks = _Sized((_task(out, spec, run) for run in runnable), len(runnable))
            for task, outcome in executor.map(_execute, tasks, chunk):
                _store(out, spec, by_id.pop(task["run_id"]), outcome)
                tick(outcome)
        finally:
            bar.close()
            summary = rebuild_summary(out)
    summary.attrs.update(_last_session(len(unique), len(unique) - len(todo), state))
    return summary


class _Sized:
    """A lazy iterable that knows its length (map_tasks sizes its chunks with it)."""

    def __init__(self, it: Iterator[Any], n: int) -> None:
        self.it, self.n = it, n

    def __iter__(self) -> Iterator[Any]:
        return self.it

    def __len__(self) -> int:
        return self.n


def _last_session(total: int, skipped: int, state: dict[str, int]) -> dict[str, int]:
    return {"runs": total, "skipped": skipped, "ran_ok": state["ok"], "ran_failed": state["failed"]}


def _task(out: Path, spec: SweepSpec, run: PlannedRun) -> dict[str, Any]:
    snap = _snapshot_dir(out, run) if spec.keeps_snapshot(run.scenario, run.seed) else None
    return {"run_id": run.run_id, "scenario": run.resolved, "source": run.source,
            "snapshot_dir": None if snap is None else str(snap), "keep_timeseries": spec.keep_timeseries}


def _progress_bar(spec: SweepSpec, total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=initial, desc=spec.name, unit="run", disable=not enabled, file=sys.stderr,
               dynamic_ncols=True, mininterval=0.5, smoothing=0.1)
    bar.set_postfix_str(_postfix({"ok": 0, "failed": 0}, total - initial), refresh=False)
    return bar


def _postfix(state: dict[str, int], left: int) -> str:
    return f"ok={state['ok']} failed={state['failed']} left={left}"


class _exclusive:
    """Hold an exclusive lock on the output folder so that two sweeps never write into it at once."""

    def __init__(self, out: Path) -> None:
        self.out, self.fd = out, None

    def __enter__(self) -> _exclusive:
        import fcntl

        self.fd = os.open(self.out, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            raise ConfigError(str(self.out), "another sweep is writing into this folder",
                              "wait for it to finish or choose another output folder") from None
        except OSError:  # a filesystem without locks (some network mounts): go on unlocked
            pass
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock (a killed process releases it too)


def _remove_partial_files(out: Path) -> None:
    """Temporary files of writes cut short by a kill (abm.atomic names them .<name>.<random>.part)."""
    for path in out.rglob(".*.part"):
        if path.is_file():
            path.unlink(missing_ok=True)


def _write_plan(out: Path, spec: SweepSpec, plan: list[PlannedRun]) -> None:
    frame = _plan_frame(spec, plan)
    atomic_write(out / "plan.parquet", lambda tmp: frame.to_parquet(tmp, index=False))
    atomic_write_text(out / "sweep.json", json.dumps(spec.to_dict(), indent=1, default=str) + "\n")


def _plan_frame(spec: SweepSpec, plan: list[PlannedRun]) -> pd.DataFrame:
    data: dict[str, Any] = {
        "run_id": pd.array([r.run_id for r in plan], dtype="str"),
        "scenario": pd.array([r.scenario for r in plan], dtype="str"),
        "seed": np.array([r.seed for r in plan], dtype=np.int64),
        "point": np.array([r.point for r in plan], dtype=np.int64),
    }
    for i, axis in enumerate(spec.axes):
        data[axis.key] = _param_array([r.params[i][1] for r in plan])
    return pd.DataFrame(data)


def _param_array(values: list[Any]):
    if values and all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if values and all(_is_int(v) for v in values):
        return np.array(values, dtype=np.int64)
    if all(_is_number(v) for v in values):
        return np.array(values, dtype=np.float64)
    return pd.array([str(v) for v in values], dtype="str")


def finished_runs(out: Path, spec: SweepSpec, runs: list[PlannedRun], retry_failed: bool) -> set[str]:
    """Runs whose record exists (ok, or failed unless retried) and whose kept outputs are all there."""
    records = {p.stem for p in (out / "records").glob("*.json")}
    done = set()
    for run in runs:
        if run.run_id not in records:
            continue
        status = _read_record(out, run.run_id).get("status")
        if status == "error":
            if not retry_failed:
                done.add(run.run_id)
            continue
        if spec.keep_timeseries and not _run_file(out, run).is_file():
            continue
        if spec.keeps_snapshot(run.scenario, run.seed) and not (_snapshot_dir(out, run) / "manifest.json").is_file():
            continue
        done.add(run.run_id)
    return done


def _read_record(out: Path, run_id: str) -> dict[str, Any]:
    try:
        return json.loads(_record_file(out, run_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _store(out: Path, spec: SweepSpec, run: PlannedRun, outcome: dict[str, Any]) -> None:
    """Write a finished run: its time series first, then its record (which marks it finished)."""
    ts = outcome.get("timeseries")
    if outcome["status"] == "ok" and spec.keep_timeseries and ts is not None:
        table = _run_table(run, ts)
        import pyarrow.parquet as pq

        atomic_write(_run_file(out, run), lambda tmp: pq.write_table(table, tmp))
    record = {"run_id": run.run_id, "scenario": run.scenario, "seed": run.seed, "point": run.point,
              "params": dict(run.params), "status": outcome["status"], "error": outcome.get("error"),
              **{k: outcome["metrics"].get(k) for k in _metric_columns()},
              "elapsed_s": round(float(outcome.get("elapsed_s", 0.0)), 3)}
    if outcome.get("traceback"):
        record["traceback"] = outcome["traceback"]
    atomic_write_text(_record_file(out, run.run_id), json.dumps(record, indent=1, allow_nan=False) + "\n")


def _run_table(run: PlannedRun, ts: pd.DataFrame):
    import pyarrow as pa

    n = len(ts)
    table = pa.Table.from_pandas(ts, preserve_index=False)
    # No scenario column: as in every Hive-partitioned dataset, the folder scenario=<name> holds it, and
    # pandas, dask and pyarrow add it on reading (a copy inside the files clashes with it there).
    front = [("run_id", pa.array([run.run_id] * n, pa.string())),
             ("seed", pa.array([run.seed] * n, pa.int64())),
             ("point", pa.array([run.point] * n, pa.int64()))]
    front += [(key, pa.array(_param_array([value] * n))) for key, value in run.params]
    for i, (name, column) in enumerate(front):
        table = table.add_column(i, name, column)
    return table


def _metric_columns() -> list[str]:
    return [f"state_{p}" for p in POINTS] + [f"year_{p}" for p in POINTS] + list(METRICS)


def rebuild_summary(out_dir: str | Path, write: bool = True) -> pd.DataFrame:
    """The summary rebuilt from the per-run records of the planned runs, sorted by run_id.

    Complete and deterministic: the same runs give the same table (and file) whatever the order or
    the number of workers they ran on. Written atomically to ``summary.parquet`` unless ``write=False``.
    """
    out = Path(out_dir)
    plan = pd.read_parquet(out / "plan.parquet")
    plan = plan.drop_duplicates("run_id").sort_values("run_id", kind="stable").reset_index(drop=True)
    records = [_read_record(out, run_id) for run_id in plan["run_id"]]
    keep = np.array([bool(r) for r in records], dtype=bool)
    summary = plan.loc[keep].reset_index(drop=True)
    records = [r for r in records if r]
    summary["status"] = pd.array([r.get("status") for r in records], dtype="str")
    summary["error"] = pd.array([r.get("error") for r in records], dtype="str")
    for pid in POINTS:
        summary[f"state_{pid}"] = pd.array([r.get(f"state_{pid}") for r in records], dtype="str")
    for pid in POINTS:
        summary[f"year_{pid}"] = pd.array([r.get(f"year_{pid}") for r in records], dtype="Int64")
    for name in METRICS:
        values = [r.get(name) for r in records]
        summary[name] = (pd.array(values, dtype="Int64") if name.endswith("_year")
                         else np.array([np.nan if v is None else v for v in values], dtype=np.float64))
    if write:
        atomic_write(out / "summary.parquet", lambda tmp: summary.to_parquet(tmp, index=False))
    return summary


# ==================================================================================================
# Reading a sweep back
# ==================================================================================================
def load_sweep(out_dir: str | Path) -> pd.DataFrame:
    """The summary of a sweep folder (rebuilt from the records if summary.parquet is missing).

    ``.attrs["sweep"]`` holds the resolved sweep (sweep.json); the time series come from
    `load_timeseries`.
    """
    out = Path(out_dir)
    if not (out / "plan.parquet").is_file():
        raise ConfigError(str(out), "is not a sweep folder (no plan.parquet)", "give the --out folder of `abm sweep`")
    path = out / "summary.parquet"
    summary = pd.read_parquet(path) if path.is_file() else rebuild_summary(out, write=False)
    try:
        summary.attrs["sweep"] = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary.attrs["sweep"] = {}
    return summary


def load_timeseries(out_dir: str | Path, columns: list[str] | None = None,
                    scenarios: list[str] | None = None) -> pd.DataFrame:
    """The per-run time series of a sweep folder as one frame (only `columns`, only `scenarios`).

    Only runs of the folder's current plan are returned (a folder reused with other axes keeps the
    older runs' files, which the plan no longer names).
    """
    out = Path(out_dir)
    runs = out / "runs"
    if not runs.is_dir() or not any(runs.rglob("*.parquet")):
        return pd.DataFrame(columns=columns or [])
    filters = [("scenario", "in", list(scenarios))] if scenarios else None
    wanted = None if columns is None else list(dict.fromkeys([*columns, "run_id"]))
    frame = pd.read_parquet(runs, columns=wanted, filters=filters)
    if (out / "plan.parquet").is_file():
        planned = pd.read_parquet(out / "plan.parquet", columns=["run_id"])["run_id"]
        frame = frame[frame["run_id"].isin(planned)].reset_index(drop=True)
    if columns is not None:
        frame = frame[list(columns)]
    if "scenario" in frame:
        frame["scenario"] = frame["scenario"].astype(str)
    return frame

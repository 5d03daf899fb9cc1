"""The sweep file: parsing and validation into a `SweepSpec` (see docs/sweeps.md).

A sweep names base scenarios (with fixed ``[overrides]``), parameter axes (dotted scenario keys)
sampled as a full grid, a Latin hypercube or a Sobol sequence (SALib), seeds, an optional ``ticks``
override and the outputs to keep. Every mistake is refused before anything runs, as a ConfigError
naming the field, so that a planner's typo costs one line rather than a thousand failed runs.

>>> from abm.scenario import scenario_from_dict
>>> tiny = scenario_from_dict({"name": "tiny", "region": {"rows": 40, "cols": 40, "town_radius_km": 0.5}})
>>> spec = sweep_from_dict({"scenarios": [tiny], "seeds": 3, "axes": {"policy.layout.far_cap_core": [2.0, 3.0]}})
>>> spec.seeds, spec.points()
((0, 1, 2), [{'policy.layout.far_cap_core': 2.0}, {'policy.layout.far_cap_core': 3.0}])
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from abm.errors import ConfigError
from abm.scenario import EFFICIENCY_CARBON_KEYS, Scenario, load_scenario

__all__ = ["load_sweep_spec", "sweep_from_dict", "as_sweep_spec", "SweepSpec", "Axis", "is_int", "is_number",
           "SAMPLING_METHODS", "TOP_KEYS", "AXIS_KEYS", "SAMPLING_KEYS", "OUTPUT_KEYS", "RESERVED_KEYS"]

SAMPLING_METHODS = ("grid", "lhs", "sobol")
TOP_KEYS = ("name", "description", "scenarios", "seeds", "ticks", "overrides", "axes", "sampling", "outputs")
AXIS_KEYS = ("values", "min", "max", "num", "integer", "log")
SAMPLING_KEYS = ("method", "samples", "seed", "second_order")
OUTPUT_KEYS = ("timeseries", "snapshots", "snapshot_seeds")
#: Axes may not vary these: the run's identity is set by the sweep itself.
RESERVED_KEYS = ("name", "description", "schema", "run.seed", "run.ticks")


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
    if ticks is not None and (not is_int(ticks) or not 1 <= ticks <= 1000):
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


def is_int(value: Any) -> bool:
    """An integer that is not a boolean (TOML's true is an int to Python, never a seed or a count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """An int or a float that is not a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_seeds(raw: Any) -> tuple[int, ...]:
    fix = "write seeds = 20 (seeds 0-19), seeds = [1, 2, 3] or seeds = { start = 100, count = 20 }"
    if raw is None:
        raise ConfigError("seeds", "is required", fix)
    if is_int(raw):
        if raw < 1:
            raise ConfigError("seeds", f"a count must be >= 1, got {raw}", fix)
        return tuple(range(raw))
    if isinstance(raw, dict):
        for key in raw:
            if key not in ("start", "count"):
                raise ConfigError(f"seeds.{key}", "unknown field", "use start and count")
        start, count = raw.get("start", 0), raw.get("count")
        if not is_int(start) or start < 0:
            raise ConfigError("seeds.start", f"expected an integer >= 0, got {start!r}", fix)
        if not is_int(count) or count < 1:
            raise ConfigError("seeds.count", f"expected an integer >= 1, got {count!r}", fix)
        return tuple(range(start, start + count))
    if isinstance(raw, list):
        if not raw:
            raise ConfigError("seeds", "the list is empty", fix)
        for i, seed in enumerate(raw):
            if not is_int(seed) or not 0 <= seed < 2**63:
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
        if not is_int(samples) or samples < 1:
            raise ConfigError("sampling.samples", f"{method} needs samples = an integer >= 1, got {samples!r}",
                              "write e.g. samples = 64")
        if method == "sobol" and samples & (samples - 1):
            lower = 1 << (samples.bit_length() - 1)
            raise ConfigError("sampling.samples", f"sobol needs a power of two, got {samples}",
                              f"use {lower} or {lower * 2} (runs = samples x (2 x axes + 2) x scenarios x seeds)")
    seed = raw.get("seed", 0)
    if not is_int(seed) or seed < 0:
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
    elif all(is_number(v) for v in values):
        levels = values if all(is_int(v) for v in values) else [float(v) for v in values]
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
        if not is_number(v) or not math.isfinite(v):
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
        if not is_int(num) or num < 2:
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
    if found and is_int(current) and not axis.values and not axis.integer:
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
        if not isinstance(snap_seeds, list) or not all(is_int(s) for s in snap_seeds):
            raise ConfigError("outputs.snapshot_seeds", f"expected a list of seeds, got {snap_seeds!r}",
                              "write snapshot_seeds = [0]")
        missing = [s for s in snap_seeds if s not in seeds]
        if missing:
            raise ConfigError("outputs.snapshot_seeds", f"seed {missing[0]} is not among the sweep's seeds",
                              "pick seeds from the seeds list")
        snap_seeds = tuple(snap_seeds)
    return keep, chosen, snap_seeds


def as_sweep_spec(spec: str | Path | dict | SweepSpec) -> SweepSpec:
    """A SweepSpec from a sweep file's path, a dict with its keys, or a SweepSpec (returned as is)."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return sweep_from_dict(spec)
    return load_sweep_spec(spec)

"""The sweep file: parsing and validation into a `SweepSpec` (see docs/sweeps.md).

A sweep names base scenarios (with fixed ``[overrides]``), parameter axes (dotted scenario keys)
sampled as a full grid, a Latin hypercube or a Sobol sequence (SALib), seeds, an optional ``ticks``
override and the outputs to keep. Every mistake is refused before anything runs, as a ConfigError
naming the field, so that a planner's typo costs one line rather than a thousand failed runs.

The file's fields are declared once, as `abm.schema` sections (`SweepFile`, `SamplingConfig`,
`OutputsConfig`, `SeedRange`, `AxisRange`): the engine checks each field on its own and writes the
field table of docs/sweeps.md (`sweep_reference_markdown`). What relates fields (the sampling method
against the sample size and the axes, axis keys against the scenarios, snapshot names and seeds
against the sweep's own) is checked here, grouped, while `sweep_from_dict` resolves the file into a
`SweepSpec` (scenario files read, overrides applied, seeds listed).

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
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from abm.errors import ConfigError
from abm.scenario import EFFICIENCY_CARBON_KEYS, Scenario, load_scenario
from abm.schema import (build, expect_table, fields_of, flatten_dotted, folder_name, is_year_table, read_as,
                        reference_markdown, section, setting)
from abm.tomlio import check_depth

__all__ = ["load_sweep_spec", "sweep_from_dict", "as_sweep_spec", "SweepSpec", "SweepFile", "Axis", "is_int",
           "is_number", "sweep_reference_markdown", "SAMPLING_METHODS", "TOP_KEYS", "AXIS_KEYS", "SAMPLING_KEYS",
           "OUTPUT_KEYS", "RESERVED_KEYS"]

#: The most seeds a sweep runs, and the most runs it plans (scenarios x points x seeds): a typo of a few
#: zeros is refused in one line rather than planned for hours.
MAX_SEEDS = 100_000
MAX_RUNS = 1_000_000

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
    scale: bool = False                    # the value multiplies the scenario's own number or year path

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
        return out | {"integer": self.integer, "log": self.log, "scale": self.scale}


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


# ==================================================================================================
# The file as written: schema sections (abm.schema); docs/sweeps.md's field table comes from them
# ==================================================================================================
def is_int(value: Any) -> bool:
    """An integer that is not a boolean (TOML's true is an int to Python, never a seed or a count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """An int or a float that is not a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


SEEDS_EXAMPLE = "20 (seeds 0-19), or [1, 2, 3], or { start = 100, count = 20 }"
SCENARIOS_EXAMPLE = '["../scenarios/compact.toml", "../scenarios/sprawl.toml"]'


@dataclass(frozen=True, kw_only=True)
class SeedRange:
    """``seeds = { start = 100, count = 20 }``: the seeds start, start + 1, ..., start + count - 1."""

    start: int = setting(0, lo=0, hi=2**63 - 1, doc="first seed")
    count: int = setting(lo=1, hi=MAX_SEEDS, example="20", doc="number of seeds")


@dataclass(frozen=True, kw_only=True)
class AxisRange:
    """An axis written as a range, ``{ min = 1.5, max = 4.0 }`` (``num`` points for a grid)."""

    min: float = setting(example="1.5", doc="lowest value")
    max: float = setting(example="4.0", doc="highest value")
    num: int | None = setting(None, lo=2, hi=10_000, example="5", doc="grid: evenly spaced points, both ends included")
    integer: bool = setting(False, doc="draw integers (inferred when the field is an integer)")
    log: bool = setting(False, doc="space or sample evenly in log (needs min > 0)")
    scale: bool = setting(False, doc="the value is a factor on the scenario's own number or year path (every "
                                     "year's value times it): how exogenous paths such as population.growth_rate "
                                     "or carbon.grid_factor_kg_per_kwh are varied as a whole")


def _scenario_entries(raw: Any, where: str) -> tuple[str | Path | Scenario, ...]:
    """Scenario files (one or a list; `Scenario` objects too, in notebooks), loaded once the base folder is known."""
    entries = raw if isinstance(raw, list) else [raw]
    return tuple(e if isinstance(e, (Scenario, Path)) else read_as(str, e, f"{where}[{i}]", example=SCENARIOS_EXAMPLE)
                 for i, e in enumerate(entries))


def _seeds(raw: Any, where: str) -> tuple[int, ...]:
    """A count (seeds 0 .. count - 1), a list of seeds, or a { start, count } table."""
    if isinstance(raw, dict):
        seeds = build(SeedRange, raw, where)
        return tuple(range(seeds.start, seeds.start + seeds.count))
    if isinstance(raw, list):
        return read_as(tuple[int, ...], raw, where, lo=0, hi=2**63 - 1, min_len=1, unique=True, example="[1, 2, 3]")
    return tuple(range(read_as(int, raw, where, lo=1, hi=MAX_SEEDS, example=SEEDS_EXAMPLE)))


def _overrides(raw: Any, where: str) -> dict[str, Any]:
    """[overrides] as dotted keys: quoted ("region.rows" = 60) or nested ([overrides.region] rows = 60)."""
    return flatten_dotted(expect_table(raw, where), is_leaf=is_year_table)


def _levels(values: list[Any], where: str) -> tuple[Any, ...]:
    """An axis's explicit values: numbers, strings or booleans, all of one kind, each once."""
    declared = {"min_len": 1, "unique": True, "example": "[2.0, 3.0, 4.0]"}
    if all(isinstance(v, bool) for v in values):
        return read_as(tuple[bool, ...], values, where, **declared)
    if all(isinstance(v, str) for v in values):
        return read_as(tuple[str, ...], values, where, **declared)
    if all(is_number(v) for v in values):
        return read_as(tuple[int, ...] if all(is_int(v) for v in values) else tuple[float, ...], values, where,
                       **declared)
    raise ConfigError(where, f"values must be numbers, strings or booleans of one kind, got {values!r}",
                      "give values of one kind, e.g. [2.0, 3.0, 4.0]")


def _axes(raw: Any, where: str) -> tuple[Axis, ...]:
    """[axes]: dotted scenario key = a list of values or a range (quoted keys or nested tables)."""
    axis_keys = set(AXIS_KEYS)
    table = flatten_dotted(expect_table(raw, where), is_leaf=lambda value: not value or bool(set(value) & axis_keys))
    axes = []
    for key, spec in table.items():
        full = f"{where}.{key}"
        if key in RESERVED_KEYS:
            raise ConfigError(full, "cannot be an axis", "seeds and ticks are set at the top of the sweep file")
        if isinstance(spec, dict) and "values" in spec:  # { values = [...] } is the list written long
            others = sorted(set(spec) - {"values"})
            if others:
                raise ConfigError(f"{full}.{others[0]}", "cannot be combined with values", "give values or min/max")
            spec = spec["values"]
        if isinstance(spec, list):
            axes.append(Axis(key, values=_levels(spec, full)))
        elif isinstance(spec, dict):
            axes.append(_range_axis(key, build(AxisRange, spec, full), full))
        else:
            raise ConfigError(full, f"expected a list of values or {{ min = ..., max = ... }}, got {spec!r}",
                              "write e.g. [2.0, 3.0] or { min = 2.0, max = 4.0 }; a fixed value goes in [overrides]")
    return tuple(axes)


@dataclass(frozen=True, kw_only=True)
class SamplingConfig:
    method: Literal["grid", "lhs", "sobol"] = setting(
        "grid", doc="grid: every combination of the axes' values; lhs: a Latin hypercube (SALib); sobol: a "
                    "Saltelli sample for SALib.analyze.sobol")
    samples: int | None = setting(None, lo=1, hi=2**20, example="64",
                                  doc="lhs: points; sobol: base points N, a power of two (N x (2 x axes + 2) points); "
                                      "not for grid")
    seed: int = setting(0, lo=0, hi=2**32 - 1, doc="the sampler's seed: the same points every time")
    second_order: bool = setting(True, doc="sobol: sample for second-order indices too (N x (axes + 2) without)")


@dataclass(frozen=True, kw_only=True)
class OutputsConfig:
    timeseries: bool = setting(True, doc="keep each run's yearly time series (needed for the fan charts)")
    snapshots: bool | tuple[str, ...] = setting(
        False, parse=lambda raw, where: raw if isinstance(raw, bool) else read_as(
            tuple[str, ...], raw, where, unique=True, example='["compact"]'),
        kind="true/false or list of scenario names", doc="keep a full run folder (grids, maps): every scenario's, "
                                                         "none, or the named scenarios'")
    snapshot_seeds: tuple[int, ...] | None = setting(None, lo=0, hi=2**63 - 1, unique=True, example="[1]",
                                                     shown="all seeds", doc="... and only for these seeds")


@dataclass(frozen=True, kw_only=True)
class SweepFile:
    """A sweep file as written (docs/sweeps.md); `sweep_from_dict` resolves it into a `SweepSpec`."""

    name: str = setting("sweep", min_len=1, example='"my-sweep"', parse=folder_name,
                        doc="short name (default: the file's name)")
    description: str = setting("", doc="one line on what the sweep asks")
    scenarios: tuple[str | Path | Scenario, ...] = setting(
        parse=_scenario_entries, min_len=1, kind="list of files", example=SCENARIOS_EXAMPLE,
        doc="scenario files, relative to the sweep file (any extends chain); each with its own name: results are "
            "grouped by it")
    seeds: tuple[int, ...] = setting(parse=_seeds, kind="count, list or `{ start, count }`", example=SEEDS_EXAMPLE,
                                     doc="every scenario x parameter point runs once per seed")
    ticks: int | None = setting(None, lo=1, hi=1000, unit="years", example="50", shown="each scenario's run.ticks",
                                doc="years per run, for every scenario")
    overrides: dict[str, Any] = setting({}, parse=_overrides, kind="table of field = value",
                                        doc="fixed changes to every scenario before the axes (quoted "
                                            "`\"region.rows\" = 60` or nested `[overrides.region]`)")
    axes: tuple[Axis, ...] = setting((), parse=_axes, kind="table of field = axis", shown="`{}`",
                                     doc="the varied scenario fields: a list of values or `{ min, max, num, integer, "
                                         "log }` (see Axes); quoted keys or nested tables (`[axes.policy.layout]`)")
    sampling: SamplingConfig = section(SamplingConfig, doc="how the axes are sampled")
    outputs: OutputsConfig = section(OutputsConfig, doc="what each run keeps")


def _names(cls: type) -> tuple[str, ...]:
    return tuple(spec.name for spec in fields_of(cls))


SAMPLING_METHODS: tuple[str, ...] = typing.get_args(typing.get_type_hints(SamplingConfig)["method"])
TOP_KEYS = _names(SweepFile)
AXIS_KEYS = ("values", *_names(AxisRange))
SAMPLING_KEYS = _names(SamplingConfig)
OUTPUT_KEYS = _names(OutputsConfig)


def sweep_reference_markdown() -> str:
    """The table of every sweep-file field: docs/sweeps.md's generated section holds it (a test checks)."""
    return reference_markdown(SweepFile)


# ==================================================================================================
# Resolving the file into a SweepSpec
# ==================================================================================================
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
    check_depth(raw, source)
    file = build(SweepFile, {"name": default_name, **expect_table(raw, "")})
    sampling = file.sampling
    _check_sampling(sampling, file.axes)
    scenarios = _load_scenarios(file.scenarios, Path(base_dir), file.overrides)
    bases = [s.to_dict() for s in scenarios]
    axes = tuple(_check_axis_key(f"axes.{axis.key}", axis, scenarios, bases) for axis in file.axes)
    _check_size(file, axes, len(scenarios))
    snapshots, snapshot_seeds = _resolve_outputs(file.outputs, [s.name for s in scenarios], file.seeds)
    return SweepSpec(name=file.name, description=file.description, scenarios=scenarios, seeds=file.seeds,
                     ticks=file.ticks, overrides=tuple(file.overrides.items()), axes=axes, method=sampling.method,
                     samples=sampling.samples, sampling_seed=sampling.seed, second_order=sampling.second_order,
                     keep_timeseries=file.outputs.timeseries, snapshots=snapshots, snapshot_seeds=snapshot_seeds,
                     source=source)


# --------------------------------------------------------------------------------------------------
# Checks that relate fields (the schema checks each field on its own)
# --------------------------------------------------------------------------------------------------
def _range_axis(key: str, rng: AxisRange, where: str) -> Axis:
    """A range axis against itself: min below max, log above zero, an integer inside."""
    lo, hi = rng.min, rng.max
    if not lo < hi:
        raise ConfigError(where, f"min ({lo:g}) must be below max ({hi:g})", "swap them or widen the range")
    if rng.log and lo <= 0:
        raise ConfigError(f"{where}.min", "a log axis needs min > 0", "use a positive min or log = false")
    if rng.integer and math.floor(hi) < math.ceil(lo):
        raise ConfigError(where, f"no integer lies in [{lo:g}, {hi:g}]", "widen the range")
    if rng.scale and rng.integer:
        raise ConfigError(f"{where}.scale", "a scale factor is not an integer", "drop integer = true")
    return Axis(key, lo=lo, hi=hi, num=rng.num, integer=rng.integer, log=rng.log, scale=rng.scale)


def _check_sampling(sampling: SamplingConfig, axes: tuple[Axis, ...]) -> None:
    """The sample size, the axes and the range axes' num, against the sampling method."""
    method, samples = sampling.method, sampling.samples
    if method == "grid" and samples is not None:
        raise ConfigError("sampling.samples", "a grid takes every combination of the axes' values",
                          'remove samples, or use method = "lhs" / "sobol"')
    if method != "grid" and samples is None:
        raise ConfigError("sampling.samples", f"{method} needs samples = an integer >= 1", "write e.g. samples = 64")
    if method == "sobol" and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        raise ConfigError("sampling.samples", f"sobol needs a power of two, got {samples}",
                          f"use {lower} or {lower * 2} (runs = samples x (2 x axes + 2) x scenarios x seeds)")
    if method == "sobol" and len(axes) < 2:
        raise ConfigError("sampling.method", "sobol needs at least two axes", 'use method = "lhs" for one axis')
    if method != "grid" and not axes:
        raise ConfigError("sampling.method", f"{method} samples axes but [axes] is empty", "add axes or use grid")
    for axis in axes:
        if axis.values:
            continue
        if method == "grid" and axis.num is None:
            raise ConfigError(f"axes.{axis.key}.num", "a grid range needs num = an integer >= 2",
                              "write e.g. { min = 2.0, max = 4.0, num = 5 } or a list of values")
        if method != "grid" and axis.num is not None:
            raise ConfigError(f"axes.{axis.key}.num", f"num is for grids; {method} draws sampling.samples points",
                              "remove num")


def _check_size(file: SweepFile, axes: tuple[Axis, ...], scenarios: int) -> None:
    """Refuse a sweep of more than MAX_RUNS runs, counted without listing its points."""
    method, samples = file.sampling.method, file.sampling.samples or 0
    if not axes:
        points = 1
    elif method == "grid":
        points = math.prod(len(a.values) if a.values else a.num or 1 for a in axes)
    elif method == "lhs":
        points = samples
    else:
        points = samples * ((2 * len(axes) + 2) if file.sampling.second_order else (len(axes) + 2))
    runs = scenarios * points * len(file.seeds)
    if runs > MAX_RUNS:
        raise ConfigError("axes" if points > 1 else "seeds", f"the sweep plans {runs:,} runs ({scenarios} "
                          f"scenario(s) x {points:,} point(s) x {len(file.seeds):,} seed(s)), more than {MAX_RUNS:,}",
                          "use fewer values, samples or seeds, or split the sweep")


def _load_scenarios(entries: tuple[Any, ...], base_dir: Path, overrides: dict[str, Any]) -> tuple[Scenario, ...]:
    """Each scenario file read (relative to the sweep file), the overrides applied; names distinct."""
    out: list[Scenario] = []
    for i, entry in enumerate(entries):
        where = f"scenarios[{i}]"
        if isinstance(entry, Scenario):
            scenario = entry
        else:
            path = Path(entry)
            path = path if path.is_absolute() else base_dir / path
            if not path.is_file():
                raise ConfigError(where, f"scenario file {str(path)!r} not found",
                                  "give the path relative to the sweep file, e.g. \"../scenarios/compact.toml\"")
            try:
                scenario = load_scenario(path.resolve())
            except ConfigError as err:
                raise ConfigError(where, f"{entry}: {err}") from None
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
    return tuple(out)


def _lookup(data: dict[str, Any], dotted: str) -> tuple[bool, Any]:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _check_axis_key(where: str, axis: Axis, scenarios: tuple[Scenario, ...], bases: list[dict]) -> Axis:
    """Refuse a key no scenario has (a typo) now, rather than as one error per run."""
    found, current = _lookup(bases[0], axis.apply_key)
    if found and isinstance(current, dict) and not is_year_table(current) and current:
        raise ConfigError(where, "is a table, not a field", "name a field inside it, e.g. policy.layout.far_cap_core")
    if found and is_int(current) and not axis.values and not axis.integer:
        axis = dataclasses.replace(axis, integer=True)  # an integer field: draw integers
        if math.floor(axis.hi) < math.ceil(axis.lo):
            raise ConfigError(where, f"the field is an integer but no integer lies in [{axis.lo:g}, {axis.hi:g}]",
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


def _resolve_outputs(outputs: OutputsConfig, names: list[str],
                     seeds: tuple[int, ...]) -> tuple[tuple[str, ...], tuple[int, ...] | None]:
    """The snapshot scenarios (true: all of them) and seeds, each one of the sweep's own."""
    if isinstance(outputs.snapshots, bool):
        chosen = tuple(names) if outputs.snapshots else ()
    else:
        chosen = outputs.snapshots
    for name in chosen:
        if name not in names:
            raise ConfigError("outputs.snapshots", f"no scenario is named {name!r}",
                              f"use names from: {', '.join(names)}")
    missing = [s for s in outputs.snapshot_seeds or () if s not in seeds]
    if missing:
        raise ConfigError("outputs.snapshot_seeds", f"seed {missing[0]} is not among the sweep's seeds",
                          "pick seeds from the seeds list")
    return chosen, outputs.snapshot_seeds


def as_sweep_spec(spec: str | Path | dict | SweepSpec) -> SweepSpec:
    """A SweepSpec from a sweep file's path, a dict with its keys, or a SweepSpec (returned as is)."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return sweep_from_dict(spec)
    return load_sweep_spec(spec)

"""The calibration file: which maps, which years to fit and hold out, the base scenario, the search.

A calibration file is TOML (see ``calibration/README.md``)::

    name = "demo200"
    [data]
    path = "sleuth/demo200"          # SLEUTH GIF or GeoTIFF folder
    fit_years = [1950, 1970]
    holdout_years = [1990]
    [scenario.development]           # the base scenario the search starts from (any scenario table)
    weight_neighbourhood = 0.0
    [search]
    trials = 120
    replicates = 4
    [search.space]
    "development.weight_edge" = [0.0, 20.0]
    "development.road_decay_km" = { low = 0.03, high = 1.0, log = true }

Loading refuses an unknown key, a value of the wrong type or out of range, a search range outside
the scenario field's own range and a missing data folder, each with one line naming the field and
the fix (`abm.errors.ConfigError`).

>>> cfg = calibration_from_dict({"data": {"path": "/tmp", "fit_years": [1950]},
...                              "search": {"space": {"development.weight_edge": [0, 10]}}}, check_path=False)
>>> cfg.search.space[0].key, cfg.search.space[0].integer, cfg.search.trials
('development.weight_edge', False, 100)
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abm.errors import ConfigError
from abm.paths import YearPath
from abm.tomlio import read_toml

#: What the search can optimise: the mean over the fit years of the Monte Carlo mean of these.
OBJECTIVES: dict[str, tuple[str, ...]] = {
    "lee_sallee": ("lee_sallee",),
    "figure_of_merit": ("figure_of_merit",),
    "kappa_simulation": ("kappa_simulation",),
    "lee_sallee+figure_of_merit": ("lee_sallee", "figure_of_merit"),
}

#: Scenario fields the calibration sets itself (from [data]); a calibration file may not set them.
RESERVED_SCENARIO_KEYS = ("region.kind", "region.path", "region.year", "run.start_year", "run.ticks",
                          "policy.quantity.land_quota_cells", "development.convert_full_quota")

#: The neighbourhood null model's parameters and their default search ranges (see abm.calibration.nulls).
NULL_SPACE_DEFAULTS: dict[str, tuple[float, float, bool, bool]] = {
    # name: (low, high, integer, log)
    "radius_cells": (1, 3, True, False),
    "weight_road": (0.0, 2.0, False, False),
    "road_decay_cells": (0.5, 20.0, False, True),
    "weight_slope": (0.0, 0.05, False, False),
    "noise": (0.003, 0.3, False, True),
}

TOP_KEYS = ("name", "description", "data", "scenario", "search", "null", "report")


@dataclass(frozen=True)
class Param:
    """One searched parameter: a dotted scenario field (or a null-model parameter) and its range."""

    key: str
    low: float
    high: float
    integer: bool = False
    log: bool = False

    def suggest(self, trial) -> float | int:
        if self.integer:
            return trial.suggest_int(self.key, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.key, float(self.low), float(self.high), log=self.log)

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "integer": self.integer, "log": self.log}


@dataclass(frozen=True)
class DataConfig:
    path: str
    fit_years: tuple[int, ...]
    holdout_years: tuple[int, ...] = ()
    start_year: int = 0                 # 0 = the first urban map
    prefix: str = ""                    # SLEUTH file prefix when a folder holds several sets
    holdout_totals: str = "extrapolated"  # extrapolated | observed
    roads: str = "observed"             # observed | start
    interpolation: str = "linear"       # linear | exponential


@dataclass(frozen=True)
class SearchConfig:
    space: tuple[Param, ...]
    trials: int = 100
    replicates: int = 4
    batch: int = 4
    seed: int = 0
    objective: str = "lee_sallee"
    workers: int = 0                    # 0 = every core
    start: tuple[tuple[str, float], ...] = ()  # a first trial to evaluate (a warm start), optional
    refine_top: int = 5                 # the leading trials re-run with more replicates before choosing
    refine_replicates: int = 8          # extra replicates for each of them (0 = choose the single best)


@dataclass(frozen=True)
class NullConfig:
    trials: int = 150
    replicates: int = 2
    space: tuple[Param, ...] = ()


@dataclass(frozen=True)
class ReportConfig:
    replicates: int = 12
    interval: float = 0.9
    windows: tuple[int, ...] = (1, 2, 4, 8, 16)


@dataclass(frozen=True)
class CalibrationConfig:
    """A validated calibration file. `scenario` is the raw base-scenario table (validated when used)."""

    name: str
    data: DataConfig
    search: SearchConfig
    null: NullConfig = field(default_factory=NullConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    scenario: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""                    # the file it was read from

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.data.fit_years + self.data.holdout_years))

    def with_trials(self, trials: int | None = None, workers: int | None = None,
                    replicates: int | None = None, null_trials: int | None = None,
                    report_replicates: int | None = None) -> CalibrationConfig:
        """A copy with the budget changed (the command line's --trials / --workers)."""
        search = dataclasses.replace(self.search, **{k: v for k, v in
                                                     {"trials": trials, "workers": workers,
                                                      "replicates": replicates}.items() if v is not None})
        null = self.null if null_trials is None else dataclasses.replace(self.null, trials=null_trials)
        report = (self.report if report_replicates is None
                  else dataclasses.replace(self.report, replicates=report_replicates))
        return dataclasses.replace(self, search=search, null=null, report=report)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description, "source": self.source,
            "data": dataclasses.asdict(self.data),
            "scenario": self.scenario,
            "search": {**{k: v for k, v in dataclasses.asdict(self.search).items() if k not in ("space", "start")},
                       "space": {p.key: p.to_dict() for p in self.search.space},
                       "start": dict(self.search.start)},
            "null": {"trials": self.null.trials, "replicates": self.null.replicates,
                     "space": {p.key: p.to_dict() for p in self.null.space}},
            "report": dataclasses.asdict(self.report),
        }


# --------------------------------------------------------------------------------------------------
def load_calibration_config(path: str | Path, check_path: bool = True) -> CalibrationConfig:
    """Read and validate a calibration TOML file; ``data.path`` may be relative to the file."""
    path = Path(path)
    raw = read_toml(path, "calibration", "calibration/")
    return calibration_from_dict(raw, source=str(path), default_name=path.stem, check_path=check_path)


def calibration_from_dict(raw: dict[str, Any], source: str = "", default_name: str = "calibration",
                          check_path: bool = True) -> CalibrationConfig:
    """Validate a calibration given as plain data; every error names the field and the fix."""
    _table(raw, "", TOP_KEYS)
    name = raw.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("name", f"expected a non-empty string, got {name!r}", 'write name = "my-city"')
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ConfigError("description", f"expected a string, got {description!r}", "write it in quotes")
    if "data" not in raw:
        raise ConfigError("data", "is required", 'add [data] with path = "sleuth/demo200" and fit_years = [...]')
    data = _data(raw["data"], source, check_path)
    scenario = raw.get("scenario", {})
    _check_scenario(scenario)
    if "search" not in raw:
        raise ConfigError("search", "is required", "add [search] with a [search.space] of scenario fields to fit")
    search = _search(raw["search"])
    null = _null(raw.get("null", {}))
    report = _report(raw.get("report", {}))
    return CalibrationConfig(name=name.strip(), description=description, data=data, search=search, null=null,
                             report=report, scenario=scenario, source=source)


def _table(raw: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(where or "calibration", f"expected a table, got {raw!r}",
                          f"write [{where}] with key = value lines" if where else "give key = value pairs")
    for key in raw:
        if key not in keys:
            name = f"{where}.{key}" if where else key
            raise ConfigError(name, "unknown field", f"use one of: {', '.join(keys)}")
    return raw


def _int(raw: dict[str, Any], key: str, where: str, default: int, lo: int, hi: int) -> int:
    value = raw.get(key, default)
    name = f"{where}.{key}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(name, f"expected an integer, got {value!r}", f"write e.g. {key} = {default}")
    if not lo <= value <= hi:
        raise ConfigError(name, f"{value} is outside {lo}..{hi}", f"use a value from {lo} to {hi}")
    return value


def _choice(raw: dict[str, Any], key: str, where: str, default: str, choices: tuple[str, ...]) -> str:
    value = raw.get(key, default)
    if value not in choices:
        raise ConfigError(f"{where}.{key}", f"{value!r} is not a valid choice",
                          f"use one of {', '.join(repr(c) for c in choices)}")
    return value


def _years(raw: dict[str, Any], key: str, required: bool) -> tuple[int, ...]:
    value = raw.get(key)
    where = f"data.{key}"
    if value is None:
        if required:
            raise ConfigError(where, "is required", f"write {key} = [1950, 1970] (observed map years)")
        return ()
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ConfigError(where, f"expected a list of years, got {value!r}", f"write {key} = [1950, 1970]")
    if required and not value:
        raise ConfigError(where, "is empty", "list at least one observed year to fit")
    if len(set(value)) != len(value):
        raise ConfigError(where, "lists a year twice", "list each year once")
    return tuple(sorted(value))


def _data(raw: Any, source: str, check_path: bool) -> DataConfig:
    _table(raw, "data", ("path", "prefix", "start_year", "fit_years", "holdout_years", "holdout_totals", "roads",
                         "interpolation"))
    path = raw.get("path")
    if not isinstance(path, str) or not path:
        raise ConfigError("data.path", f"expected a folder name, got {path!r}",
                          'write path = "sleuth/demo200" (relative to this file or ABM_DATA_DIR) or an absolute folder')
    if check_path:
        from abm.regions import resolve_data_path

        resolved = resolve_data_path(path, source, "data.path")
        if not resolved.is_dir():
            raise ConfigError("data.path", f"'{path}' is not a folder", "give the folder holding the map files")
    prefix = raw.get("prefix", "")
    if not isinstance(prefix, str):
        raise ConfigError("data.prefix", f"expected a string, got {prefix!r}", 'write prefix = "demo200"')
    fit = _years(raw, "fit_years", True)
    holdout = _years(raw, "holdout_years", False)
    both = set(fit) & set(holdout)
    if both:
        raise ConfigError("data.holdout_years", f"{min(both)} is also a fit year",
                          "a held-out year must not be fitted: list it in one place")
    if holdout and min(holdout) <= max(fit):
        raise ConfigError("data.holdout_years", f"{min(holdout)} is not after the last fit year {max(fit)}",
                          "a temporal hold-out comes after the fit years")
    start = _int(raw, "start_year", "data", 0, 0, 2200)
    if start and start >= min(fit):
        raise ConfigError("data.start_year", f"{start} is not before the first fit year {min(fit)}",
                          "start from an earlier observed map")
    return DataConfig(
        path=path, prefix=prefix, fit_years=fit, holdout_years=holdout, start_year=start,
        holdout_totals=_choice(raw, "holdout_totals", "data", "extrapolated", ("extrapolated", "observed")),
        roads=_choice(raw, "roads", "data", "observed", ("observed", "start")),
        interpolation=_choice(raw, "interpolation", "data", "linear", ("linear", "exponential")),
    )


def _check_scenario(raw: Any) -> None:
    if not isinstance(raw, dict):
        raise ConfigError("scenario", f"expected a table, got {raw!r}", "write [scenario.<section>] tables")
    for dotted in RESERVED_SCENARIO_KEYS:
        node: Any = raw
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            raise ConfigError(f"scenario.{dotted}", "is set by the calibration itself",
                              "remove it: [data] gives the maps, years and the growth totals")
    from abm.scenario import scenario_from_dict

    try:
        scenario_from_dict(_with_placeholder_region(raw))
    except ConfigError as err:
        raise ConfigError(f"scenario.{err.field}", err.problem, err.fix) from None


def _with_placeholder_region(raw: dict[str, Any]) -> dict[str, Any]:
    import copy

    out = copy.deepcopy(raw)
    if "extends" in out:
        raise ConfigError("scenario.extends", "is not supported in a calibration file",
                          "copy the fields you need into [scenario]")
    return out


def _scenario_field(key: str) -> tuple[type, float | None, float | None]:
    """(type, lo, hi) of a dotted scenario field; ConfigError if it is not a numeric field."""
    from abm.scenario import Scenario

    cls: Any = Scenario
    parts = key.split(".")
    for i, part in enumerate(parts):
        if not dataclasses.is_dataclass(cls):
            break
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        if part not in fields or part == "source":
            where = ".".join(parts[:i]) or "the scenario"
            valid = ", ".join(n for n in fields if n not in ("source", "carbon", "detector"))
            raise ConfigError(f"search.space.{key}", f"'{part}' is not a field of {where}", f"use one of: {valid}")
        tp = hints[part]
        if i == len(parts) - 1:
            if tp is YearPath or tp in (int, float):
                meta = fields[part].metadata
                return (float if tp is YearPath else tp), meta.get("lo"), meta.get("hi")
            raise ConfigError(f"search.space.{key}", "is not a numeric scenario field",
                              "search numbers only (weights, rates, shares, distances)")
        cls = tp
    raise ConfigError(f"search.space.{key}", "names a table, not a field", "name a field inside it")


def _range(value: Any, where: str) -> tuple[float, float, bool]:
    fix = "write [low, high] or { low = 0.1, high = 10.0, log = true }"
    log = False
    if isinstance(value, dict):
        for k in value:
            if k not in ("low", "high", "log"):
                raise ConfigError(f"{where}.{k}", "unknown field", "use low, high and log")
        if "low" not in value or "high" not in value:
            raise ConfigError(where, "needs low and high", fix)
        low, high, log = value["low"], value["high"], value.get("log", False)
        if not isinstance(log, bool):
            raise ConfigError(f"{where}.log", f"expected true or false, got {log!r}", "write log = true")
    elif isinstance(value, list) and len(value) == 2:
        low, high = value
    else:
        raise ConfigError(where, f"expected a range, got {value!r}", fix)
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(where, f"bounds must be numbers, got {v!r}", fix)
    if not low < high:
        raise ConfigError(where, f"low {low} is not below high {high}", "give low < high")
    if log and low <= 0:
        raise ConfigError(where, f"a log range needs low > 0, got {low}", "raise low or drop log = true")
    return low, high, log


def _space(raw: Any, where: str) -> tuple[Param, ...]:
    if not isinstance(raw, dict):
        raise ConfigError(where, f"expected a table, got {raw!r}", f'write [{where}] with "field" = [low, high] lines')
    params = []
    for key, value in _flatten(raw):
        full = f"{where}.{key}"
        typ, lo, hi = _scenario_field(key)
        low, high, log = _range(value, full)
        integer = typ is int
        if integer and (float(low) != int(low) or float(high) != int(high)):
            raise ConfigError(full, f"is an integer field; bounds {low}, {high} are not integers",
                              "give integer bounds")
        if lo is not None and low < lo:
            raise ConfigError(full, f"low {low} is below the field's minimum {lo}", f"use low >= {lo}")
        if hi is not None and high > hi:
            raise ConfigError(full, f"high {high} is above the field's maximum {hi}", f"use high <= {hi}")
        params.append(Param(key, low, high, integer, log))
    return tuple(params)


def _flatten(raw: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Quoted dotted keys ("development.weight_edge" = [...]) or nested tables ([search.space.development])."""
    out = []
    for key, value in raw.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not ({"low", "high"} & set(value)):
            out.extend(_flatten(value, dotted))
        else:
            out.append((dotted, value))
    return out


def _search(raw: Any) -> SearchConfig:
    _table(raw, "search", ("space", "trials", "replicates", "batch", "seed", "objective", "workers", "start",
                           "refine_top", "refine_replicates"))
    if "space" not in raw:
        raise ConfigError("search.space", "is required", 'add [search.space] with "development.weight_edge" = [0, 20] lines')
    space = _space(raw["space"], "search.space")
    if not space:
        raise ConfigError("search.space", "is empty", "name at least one scenario field to fit")
    start = _start(raw.get("start", {}), space)
    return SearchConfig(
        space=space,
        trials=_int(raw, "trials", "search", 100, 1, 100_000),
        replicates=_int(raw, "replicates", "search", 4, 1, 1000),
        batch=_int(raw, "batch", "search", 4, 1, 1000),
        seed=_int(raw, "seed", "search", 0, 0, 2**31 - 1),
        objective=_choice(raw, "objective", "search", "lee_sallee", tuple(OBJECTIVES)),
        workers=_int(raw, "workers", "search", 0, 0, 1024),
        start=start,
        refine_top=_int(raw, "refine_top", "search", 5, 1, 1000),
        refine_replicates=_int(raw, "refine_replicates", "search", 8, 0, 1000),
    )


def _start(raw: Any, space: tuple[Param, ...]) -> tuple[tuple[str, float], ...]:
    """[search.start]: values of searched fields to try first; every one inside its range."""
    if not isinstance(raw, dict):
        raise ConfigError("search.start", f"expected a table, got {raw!r}", '[search.start] "field" = value lines')
    by_key = {p.key: p for p in space}
    out = []
    for key, value in _flatten(raw):
        where = f"search.start.{key}"
        if key not in by_key:
            raise ConfigError(where, "is not a searched field", "give start values only for fields in [search.space]")
        p = by_key[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(where, f"expected a number, got {value!r}", "give a number inside the searched range")
        if not p.low <= value <= p.high or (p.integer and float(value) != int(value)):
            raise ConfigError(where, f"{value} is outside the searched range {p.low}..{p.high}",
                              "give a value inside [search.space]")
        out.append((key, int(value) if p.integer else float(value)))
    missing = [k for k in by_key if k not in dict(out)]
    if out and missing:
        raise ConfigError("search.start", f"misses {missing[0]}", "give a start value for every searched field")
    return tuple(out)


def _null(raw: Any) -> NullConfig:
    _table(raw, "null", ("trials", "replicates", "space"))
    space_raw = raw.get("space", {})
    if not isinstance(space_raw, dict):
        raise ConfigError("null.space", f"expected a table, got {space_raw!r}", "write [null.space] name = [low, high]")
    ranges = dict(NULL_SPACE_DEFAULTS)
    for key, value in space_raw.items():
        if key not in NULL_SPACE_DEFAULTS:
            raise ConfigError(f"null.space.{key}", "unknown field", f"use one of: {', '.join(NULL_SPACE_DEFAULTS)}")
        low, high, log = _range(value, f"null.space.{key}")
        integer = NULL_SPACE_DEFAULTS[key][2]
        if low < 0 or (integer and low < 1):
            raise ConfigError(f"null.space.{key}", f"low {low} is below the minimum {1 if integer else 0}",
                              "give a non-negative range (radius >= 1)")
        ranges[key] = (low, high, integer, log)
    space = tuple(Param(k, lo, hi, integer, log) for k, (lo, hi, integer, log) in ranges.items())
    return NullConfig(trials=_int(raw, "trials", "null", 150, 1, 100_000),
                      replicates=_int(raw, "replicates", "null", 2, 1, 1000), space=space)


def _report(raw: Any) -> ReportConfig:
    _table(raw, "report", ("replicates", "interval", "windows"))
    interval = raw.get("interval", 0.9)
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not 0 < interval < 1:
        raise ConfigError("report.interval", f"expected a share between 0 and 1, got {interval!r}",
                          "write interval = 0.9 (a central 90% Monte Carlo interval)")
    windows = raw.get("windows", [1, 2, 4, 8, 16])
    if (not isinstance(windows, list) or not windows
            or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in windows)):
        raise ConfigError("report.windows", f"expected a list of integers >= 1, got {windows!r}",
                          "write windows = [1, 2, 4, 8, 16]")
    return ReportConfig(replicates=_int(raw, "replicates", "report", 12, 1, 10_000), interval=float(interval),
                        windows=tuple(sorted(set(windows))))

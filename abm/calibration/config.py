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

Every section is a schema dataclass (`abm.schema`): loading refuses an unknown key, a value of the
wrong type or out of range with one line naming the field and the fix (`abm.errors.ConfigError`), and
``docs/calibration-config.md`` is generated from the same declarations (`calibration_reference_markdown`).
The few checks that relate two fields (a search range inside its scenario field's range, hold-out
years after the fit years, a warm start inside the searched ranges) and the data folder's existence
are written out below, grouped.

>>> cfg = calibration_from_dict({"data": {"path": "/tmp", "fit_years": [1950]},
...                              "search": {"space": {"development.weight_edge": [0, 10]}}}, check_path=False)
>>> cfg.search.space[0].key, cfg.search.space[0].integer, cfg.search.trials
('development.weight_edge', False, 100)
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from abm.errors import ConfigError
from abm.paths import YearPath
from abm.scenario import Scenario, scenario_from_dict
from abm.schema import (FieldSpec, build, expect_table, field_at, flatten_dotted, folder_name, reference_markdown,
                        section, setting, to_plain)
from abm.tomlio import check_depth, read_toml

#: What the search can optimise: the mean over the fit years of the Monte Carlo mean of these.
OBJECTIVES: dict[str, tuple[str, ...]] = {
    "lee_sallee": ("lee_sallee",),
    "figure_of_merit": ("figure_of_merit",),
    "kappa_simulation": ("kappa_simulation",),
    "lee_sallee+figure_of_merit": ("lee_sallee", "figure_of_merit"),
}
Objective = Literal[tuple(OBJECTIVES)]  # type: ignore[valid-type]  # the choices are the registry's names

#: Scenario fields the calibration sets itself (from [data]); a calibration file may not set them.
RESERVED_SCENARIO_KEYS = ("region.kind", "region.path", "region.year", "run.start_year", "run.ticks",
                          "policy.quantity.land_quota_cells", "development.convert_full_quota")

#: The neighbourhood null model's parameters and their default search ranges (see `NullModelParameters`).
NULL_SPACE_DEFAULTS: dict[str, tuple[float, float, bool, bool]] = {
    # name: (low, high, integer, log)
    "radius_cells": (1, 3, True, False),
    "weight_road": (0.0, 2.0, False, False),
    "road_decay_cells": (0.5, 20.0, False, True),
    "weight_slope": (0.0, 0.05, False, False),
    "noise": (0.003, 0.3, False, True),
}

RANGE_FIX = "write [low, high] or { low = 0.1, high = 10.0, log = true }"


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

    def to_toml(self) -> str:
        return f"{{ low = {self.low}, high = {self.high}, log = true }}" if self.log else f"[{self.low}, {self.high}]"


@dataclass(frozen=True, kw_only=True)
class SearchRange:
    """A search range as written: ``[low, high]`` or ``{ low = 0.1, high = 10.0, log = true }``."""

    low: float = setting(example="0.0", doc="lowest value searched")
    high: float = setting(example="1.0", doc="highest value searched")
    log: bool = setting(False, doc="search evenly in log (needs low > 0)")


def _null_default(key: str) -> str:
    return f"`{Param(key, *NULL_SPACE_DEFAULTS[key]).to_toml()}`"


@dataclass(frozen=True, kw_only=True)
class NullModelParameters:
    """The neighbourhood null model's parameters (`abm.calibration.simulate.run_neighbourhood_null`):
    the values a ``[null.space]`` range may span (the docs show each one's default search range)."""

    radius_cells: int = setting(lo=1, hi=50, unit="cells", shown=_null_default("radius_cells"),
                                doc="radius r of the (2r+1) x (2r+1) window of urban share")
    weight_road: float = setting(lo=0.0, shown=_null_default("weight_road"), doc="score of road access")
    road_decay_cells: float = setting(lo=0.01, unit="cells", shown=_null_default("road_decay_cells"),
                                      doc="distance over which road access decays (e-folding)")
    weight_slope: float = setting(lo=0.0, unit="score/%", shown=_null_default("weight_slope"),
                                  doc="score lost per percent slope")
    noise: float = setting(lo=0.0, shown=_null_default("noise"), doc="spread of the Gumbel noise")


# --------------------------------------------------------------------------------------------------
# Tables whose keys are another schema's fields (read by the sections below)
# --------------------------------------------------------------------------------------------------
def search_ranges(raw: Any, where: str, schema: type, what: str) -> dict[str, Param]:
    """Ranges of numeric fields of `schema`, keyed by dotted name: quoted (``"development.weight_edge"``)
    or nested (``[search.space.development]``); each inside its field's own range."""
    params = {}
    ranges = flatten_dotted(expect_table(raw, where), is_leaf=_is_range)
    for key, value in ranges.items():
        full = f"{where}.{key}"
        spec = field_at(schema, key, full, what)
        if isinstance(value, list) and len(value) == 2:
            value = {"low": value[0], "high": value[1]}
        elif not isinstance(value, dict):
            raise ConfigError(full, f"expected a range, got {value!r}", RANGE_FIX)
        params[key] = _checked_param(key, build(SearchRange, value, full), spec, full)
    return params


def _search_space(raw: Any, where: str) -> tuple[Param, ...]:
    """Ranges of scenario fields; not of those the calibration sets itself (it would overwrite them)."""
    for key in flatten_dotted(expect_table(raw, where), is_leaf=_is_range):
        if key in RESERVED_SCENARIO_KEYS or key == "run.seed":
            raise ConfigError(f"{where}.{key}", "is set by the calibration itself, not searched",
                              "remove it: [data] gives the years and growth totals, the replicates the seeds")
    return tuple(search_ranges(raw, where, Scenario, "the scenario").values())


def _is_range(value: dict[str, Any]) -> bool:
    return bool({"low", "high"} & set(value))


def _null_space(raw: Any, where: str) -> tuple[Param, ...]:
    given = search_ranges(raw, where, NullModelParameters, "the null model")
    return tuple(given.get(key, Param(key, *default)) for key, default in NULL_SPACE_DEFAULTS.items())


def _base_scenario(raw: Any, where: str) -> dict[str, Any]:
    """The base scenario table: any scenario field except those the calibration sets from [data]."""
    expect_table(raw, where)
    for dotted in RESERVED_SCENARIO_KEYS:
        node: Any = raw
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            raise ConfigError(f"{where}.{dotted}", "is set by the calibration itself",
                              "remove it: [data] gives the maps, years and the growth totals")
    if "extends" in raw:
        raise ConfigError(f"{where}.extends", "is not supported in a calibration file",
                          "copy the fields you need into [scenario]")
    try:
        scenario_from_dict(copy.deepcopy(raw))
    except ConfigError as err:
        raise ConfigError(f"{where}.{err.field}", err.problem, err.fix) from None
    return raw


# --------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class DataConfig:
    path: str = setting(min_len=1, example='"sleuth/demo200"',
                        doc="folder of the observed maps (SLEUTH GIFs or GeoTIFFs): relative to this file, "
                            "then ABM_DATA_DIR, or absolute")
    prefix: str = setting("", doc="SLEUTH file prefix when a folder holds several sets")
    start_year: int = setting(0, lo=0, hi=2200, unit="year", doc="observed map to start from (0 = the first urban map)")
    fit_years: tuple[int, ...] = setting(lo=1800, hi=2200, unit="year", min_len=1, unique=True, example="[1950, 1970]",
                                         doc="observed map years the search fits (after the start year)")
    holdout_years: tuple[int, ...] = setting((), lo=1800, hi=2200, unit="year", unique=True, example="[1990]",
                                             doc="observed map years held out of the fit, scored once at the end "
                                                 "(after the last fit year)")
    holdout_totals: Literal["extrapolated", "observed"] = setting(
        "extrapolated", doc="held-out years' urban area: carried on from the last fit interval's growth rate, "
                            "or read from the held-out map")
    roads: Literal["observed", "start"] = setting(
        "observed", doc="roads maps dated up to the last fit year switched in the year after, or the start year's kept")
    interpolation: Literal["linear", "exponential"] = setting(
        "linear", doc="how the observed urban totals are interpolated year by year into the land quota")


@dataclass(frozen=True, kw_only=True)
class SearchConfig:
    space: tuple[Param, ...] = setting(parse=_search_space, min_len=1, kind="table of field = range",
                                       example='{ "development.weight_edge" = [0, 20] }',
                                       doc='numeric scenario fields to fit: "development.weight_edge" = [0, 20] or '
                                           "{ low = 0.03, high = 1.0, log = true } (integer fields search integers)")
    trials: int = setting(100, lo=1, hi=100_000, doc="model trials")
    replicates: int = setting(4, lo=1, hi=1000, doc="Monte Carlo replicates per trial (seeds shared by all trials)")
    batch: int = setting(4, lo=1, hi=1000, doc="trials per round (fixed, so results do not depend on workers)")
    seed: int = setting(0, lo=0, hi=2**31 - 1, doc="seed of the sampler and of the replicates")
    objective: Objective = setting("lee_sallee", doc="fit-years mean of the Monte Carlo mean of this metric")
    workers: int = setting(0, lo=0, hi=1024, doc="parallel workers (0 = every core; --workers overrides)")
    start: dict[str, float] = setting({}, kind="table of field = number",
                                      doc="a warm start tried first: a value for every searched field")
    refine_top: int = setting(5, lo=1, hi=1000, doc="leading trials re-run with more replicates before choosing")
    refine_replicates: int = setting(8, lo=0, hi=1000,
                                     doc="extra replicates for each of them (0 = choose the single best)")


@dataclass(frozen=True, kw_only=True)
class NullConfig:
    trials: int = setting(150, lo=1, hi=100_000, doc="trials of the neighbourhood null model's search")
    replicates: int = setting(2, lo=1, hi=1000, doc="Monte Carlo replicates per null trial")
    space: tuple[Param, ...] = setting(
        tuple(Param(key, *default) for key, default in NULL_SPACE_DEFAULTS.items()), parse=_null_space,
        kind="table of parameter = range", shown="the null model's default ranges",
        doc="search ranges of the null model's parameters (table below); the ones not given keep their default")


@dataclass(frozen=True, kw_only=True)
class ReportConfig:
    replicates: int = setting(12, lo=1, hi=10_000,
                              doc="fresh Monte Carlo replicates of the chosen parameters, every year")
    interval: float = setting(0.9, lo=0.5, hi=0.99, unit="share",
                              doc="central Monte Carlo interval reported (0.9 = 5th to 95th percentile)")
    windows: tuple[int, ...] = setting((1, 2, 4, 8, 16), lo=1, hi=1000, unit="cells", min_len=1, unique=True,
                                       example="[1, 2, 4, 8, 16]", doc="window sizes of the multi-resolution agreement")


@dataclass(frozen=True, kw_only=True)
class CalibrationConfig:
    """A validated calibration file. `scenario` is the raw base-scenario table (validated when used)."""

    name: str = setting("calibration", min_len=1, example='"my-city"', parse=folder_name,
                        doc="short name: the default output folder out/calibration/<name> (default: the file's name)")
    description: str = setting("", doc="one line on what is calibrated")
    data: DataConfig = section(DataConfig, required=True, example='path = "sleuth/demo200" and fit_years = [...]',
                               doc="the observed maps: which folder, which years are fitted and held out")
    scenario: dict[str, Any] = setting({}, parse=_base_scenario, kind="table",
                                       doc="the base scenario: any scenario tables ([scenario.development], ...) "
                                           "except region kind/path/year, run start_year/ticks, the land quota and "
                                           "convert_full_quota")
    search: SearchConfig = section(SearchConfig, required=True, example="a [search.space] of scenario fields to fit",
                                   doc="the parameter search (optuna TPE over Monte Carlo replicates)")
    null: NullConfig = section(NullConfig, doc="the neighbourhood null model's search, fitted like the model")
    report: ReportConfig = section(ReportConfig, doc="the final evaluation of model and nulls on fresh seeds")
    source: str = ""                    # the file it was read from (not part of the file)

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
            "data": to_plain(self.data),
            "scenario": self.scenario,
            "search": {**{k: v for k, v in to_plain(self.search).items() if k not in ("space", "start")},
                       "space": {p.key: p.to_dict() for p in self.search.space},
                       "start": dict(self.search.start)},
            "null": {"trials": self.null.trials, "replicates": self.null.replicates,
                     "space": {p.key: p.to_dict() for p in self.null.space}},
            "report": to_plain(self.report),
        }


def calibration_reference_markdown() -> str:
    """The tables of every calibration-file field and of the null model's parameters
    (``[null.space]`` keys): ``docs/calibration-config.md`` holds them (a test checks)."""
    return (reference_markdown(CalibrationConfig) + "\nThe null model's parameters (`[null.space]` keys; default = "
            "the default search range):\n\n" + reference_markdown(NullModelParameters))


# --------------------------------------------------------------------------------------------------
def load_calibration_config(path: str | Path, check_path: bool = True) -> CalibrationConfig:
    """Read and validate a calibration TOML file; ``data.path`` may be relative to the file."""
    path = Path(path)
    raw = read_toml(path, "calibration", "calibration/")
    return calibration_from_dict(raw, source=str(path), default_name=path.stem, check_path=check_path)


def calibration_from_dict(raw: dict[str, Any], source: str = "", default_name: str = "calibration",
                          check_path: bool = True) -> CalibrationConfig:
    """Validate a calibration given as plain data; every error names the field and the fix."""
    check_depth(raw, source)
    cfg = build(CalibrationConfig, {"name": default_name, **expect_table(raw, "")})
    data = dataclasses.replace(cfg.data, fit_years=tuple(sorted(cfg.data.fit_years)),
                               holdout_years=tuple(sorted(cfg.data.holdout_years)))
    search = dataclasses.replace(cfg.search, start=_start_values(cfg.search))
    report = dataclasses.replace(cfg.report, windows=tuple(sorted(cfg.report.windows)))
    _check_years(data)
    if check_path:
        _check_data_folder(data.path, source)
    return dataclasses.replace(cfg, name=cfg.name.strip(), data=data, search=search, report=report, source=source)


# --------------------------------------------------------------------------------------------------
# Checks that relate two fields (the schema checks each field on its own)
# --------------------------------------------------------------------------------------------------
def _checked_param(key: str, rng: SearchRange, spec: FieldSpec, where: str) -> Param:
    """A search range against itself and against its field's type and allowed range."""
    if spec.type not in (int, float, YearPath):
        raise ConfigError(where, "is not a numeric field", "search numbers only (weights, rates, shares, distances)")
    low, high, integer = rng.low, rng.high, spec.type is int
    if not low < high:
        raise ConfigError(where, f"low {low:g} is not below high {high:g}", "give low < high")
    if rng.log and low <= 0:
        raise ConfigError(where, f"a log range needs low > 0, got {low:g}", "raise low or drop log = true")
    if integer and (low != int(low) or high != int(high)):
        raise ConfigError(where, f"is an integer field; bounds {low:g}, {high:g} are not integers",
                          "give integer bounds")
    lo, hi = spec.setting.lo, spec.setting.hi
    if lo is not None and low < lo:
        raise ConfigError(where, f"low {low:g} is below the field's minimum {lo}", f"use low >= {lo}")
    if hi is not None and high > hi:
        raise ConfigError(where, f"high {high:g} is above the field's maximum {hi}", f"use high <= {hi}")
    return Param(key, int(low), int(high), True, rng.log) if integer else Param(key, low, high, False, rng.log)


def _start_values(search: SearchConfig) -> tuple[tuple[str, float], ...]:
    """[search.start]: a value for every searched field (or none), each inside its searched range."""
    by_key = {p.key: p for p in search.space}
    out = []
    for key, value in search.start.items():
        where = f"search.start.{key}"
        if key not in by_key:
            raise ConfigError(where, "is not a searched field", "give start values only for fields in [search.space]")
        p = by_key[key]
        if not p.low <= value <= p.high or (p.integer and value != int(value)):
            raise ConfigError(where, f"{value:g} is outside the searched range {p.low}..{p.high}",
                              "give a value inside [search.space]")
        out.append((key, int(value) if p.integer else value))
    missing = [k for k in by_key if k not in search.start]
    if out and missing:
        raise ConfigError("search.start", f"misses {missing[0]}", "give a start value for every searched field")
    return tuple(out)


def _check_years(data: DataConfig) -> None:
    """Hold-out years after the fit years, the start map before them."""
    fit, holdout = data.fit_years, data.holdout_years
    both = set(fit) & set(holdout)
    if both:
        raise ConfigError("data.holdout_years", f"{min(both)} is also a fit year",
                          "a held-out year must not be fitted: list it in one place")
    if holdout and min(holdout) <= max(fit):
        raise ConfigError("data.holdout_years", f"{min(holdout)} is not after the last fit year {max(fit)}",
                          "a temporal hold-out comes after the fit years")
    if data.start_year and data.start_year >= min(fit):
        raise ConfigError("data.start_year", f"{data.start_year} is not before the first fit year {min(fit)}",
                          "start from an earlier observed map")


def _check_data_folder(path: str, source: str) -> None:
    """The data folder exists (relative to the calibration file, then ABM_DATA_DIR)."""
    from abm.regions import resolve_data_path

    if not resolve_data_path(path, source, "data.path").is_dir():
        raise ConfigError("data.path", f"'{path}' is not a folder", "give the folder holding the map files")

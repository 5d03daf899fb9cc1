"""Scenarios are data: a TOML file -> a validated, typed `Scenario` (STYLE.md 7).

A scenario names its region, its start year, ticks and seed, and the policy: the five lever classes
(total quantity, function, structure, layout, efficiency) plus stock renewal vs new build, each value
either a number or a year path ``{ 2020 = a, 2030 = b }`` (see abm.paths). Loading refuses a wrong
field, type or range with one line naming the field and the fix; a file may ``extends`` another and
override only what differs.

>>> s = scenario_from_dict({"name": "t", "run": {"ticks": 3}})
>>> s.run.ticks, s.policy.quantity.land_quota_cells.at(2020) > 0
(3, True)
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from abm.errors import ConfigError
from abm.paths import YearPath
from abm.tomlio import read_toml

SCHEMA_VERSION = 1

#: Efficiency levers that are carbon factors: written under [policy.efficiency] for planners, resolved
#: into the [carbon] table (abm.carbon_params) where the kernels read them.
EFFICIENCY_CARBON_KEYS = ("new_build_factor_residential", "new_build_factor_public", "grid_factor_kg_per_kwh",
                          "renewables_share", "retrofit_saving", "electric_share_residential", "electric_share_public")


def _f(default: Any, lo: float | None = None, hi: float | None = None, doc: str = "") -> Any:
    """A field with an allowed range and a one-line meaning (used by validation and the docs)."""
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata={"lo": lo, "hi": hi, "doc": doc})
    if isinstance(default, YearPath):
        return field(default_factory=lambda: default, metadata={"lo": lo, "hi": hi, "doc": doc})
    return field(default=default, metadata={"lo": lo, "hi": hi, "doc": doc})


def _path(value: float | dict[int, float]) -> YearPath:
    raw = {str(k): v for k, v in value.items()} if isinstance(value, dict) else value
    return YearPath.parse(raw, "default")


# --------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunConfig:
    start_year: int = _f(2020, 1800, 2200, "calendar year of tick 0")
    ticks: int = _f(50, 1, 1000, "years to simulate")
    seed: int = _f(42, 0, 2**63 - 1, "seed of the model's random generator")
    snapshot_every: int = _f(5, 1, 1000, "write grid snapshots every this many ticks")


@dataclass(frozen=True)
class RegionConfig:
    kind: Literal["synthetic", "sleuth", "geotiff"] = _f("synthetic", doc="where the land grid comes from")
    path: str = _f("", doc="data folder for sleuth / geotiff regions (relative paths: to the scenario file, then ABM_DATA_DIR)")
    year: int = _f(0, 0, 2200, "observed year to start from (0 = the first one)")
    rows: int = _f(200, 10, 20000, "synthetic: grid rows")
    cols: int = _f(200, 10, 20000, "synthetic: grid columns")
    cell_size_m: float = _f(100.0, 1.0, 10000.0, "cell edge in metres")
    seed: int = _f(7, 0, 2**63 - 1, "synthetic: seed of the terrain and town (independent of run.seed)")
    town_radius_km: float = _f(1.6, 0.1, 200.0, "synthetic: radius of the existing town")
    core_far: float = _f(2.0, 0.1, 20.0, "synthetic: floor-area ratio at the town centre")
    villages: int = _f(4, 0, 1000, "synthetic: number of villages")
    growth_boundary_file: str = _f("", doc="vector file of the growth boundary (replaces policy.quantity.growth_boundary)")
    red_line_file: str = _f("", doc="vector file of the ecological red line (added to policy.quantity.red_line)")
    initial_far: float = _f(0.8, 0.05, 20.0, "data regions: floor-area ratio seeded on observed urban cells")


@dataclass(frozen=True)
class PopulationConfig:
    growth_rate: YearPath = _f(_path({2020: 0.025, 2040: 0.01, 2060: 0.0}), -0.2, 0.5,
                                "annual growth of the number of households")
    move_rate: float = _f(0.08, 0.0, 1.0, "share of households that move home each year")
    leave_rate: float = _f(0.01, 0.0, 0.5, "share of households leaving the region each year (replaced by newcomers)")
    household_size: float = _f(2.6, 1.0, 8.0, "mean persons per household")
    income_median_cny: float = _f(90000.0, 1000.0, 1e7, "median household income per year")
    car_ownership: float = _f(0.45, 0.0, 1.0, "share of households owning a car (more with income)")
    m2_per_household: float = _f(90.0, 10.0, 1000.0, "residential floor area one dwelling takes")
    jobs_per_household: float = _f(1.1, 0.1, 5.0, "jobs in the region per resident household")
    services_share: YearPath = _f(_path({2020: 0.6, 2060: 0.75}), 0.0, 1.0, "share of new jobs in services (rest industry)")
    m2_per_job_services: float = _f(25.0, 1.0, 500.0, "commercial floor per services job")
    m2_per_job_industry: float = _f(60.0, 1.0, 2000.0, "industrial floor per industry job")
    firm_size_mean: float = _f(11.0, 1.0, 10000.0, "mean jobs per firm")
    va_per_job_services_cny: YearPath = _f(_path({2020: 180000.0, 2060: 450000.0}), 0.0, 1e8, "value added per services job")
    va_per_job_industry_cny: YearPath = _f(_path({2020: 220000.0, 2060: 520000.0}), 0.0, 1e8, "value added per industry job")
    firm_move_rate: float = _f(0.03, 0.0, 1.0, "share of firms that relocate each year")


@dataclass(frozen=True)
class ChoiceConfig:
    candidates: int = _f(30, 2, 500, "sampled alternatives per chooser (UrbanSim-style MNL)")
    beta_commute_km: float = _f(-0.18, -10.0, 0.0, "household utility per km of commute (generalised)")
    beta_rent: float = _f(-1.2, -50.0, 0.0, "household utility per 1000 CNY/m2/yr of rent")
    beta_green: float = _f(1.0, -10.0, 10.0, "household utility of green share within 500 m")
    beta_density: float = _f(0.15, -10.0, 10.0, "household utility per log households per ha nearby")
    firm_beta_labour: float = _f(1.0, -10.0, 10.0, "firm utility per log households within reach")
    firm_beta_agglomeration: float = _f(0.8, -10.0, 10.0, "firm utility per log jobs nearby")
    firm_beta_rent: float = _f(-0.8, -50.0, 0.0, "firm utility per 1000 CNY/m2/yr of rent")
    firm_beta_centre: float = _f(1.5, -10.0, 10.0, "firm utility of a site in a designated centre")
    transit_cost_factor: float = _f(0.6, 0.05, 1.0, "commute cost multiplier when both ends are near transit")
    transit_reach_km: float = _f(0.8, 0.05, 10.0, "walking distance to a transit stop counted as access")


@dataclass(frozen=True)
class DevelopmentConfig:
    target_vacancy: float = _f(0.05, 0.0, 0.5, "vacancy developers build toward")
    build_share_of_cap: float = _f(0.85, 0.05, 1.0, "share of the allowed floor-area ratio a project builds")
    weight_neighbourhood: float = _f(2.0, 0.0, 50.0, "greenfield score per urban share of the 5x5 neighbourhood")
    weight_road: float = _f(1.0, 0.0, 50.0, "greenfield score for road access (decays over 1 km)")
    weight_centre: float = _f(1.0, 0.0, 50.0, "greenfield score for nearness to a centre (decays over 5 km)")
    weight_slope: float = _f(0.08, 0.0, 10.0, "greenfield score lost per percent slope")
    score_noise: float = _f(0.3, 0.0, 10.0, "spread of developers' idiosyncratic site preferences")
    base_rent_cny_m2: float = _f(600.0, 1.0, 1e5, "residential rent at the start, CNY/m2/yr")
    rent_adjustment: float = _f(0.15, 0.0, 1.0, "rent change per year per unit of excess occupancy")
    weight_edge: float = _f(0.0, 0.0, 100.0, "greenfield score per urban share of the cell's 8 neighbours (edge growth, cell level)")
    weight_local: float = _f(0.0, 0.0, 100.0, "greenfield score per urban share of the cell's window of radius local_radius_cells")
    local_radius_cells: int = _f(2, 1, 50, "radius r of the (2r+1) x (2r+1) window of weight_local and weight_road_edge, cells")
    weight_road_edge: float = _f(0.0, 0.0, 100.0, "greenfield score for road access times the local urban share (growth along roads near town)")
    weight_recent: float = _f(0.0, -100.0, 100.0, "greenfield score per share of the 8 neighbours urbanised in the last recent_years (negative: a fresh front saturates local demand)")
    recent_years: int = _f(5, 1, 200, "years a conversion counts as recent for weight_recent (conversions during the run only)")
    road_decay_km: float = _f(1.0, 0.01, 100.0, "distance over which road access decays (e-folding), km")
    centre_decay_km: float = _f(5.0, 0.01, 1000.0, "distance over which nearness to a centre decays (e-folding), km")
    convert_full_quota: bool = _f(False, doc="convert exactly the land quota each year (calibration to observed totals); released cells demand leaves empty get a first small project")


@dataclass(frozen=True)
class QuantityLevers:
    growth_boundary: Literal["none", "town", "clusters"] = _f(
        "town", doc="none = anywhere outside the red line; town = a disc around the core; clusters = discs around core and sub-centres")
    boundary_radius_km: YearPath = _f(_path(6.0), 0.1, 1000.0, "radius of the boundary around the core")
    cluster_radius_km: YearPath = _f(_path(1.5), 0.1, 1000.0, "radius of each sub-centre's boundary (clusters)")
    red_line: Literal["none", "water_forest"] = _f("water_forest", doc="water with a buffer plus steep forest are never built")
    land_quota_cells: YearPath = _f(_path(150.0), 0.0, 1e9, "new urban cells the government releases per year")


@dataclass(frozen=True)
class FunctionLevers:
    mixed_use: YearPath = _f(_path(0.2), 0.0, 1.0, "share of new commercial floor built inside residential projects")


@dataclass(frozen=True)
class StructureLevers:
    green_share_min: YearPath = _f(_path(0.1), 0.0, 0.95, "share of undeveloped land inside the boundary kept green (wedges)")
    afforestation_cells: YearPath = _f(_path(0.0), 0.0, 1e9, "farmland / grassland cells afforested per year")


@dataclass(frozen=True)
class LayoutLevers:
    far_cap_core: YearPath = _f(_path(2.5), 0.05, 20.0, "floor-area ratio cap in the core")
    far_cap_subcentre: YearPath = _f(_path(1.5), 0.05, 20.0, "floor-area ratio cap in sub-centres")
    far_cap_other: YearPath = _f(_path(1.2), 0.05, 20.0, "floor-area ratio cap elsewhere")
    core_radius_km: float = _f(1.0, 0.1, 100.0, "radius of the core and of each designated centre")
    subcentres: int = _f(0, 0, 12, "number of sub-centres designated")
    subcentre_year: int = _f(2025, 1800, 2200, "year the sub-centres are designated")
    subcentre_distance_km: float = _f(5.0, 0.5, 500.0, "distance of the sub-centres from the core")
    transit: Literal["none", "core", "trunk"] = _f(
        "none", doc="core = lines across the core; trunk = lines linking the core to every sub-centre")
    transit_year: int = _f(2025, 1800, 2200, "year the transit lines open")
    jobs_in_centres: float = _f(0.0, 0.0, 1.0, "share of new non-residential floor the plan steers into designated centres")


@dataclass(frozen=True)
class EfficiencyLevers:
    retrofit_rate: YearPath = _f(_path(0.01), 0.0, 1.0, "share of not-yet-retrofitted old floor retrofitted per year")


@dataclass(frozen=True)
class RenewalLevers:
    renewal_share: YearPath = _f(_path(0.2), 0.0, 1.0, "share of new floor built by redeveloping existing urban cells")


@dataclass(frozen=True)
class Policy:
    quantity: QuantityLevers = field(default_factory=QuantityLevers)
    function: FunctionLevers = field(default_factory=FunctionLevers)
    structure: StructureLevers = field(default_factory=StructureLevers)
    layout: LayoutLevers = field(default_factory=LayoutLevers)
    efficiency: EfficiencyLevers = field(default_factory=EfficiencyLevers)
    renewal: RenewalLevers = field(default_factory=RenewalLevers)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. `carbon` and `detector` are raw tables validated by their own modules."""

    name: str = _f("baseline", doc="short name, used for the default output folder")
    description: str = _f("", doc="one line on what the policy is")
    schema: int = _f(SCHEMA_VERSION, doc="version of this file format")
    run: RunConfig = field(default_factory=RunConfig)
    region: RegionConfig = field(default_factory=RegionConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    choice: ChoiceConfig = field(default_factory=ChoiceConfig)
    development: DevelopmentConfig = field(default_factory=DevelopmentConfig)
    policy: Policy = field(default_factory=Policy)
    carbon: dict[str, Any] = field(default_factory=dict)
    detector: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the file it was read from (not part of the identity)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain TOML-ready data (year paths as tables); `source` left out."""
        out = _to_plain(self)
        out.pop("source", None)
        return out

    def carbon_parameters(self):
        """The validated carbon factors (defaults overridden by [carbon] and the efficiency levers)."""
        from abm.carbon_params import CarbonParameters

        return CarbonParameters.from_dict(self.carbon, "carbon")

    def detector_config(self):
        """The validated inflection detector settings from [detector]."""
        from abm.inflection import DetectorConfig

        known = {f.name for f in dataclasses.fields(DetectorConfig)}
        for key in self.detector:
            if key not in known:
                raise ConfigError(f"detector.{key}", "unknown field", f"use one of: {', '.join(sorted(known))}")
        return DetectorConfig(**self.detector)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with dotted-key overrides, e.g. {"run.seed": 3, "policy.layout.subcentres": 4}."""
        raw = self.to_dict()
        for dotted, value in overrides.items():
            set_dotted(raw, dotted, value)
        return scenario_from_dict(raw, source=self.source)


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------
def _to_plain(obj: Any) -> Any:
    if isinstance(obj, YearPath):
        return obj.to_toml_value()
    if dataclasses.is_dataclass(obj):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    return obj


def set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(dotted, f"'{part}' is not a table", "override a field inside a table")
    node[parts[-1]] = value


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not _is_year_table(value):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _is_year_table(value: dict[str, Any]) -> bool:
    return bool(value) and all(str(k).lstrip("-").isdigit() for k in value)


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    return getattr(tp, "__name__", str(tp))


def _build(cls: type, raw: Any, prefix: str) -> Any:
    """Build dataclass `cls` from a TOML table, validating every field; errors name the dotted field."""
    if not isinstance(raw, dict):
        raise ConfigError(prefix, f"expected a table, got {raw!r}", f"write [{prefix}] with key = value lines")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in known or key == "source":
            valid = ", ".join(k for k in known if k != "source")
            raise ConfigError(f"{prefix}.{key}".lstrip("."), "unknown field", f"use one of: {valid}")
    values = {}
    for name, value in raw.items():
        where = f"{prefix}.{name}".lstrip(".")
        tp = hints[name]
        meta = known[name].metadata
        lo, hi = meta.get("lo"), meta.get("hi")
        if tp is YearPath:
            values[name] = YearPath.parse(value, where, lo, hi)
        elif dataclasses.is_dataclass(tp):
            values[name] = _build(tp, value, where)
        elif typing.get_origin(tp) is Literal:
            choices = typing.get_args(tp)
            if value not in choices:
                raise ConfigError(where, f"{value!r} is not a valid choice", f"use one of {', '.join(map(repr, choices))}")
            values[name] = value
        elif tp is bool:
            if not isinstance(value, bool):
                raise ConfigError(where, f"expected true or false, got {value!r}", "write true or false")
            values[name] = value
        elif tp in (int, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if tp is int and ok and float(value) != int(value):
                ok = False
            if not ok:
                raise ConfigError(where, f"expected {'an integer' if tp is int else 'a number'}, got {value!r}",
                                  f"write a plain {'integer' if tp is int else 'number'}")
            value = tp(value)
            if lo is not None and value < lo:
                raise ConfigError(where, f"{value} is below the minimum {lo}", f"use a value >= {lo}")
            if hi is not None and value > hi:
                raise ConfigError(where, f"{value} is above the maximum {hi}", f"use a value <= {hi}")
            values[name] = value
        elif tp is str:
            if not isinstance(value, str):
                raise ConfigError(where, f"expected a string, got {value!r}", 'write it in quotes, e.g. "text"')
            values[name] = value
        elif typing.get_origin(tp) in (dict, types.GenericAlias) or tp == dict[str, Any]:
            if not isinstance(value, dict):
                raise ConfigError(where, f"expected a table, got {value!r}", f"write [{where}] with key = value lines")
            values[name] = value
        else:  # pragma: no cover - a schema bug, not a user error
            raise TypeError(f"unsupported field type {_type_name(tp)} for {where}")
    return cls(**values)


def scenario_from_dict(raw: dict[str, Any], source: str = "") -> Scenario:
    """Validate a scenario given as plain data (as read from TOML)."""
    import copy

    raw = copy.deepcopy(raw)
    raw.pop("extends", None)
    efficiency = raw.get("policy", {}).get("efficiency", {}) if isinstance(raw.get("policy"), dict) else {}
    if isinstance(efficiency, dict):
        carbon = raw.setdefault("carbon", {})
        for key in [k for k in efficiency if k in EFFICIENCY_CARBON_KEYS]:
            if isinstance(carbon, dict) and key in carbon:
                raise ConfigError(f"policy.efficiency.{key}", "is also set in [carbon]", "set it in one place")
            carbon[key] = efficiency.pop(key)
    schema = raw.get("schema", SCHEMA_VERSION)
    if schema != SCHEMA_VERSION:
        raise ConfigError("schema", f"version {schema!r} is not supported", f"set schema = {SCHEMA_VERSION}")
    scenario = _build(Scenario, raw, "")
    scenario = dataclasses.replace(scenario, source=source)
    _check_consistency(scenario)
    scenario.carbon_parameters()
    scenario.detector_config()
    return scenario


def _check_consistency(s: Scenario) -> None:
    r = s.region
    if r.kind in ("sleuth", "geotiff") and not r.path:
        raise ConfigError("region.path", f"a {r.kind} region needs a data path", 'set path = "sleuth/demo200" (relative to ABM_DATA_DIR) or an absolute folder')
    lay = s.policy.layout
    if s.policy.quantity.growth_boundary == "clusters" and lay.subcentres == 0:
        raise ConfigError("policy.quantity.growth_boundary", "'clusters' needs sub-centres",
                          "set policy.layout.subcentres >= 1 or use growth_boundary = \"town\"")
    if lay.transit == "trunk" and lay.subcentres == 0:
        raise ConfigError("policy.layout.transit", "'trunk' links sub-centres but there are none",
                          "set policy.layout.subcentres >= 1 or use transit = \"core\"")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file (following `extends = "other.toml"` chains)."""
    path = Path(path)
    raw = _read_toml_chain(path, seen=())
    return scenario_from_dict(raw, source=str(path))


def _read_toml_chain(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if path.resolve() in seen:
        raise ConfigError(f"{path}: extends", "the extends chain loops", "remove the cycle")
    raw = read_toml(path, "scenario", "scenarios/")
    parent = raw.get("extends")
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ConfigError("extends", f"expected a file name, got {parent!r}", 'write extends = "baseline.toml"')
    base = _read_toml_chain(path.parent / parent, seen + (path.resolve(),))
    base.pop("name", None)
    base.pop("description", None)
    return _merge(base, raw)


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write the resolved scenario as TOML (atomically)."""
    from abm.atomic import atomic_write_text

    atomic_write_text(Path(path), dumps_toml(scenario.to_dict()))


def dumps_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for scenario data: scalars, strings, year tables and nested tables."""
    lines: list[str] = []

    def scalar(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {scalar(x)}" for k, x in v.items()) + " }"
        if isinstance(v, float):
            return repr(v)
        return str(v)

    def emit(table: dict[str, Any], prefix: str) -> None:
        subtables = []
        for key, value in table.items():
            if isinstance(value, dict) and not _is_year_table(value) and (value or prefix == ""):
                subtables.append((key, value))
            else:
                lines.append(f"{key} = {scalar(value)}")
        for key, value in subtables:
            name = f"{prefix}.{key}" if prefix else key
            lines.append("")
            lines.append(f"[{name}]")
            emit(value, name)

    emit(data, "")
    return "\n".join(lines).strip() + "\n"


def describe_fields() -> list[tuple[str, str, str]]:
    """(dotted field, default, meaning) for every scenario field: the reference table in the docs."""
    rows: list[tuple[str, str, str]] = []

    def walk(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            tp = hints[f.name]
            name = f"{prefix}.{f.name}" if prefix else f.name
            if dataclasses.is_dataclass(tp) and tp is not YearPath:
                walk(tp, name)
            elif f.name not in ("source", "carbon", "detector"):
                default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
                rows.append((name, str(_to_plain(default)), f.metadata.get("doc", "")))

    walk(Scenario, "")
    return rows


def scenario_reference_markdown() -> str:
    """The table of every scenario field: ``docs/scenarios.md`` holds exactly this (a test checks)."""
    lines = ["| field | default | meaning |", "|---|---|---|"]
    for name, default, doc in describe_fields():
        lines.append(f"| `{name}` | `{default}` | {doc} |")
    return "\n".join(lines) + "\n"

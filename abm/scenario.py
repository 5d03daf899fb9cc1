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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from abm.errors import ConfigError, shown
from abm.paths import YearPath
from abm.schema import (MAX_INTEGER, FieldDoc, build, expect_table, folder_name, is_year_table, reference_markdown,
                        reference_rows, refuse_unknown, section, setting, to_plain, toml_text)
from abm.tomlio import check_depth

SCHEMA_VERSION = 1

#: Efficiency levers that are carbon factors: written under [policy.efficiency] for planners, resolved
#: into the [carbon] table (abm.carbon_params) where the kernels read them.
EFFICIENCY_CARBON_KEYS = ("new_build_factor_residential", "new_build_factor_public", "grid_factor_kg_per_kwh",
                          "renewables_share", "retrofit_saving", "electric_share_residential", "electric_share_public")


def _path(value: float | dict[int, float]) -> YearPath:
    raw = {str(k): v for k, v in value.items()} if isinstance(value, dict) else value
    return YearPath.parse(raw, "default")


# --------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunConfig:
    start_year: int = setting(2020, lo=1900, hi=2200, unit="year", doc="calendar year of tick 0")
    ticks: int = setting(50, lo=1, hi=1000, unit="years", doc="years to simulate")
    seed: int = setting(42, lo=0, hi=2**63 - 1, doc="seed of the model's random generator")
    snapshot_every: int = setting(5, lo=1, hi=1000, unit="ticks", doc="write grid snapshots every this many ticks")


@dataclass(frozen=True)
class RegionConfig:
    kind: Literal["synthetic", "sleuth", "geotiff"] = setting("synthetic", doc="where the land grid comes from")
    path: str = setting("",
                        doc="data folder for sleuth / geotiff regions (relative paths: to the scenario file, then "
                            "ABM_DATA_DIR)")
    year: int = setting(0, lo=0, hi=2200, unit="year", doc="observed year to start from (0 = the first one)")
    rows: int = setting(200, lo=10, hi=20000, unit="cells", doc="synthetic: grid rows")
    cols: int = setting(200, lo=10, hi=20000, unit="cells", doc="synthetic: grid columns")
    cell_size_m: float = setting(100.0, lo=1.0, hi=10000.0, unit="m", doc="cell edge in metres")
    seed: int = setting(7, lo=0, hi=2**63 - 1, doc="synthetic: seed of the terrain and town (independent of run.seed)")
    town_radius_km: float = setting(1.6, lo=0.1, hi=200.0, unit="km", doc="synthetic: radius of the existing town")
    core_far: float = setting(2.0, lo=0.1, hi=20.0, doc="synthetic: floor-area ratio at the town centre")
    villages: int = setting(4, lo=0, hi=1000, doc="synthetic: number of villages")
    growth_boundary_file: str = setting("",
                                        doc="vector file of the growth boundary (replaces "
                                            "policy.quantity.growth_boundary)")
    red_line_file: str = setting("", doc="vector file of the ecological red line (added to policy.quantity.red_line)")
    farmland_file: str = setting("", doc="vector file of permanent basic farmland (added to policy.quantity.farmland)")
    initial_far: float = setting(0.8, lo=0.05, hi=20.0,
                                 doc="data regions: floor-area ratio seeded on observed urban cells")


@dataclass(frozen=True)
class PopulationConfig:
    growth_rate: YearPath = setting(_path({2020: 0.025, 2040: 0.01, 2060: 0.0}), lo=-0.2, hi=0.5, unit="1/yr",
                                    doc="annual growth of the number of households")
    move_rate: float = setting(0.08, lo=0.0, hi=1.0, unit="share/yr",
                               doc="share of households that move home each year")
    leave_rate: float = setting(0.01, lo=0.0, hi=0.5, unit="share/yr",
                                doc="share of households leaving the region each year (replaced by newcomers)")
    household_size: float = setting(2.6, lo=1.0, hi=8.0, unit="persons", doc="mean persons per household")
    income_median_cny: float = setting(90000.0, lo=1000.0, hi=1e7, unit="CNY/yr",
                                       doc="median household income per year")
    car_ownership: float = setting(0.45, lo=0.0, hi=1.0, unit="share",
                                   doc="share of households owning a car (more with income)")
    m2_per_household: float = setting(90.0, lo=10.0, hi=1000.0, unit="m2",
                                      doc="residential floor area one dwelling takes")
    jobs_per_household: float = setting(1.1, lo=0.1, hi=5.0, unit="jobs/household",
                                        doc="jobs in the region per resident household")
    services_share: YearPath = setting(_path({2020: 0.6, 2060: 0.75}), lo=0.0, hi=1.0, unit="share",
                                       doc="share of new jobs in services (rest industry)")
    m2_per_job_services: float = setting(25.0, lo=1.0, hi=500.0, unit="m2/job", doc="commercial floor per services job")
    m2_per_job_industry: float = setting(60.0, lo=1.0, hi=2000.0, unit="m2/job",
                                         doc="industrial floor per industry job")
    firm_size_mean: float = setting(11.0, lo=1.0, hi=10000.0, unit="jobs", doc="mean jobs per firm")
    va_per_job_services_cny: YearPath = setting(_path({2020: 180000.0, 2060: 450000.0}), lo=0.0, hi=1e8,
                                                unit="CNY/job/yr", doc="value added per services job")
    va_per_job_industry_cny: YearPath = setting(_path({2020: 220000.0, 2060: 520000.0}), lo=0.0, hi=1e8,
                                                unit="CNY/job/yr", doc="value added per industry job")
    heavy_industry_share: YearPath = setting(
        _path(0.25), lo=0.0, hi=1.0, unit="share",
        doc="share of industrial value added in heavy, energy-intensive branches (cement and other non-metallic "
            "minerals, iron and steel, non-ferrous metals, chemicals, refining): new industry firms are drawn with "
            "these shares, so the mix follows a path as firms are founded and close",
        source="derived: the five energy-intensive manufacturing branches hold about a quarter of China's "
               "manufacturing value added (China Statistical Yearbook 2021); mining and power are left out (the "
               "grid factor counts power)")
    high_tech_industry_share: YearPath = setting(
        _path(0.42), lo=0.0, hi=1.0, unit="share",
        doc="share of industrial value added in high-tech and equipment manufacturing (machinery, electrical and "
            "electronic equipment, vehicles, instruments, medicine); light manufacturing takes the rest "
            "(1 - heavy - high-tech)",
        source="derived: equipment manufacturing 33.7% and high-tech manufacturing 15.1% of above-scale industrial "
               "value added in 2020 (NBS Statistical Communique 2020; they overlap), about 0.42 of manufacturing")
    firm_move_rate: float = setting(0.03, lo=0.0, hi=1.0, unit="share/yr", doc="share of firms that relocate each year")

    def __post_init__(self) -> None:
        heavy, high = self.heavy_industry_share, self.high_tech_industry_share
        for year in sorted(set(heavy.years) | set(high.years)):
            if heavy.at(year) + high.at(year) > 1.0 + 1e-9:
                raise ConfigError("population.high_tech_industry_share",
                                  f"heavy ({heavy.at(year):g}) + high-tech ({high.at(year):g}) industry shares exceed "
                                  f"1 in {year}", "lower one of them: light manufacturing takes the rest")

    def industry_branch_shares(self, year: int) -> dict[str, float]:
        """Shares of industrial value added by branch in ``year`` (heavy, light, high_tech; they sum to 1)."""
        heavy, high = self.heavy_industry_share.at(year), self.high_tech_industry_share.at(year)
        return {"heavy": heavy, "light": max(0.0, 1.0 - heavy - high), "high_tech": high}


@dataclass(frozen=True)
class ChoiceConfig:
    candidates: int = setting(30, lo=2, hi=500, doc="sampled alternatives per chooser (UrbanSim-style MNL)")
    beta_commute_km: float = setting(-0.18, lo=-10.0, hi=0.0, unit="utils/km",
                                     doc="household utility per km of commute (generalised)")
    beta_rent: float = setting(-1.2, lo=-50.0, hi=0.0, unit="utils per 1000 CNY/m2/yr",
                               doc="household utility per 1000 CNY/m2/yr of rent")
    beta_green: float = setting(1.0, lo=-10.0, hi=10.0, unit="utils",
                                doc="household utility of green share within 500 m")
    beta_density: float = setting(0.15, lo=-10.0, hi=10.0, unit="utils",
                                  doc="household utility per log households per ha nearby")
    firm_beta_labour: float = setting(1.0, lo=-10.0, hi=10.0, unit="utils",
                                      doc="firm utility per log households within reach")
    firm_beta_agglomeration: float = setting(0.8, lo=-10.0, hi=10.0, unit="utils",
                                             doc="firm utility per log jobs nearby")
    firm_beta_rent: float = setting(-0.8, lo=-50.0, hi=0.0, unit="utils per 1000 CNY/m2/yr",
                                    doc="firm utility per 1000 CNY/m2/yr of rent")
    firm_beta_centre: float = setting(1.5, lo=-10.0, hi=10.0, unit="utils",
                                      doc="firm utility of a site in a designated centre")
    transit_cost_factor: float = setting(0.6, lo=0.05, hi=1.0,
                                         doc="commute cost multiplier when both ends are near transit")
    transit_reach_km: float = setting(0.8, lo=0.05, hi=10.0, unit="km",
                                      doc="walking distance to a transit stop counted as access")


@dataclass(frozen=True)
class DevelopmentConfig:
    target_vacancy: float = setting(0.05, lo=0.0, hi=0.5, unit="share", doc="vacancy developers build toward")
    build_share_of_cap: float = setting(0.85, lo=0.05, hi=1.0, unit="share",
                                        doc="share of the allowed floor-area ratio a project builds")
    weight_neighbourhood: float = setting(2.0, lo=0.0, hi=50.0,
                                          doc="greenfield score per urban share of the 5x5 neighbourhood")
    weight_road: float = setting(1.0, lo=0.0, hi=50.0, doc="greenfield score for road access (decays over 1 km)")
    weight_centre: float = setting(1.0, lo=0.0, hi=50.0,
                                   doc="greenfield score for nearness to a centre (decays over 5 km)")
    weight_slope: float = setting(0.08, lo=0.0, hi=10.0, unit="score/%", doc="greenfield score lost per percent slope")
    score_noise: float = setting(0.3, lo=0.0, hi=10.0, doc="spread of developers' idiosyncratic site preferences")
    base_rent_cny_m2: float = setting(600.0, lo=1.0, hi=1e5, unit="CNY/m2/yr", doc="residential rent at the start")
    rent_adjustment: float = setting(0.15, lo=0.0, hi=1.0, unit="share/yr",
                                     doc="rent change per year per unit of excess occupancy")
    weight_edge: float = setting(0.0, lo=0.0, hi=100.0,
                                 doc="greenfield score per urban share of the cell's 8 neighbours (edge growth, cell "
                                     "level)")
    weight_local: float = setting(0.0, lo=0.0, hi=100.0,
                                  doc="greenfield score per urban share of the cell's window of radius "
                                      "local_radius_cells")
    local_radius_cells: int = setting(2, lo=1, hi=50, unit="cells",
                                      doc="radius r of the (2r+1) x (2r+1) window of weight_local and weight_road_edge")
    weight_road_edge: float = setting(0.0, lo=0.0, hi=100.0,
                                      doc="greenfield score for road access times the local urban share (growth along "
                                          "roads near town)")
    weight_recent: float = setting(0.0, lo=-100.0, hi=100.0,
                                   doc="greenfield score per share of the 8 neighbours urbanised in the last "
                                       "recent_years (negative: a fresh front saturates local demand)")
    recent_years: int = setting(5, lo=1, hi=200, unit="years",
                                doc="years a conversion counts as recent for weight_recent (conversions during the "
                                    "run only)")
    road_decay_km: float = setting(1.0, lo=0.01, hi=100.0, unit="km",
                                   doc="distance over which road access decays (e-folding)")
    centre_decay_km: float = setting(5.0, lo=0.01, hi=1000.0, unit="km",
                                     doc="distance over which nearness to a centre decays (e-folding)")
    convert_full_quota: bool = setting(False,
                                       doc="convert exactly the land quota each year (calibration to observed "
                                           "totals); released cells demand leaves empty get a first small project")


@dataclass(frozen=True)
class QuantityLevers:
    growth_boundary: Literal["none", "town", "clusters"] = setting("town",
                                                                   doc="none = anywhere outside the red line; town = "
                                                                       "a disc around the core; clusters = discs "
                                                                       "around core and sub-centres")
    boundary_radius_km: YearPath = setting(_path(6.0), lo=0.1, hi=1000.0, unit="km",
                                           doc="radius of the boundary around the core")
    cluster_radius_km: YearPath = setting(_path(1.5), lo=0.1, hi=1000.0, unit="km",
                                          doc="radius of each sub-centre's boundary (clusters)")
    red_line: Literal["none", "water_forest"] = setting("water_forest",
                                                        doc="water with a buffer plus steep forest are never built")
    farmland: Literal["none", "prime"] = setting(
        "none", doc="permanent basic farmland (永久基本农田), never built: none, or prime = the share farmland_share "
                    "of today's cropland on the gentlest slopes, outside the start year's growth boundary (the "
                    "three lines are drawn not to overlap)")
    farmland_share: float = setting(
        0.8, lo=0.0, hi=1.0, unit="share",
        doc="share of cropland designated permanent basic farmland under farmland = prime (China: 1.546 of "
            "1.918 billion mu, 0.81; Third National Land Survey and the 2022 three-zones-three-lines delimitation)")
    land_quota_cells: YearPath = setting(_path(150.0), lo=0.0, hi=1e9, unit="cells/yr",
                                         doc="new urban cells the government releases per year")


@dataclass(frozen=True)
class FunctionLevers:
    mixed_use: YearPath = setting(_path(0.2), lo=0.0, hi=1.0, unit="share",
                                  doc="share of new commercial floor built inside residential projects")


@dataclass(frozen=True)
class StructureLevers:
    green_share_min: YearPath = setting(_path(0.1), lo=0.0, hi=0.95, unit="share",
                                        doc="share of undeveloped land inside the boundary kept green (wedges)")
    afforestation_cells: YearPath = setting(_path(0.0), lo=0.0, hi=1e9, unit="cells/yr",
                                            doc="farmland / grassland cells afforested per year")


@dataclass(frozen=True)
class LayoutLevers:
    far_cap_core: YearPath = setting(_path(2.5), lo=0.05, hi=20.0, doc="floor-area ratio cap in the core")
    far_cap_subcentre: YearPath = setting(_path(1.5), lo=0.05, hi=20.0, doc="floor-area ratio cap in sub-centres")
    far_cap_other: YearPath = setting(_path(1.2), lo=0.05, hi=20.0, doc="floor-area ratio cap elsewhere")
    core_radius_km: float = setting(1.0, lo=0.1, hi=100.0, unit="km",
                                    doc="radius of the core and of each designated centre")
    subcentres: int = setting(0, lo=0, hi=12, doc="number of sub-centres designated")
    subcentre_year: int = setting(2025, lo=1800, hi=2200, unit="year", doc="year the sub-centres are designated")
    subcentre_distance_km: float = setting(5.0, lo=0.5, hi=500.0, unit="km",
                                           doc="distance of the sub-centres from the core")
    transit: Literal["none", "core", "trunk"] = setting("none",
                                                        doc="core = lines across the core; trunk = lines linking the "
                                                            "core to every sub-centre")
    transit_year: int = setting(2025, lo=1800, hi=2200, unit="year", doc="year the transit lines open")
    jobs_in_centres: float = setting(0.0, lo=0.0, hi=1.0, unit="share",
                                     doc="share of new non-residential floor the plan steers into designated centres")


@dataclass(frozen=True)
class EfficiencyLevers:
    retrofit_rate: YearPath = setting(_path(0.01), lo=0.0, hi=1.0, unit="share/yr",
                                      doc="share of not-yet-retrofitted old floor retrofitted per year")


@dataclass(frozen=True)
class RenewalLevers:
    renewal_share: YearPath = setting(_path(0.2), lo=0.0, hi=1.0, unit="share",
                                      doc="share of new floor built by redeveloping existing urban cells")


@dataclass(frozen=True)
class Policy:
    quantity: QuantityLevers = section(QuantityLevers, doc="total quantity: where and how much land is released")
    function: FunctionLevers = section(FunctionLevers, doc="function: the mix of uses")
    structure: StructureLevers = section(StructureLevers, doc="structure: green land kept and added")
    layout: LayoutLevers = section(LayoutLevers, doc="layout: density caps, centres and transit")
    efficiency: EfficiencyLevers = section(
        EfficiencyLevers, doc="efficiency: retrofits; the carbon-factor levers written here are read into [carbon]")
    renewal: RenewalLevers = section(RenewalLevers, doc="stock renewal versus new build")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. `carbon` and `detector` are raw tables validated by their own modules."""

    name: str = setting("baseline", parse=folder_name, doc="short name, used for the default output folder")
    description: str = setting("", doc="one line on what the policy is")
    schema: int = setting(SCHEMA_VERSION, doc="version of this file format")
    run: RunConfig = section(RunConfig, doc="when the run starts, how long it runs and its seed")
    region: RegionConfig = section(RegionConfig, doc="the land grid: a synthetic town or observed maps")
    population: PopulationConfig = section(PopulationConfig, doc="households and jobs: growth, moves, sizes")
    choice: ChoiceConfig = section(ChoiceConfig, doc="where households and firms choose to locate (logit)")
    development: DevelopmentConfig = section(DevelopmentConfig, doc="where developers build, and rents")
    policy: Policy = section(Policy, doc="the planner's levers, by class")
    carbon: dict[str, Any] = setting({}, doc="carbon factors overriding the defaults (docs/parameters.md)")
    detector: dict[str, Any] = setting({}, doc="inflection detector settings (abm/inflection.py)")
    source: str = ""  # the file it was read from: not part of the file, nor of the identity

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain TOML-ready data (year paths as tables); `source` left out."""
        return to_plain(self)

    def carbon_parameters(self):
        """The validated carbon factors (defaults overridden by [carbon] and the efficiency levers)."""
        from abm.carbon_params import CarbonParameters

        return CarbonParameters.from_dict(self.carbon, "carbon")

    def detector_config(self):
        """The validated inflection detector settings from [detector]."""
        from abm.inflection import DetectorConfig

        known = [f.name for f in dataclasses.fields(DetectorConfig)]
        for key, value in self.detector.items():
            if key not in known:
                refuse_unknown(key, known, "detector")
            if isinstance(value, int) and abs(value) > MAX_INTEGER:  # the detector's own checks would overflow
                raise ConfigError(f"detector.{key}", f"{shown(value, 40)} is too large", "use e.g. the default "
                                  f"{getattr(DetectorConfig(), key)}")
        return DetectorConfig(**self.detector)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with dotted-key overrides, e.g. {"run.seed": 3, "policy.layout.subcentres": 4}."""
        raw = self.to_dict()
        for dotted, value in overrides.items():
            set_dotted(raw, dotted, value)
        return scenario_from_dict(raw, source=self.source)


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------
def set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``raw["a"]["b"] = value`` for ``dotted = "a.b"`` (tables made as needed)."""
    parts = dotted.split(".")
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(dotted, f"'{part}' is not a table", "override a field inside a table")
    node[parts[-1]] = value


def scenario_from_dict(raw: dict[str, Any], source: str = "") -> Scenario:
    """Validate a scenario given as plain data (as read from TOML)."""
    import copy

    check_depth(raw, source)  # before the deep copy, which recurses
    raw = copy.deepcopy(expect_table(raw, ""))
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
    scenario = build(Scenario, raw)
    scenario = dataclasses.replace(scenario, source=source)
    _check_consistency(scenario)
    scenario.carbon_parameters()
    scenario.detector_config()
    return scenario


def _check_consistency(s: Scenario) -> None:
    r = s.region
    if r.kind in ("sleuth", "geotiff") and not r.path:
        raise ConfigError("region.path", f"a {r.kind} region needs a data path",
                          'set path = "sleuth/demo200" (relative to ABM_DATA_DIR) or an absolute folder')
    lay = s.policy.layout
    if s.policy.quantity.growth_boundary == "clusters" and lay.subcentres == 0:
        raise ConfigError("policy.quantity.growth_boundary", "'clusters' needs sub-centres",
                          "set policy.layout.subcentres >= 1 or use growth_boundary = \"town\"")
    if lay.transit == "trunk" and lay.subcentres == 0:
        raise ConfigError("policy.layout.transit", "'trunk' links sub-centres but there are none",
                          "set policy.layout.subcentres >= 1 or use transit = \"core\"")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file, with what it `extends` (a scenario or packages: abm.packages)."""
    from abm.packages import read_scenario_chain

    path = Path(path)
    raw = read_scenario_chain(path)
    return scenario_from_dict(raw, source=str(path))


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write the resolved scenario as TOML (atomically)."""
    from abm.atomic import atomic_write_text

    atomic_write_text(Path(path), dumps_toml(scenario.to_dict()))


def dumps_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for scenario data: scalars, strings, year tables and nested tables."""
    lines: list[str] = []

    def emit(table: dict[str, Any], prefix: str) -> None:
        subtables = []
        for key, value in table.items():
            if isinstance(value, dict) and not is_year_table(value) and (value or prefix == ""):
                subtables.append((key, value))
            else:
                lines.append(f"{key} = {toml_text(value)}")
        for key, value in subtables:
            name = f"{prefix}.{key}" if prefix else key
            lines.append("")
            lines.append(f"[{name}]")
            emit(value, name)

    emit(data, "")
    return "\n".join(lines).strip() + "\n"


def describe_fields() -> list[FieldDoc]:
    """Every scenario field (dotted name, type, default, range, unit, meaning): the docs' reference table."""
    return reference_rows(Scenario)


def scenario_reference_markdown() -> str:
    """The table of every scenario field: ``docs/scenarios.md`` holds exactly this (a test checks)."""
    return reference_markdown(Scenario)

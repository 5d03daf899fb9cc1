"""The factors of an attribution: which scenario fields each lever class or exogenous path owns.

This table is the one place that says which field belongs to which factor (the lead restructures
scenarios into packages: edit the patterns here and `tests/attribution/test_factors.py` checks that
every field of the scenario schema and every ``[carbon]`` key falls in exactly one factor or is
declared as not a lever). A pattern is a dotted field name with ``fnmatch`` wildcards, read against
the *resolved* scenario (`scenario_fields`): ``[carbon]`` holds every carbon factor, the efficiency
levers written under ``[policy.efficiency]`` included (abm.scenario moves them there).

A coalition of factors is scenario A with the fields of those factors taken from scenario B
(`coalition_scenario`). A field that is not a lever (the region, behaviour and calibration
parameters, the detector) must be the same in A and B: the comparison is then about levers and
paths only, and a difference there is refused in one line (`compare_scenarios`).

>>> factor_of("policy.layout.far_cap_core"), factor_of("carbon.ef_car_g_pkm"), factor_of("region.rows")
('layout', 'efficiency', None)
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass
from typing import Any, Literal

from abm.errors import ConfigError
from abm.scenario import Scenario, scenario_from_dict, set_dotted
from abm.schema import flatten_dotted, is_year_table, toml_text
from abm.sweeps.plan import canonical_json

__all__ = ["Factor", "FACTORS", "NOT_LEVERS", "IGNORED", "GROUPS", "Player", "Comparison", "factor_of",
           "scenario_fields", "compare_scenarios", "players_for", "coalition_scenario", "factor_names",
           "factors_markdown"]

Group = Literal["form", "technology", "exogenous"]
#: The groups a planner reads the answer in: urban form, technology, and what planning does not decide.
GROUPS: tuple[Group, ...] = ("form", "technology", "exogenous")


@dataclass(frozen=True)
class Factor:
    """A named set of scenario fields moved together from A to B, and the group it counts in."""

    name: str
    group: Group
    patterns: tuple[str, ...]
    doc: str

    def owns(self, field: str) -> bool:
        return any(fnmatch.fnmatchcase(field, p) for p in self.patterns)


#: factor -> field patterns: the five lever classes, stock renewal, the technology factors, the paths.
FACTORS: tuple[Factor, ...] = (
    Factor("quantity", "form", ("policy.quantity.*",),
           "total quantity: growth boundary, ecological red line, land quota"),
    Factor("function", "form", ("policy.function.*",), "function: mixed use"),
    Factor("structure", "form", ("policy.structure.*",), "structure: green share kept, afforestation"),
    Factor("layout", "form", ("policy.layout.*", "carbon.road_share_new_land"),
           "layout: density caps, centres, transit, the street share of new land"),
    Factor("renewal", "form",
           ("policy.renewal.*", "carbon.renewal_replace_share", "carbon.demolition_cap_share",
            "carbon.demolition_min_age_years"),
           "stock renewal versus new build, and how much a renewal project demolishes"),
    Factor("efficiency", "technology",
           ("policy.efficiency.*", "carbon.retrofit_saving", "carbon.new_build_factor_*", "carbon.electric_share_*",
            "carbon.renewables_share", "carbon.fossil_kgco2_per_kgce", "carbon.industry*_tce_per_10k_cny",
            "carbon.industry_energy_index", "carbon.services_tce_per_10k_cny", "carbon.industry*_electric_share",
            "carbon.industry_fossil_kgco2_per_kgce", "carbon.industry_process_*", "carbon.freight_g_per_tkm", "carbon.ef_*_g_pkm",
            "carbon.car_electric_share", "carbon.bus_electric_share", "carbon.*_kwh_pkm",
            "carbon.embodied_*_kgco2_m2", "carbon.demolition_kgco2_m2", "carbon.road_embodied_kgco2_m2"),
           "technology: building standards, retrofits, electrification, renewables, vehicle, industrial energy "
           "and process, and material factors"),
    Factor("population", "exogenous", ("population.growth_rate",), "exogenous: the household growth path"),
    Factor("economy", "exogenous",
           ("population.va_per_job_*", "population.services_share", "population.*_industry_share"),
           "exogenous: value added per job, the services share of new jobs and the industrial mix"),
    Factor("grid", "exogenous", ("carbon.grid_factor_kg_per_kwh",), "exogenous: the grid emission factor path"),
)

#: Fields that are no lever and no exogenous path: A and B must agree on them (pattern -> why).
NOT_LEVERS: dict[str, str] = {
    "run.start_year": "when the run starts (seed and run length are set by the attribution)",
    "region.*": "the land itself",
    "choice.*": "household and firm behaviour (calibrated)",
    "development.*": "developer behaviour and rents (calibrated)",
    "population.move_rate": "behaviour", "population.leave_rate": "behaviour",
    "population.firm_move_rate": "behaviour",
    "population.household_size": "the region's make-up", "population.income_median_cny": "the region's make-up",
    "population.car_ownership": "the region's make-up", "population.m2_per_*": "the region's make-up",
    "population.jobs_per_household": "the region's make-up", "population.firm_size_mean": "the region's make-up",
    "detector.*": "how inflection points are detected",
    "carbon.climate_zone": "the region's climate", "carbon.heating_*": "the region's climate",
    "carbon.energy_*_kgce_m2": "measured energy of today's stock (CABEE), not a choice",
    "carbon.residential_household_share": "how dwelling energy splits (measured)",
    "carbon.reference_m2_per_household": "how dwelling energy splits (measured)",
    "carbon.highrise_far_*": "building typology thresholds", "carbon.public_floor_share": "the region's make-up",
    "carbon.kwh_kgce": "a physical conversion", "carbon.industry_enabled": "an accounting switch",
    "carbon.freight_tkm_per_cny_*": "the economy's freight intensity (calibrated)",
    "carbon.workdays_per_year": "travel behaviour", "carbon.commuters_per_person": "travel behaviour",
    "carbon.students_per_person": "travel behaviour", "carbon.school_days_per_year": "travel behaviour",
    "carbon.*_trips_per_person_day": "travel behaviour", "carbon.circuity": "the street network",
    "carbon.decay_*": "travel behaviour", "carbon.leisure_green_share": "travel behaviour",
    "carbon.car_km_beyond_region": "travel behaviour (trips leaving the region)", "carbon.car_occupancy": "travel behaviour",
    "carbon.speed_*": "travel speeds", "carbon.road_speedup": "travel speeds", "carbon.access_walk_kmh": "travel speeds",
    "carbon.bus_walk_km": "the bus network", "carbon.metro_station_spacing_km": "the metro network (travel model)", "carbon.wait_*": "service levels", "carbon.car_terminal_min": "travel times",
    "carbon.mode_beta_per_min": "mode choice (calibrated)", "carbon.nest_lambda_*": "mode choice (calibrated)",
    "carbon.asc_*": "mode choice (calibrated)", "carbon.density_*": "mode choice (calibrated)",
    "carbon.carbon_pools_file": "land carbon data", "carbon.soil_loss_on_sealing": "land carbon data",
    "carbon.forest_*": "forest growth and management data", "carbon.sink_*": "land carbon data",
}
#: Fields that name or describe a scenario, or that the attribution sets per run: never compared.
IGNORED = ("name", "description", "schema", "run.seed", "run.ticks", "run.snapshot_every")


def factor_of(field: str) -> str | None:
    """The factor owning a dotted scenario field, or None for a field that is not a lever."""
    owners = [f.name for f in FACTORS if f.owns(field)]
    return owners[0] if owners else None


def factor_names() -> tuple[str, ...]:
    return tuple(f.name for f in FACTORS)


def scenario_fields(scenario: Scenario) -> dict[str, Any]:
    """Every field of the resolved scenario as dotted keys: ``[carbon]`` and ``[detector]`` complete."""
    raw = scenario.to_dict()
    raw["carbon"] = scenario.carbon_parameters().to_dict()
    raw["detector"] = asdict(scenario.detector_config())
    return flatten_dotted(raw, is_leaf=is_year_table)


@dataclass(frozen=True)
class Player:
    """One player of the Shapley game: a factor, or several decomposed together (``quantity+layout``)."""

    name: str
    factors: tuple[str, ...]
    fields: tuple[str, ...]     # the fields where A and B differ, which the player takes from B

    @property
    def group(self) -> str:
        groups = {next(f.group for f in FACTORS if f.name == name) for name in self.factors}
        return groups.pop() if len(groups) == 1 else "mixed"


@dataclass(frozen=True)
class Comparison:
    """Two scenarios as dotted fields, and where they differ, factor by factor."""

    a: dict[str, Any]
    b: dict[str, Any]
    differs: dict[str, tuple[str, ...]]   # factor -> its fields that differ (factors that differ only)
    shared: dict[str, tuple[str, ...]]    # factor -> its fields (factors the same in A and B)

    def describe(self, field: str) -> str:
        """``field a -> b`` in TOML notation (one field of a differing factor)."""
        return f"{field} {toml_text(self.a[field])} -> {toml_text(self.b[field])}"


def compare_scenarios(a: Scenario, b: Scenario, ticks: int | None = None) -> Comparison:
    """Where A and B differ; refuses (ConfigError) a difference in a field that is no lever or path."""
    fa, fb = scenario_fields(a), scenario_fields(b)
    differs: dict[str, list[str]] = {}
    shared: dict[str, list[str]] = {f.name: [] for f in FACTORS}
    for field in sorted(set(fa) | set(fb)):
        if field in IGNORED or (field == "run.ticks" and ticks is None):
            continue
        same = field in fa and field in fb and canonical_json(fa[field]) == canonical_json(fb[field])
        owner = factor_of(field)
        if owner is None:
            if not same:
                why = next((w for p, w in NOT_LEVERS.items() if fnmatch.fnmatchcase(field, p)), "")
                raise ConfigError(field, f"differs between A ({_text(fa, field)}) and B ({_text(fb, field)}) but is "
                                  f"no lever or exogenous path{': ' + why if why else ''}",
                                  "give both scenarios the same value (or add the field to a factor in "
                                  "abm/attribution/factors.py)")
            continue
        (shared if same else differs).setdefault(owner, []).append(field)
    if ticks is None and fa["run.ticks"] != fb["run.ticks"]:
        raise ConfigError("run.ticks", f"A runs {fa['run.ticks']} years, B {fb['run.ticks']}",
                          "give both the same ticks or pass --ticks")
    shared = {k: tuple(v) for k, v in shared.items() if k not in differs}
    return Comparison(fa, fb, {k: tuple(v) for k, v in differs.items()}, shared)


def _text(fields: dict[str, Any], field: str) -> str:
    return toml_text(fields[field]) if field in fields else "unset"


def players_for(comparison: Comparison, groups: list[str] | None = None) -> list[Player]:
    """The players: every factor where A and B differ (in table order), or the factors as grouped.

    `groups` names factors, alone or joined by ``+`` (decomposed together); the differing factors not
    named form one more player, ``rest``. A factor the same in A and B is no player: its Shapley value
    is exactly 0 (a null player), so it costs no run.
    """
    known = factor_names()
    if groups is None:
        groups = [f for f in known if f in comparison.differs]
    seen: set[str] = set()
    players = []
    for group in groups:
        names = tuple(n.strip() for n in group.split("+"))
        for name in names:
            if name not in known:
                raise ConfigError("factors", f"unknown factor {name!r}", f"use factors from {', '.join(known)}")
            if name in seen:
                raise ConfigError("factors", f"{name!r} is named twice", "name each factor once")
            seen.add(name)
        fields = tuple(f for n in names for f in comparison.differs.get(n, ()))
        if fields:
            players.append(Player("+".join(names), names, fields))
    rest = tuple(n for n in known if n in comparison.differs and n not in seen)
    if rest:
        players.append(Player("rest", rest, tuple(f for n in rest for f in comparison.differs[n])))
    return players


def coalition_scenario(comparison: Comparison, players: list[Player], mask: int, seed: int,
                       ticks: int | None) -> dict[str, Any]:
    """The resolved scenario of a coalition (bit i of `mask` set: player i's fields from B), as plain data.

    Named ``coalition`` so that equal coalitions of different comparisons have the same run id.
    """
    fields = dict(comparison.a)
    chosen = [p for i, p in enumerate(players) if mask >> i & 1]
    for player in chosen:
        for field in player.fields:
            fields[field] = comparison.b[field]
    fields.update({"name": "coalition", "description": "", "run.seed": int(seed)})
    if ticks is not None:
        fields["run.ticks"] = int(ticks)
    raw: dict[str, Any] = {}
    for field, value in fields.items():
        set_dotted(raw, field, value)
    try:
        return scenario_from_dict(raw).to_dict()
    except ConfigError as err:
        names = ", ".join(p.name for p in chosen) or "none"
        others = [p.name for p in players if p not in chosen]
        raise ConfigError(f"coalition {{{names}}}", f"A with these factors from B is no valid scenario ({err})",
                          f"decompose the factors involved together, e.g. --factors "
                          f"{'+'.join([chosen[0].name, others[0]]) if chosen and others else 'a+b'}") from None


def factors_markdown() -> str:
    """The factor table of docs/attribution.md (a test checks the page holds exactly this)."""
    lines = ["| factor | group | fields (patterns of the resolved scenario) | what it is |", "|---|---|---|---|"]
    for f in FACTORS:
        lines.append(f"| `{f.name}` | {f.group} | {', '.join(f'`{p}`' for p in f.patterns)} | {f.doc} |")
    lines += ["", "Not levers (must be the same in A and B):", "", "| fields | why |", "|---|---|"]
    by_reason: dict[str, list[str]] = {}
    for pattern, why in NOT_LEVERS.items():
        by_reason.setdefault(why, []).append(pattern)
    for why, patterns in by_reason.items():
        lines.append(f"| {', '.join(f'`{p}`' for p in patterns)} | {why} |")
    lines.append(f"| {', '.join(f'`{p}`' for p in IGNORED)} | names, or set by the attribution per run |")
    return "\n".join(lines) + "\n"

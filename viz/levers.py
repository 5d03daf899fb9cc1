"""The planners' levers: which scenario fields the app shows, how typed text becomes a scenario.

Every field the app shows is a `Lever`: a dotted scenario field (as `Scenario.with_overrides` takes it),
a label and its lever class. A planner types text; `apply_edits` turns the edited texts into a new
validated scenario, or into one message per bad field (the `ConfigError` text, shown beside the
field). Validation is the scenario's own: the app never re-implements a range check.

A number lever takes a plain number or a year path written ``2020: 4, 2030: 3.2`` (the TOML table
``{ 2020 = 4, 2030 = 3.2 }``), so the tightening boundary of the compact plan stays editable.

>>> from abm.scenario import scenario_from_dict
>>> base = scenario_from_dict({})
>>> scenario, errors = apply_edits(base, {"policy.layout.far_cap_core": "3.5"})
>>> scenario.policy.layout.far_cap_core.at(2030), errors
(3.5, {})
>>> apply_edits(base, {"policy.layout.far_cap_core": "-1"})[1]["policy.layout.far_cap_core"]
'policy.layout.far_cap_core: value -1.0 is below the minimum 0.05 (fix: use a value >= 0.05)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from abm.errors import ConfigError
from abm.scenario import Scenario

#: Lever classes in the order the app shows them (DESIGN.md 1, plus stock renewal).
GROUPS: tuple[str, ...] = ("Total quantity", "Function", "Structure", "Layout", "Efficiency", "Renewal")


@dataclass(frozen=True)
class Lever:
    """One editable scenario field.

    ``kind``: ``number`` (a number or a year path), ``integer``, ``choice`` (one of ``choices``) or
    ``path_end`` (the last value of a year path, e.g. the grid factor reached in 2060).
    """

    key: str
    label: str
    group: str
    kind: str = "number"
    unit: str = ""
    choices: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Short id, unique among levers: used for CSS classes and test selectors."""
        return self.key.rsplit(".", 1)[-1]


LEVERS: tuple[Lever, ...] = (
    Lever("policy.quantity.growth_boundary", "growth boundary", "Total quantity", "choice",
          choices=("none", "town", "clusters")),
    Lever("policy.quantity.boundary_radius_km", "boundary radius", "Total quantity", unit="km"),
    Lever("policy.quantity.land_quota_cells", "land quota", "Total quantity", unit="cells/yr"),
    Lever("policy.function.mixed_use", "mixed-use share", "Function", unit="0-1"),
    Lever("policy.structure.green_share_min", "green share (min)", "Structure", unit="0-1"),
    Lever("policy.structure.afforestation_cells", "afforestation", "Structure", unit="cells/yr"),
    Lever("policy.layout.far_cap_core", "FAR cap, core", "Layout"),
    Lever("policy.layout.far_cap_subcentre", "FAR cap, sub-centres", "Layout"),
    Lever("policy.layout.far_cap_other", "FAR cap, elsewhere", "Layout"),
    Lever("policy.layout.subcentres", "sub-centres", "Layout", "integer"),
    Lever("policy.layout.transit", "transit", "Layout", "choice", choices=("none", "core", "trunk")),
    Lever("policy.efficiency.retrofit_rate", "retrofit rate", "Efficiency", unit="share/yr"),
    Lever("carbon.grid_factor_kg_per_kwh", "grid factor, end value", "Efficiency", "path_end", unit="kgCO2/kWh"),
    Lever("policy.renewal.renewal_share", "renewal share", "Renewal", unit="0-1"),
)

#: Run settings shared by both policies of a comparison.
SEED = Lever("run.seed", "seed", "Run", "integer")
TICKS = Lever("run.ticks", "ticks (years)", "Run", "integer")

BY_KEY: dict[str, Lever] = {lever.key: lever for lever in (*LEVERS, SEED, TICKS)}


# --------------------------------------------------------------------------------------------------
# Showing values
# --------------------------------------------------------------------------------------------------
def _get(raw: dict[str, Any], dotted: str) -> Any:
    node: Any = raw
    for part in dotted.split("."):
        node = node[part]
    return node


def format_number(value: float) -> str:
    """Short, exact enough for a field: 3.0 -> '3', 0.05 -> '0.05', 120.0 -> '120'."""
    return f"{float(value):.6g}"


def format_path(value: Any) -> str:
    """A number or a {year: value} table as the text a planner edits ('2020: 4, 2030: 3.2')."""
    if isinstance(value, dict):
        return ", ".join(f"{int(y)}: {format_number(v)}" for y, v in sorted(value.items(), key=lambda kv: int(kv[0])))
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    return format_number(value)


def grid_factor_path(scenario: Scenario) -> dict[int, float]:
    """The scenario's grid emission factor path (defaults included) as {year: kgCO2/kWh}."""
    path = scenario.carbon_parameters().grid_factor_kg_per_kwh
    return dict(zip(path.years, path.values))


def lever_text(scenario: Scenario, lever: Lever) -> str:
    """The text a field shows for `scenario` before any edit."""
    if lever.kind == "path_end":
        path = grid_factor_path(scenario)
        return format_number(path[max(path)])
    value = _get(scenario.to_dict(), lever.key)
    if lever.kind == "integer":
        return str(int(value))
    return format_path(value)


def lever_hint(scenario: Scenario, lever: Lever) -> str:
    """A one-line hint under the field (unit, and the year of an end value)."""
    if lever.kind == "path_end":
        path = grid_factor_path(scenario)
        return f"{lever.unit} in {max(path)} (path: {format_path({str(y): v for y, v in path.items()})})"
    if lever.kind == "number":
        return f"{lever.unit}; or a path 2020: a, 2030: b" if lever.unit else "or a path 2020: a, 2030: b"
    return lever.unit


# --------------------------------------------------------------------------------------------------
# Reading typed text
# --------------------------------------------------------------------------------------------------
def _number(text: str, lever: Lever) -> float:
    try:
        return float(text.replace("_", ""))
    except ValueError:
        raise ConfigError(lever.key, f"{text!r} is not a number",
                          "write a number such as 3.5" + (" or a path such as 2020: 4, 2030: 3.2"
                                                          if lever.kind == "number" else "")) from None


def parse_text(lever: Lever, text: str, scenario: Scenario) -> tuple[str, Any]:
    """The (dotted field, value) override a typed text stands for; ConfigError if it is not readable."""
    text = str(text).strip()
    if not text:
        raise ConfigError(lever.key, "is empty", "type a value")
    if lever.kind == "choice":
        if text not in lever.choices:
            raise ConfigError(lever.key, f"{text!r} is not a valid choice", f"use one of {', '.join(lever.choices)}")
        return lever.key, text
    if lever.kind == "integer":
        try:
            return lever.key, int(text.replace("_", ""))
        except ValueError:
            raise ConfigError(lever.key, f"{text!r} is not a whole number", "write a whole number such as 3") from None
    if lever.kind == "path_end":
        path = grid_factor_path(scenario)
        path[max(path)] = _number(text, lever)
        return lever.key, {str(y): v for y, v in sorted(path.items())}
    if ":" in text or "=" in text:  # a year path
        table: dict[str, float] = {}
        for item in text.strip("{} ").split(","):
            if not item.strip():
                continue
            year, sep, value = item.replace("=", ":").partition(":")
            if not sep or not year.strip().isdigit():
                raise ConfigError(lever.key, f"{item.strip()!r} is not 'year: value'",
                                  "write a path such as 2020: 4, 2030: 3.2")
            table[year.strip()] = _number(value.strip(), lever)
        if not table:
            raise ConfigError(lever.key, "the path is empty", "write a path such as 2020: 4, 2030: 3.2")
        return lever.key, table
    return lever.key, _number(text, lever)


def owner(field: str, candidates: list[str]) -> str | None:
    """The lever key a ConfigError field belongs to (``policy.x.y.2030`` -> ``policy.x.y``)."""
    for key in sorted(candidates, key=len, reverse=True):
        if field == key or field.startswith(key + "."):
            return key
    return None


def apply_edits(base: Scenario, edits: dict[str, str]) -> tuple[Scenario | None, dict[str, str]]:
    """The scenario `base` with the typed `edits` ({lever key: text}), or None and {lever key: message}.

    Each edited field is checked on its own first, so that every bad field gets its own message; then
    all together (a combination can be refused, e.g. trunk transit with no sub-centres), the message
    going beside the field the error names and beside the edited fields. The key "" holds a message
    that belongs to no field.
    """
    errors: dict[str, str] = {}
    overrides: dict[str, Any] = {}
    keys = list(BY_KEY)
    for key, text in edits.items():
        lever = BY_KEY[key]
        try:
            field, value = parse_text(lever, text, base)
            base.with_overrides({field: value})
        except ConfigError as err:
            errors.update(_place(err, [key]))
            continue
        overrides[field] = value
    if errors:
        return None, errors
    try:
        return base.with_overrides(overrides), {}
    except ConfigError as err:
        return None, _place(err, list(edits))


def _place(err: ConfigError, edited: list[str]) -> dict[str, str]:
    """Beside the field the error names and beside the field(s) just edited: the planner sees both ends."""
    out = {key: str(err) for key in edited}
    named = owner(err.field, list(BY_KEY))
    if named is not None:
        out[named] = str(err)
    return out or {"": str(err)}

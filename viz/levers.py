"""The planners' levers: which scenario fields the app shows, how typed text becomes a scenario.

Every field the app shows is a `Lever`: a dotted scenario field (as `Scenario.with_overrides` takes it),
a label and its lever class. A planner types text; `apply_edits` validates all the edited texts
together and turns them into a scenario holding every edit that can be applied, plus one plain
message per refused field (shown beside it). Validation is the scenario's own: the app never
re-implements a range check, it only rewords the refusal (`plain_message`).

A number lever takes a plain number or a year path written ``2020: 4, 2030: 3.2`` (the TOML table
``{ 2020 = 4, 2030 = 3.2 }``), so the tightening boundary of the compact plan stays editable.

>>> from abm.scenario import scenario_from_dict
>>> base = scenario_from_dict({})
>>> scenario, errors = apply_edits(base, {"policy.layout.far_cap_core": "3.5"})
>>> scenario.policy.layout.far_cap_core.at(2030), errors
(3.5, {})
>>> scenario, errors = apply_edits(base, {"policy.layout.far_cap_core": "-1", "policy.layout.subcentres": "3",
...                                       "policy.layout.transit": "trunk"})
>>> errors["policy.layout.far_cap_core"]
'-1.0 is below the minimum 0.05: use a value of 0.05 or more (valid: 0.05 to 20)'
>>> scenario.policy.layout.transit, scenario.policy.layout.far_cap_core.at(2030)  # the rest is applied
('trunk', 2.5)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from abm.errors import ConfigError
from abm.scenario import Scenario
from viz.i18n import join, tr

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

    def label_in(self, lang: str = "en") -> str:
        """The field's label in the page's language (viz.i18n)."""
        return tr(self.label, lang)


LEVERS: tuple[Lever, ...] = (
    Lever("policy.quantity.growth_boundary", "growth boundary", "Total quantity", "choice",
          choices=("none", "town", "clusters")),
    Lever("policy.quantity.boundary_radius_km", "boundary radius", "Total quantity", unit="km"),
    Lever("policy.quantity.land_quota_cells", "land quota", "Total quantity", unit="cells/yr"),
    Lever("policy.function.mixed_use", "mixed-use share", "Function", unit="share"),
    Lever("policy.structure.green_share_min", "green share (min)", "Structure", unit="share"),
    Lever("policy.structure.afforestation_cells", "afforestation", "Structure", unit="cells/yr"),
    Lever("policy.layout.far_cap_core", "FAR cap, core", "Layout"),
    Lever("policy.layout.far_cap_subcentre", "FAR cap, sub-centres", "Layout"),
    Lever("policy.layout.far_cap_other", "FAR cap, elsewhere", "Layout"),
    Lever("policy.layout.subcentres", "sub-centres", "Layout", "integer"),
    Lever("policy.layout.transit", "transit", "Layout", "choice", choices=("none", "core", "trunk")),
    Lever("policy.efficiency.retrofit_rate", "retrofit rate", "Efficiency", unit="share/yr"),
    Lever("carbon.grid_factor_kg_per_kwh", "grid factor, end value", "Efficiency", "path_end", unit="kgCO2/kWh"),
    Lever("policy.renewal.renewal_share", "renewal share", "Renewal", unit="share"),
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


def lever_hint(scenario: Scenario, lever: Lever, lang: str = "en") -> str:
    """A one-line hint under the field: its valid range and unit (and the year of an end value), so a
    planner knows what is accepted before typing."""
    valid = " ".join(part for part in (valid_range(lever, lang), tr(lever.unit, lang) if lever.unit else "") if part)
    if lever.kind == "path_end":
        path = grid_factor_path(scenario)
        return tr("{valid} in {year} (path: {path})", lang, valid=valid, year=max(path),
                  path=format_path({str(y): v for y, v in path.items()}))
    if lever.kind == "number":
        return tr("{valid}; or a path 2020: a, 2030: b", lang, valid=valid)
    return valid


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


#: Forms a Chinese keyboard gives that NFKC leaves alone: the enumeration comma, the minus sign, the full stop.
WIDE_FORMS = str.maketrans({"、": ",", ";": ",", "\u2212": "-", "。": "."})

#: The years a year path may name: outside them a year is a typo (1800, 99999), not a plan. The run's
#: own years always count (a scenario may start before 1900 or run past 2200).
PATH_YEARS = (1900, 2200)


def normalise(text: str) -> str:
    """Typed text with full-width forms made plain, so a Chinese keyboard's input reads like an English one.

    >>> normalise(" 2020：6，2030：4 "), normalise("２０３０：３．５；2040、2")
    ('2020:6,2030:4', '2030:3.5,2040,2')
    """
    return unicodedata.normalize("NFKC", str(text)).translate(WIDE_FORMS).strip()


def path_years(scenario: Scenario) -> tuple[int, int]:
    """The first and last year a path of `scenario` may name: `PATH_YEARS`, widened to the run's own years."""
    start = scenario.run.start_year
    return min(PATH_YEARS[0], start), max(PATH_YEARS[1], start + scenario.run.ticks)


def parse_path(lever: Lever, text: str, scenario: Scenario) -> dict[str, float]:
    """A year path typed as '2020: 4, 2030: 3.2' (or '2020 = 4', '2020年: 4') as a {year: value} table; a
    year outside `path_years` or given twice is refused."""
    lo, hi = path_years(scenario)
    first, last = scenario.run.start_year + 1, scenario.run.start_year + scenario.run.ticks
    table: dict[str, float] = {}
    for item in text.strip("{} ").split(","):
        if not item.strip():
            continue
        year, sep, value = item.replace("=", ":").partition(":")
        year = year.strip().removesuffix("年").strip()
        if not sep or not year.isdigit():
            raise ConfigError(lever.key, f"{item.strip()!r} is not 'year: value'", "write a path such as 2020: 4, 2030: 3.2")
        if not lo <= int(year) <= hi:
            raise ConfigError(lever.key, f"year {int(year)} is outside {lo}-{hi} (this run simulates {first}-{last})",
                              f"write the path's years within {lo}-{hi}")
        if str(int(year)) in table:
            raise ConfigError(lever.key, f"year {int(year)} is given twice", "give each year once")
        table[str(int(year))] = _number(value.strip(), lever)
    if not table:
        raise ConfigError(lever.key, "the path is empty", "write a path such as 2020: 4, 2030: 3.2")
    return table


def parse_text(lever: Lever, text: str, scenario: Scenario) -> tuple[str, Any]:
    """The (dotted field, value) override a typed text stands for; ConfigError if it is not readable.
    Full-width digits and punctuation read as their plain forms (`normalise`)."""
    text = normalise(text)
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
        return lever.key, parse_path(lever, text, scenario)
    return lever.key, _number(text, lever)


def owner(field: str, candidates: list[str]) -> str | None:
    """The lever key a ConfigError field belongs to (``policy.x.y.2030`` -> ``policy.x.y``)."""
    for key in sorted(candidates, key=len, reverse=True):
        if field == key or field.startswith(key + "."):
            return key
    return None


def apply_edits(base: Scenario, edits: dict[str, str], lang: str = "en") -> tuple[Scenario, dict[str, str]]:
    """`base` with every typed edit ({lever key: text}) that can be applied, and {lever key: message}
    for the ones that cannot.

    The edits are validated together, never one at a time against the file: a combination (three
    sub-centres and trunk transit) is accepted whatever order it was typed in. Edits are tried oldest
    first (the order of `edits`) and those refused are tried again once others are in, until nothing
    changes; what is still refused then conflicts with the accepted edits or is out of range, and
    gets its message (in `lang`). The scenario returned always runs: it holds the accepted edits only.
    """
    errors: dict[str, str] = {}
    parsed: dict[str, tuple[str, Any]] = {}
    for key, text in edits.items():
        try:
            parsed[key] = parse_text(BY_KEY[key], text, base)
        except ConfigError as err:
            errors[key] = plain_message(err, key, lang)
    accepted: dict[str, Any] = {}
    refused: dict[str, ConfigError] = {}
    pending, changed = list(parsed), True
    while pending and changed:
        changed = False
        for key in list(pending):
            field, value = parsed[key]
            try:
                base.with_overrides({**accepted, field: value})
            except ConfigError as err:
                refused[key] = err
                continue
            accepted[field] = value
            pending.remove(key)
            changed = True
    errors.update({key: plain_message(refused[key], key, lang) for key in pending})
    return base.with_overrides(accepted), errors


# --------------------------------------------------------------------------------------------------
# Plain messages
# --------------------------------------------------------------------------------------------------
#: The scenario's combination checks (abm.scenario), said the way a planner would say them.
COMBINATIONS: dict[tuple[str, str], str] = {
    ("policy.layout.transit", "'trunk' links sub-centres but there are none"):
        "trunk transit links the sub-centres, but there are none: set sub-centres to 1 or more, or choose "
        "transit core",
    ("policy.quantity.growth_boundary", "'clusters' needs sub-centres"):
        "a clusters boundary is drawn around the sub-centres, but there are none: set sub-centres to 1 or more, "
        "or choose the town boundary",
}


def valid_range(lever: Lever, lang: str = "en") -> str:
    """What a field accepts, from the scenario schema itself (e.g. '0.05 to 20', 'one of none, core, trunk')."""
    if lever.choices:
        return tr("one of {choices}", lang, choices=join([tr(c, lang) for c in lever.choices], lang))
    lo, hi = _bounds(lever)
    if lo is None:
        return ""
    if hi is None or hi >= 1e6:
        return tr("{lo} or more", lang, lo=format_number(lo))
    return tr("{lo} to {hi}", lang, lo=format_number(lo), hi=format_number(hi))


@functools.lru_cache(maxsize=1)
def schema_rows() -> dict[str, Any]:
    """Dotted field -> its reference row (range, unit, meaning) as the schema states it: scenario fields
    and [carbon] factors (abm.schema.FieldDoc)."""
    from abm.carbon_params import CarbonParameters
    from abm.schema import reference_rows

    rows = {r.name: r for r in reference_rows(Scenario)}
    rows.update({f"carbon.{r.name}": r for r in reference_rows(CarbonParameters)})
    return rows


def _bounds(lever: Lever) -> tuple[float | None, float | None]:
    row = schema_rows().get(lever.key)
    text = row.range if row is not None else ""
    lo, sep, hi = text.partition(" to ")
    try:
        return (float(lo), float(hi)) if sep else (None, None)
    except ValueError:
        return None, None


#: The refusals of the scenario's checks and of `parse_text`, as patterns of their problem, each with the
#: message id of its Chinese wording (viz.i18n.ZH); the English page rewords the problem itself.
PROBLEMS: tuple[tuple[str, str], ...] = (
    (r"^(?:value )?(?P<value>\S+) is below the minimum (?P<lo>\S+)$", "{value} is below the minimum {lo}"),
    (r"^(?:value )?(?P<value>\S+) is above the maximum (?P<hi>\S+)$", "{value} is above the maximum {hi}"),
    (r"^(?P<text>'.*') is not a number(?: \([\d,]+ characters\))?$", "{text} is not a number"),
    (r"^(?P<text>'.*') is not a whole number(?: \([\d,]+ characters\))?$", "{text} is not a whole number"),
    (r"^(?P<text>'.*') is not 'year: value'(?: \([\d,]+ characters\))?$", "{text} is not 'year: value'"),
    (r"^(?P<text>'.*') is not a valid choice(?: \([\d,]+ characters\))?$", "{text} is not a valid choice"),
    (r"^(?:value )?(?P<value>\S+) is not finite$", "{value} is not finite"),
    (r"^is empty$", "the field is empty"),
    (r"^the path is empty$", "the path is empty"),
    (r"^year (?P<year>\d+) is outside (?P<lo>\d+)-(?P<hi>\d+) \(this run simulates (?P<first>\d+)-(?P<last>\d+)\)$",
     "year {year} is outside {lo}-{hi} (this run simulates {first}-{last})"),
    (r"^year (?P<year>\d+) is given twice$", "year {year} is given twice"),
)


def plain_message(err: ConfigError, key: str, lang: str = "en") -> str:
    """A refusal in a planner's words: the problem and what to do, with the field's label instead of its
    dotted name and its valid range (the scenario's own check decides; this only rewords it).

    >>> plain_message(ConfigError("policy.layout.far_cap_core", "value -1.0 is below the minimum 0.05",
    ...                           "use a value >= 0.05"), "policy.layout.far_cap_core")
    '-1.0 is below the minimum 0.05: use a value of 0.05 or more (valid: 0.05 to 20)'
    """
    lever = BY_KEY[key]
    if lang != "en":
        return translated_message(err, key, lang)
    text = COMBINATIONS.get((err.field, err.problem))
    if text is None:
        problem = re.sub(r"^value ", "", err.problem)
        problem = "the field " + problem if problem.startswith("is ") else problem
        fix = re.sub(r",? e\.g\. [\w.]+ = .*$", "", err.fix)
        fix = "" if fix.startswith("use a value from ") else fix  # the valid range below says it
        fix = re.sub(r">= ?([-\d.e+]+)", r"of \1 or more", fix)
        fix = re.sub(r"<= ?([-\d.e+]+)", r"of \1 or less", fix)
        for other in BY_KEY.values():
            fix = fix.replace(other.key, other.label)
        year = err.field[len(key) + 1:] if err.field.startswith(key + ".") else ""
        text = (f"in {year}: " if year.isdigit() else "") + problem + (f": {fix}" if fix else "")
    valid = valid_range(lever)
    return text + (f" (valid: {valid})" if valid and lever.kind != "choice" else "")


def translated_message(err: ConfigError, key: str, lang: str) -> str:
    """A refusal in `lang`: the problem's pattern (`PROBLEMS`) worded in that language, the year it is in,
    and the field's valid range. A problem no pattern knows keeps its own (English) words."""
    lever = BY_KEY[key]
    combination = COMBINATIONS.get((err.field, err.problem))
    if combination is not None:
        return tr(combination, lang)
    for pattern, message in PROBLEMS:
        match = re.match(pattern, err.problem)
        if match:
            text = tr(message, lang, **match.groupdict())
            break
    else:
        text = tr("cannot be applied: {problem}", lang, problem=err.problem)
    year = err.field[len(key) + 1:] if err.field.startswith(key + ".") else ""
    text = (tr("in {year}: ", lang, year=year) if year.isdigit() else "") + text
    if lever.kind == "choice":
        return text + tr(": use {valid}", lang, valid=valid_range(lever, lang))
    valid = valid_range(lever, lang)
    return text + (tr(" (valid: {valid})", lang, valid=valid) if valid else "")

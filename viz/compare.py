"""An honest comparison of two policies: every setting that differs between A and B (the controls' own
and the ones they do not show), what the gap can therefore be credited to, and a verdict a planner can
quote (each inflection year of A and B and the gap in years, cumulative emissions and urban land saved).

The differing settings come from `abm.attribution.factors.compare_scenarios`, the same field-by-field
comparison `abm attribute` uses, so the app and the attribution never disagree about what differs.
When A and B differ in a field that is no lever (behaviour, the land), that comparison refuses; the
app then lists every differing field all the same and says the gap is not the policy's alone.

>>> from abm.scenario import scenario_from_dict
>>> a = scenario_from_dict({"policy": {"layout": {"subcentres": 2, "transit_year": 2030}}})
>>> diff = settings_diff(a, scenario_from_dict({}))
>>> [(row.label, row.a, row.b, row.shown) for row in diff.rows]
[('sub-centres', '2', '0', True), ('policy.layout.transit_year (year the transit lines open)', '2030', '2025', False)]
>>> diff.credit
"A and B differ in urban form only (layout): the gaps below are urban form's."
"""

from __future__ import annotations

import fnmatch
import html
import math
from dataclasses import dataclass
from typing import Any, Sequence

from abm.attribution.factors import FACTORS, IGNORED, NOT_LEVERS, compare_scenarios, factor_of, scenario_fields
from abm.errors import ConfigError
from abm.inflection import CROSSED, EVENT_NAMES, NET_ZERO, PASSED_AT_START
from abm.scenario import Scenario
from abm.schema import toml_text
from viz import levers
from viz.i18n import ZH, join, tr, years

GROUP_WORDS = {"form": "urban form", "technology": "technology", "exogenous": "exogenous paths",
               "none": "settings that are no planning lever"}


@dataclass(frozen=True)
class SettingRow:
    """One setting that differs: its field, how the page names it, its factor and group, A's and B's value."""

    field: str
    label: str
    factor: str       # the attribution factor owning it ("" for a field that is no lever)
    group: str        # form / technology / exogenous / none
    a: str
    b: str
    shown: bool       # a field of the app's controls (else: set in the scenario file only)


@dataclass(frozen=True)
class SettingsDiff:
    rows: tuple[SettingRow, ...]
    credit: str       # one sentence: what the gaps can be credited to


def setting_text(field: str, fields: dict[str, Any], lang: str) -> str:
    """A setting's value as the table shows it: TOML, a choice in the page's language, or 'unset'."""
    if field not in fields:
        return tr("unset", lang)
    lever = levers.BY_KEY.get(field)
    if lang != "en" and lever is not None and lever.choices and fields[field] in lever.choices:
        return tr(fields[field], lang)
    return toml_text(fields[field])


def _row(field: str, fa: dict[str, Any], fb: dict[str, Any], lang: str = "en") -> SettingRow:
    lever = levers.BY_KEY.get(field)
    factor = factor_of(field) or ""
    group = next((f.group for f in FACTORS if f.name == factor), "none")
    doc = levers.schema_rows().get(field)
    doc_text = doc.doc if doc is not None and doc.doc and lever is None else ""
    if lang != "en" and doc_text:  # the field's description if the table has it, else its dotted name alone
        doc_text = ZH.get(doc_text, "")
    label = lever.label_in(lang) if lever else field + (tr(" ({doc})", lang, doc=doc_text) if doc_text else "")
    return SettingRow(field, label, factor, group, setting_text(field, fa, lang), setting_text(field, fb, lang),
                      lever is not None)


def settings_diff(a: Scenario, b: Scenario, lang: str = "en") -> SettingsDiff:
    """Every setting where the scenarios A and B differ, grouped by factor (names and descriptions aside)."""
    try:
        comparison = compare_scenarios(a, b)
    except ConfigError as err:
        fa, fb = scenario_fields(a), scenario_fields(b)
        fields = [f for f in sorted(set(fa) | set(fb)) if f not in IGNORED and fa.get(f, None) != fb.get(f, None)]
        rows = sorted((_row(f, fa, fb, lang) for f in fields), key=lambda r: (r.group == "none", r.factor, r.field))
        why = next((w for p, w in NOT_LEVERS.items() if fnmatch.fnmatchcase(err.field, p)), "not a lever")
        return SettingsDiff(tuple(rows), tr("A and B also differ in settings that are no planning lever ({field}: "
                                            "{why}): the gaps below are not the policies' alone.", lang,
                                            field=err.field, why=tr(why, lang)))
    order = [f.name for f in FACTORS]
    rows = [_row(field, comparison.a, comparison.b, lang)
            for factor in sorted(comparison.differs, key=order.index) for field in comparison.differs[factor]]
    return SettingsDiff(tuple(rows), credit_sentence(rows, lang))


def credit_sentence(rows: Sequence[SettingRow], lang: str = "en") -> str:
    """What the gaps can be credited to, given the groups the differing settings fall in."""
    if not rows:
        return tr("A and B are the same policy: on one seed they run the same city.", lang)
    groups: dict[str, list[str]] = {}
    for row in rows:
        names = groups.setdefault(row.group, [])
        if row.factor not in names:
            names.append(row.factor)
    words = {g: join([tr(n, lang) for n in names], lang) for g, names in groups.items()}
    if list(groups) == ["form"]:
        return tr("A and B differ in urban form only ({factors}): the gaps below are urban form's.", lang,
                  factors=words["form"])
    parts = [tr("{group} ({factors})", lang, group=tr(GROUP_WORDS[g], lang), factors=words[g]) for g in groups]
    return tr("A and B differ in {parts}: the gaps below are not urban form's alone; `abm attribute` splits them.",
              lang, parts=tr(" and in ", lang).join(parts))


# --------------------------------------------------------------------------------------------------
# The verdict
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerdictRow:
    label: str
    a: str
    b: str
    gap: str          # B against A, in words


def event_year(event: dict[str, Any], first_year: int, end_year: int | None, lang: str = "en") -> str:
    """An event's year as the verdict shows it: '2031', 'before 2023', '2031? (candidate)', 'not reached by
    2070' or 'not yet'. A running candidate (key ``candidate_year``) counts only while the run goes on."""
    if event["state"] == CROSSED:
        return str(event["year"])
    if event["state"] == PASSED_AT_START:
        return tr("before {first}", lang, first=first_year)
    if end_year is not None:
        return tr("not reached by {end}", lang, end=end_year)
    if event.get("candidate_year") is None:
        return tr("not yet", lang)
    if event.get("candidate_at_start"):
        return tr("before {first}? (candidate)", lang, first=first_year)
    return tr("{year}? (candidate)", lang, year=event["candidate_year"])


def _year(event: dict[str, Any], ended: bool) -> tuple[int | None, bool]:
    """(year, confirmed) of a crossed point or of a running candidate (while the run goes on)."""
    if event["state"] == CROSSED:
        return int(event["year"]), True
    if event["state"] == PASSED_AT_START or ended or event.get("candidate_year") is None \
            or event.get("candidate_at_start"):
        return None, False
    return int(event["candidate_year"]), False


def _before(event: dict[str, Any], ended: bool) -> tuple[bool, bool]:
    """(passed before the run, confirmed): a point past when the run could first judge it, or such a candidate."""
    if event["state"] == PASSED_AT_START:
        return True, True
    return (not ended and event["state"] != CROSSED and bool(event.get("candidate_at_start"))), False


def year_gap(a: dict[str, Any], b: dict[str, Any], ended: bool = False, lang: str = "en") -> str:
    """B's year against A's, in words ('B 5 years earlier', 'B later: A's passed before the run'), marked
    provisional while a candidate is in it; '' when the two cannot be compared.

    >>> year_gap({"state": "passed_at_start", "year": 2025}, {"state": "crossed", "year": 2031})
    "B later: A's passed before the run"
    """
    (ba, ca), (bb, cb) = _before(a, ended), _before(b, ended)
    (ya, ya_ok), (yb, yb_ok) = _year(a, ended), _year(b, ended)
    confirmed = (ca if ba else ya_ok) and (cb if bb else yb_ok)
    if ba and bb:
        words = tr("both before the run", lang)
    elif ba and yb is not None:
        words = tr("B later: A's passed before the run", lang)
    elif bb and ya is not None:
        words = tr("B earlier: B's passed before the run", lang)
    elif ya is not None and yb is not None:
        d = yb - ya
        words = tr("same year", lang) if d == 0 else tr("B {n} earlier" if d < 0 else "B {n} later", lang,
                                                        n=years(abs(d), lang))
    else:
        return ""
    return words if confirmed else words + tr(" (provisional: not yet confirmed)", lang)


def cumulative(ts, name: str, n: int) -> float:
    """Sum of a column over the simulated years (tick 1 on: tick 0 is the seeded stock) of the first n rows."""
    return math.fsum(float(v) for t, v in zip(list(ts["tick"])[:n], list(ts[name])[:n]) if int(t) >= 1)


def amount_gap(a: float, b: float, unit: str, more: str = "emits", lang: str = "en") -> str:
    """B against A in words: 'B saves 12.30 Mt (4.1%)' when B's amount is smaller, 'B emits 3.00 Mt more' if larger.

    >>> amount_gap(100.0, 90.0, "Mt"), amount_gap(10.0, 12.5, "km2", more="takes")
    ('B saves 10.00 Mt (10.0%)', 'B takes 2.50 km2 more (25.0%)')
    """
    d = b - a
    share = f" ({abs(d) / abs(a) * 100:.1f}%)" if a else ""
    if abs(d) < 5e-4 * max(abs(a), abs(b), 1e-9):
        return tr("the same", lang)
    if d < 0:
        return tr("B saves {amount} {unit}{share}", lang, amount=f"{abs(d):,.2f}", unit=tr(unit, lang), share=share)
    return tr("B emits {amount} {unit} more{share}" if more == "emits" else "B takes {amount} {unit} more{share}", lang,
              amount=f"{d:,.2f}", unit=tr(unit, lang), share=share)


def verdict(events: tuple[list[dict], list[dict]], series: tuple[Any, Any], first_year: int,
            end_year: int | None, lang: str = "en",
            spreads: tuple[dict, dict] = ({}, {})) -> list[VerdictRow]:
    """The verdict table: each point and the net-zero year of A and B with the gap in years, then the
    cumulative emissions and net emissions since `first_year`, and the urban land now.

    `events`: A's and B's events and milestones (as events.json); `end_year`: the last year when the run
    has ended (points not reached by then say so), else None; `spreads`: each point's years over A's and
    B's seeds in words, by point id (viz.ensemble.seed_spreads), added to its year.
    """
    rows = []
    b_by_id = {e["id"]: e for e in events[1]}
    for e in events[0]:
        other = b_by_id[e["id"]]
        mark = "NZ" if e["id"] == NET_ZERO else str(e["id"])
        ya, yb = event_year(e, first_year, end_year, lang), event_year(other, first_year, end_year, lang)
        ya, yb = (tr("{year} ({spread})", lang, year=y, spread=sp[e["id"]]) if e["id"] in sp else y
                  for y, sp in ((ya, spreads[0]), (yb, spreads[1])))
        rows.append(VerdictRow(f"{mark} {tr(EVENT_NAMES[e['id']], lang)}", ya, yb,
                               year_gap(e, other, end_year is not None, lang)))
    a, b = series
    n = min(len(a["year"]), len(b["year"]))
    if n < 2:
        return rows
    last = int(list(a["year"])[n - 1])
    for name, label in (("emissions_total_t", "cumulative emissions {first}-{last}, MtCO2"),
                        ("net_t", "cumulative net emissions (emissions - sink) {first}-{last}, MtCO2")):
        ca, cb = (cumulative(ts, name, n) / 1e6 for ts in (a, b))
        rows.append(VerdictRow(tr(label, lang, first=first_year, last=last), f"{ca:,.2f}", f"{cb:,.2f}",
                               amount_gap(ca, cb, "Mt", lang=lang)))
    ua, ub = (float(list(ts["urban_area_km2"])[n - 1]) for ts in (a, b))
    rows.append(VerdictRow(tr("urban land in {last}, km2", lang, last=last), f"{ua:,.1f}", f"{ub:,.1f}",
                           amount_gap(ua, ub, "km2", more="takes", lang=lang)))
    return rows


def table_html(header: Sequence[str], rows: Sequence[Sequence[str]], css: str) -> str:
    """A plain HTML table (every cell escaped)."""
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="abm-table {esc(css)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def settings_html(diff: SettingsDiff, names: tuple[str, str], lang: str = "en") -> str:
    """The table of every differing setting, with a note on those the controls do not show."""
    rows = [(r.label + ("" if r.shown else " *"),
             tr(GROUP_WORDS[r.group], lang) + (f": {tr(r.factor, lang)}" if r.factor else ""), r.a, r.b)
            for r in diff.rows]
    note = (f"<div class='abm-note'>{html.escape(tr('* set in the scenario file, not shown in the controls', lang))}</div>"
            if any(not r.shown for r in diff.rows) else "")
    header = (tr("setting", lang), tr("factor", lang), f"A: {names[0]}", f"B: {names[1]}")
    return (table_html(header, rows, "abm-differs") + note
            + f"<div class='abm-credit'>{html.escape(diff.credit)}</div>")


def verdict_html(rows: Sequence[VerdictRow], names: tuple[str, str], lang: str = "en") -> str:
    return table_html(("", f"A: {names[0]}", f"B: {names[1]}", tr("B against A", lang)),
                      [(r.label, r.a, r.b, r.gap) for r in rows], "abm-verdict")

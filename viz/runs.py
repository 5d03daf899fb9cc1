"""One policy being simulated (`Run`), the rows of its event log and its maps: the part of a session
that both the live page (viz.session) and the PNG export (viz.export) read.

The event log has one row per point, numbered as the chart marks it (1-5, then NZ for the net-zero
year), in that order whatever order they were confirmed in; each row says where the point stands:
crossed (and confirmed how many years later), passed before the run could see it, a running candidate
awaiting confirmation, or not reached. `LEGEND` defines each point in one line.

>>> describe_event({"id": 5, "name": "net-stock point", "state": "not_reached"}, 2020)
'net-stock point not reached'
>>> describe_event({"id": "net_zero", "name": "net-zero year", "state": "crossed", "year": 2051, "confirmed_tick": 35},
...                2020)
'2051: net-zero year reached (emissions <= sink), confirmed 2055 (4 years later)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from abm.conditions import exogenous_conditions
from abm.inflection import CROSSED, EVENT_NAMES, NET_ZERO, NOT_REACHED, PASSED_AT_START, Candidate, InflectionEvent
from abm.model import UrbanModel
from abm.scenario import Scenario
from viz import render
from viz.i18n import tr, years

#: Each point (and the net-zero year) in one line, under the log: what the number on the chart means.
LEGEND: tuple[tuple[str, str], ...] = (
    ("1", "emissions growth-rate peak: the year emissions grow fastest relative to their level"),
    ("2", "emissions increment peak: the year emissions add the most tonnes to the year before"),
    ("3", "total emissions peak (the carbon peak): the year emissions are highest"),
    ("4", "sink growth peak: the year the land's carbon sink grows the most"),
    ("5", "net-stock point: the first year new building adds no net emissions while GDP still grows, so cuts "
          "come only from the existing stock"),
    ("NZ", "net-zero year: the first year from which emissions stay at or below the sink (a milestone, not a "
           "sixth point)"),
)


def legend_lines(lang: str = "en") -> tuple[tuple[str, str], ...]:
    """`LEGEND` in the page's language."""
    return tuple((m, tr(text, lang)) for m, text in LEGEND)


def mark(pid: int | str) -> str:
    """The label a point carries on the chart and in the log: 1-5, or NZ for the net-zero year."""
    return "NZ" if pid == NET_ZERO else str(pid)


def confirmation_note(lag: int, confirm_ticks: int, lang: str = "en") -> str:
    """Why the log lags the chart's years: smoothing and confirmation, in years (from the detector's settings)."""
    return tr("Each point is judged on a {window}-year running mean and confirmed once the data have stayed past it "
              "for {confirm} years, so it is confirmed at least {least} years after its year; until then its running "
              "candidate is shown, awaiting confirmation.", lang,
              window=2 * lag + 1, confirm=confirm_ticks, least=lag + confirm_ticks - 1)


def describe_event(event: InflectionEvent | dict[str, Any], start_year: int, end_year: int | None = None,
                   lang: str = "en") -> str:
    """One log line, e.g. '2031: total emissions peak crossed, confirmed 2034 (3 years later)'.

    `start_year` is the year of tick 0 (the seeded stock), so the first simulated year is the next one;
    `end_year`, when the run has ended, says until when a point was not reached.

    >>> describe_event(InflectionEvent(3, "total emissions peak", "crossed", 11, 2031, 14, 1e6), 2020)
    '2031: total emissions peak crossed, confirmed 2034 (3 years later)'
    >>> describe_event(InflectionEvent(3, "total emissions peak", "passed_at_start", 3, 2025, 6, 1e6), 2022)
    'total emissions peak passed before 2023, the first simulated year (already falling when first judged, in 2025; confirmed 2028)'
    >>> describe_event(InflectionEvent(3, "total emissions peak", "crossed", 11, 2031, 14, 1e6), 2020, lang="zh")
    '2031年：碳达峰已出现，2034年确认（滞后3年）'
    """
    e = event.to_dict() if isinstance(event, InflectionEvent) else event
    confirmed = start_year + e["confirmed_tick"] if e.get("confirmed_tick") is not None else None
    name = tr(e["name"], lang)
    if e["state"] == CROSSED:
        lag = confirmed - e["year"] if confirmed is not None and e.get("year") is not None else None
        later = tr(" ({lag} later)", lang, lag=years(lag, lang)) if lag is not None else ""
        line = ("{year}: {name} reached (emissions <= sink), confirmed {confirmed}{later}" if isinstance(e["id"], str)
                else "{year}: {name} crossed, confirmed {confirmed}{later}")
        return tr(line, lang, year=e["year"], name=name, confirmed=confirmed, later=later)
    if e["state"] == PASSED_AT_START:
        return tr("{name} passed before {first}, the first simulated year (already falling when first judged, in "
                  "{year}; confirmed {confirmed})", lang, name=name, first=start_year + 1, year=e["year"],
                  confirmed=confirmed)
    if end_year is not None:
        return tr("{name} not reached by {end}", lang, name=name, end=end_year)
    return tr("{name} not reached", lang, name=name)


def describe_candidate(c: Candidate, start_year: int, lang: str = "en") -> str:
    """A point not yet confirmed: its running candidate year and how far its confirmation has come.

    >>> describe_candidate(Candidate(3, "total emissions peak", 9, 2031, 1e6, False, 2, 3), 2022)
    'total emissions peak: candidate year 2031, awaiting confirmation (2 of 3 years of clear decline so far)'
    """
    peak = isinstance(c.id, int) and c.id <= 4
    if c.progress:
        so_far = tr("{n} of {needed} years of clear decline so far" if peak else "{n} of {needed} years in a row so far",
                    lang, n=c.progress, needed=c.needed)
    else:
        so_far = tr("the highest so far" if peak else "the first such year", lang)
    name = tr(c.name, lang)
    if c.at_start:
        line = tr("{name}: candidate: passed before {first}, the first simulated year (falling when first judged, in "
                  "{year}), awaiting confirmation", lang, name=name, first=start_year + 1, year=c.year)
        return line + (tr(" ({so_far})", lang, so_far=so_far) if c.progress else "")
    if c.progress == 0:
        return tr("{name}: candidate year {year} ({so_far}), awaiting confirmation", lang, name=name, year=c.year,
                  so_far=so_far)
    return tr("{name}: candidate year {year}, awaiting confirmation ({so_far})", lang, name=name, year=c.year,
              so_far=so_far)


@dataclass(frozen=True)
class LogRow:
    """One row of the event log: the point's mark (as on the chart), its line, and where it stands
    (crossed, passed_at_start, candidate, not_reached)."""

    side: str
    mark: str
    text: str
    state: str


class Run:
    """One policy being simulated: its model, and the event log rows of its points and the net-zero year."""

    def __init__(self, side: str, scenario: Scenario) -> None:
        self.side = side
        self.scenario = scenario
        self.model = UrbanModel(scenario)

    @property
    def label(self) -> str:
        return f"{self.side}: {self.scenario.name}"

    @property
    def tick(self) -> int:
        return self.model.tick

    @property
    def end_tick(self) -> int:
        return self.scenario.run.ticks

    @property
    def start_year(self) -> int:
        return self.scenario.run.start_year

    @property
    def x_domain(self) -> tuple[int, int]:
        """The years a chart of this run spans, from the start to the last tick."""
        return self.start_year, self.start_year + self.end_tick

    def step(self) -> None:
        self.model.step()

    def candidates(self) -> dict[int | str, Candidate]:
        """The running candidates of the points not yet confirmed (read from the detector, which they leave alone)."""
        return {c.id: c for c in self.model.detector.candidates()}

    def log_rows(self, lang: str = "en") -> list[LogRow]:
        """The log: one row per point, 1-5 then NZ, as the chart numbers them."""
        ended = self.model.year if self.tick >= self.end_tick else None
        cands = self.candidates()
        rows = []
        for e in self.model.detector.events() + self.model.detector.milestones():
            if e.state != NOT_REACHED:
                text, state = describe_event(e, self.start_year, lang=lang), e.state
            elif e.id in cands and ended is None:
                text, state = describe_candidate(cands[e.id], self.start_year, lang), "candidate"
            elif ended is not None:
                text, state = describe_event(e, self.start_year, ended, lang), NOT_REACHED
            else:
                text, state = tr("{name}: no candidate yet", lang, name=tr(EVENT_NAMES[e.id], lang)), NOT_REACHED
            rows.append(LogRow(self.side, mark(e.id), text, state))
        return rows

    def events(self) -> list[dict[str, Any]]:
        """The five inflection points as they stand now, with the exogenous paths they hold on (as events.json)."""
        conditions = exogenous_conditions(self.scenario)
        return [{**e.to_dict(), "conditional_on": conditions} for e in self.model.detector.events()]

    def milestones(self) -> list[dict[str, Any]]:
        """The milestones beside them (the net-zero year) as they stand now."""
        conditions = exogenous_conditions(self.scenario)
        return [{**e.to_dict(), "conditional_on": conditions} for e in self.model.detector.milestones()]

    def timeseries(self) -> dict[str, list[float]]:
        """The time series so far as {column: values}, the shape the charts read (a DataFrame works too)."""
        records = self.model.records
        names = dict.fromkeys(name for record in records for name in record)
        return {name: [float(r.get(name, math.nan)) for r in records] for name in names}


@dataclass(frozen=True)
class MapView:
    label: str
    image: render.MapImage
    scale_label: str
    scale_share: float  # share of the map width the scale bar spans
    side: str = "A"
    rows: int = 0       # the grid's cells (the image may show a block of cells a pixel: `px_cells`)
    cols: int = 0
    scale_km: float = 1.0  # the scale bar's length
    px_cells: int = 1


#: What the hover read-out says of a cell: (map layer, how its value is written).
READOUT = (("floor", "floor {value} m2"), ("households", "{value} households"),
           ("emissions", "emissions {value} tCO2/yr"), ("sink", "sink {value} tCO2/yr"))


def cell_readout(run: Run, row: int, col: int, lang: str = "en") -> str:
    """What is in one cell now: its land use, floor area, households, emissions and sink (the hover read-out).

    >>> from abm.scenario import scenario_from_dict
    >>> run = Run("A", scenario_from_dict({"region": {"rows": 20, "cols": 20, "town_radius_km": 0.3}}))
    >>> cell_readout(run, 0, 0)
    'row 0, col 0: farmland, floor 0 m2, 0 households, emissions 0 tCO2/yr, sink -0.10 tCO2/yr'
    >>> cell_readout(run, 0, 0, "zh")
    '第0行第0列：耕地，建筑面积0平方米，0户，排放0吨CO2/年，碳汇-0.10吨CO2/年'
    """
    from viz.layers import growth_boundary_now
    from viz.ramps import LAND_COLOURS

    g = run.model.grid
    if not (0 <= row < g.shape[0] and 0 <= col < g.shape[1]):
        return ""
    where = tr("row {row}, col {col}", lang, row=row, col=col)
    if not g.valid[row, col]:
        return tr("{where}: outside the study area", lang, where=where)
    code = int(render.layer_values(run.model, "land_use")[row, col])
    parts = [tr(LAND_COLOURS.get(code, ("unclassified",))[0], lang)]
    parts += [tr(line, lang) for line, mask in (("ecological red line", g.red_line), ("permanent basic farmland", g.farmland))
              if mask[row, col]]
    if not growth_boundary_now(run.model)[row, col]:
        parts.append(tr("outside the growth boundary", lang))
    for layer, text in READOUT:
        value = float(render.layer_values(run.model, layer)[row, col])
        parts.append(tr(text, lang, value=f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"))
    return tr("{where}: {what}", lang, where=where, what=tr(", ", lang).join(parts))


def map_views(runs: list[Run], layer: str, scales: dict[str, float], lang: str = "en") -> tuple[MapView, ...]:
    """The maps of every run on one shared colour scale (which only grows during a run; kept in `scales`)."""
    values = [render.layer_values(r.model, layer) for r in runs]
    valids = [r.model.grid.valid for r in runs]
    scale = max(scales.get(layer, 0.0), render.layer_scale(values, valids, layer))
    scales[layer] = scale
    views = []
    for run, v in zip(runs, values):
        g = run.model.grid
        image = render.render_map(v, layer, g.valid, vmax=scale, year_range=(run.start_year, run.model.year),
                                  transit=g.transit, lang=lang)
        label, share = render.scale_bar(g.shape[1], g.cell_size_m)
        views.append(MapView(run.label, image, label, share, run.side, g.shape[0], g.shape[1],
                             share * g.shape[1] * g.cell_size_m / 1000.0,
                             max(1, math.ceil(max(g.shape) / render.MAX_PX))))
    return tuple(views)

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


def mark(pid: int | str) -> str:
    """The label a point carries on the chart and in the log: 1-5, or NZ for the net-zero year."""
    return "NZ" if pid == NET_ZERO else str(pid)


def confirmation_note(lag: int, confirm_ticks: int) -> str:
    """Why the log lags the chart's years: smoothing and confirmation, in years (from the detector's settings)."""
    return (f"Each point is judged on a {2 * lag + 1}-year running mean and confirmed once the data have stayed "
            f"past it for {confirm_ticks} years, so it is confirmed at least {lag + confirm_ticks - 1} years after "
            "its year; until then its running candidate is shown, awaiting confirmation.")


def describe_event(event: InflectionEvent | dict[str, Any], start_year: int, end_year: int | None = None) -> str:
    """One log line, e.g. '2031: total emissions peak crossed, confirmed 2034 (3 years later)'.

    `start_year` is the year of tick 0 (the seeded stock), so the first simulated year is the next one;
    `end_year`, when the run has ended, says until when a point was not reached.

    >>> describe_event(InflectionEvent(3, "total emissions peak", "crossed", 11, 2031, 14, 1e6), 2020)
    '2031: total emissions peak crossed, confirmed 2034 (3 years later)'
    >>> describe_event(InflectionEvent(3, "total emissions peak", "passed_at_start", 3, 2025, 6, 1e6), 2022)
    'total emissions peak passed before 2023, the first simulated year (already falling when first judged, in 2025; confirmed 2028)'
    """
    e = event.to_dict() if isinstance(event, InflectionEvent) else event
    confirmed = start_year + e["confirmed_tick"] if e.get("confirmed_tick") is not None else None
    if e["state"] == CROSSED:
        lag = confirmed - e["year"] if confirmed is not None and e.get("year") is not None else None
        later = f" ({lag} year{'s' if lag != 1 else ''} later)" if lag is not None else ""
        what = "reached (emissions <= sink)" if isinstance(e["id"], str) else "crossed"
        return f"{e['year']}: {e['name']} {what}, confirmed {confirmed}{later}"
    if e["state"] == PASSED_AT_START:
        return (f"{e['name']} passed before {start_year + 1}, the first simulated year (already falling when first "
                f"judged, in {e['year']}; confirmed {confirmed})")
    return f"{e['name']} not reached" + (f" by {end_year}" if end_year is not None else "")


def describe_candidate(c: Candidate, start_year: int) -> str:
    """A point not yet confirmed: its running candidate year and how far its confirmation has come.

    >>> describe_candidate(Candidate(3, "total emissions peak", 9, 2031, 1e6, False, 2, 3), 2022)
    'total emissions peak: candidate year 2031, awaiting confirmation (2 of 3 years of clear decline so far)'
    """
    peak = isinstance(c.id, int) and c.id <= 4
    counted = "years of clear decline" if peak else "years in a row"
    so_far = f"{c.progress} of {c.needed} {counted} so far" if c.progress else (
        "the highest so far" if peak else "the first such year")
    if c.at_start:
        return (f"{c.name}: candidate: passed before {start_year + 1}, the first simulated year (falling when first "
                f"judged, in {c.year}), awaiting confirmation" + (f" ({so_far})" if c.progress else ""))
    if c.progress == 0:
        return f"{c.name}: candidate year {c.year} ({so_far}), awaiting confirmation"
    return f"{c.name}: candidate year {c.year}, awaiting confirmation ({so_far})"


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

    def log_rows(self) -> list[LogRow]:
        """The log: one row per point, 1-5 then NZ, as the chart numbers them."""
        ended = self.model.year if self.tick >= self.end_tick else None
        cands = self.candidates()
        rows = []
        for e in self.model.detector.events() + self.model.detector.milestones():
            if e.state != NOT_REACHED:
                text, state = describe_event(e, self.start_year), e.state
            elif e.id in cands and ended is None:
                text, state = describe_candidate(cands[e.id], self.start_year), "candidate"
            elif ended is not None:
                text, state = describe_event(e, self.start_year, ended), NOT_REACHED
            else:
                text, state = f"{EVENT_NAMES[e.id]}: no candidate yet", NOT_REACHED
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


def map_views(runs: list[Run], layer: str, scales: dict[str, float]) -> tuple[MapView, ...]:
    """The maps of every run on one shared colour scale (which only grows during a run; kept in `scales`)."""
    values = [render.layer_values(r.model, layer) for r in runs]
    valids = [r.model.grid.valid for r in runs]
    scale = max(scales.get(layer, 0.0), render.layer_scale(values, valids, layer))
    scales[layer] = scale
    views = []
    for run, v in zip(runs, values):
        g = run.model.grid
        image = render.render_map(v, layer, g.valid, vmax=scale, year_range=(run.start_year, run.model.year),
                                  transit=g.transit)
        label, share = render.scale_bar(g.shape[1], g.cell_size_m)
        views.append(MapView(run.label, image, label, share))
    return tuple(views)

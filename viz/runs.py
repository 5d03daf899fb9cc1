"""One policy being simulated (`Run`), the lines of its event log and its maps: the part of a session
that both the live page (viz.session) and the PNG export (viz.export) read.

>>> describe_event({"id": 5, "name": "net-stock point", "state": "not_reached"}, 2020)
'net-stock point not reached'
>>> describe_event({"id": "net_zero", "name": "net-zero year", "state": "crossed", "year": 2051, "confirmed_tick": 35},
...                2020)
'2051: net-zero year reached (emissions <= sink), confirmed 2055'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from abm.conditions import exogenous_conditions
from abm.inflection import CROSSED, NOT_REACHED, PASSED_AT_START, InflectionEvent
from abm.model import UrbanModel
from abm.scenario import Scenario
from viz import render


def describe_event(event: InflectionEvent | dict[str, Any], start_year: int) -> str:
    """One log line, e.g. '2031: total emissions peak crossed, confirmed 2034' (a milestone is 'reached').

    >>> describe_event(InflectionEvent(3, "total emissions peak", "crossed", 11, 2031, 14, 1e6), 2020)
    '2031: total emissions peak crossed, confirmed 2034'
    """
    e = event.to_dict() if isinstance(event, InflectionEvent) else event
    confirmed = start_year + e["confirmed_tick"] if e.get("confirmed_tick") is not None else None
    if e["state"] == CROSSED and isinstance(e["id"], str):
        return f"{e['year']}: {e['name']} reached (emissions <= sink), confirmed {confirmed}"
    if e["state"] == CROSSED:
        return f"{e['year']}: {e['name']} crossed, confirmed {confirmed}"
    if e["state"] == PASSED_AT_START:
        return f"{e['year']}: {e['name']} already passed at the start, confirmed {confirmed}"
    return f"{e['name']} not reached"


class Run:
    """One policy being simulated: the model and the lines of its event log (points and the net-zero year)."""

    def __init__(self, side: str, scenario: Scenario) -> None:
        self.side = side
        self.scenario = scenario
        self.model = UrbanModel(scenario)
        self.log: list[tuple[int | str, str]] = []  # (point or milestone id, line) in the order confirmed
        self.note(self.model.new_events)

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
        self.note(self.model.new_events)
        if self.tick >= self.end_tick:
            for e in [*self.model.detector.events(), *self.model.detector.milestones()]:
                if e.state == NOT_REACHED:
                    self.log.append((e.id, f"{e.name} not reached by {self.model.year}"))

    def note(self, events: list[InflectionEvent]) -> None:
        """Add log lines for newly confirmed events."""
        for e in events:
            self.log.append((e.id, describe_event(e, self.start_year)))

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

"""The app's carbon charts, drawn from a time series: emissions by source (one stacked band per
source of the registry abm.emissions), sink and net with the inflection points; carbon intensity;
and the difference between two policies.

A time series is anything with ``name in ts`` and ``ts[name]`` giving a column of values: a
pandas DataFrame or the {column: values} of `viz.runs.Run.timeseries`. A source whose column is
absent, or zero throughout, gets no band.

>>> ts = {"year": [2020, 2021], "emissions_buildings_t": [1e3, 2e3], "emissions_total_t": [1e3, 2e3],
...       "sink_t": [0.0, 0.0], "net_t": [1e3, 2e3]}
>>> svg = emissions_chart(ts, title="demo")
>>> "buildings" in svg and "commute" not in svg
True
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from abm.emissions import emission_sources
from abm.inflection import NET_ZERO, NOT_REACHED
from viz.charts import Band, Marker, Series, line_chart, stack
from viz.i18n import tr
from viz.runs import describe_event

KT = 1e-3  # the charts show ktCO2

#: Total emissions over the seeds: (years, P5, P95 in tCO2, number of seeds), see viz.ensemble.
SeedBand = tuple[Sequence[float], Sequence[float], Sequence[float], int]


def column(ts, name: str, scale: float = 1.0) -> list[float]:
    """A column as floats times `scale`; NaN throughout when the time series has no such column."""
    if name not in ts:
        return [math.nan] * len(ts["year"])
    return [float(v) * scale for v in ts[name]]


def source_bands(ts, lang: str = "en") -> list[Series]:
    """One stacked band (ktCO2) per registered emission source present in `ts` and not all zero."""
    bands = []
    for source in emission_sources():
        name = source.column()
        if name in ts and any(float(v) != 0 for v in ts[name]):
            bands.append(Series(source.label(lang), column(ts, name, KT), source.colour))
    return bands


def inflection_markers(ts, events: Iterable[dict[str, Any]], start_year: int, lang: str = "en") -> list[Marker]:
    """The points reached within `ts`: on the sink line (point 4), the net line (the net-zero year, where
    it meets zero) or the total emissions line (the rest)."""
    index = {int(y): i for i, y in enumerate(ts["year"])}
    lines = {4: column(ts, "sink_t", KT), NET_ZERO: column(ts, "net_t", KT)}
    total = column(ts, "emissions_total_t", KT)
    markers = []
    for e in events:
        if e["state"] == NOT_REACHED or e["year"] not in index:
            continue
        i = index[e["year"]]
        markers.append(Marker(e["year"], lines.get(e["id"], total)[i], e["id"], describe_event(e, start_year, lang=lang)))
    return markers


def seed_band(band: SeedBand | None, lang: str = "en") -> list[Band]:
    """The P5-P95 band of total emissions over the seeds (ktCO2), as the chart draws it (none without seeds)."""
    if band is None:
        return []
    years, lo, hi, n = band
    return [Band(tr("total emissions, P5-P95 of {n} seeds", lang, n=n), years, [v * KT for v in lo],
                 [v * KT for v in hi])]


def emissions_extent(ts, band: SeedBand | None = None) -> tuple[float, float]:
    """The lowest and highest value (ktCO2) the emissions chart of `ts` draws: bands stacked, lines, the band
    over the seeds, zero."""
    bands = source_bands(ts)
    tops = stack(bands, len(ts["year"]))[-1] if bands else []
    values = [v for name in ("emissions_total_t", "sink_t", "net_t") for v in column(ts, name, KT)] + list(tops)
    values += [v for b in seed_band(band) for v in (*b.lo, *b.hi)]
    finite = [v for v in values if math.isfinite(v)] + [0.0]
    return min(finite), max(finite)


def emissions_chart(ts, markers: Sequence[Marker] = (), *, title: str, chart_id: str = "emissions",
                    x_domain: tuple[float, float] | None = None, y_span: tuple[float, float] | None = None,
                    lang: str = "en", band: SeedBand | None = None) -> str:
    """Emissions by source (stacked), total, sink and net in ktCO2 per year, with the inflection points;
    `y_span` shares one y axis between the charts of A and B (`emissions_extent` of both); `band` the P5-P95
    of total emissions over the seeds, (years, P5, P95 in tCO2, number of seeds)."""
    series = [Series(tr("total emissions", lang), column(ts, "emissions_total_t", KT), "#000000"),
              Series(tr("sink", lang), column(ts, "sink_t", KT), "#2ca02c", dash="6 3"),
              Series(tr("net", lang), column(ts, "net_t", KT), "#7f7f7f", dash="2 2")]
    return line_chart(ts["year"], series, areas=source_bands(ts, lang), markers=markers, chart_id=chart_id,
                      title=title, y_label=tr("ktCO2 per year", lang), x_domain=x_domain, y_span=y_span,
                      bands=seed_band(band, lang))


def intensity_chart(labelled: Sequence[tuple[str, Any]], x_domain: tuple[float, float] | None = None,
                    lang: str = "en") -> str:
    """Carbon intensity of GDP of one or two policies, given as (label, time series)."""
    styles = (("#d62728", ""), ("#1f77b4", "6 3"))
    series = [Series(label, column(ts, "carbon_intensity_t_per_gdp"), colour, dash=dash)
              for (label, ts), (colour, dash) in zip(labelled, styles)]
    return line_chart(labelled[0][1]["year"], series, chart_id="intensity", title=tr("Carbon intensity of GDP", lang),
                      y_label=tr("tCO2 per 10,000 CNY", lang), x_domain=x_domain)


def difference_chart(a, b, title: str, x_domain: tuple[float, float] | None = None, lang: str = "en") -> str:
    """Total emissions, sink and net of policy A minus policy B, over the years both have run."""
    n = min(len(a["year"]), len(b["year"]))

    def diff(name: str) -> list[float]:
        return [x - y for x, y in zip(column(a, name, KT)[:n], column(b, name, KT)[:n])]

    series = [Series(tr("total emissions A - B", lang), diff("emissions_total_t"), "#000000"),
              Series(tr("sink A - B", lang), diff("sink_t"), "#2ca02c", dash="6 3"),
              Series(tr("net A - B", lang), diff("net_t"), "#7f7f7f", dash="2 2")]
    return line_chart(list(a["year"])[:n], series, chart_id="difference", title=title,
                      y_label=tr("ktCO2 per year", lang), x_domain=x_domain)


def cumulative_chart(a, b, title: str, x_domain: tuple[float, float] | None = None, lang: str = "en") -> str:
    """The running total since the first simulated year (tick 1) of A - B: total emissions, sink and net,
    in MtCO2; where the total line ends is what B has saved (below zero: B emitted more)."""
    n = min(len(a["year"]), len(b["year"]))
    ticks = [int(t) for t in list(a["tick"])[:n]] if "tick" in a else list(range(n))

    def running(name: str) -> list[float]:
        total, out = 0.0, []
        for t, x, y in zip(ticks, column(a, name, 1e-6)[:n], column(b, name, 1e-6)[:n]):
            total += (x - y) if t >= 1 and math.isfinite(x - y) else 0.0
            out.append(total if t >= 1 else math.nan)
        return out

    series = [Series(tr("total emissions A - B", lang), running("emissions_total_t"), "#000000"),
              Series(tr("sink A - B", lang), running("sink_t"), "#2ca02c", dash="6 3"),
              Series(tr("net A - B", lang), running("net_t"), "#7f7f7f", dash="2 2")]
    return line_chart(list(a["year"])[:n], series, chart_id="cumulative", title=title,
                      y_label=tr("MtCO2 since the start", lang), x_domain=x_domain)

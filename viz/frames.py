"""What the page shows: an immutable `Frame` per tick (maps, charts, the event log, summaries and, when
comparing, the settings that differ and the verdict), built from the runs of a session.

Plain Python, no solara: the session builds a frame under its lock, the page only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from abm.conditions import exogenous_conditions
from viz.carbon_charts import (cumulative_chart, difference_chart, emissions_chart, emissions_extent,
                               inflection_markers, intensity_chart)
from abm.inflection import NET_ZERO
from viz.carbon_charts import SeedBand
from viz.compare import SettingsDiff, VerdictRow, verdict
from viz.ensemble import SeedRun, emissions_band, seed_spreads
from viz.i18n import condition, tr
from viz.runs import LogRow, MapView, Run, confirmation_note, map_views

#: A side's background seeds: (the finished runs, how many are wanted, the failures), see viz.ensemble.
SeedStatus = tuple[list[SeedRun], int, list[str]]
NO_SEEDS: SeedStatus = ([], 0, [])


@dataclass(frozen=True)
class Frame:
    """An immutable snapshot for the page: nothing in it changes after it is built."""

    version: int
    tick: int
    year: int
    end_tick: int
    start_year: int
    maps: tuple[MapView, ...]
    charts: tuple[tuple[str, str], ...]   # (chart id, svg)
    log: tuple[LogRow, ...]               # each run's points 1-5 and NZ, in that order
    summaries: tuple[str, ...]
    layer: str
    conditions: tuple[str, ...] = ()      # what each run's inflection years hold on (its exogenous paths)
    differs: SettingsDiff | None = None   # comparing: every setting that differs between A and B
    verdict: tuple[VerdictRow, ...] = ()  # comparing: the years, cumulative emissions and land of A and B
    names: tuple[str, ...] = ()           # the scenario name of each run
    log_note: str = ""                    # why confirmations come years after the points
    lang: str = "en"                      # the language every text above is in (viz.i18n)
    seeds: tuple[str, ...] = ()           # each run's extra seeds: running, or done (the band and the spreads)

    @property
    def at_end(self) -> bool:
        return self.tick >= self.end_tick

    @property
    def tick_label(self) -> str:
        return tr("Year {year} (tick {tick} of {end})", self.lang, year=self.year, tick=self.tick, end=self.end_tick)


# --------------------------------------------------------------------------------------------------
# Building a frame
# --------------------------------------------------------------------------------------------------
def summary(run: Run, lang: str = "en") -> str:
    """The run's year in one line; when the land rules held growth back that year, what they held back: the
    households and jobs the region did not get are not emitting here, so a lower figure is not a saving."""
    r = run.model.records[-1]
    line = tr("{label}, {year}: emissions {emissions} kt, sink {sink} kt, net {net} kt, intensity {intensity} t per "
              "10k CNY, {households} households, urban area {urban} km2", lang, label=run.label, year=r["year"],
              emissions=f"{r['emissions_total_t'] / 1e3:,.1f}", sink=f"{r['sink_t'] / 1e3:,.1f}",
              net=f"{r['net_t'] / 1e3:,.1f}", intensity=f"{r['carbon_intensity_t_per_gdp']:.3f}",
              households=f"{r['households']:,}", urban=f"{r['urban_area_km2']:.1f}")
    unhoused, waiting = int(r["unhoused_households"]), int(r["jobs_waiting"])
    if unhoused or waiting:
        line += tr("; held back by the land rules: {unhoused} households without a home here, {jobs} jobs of "
                   "firms waiting for a site", lang, unhoused=f"{unhoused:,}", jobs=f"{waiting:,}")
    return line


def run_charts(runs: list[Run], series: list | None = None, lang: str = "en",
               bands: list[SeedBand | None] | None = None) -> list[tuple[str, str]]:
    """(chart id, SVG) of the page: emissions of each run (on one shared y axis when comparing; with the
    P5-P95 band over the seeds in `bands`), carbon intensity, and when comparing A - B per year and cumulative."""
    series = series if series is not None else [r.timeseries() for r in runs]
    bands = bands or [None] * len(runs)
    extents = [emissions_extent(ts, band) for ts, band in zip(series, bands)]
    span = (min(lo for lo, _ in extents), max(hi for _, hi in extents))
    out = []
    for run, ts, band in zip(runs, series, bands):
        markers = inflection_markers(ts, run.events() + run.milestones(), run.start_year, lang)
        out.append((f"emissions-{run.side}",
                    emissions_chart(ts, markers, chart_id=f"emissions-{run.side}", x_domain=run.x_domain, y_span=span,
                                    title=tr("{label}: emissions by source, sink and net", lang, label=run.label),
                                    lang=lang, band=band)))
    out.append(("intensity", intensity_chart([(r.label, ts) for r, ts in zip(runs, series)], runs[0].x_domain, lang)))
    if len(runs) == 2:
        a, b = runs
        names = f"{a.scenario.name} (A) - {b.scenario.name} (B)"
        out.append(("difference", difference_chart(series[0], series[1], x_domain=a.x_domain, lang=lang,
                                                   title=tr("Difference {names}, per year", lang, names=names))))
        out.append(("cumulative", cumulative_chart(series[0], series[1], x_domain=a.x_domain, lang=lang,
                                                   title=tr("Cumulative difference {names} since {first}", lang,
                                                            names=names, first=a.start_year + 1))))
    return out


def build_frame(runs: list[Run], layer: str, scales: dict[str, float], version: int,
                differs: SettingsDiff | None = None, lang: str = "en",
                seeds: dict[str, SeedStatus] | None = None) -> Frame:
    """The frame of the runs as they stand, every text in `lang`; `differs` (A against B) is computed once per
    rebuild by the session; `seeds` each side's background seeds (viz.ensemble)."""
    first = runs[0]
    status = [(seeds or {}).get(r.side, NO_SEEDS) for r in runs]
    series = [r.timeseries() for r in runs]
    chart_list = run_charts(runs, series, lang, [seed_band(r, st) for r, st in zip(runs, status)])
    spreads = [seed_spreads(st[0], st[1], r.start_year + 1, lang) for r, st in zip(runs, status)]
    rows = ()
    if len(runs) == 2:
        end = first.model.year if first.tick >= first.end_tick else None
        rows = tuple(verdict((with_candidates(runs[0]), with_candidates(runs[1])), (series[0], series[1]),
                             first.start_year + 1, end, lang, (spreads[0], spreads[1])))
    lines = [with_spread(row, spread, lang) for run, spread in zip(runs, spreads) for row in run.log_rows(lang)]
    config = first.scenario.detector_config()
    return Frame(version, first.tick, first.model.year, first.end_tick, first.start_year,
                 map_views(runs, layer, scales, lang), tuple(chart_list), tuple(lines),
                 tuple(summary(r, lang) for r in runs), layer, tuple(conditions_line(r, lang) for r in runs),
                 differs if len(runs) == 2 else None, rows, tuple(r.scenario.name for r in runs),
                 confirmation_note(config.lag, config.confirm_ticks, lang), lang,
                 tuple(line for r, st in zip(runs, status) if (line := seeds_line(r, st, lang))))


def seed_band(run: Run, status: SeedStatus) -> SeedBand | None:
    """P5-P95 of total emissions over the run's seeds, over its whole span, once every seed is done."""
    finished, n, _ = status
    if n < 2 or len(finished) < n:
        return None
    years = list(range(run.start_year, run.start_year + run.end_tick + 1))
    lo, hi = emissions_band(finished, years)
    return years, lo, hi, n


def with_spread(row: LogRow, spreads: dict[int | str, str], lang: str) -> LogRow:
    """A log row with its point's spread over the seeds appended (when the seeds are done)."""
    pid = NET_ZERO if row.mark == "NZ" else int(row.mark)
    if pid not in spreads:
        return row
    return LogRow(row.side, row.mark, row.text + tr("; {spread}", lang, spread=spreads[pid]), row.state)


def seeds_line(run: Run, status: SeedStatus, lang: str) -> str:
    """Where the run's extra seeds stand: running (k of n done), done (what the band and spreads are), failed."""
    finished, n, failed = status
    if n < 2:
        return ""
    first = run.scenario.run.seed
    fill = {"label": run.label, "k": len(finished), "n": n, "first": first, "last": first + n - 1}
    if failed:
        return tr("{label}: {m} of {n} seeds failed ({errors})", lang, m=len(failed), n=n, label=run.label,
                  errors="; ".join(failed))
    if len(finished) < n:
        return tr("{label}: running seeds {first}-{last} in the background, {k} of {n} done", lang, **fill)
    return tr("{label}: seeds {first}-{last} done: the grey band is P5-P95 of total emissions over the {n} seeds, "
              "and each inflection year gives its spread over them", lang, **fill)


def with_candidates(run: Run) -> list[dict]:
    """The run's events and milestones, each not yet confirmed carrying its running candidate's year (and
    whether that candidate is the first year the point can be judged: passed before the run)."""
    cands = run.candidates()
    return [{**e, "candidate_year": cands[e["id"]].year, "candidate_at_start": cands[e["id"]].at_start}
            if e["id"] in cands else e for e in run.events() + run.milestones()]


def conditions_line(run: Run, lang: str = "en") -> str:
    """What the run's inflection years hold on: its exogenous paths (the years move with them)."""
    return tr("{label}: inflection years hold on {conditions}", lang, label=run.label,
              conditions=tr("; ", lang).join(condition(c, lang) for c in exogenous_conditions(run.scenario)))

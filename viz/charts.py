"""Small SVG line and stacked-area charts, written as text: no JavaScript chart library, no assets.

Why not matplotlib in the live app: drawing two figures costs about 100 ms a tick on the 2-core
machine, half the Step budget; writing the SVG for a 50-year series costs well under 1 ms and the
browser draws it sharp at any size. (The PNG export uses matplotlib: abm.plots.draw_emissions.) The carbon charts built on this are
in viz.carbon_charts.

>>> svg = line_chart([2020, 2021, 2022], [Series("total", [1.0, 2.0, 1.5], "#000")], title="t", chart_id="x")
>>> svg.startswith("<svg") and 'class="abm-chart abm-chart-x"' in svg
True
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Sequence

from abm.plots import POINT_STYLE
from abm.inflection import EVENT_NAMES, NET_ZERO

#: matplotlib's tab colours (abm.plots uses the same names), as hex for SVG.
TAB = {"tab:blue": "#1f77b4", "tab:orange": "#ff7f0e", "tab:green": "#2ca02c", "tab:red": "#d62728",
       "tab:purple": "#9467bd", "tab:brown": "#8c564b", "tab:pink": "#e377c2", "tab:gray": "#7f7f7f",
       "tab:olive": "#bcbd22", "tab:cyan": "#17becf"}

#: Milestones beside the five points (abm.inflection): symbol, colour and the short label drawn on them.
MILESTONE_STYLE = {NET_ZERO: ("o", "#ffffff", "NZ")}

@dataclass
class Series:
    label: str
    y: Sequence[float]
    colour: str
    dash: str = ""          # SVG stroke-dasharray, "" = solid
    width: float = 1.6


@dataclass
class Band:
    """A shaded range between `lo` and `hi` (e.g. P5-P95 of total emissions over seeds), drawn under the lines."""

    label: str
    x: Sequence[float]
    lo: Sequence[float]
    hi: Sequence[float]
    colour: str = "#000000"
    opacity: float = 0.18


@dataclass
class Marker:
    """An inflection point (1-5) drawn with its number, or a milestone ("net_zero") with its short label,
    at (x, y); `title` shows on hover."""

    x: float
    y: float
    point: int | str
    title: str = ""


@dataclass
class PlotArea:
    """Data ranges and where the plot sits in the SVG (pixels); maps data to pixel coordinates."""

    x0: float
    x1: float
    y0: float
    y1: float
    left: float
    top: float
    width: float
    height: float
    yticks: list[float] = field(default_factory=list)

    def px(self, x: float) -> float:
        return self.left + (x - self.x0) / (self.x1 - self.x0) * self.width

    def py(self, y: float) -> float:
        return self.top + (1.0 - (y - self.y0) / (self.y1 - self.y0)) * self.height


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 x 10^k).

    >>> nice_ticks(0, 97)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    exp = math.floor(math.log10(raw))
    step = next(m * 10.0**exp for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * 10.0**exp >= raw)
    start = math.floor(lo / step + 1e-9) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        ticks.append(round(t, 12))
        t += step
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.0f}"
    return f"{v:.3g}"


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _path(xs: Sequence[float], ys: Sequence[float], f: PlotArea) -> list[str]:
    """Polyline point lists, broken where y is missing (NaN)."""
    parts, cur = [], []
    for x, y in zip(xs, ys):
        if y is None or not math.isfinite(float(y)):
            if cur:
                parts.append(" ".join(cur))
            cur = []
            continue
        cur.append(f"{f.px(x):.1f},{f.py(float(y)):.1f}")
    if cur:
        parts.append(" ".join(cur))
    return parts


def _symbol(point: int | str, x: float, y: float, r: float = 5.5) -> str:
    marker, colour = MILESTONE_STYLE[point][:2] if isinstance(point, str) else POINT_STYLE[point]
    c = TAB.get(colour, colour)
    style = f'fill="{c}" stroke="#000" stroke-width="0.8"'
    if marker == "s":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {style}/>'
    if marker == "^":
        return f'<polygon points="{x:.1f},{y - r * 1.2:.1f} {x - r:.1f},{y + r * 0.8:.1f} {x + r:.1f},{y + r * 0.8:.1f}" {style}/>'
    if marker == "D":
        return f'<polygon points="{x:.1f},{y - r * 1.2:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r * 1.2:.1f} {x - r:.1f},{y:.1f}" {style}/>'
    if marker == "*":
        pts = []
        for k in range(10):
            a = math.pi / 2 + k * math.pi / 5
            rr = r * 1.35 if k % 2 == 0 else r * 0.6
            pts.append(f"{x + rr * math.cos(a):.1f},{y - rr * math.sin(a):.1f}")
        return f'<polygon points="{" ".join(pts)}" {style}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {style}/>'


LegendEntry = tuple[float, str, str, str, str]  # (x offset, label, colour, "area" or "line", dash)


def stack(areas: Sequence[Series], n: int) -> list[list[float]]:
    """The top edge of each stacked area (missing values count as 0)."""
    stacked: list[list[float]] = []
    base = [0.0] * n
    for a in areas:
        top = [b + (float(v) if v is not None and math.isfinite(float(v)) else 0.0) for b, v in zip(base, a.y)]
        stacked.append(top)
        base = top
    return stacked


def legend_rows(areas: Sequence[Series], series: Sequence[Series], width: int,
                bands: Sequence[Band] = ()) -> list[list[LegendEntry]]:
    """Legend entries (areas first, then lines, then bands) laid out in rows that fit above the plot."""
    entries = [(a.label, a.colour, "area", "") for a in areas] + [(s.label, s.colour, "line", s.dash) for s in series]
    entries += [(b.label, b.colour, "band", "") for b in bands]
    rows, row, used = [], [], 0.0
    for label, colour, kind, dash in entries:
        w = 26 + 6.2 * len(label)
        if row and used + w > width - 70:
            rows.append(row)
            row, used = [], 0.0
        row.append((used, label, colour, kind, dash))
        used += w
    if row:
        rows.append(row)
    return rows


def legend_svg(rows: list[list[LegendEntry]]) -> list[str]:
    out = []
    for r, items in enumerate(rows):
        y = 22 + 15 * r + 8
        for offset, label, colour, kind, dash in items:
            lx = 60 + offset
            if kind in ("area", "band"):
                opacity = "0.55" if kind == "area" else "0.18"
                out.append(f'<rect x="{lx:.0f}" y="{y - 8}" width="16" height="9" fill="{colour}" '
                           f'fill-opacity="{opacity}"/>')
            else:
                d = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(f'<line x1="{lx:.0f}" y1="{y - 4}" x2="{lx + 16:.0f}" y2="{y - 4}" stroke="{colour}" stroke-width="2"{d}/>')
            out.append(f'<text x="{lx + 20:.0f}" y="{y}" font-size="10.5">{html.escape(label)}</text>')
    return out


def axes_svg(f: PlotArea, y_label: str) -> list[str]:
    """Grid lines and y ticks, the zero line, x ticks, the frame and the y-axis label."""
    out = []
    for t in f.yticks:
        y = f.py(t)
        out.append(f'<line x1="{f.left}" y1="{y:.1f}" x2="{f.left + f.width}" y2="{y:.1f}" stroke="#ddd" stroke-width="0.8"/>')
        out.append(f'<text x="{f.left - 5}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end">{_fmt(t)}</text>')
    if f.y0 < 0 < f.y1:
        out.append(f'<line x1="{f.left}" y1="{f.py(0):.1f}" x2="{f.left + f.width}" y2="{f.py(0):.1f}" stroke="#555" stroke-width="0.9"/>')
    for t in nice_ticks(f.x0, f.x1, 6):
        if f.x0 - 1e-9 <= t <= f.x1 + 1e-9:
            px = f.px(t)
            out.append(f'<line x1="{px:.1f}" y1="{f.top + f.height}" x2="{px:.1f}" y2="{f.top + f.height + 4}" stroke="#555"/>')
            out.append(f'<text x="{px:.1f}" y="{f.top + f.height + 15}" font-size="10" text-anchor="middle">{t:g}</text>')
    out.append(f'<rect x="{f.left}" y="{f.top}" width="{f.width}" height="{f.height}" fill="none" stroke="#999" stroke-width="0.8"/>')
    if y_label:
        cy = f.top + f.height / 2
        out.append(f'<text x="12" y="{cy:.0f}" font-size="10" text-anchor="middle" transform="rotate(-90 12 {cy:.0f})">{html.escape(y_label)}</text>')
    return out


def data_svg(xs: list[float], areas: Sequence[Series], stacked: list[list[float]], series: Sequence[Series],
             f: PlotArea, bands: Sequence[Band] = ()) -> list[str]:
    """Stacked areas (each from the one below it), the bands over them, then the lines on top."""
    out = []
    below = [0.0] * len(xs)
    for a, topv in zip(areas, stacked):
        if xs:
            pts = [f"{f.px(xx):.1f},{f.py(v):.1f}" for xx, v in zip(xs, topv)]
            pts += [f"{f.px(xx):.1f},{f.py(v):.1f}" for xx, v in reversed(list(zip(xs, below)))]
            out.append(f'<polygon points="{" ".join(pts)}" fill="{a.colour}" fill-opacity="0.55" stroke="none"/>')
        below = topv
    out += bands_svg(bands, f)
    for s in series:
        d = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        for pts in _path(xs, s.y, f):
            out.append(f'<polyline points="{pts}" fill="none" stroke="{s.colour}" stroke-width="{s.width}"{d}/>')
    return out


def bands_svg(bands: Sequence[Band], f: PlotArea) -> list[str]:
    """Each band as one polygon per run of years where both its edges are known."""
    out = []
    for band in bands:
        runs, cur = [], []
        for x, lo, hi in zip(band.x, band.lo, band.hi):
            if math.isfinite(lo) and math.isfinite(hi):
                cur.append((x, lo, hi))
            elif cur:
                runs.append(cur)
                cur = []
        runs += [cur] if cur else []
        for run in runs:
            pts = [f"{f.px(x):.1f},{f.py(hi):.1f}" for x, _, hi in run]
            pts += [f"{f.px(x):.1f},{f.py(lo):.1f}" for x, lo, _ in reversed(run)]
            out.append(f'<polygon class="abm-band" points="{" ".join(pts)}" fill="{band.colour}" '
                       f'fill-opacity="{band.opacity}" stroke="none"><title>{html.escape(band.label)}</title></polygon>')
    return out


def markers_svg(markers: Sequence[Marker], f: PlotArea) -> list[str]:
    """Inflection points with their number, milestones with their short label; markers of the same year
    (1 and 2 often are) sit side by side, not on top of each other."""
    out = []
    drawn = [m for m in markers if math.isfinite(m.x) and math.isfinite(m.y)]
    for m in drawn:
        same = [o for o in drawn if o.x == m.x]
        k = same.index(m)
        px, py = f.px(m.x) + (k - (len(same) - 1) / 2) * 12.0, f.py(m.y)
        tip = html.escape(m.title or EVENT_NAMES.get(m.point, ""))
        milestone = isinstance(m.point, str)
        kind, label = ("abm-milestone", MILESTONE_STYLE[m.point][2]) if milestone else ("abm-point", m.point)
        out.append(f'<g class="{kind} {kind}-{m.point}"><title>{tip}</title>{_symbol(m.point, px, py)}'
                   f'<text x="{px:.1f}" y="{py - 8:.1f}" font-size="10" font-weight="bold" text-anchor="middle">{label}</text></g>')
    return out


def line_chart(x: Sequence[float], series: Sequence[Series], *, areas: Sequence[Series] = (), markers: Sequence[Marker] = (),
               title: str = "", y_label: str = "", chart_id: str = "chart", x_domain: tuple[float, float] | None = None,
               y_span: tuple[float, float] | None = None, width: int = 500, height: int = 240,
               bands: Sequence[Band] = ()) -> str:
    """An SVG chart: stacked `areas` (from 0 up), `series` as lines, inflection `markers`, a legend on top.

    `y_span` (low, high) widens the y axis to cover it: two charts given the same span (covering both
    charts' data) get the same axis, so a planner compares their heights directly. `bands` are shaded
    ranges under the lines, each over its own years (the seeds' whole run, the lines' years so far).
    """
    xs = [float(v) for v in x]
    x0, x1 = x_domain if x_domain else ((min(xs), max(xs)) if xs else (0.0, 1.0))
    if x1 <= x0:
        x1 = x0 + 1.0
    stacked = stack(areas, len(xs))
    values = _finite([v for s in series for v in s.y]) + _finite([v for t in stacked for v in t]) + [0.0]
    values += _finite([m.y for m in markers]) + _finite(y_span or ())
    values += _finite([v for b in bands for v in (*b.lo, *b.hi)])
    lo, hi = min(values), max(values)
    yticks = nice_ticks(lo, hi if hi > lo else lo + 1.0)
    rows = legend_rows(areas, series, width, bands)
    top = 22 + 15 * len(rows) + 6
    f = PlotArea(x0, x1, yticks[0], yticks[-1], 60.0, float(top), width - 72.0, height - top - 28.0, yticks)
    esc = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="abm-chart abm-chart-{esc(chart_id)}" '
           f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width * 1.4:.0f}px;font-family:sans-serif">',
           f'<text x="8" y="15" font-size="13" font-weight="bold">{esc(title)}</text>']
    out += legend_svg(rows) + axes_svg(f, y_label) + data_svg(xs, areas, stacked, series, f, bands) + markers_svg(markers, f)
    out.append("</svg>")
    return "".join(out)

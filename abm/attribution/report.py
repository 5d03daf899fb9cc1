"""What an attribution writes: the tables as Parquet, a waterfall figure and a table a planner reads.

Files (each written atomically, abm.atomic):

- ``attribution.parquet``: one row per seed, metric and factor: ``factor``, ``group`` (form,
  technology, exogenous), ``metric``, ``contribution``, ``seed``, the A and B values and states,
  ``total`` (B - A), ``share`` (of the total), ``censored_runs`` of ``runs`` coalition runs, whether the
  factor ``differs`` and its ``fields`` that do;
- ``lmdi.parquet``: the LMDI rows (abm.attribution.lmdi) of A and B over time and of B against A;
- ``coalitions.parquet``: every coalition run's metric values and states (run ids as in sweeps);
- ``waterfall.png``: A, each factor's step (mean over seeds, bars from the 5% to the 95% seed), B;
- ``attribution.txt``: the printed table (median over seeds and the 5-95% interval).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from abm.atomic import atomic_write, atomic_write_text
from abm.attribution.core import AttributionResult
from abm.attribution.factors import FACTORS, GROUPS
from abm.attribution.metrics import METRICS, Metric
from abm.schema import toml_text

__all__ = ["write_outputs", "table_text", "plot_waterfall", "group_totals", "GROUP_COLOURS"]

GROUP_COLOURS = {"form": "tab:blue", "technology": "tab:orange", "exogenous": "tab:green", "mixed": "tab:gray"}


def _metric(name: str) -> Metric:
    return next((m for m in METRICS if m.name == name), Metric(name, name, ""))


def _band(values: np.ndarray) -> tuple[float, float, float]:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return math.nan, math.nan, math.nan
    return float(np.median(values)), float(np.percentile(values, 5)), float(np.percentile(values, 95))


def _num(x: float, m: Metric, signed: bool = False) -> str:
    if math.isnan(x):
        return "n/a"
    v = x / m.scale
    if m.is_year and not signed:
        return f"{v:.0f}"
    digits = 1 if (m.is_year or abs(v) >= 10 or v == 0) else 2
    return f"{v:+,.{digits}f}" if signed else f"{v:,.{digits}f}"


def _short(value, width: int = 70) -> str:
    text = toml_text(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _differences(result: AttributionResult) -> list[str]:
    comp = result.comparison
    lines = ["What differs between A and B (each factor's fields from A -> B):"]
    if not result.players:
        lines.append("  nothing: A and B are the same scenario")
    for player in result.players:
        shown = "; ".join(comp.describe(f) for f in player.fields[:3])
        more = f" (+{len(player.fields) - 3} more)" if len(player.fields) > 3 else ""
        lines.append(f"  {player.name:<12} {player.group:<11} {shown}{more}")
    same = [f for f in FACTORS if f.name in comp.shared]
    exo = [f for f in same if f.group == "exogenous"]
    if exo:
        lines.append("Conditional on these exogenous paths, the same in A and B (each contributes exactly 0):")
        for factor in exo:
            for field in comp.shared[factor.name]:
                lines.append(f"  {factor.name:<12} {field} = {_short(comp.a[field])}")
    others = [f.name for f in same if f.group != "exogenous"]
    if others:
        lines.append(f"The same in A and B (0 each): {', '.join(others)}")
    return lines


def _metric_block(result: AttributionResult, name: str) -> list[str]:
    m = _metric(name)
    rows = result.contributions[result.contributions["metric"] == name]
    first = rows.drop_duplicates("seed")
    a, b, total = (_band(first[c].to_numpy(float)) for c in ("a_value", "b_value", "total"))
    unit = m.shown_unit or m.unit
    head = (f"{m.label} ({unit}): A {_num(a[0], m)} -> B {_num(b[0], m)}; B - A {_num(total[0], m, True)} "
            f"[{_num(total[1], m, True)}, {_num(total[2], m, True)}]")
    lines = [head]
    censored, runs = int(first["censored_runs"].sum()), int(first["runs"].sum())
    if censored:
        lines.append(f"    censored in {censored} of {runs} coalition runs ({_censor_note(result)})")
    for player in result.players:
        c = _band(rows.loc[rows["factor"] == player.name, "contribution"].to_numpy(float))
        share = f"{c[0] / total[0]:>6.0%}" if total[0] and not math.isnan(total[0] * c[0]) else "     -"
        lines.append(f"    {player.name:<14}{_num(c[0], m, True):>12} [{_num(c[1], m, True)}, "
                     f"{_num(c[2], m, True)}] {share}")
    sums = rows.groupby(["seed", "group"])["contribution"].sum().unstack("group")
    parts = []
    for group in [*GROUPS, "mixed"]:
        if group in sums or group in GROUPS:
            g = _band(sums[group].to_numpy(float)) if group in sums else (0.0, 0.0, 0.0)
            share = f" ({g[0] / total[0]:.0%})" if total[0] and not math.isnan(total[0] * g[0]) else ""
            parts.append(f"{group} {_num(g[0], m, True)}{share}")
    lines.append("    by group: " + ", ".join(parts))
    return lines


def _censor_note(result: AttributionResult) -> str:
    start, end = result.years
    if result.censor == "nan":
        return "censored values are NaN: their contributions too"
    return f"not reached counts as {end + 1}, passed at start as {start}"


def table_text(result: AttributionResult) -> str:
    """The table: what differs, what is held, and per metric the median contribution [5%, 95%] over seeds."""
    k = len(result.players)
    seeds = ", ".join(str(s) for s in result.seeds)
    per_seed = len(set(result.coalitions["mask"])) if len(result.coalitions) else 2 ** k
    lines = [f"Attribution of B {result.b_name!r} - A {result.a_name!r}: {result.method} over {k} factor(s), "
             f"{per_seed} coalition runs per seed, {len(result.seeds)} seed(s) ({seeds}), {result.years[0]}-"
             f"{result.years[1]}, {result.runs} distinct runs", *_differences(result),
             f"Per metric: median over seeds [5%, 95%] and share of the median total; years censored: "
             f"{_censor_note(result)}"]
    for name in result.metrics:
        lines += _metric_block(result, name)
    lines += _lmdi_lines(result)
    return "\n".join(lines)


def _lmdi_lines(result: AttributionResult) -> list[str]:
    d = result.lmdi
    if d.empty:
        return []
    lines = ["LMDI: change of net emissions by driving factor (ktCO2/yr, median over seeds; sink = its change with "
             "the sign of net emissions)"]
    per = d.groupby(["comparison", "seed", "factor"], sort=False)["contribution"].sum()
    for comparison in d["comparison"].unique():
        part = per.loc[comparison]
        total = part.groupby("seed").sum().median()
        cells = [f"{f} {part.xs(f, level='factor').median() / 1e3:+,.0f}"
                 for f in part.index.get_level_values("factor").unique()]
        lines.append(f"  {comparison}: {total / 1e3:+,.0f} = " + ", ".join(cells))
    return lines


def plot_waterfall(result: AttributionResult, path: str | Path) -> Path:
    """One panel per metric: A, each factor's step (mean over seeds: the means add up to B - A exactly;
    whiskers: 5-95% of the seeds), B. The axis spans the levels reached, not from 0."""
    from abm.plots import new_figure

    names = list(result.metrics)
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig, axes = new_figure(nrows=nrows, ncols=ncols, figsize=(5.2 * ncols, 3.4 * nrows), dpi=100, squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        _panel(ax, result, name)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    groups = sorted({p.group for p in result.players}, key=[*GROUPS, "mixed"].index)
    if groups:
        from matplotlib.patches import Patch

        fig.legend(handles=[Patch(color=GROUP_COLOURS[g], label=g) for g in groups], loc="upper right", fontsize=8,
                   ncol=len(groups))
    fig.suptitle(f"B {result.b_name!r} - A {result.a_name!r}: {result.method} contributions (mean of "
                 f"{len(result.seeds)} seed(s))", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    path = Path(path)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _steps(result: AttributionResult, name: str, m: Metric):
    """A's and B's mean, and per player (label, mean step, 5% and 95% of the seeds, colour), in units shown."""
    rows = result.contributions[result.contributions["metric"] == name]
    first = rows.drop_duplicates("seed")
    a, b = first["a_value"].mean() / m.scale, first["b_value"].mean() / m.scale
    steps = []
    for player in result.players:
        c = rows.loc[rows["factor"] == player.name, "contribution"].to_numpy(float) / m.scale
        mean = float(np.mean(c))
        lo, hi = (float(np.percentile(c, 5)), float(np.percentile(c, 95))) if not np.isnan(c).any() else (mean, mean)
        steps.append((player.name, mean, lo, hi, GROUP_COLOURS.get(player.group, "tab:gray")))
    censored = int(first["censored_runs"].sum()), int(first["runs"].sum())
    return a, b, steps, censored


def _panel(ax, result: AttributionResult, name: str) -> None:
    """A, each factor's step from where the last one ended, B; the axis spans the levels reached."""
    m = _metric(name)
    a, b, steps, (censored, runs) = _steps(result, name, m)
    levels = np.cumsum([a] + [s[1] for s in steps])
    finite = [v for v in [*levels, b] if not math.isnan(v)]
    span = (max(finite) - min(finite)) if finite else 0.0
    base = (min(finite) - max(0.25 * span, 1.0 if m.is_year else 0.05 * abs(min(finite)) or 1.0)) if finite else 0.0
    x = np.arange(len(steps) + 2)
    ax.bar(x[0], a - base, bottom=base, color="0.6", edgecolor="black", linewidth=0.5)
    ax.bar(x[-1], b - base, bottom=base, color="0.3", edgecolor="black", linewidth=0.5)
    for i, (label, mean, lo, hi, colour) in enumerate(steps, start=1):
        ax.bar(x[i], mean, bottom=levels[i - 1], color=colour, edgecolor="black", linewidth=0.5)
        ax.errorbar(x[i], levels[i], yerr=[[mean - lo], [hi - mean]], fmt="none", ecolor="black", capsize=3, lw=0.8)
        ax.annotate(_num(mean * m.scale, m, True), (x[i], max(levels[i - 1], levels[i])), ha="center",
                    va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(x, ["A", *[s[0] for s in steps], "B"], rotation=30, ha="right", fontsize=8)
    note = f"\n(censored in {censored} of {runs} runs)" if censored else ""
    ax.set_title(m.label + note, fontsize=9)
    ax.set_ylabel(m.shown_unit or m.unit, fontsize=8)
    if finite:
        ax.set_ylim(base, max(finite) + 0.15 * (max(finite) - base))
    ax.grid(axis="y", alpha=0.3)


def write_outputs(result: AttributionResult, out: str | Path) -> list[str]:
    """Write the Parquet tables, the waterfall and the table into `out`; the names written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = {"attribution.parquet": result.contributions, "lmdi.parquet": result.lmdi,
              "coalitions.parquet": result.coalitions}
    for file, frame in tables.items():
        atomic_write(out / file, lambda tmp, frame=frame: frame.to_parquet(tmp, index=False))
    plot_waterfall(result, out / "waterfall.png")
    atomic_write_text(out / "attribution.txt", table_text(result) + "\n")
    return [*tables, "waterfall.png", "attribution.txt"]


def group_totals(result: AttributionResult) -> pd.DataFrame:
    """Contribution per seed, metric and group (form, technology, exogenous, mixed)."""
    return result.contributions.groupby(["seed", "metric", "group"], as_index=False)["contribution"].sum()

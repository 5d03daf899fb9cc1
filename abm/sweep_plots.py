"""Figures for a sweep folder: when each policy crosses the inflection points, emission fans,
emissions by source, emissions against land take, and (for a sobol sweep) what drives each result. Drawn with matplotlib's Agg backend and
written atomically.

The figures read only the summary (one row per run) and, for the fans and the sources, the year and
emissions columns of one scenario at a time, so a sweep of any size draws in little memory. The
sources are those of the registry (abm.emissions) that the sweep's time series hold.

>>> import pandas as pd, tempfile, pathlib
>>> summary = pd.DataFrame({"scenario": ["a", "a", "b"], "status": ["ok"] * 3,
...                         "final_urban_area_km2": [10.0, 11.0, 20.0],
...                         "cumulative_emissions_t": [1e6, 1.1e6, 2e6]})
>>> path = plot_emissions_vs_area(summary, pathlib.Path(tempfile.mkdtemp()) / "x.png")
>>> path.stat().st_size > 1000
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from abm.atomic import atomic_write
from abm.emissions import emission_sources
from abm.inflection import POINT_NAMES
from abm.plots import new_figure

FIGURES = ("inflection_years.png", "emission_fans.png", "emissions_vs_urban_area.png", "emissions_by_source.png")


def _colours(names: list[str]) -> dict[str, str]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return {name: matplotlib.colors.to_hex(cmap(i % 10)) for i, name in enumerate(names)}


def _order(summary: pd.DataFrame, scenarios: list[str] | None) -> list[str]:
    present = list(dict.fromkeys(summary["scenario"].astype(str)))
    if scenarios:
        return [s for s in scenarios if s in present] + sorted(s for s in present if s not in scenarios)
    return sorted(present)


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path = Path(path)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)
    return path


def _ok(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[summary["status"] == "ok"] if "status" in summary else summary


def inflection_table(summary: pd.DataFrame, scenarios: list[str] | None = None) -> pd.DataFrame:
    """Per scenario and inflection point: runs, share crossed / passed at start, median and 5-95% year.

    Years are those of the runs where the point was crossed during the run (as abm.inflection's
    summarise_seeds does): a point passed before the run began has no meaningful year.
    """
    ok = _ok(summary)
    rows = []
    for name in _order(ok, scenarios):
        runs = ok[ok["scenario"] == name]
        n = len(runs)
        for pid, label in POINT_NAMES.items():
            state = runs[f"state_{pid}"].astype(str)
            years = runs.loc[state == "crossed", f"year_{pid}"].dropna().to_numpy(dtype=float)
            has = years.size > 0
            rows.append({"scenario": name, "id": pid, "name": label, "n_runs": n,
                         "share_crossed": float((state == "crossed").mean()) if n else np.nan,
                         "share_passed_at_start": float((state == "passed_at_start").mean()) if n else np.nan,
                         "year_median": float(np.median(years)) if has else np.nan,
                         "year_p05": float(np.percentile(years, 5)) if has else np.nan,
                         "year_p95": float(np.percentile(years, 95)) if has else np.nan})
    return pd.DataFrame(rows)


def plot_inflection_years(summary: pd.DataFrame, path: str | Path, scenarios: list[str] | None = None,
                          title: str = "") -> Path:
    """One panel per inflection point: each policy's crossing years over its runs (dots), median
    (diamond), 5-95% band (line); the share of runs where the point was crossed is written beside."""
    ok = _ok(summary)
    names = _order(ok, scenarios)
    colours = _colours(names)
    fig, axes = new_figure(ncols=5, figsize=(17, 1.6 + 0.55 * max(len(names), 2)), dpi=100, sharey=True, sharex=True)
    rng = np.random.default_rng(0)  # jitter only: the figure is the same every time
    for ax, (pid, label) in zip(axes, POINT_NAMES.items()):
        for i, name in enumerate(names):
            runs = ok[ok["scenario"] == name]
            state = runs[f"state_{pid}"].astype(str)
            years = runs.loc[state == "crossed", f"year_{pid}"].dropna().to_numpy(dtype=float)
            at_start = int((state == "passed_at_start").sum())
            if years.size:
                ax.scatter(years, i + rng.uniform(-0.18, 0.18, years.size), s=9, alpha=0.45, color=colours[name],
                           lw=0)
                lo, med, hi = np.percentile(years, [5, 50, 95])
                ax.plot([lo, hi], [i, i], color=colours[name], lw=2.5, solid_capstyle="butt")
                ax.plot([med], [i], marker="D", ms=8, color=colours[name], mec="black")
            note = f"{years.size}/{len(runs)}" + (f", {at_start} at start" if at_start else "")
            ax.annotate(note, (1.0, i), xycoords=("axes fraction", "data"), xytext=(-3, 7),
                        textcoords="offset points", ha="right", fontsize=7, color="0.3")
        ax.set_title(f"{pid}. {label}", fontsize=9)
        ax.set_xlabel("year crossed")
        ax.grid(alpha=0.3, axis="x")
        ax.set_ylim(-0.6, len(names) - 0.4)
    from matplotlib.ticker import MaxNLocator

    axes[0].xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    years = [ok.loc[ok[f"state_{pid}"].astype(str) == "crossed", f"year_{pid}"].dropna() for pid in POINT_NAMES]
    years = pd.concat(years).to_numpy(dtype=float) if any(len(y) for y in years) else np.array([])
    if years.size:  # room on the right for the "crossed / runs" notes
        lo, hi = float(years.min()), float(years.max())
        span = max(hi - lo, 6.0)
        axes[0].set_xlim(lo - 0.08 * span, hi + 0.25 * span)
    axes[0].set_yticks(range(len(names)), names)
    axes[0].invert_yaxis()
    fig.suptitle(title or "Carbon inflection points: year crossed per policy (runs crossed / runs)", fontsize=11)
    return _save(fig, path)


def emission_fans(out_dir: str | Path, summary: pd.DataFrame, column: str = "emissions_total_t",
                  scenarios: list[str] | None = None) -> pd.DataFrame:
    """Median and 5-95% band of `column` by year over each scenario's runs (seeds and parameters).

    Reads one scenario's year and `column` at a time from the sweep's runs/ dataset.
    """
    from abm.sweeps import load_timeseries

    ok = _ok(summary)
    rows = []
    for name in _order(ok, scenarios):
        ids = set(ok.loc[ok["scenario"] == name, "run_id"])
        ts = load_timeseries(out_dir, columns=["run_id", "year", column], scenarios=[name])
        ts = ts[ts["run_id"].isin(ids)]
        if ts.empty:
            continue
        q = ts.groupby("year")[column].quantile([0.05, 0.5, 0.95]).unstack()
        q.columns = ["p05", "p50", "p95"]
        q["n_runs"] = ts.groupby("year")["run_id"].nunique()
        rows.append(q.reset_index().assign(scenario=name))
    if not rows:
        return pd.DataFrame(columns=["scenario", "year", "p05", "p50", "p95", "n_runs"])
    return pd.concat(rows, ignore_index=True)[["scenario", "year", "p05", "p50", "p95", "n_runs"]]


def policy_panels(n: int):
    """A figure with one panel per policy (up to three a row, shared axes): (fig, axes as a 2-D array)."""
    ncols = min(3, max(n, 1))
    nrows = -(-max(n, 1) // ncols)
    return new_figure(nrows=nrows, ncols=ncols, figsize=(5.2 * ncols, 3.6 * nrows), dpi=100, sharex=True,
                      sharey=True, squeeze=False)


def label_panels(axes, n: int, y_label: str) -> None:
    """Axis labels on the outer panels; panels beyond the `n` policies hidden."""
    for ax in axes[-1]:
        ax.set_xlabel("year")
    for ax in axes[:, 0]:
        ax.set_ylabel(y_label)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)


def plot_emission_fans(fans: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """One panel per policy: median emissions (line) and the 90% band over its runs (shaded)."""
    names = list(dict.fromkeys(fans["scenario"]))
    colours = _colours(names)
    fig, axes = policy_panels(len(names))
    kt = 1e-3
    for ax, name in zip(axes.flat, names):
        f = fans[fans["scenario"] == name]
        ax.fill_between(f["year"], f["p05"] * kt, f["p95"] * kt, color=colours[name], alpha=0.25,
                        label="5-95% of runs")
        ax.plot(f["year"], f["p50"] * kt, color=colours[name], lw=2, label="median")
        ax.set_title(f"{name} ({int(f['n_runs'].max())} runs)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    label_panels(axes, len(names), "emissions, ktCO2 per year")
    fig.suptitle(title or "Total emissions: median and 90% band over runs", fontsize=11)
    return _save(fig, path)


def stored_columns(out_dir: str | Path) -> set[str]:
    """The columns of a sweep's per-run time series (its runs/ Hive dataset), read from the schema alone."""
    runs = Path(out_dir) / "runs"
    if not runs.is_dir() or not any(runs.rglob("*.parquet")):
        return set()
    import pyarrow.dataset as ds

    return set(ds.dataset(runs, format="parquet", partitioning="hive").schema.names)


def source_medians(out_dir: str | Path, summary: pd.DataFrame, scenarios: list[str] | None = None) -> pd.DataFrame:
    """Median tCO2/yr of each emission source by year over each scenario's runs: columns scenario,
    year, n_runs and one `emissions_<source>_t` per registered source the sweep's time series hold.

    Each source's median is taken on its own, so the stacked medians need not add up to the median total.
    """
    from abm.sweeps import load_timeseries

    stored = stored_columns(out_dir)
    columns = [s.column() for s in emission_sources() if s.column() in stored]
    if not columns:
        return pd.DataFrame(columns=["scenario", "year", "n_runs"])
    ok = _ok(summary)
    rows = []
    for name in _order(ok, scenarios):
        ids = set(ok.loc[ok["scenario"] == name, "run_id"])
        ts = load_timeseries(out_dir, columns=["run_id", "year", *columns], scenarios=[name])
        ts = ts[ts["run_id"].isin(ids)]
        if ts.empty:
            continue
        by_year = ts.groupby("year")
        rows.append(by_year[columns].median().assign(n_runs=by_year["run_id"].nunique()).reset_index()
                    .assign(scenario=name))
    if not rows:
        return pd.DataFrame(columns=["scenario", "year", "n_runs", *columns])
    return pd.concat(rows, ignore_index=True)[["scenario", "year", "n_runs", *columns]]


def plot_emissions_by_source(medians: pd.DataFrame, path: str | Path, title: str = "", lang: str = "en") -> Path:
    """One panel per policy: the median emissions of each source over its runs, stacked in the
    registry's order and colours (sources the table lacks are left out)."""
    names = list(dict.fromkeys(medians["scenario"]))
    sources = [s for s in emission_sources() if s.column() in medians.columns]
    fig, axes = policy_panels(len(names))
    kt = 1e-3
    for ax, name in zip(axes.flat, names):
        m = medians[medians["scenario"] == name]
        ax.stackplot(m["year"], *[m[s.column()] * kt for s in sources], labels=[s.label(lang) for s in sources],
                     colors=[s.colour for s in sources], alpha=0.7)
        ax.set_title(f"{name} ({int(m['n_runs'].max())} runs)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    label_panels(axes, len(names), "median emissions, ktCO2 per year")
    fig.suptitle(title or "Emissions by source: median over runs, stacked", fontsize=11)
    return _save(fig, path)


def plot_emissions_vs_area(summary: pd.DataFrame, path: str | Path, scenarios: list[str] | None = None,
                           title: str = "") -> Path:
    """Cumulative emissions against final urban area, one dot per run, coloured by policy."""
    ok = _ok(summary)
    names = _order(ok, scenarios)
    colours = _colours(names)
    fig, ax = new_figure(figsize=(7.5, 5.5), dpi=100)
    for name in names:
        runs = ok[ok["scenario"] == name]
        ax.scatter(runs["final_urban_area_km2"], runs["cumulative_emissions_t"] * 1e-6, s=22, alpha=0.7,
                   color=colours[name], label=f"{name} ({len(runs)})", edgecolors="none")
    ax.set_xlabel("final urban area, km2")
    ax.set_ylabel("cumulative emissions, MtCO2")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title="policy (runs)", title_fontsize=8)
    ax.set_title(title or "Cumulative emissions vs land take, one dot per run", fontsize=11)
    return _save(fig, path)


SENSITIVITY_LABELS = {**{f"year_{p}": f"{p}. {name}" for p, name in POINT_NAMES.items()},
                      "peak_emissions_year": "carbon peak year (raw)", "cumulative_emissions_t": "cumulative CO2"}


def plot_sensitivity(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Total Sobol index (bar) and first-order index (dot) of each axis, one panel per metric, a colour per
    scenario; whiskers are the 95% confidence half-widths of ST."""
    metrics = list(dict.fromkeys(table["metric"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    factors = list(dict.fromkeys(table["factor"]))
    colours = _colours(scenarios)
    fig, axes = new_figure(nrows=1, ncols=len(metrics), figsize=(3.2 * len(metrics), 0.5 * len(factors) + 1.8),
                           squeeze=False, sharey=True)
    height = 0.8 / max(len(scenarios), 1)
    for ax, metric in zip(axes[0], metrics):
        for j, name in enumerate(scenarios):
            rows = table[(table["metric"] == metric) & (table["scenario"] == name)].set_index("factor")
            y = np.arange(len(factors)) + j * height
            st = rows.reindex(factors)
            ax.barh(y, st["ST"].fillna(0), height=height, xerr=st["ST_conf"].fillna(0), color=colours[name],
                    alpha=0.7, label=name)
            ax.plot(st["S1"], y, "k.", ms=4)
        ax.set_title(SENSITIVITY_LABELS.get(metric, metric), fontsize=9)
        ax.set_xlim(0, 1.05)
        ax.set_xlabel("total index ST (dot: S1)", fontsize=8)
    axes[0][0].set_yticks(np.arange(len(factors)) + 0.4 - height / 2, factors, fontsize=8)
    axes[0][-1].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, Path(path))


def write_sensitivity(summary: pd.DataFrame, figs: Path, name: str) -> list[Path]:
    """sensitivity.csv (every index) and sensitivity.png for a sobol sweep; nothing for other sweeps."""
    from abm.atomic import atomic_write_text
    from abm.sweeps.sensitivity import sobol_table

    table = sobol_table(summary, summary.attrs.get("sweep", {}))
    if table.empty:
        return []
    atomic_write_text(figs / "sensitivity.csv", table.to_csv(index=False, float_format="%.4g"))
    return [figs / "sensitivity.csv",
            plot_sensitivity(table, figs / "sensitivity.png",
                             f"{name}: what drives each inflection year and the cumulative emissions (Sobol)")]


def write_report(out_dir: str | Path, fig_dir: str | Path | None = None) -> list[Path]:
    """Write the sweep's figures (and inflection_years.csv) into `fig_dir` (default out_dir/report).

    The fan chart and the sources chart need the per-run time series (outputs.timeseries = true);
    without them they are skipped.
    """
    from abm.atomic import atomic_write_text
    from abm.sweeps import load_sweep
    from abm.errors import ConfigError

    out = Path(out_dir)
    summary = load_sweep(out)
    if not (summary["status"] == "ok").any():
        raise ConfigError(str(out), "has no finished runs to draw", "run `abm sweep` into it first")
    order = [s["name"] for s in summary.attrs.get("sweep", {}).get("scenarios", [])] or None
    name = summary.attrs.get("sweep", {}).get("name", out.name)
    figs = Path(fig_dir) if fig_dir else out / "report"
    figs.mkdir(parents=True, exist_ok=True)
    written = [plot_inflection_years(summary, figs / FIGURES[0], order,
                                     f"{name}: year each carbon inflection point is crossed (runs crossed / runs)")]
    fans = emission_fans(out, summary, scenarios=order)
    if not fans.empty:
        written.append(plot_emission_fans(fans, figs / FIGURES[1],
                                          f"{name}: total emissions, median and 90% band over runs"))
    written.append(plot_emissions_vs_area(summary, figs / FIGURES[2], order,
                                          f"{name}: cumulative emissions vs final urban area"))
    medians = source_medians(out, summary, scenarios=order)
    if not medians.empty:
        written.append(plot_emissions_by_source(medians, figs / FIGURES[3],
                                                f"{name}: emissions by source, median over runs (stacked)"))
    table = inflection_table(summary, order)
    atomic_write_text(figs / "inflection_years.csv", table.to_csv(index=False, float_format="%.4g"))
    written.append(figs / "inflection_years.csv")
    return written + write_sensitivity(summary, figs, name)

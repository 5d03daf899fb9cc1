"""Figures for runs and sweeps, drawn with matplotlib's Agg backend (no display needed).

Emissions are drawn by source from the registry (abm.emissions): a new source shows up in
`abm run --plot`, the app's PNG export and `abm report` without an edit here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from abm.atomic import atomic_write
from abm.emissions import EmissionSource, emission_sources

POINT_STYLE = {1: ("o", "tab:orange"), 2: ("s", "tab:purple"), 3: ("^", "tab:red"), 4: ("D", "tab:green"),
               5: ("*", "tab:blue")}


def new_figure(**kw):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(**kw)


def present_sources(ts: pd.DataFrame) -> list[type[EmissionSource]]:
    """The registered emission sources whose column the time series has, in stacking order."""
    return [source for source in emission_sources() if source.column() in ts.columns]


def draw_emissions(ax, ts: pd.DataFrame, events: list[dict[str, Any]], lang: str = "en") -> None:
    """Emissions by source (stacked, one band per registered source present in `ts`), sink and net
    on `ax`, with the crossed inflection points marked. `lang` ("en" or "zh") picks the source labels."""
    years = ts["year"]
    kt = 1e-3
    sources = present_sources(ts)
    if sources:
        ax.stackplot(years, *[ts[s.column()] * kt for s in sources], labels=[s.label(lang) for s in sources],
                     colors=[s.colour for s in sources], alpha=0.55)
    ax.plot(years, ts["emissions_total_t"] * kt, color="black", lw=1.5, label="total emissions")
    ax.plot(years, ts["sink_t"] * kt, color="tab:green", lw=1.5, ls="--", label="sink")
    ax.plot(years, ts["net_t"] * kt, color="tab:gray", lw=1.5, ls=":", label="net")
    for e in events:
        if e["state"] == "crossed" and e["year"] is not None:
            marker, colour = POINT_STYLE[e["id"]]
            row = ts.loc[ts["year"] == e["year"]]
            if row.empty:
                continue
            y = float(row["sink_t"].iloc[0] if e["id"] == 4 else row["emissions_total_t"].iloc[0]) * kt
            ax.plot([e["year"]], [y], marker=marker, color=colour, ms=10, mec="black", ls="none",
                    label=f"{e['id']}. {e['name']} ({e['year']})")
    ax.set_xlabel("year")
    ax.set_ylabel("ktCO2 per year")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper right", ncol=2)


def plot_emissions(ts: pd.DataFrame, events: list[dict[str, Any]], path: str | Path, title: str = "") -> Path:
    """Write a PNG of emissions by source, sink and net with the five inflection points marked."""
    fig, ax = new_figure(figsize=(9, 5), dpi=110)
    draw_emissions(ax, ts, events)
    ax.set_title(f"{title}: emissions, sink and carbon inflection points" if title else "Emissions and sink")
    fig.tight_layout()
    path = Path(path)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path

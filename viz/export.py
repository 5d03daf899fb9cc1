"""The exports that need more than a table: the PNG (the map(s) with legend and scale bar, and the
charts, in one matplotlib figure) and the scenario TOML a run can be reproduced from.

The PNG is drawn only when a planner asks for it, so matplotlib's cost does not touch the live view;
the emissions panels reuse abm.plots.draw_emissions, so an exported figure matches `abm run --plot`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from abm.plots import draw_emissions
from abm.scenario import Scenario, dumps_toml
from viz.runs import Run, map_views


def _map_panel(ax, view) -> None:
    import matplotlib.patches as mpatches

    img = view.image
    ax.imshow(img.rgb, interpolation="nearest")
    ax.set_title(view.label, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    w, h = img.size
    bar = view.scale_share * w
    x0, y0 = 0.05 * w, 0.93 * h
    ax.add_patch(mpatches.Rectangle((x0, y0), bar, 0.015 * h, color="black"))
    ax.text(x0 + bar / 2, y0 - 0.015 * h, view.scale_label, ha="center", va="bottom", fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})
    leg = img.legend
    handles = [mpatches.Patch(color=c, label=label) for label, c in leg.items]
    if leg.kind == "continuous":
        ramp = [leg.ramp[0], leg.ramp[len(leg.ramp) // 2], leg.ramp[-1]]
        mids = [leg.vmin, (leg.vmin + leg.vmax) / 2, leg.vmax]
        handles = [mpatches.Patch(color=c, label=leg.label(v)) for c, v in zip(ramp, mids)] + handles
    title = f"{leg.title}" + (f"\n{leg.unit}" if leg.unit else "")
    ax.legend(handles=handles, title=title, fontsize=7, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False)


def figure_png(runs: list[Run], layer: str, scales: dict[str, float]) -> bytes:
    """One PNG: maps on top (one per run), emissions of each run, carbon intensity (and A - B)."""
    from matplotlib.figure import Figure

    n = len(runs)
    if n == 0:
        return b""
    views = map_views(runs, layer, dict(scales))
    rows = 3
    fig = Figure(figsize=(6.5 * n, 4.2 * rows), dpi=100)
    grid = fig.add_gridspec(rows, n)
    for i, (run, view) in enumerate(zip(runs, views)):
        _map_panel(fig.add_subplot(grid[0, i]), view)
        ax = fig.add_subplot(grid[1, i])
        draw_emissions(ax, _frame(run), run.events())
        ax.set_title(f"{run.label}: emissions, sink and inflection points", fontsize=10)
    ax = fig.add_subplot(grid[2, 0])
    for run, style in zip(runs, ("-", "--")):
        df = _frame(run)
        ax.plot(df["year"], df["carbon_intensity_t_per_gdp"], style, label=run.label)
    ax.set_title("Carbon intensity of GDP", fontsize=10)
    ax.set_xlabel("year")
    ax.set_ylabel("tCO2 per 10,000 CNY")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if n == 2:
        a, b = (_frame(r) for r in runs)
        m = min(len(a), len(b))
        ax = fig.add_subplot(grid[2, 1])
        for col, label, style in (("emissions_total_t", "total emissions", "k-"), ("sink_t", "sink", "g--"),
                                  ("net_t", "net", "k:")):
            ax.plot(a["year"][:m], (np.asarray(a[col][:m]) - np.asarray(b[col][:m])) / 1e3, style, label=f"{label} A - B")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(f"Difference {runs[0].scenario.name} (A) - {runs[1].scenario.name} (B)", fontsize=10)
        ax.set_xlabel("year")
        ax.set_ylabel("ktCO2 per year")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{' vs '.join(r.scenario.name for r in runs)}, seed {runs[0].model.seed_value}, "
                 f"year {runs[0].model.year}", fontsize=12)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _frame(run: Run):
    import pandas as pd

    return pd.DataFrame.from_records(run.model.records)


#: Scenario fields naming files (read relative to the scenario file first: abm.regions, abm.land_carbon).
FILE_FIELDS = (("region", "path"), ("region", "growth_boundary_file"), ("region", "red_line_file"),
               ("region", "farmland_file"), ("carbon", "carbon_pools_file"))


def portable_dict(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as TOML data, file paths that were relative to its own file made absolute,
    so the exported file runs from wherever it is saved."""
    data = scenario.to_dict()
    folder = Path(scenario.source).resolve().parent if scenario.source else None
    for table, key in FILE_FIELDS:
        value = data.get(table, {}).get(key)
        if folder is not None and value and not Path(value).expanduser().is_absolute() and (folder / value).exists():
            data[table][key] = str(folder / value)
    return data


def scenario_toml(run: Run, file: str, edits: list[str], uploads: list[tuple[str, str, tuple[str, ...]]] = ()) -> str:
    """The scenario `run` simulates as a TOML file: a header saying where it came from (the file, the
    edits made in the app, the files uploaded and where they are, the seed and the years shown), then
    every setting, resolved.

    `uploads` are (scenario field, its path, the files uploaded) of the maps and lines uploaded in the
    page: the fields hold absolute paths into the page's temporary upload folder, so the header says
    which files they were and how to point the fields at one's own copies."""
    s = run.scenario
    rows, cols = run.model.grid.shape
    header = [f"abm scenario exported from the planners' app: policy {run.side}, file {file or '(none)'}",
              "edited in the app: " + ("; ".join(edits) if edits else "nothing"),
              f"seed {run.model.seed_value}, {rows} x {cols} cells of {run.model.grid.cell_size_m:g} m "
              f"({s.region.kind} region), {s.run.ticks} ticks from {s.run.start_year}; shown up to {run.model.year} "
              f"(tick {run.tick})"]
    for key, path, names in uploads:
        header.append(f"uploaded in the app: {key} = {path}  <- {', '.join(names)}")
    if uploads:
        header += ["the uploaded files live in the app's temporary folder, removed when its page closes: to run this",
                   "file elsewhere, keep copies of them (a GeoTIFF stack or SLEUTH set: one folder of maps) and set",
                   "the fields above to their paths (absolute, or relative to this file or to ABM_DATA_DIR)"]
    header.append(f"run it again: abm run THIS.toml --ticks {run.tick}   (the whole run: without --ticks)")
    return "".join(f"# {line}\n" for line in header) + "\n" + dumps_toml(portable_dict(s))

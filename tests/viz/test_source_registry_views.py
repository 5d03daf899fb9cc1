"""A new emission source, registered from this module alone, shows up in every view of emissions:
the app's SVG chart, the matplotlib plot of `abm run --plot` (and the app's PNG export) and the
by-source figure of `abm report`. Only a time series with its column is needed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from abm.emissions import EmissionSource, SourceEmissions, emission_sources, register_source, unregister_source
from abm.plots import draw_emissions, new_figure
from abm.sweep_plots import plot_emissions_by_source, source_medians
from viz.carbon_charts import emissions_chart

SVG = "{http://www.w3.org/2000/svg}"


class ToySource(EmissionSource):
    """A constant 1 kt a year, booked nowhere on the map."""

    name = "toy"
    label_en = "toy source"
    label_zh = "玩具排放源"
    colour = "#123456"

    def run_one_step(self, state, year: int) -> SourceEmissions:
        return SourceEmissions(1000.0, 0.0, 1000.0, np.zeros(0, np.float32), cells=np.zeros(0, np.int64))


@pytest.fixture
def toy():
    register_source(ToySource)
    yield ToySource
    unregister_source(ToySource.name)


def timeseries(toy_column: bool = True) -> pd.DataFrame:
    years = np.arange(2020, 2026)
    df = pd.DataFrame({"year": years, "emissions_buildings_t": np.linspace(5e3, 8e3, 6),
                       "emissions_transport_t": np.linspace(2e3, 3e3, 6), "sink_t": np.full(6, 1e3)})
    if toy_column:
        df["emissions_toy_t"] = np.full(6, 4e3)
    df["emissions_total_t"] = df.filter(like="emissions_").sum(axis=1)
    df["net_t"] = df["emissions_total_t"] - df["sink_t"]
    return df


def legend_and_fills(svg: str) -> tuple[list[str], set[str]]:
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    fills = {p.get("fill") for p in root.iter(f"{SVG}polygon")}
    return texts, fills


def plot_legend(ts: pd.DataFrame, lang: str = "en") -> tuple[list[str], dict[str, str]]:
    """Legend labels of `draw_emissions`, and the face colour of each stacked band by label."""
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt

    fig, ax = new_figure()
    draw_emissions(ax, ts, [], lang=lang)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    bands = {c.get_label(): mcolors.to_hex(c.get_facecolor()[0]) for c in ax.collections}
    plt.close(fig)
    return labels, bands


def test_the_toy_source_is_a_band_of_the_app_chart(toy):
    texts, fills = legend_and_fills(emissions_chart(timeseries(), title="toy"))
    assert "toy source" in texts and toy.colour in fills
    assert texts.index("buildings") < texts.index("passenger transport") < texts.index("toy source")  # registry order
    texts, _ = legend_and_fills(emissions_chart(timeseries(), title="toy", lang="zh"))
    assert "玩具排放源" in texts and "建筑运行" in texts


def test_the_toy_source_is_a_band_of_the_plot(toy):
    labels, bands = plot_legend(timeseries())
    assert labels[:3] == ["buildings", "passenger transport", "toy source"]  # industry and conversion: no column, no band
    assert bands["toy source"] == toy.colour
    assert plot_legend(timeseries(), lang="zh")[0][2] == "玩具排放源"


def test_a_registered_source_without_a_column_is_left_out(toy):
    texts, fills = legend_and_fills(emissions_chart(timeseries(toy_column=False), title="no toy"))
    assert "toy source" not in texts and toy.colour not in fills
    assert "toy source" not in plot_legend(timeseries(toy_column=False))[0]


def test_a_column_without_a_registered_source_is_not_drawn():
    assert "toy" not in [s.name for s in emission_sources()]
    texts, fills = legend_and_fills(emissions_chart(timeseries(), title="unregistered"))
    assert "toy source" not in texts and ToySource.colour not in fills
    assert "toy source" not in plot_legend(timeseries())[0]


def write_runs(folder, scenario: str, runs: dict[str, pd.DataFrame]) -> None:
    """Per-run time series in a sweep's layout: runs/scenario=<name>/<run id>.parquet (Hive)."""
    part = folder / "runs" / f"scenario={scenario}"
    part.mkdir(parents=True)
    for run_id, ts in runs.items():
        ts.assign(run_id=run_id).to_parquet(part / f"{run_id}.parquet", index=False)


def test_the_toy_source_is_a_band_of_the_report(toy, tmp_path):
    low, high = timeseries(), timeseries()
    high["emissions_toy_t"] = 6e3
    write_runs(tmp_path, "plan", {"r1": low, "r2": high, "r3": high})
    summary = pd.DataFrame({"scenario": ["plan"] * 3, "run_id": ["r1", "r2", "r3"], "status": ["ok"] * 3})
    medians = source_medians(tmp_path, summary)
    assert list(medians.columns) == ["scenario", "year", "n_runs", "emissions_buildings_t", "emissions_transport_t",
                                     "emissions_toy_t"]
    assert (medians["emissions_toy_t"] == 6e3).all() and (medians["n_runs"] == 3).all()
    path = plot_emissions_by_source(medians, tmp_path / "by_source.png")
    assert path.read_bytes()[:4] == b"\x89PNG"

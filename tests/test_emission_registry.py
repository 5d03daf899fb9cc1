"""A new emission source is one class: registered from here, it reaches the account, the time series,
the app's chart and `abm run --plot` without an edit anywhere else."""

from __future__ import annotations

import numpy as np
import pytest

from abm.emissions import EmissionSource, SourceEmissions, emission_sources, register_source, source, unregister_source
from abm.runner import run_scenario
from abm.scenario import scenario_from_dict

TINY = {"run": {"ticks": 3}, "region": {"rows": 40, "cols": 40, "town_radius_km": 0.5}}


class StreetLighting(EmissionSource):
    """A toy source: 2 kgCO2 a year per household, booked at its home cell."""

    name = "toy_lighting"
    label_en = "street lighting"
    label_zh = "道路照明"
    colour = "#123456"
    reads = ("households", "tick")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        hh = state.households
        per_household = np.full(len(hh), 0.002)
        new = float(per_household[hh.located_tick == state.tick].sum())
        total = float(per_household.sum())
        return SourceEmissions(total, new, total - new, per_household, cells=hh.home,
                               extras={"toy_lighting_households": float(len(hh))})


@pytest.fixture
def toy_source():
    register_source(StreetLighting)
    yield StreetLighting
    unregister_source(StreetLighting.name)


def test_toy_source_reaches_the_time_series_and_the_account(toy_source):
    result = run_scenario(scenario_from_dict(TINY))
    ts = result.timeseries
    assert "emissions_toy_lighting_t" in ts and "toy_lighting_households" in ts
    np.testing.assert_allclose(ts["emissions_toy_lighting_t"], 0.002 * ts["households"], rtol=1e-9)
    parts = sum(ts[s.column()] for s in emission_sources())
    np.testing.assert_allclose(ts["emissions_total_t"], parts, rtol=1e-12)
    np.testing.assert_allclose(ts["emissions_new_t"] + ts["emissions_stock_t"], ts["emissions_total_t"], rtol=1e-9)
    cell_map = result.model.carbon.emissions_cell_t
    assert float(cell_map.sum(dtype=np.float64)) == pytest.approx(ts["emissions_total_t"].iloc[-1], rel=1e-5)


def test_toy_source_reaches_the_plot(toy_source, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from abm.plots import draw_emissions

    result = run_scenario(scenario_from_dict(TINY))
    fig, ax = plt.subplots()
    draw_emissions(ax, result.timeseries, result.events)
    labels = ax.get_legend_handles_labels()[1]
    plt.close(fig)
    assert "street lighting" in labels


def test_toy_source_reaches_the_app_chart(toy_source):
    pytest.importorskip("solara")
    from viz.carbon_charts import emissions_chart

    result = run_scenario(scenario_from_dict(TINY))
    svg = emissions_chart(result.timeseries, title="emissions")
    assert "street lighting" in svg and "#123456" in svg
    assert "道路照明" in emissions_chart(result.timeseries, title="排放", lang="zh")


def test_registry_refuses_a_second_source_of_the_same_name():
    class Impostor(EmissionSource):
        name, label_en, label_zh, colour = "transport", "x", "x", "#000000"

    with pytest.raises(ValueError, match="already registered"):
        register_source(Impostor)
    with pytest.raises(KeyError, match="choose from"):
        source("no such source")


def test_shipped_sources_have_colours_of_their_own():
    """A chart tells the sources apart: no two share a colour, and none takes the sink's or the net's."""
    from matplotlib.colors import to_hex

    colours = [s.colour.lower() for s in emission_sources()]
    assert len(set(colours)) == len(colours), colours
    assert not {to_hex("tab:green"), to_hex("tab:gray")} & set(colours)  # sink and net lines (abm.plots)

"""`abm report`'s figures by emission source, and the run plot's bands: both follow the registry."""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd

from abm.batch import run_sweep
from abm.emissions import emission_sources
from abm.plots import draw_emissions, new_figure
from abm.scenario import scenario_from_dict
from abm.sweep_plots import FIGURES, source_medians, write_report

BUILT_IN = ["emissions_buildings_t", "emissions_transport_t", "emissions_industry_t", "emissions_industry_process_t",
            "emissions_conversion_t"]


def run_frame(scale: float, years=(2020, 2021, 2022)) -> pd.DataFrame:
    n = len(years)
    df = pd.DataFrame({"year": list(years), **{c: np.full(n, scale * (k + 1)) for k, c in enumerate(BUILT_IN)}})
    df["emissions_total_t"] = df[BUILT_IN].sum(axis=1)
    df["sink_t"] = 0.0
    df["net_t"] = df["emissions_total_t"]
    return df


def test_the_plot_stacks_every_built_in_source_in_registry_order_and_colour():
    fig, ax = new_figure()
    draw_emissions(ax, run_frame(1e3), [])
    bands = {c.get_label(): mcolors.to_hex(c.get_facecolor()[0]) for c in ax.collections}
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:4] == [s.label() for s in emission_sources()][:4] == ["buildings", "passenger transport",
                                                                         "industrial energy",
                                                                         "industrial processes"]
    assert bands == {s.label(): s.colour for s in emission_sources() if s.column() in BUILT_IN}


def test_medians_by_source_are_per_scenario_and_per_year(tmp_path):
    for scenario, scales in (("a", {"a1": 1.0, "a2": 2.0, "a3": 10.0}), ("b", {"b1": 5.0})):
        part = tmp_path / "runs" / f"scenario={scenario}"
        part.mkdir(parents=True)
        for run_id, scale in scales.items():
            run_frame(scale).assign(run_id=run_id).to_parquet(part / f"{run_id}.parquet", index=False)
    summary = pd.DataFrame({"scenario": ["a", "a", "a", "b"], "run_id": ["a1", "a2", "a3", "b1"],
                            "status": ["ok", "ok", "failed", "ok"]})  # a3 failed: not counted
    medians = source_medians(tmp_path, summary).set_index(["scenario", "year"])
    assert list(medians.columns) == ["n_runs", *BUILT_IN]
    assert medians.loc[("a", 2021), "emissions_transport_t"] == 3.0   # median of 2 and 4
    assert medians.loc[("b", 2022), "emissions_conversion_t"] == 25.0   # b1: 5 x its place in BUILT_IN (5th)
    assert medians.loc[("a", 2020), "n_runs"] == 2


def test_report_draws_emissions_by_source(tmp_path):
    scenario = scenario_from_dict({"name": "tiny", "run": {"ticks": 3},
                                   "region": {"rows": 30, "cols": 30, "town_radius_km": 0.4}})
    run_sweep({"name": "s", "scenarios": [scenario], "seeds": 2, "ticks": 3}, tmp_path / "out", workers=1,
              progress=False)
    written = write_report(tmp_path / "out")
    png = tmp_path / "out" / "report" / FIGURES[3]
    assert png in written and png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 5000

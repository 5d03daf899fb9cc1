"""Data regions: demo200 starts from its 1930 map and runs (skips where the shared data is absent)."""

from __future__ import annotations

import numpy as np

from abm.model import UrbanModel
from abm.scenario import scenario_from_dict


def test_demo200_runs_from_1930(demo200_dir):
    scenario = scenario_from_dict({
        "run": {"start_year": 1930, "ticks": 3},
        "region": {"kind": "sleuth", "path": str(demo200_dir), "year": 1930},
        "policy": {"quantity": {"growth_boundary": "none", "red_line": "none"}},
    })
    model = UrbanModel(scenario)
    g = model.grid
    assert g.shape == (200, 200)
    assert int(g.urban.sum()) == 598
    assert len(model.households) > 0
    for _ in range(3):
        model.step()
    assert model.year == 1933
    assert int(g.urban.sum()) >= 598
    assert not (g.floor_total[g.excluded] > 0).any()
    assert np.isfinite(model.records[-1]["emissions_total_t"])


def test_vector_growth_boundary_and_red_line_are_rasterised(tmp_path):
    """A drawn boundary (GeoJSON) replaces the policy's disc; a drawn red line is never built on."""
    import geopandas as gpd
    from shapely.geometry import box

    rows = cols = 60
    size = 100.0
    # Local metric frame of an un-georeferenced grid: x = col * 100 m, y = (rows - row) * 100 m.
    boundary = gpd.GeoDataFrame(geometry=[box(0, 0, cols * size / 2, rows * size)])  # the western half
    red = gpd.GeoDataFrame(geometry=[box(10 * size, 10 * size, 20 * size, 50 * size)])
    boundary.to_file(tmp_path / "boundary.geojson", driver="GeoJSON")
    red.to_file(tmp_path / "red.geojson", driver="GeoJSON")
    scenario = scenario_from_dict({
        "region": {"rows": rows, "cols": cols, "town_radius_km": 0.8, "villages": 0,
                   "growth_boundary_file": str(tmp_path / "boundary.geojson"),
                   "red_line_file": str(tmp_path / "red.geojson")},
        "population": {"growth_rate": 0.08},
        "policy": {"quantity": {"land_quota_cells": 300}, "layout": {"far_cap_other": 0.4, "far_cap_core": 0.6}},
    })
    model = UrbanModel(scenario)
    g = model.grid
    assert g.red_line[15:45, 12:18].all()
    urban_before = g.urban.copy()
    for _ in range(5):
        model.step()
    new = g.urban & ~urban_before
    assert new.any()
    assert not new[:, cols // 2 + 1:].any(), "growth outside the drawn boundary"
    assert not (new & g.red_line).any()

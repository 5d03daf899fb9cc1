"""`abm data describe`: JSON and table output on the shared sets and a GeoTIFF folder, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from abm.cli import main


@pytest.mark.data
def test_describe_demo200_json(demo200_dir, capsys):
    assert main(["data", "describe", str(demo200_dir), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "demo200" and info["source"] == "sleuth"
    assert (info["rows"], info["cols"], info["valid_cells"]) == (200, 200, 40_000)
    assert info["urban_years"] == [1930, 1950, 1970, 1990]
    assert [row["year"] for row in info["years"]] == [1930, 1950, 1970, 1990]
    assert [row["area"] for row in info["years"]] == [598, 861, 1821, 3881]
    first = info["years"][0]
    for key in ("edges", "clusters", "cluster_size", "xmean", "ymean", "rad", "slope"):
        assert isinstance(first[key], float), key
    assert first["cluster_size"] == int(first["cluster_size"])  # SLEUTH's integer division
    assert first["rad"] == pytest.approx((598 / np.pi) ** 0.5)


@pytest.mark.data
def test_describe_demo200_table(demo200_dir, capsys):
    assert main(["data", "describe", str(demo200_dir)]) == 0
    out = capsys.readouterr().out
    assert "clusters" in out and "x-mean" in out
    lines = [line.split() for line in out.splitlines()]
    years = {row[0]: row for row in lines if row and row[0] in ("1930", "1950", "1970", "1990")}
    assert years["1990"][1] == "3,881" and years["1930"][1] == "598"


def test_describe_geotiff_folder(tmp_path, capsys):
    urban = np.zeros((4, 5), np.uint8)
    urban[1:3, 1:4] = 1
    profile = {"driver": "GTiff", "height": 4, "width": 5, "count": 1, "dtype": "uint8",
               "crs": "EPSG:32650", "transform": from_origin(500_000, 4_000_000, 30, 30)}
    with rasterio.open(tmp_path / "urban_2015.tif", "w", **profile) as dst:
        dst.write(urban, 1)
    assert main(["data", "describe", str(tmp_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["source"] == "geotiff" and info["crs"] == "EPSG:32650" and info["cell_size_m"] == 30
    row = info["years"][0]
    assert (row["year"], row["area"], row["edges"], row["clusters"], row["cluster_size"]) == (2015, 6, 6, 1, 6)
    assert row["slope"] == 0.0  # no slope layer: zeros
    assert info["missing_layers"] == ["slope", "excluded", "roads", "landuse"]


@pytest.mark.parametrize("kind", ["missing", "file", "empty", "no-urban"])
def test_describe_bad_path(tmp_path, capsys, kind):
    path = tmp_path / "maps"
    if kind == "file":
        path.write_text("x")
    elif kind == "empty":
        path.mkdir()
    elif kind == "no-urban":
        path.mkdir()
        from PIL import Image

        Image.fromarray(np.zeros((2, 2), np.uint8), mode="L").save(path / "x.slope.gif")
    assert main(["data", "describe", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("abm data: error: ") and str(path) in lines[0]


def test_data_without_action_says_so_in_one_line(capsys):
    assert main(["data"]) == 2
    assert capsys.readouterr().err == "abm data: error: choose an action: describe (see abm data --help)\n"

"""The planner's own city (viz.uploads, AppSession.upload): maps and lines uploaded in the page run, a bad
upload is refused in one line and the run goes on, and the exported scenario reruns the uploaded city."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from viz import uploads
from viz.session import AppConfig, AppSession

from tests.viz.uploads_data import STACK_ORIGIN, geotiff_stack, red_line_geojson, sleuth_zip

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def files(*paths: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in paths]


@pytest.fixture()
def session() -> AppSession:
    return AppSession(AppConfig(SCENARIOS, region_size=(40, 40)))


def test_a_geotiff_stack_becomes_the_region(session, demo200_dir, tmp_path):
    session.step()
    assert session.upload("region", files(*geotiff_stack(demo200_dir, tmp_path / "maps")))
    model = session.runs[0].model
    assert model.grid.shape == (200, 200) and session.frame.tick == 0
    assert int((model.grid.urban & model.grid.valid).sum()) >= 3881 * 0.9  # the 1990 map (the latest) is the start
    assert session.runs[0].scenario.region.kind == "geotiff"
    assert "200 x 200 cells of 100 m (20 x 20 km), starting from the 1990 urban map" in session.upload_summary("region")
    assert session.step() and session.frame.tick == 1
    folder = Path(session.runs[0].scenario.region.path)
    assert folder.is_dir() and session.upload_folder.root in folder.parents
    session.clear_upload("region")
    assert session.runs[0].model.grid.shape == (40, 40) and not folder.exists()


def test_a_zipped_sleuth_folder_becomes_the_region(session, demo200_dir, tmp_path):
    archive = sleuth_zip(demo200_dir, tmp_path / "demo200.zip")
    assert session.upload("region", files(archive)), session.upload_errors
    assert session.runs[0].scenario.region.kind == "sleuth" and session.runs[0].model.grid.shape == (200, 200)
    assert "SLEUTH set" in session.upload_summary("region")


@pytest.mark.parametrize("name, data, said", [
    ("urban_2020.tif", b"just some notes\n", "urban_2020.tif is not a GeoTIFF (it starts like text): export the map"),
    ("maps.zip", b"PK\x03\x04garbage", "maps.zip cannot be opened as a ZIP archive"),
    ("city.gif", b"GIF89a" + b"\x00" * 20, "city.gif: no SLEUTH names"),
    ("mycity.tif", b"II*\x00" + b"\x00" * 20, "mycity.tif: the name says no layer and year: name the urban map"),
    ("notes.txt", b"hello", "notes.txt hold no GeoTIFF (.tif) or GIF map"),
])
def test_a_bad_region_upload_is_refused_in_one_line_and_the_run_goes_on(session, name, data, said):
    session.step()
    session.step()
    runs = session.runs
    assert not session.upload("region", [(name, data)])
    message = session.upload_errors["region"]
    assert said in message and "\n" not in message and "/tmp" not in message
    assert session.runs is runs and session.frame.tick == 2 and session.error is None
    assert [r.label for r in session.refused()] == ["upload: land-use maps"]
    assert session.step() and session.frame.tick == 3
    assert not list(session.upload_folder.root.iterdir())  # the refused files are gone


def test_a_vector_red_line_changes_the_red_line_layer(session, tmp_path):
    model = session.runs[0].model
    before = model.grid.red_line.copy()
    path = red_line_geojson(tmp_path / "red.geojson", 40, (5, 15, 25, 35))
    assert session.upload("red_line", files(path)), session.upload_errors
    grid = session.runs[0].model.grid
    assert grid.red_line[6:14, 26:34].all() and (grid.red_line != before).any()
    from viz.render import layer_values

    assert (layer_values(session.runs[0].model, "lines")[6:14, 26:34] == 4).all()
    assert session.upload_summary("red_line") == "in use: red.geojson (ecological red line: red.geojson)"


def test_a_zipped_shapefile_is_a_line_and_a_shapefile_needs_its_parts(session, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    shp = tmp_path / "shp"
    shp.mkdir()
    gpd.GeoDataFrame(geometry=[box(0, 0, 2000, 4000)]).to_file(shp / "boundary.shp")
    archive = tmp_path / "boundary.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in shp.iterdir():
            z.write(f, f"boundary/{f.name}")
    assert session.upload("growth_boundary", files(archive)), session.upload_errors
    assert "boundary_mask" in session.runs[0].model.grid.metadata
    assert not session.upload("farmland", files(shp / "boundary.shp"))
    assert "lacks boundary.shx and boundary.dbf: upload all its parts" in session.upload_errors["farmland"]


@pytest.mark.parametrize("name, data, said", [
    ("red.tif", b"II*\x00", "red.tif is a raster image, not a vector layer: upload the line as GeoPackage"),
    ("red.geojson", b"not json at all", "red.geojson: cannot read it as a vector layer"),
    ("red.gpkg", b"hello", "red.gpkg is not a GeoPackage (it starts like text)"),
])
def test_a_bad_line_is_refused_in_one_line(session, name, data, said):
    assert not session.upload("red_line", [(name, data)])
    assert said in session.upload_errors["red_line"] and "\n" not in session.upload_errors["red_line"]
    assert session.error is None and not session.at_end


def test_a_line_outside_the_region_is_refused_with_the_whole_scenario(session, tmp_path):
    """Validated with the scenario it joins: a boundary covering no cell of the grid is refused."""
    import geopandas as gpd
    from shapely.geometry import box

    gpd.GeoDataFrame(geometry=[box(1e6, 1e6, 1.1e6, 1.1e6)]).to_file(tmp_path / "far.geojson", driver="GeoJSON")
    assert not session.upload("growth_boundary", files(tmp_path / "far.geojson"))
    assert "covers no cell" in session.upload_errors["growth_boundary"]


def test_sizes_are_checked_before_anything_is_sent(session):
    assert not session.check_upload("region", [("huge.tif", uploads.MAX_UPLOAD_BYTES + 1)])
    assert "more than the 200 MB one upload takes" in session.upload_errors["region"]
    assert session.check_upload("region", [("urban_2020.tif", 1000)])
    with pytest.raises(uploads.UploadRefused, match="the files hold more than"):
        chunks = iter([b"x" * (150 * 2**20), b"x" * (60 * 2**20), b""])

        class Big:  # a stream longer than the browser said
            def read(self, n: int) -> bytes:
                return next(chunks)

        uploads.save_files([("urban_2020.tif", Big())], session.upload_folder.new("region"))


def test_a_zip_bomb_and_odd_names_are_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("urban_2020.tif", b"\x00" * (uploads.MAX_UNZIPPED_BYTES + 1))
    with pytest.raises(uploads.UploadRefused, match="unpacks to 1,024 MB, more than"):
        uploads.unzip(archive, tmp_path)
    assert uploads._safe_name("../../etc/passwd") == "passwd"
    with pytest.raises(uploads.UploadRefused, match="not a usable file name"):
        uploads._safe_name("..")


def test_the_exported_scenario_names_the_uploads_and_reruns_the_uploaded_city(session, demo200_dir, tmp_path):
    from abm.runner import run_scenario
    from abm.scenario import load_scenario

    assert session.upload("region", files(*geotiff_stack(demo200_dir, tmp_path / "maps")))
    red = red_line_geojson(tmp_path / "red.geojson", 200, (20, 60, 20, 60), top_left=STACK_ORIGIN[0], crs=STACK_ORIGIN[1])
    assert session.upload("red_line", files(red)), session.upload_errors
    assert session.runs[0].model.grid.red_line[25:55, 25:55].all()
    for _ in range(3):
        session.step()
    text = session.export_toml("A").decode()
    assert "# uploaded in the app: region.path = " in text and "<- urban_1970.tif, urban_1990.tif" in text
    assert "# uploaded in the app: region.red_line_file = " in text and "200 x 200 cells of 100 m" in text
    (tmp_path / "exported.toml").write_text(text, encoding="utf-8")
    rerun = run_scenario(load_scenario(tmp_path / "exported.toml"), ticks=3).timeseries
    shown = session.runs[0].model.records
    assert np.allclose(rerun["emissions_total_t"].to_numpy(), [r["emissions_total_t"] for r in shown])
    assert session.export_name().startswith("baseline-uploaded-")


def test_a_boundary_drawn_on_the_map_becomes_the_growth_boundary(session):
    assert session.draw_boundary([(0, 0), (0, 20), (20, 20), (20, 0)]), session.upload_errors
    mask = session.runs[0].model.grid.metadata["boundary_mask"]
    expected = np.zeros((40, 40), bool)
    expected[:20, :20] = True
    assert (mask == expected).all()
    from viz.runs import cell_readout

    assert "outside the growth boundary" in cell_readout(session.runs[0], 30, 30)
    assert "outside the growth boundary" not in cell_readout(session.runs[0], 10, 10)
    assert session.upload_summary("growth_boundary").startswith("in use: drawn-boundary.geojson")
    assert "region.growth_boundary_file = " in session.export_toml("A").decode()
    assert session.step()
    assert not session.draw_boundary([(0, 0), (0, 20)])
    assert session.upload_errors["growth_boundary"] == "draw at least three corners"
    assert not session.draw_boundary([(100, 100), (100, 120), (120, 120)])
    assert "lie off the map" in session.upload_errors["growth_boundary"]
    assert session.frame.tick == 1  # refused: the run goes on


def test_a_boundary_drawn_on_georeferenced_maps_is_in_their_crs(session, demo200_dir, tmp_path):
    assert session.upload("region", files(*geotiff_stack(demo200_dir, tmp_path / "maps")))
    assert session.draw_boundary([(50, 50), (50, 150), (150, 150), (150, 50)]), session.upload_errors
    mask = session.runs[0].model.grid.metadata["boundary_mask"]
    assert mask[50:150, 50:150].all() and mask.sum() == 100 * 100

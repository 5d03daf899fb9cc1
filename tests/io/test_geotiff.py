"""abm.io.geotiff: tiny GeoTIFF stacks, vector layers burnt onto the grid, atomic GeoTIFF writing."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from abm.errors import DataError
from abm.grid import LandCover, LandGrid
from abm.io.geotiff import geotiff_region, rasterize_vector, read_geotiff_stack, write_geotiff

CRS = "EPSG:32650"  # UTM 50N, metres
CELL = 30.0
X0, Y0 = 500_000.0, 4_000_000.0
TRANSFORM = from_origin(X0, Y0, CELL, CELL)
SHAPE = (5, 6)


def write_tif(path: Path, data: np.ndarray, nodata=None, crs=CRS, transform=TRANSFORM) -> Path:
    profile = {"driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1,
               "dtype": data.dtype.name, "transform": transform}
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def tiny_stack(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    u1 = np.zeros(SHAPE, np.uint8)
    u1[1:3, 1:3] = 1
    u2 = u1.copy()
    u2[1:4, 1:5] = 1
    u2[0, 5] = 1  # lies on a nodata cell of slope: outside, so never urban
    slope = np.full(SHAPE, 4.5, np.float32)
    slope[0, 5] = -9999.0
    excluded = np.zeros(SHAPE, np.uint8)
    excluded[4, 0] = 255  # nodata in excluded: also outside
    excluded[4, 1] = 100
    landuse = np.full(SHAPE, LandCover.AGRICULTURE, np.int16)
    landuse[4, 2] = LandCover.WATER
    roads = np.zeros(SHAPE, np.uint8)
    roads[2, :] = 1
    write_tif(folder / "urban_1990.tif", u1)
    write_tif(folder / "urban_2000.tif", u2)
    write_tif(folder / "slope.tif", slope, nodata=-9999.0)
    write_tif(folder / "excluded.tif", excluded, nodata=255)
    write_tif(folder / "landuse_1990.tif", landuse)
    write_tif(folder / "roads_1990.tif", roads)
    (folder / "notes.txt").write_text("not a raster")
    return folder


# ------------------------------------------------------------------------------------------- stacks
def test_read_stack_from_folder(tmp_path):
    maps = read_geotiff_stack(tiny_stack(tmp_path / "city"))
    assert maps.source == "geotiff" and maps.name == "city" and maps.shape == SHAPE
    assert maps.urban_years == [1990, 2000] and maps.roads_years == [1990] and maps.landuse_years == [1990]
    assert maps.crs == CRS and maps.transform == tuple(TRANSFORM)[:6] and maps.cell_size_m == CELL
    assert not maps.valid[0, 5] and not maps.valid[4, 0] and int(maps.valid.sum()) == 28
    assert int(maps.urban[1990].sum()) == 4 and int(maps.urban[2000].sum()) == 12  # (0, 5) dropped
    assert maps.slope.dtype == np.float32 and maps.slope[0, 5] == 0 and maps.slope[0, 0] == 4.5
    assert maps.excluded.dtype == np.uint8 and maps.excluded[4, 1] == 100
    assert maps.landuse[1990].dtype == np.uint8 and maps.landuse[1990][4, 2] == LandCover.WATER
    assert maps.missing == ()


def test_read_stack_from_mapping_with_keyword_layers(tmp_path):
    folder = tiny_stack(tmp_path / "c")
    maps = read_geotiff_stack({1990: folder / "urban_1990.tif"}, slope=folder / "slope.tif", name="mine")
    assert maps.name == "mine" and maps.urban_years == [1990]
    assert set(maps.missing) == {"excluded", "roads", "landuse"}
    assert not maps.valid[0, 5] and maps.valid[4, 0]  # only slope's nodata counts now


def test_region_keeps_georeferencing(tmp_path):
    grid, maps = geotiff_region(tiny_stack(tmp_path / "c"), 2000)
    assert grid.crs == CRS and grid.transform == tuple(TRANSFORM)[:6] and grid.cell_size_m == CELL
    assert int(grid.urban.sum()) == 12 and (grid.urban_year[grid.urban] == 2000).all()
    assert grid.excluded[4, 0] and grid.excluded[4, 1] and grid.excluded[4, 2]  # outside, >= 100, water
    assert grid.roads[2, :].all()
    assert grid.to_xarray(["land_cover"]).attrs["crs"] == CRS


def one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg and "fix:" in msg
    return msg


def test_refuses_other_transform(tmp_path):
    folder = tiny_stack(tmp_path / "c")
    write_tif(folder / "roads_2000.tif", np.zeros(SHAPE, np.uint8), transform=from_origin(X0 + 15, Y0, CELL, CELL))
    with pytest.raises(DataError) as err:
        read_geotiff_stack(folder)
    assert "roads_2000.tif" in one_line(err) and "transform" in str(err.value)


def test_refuses_other_crs(tmp_path):
    folder = tiny_stack(tmp_path / "c")
    write_tif(folder / "slope.tif", np.zeros(SHAPE, np.float32), crs="EPSG:32651")
    with pytest.raises(DataError) as err:
        read_geotiff_stack(folder)
    assert "slope.tif" in one_line(err) and "CRS" in str(err.value)


def test_refuses_other_shape(tmp_path):
    folder = tiny_stack(tmp_path / "c")
    write_tif(folder / "urban_2010.tif", np.zeros((5, 7), np.uint8))
    with pytest.raises(DataError) as err:
        read_geotiff_stack(folder)
    assert "urban_2010.tif" in one_line(err)


def test_refuses_missing_empty_and_unreadable(tmp_path):
    with pytest.raises(DataError) as err:
        read_geotiff_stack(tmp_path / "nowhere")
    one_line(err)
    write_tif(tmp_path / "slope.tif", np.zeros(SHAPE, np.float32))
    with pytest.raises(DataError) as err:
        read_geotiff_stack(tmp_path)
    assert "urban" in one_line(err)
    (tmp_path / "urban_2000.tif").write_bytes(b"II*\x00 broken")
    with pytest.raises(DataError) as err:
        read_geotiff_stack(tmp_path)
    assert "urban_2000.tif" in one_line(err)


# ------------------------------------------------------------------------------------------ vectors
def georef_grid() -> LandGrid:
    return LandGrid.empty(*SHAPE, cell_size_m=CELL, crs=CRS, transform=tuple(TRANSFORM)[:6])


def cells_box(r0: int, c0: int, r1: int, c1: int):
    """The polygon covering rows r0..r1-1 and columns c0..c1-1 of the test grid, in grid CRS."""
    return box(X0 + c0 * CELL, Y0 - r1 * CELL, X0 + c1 * CELL, Y0 - r0 * CELL)


def test_rasterize_geopackage_boundary_and_zones(tmp_path):
    gdf = gpd.GeoDataFrame({"zone": [1, 2], "far": [0.5, 2.5]},
                           geometry=[cells_box(0, 0, 2, 3), cells_box(2, 2, 5, 6)], crs=CRS)
    path = tmp_path / "plan.gpkg"
    gdf.to_file(path, layer="zones", driver="GPKG")
    grid = georef_grid()
    inside = rasterize_vector(path, grid)
    assert inside.dtype == np.bool_ and inside.shape == SHAPE
    expected = np.zeros(SHAPE, bool)
    expected[0:2, 0:3] = True
    expected[2:5, 2:6] = True
    np.testing.assert_array_equal(inside, expected)
    zones = rasterize_vector(path, grid, attribute="zone")
    assert zones.dtype == np.int32 and zones[0, 0] == 1 and zones[4, 5] == 2 and zones[4, 0] == 0
    far = rasterize_vector(gdf, grid, attribute="far")
    assert far.dtype == np.float32 and far[3, 3] == pytest.approx(2.5)
    with pytest.raises(DataError) as err:
        rasterize_vector(path, grid, attribute="height")
    assert "zone" in one_line(err)


def test_rasterize_reprojects_geojson(tmp_path):
    gdf = gpd.GeoDataFrame(geometry=[cells_box(1, 1, 4, 4)], crs=CRS).to_crs("EPSG:4326")
    path = tmp_path / "redline.geojson"
    gdf.to_file(path, driver="GeoJSON")
    red_line = rasterize_vector(path, georef_grid())
    expected = np.zeros(SHAPE, bool)
    expected[1:4, 1:4] = True
    np.testing.assert_array_equal(red_line, expected)


def test_rasterize_all_touched_and_local_grid():
    grid = LandGrid.empty(4, 4, cell_size_m=10.0)  # no transform: local metres, y north from 0
    line_box = gpd.GeoDataFrame(geometry=[box(11, 21, 14, 24)])  # inside cell (row 1, col 1), off-centre
    assert not rasterize_vector(line_box, grid).any()  # misses the cell centre (15, 25)
    touched = rasterize_vector(line_box, grid, all_touched=True)
    assert touched[1, 1] and int(touched.sum()) == 1
    assert not rasterize_vector(gpd.GeoDataFrame(geometry=[]), grid).any()


def test_rasterize_missing_file(tmp_path):
    with pytest.raises(DataError) as err:
        rasterize_vector(tmp_path / "none.gpkg", georef_grid())
    assert "none.gpkg" in one_line(err)


# ------------------------------------------------------------------------------------------- output
def test_write_geotiff_roundtrip_atomic(tmp_path):
    grid = georef_grid()
    data = np.arange(30, dtype=np.float32).reshape(SHAPE)
    target = tmp_path / "out" / "floor.tif"
    assert write_geotiff(target, data, grid, nodata=-1.0) == target
    with rasterio.open(target) as src:
        assert src.crs.to_epsg() == 32650 and src.transform == TRANSFORM and src.nodata == -1.0
        np.testing.assert_array_equal(src.read(1), data)
    write_geotiff(target, grid.valid, grid)  # overwrite in place, bool -> uint8
    with rasterio.open(target) as src:
        assert src.dtypes[0] == "uint8" and src.read(1).all()
    assert [p.name for p in target.parent.iterdir()] == ["floor.tif"]  # no temporary left behind
    with pytest.raises(ValueError, match="does not match"):
        write_geotiff(target, np.zeros((2, 2)), grid)
    assert [p.name for p in target.parent.iterdir()] == ["floor.tif"]


def test_write_geotiff_without_crs_reads_back_as_stack(tmp_path):
    grid = LandGrid.empty(3, 4, cell_size_m=50.0)
    urban = np.zeros((3, 4), bool)
    urban[1, 1:3] = True
    write_geotiff(tmp_path / "urban_2020.tif", urban, grid)
    maps = read_geotiff_stack(tmp_path)
    assert maps.crs is None and maps.transform == (50.0, 0.0, 0.0, 0.0, -50.0, 150.0)
    assert int(maps.urban[2020].sum()) == 2

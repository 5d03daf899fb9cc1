"""abm.io.sleuth: the palette-red rule, file discovery, refusals, and the shared SLEUTH sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from abm.errors import ConfigError, DataError
from abm.grid import LandCover
from abm.io.sleuth import load_sleuth_set, read_gif, region_from_set, sleuth_region


def write_palette_gif(path: Path, values: np.ndarray) -> Path:
    """A mode "P" GIF whose palette index is NOT the value: index k holds red = values' k-th distinct value.

    Indices are assigned in reverse (largest value -> index 0), and green/blue differ from red, so a
    reader that used the index, or the grey level, would get it wrong.
    """
    distinct = sorted({int(v) for v in np.unique(values)}, reverse=True)
    index = np.zeros(values.shape, np.uint8)
    palette = []
    for k, v in enumerate(distinct):
        index[values == v] = k
        palette += [v, (v + 77) % 256, (v + 151) % 256]
    palette += [0, 0, 0] * (256 - len(distinct))
    im = Image.fromarray(index, mode="P")
    im.putpalette(palette)
    im.save(path)
    with Image.open(path) as check:  # the test only means something if Pillow keeps it as "P"
        assert check.mode == "P"
        assert not np.array_equal(np.asarray(check), values)
    return path


def write_grey_gif(path: Path, values: np.ndarray) -> Path:
    Image.fromarray(values.astype(np.uint8), mode="L").save(path)
    return path


def tiny_set(folder: Path, prefix: str = "town", shape=(6, 7), outside: bool = True) -> Path:
    """A complete tiny SLEUTH set; with ``outside``, the last column is outside the study area (255)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, cols = shape
    urban1 = np.zeros(shape, np.uint8)
    urban1[2:4, 2:4] = 100
    urban2 = urban1.copy()
    urban2[1:5, 1:5] = 100
    urban2[:, -1] = 100  # urban in the outside column: must be dropped
    slope = np.full(shape, 5, np.uint8)
    excluded = np.zeros(shape, np.uint8)
    excluded[0, 0] = 100
    if outside:
        slope[:, -1] = 255
        excluded[:, -1] = 255
    landuse = np.full(shape, LandCover.AGRICULTURE, np.uint8)
    landuse[0, :3] = LandCover.WATER
    landuse[5, :3] = LandCover.FOREST
    landuse[4, 4] = LandCover.URBAN  # says urban, but the 1990 urban map does not
    landuse[5, 4] = 0  # unclassified
    roads = np.zeros(shape, np.uint8)
    roads[3, :] = 50
    write_palette_gif(folder / f"{prefix}.urban.1990.gif", urban1)
    write_grey_gif(folder / f"{prefix}.urban.2000.gif", urban2)
    write_palette_gif(folder / f"{prefix}.slope.gif", slope)
    write_grey_gif(folder / f"{prefix}.excluded.gif", excluded)
    write_palette_gif(folder / f"{prefix}.landuse.1985.gif", landuse)
    write_grey_gif(folder / f"{prefix}.roads.1995.gif", roads)
    write_grey_gif(folder / f"{prefix}.hillshade.gif", np.full(shape, 128, np.uint8))
    write_grey_gif(folder / f"{prefix}.actlanduse1985.gif", np.zeros(shape, np.uint8))  # not an input
    return folder


# ------------------------------------------------------------------------------------------ palette
def test_palette_red_rule_on_mode_p(tmp_path):
    values = np.array([[0, 3, 3], [100, 255, 0]], np.uint8)
    path = write_palette_gif(tmp_path / "p.gif", values)
    np.testing.assert_array_equal(read_gif(path), values)
    assert read_gif(path).dtype == np.uint8


def test_grey_gif_values(tmp_path):
    values = np.array([[0, 17, 200]], np.uint8)
    np.testing.assert_array_equal(read_gif(write_grey_gif(tmp_path / "g.gif", values)), values)


# ----------------------------------------------------------------------------------------- tiny set
def test_load_tiny_set(tmp_path):
    maps = load_sleuth_set(tiny_set(tmp_path / "mytown"))
    assert (maps.name, maps.prefix, maps.shape) == ("mytown", "town", (6, 7))
    assert maps.urban_years == [1990, 2000] and maps.roads_years == [1995] and maps.landuse_years == [1985]
    assert maps.missing == ()
    assert maps.valid[:, :-1].all() and not maps.valid[:, -1].any()
    assert int(maps.urban[1990].sum()) == 4
    assert int(maps.urban[2000].sum()) == 16  # the 6 outside urban cells are dropped
    assert maps.urban[2000].dtype == np.bool_
    assert maps.slope.dtype == np.float32 and maps.slope[0, 0] == 5 and maps.slope[0, -1] == 0
    assert maps.excluded.dtype == np.uint8 and maps.excluded[0, 0] == 100 and maps.excluded[0, -1] == 255
    assert maps.roads[1995].dtype == np.uint8 and maps.roads[1995][3, 0] == 50
    assert maps.landuse[1985][5, 0] == LandCover.FOREST


def test_region_state(tmp_path):
    grid, maps = sleuth_region(tiny_set(tmp_path / "t"), 2000, cell_size_m=30.0)
    assert grid.cell_size_m == 30.0 and grid.crs is None and grid.transform is None
    assert grid.metadata["urban_map_year"] == 2000 and grid.metadata["landuse_year"] == 1985
    assert grid.metadata["roads_year"] == 1995
    urban = maps.urban[2000]
    np.testing.assert_array_equal(grid.urban, urban)
    assert (grid.urban_year[urban] == 2000).all() and (grid.urban_year[~urban] == 0).all()
    assert grid.land_cover[4, 4] == LandCover.URBAN  # inside the 2000 urban block
    assert grid.land_cover[5, 4] == LandCover.GRASSLAND  # unclassified, valid
    assert (grid.land_cover[:, -1] == LandCover.UNCLASSIFIED).all()  # outside
    assert grid.excluded[0, 0] and grid.excluded[0, 1]  # excluded >= 100; water
    assert grid.excluded[:, -1].all() and not grid.excluded[2, 0]
    assert grid.roads[3, :-1].all() and not grid.roads[3, -1] and not grid.roads[2].any()
    assert (grid.forest_age[5, :1] == 30).all() and grid.forest_age[4, 0] == 0
    assert grid.floor_total.sum() == 0 and (grid.energy_factor == 1).all() and (grid.rent == 0).all()
    assert not grid.red_line.any() and grid.growth_boundary.all()
    assert grid.slope.dtype == np.float32 and grid.urban_year.dtype == np.int16


def test_region_defaults_and_landuse_forced_non_urban(tmp_path):
    maps = load_sleuth_set(tiny_set(tmp_path / "t"))
    grid = region_from_set(maps)  # default: first urban year
    assert grid.metadata["year"] == 1990
    assert grid.land_cover[4, 4] == LandCover.AGRICULTURE  # land use says urban, 1990 map does not
    assert int(grid.urban.sum()) == 4
    assert grid.roads[3, :-1].all()  # no roads map <= 1990: the earliest is used
    grid = region_from_set(maps, 1997)  # between maps: the latest urban map before
    assert grid.metadata["urban_map_year"] == 1990 and (grid.urban_year[grid.urban] == 1997).all()
    with pytest.raises(ConfigError, match="1990"):
        region_from_set(maps, 1980)


def test_optional_layers_missing(tmp_path):
    folder = tmp_path / "bare"
    folder.mkdir()
    write_grey_gif(folder / "x.urban.2000.gif", np.array([[0, 1], [1, 1]], np.uint8))
    maps = load_sleuth_set(folder)
    assert set(maps.missing) == {"slope", "excluded", "roads", "landuse"}
    assert maps.valid.all() and int(maps.urban[2000].sum()) == 3
    grid, _ = sleuth_region(maps)
    assert (grid.land_cover[~grid.urban] == LandCover.GRASSLAND).all() and not grid.roads.any()


# ------------------------------------------------------------------------------------------ refusals
def one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg and "fix:" in msg
    return msg


def test_missing_directory(tmp_path):
    with pytest.raises(DataError) as err:
        load_sleuth_set(tmp_path / "nowhere")
    assert "nowhere" in one_line(err)


def test_no_urban_maps(tmp_path):
    write_grey_gif(tmp_path / "x.slope.gif", np.zeros((2, 2), np.uint8))
    with pytest.raises(DataError) as err:
        load_sleuth_set(tmp_path)
    assert "urban" in one_line(err)


def test_unreadable_gif(tmp_path):
    write_grey_gif(tmp_path / "x.urban.2000.gif", np.zeros((2, 2), np.uint8))
    (tmp_path / "x.slope.gif").write_bytes(b"GIF89a this is not an image")
    with pytest.raises(DataError) as err:
        load_sleuth_set(tmp_path)
    assert "x.slope.gif" in one_line(err)


def test_mismatched_shape(tmp_path):
    write_grey_gif(tmp_path / "x.urban.2000.gif", np.zeros((4, 5), np.uint8))
    write_grey_gif(tmp_path / "x.urban.2010.gif", np.zeros((4, 6), np.uint8))
    with pytest.raises(DataError) as err:
        load_sleuth_set(tmp_path)
    assert "x.urban.2010.gif" in one_line(err) and "x.urban.2000.gif" in str(err.value)


def test_two_sets_in_one_folder(tmp_path):
    write_grey_gif(tmp_path / "a.urban.2000.gif", np.zeros((2, 2), np.uint8))
    write_grey_gif(tmp_path / "b.urban.2000.gif", np.ones((2, 2), np.uint8))
    with pytest.raises(DataError) as err:
        load_sleuth_set(tmp_path)
    assert "prefix" in one_line(err)
    assert int(load_sleuth_set(tmp_path, prefix="b").urban[2000].sum()) == 4


# ---------------------------------------------------------------------------------------- shared data
@pytest.mark.data
def test_demo200(demo200_dir):
    maps = load_sleuth_set(demo200_dir)
    assert maps.prefix == "demo200" and maps.shape == (200, 200) and maps.valid.all()
    assert {y: int(u.sum()) for y, u in maps.urban.items()} == {1930: 598, 1950: 861, 1970: 1821, 1990: 3881}
    assert maps.roads_years == [1930, 1950, 1970, 1990] and maps.landuse_years == [1930, 1990]
    assert int((maps.excluded >= 100).sum()) == 4225
    assert 0 <= maps.slope.min() and maps.slope.max() <= 41
    grid, _ = sleuth_region(maps, 1950)
    assert int(grid.urban.sum()) == 861
    assert int((grid.land_cover == LandCover.WATER).sum()) > 0 and grid.excluded.sum() >= 4225


@pytest.mark.data
def test_wb100_outside_area_masked(wb100_dir):
    maps = load_sleuth_set(wb100_dir)
    assert maps.prefix == "india" and maps.shape == (2765, 1575)
    counts = {y: int(u.sum()) for y, u in maps.urban.items()}
    assert counts == {1989: 47_974, 1999: 95_702, 2005: 179_628, 2010: 370_139}
    assert int((~maps.valid).sum()) == 1_906_276  # slope / excluded == 255
    assert not any((u & ~maps.valid).any() for u in maps.urban.values())
    # memory stays sane: one byte per cell per layer
    assert all(u.dtype == np.bool_ for u in maps.urban.values()) and maps.valid.dtype == np.bool_
    assert maps.excluded.dtype == np.uint8 and all(r.dtype == np.uint8 for r in maps.roads.values())
    assert all(lu.dtype == np.uint8 for lu in maps.landuse.values())
    grid, _ = sleuth_region(maps)
    assert int(grid.urban.sum()) == 47_974
    assert (grid.land_cover[~grid.valid] == LandCover.UNCLASSIFIED).all()
    assert grid.excluded[~grid.valid].all() and not grid.roads[~grid.valid].any()

"""Degenerate calibration maps (issue 14): refused with the reason before the search starts.

Before: no urban land or nothing inside the study area ended in 'RuntimeError: the model search has no
finished trial' after the search; all urban, all excluded, 1 x 1, 1 x N and no growth ran a search that
could only score nothing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from abm.calibration import calibrate, calibration_from_dict
from abm.calibration.recovery import toy_map_set
from abm.cli import main
from abm.errors import ConfigError

YEARS = (2000, 2010, 2020, 2030)
CONFIG = {
    "name": "degenerate",
    "data": {"path": "<synthetic>", "fit_years": [2010, 2020], "holdout_years": [2030]},
    "scenario": {"policy": {"quantity": {"growth_boundary": "none", "red_line": "none"}}},
    "search": {"trials": 2, "replicates": 1, "batch": 2, "seed": 1, "refine_top": 1, "refine_replicates": 1,
               "space": {"development.weight_road": [0.0, 6.0]}},
    "null": {"trials": 2, "replicates": 1},
    "report": {"replicates": 1},
}


def _grow(year, shape):
    urban = np.zeros(shape, bool)
    urban.flat[: (year - 2000) // 10 + 1] = True
    return urban


def map_set(urban=_grow, shape=(32, 32), excluded=0, valid=True):
    base = toy_map_set(32)
    return dataclasses.replace(base, urban={y: urban(y, shape) for y in YEARS},
                               roads={YEARS[0]: np.zeros(shape, np.uint8)}, slope=np.zeros(shape, np.float32),
                               excluded=np.full(shape, excluded, np.uint8), landuse={},
                               valid=np.full(shape, valid, bool))


CASES = {
    "all urban": (map_set(lambda y, s: np.ones(s, bool)), "data.path: no cell can be urbanised after 2000"),
    "no urban": (map_set(lambda y, s: np.zeros(s, bool)), "data.start_year: the urban map of 2000 has no urban cell"),
    "all excluded": (map_set(excluded=100), "data.path: no cell can be urbanised after 2000: every cell of the "
                                             "study area is urban or excluded"),
    "1x1": (map_set(lambda y, s: np.full(s, y > 2000), shape=(1, 1)), "data.path: the maps are 1 x 1 cells, too small"),
    "1xN": (map_set(shape=(1, 32)), "data.path: the maps are 1 x 32 cells, too small"),
    "all NaN": (map_set(lambda y, s: np.zeros(s, bool), valid=False),
                "data.path: no cell of the maps is inside the study area (all nodata or NaN)"),
    "no growth": (map_set(lambda y, s: np.eye(32, dtype=bool)),
                  "data.fit_years: no urban growth between the years: 32 urban cells in 2000 and 32 in 2020"),
    "more growth than land": (map_set(lambda y, s: np.ones(s, bool) if y > 2000 else np.eye(32, dtype=bool),
                                      excluded=0), None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_degenerate_maps_are_refused_before_the_search(monkeypatch, case):
    import abm.calibration.pipeline

    def forbidden(*args, **kwargs):
        raise AssertionError("the search started")

    monkeypatch.setattr(abm.calibration.pipeline, "search_parameters", forbidden)
    sset, words = CASES[case]
    if words is None:  # 2000: the diagonal; 2010 on: every cell, more than the open land after excluding
        sset = dataclasses.replace(sset, excluded=np.where(np.arange(32)[:, None] < 16, 100, 0).astype(np.uint8)
                                   * np.ones((1, 32), np.uint8))
        words = "data.fit_years: the city grows by"
    cfg = calibration_from_dict(CONFIG, check_path=False)
    with pytest.raises(ConfigError) as err:
        calibrate(cfg, None, workers=1, progress=False, sset=sset, write=False)
    text = str(err.value)
    assert text.startswith(words) and "(fix: " in text and "\n" not in text, text


def test_a_map_set_that_grew_still_calibrates():
    cfg = calibration_from_dict(CONFIG, check_path=False)
    result = calibrate(cfg, None, workers=1, progress=False, sset=map_set(), write=False)
    assert result is not None


def test_an_all_nan_geotiff_stack_is_one_line_from_the_command(tmp_path, capsys):
    import rasterio
    from rasterio.transform import from_origin

    maps = tmp_path / "maps"
    maps.mkdir()
    for year in (2000, 2010):
        with rasterio.open(maps / f"urban_{year}.tif", "w", driver="GTiff", height=8, width=8, count=1,
                           dtype="float32", nodata=float("nan"), transform=from_origin(0, 800, 100, 100)) as dst:
            dst.write(np.full((1, 8, 8), np.nan, np.float32))
    cal = tmp_path / "cal.toml"
    cal.write_text(f'[data]\npath = "{maps}"\nfit_years = [2010]\n[search.space]\n"development.weight_edge" = [0, 10]\n')
    assert main(["calibrate", str(cal), "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("abm calibrate: error: ") and "\n" not in err, err
    assert "data.path: no cell of the maps is inside the study area (all nodata or NaN)" in err, err
    assert not (tmp_path / "o").exists()

"""Land carbon as InVEST counts it: the shipped pools against the reference bands, a user's pools file and its
refusals, the forest's start (age classes, production stands, a rising sink), harvest, the storage balance,
and the storage in the time series, grids.nc and the account."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from abm.carbon_params import CarbonParameters
from abm.errors import ConfigError
from abm.grid import LandCover
from abm.kernels.conversion import conversion_loss
from abm.kernels.sinks import CO2_PER_C
from abm.land_carbon import AgeClasses, CarbonPools, forest_live_scale
from abm.model import UrbanModel
from abm.regions import build_region, data_root
from abm.runner import run_scenario
from abm.scenario import load_scenario, scenario_from_dict

DATA = Path(__file__).resolve().parents[1] / "abm" / "data"
REFERENCE = data_root() / "reference" / "china_city_carbon.csv"
REGION = {"rows": 90, "cols": 90, "town_radius_km": 0.8, "villages": 2}


def bands() -> dict[str, tuple[float, float]]:
    if not REFERENCE.exists():
        pytest.skip(f"reference table not found: {REFERENCE}")
    with REFERENCE.open(encoding="utf-8") as f:
        return {row["quantity"]: (float(row["low"]), float(row["high"])) for row in csv.DictReader(f)}


def model(ticks: int = 0, **carbon) -> UrbanModel:
    raw = {"run": {"start_year": 2022}, "region": REGION, "population": {"growth_rate": 0.03},
           "policy": {"structure": {"afforestation_cells": 0}}, "carbon": carbon}
    m = UrbanModel(scenario_from_dict(raw))
    m.run(ticks)
    return m


# ---- the shipped tables -------------------------------------------------------------------------------
def test_shipped_pools_have_invests_columns_and_every_class():
    with (DATA / "carbon_pools.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {"lucode", "c_above", "c_below", "c_soil", "c_dead", "name", "description"} <= set(rows[0])
    assert [int(r["lucode"]) for r in rows] == [c.value for c in LandCover]
    assert all(r["name"] == LandCover(int(r["lucode"])).name.lower() and r["source"] for r in rows)
    pools = CarbonPools.read()
    assert pools.source.endswith("carbon_pools.csv") and pools.soil[LandCover.FOREST] == 96.0


def test_shipped_pools_within_the_reference_bands():
    b = bands()
    pools = CarbonPools.read()
    forest = pools.above[LandCover.FOREST] + pools.below[LandCover.FOREST]
    assert forest == pytest.approx(45.8, abs=0.1) and b["forest_biomass_density"][0] <= forest <= b["forest_biomass_density"][1]
    sealed = conversion_loss(np.array([0, 1]), np.full(2, LandCover.URBAN, np.uint8), np.ones(2, bool),
                             stock_tc_ha=pools.total[[LandCover.FOREST, LandCover.AGRICULTURE]],
                             soil_tc_ha=np.array(pools.soil)[[LandCover.FOREST, LandCover.AGRICULTURE]],
                             live_tc_ha=pools.live, sealed_code=int(LandCover.URBAN),
                             soil_loss_share=CarbonParameters().soil_loss_on_sealing, cell_ha=1.0)
    forest_t, cropland_t = sealed.cell_loss_t
    assert b["conversion_forest_to_urban"][0] <= forest_t <= b["conversion_forest_to_urban"][1]
    assert forest_t >= forest * CO2_PER_C  # at least the biomass
    assert b["conversion_cropland_to_urban"][0] <= cropland_t <= b["conversion_cropland_to_urban"][1]


def test_shipped_age_classes_are_young_and_the_curve_matches_the_pools():
    ages = AgeClasses.read()
    assert sum(ages.share) == pytest.approx(1.0) and ages.age_min[0] == 1
    young = sum(s for lo, s in zip(ages.age_min, ages.share) if lo <= 30)  # young and middle-aged
    assert young == pytest.approx(0.64, abs=0.005)
    p = CarbonParameters()
    scale = forest_live_scale(CarbonPools.read(), ages, p)
    assert 150 < scale < 300  # a mature stand's live carbon, above the 51.75 tC/ha mean stand


# ---- the forest the model starts from ------------------------------------------------------------------
def test_seed_draws_production_stands_and_ages_from_the_table():
    m = model()
    g, p, stock = m.grid, m.config.carbon_parameters(), m.state.sinks.stock
    forest = ((g.land_cover == LandCover.FOREST) & g.valid).ravel()
    production = stock.production & forest
    assert not (stock.production & ~forest).any()
    share = production.sum() / forest.sum()
    assert abs(share - p.forest_harvest_share) < 4 * np.sqrt(0.36 * 0.64 / forest.sum())
    age = g.forest_age.ravel()
    counts = np.bincount(age[production].astype(int), minlength=41)
    assert len(counts) == 41 and counts.max() - counts.min() <= 1  # a normal forest: every age below 41 alike
    protected = age[forest & ~production]
    table = AgeClasses.read()
    for lo, hi, s in zip(table.age_min, table.age_max, table.share):
        assert abs(((protected >= lo) & (protected <= hi)).sum() - s * len(protected)) <= 1
    kept = model(forest_ages="region")  # the region's own ages stay; production stands are still drawn
    region = build_region(kept.config)
    forest = region.land_cover == LandCover.FOREST
    assert np.array_equal(kept.grid.forest_age[forest], region.forest_age[forest])
    assert kept.state.sinks.stock.production.any()


def test_forest_sink_at_start_within_bands_and_rising():
    """The starting forest takes up what Chinese forests do per hectare, and more each year for its first decade."""
    b = bands()
    m = model()
    per_ha = []
    for _ in range(11):
        g = m.grid
        forest = (g.land_cover == LandCover.FOREST) & g.valid
        per_ha.append(float(m.carbon.sink_cell_t[forest].sum(dtype=np.float64)) / (forest.sum() * g.cell_area_m2 / 1e4))
        m.step()
    pools = CarbonPools.read()
    dead = pools.dead[LandCover.FOREST] / (pools.above[LandCover.FOREST] + pools.below[LandCover.FOREST])
    biomass_tc = per_ha[0] / CO2_PER_C / (1 + dead)
    assert b["forest_sink_biomass"][0] <= biomass_tc <= b["forest_sink_biomass"][1]
    assert b["forest_sink_regional"][0] <= per_ha[0] <= b["forest_sink_regional"][1]
    early, middle, late = np.mean(per_ha[:3]), np.mean(per_ha[4:7]), np.mean(per_ha[8:11])
    assert early < middle < late, per_ha  # (a stand more or less felled a year moves single years)


def test_production_stands_are_felled_at_rotation_and_protected_ones_never():
    m = model()
    production = m.state.sinks.stock.production.reshape(m.grid.shape)
    protected = (m.grid.land_cover == LandCover.FOREST) & ~production & m.grid.valid
    start = m.grid.forest_age[protected].copy()
    felled = []
    for _ in range(5):
        m.step()
        assert m.grid.forest_age[production].max() <= 40
        felled.append(m.carbon.forest_felled_t)
    still = protected & (m.grid.land_cover == LandCover.FOREST)
    assert np.array_equal(m.grid.forest_age[still], (start + 5)[still[protected]])
    assert min(felled) > 0 and max(felled) / min(felled) < 1.2  # a normal forest: about the same every year
    never = model(1, forest_rotation_age_yr=0.0)
    assert not never.state.sinks.stock.production.any() and never.carbon.forest_felled_t == 0.0


def test_storage_balance_over_a_run():
    """What the cells store changes by the year's removals minus the conversions, to float rounding."""
    m = model()
    rows = [(m.carbon.carbon_storage_t, m.carbon.sink_t, m.carbon.emissions_conversion_t)]
    for _ in range(6):
        m.step()
        rows.append((m.carbon.carbon_storage_t, m.carbon.sink_t, m.carbon.emissions_conversion_t))
    storage, sink, conversion = map(np.array, zip(*rows))
    assert conversion[1:].sum() > 0
    np.testing.assert_allclose(np.diff(storage) * CO2_PER_C, sink[1:] - conversion[1:], rtol=0,
                               atol=1e-9 * storage.max())
    g = m.grid
    assert m.carbon.storage_cell_tc_ha.shape == g.shape and not m.carbon.storage_cell_tc_ha[~g.valid].any()
    assert float(m.carbon.storage_cell_tc_ha.sum()) * g.cell_area_m2 / 1e4 == pytest.approx(storage[-1])


# ---- a user's tables -----------------------------------------------------------------------------------
def shipped_rows() -> list[dict[str, str]]:
    with (DATA / "carbon_pools.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_pools(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or ["lucode", "c_above", "c_below", "c_soil", "c_dead"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, columns, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_a_users_pools_file_relative_to_the_scenario(tmp_path):
    rows = shipped_rows()
    for r in rows:
        if r["lucode"] == str(LandCover.AGRICULTURE.value):
            r["c_soil"] = "120"
    path = write_pools(tmp_path / "pools.csv", rows)
    text = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text("lucode,C_above,C_below,C_soil,C_dead" + "\n" + text[1], encoding="utf-8")  # as InVEST's samples
    (tmp_path / "city.toml").write_text(
        'schema = 1\n[run]\nticks = 1\nstart_year = 2022\n[region]\nrows = 60\ncols = 60\ntown_radius_km = 0.6\n'
        '[carbon]\ncarbon_pools_file = "pools.csv"\n', encoding="utf-8")
    mine = UrbanModel(load_scenario(tmp_path / "city.toml"))
    assert mine.state.sinks.stock.pools.soil[LandCover.AGRICULTURE] == 120.0
    crop = (mine.grid.land_cover == LandCover.AGRICULTURE) & mine.grid.valid
    assert mine.carbon.storage_cell_tc_ha[crop].mean() == pytest.approx(125.0 - 0.1 / CO2_PER_C)


@pytest.mark.parametrize("edit, where", [
    (lambda rows, cols: (rows, [c for c in cols if c != "c_dead"]), "missing column(s) c_dead"),
    (lambda rows, cols: ([*rows, {**rows[2], "lucode": "9"}], cols), "line 10, column lucode: '9' is not a land"),
    (lambda rows, cols: ([*rows, dict(rows[2])], cols), "line 10, column lucode: '2' appears twice"),
    (lambda rows, cols: ([{**r, "c_soil": "-3"} if r["lucode"] == "4" else r for r in rows], cols),
     "line 6 (lucode 4), column c_soil: -3 is negative"),
    (lambda rows, cols: ([{**r, "c_above": "nan"} if r["lucode"] == "2" else r for r in rows], cols),
     "line 4 (lucode 2), column c_above: nan is not a finite number"),
    (lambda rows, cols: ([{**r, "c_below": ""} if r["lucode"] == "3" else r for r in rows], cols),
     "line 5 (lucode 3), column c_below: '' is not a number"),
    (lambda rows, cols: ([r for r in rows if r["lucode"] != "6"], cols), "no row for lucode 6 wetland"),
])
def test_bad_pools_files_refused_in_one_line(tmp_path, edit, where):
    rows, cols = edit(shipped_rows(), ["lucode", "c_above", "c_below", "c_soil", "c_dead"])
    path = write_pools(tmp_path / "bad.csv", rows, cols)
    with pytest.raises(ConfigError) as err:
        model(carbon_pools_file=str(path))
    message = str(err.value)
    assert err.value.field == "carbon.carbon_pools_file" and str(path) in message and where in message, message
    assert "\n" not in message and "fix:" in message


def test_bad_age_tables_and_missing_files_refused(tmp_path):
    head = "age_min,age_max,area_share\n"
    for body, where in (("1,20,0.5\n21,30,0.4\n", "shares sum to 0.9"),
                        ("1,20,0.5\n15,30,0.5\n", "line 3, column age_min: 15 overlaps"),
                        ("1,20.5,0.5\n21,30,0.5\n", "line 2, columns age_min, age_max"),
                        ("1,20,0.5\n21,30,-0.5\n", "line 3, column area_share: -0.5 is negative")):
        path = tmp_path / "ages.csv"
        path.write_text(head + body, encoding="utf-8")
        with pytest.raises(ConfigError, match="carbon.forest_age_classes_file") as err:
            model(forest_age_classes_file=str(path))
        assert where in str(err.value), str(err.value)
    with pytest.raises(ConfigError, match=r"carbon.carbon_pools_file: 'nowhere.csv' not found"):
        model(carbon_pools_file="nowhere.csv")


# ---- outputs -------------------------------------------------------------------------------------------
def test_storage_in_the_time_series_and_grids_nc(tmp_path):
    import xarray as xr

    raw = {"run": {"start_year": 2022, "ticks": 4, "snapshot_every": 2}, "region": REGION,
           "population": {"growth_rate": 0.05}}
    result = run_scenario(scenario_from_dict(raw), out_dir=tmp_path)
    ts = result.timeseries
    assert {"carbon_storage_t", "forest_felled_t"} <= set(ts.columns) and (ts.carbon_storage_t > 0).all()
    with xr.open_dataset(tmp_path / "grids.nc", engine="h5netcdf") as ds:
        storage = ds["carbon_storage"]
        assert storage.attrs["units"] == "tC/ha" and storage.sizes["tick"] == 3
        first, last = storage.isel(tick=0).values, storage.isel(tick=-1).values
        changed = ds["land_cover"].isel(tick=0).values != ds["land_cover"].isel(tick=-1).values
        assert changed.any() and np.all(last[changed] < first[changed])  # sealed cells lost carbon
        assert float(storage.isel(tick=-1).sum()) == pytest.approx(ts.carbon_storage_t.iloc[-1], rel=1e-5)  # 1 ha cells

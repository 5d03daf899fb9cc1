"""Land carbon as InVEST counts it: four pools per land class, their change, and forests by stand age.

Every valid cell stores carbon in InVEST's four pools (above- and below-ground biomass, soil, dead
matter; tC/ha), read from a carbon-pools table with InVEST's biophysical-table columns
(``lucode, c_above, c_below, c_soil, c_dead``; docs/land-carbon.md). A forest stand holds the live
pools by its age (abm.kernels.sinks); the other classes hold their table's pools and change their
soil by a small yearly flux. The cell's stock is kept from tick to tick, so:

- the sink of a tick is the change of the stocks (growth of stands, felled stands' loss, soil
  fluxes), positive when taken up, in tCO2/yr; the cells planted this tick are the new cohort's (a
  planted cell keeps what it held, the cover it replaces left on site with its soil, and gains as its
  young stand grows);
- a cell that changes class books what it stored minus what its new class stores (its live pools
  replaced, a share of its soil lost when sealed): the "conversion" emission source
  (abm.emissions.conversion) reads the stocks here, and this process applies the change;
- the storage map (tC/ha) and its total (tC) are outputs of every tick.

So ``storage(t) - storage(t-1) = (sink_t - conversion_t) x 12/44`` over the valid cells, exactly.

Forests are of two kinds, drawn when the model starts (`LandCarbon.seed`). Production stands (the
harvest share of the forest) are a managed normal forest: ages spread evenly below the rotation age;
on reaching it the yearly forest growth (abm.neighbourhood.ForestGrowth) fells them and they regrow
from 0, the felled carbon leaving the stock (released that year, as IPCC's Tier 1 treats harvested
wood). The other stands are protected, never felled, and take their ages from an age-class table
(share of forest area per age class; the shipped one is the national inventory's young structure).
The pools' forest row is the mean stand of that starting forest: the curve's asymptote is set so that
its stands hold the row's carbon on average.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

from abm.errors import ConfigError
from abm.grid import LandCover
from abm.kernels.conversion import conversion_loss
from abm.kernels.sinks import CO2_PER_C, initial_storage, land_step, mean_stand_fraction
from abm.process import Process
from abm.schema import setting

#: InVEST's biophysical-table columns of the carbon model (tC/ha), besides lucode
POOLS = ("c_above", "c_below", "c_soil", "c_dead")
AGE_COLUMNS = ("age_min", "age_max", "area_share")
NCLASSES = max(LandCover) + 1
POOLS_FILE = "data/carbon_pools.csv"              # shipped with the package (abm/data)
AGE_CLASSES_FILE = "data/forest_age_classes.csv"
CALIBRATION = ("calibration: the starting forest (36% production, 64% by the shipped age table) holds the pools' "
               "45.8 tC/ha of biomass and takes up about 1.2 tC/ha/yr of biomass (Yang 2022: 0.6-1.3), rising "
               "for about 15 years; biomass asymptote 211 tC/ha (114 at 60 years, 172 at 100)")


@dataclass(frozen=True)
class LandFactors:
    """Carbon pools, forest growth and harvest, removal rates of the other classes (``[carbon]`` keys)."""

    # --- carbon pools (InVEST's biophysical table) -------------------------------------------------
    carbon_pools_file: str = setting(
        "", unit="CSV file",
        doc="carbon pools per land class, InVEST's columns lucode, c_above, c_below, c_soil, c_dead in tC/ha "
        "(docs/land-carbon.md); empty: the shipped table abm/data/carbon_pools.csv",
        source="shipped table: Yang 2022, Zhu 2017 (forest); Qin 2013, Yang 2007, IPCC 2006 (cropland); "
        "Ma 2016 (grassland); Zheng 2013 (wetland); Yu 2007 (soil); Yan 2015 (sealed soil)")
    soil_loss_on_sealing: float = setting(
        0.3, lo=0.0, hi=1.0, unit="share",
        doc="share of a cell's soil carbon lost when it is sealed (becomes urban land)",
        source="Ding et al. 2023 ESSD 15:4599: soils under impervious surfaces of 41 Chinese cities hold 29% less "
        "nitrogen to 1 m than permeable urban soils (0.59 vs 0.83 kg/m2) at about the same C:N")
    # --- forests ---------------------------------------------------------------------------------------
    forest_age_classes_file: str = setting(
        "", unit="CSV file",
        doc="share of the protected forest's area per age class, columns age_min, age_max, area_share "
        "(docs/land-carbon.md); empty: the shipped table abm/data/forest_age_classes.csv",
        source="shipped table: 9th National Forest Inventory 2014-2018 (64% young and middle-aged); age groups "
        "of southern natural pines, LY/T 2908-2017")
    forest_ages: Literal["table", "region"] = setting(
        "table", unit="-",
        doc='stand ages at the start: "table" draws them (production: evenly below the rotation age; '
        'protected: the age-class table), "region" keeps the ages the region\'s data bring',
        source="the built-in regions carry no observed ages (the synthetic region's and SLEUTH's are placeholders)")
    forest_rotation_age_yr: float = setting(
        41.0, lo=0.0, hi=1000.0, unit="yr",
        doc="age at which production stands are felled and regrow from 0 (0: never felled)",
        source="LY/T 2908-2017: southern natural pines are mature, and may be clear-felled, from age 41")
    forest_harvest_share: float = setting(
        0.36, lo=0.0, hi=1.0, unit="share",
        doc="share of the forest that is production forest, felled at the rotation age; the rest is protected "
        "(never felled; planted stands too)",
        source="9th National Forest Inventory: plantations are 36.45% of forest area; natural forests have been "
        "closed to commercial logging since 2017")
    forest_growth_rate_per_yr: float = setting(
        0.03, lo=0.0001, hi=10.0, unit="1/yr",
        doc="logistic rate r of a stand's carbon over its age", source=CALIBRATION)
    forest_half_age_yr: float = setting(
        40.0, lo=0.0, hi=1000.0, unit="yr",
        doc="age of a stand's fastest growth", source=CALIBRATION)
    # --- yearly removal of the other classes (their soil's change) --------------------------------------
    sink_wetland_t_ha: float = setting(
        0.6, lo=-100.0, hi=100.0, unit="tCO2/ha/yr",
        doc="wetland removal",
        source="Lyu 2023, Acta Geographica Sinica 78(3)")
    sink_grassland_t_ha: float = setting(
        0.2, lo=-100.0, hi=100.0, unit="tCO2/ha/yr",
        doc="grassland removal",
        source="Lyu 2023")
    sink_cropland_t_ha: float = setting(
        -0.1, lo=-100.0, hi=100.0, unit="tCO2/ha/yr",
        doc="cropland removal",
        source="Lyu 2023 (cropland is a small source)")
    sink_water_t_ha: float = setting(
        0.0, lo=-100.0, hi=100.0, unit="tCO2/ha/yr",
        doc="open water removal",
        source="assumption: no pools counted, as InVEST leaves sediment out")
    sink_barren_t_ha: float = setting(
        0.0, lo=-100.0, hi=100.0, unit="tCO2/ha/yr",
        doc="barren land removal",
        source="assumption: bare land holds no counted carbon")
    sink_urban_t_ha: float = setting(
        0.0, lo=-100.0, hi=100.0, unit="tCO2/ha/yr",
        doc="urban land removal",
        source="assumption: sealed soil keeps its carbon; urban green is its own class")

    def land_year(self) -> dict:
        """The `LandYear` fields: removal rates by LandCover code (forest: 0, it follows its stands)."""
        sink = [0.0] * NCLASSES
        for cover, rate in ((LandCover.WETLAND, self.sink_wetland_t_ha), (LandCover.GRASSLAND, self.sink_grassland_t_ha),
                            (LandCover.AGRICULTURE, self.sink_cropland_t_ha), (LandCover.WATER, self.sink_water_t_ha),
                            (LandCover.BARREN, self.sink_barren_t_ha), (LandCover.URBAN, self.sink_urban_t_ha)):
            sink[cover] = rate
        return dict(sink_t_ha=tuple(sink), forest_growth_rate_per_yr=self.forest_growth_rate_per_yr,
                    forest_half_age_yr=self.forest_half_age_yr, soil_loss_on_sealing=self.soil_loss_on_sealing)


@dataclass(frozen=True)
class LandYear:
    """Land factors as the kernels take them: removal rates by class (tCO2/ha/yr), the forest curve, sealing."""

    sink_t_ha: tuple[float, ...]
    forest_growth_rate_per_yr: float
    forest_half_age_yr: float
    soil_loss_on_sealing: float


# ---- the tables ------------------------------------------------------------------------------------
def resolve_table(path: str, scenario_source: str = "", field: str = "carbon.carbon_pools_file") -> Path | None:
    """None for the shipped table (empty path); else the file: absolute, or relative to the scenario's
    folder, then to the working directory."""
    if not path:
        return None
    p = Path(path).expanduser()
    if p.is_absolute():
        candidates = [p]
    else:
        candidates = [Path(scenario_source).resolve().parent / p] if scenario_source else []
        candidates.append(Path.cwd() / p)
    for c in candidates:
        if c.is_file():
            return c
    raise ConfigError(field, f"'{path}' not found (looked in {', '.join(str(c) for c in candidates)})",
                      "give an absolute path or one relative to the scenario file; leave it empty for the shipped table")


def _text(path: Path | None, shipped: str) -> tuple[str, str]:
    if path is None:
        return f"abm/{shipped}", resources.files("abm").joinpath(shipped).read_text(encoding="utf-8")
    return str(path), path.read_text(encoding="utf-8-sig")


def _rows(label: str, text: str, needed: tuple[str, ...], field: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row with lower-case column names) of a CSV; refuses missing columns."""
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise ConfigError(field, f"{label}: missing column(s) {', '.join(missing)}",
                          f"the table needs the columns {', '.join(needed)}")
    rows = []
    for row in reader:
        rows.append((reader.line_num, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}))
    return rows


def _number(label: str, line: int, column: str, raw: str, field: str, where: str = "") -> float:
    at = f"{label}: line {line}{where}, column {column}"
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(field, f"{at}: {raw!r} is not a number", "write a number (tC/ha, years or a share)") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(field, f"{at}: {raw} is {'negative' if value < 0 else 'not a finite number'}",
                          "write a finite number >= 0")
    return value


@dataclass(frozen=True)
class CarbonPools:
    """InVEST's four pools (tC/ha) of every land class, indexed by LandCover code (SLEUTH numbering)."""

    above: tuple[float, ...]
    below: tuple[float, ...]
    soil: tuple[float, ...]
    dead: tuple[float, ...]
    source: str

    @property
    def live(self) -> np.ndarray:
        """Above + below + dead per class: what a change of class replaces."""
        return np.array(self.above) + np.array(self.below) + np.array(self.dead)

    @property
    def total(self) -> np.ndarray:
        return self.live + np.array(self.soil)

    @classmethod
    def read(cls, path: Path | None = None, field: str = "carbon.carbon_pools_file") -> CarbonPools:
        """The table at `path` (None: the shipped one), every refusal one line naming file, line and column."""
        label, text = _text(path, POOLS_FILE)
        pools = {name: [0.0] * NCLASSES for name in POOLS}
        seen: set[int] = set()
        for line, row in _rows(label, text, ("lucode", *POOLS), field):
            code = row["lucode"]
            if not code.isdigit() or int(code) >= NCLASSES or int(code) in seen:
                problem = "appears twice" if code.isdigit() and int(code) in seen else "is not a land-cover code"
                raise ConfigError(field, f"{label}: line {line}, column lucode: {code!r} {problem}",
                                  f"use each of {', '.join(f'{c.value} {c.name.lower()}' for c in LandCover)} once")
            seen.add(int(code))
            for name in POOLS:
                pools[name][int(code)] = _number(label, line, name, row[name], field, f" (lucode {code})")
        absent = [f"{c.value} {c.name.lower()}" for c in LandCover if c.value and c.value not in seen]
        if absent:
            raise ConfigError(field, f"{label}: no row for lucode {', '.join(absent)}",
                              "add a row for every land class (zeros for a class the region lacks)")
        return cls(*(tuple(pools[name]) for name in POOLS), source=label)


@dataclass(frozen=True)
class AgeClasses:
    """Share of forest area per age class (whole years, each class uniform from age_min to age_max)."""

    age_min: tuple[int, ...]
    age_max: tuple[int, ...]
    share: tuple[float, ...]
    source: str

    @classmethod
    def read(cls, path: Path | None = None, field: str = "carbon.forest_age_classes_file") -> AgeClasses:
        label, text = _text(path, AGE_CLASSES_FILE)
        classes = []
        for line, row in _rows(label, text, AGE_COLUMNS, field):
            lo, hi, share = (_number(label, line, c, row[c], field) for c in AGE_COLUMNS)
            if lo != int(lo) or hi != int(hi) or hi < lo:
                raise ConfigError(field, f"{label}: line {line}, columns age_min, age_max: {row['age_min']} to "
                                  f"{row['age_max']} is not a range of whole years", "write e.g. 21 and 30")
            if classes and lo <= classes[-1][1]:
                raise ConfigError(field, f"{label}: line {line}, column age_min: {row['age_min']} overlaps the "
                                  "class above", "list the classes from young to old without overlap")
            classes.append((int(lo), int(hi), share))
        total = sum(c[2] for c in classes)
        if not classes or abs(total - 1.0) > 0.01:
            raise ConfigError(field, f"{label}: the area shares sum to {total:g}", "make column area_share sum to 1")
        return cls(*(tuple(c[k] for c in classes) for k in range(3)), source=label)

    def mean_fraction(self, rate_per_yr: float, half_age_yr: float) -> float:
        """The mean stand's share of a mature stand's live carbon (abm.kernels.sinks.s)."""
        return mean_stand_fraction(self.age_min, self.age_max, self.share, rate_per_yr=rate_per_yr,
                                   half_age_yr=half_age_yr)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Ages of `n` stands (float32) in random order, as close to the table as whole stands allow: each
        class its share of them (largest remainders), each spread evenly over the class's years."""
        share = np.asarray(self.share, np.float64) / sum(self.share)
        counts = np.floor(share * n).astype(np.int64)
        counts[np.argsort(counts - share * n, kind="stable")[: n - counts.sum()]] += 1
        ages = [lo + np.arange(k) % (hi - lo + 1) for lo, hi, k in zip(self.age_min, self.age_max, counts)]
        return rng.permutation(np.concatenate(ages or [np.empty(0)])).astype(np.float32)


@functools.lru_cache(maxsize=32)
def _cached(kind: type, path: str, stamp: tuple[int, int]) -> CarbonPools | AgeClasses:
    return kind.read(Path(path) if path else None)


def load_table(kind: type, path: Path | None):
    """`kind`.read(path), read once per file version (cached by modification time and size)."""
    if path is None:
        return _cached(kind, "", (0, 0))
    stat = path.stat()
    return _cached(kind, str(path), (stat.st_mtime_ns, stat.st_size))


def tables_of(state) -> tuple[CarbonPools, AgeClasses]:
    """The pools and age classes a state's carbon factors name (relative to its scenario file)."""
    p = state.carbon_params
    source = getattr(state.config, "source", "") if state.config is not None else ""
    pools = load_table(CarbonPools, resolve_table(p.carbon_pools_file, source, "carbon.carbon_pools_file"))
    ages = load_table(AgeClasses, resolve_table(p.forest_age_classes_file, source, "carbon.forest_age_classes_file"))
    return pools, ages


# ---- the stock of every cell --------------------------------------------------------------------------
@dataclass
class LandStock:
    """What the land keeps from tick to tick: its pools, the forest curve's scale, soil and storage per cell."""

    pools: CarbonPools
    forest_live_tc_ha: float  # live carbon (biomass and dead matter) of a mature stand, tC/ha
    soil_tc_ha: np.ndarray    # flat float64, changed in place by fluxes and sealing
    storage_tc_ha: np.ndarray  # flat float64, what every cell stores, changed in place each tick
    production: np.ndarray    # flat bool: production stands (felled at the rotation age)

    @property
    def forest_biomass_max_tc_ha(self) -> float:
        """The curve's asymptote for biomass alone (above + below ground), tC/ha."""
        f = LandCover.FOREST
        live = self.pools.live[f]
        return self.forest_live_tc_ha * (self.pools.above[f] + self.pools.below[f]) / live if live else 0.0


def forest_live_scale(pools: CarbonPools, ages: AgeClasses, p: LandFactors) -> float:
    """A mature stand's live carbon such that the starting forest's mean stand holds the pools' forest row:
    the harvest share at ages 0 to rotation - 1 (a normal forest), the rest by the age-class table."""
    r, h = p.forest_growth_rate_per_yr, p.forest_half_age_yr
    share, rotation = p.forest_harvest_share, int(p.forest_rotation_age_yr)
    mean = ages.mean_fraction(r, h)
    if rotation >= 1 and share > 0:
        mean = (1 - share) * mean + share * mean_stand_fraction([0], [rotation - 1], [1.0], rate_per_yr=r, half_age_yr=h)
    return float(pools.live[LandCover.FOREST]) / mean if mean > 0 else 0.0


def new_stock(state, pools: CarbonPools, ages: AgeClasses, previous: list[tuple[np.ndarray, np.ndarray]],
              production: np.ndarray, age: np.ndarray | None = None) -> LandStock:
    """The stock a year before this tick: stands at their previous `age` (flat; None: a year younger than
    now), cells that changed class this tick (`previous`: (cells, covers) pairs) at their previous class's
    pools (a forest at the mean stand)."""
    g, p = state.grid, state.carbon_params
    scale = forest_live_scale(pools, ages, p)
    storage, soil = initial_storage(g.land_cover, g.forest_age if age is None else age, g.valid,
                                    live_tc_ha=pools.live, soil_tc_ha=pools.soil, forest_code=int(LandCover.FOREST),
                                    forest_live_tc_ha=scale, rate_per_yr=p.forest_growth_rate_per_yr,
                                    half_age_yr=p.forest_half_age_yr, age_shift=1.0 if age is None else 0.0)
    valid = g.valid.ravel()
    for cells, covers in previous:
        inside = valid[cells]
        covers = np.asarray(covers, np.intp)[inside]
        storage[cells[inside]] = pools.total[covers]
        soil[cells[inside]] = np.asarray(pools.soil)[covers]
    return LandStock(pools, scale, soil, storage, production)


def conversion_of(state, pools: CarbonPools, stock: LandStock | None):
    """The tick's conversions (abm.kernels.conversion): each converted cell's stock before (the last tick's,
    or its previous class's pools without a stock yet) against its new class's."""
    g = state.grid
    cells = np.asarray(state.converted_cells, np.int64).reshape(-1)
    if stock is None:
        before = np.asarray(state.converted_from, np.intp).reshape(-1)
        stock_tc, soil_tc = pools.total[before], np.asarray(pools.soil)[before]
    else:
        stock_tc, soil_tc = stock.storage_tc_ha[cells], stock.soil_tc_ha[cells]
    return conversion_loss(cells, g.land_cover.ravel()[cells], g.valid, stock_tc_ha=stock_tc, soil_tc_ha=soil_tc,
                           live_tc_ha=pools.live, sealed_code=int(LandCover.URBAN),
                           soil_loss_share=state.carbon_year.soil_loss_on_sealing, cell_ha=g.cell_area_m2 / 1e4)


@dataclass
class SinkAccount:
    """This tick's removals (tCO2/yr, positive = taken up) and stock (tC)."""

    sink_t: float                    # all valid cells (cropland counts negative, felled stands too)
    sink_new_t: float                # the cells afforested this tick
    cell_t: np.ndarray               # float32 grid-shaped map, tCO2/yr
    storage_t: float = 0.0           # tC stored over the valid cells at the end of the tick
    felled_t: float = 0.0            # tCO2 of the stands felled this tick (inside sink_t, as a loss)
    storage_tc_ha: np.ndarray | None = None  # float64 grid-shaped storage map, tC/ha (changed in place: copy to keep)
    stock: LandStock | None = None   # what the next tick starts from

    def columns(self) -> dict[str, float]:
        """The time-series columns of land carbon."""
        return {"carbon_storage_t": self.storage_t, "forest_felled_t": self.felled_t}


class LandCarbon(Process):
    """Every cell's stock and its change; the planted cells' removals are the new cohort's."""

    name = "land_carbon"
    reads = ("grid.land_cover", "grid.forest_age", "grid.valid", "afforested_cells", "converted_cells",
             "converted_from", "carbon_year", "carbon_params", "config", "rules")
    writes = ("sinks", "grid.forest_age", "rng")  # ages and the generator at the start (seed) only

    def seed(self, state) -> None:
        """At the start: production stands and stand ages (unless the region's are kept), then the stock."""
        pools, ages = tables_of(state)
        g, p = state.grid, state.carbon_params
        forest = (g.land_cover == LandCover.FOREST).ravel() & g.valid.ravel()
        forest[np.asarray(state.afforested_cells, np.int64)] = False  # planted this tick: a new, protected stand
        cells = np.flatnonzero(forest)
        production = np.zeros(g.valid.size, bool)
        production[cells] = state.rng.random(len(cells)) < p.forest_harvest_share
        rotation = int(p.forest_rotation_age_yr)
        if rotation < 1:
            production[:] = False
        age = g.forest_age.ravel()
        if p.forest_ages == "table":
            managed = production[cells]
            k = int(managed.sum())  # a normal forest: each age below the rotation age alike, the odd stands spread out
            age[cells[managed]] = state.rng.permutation(np.arange(k) * max(rotation, 1) // max(k, 1))
            age[cells[~managed]] = ages.draw(state.rng, int((~managed).sum()))
        before = np.maximum(age - np.float32(1.0), np.float32(0.0))
        before[production & (age == 0)] = rotation - 1  # felled last year, at the rotation age
        previous = [(np.asarray(state.converted_cells, np.int64), np.asarray(state.converted_from, np.uint8))]
        if state.rules is not None:
            previous.append((np.asarray(state.rules.afforested, np.int64), np.asarray(state.rules.afforested_from)))
        stock = new_stock(state, pools, ages, previous, production, before)
        state.sinks = SinkAccount(0.0, 0.0, np.zeros(g.shape, np.float32), float(stock.storage_tc_ha.sum()) *
                                  g.cell_area_m2 / 1e4, storage_tc_ha=stock.storage_tc_ha.reshape(g.shape), stock=stock)

    def run_one_step(self, state, year: int) -> None:
        g, y = state.grid, state.carbon_year
        stock = state.sinks.stock if state.sinks is not None else None
        if stock is None:  # outside a model (abm.carbon.account_carbon): start from the class pools
            pools, ages = tables_of(state)
            stock = new_stock(state, pools, ages, [(np.asarray(state.converted_cells, np.int64),
                                                    np.asarray(state.converted_from, np.uint8))],
                              np.zeros(g.valid.size, bool))
        # the conversions booked by the conversion source: each cell keeps what its new class holds (a gain,
        # not an emission, is left for the year's change below)
        conv = conversion_of(state, stock.pools, stock)
        converted = np.asarray(state.converted_cells, np.int64).reshape(-1)
        inside = g.valid.ravel()[converted]
        cells = converted[inside]
        stock.storage_tc_ha[cells] = np.minimum(conv.stock_after_tc_ha[inside], stock.storage_tc_ha[cells])
        stock.soil_tc_ha[cells] = conv.soil_after_tc_ha[inside]
        # a planted cell keeps what it held (the cover it replaces is left on site, counted with the soil): the new
        # stand starts empty and gains by growing, nothing is lost or gained at once
        planted = _planted(state.afforested_cells, g.valid.size)
        stock.soil_tc_ha[planted] = stock.storage_tc_ha[planted]
        cell_t = np.empty(g.shape, np.float32)
        step = land_step(g.land_cover, g.forest_age, g.valid, stock.storage_tc_ha, stock.soil_tc_ha,
                         live_tc_ha=stock.pools.live, flux_tc_ha=np.asarray(y.sink_t_ha) / CO2_PER_C,
                         forest_code=int(LandCover.FOREST), forest_live_tc_ha=stock.forest_live_tc_ha,
                         rate_per_yr=y.forest_growth_rate_per_yr, half_age_yr=y.forest_half_age_yr,
                         cell_ha=g.cell_area_m2 / 1e4, sink_out=cell_t)
        sink_new = float(cell_t.ravel()[planted].sum(dtype=np.float64))
        state.sinks = SinkAccount(step.sink_t, sink_new, cell_t, step.storage_t, step.felled_t,
                                  stock.storage_tc_ha.reshape(g.shape), stock)


def _planted(afforested_cells, n: int) -> np.ndarray:
    planted = np.unique(np.asarray(afforested_cells, np.int64).reshape(-1))
    if planted.size and (planted[0] < 0 or planted[-1] >= n):
        raise ValueError(f"afforested_cells holds indices outside 0..{n - 1}")
    return planted

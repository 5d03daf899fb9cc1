"""The model's city figures held against published bands (``reference/china_city_carbon.csv`` in ABM_DATA_DIR).

A planner trusts a city carbon account when its year-one figures look like a real Chinese city's. This
module turns one time-series row into the quantities of the reference table (CO2 per person, the five
sector shares, carbon intensity, building energy, commute, mode shares, land per person, embodied carbon
of new floor) and says for each whether it lies inside the published band.

Scope: the per-person figure, the shares and the intensity are over the city's *direct* sources
(industrial energy and processes, buildings, passenger transport and freight), as the city inventories
behind the bands count them (Wang et al. 2012; Tong et al. 2018). Embodied carbon of construction and
land-conversion losses are life-cycle and land items those inventories leave out; they are shown on their
own (embodied per m2 of new floor against its band). Use the first full simulated year (tick 1): tick 0 is
the seeded stock, without construction.

>>> row = {"persons": 1e6, "emissions_industry_t": 6e6, "emissions_industry_process_t": 1e6,
...        "emissions_transport_t": 5e5, "emissions_freight_t": 5e5, "buildings_residential_t": 7e5,
...        "buildings_commercial_t": 2e5, "buildings_public_t": 1e5, "gdp_cny": 9e10}
>>> [(c.quantity, round(c.value, 3), c.inside) for c in compare(row, {"co2_per_capita_city": (5.0, 8.85, 12.0)})]
[('co2_per_capita_city', 9.0, True)]
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from abm.regions import data_root

#: Direct sources: what a city inventory counts (the denominator of the shares).
DIRECT_SOURCES = ("emissions_industry_t", "emissions_industry_process_t", "emissions_transport_t",
                  "emissions_freight_t", "buildings_residential_t", "buildings_commercial_t", "buildings_public_t",
                  "buildings_industrial_t")


@dataclass(frozen=True)
class ReferenceCheck:
    """One model figure beside its published band."""

    quantity: str
    unit: str
    value: float
    low: float
    central: float
    high: float
    source: str

    @property
    def inside(self) -> bool:
        return self.low <= self.value <= self.high

    def line(self) -> str:
        mark = "ok" if self.inside else "OUTSIDE"
        return (f"{self.quantity:<30} {self.value:>9.3g} {self.unit:<22} band {self.low:g}-{self.high:g} "
                f"(central {self.central:g})  {mark}")


def reference_path() -> Path:
    """Where the reference table is looked for: ABM_DATA_DIR/reference/china_city_carbon.csv."""
    return data_root() / "reference" / "china_city_carbon.csv"


def load_bands(path: Path | None = None) -> dict[str, tuple[float, float, float]]:
    """{quantity: (low, central, high)} from the reference table; FileNotFoundError names the fix."""
    path = reference_path() if path is None else Path(path)
    if not path.exists():
        raise FileNotFoundError(f"reference table not found at {path}: set ABM_DATA_DIR to the shared data folder")
    with path.open(encoding="utf-8") as f:
        return {r["quantity"]: (float(r["low"]), float(r["central"]), float(r["high"])) for r in csv.DictReader(f)}


def load_meta(path: Path | None = None) -> dict[str, tuple[str, str]]:
    """{quantity: (unit, source)} from the reference table."""
    path = reference_path() if path is None else Path(path)
    with path.open(encoding="utf-8") as f:
        return {r["quantity"]: (r["unit"], r["source"]) for r in csv.DictReader(f)}


def city_figures(row: Mapping[str, float]) -> dict[str, float]:
    """The reference table's quantities computed from one time-series row (missing columns are skipped)."""
    g = lambda key: float(row.get(key, 0.0) or 0.0)  # noqa: E731 - a short reader of optional columns
    direct = sum(g(k) for k in DIRECT_SOURCES)
    persons = g("persons")
    out: dict[str, float] = {}
    if persons > 0:
        out["co2_per_capita_city"] = direct / persons
    if direct > 0:
        out["share_industry_energy"] = g("emissions_industry_t") / direct
        out["share_industry_process"] = g("emissions_industry_process_t") / direct
        out["share_transport"] = (g("emissions_transport_t") + g("emissions_freight_t")) / direct
        out["share_household"] = g("buildings_residential_t") / direct
        out["share_commercial"] = (g("buildings_commercial_t") + g("buildings_public_t")) / direct
    if g("gdp_cny") > 0:
        out["carbon_intensity_2020"] = direct / (g("gdp_cny") / 1e4)
    optional = {"building_energy_mean": "building_kgce_m2", "commute_one_way_km": "mean_commute_km",
                "mode_share_walk_cycle": "mode_share_walk_cycle", "mode_share_car": "mode_share_car"}
    out.update({q: g(col) for q, col in optional.items() if col in row})
    if persons > 0 and "urban_area_km2" in row:
        out["construction_land_per_capita"] = g("urban_area_km2") * 1e6 / persons
    if g("floor_built_m2") > 0:
        out["embodied_carbon_new_building"] = g("embodied_construction_t") * 1e3 / g("floor_built_m2")
    return {q: v for q, v in out.items() if math.isfinite(v)}


def compare(row: Mapping[str, float], bands: Mapping[str, tuple[float, float, float]] | None = None,
            meta: Mapping[str, tuple[str, str]] | None = None) -> list[ReferenceCheck]:
    """Each figure of `row` that the reference table has a band for, beside that band."""
    if bands is None:
        bands, meta = load_bands(), load_meta()
    meta = meta or {}
    checks = []
    for quantity, value in city_figures(row).items():
        if quantity in bands:
            unit, source = meta.get(quantity, ("", ""))
            low, central, high = bands[quantity]
            checks.append(ReferenceCheck(quantity, unit, value, low, central, high, source))
    return checks

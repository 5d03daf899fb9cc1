"""Buildings: the operational energy of floor space, its factors and the source that counts it.

A room of the carbon account (docs/architecture.md): `BuildingFactors` are the ``[carbon]`` keys of
buildings (part of `abm.carbon_params.CarbonParameters`), `BuildingYear` what one year resolves them
to (part of `CarbonYear`), and `BuildingEnergy` the emission source.

>>> BuildingFactors().new_build_factor(2030, "residential")
0.7
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.buildings import building_emissions
from abm.paths import YearPath
from abm.schema import setting


def _path(table: dict[int, float]) -> YearPath:
    years = sorted(table)
    return YearPath(tuple(years), tuple(float(table[y]) for y in years))


_C = YearPath.constant


@dataclass(frozen=True)
class BuildingFactors:
    """Energy intensity of floor by use, heating, standards of new floor, retrofits, electrification."""

    # --- buildings: energy intensity -------------------------------------------------------------
    energy_residential_kgce_m2: float = setting(
        12.9, lo=0.0, hi=500.0, unit="kgce/m2/yr",
        doc="urban residential building energy, northern heating excluded",
        source="CABEE 2017 report (2015 data)")
    energy_commercial_kgce_m2: float = setting(
        30.2, lo=0.0, hi=500.0, unit="kgce/m2/yr",
        doc="commercial / office (public building) energy, northern heating excluded",
        source="CABEE 2017 report (2015 data): public buildings")
    energy_industrial_kgce_m2: float = setting(
        30.2, lo=0.0, hi=500.0, unit="kgce/m2/yr",
        doc="building services of industrial floor; process energy is the industry_* factors",
        source="assumption: the CABEE public-building figure (CABEE excludes industrial buildings)")
    heating_kgce_m2: float = setting(
        14.9, lo=0.0, hi=500.0, unit="kgce/m2/yr",
        doc="district heating energy of residential and commercial floor in the heating zone",
        source="CABEE 2017 report (2015 data): northern urban heating")
    heating_zone_share: float = setting(
        0.0, lo=0.0, hi=1.0, unit="share",
        doc="share of the region's floor inside the central-heating zone (heating counted as fossil)",
        source="scenario: 1 north of the Qinling-Huaihe line, 0 south of it")
    retrofit_saving: float = setting(
        0.30, lo=0.0, hi=1.0, unit="share",
        doc="energy saved on retrofitted floor (cell energy x (1 - saving x retrofit share))",
        source="assumption: typical saving of an energy retrofit of existing stock")
    new_build_factor_residential: YearPath = setting(
        _path({2021: 1.0, 2022: 0.70}), lo=0.0, hi=2.0, unit="x 2016 level",
        doc="energy intensity of residential floor built in that year relative to the 2016 standard",
        source="GB 55015-2021 (in force 2022): residential -30% vs 2016 standards")
    new_build_factor_public: YearPath = setting(
        _path({2021: 1.0, 2022: 0.80}), lo=0.0, hi=2.0, unit="x 2016 level",
        doc="same for commercial and industrial floor (public-building standard)",
        source="GB 55015-2021 (in force 2022): public buildings -20% vs 2016 standards")
    electric_share_residential: YearPath = setting(
        _path({2022: 0.45, 2030: 0.55, 2060: 0.85}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of residential energy (kgce basis); the rest is fossil",
        source="assumption: electrification trend (CABEE 2022: about half of building CO2 from electricity)")
    electric_share_public: YearPath = setting(
        _path({2022: 0.65, 2030: 0.75, 2060: 0.95}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of commercial and industrial floor energy (kgce basis)",
        source="assumption: electrification trend of public buildings")

    def new_build_factor(self, year: int, use: str) -> float:
        """Energy intensity of floor built in ``year`` relative to 2016 (GB 55015-2021 from 2022)."""
        if use == "residential":
            return self.new_build_factor_residential.at(year)
        if use in ("commercial", "industrial"):
            return self.new_build_factor_public.at(year)
        raise ValueError(f"unknown floor use {use!r}; choose from residential, commercial, industrial")

    def buildings_year(self, year: int, elec: float, fossil: float) -> dict:
        """The `BuildingYear` fields of ``year``: intensity per use (heating included), kgCO2 per kgce."""
        heat = self.heating_kgce_m2 * self.heating_zone_share
        base = (self.energy_residential_kgce_m2, self.energy_commercial_kgce_m2, self.energy_industrial_kgce_m2)
        heating = (heat, heat, 0.0)
        e_res = self.electric_share_residential.at(year)
        e_pub = self.electric_share_public.at(year)
        shares = (e_res, e_pub, e_pub)
        intensity = tuple(b + h for b, h in zip(base, heating))
        co2 = []
        for b, h, e, total in zip(base, heating, shares, intensity):
            # heating is district heat (fossil); the rest splits into electricity and fossil
            kg = b * (e * elec + (1.0 - e) * fossil) + h * fossil
            co2.append(kg / total if total > 0 else e * elec + (1.0 - e) * fossil)
        return dict(intensity_kgce_m2=intensity, building_kgco2_per_kgce=tuple(co2),
                    retrofit_saving=self.retrofit_saving,
                    new_build_residential=self.new_build_factor_residential.at(year),
                    new_build_public=self.new_build_factor_public.at(year))


@dataclass(frozen=True)
class BuildingYear:
    """One year's building factors, as the kernel takes them (per use: residential, commercial, industrial)."""

    intensity_kgce_m2: tuple[float, float, float]
    building_kgco2_per_kgce: tuple[float, float, float]
    retrofit_saving: float
    new_build_residential: float
    new_build_public: float


@register_source
class BuildingEnergy(EmissionSource):
    """Operational energy of all floor space: floor x intensity by use x standard x retrofit x carrier factor."""

    name = "buildings"
    label_en = "buildings"
    label_zh = "建筑运行"
    colour = "#1f77b4"
    reads = ("grid.floor_residential", "grid.floor_commercial", "grid.floor_industrial", "grid.floor_added",
             "grid.energy_factor", "grid.retrofit", "grid.valid", "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g, y = state.grid, state.carbon_year
        cell_t = np.empty(g.shape, np.float32)
        b = building_emissions(g.floor_residential, g.floor_commercial, g.floor_industrial, g.floor_added,
                               g.energy_factor, g.retrofit, g.valid, intensity_kgce_m2=y.intensity_kgce_m2,
                               kgco2_per_kgce=y.building_kgco2_per_kgce, retrofit_saving=y.retrofit_saving,
                               out=cell_t)
        return SourceEmissions(b.emissions_t, b.new_t, b.stock_t, cell_t,
                               extras={"energy_buildings_tce": b.energy_kgce / 1000.0})

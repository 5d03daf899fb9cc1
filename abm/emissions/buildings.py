"""Buildings: the operational energy of floor space by building type, its factors and the source.

A room of the carbon account (docs/architecture.md): `BuildingFactors` are the ``[carbon]`` keys of
buildings (part of `abm.carbon_params.CarbonParameters`), `BuildingYear` what one year resolves them
to (part of `CarbonYear`), and `BuildingEnergy` the emission source.

Building types: residential low/multi-storey vs high-rise (from the cell's floor-area ratio),
commercial (offices, malls, hotels) vs public (schools, hospitals, administration: a share of the
commercial floor layer), industrial; dwelling size through a per-household part of residential energy
beside its per-m2 part; the vintage standard and retrofits through the cell's energy factor; northern
district heating by the city's climate zone. When the industry source is on, its energy per value
added already holds its buildings, so industrial floor is not counted here a second time.

>>> BuildingFactors().new_build_factor(2030, "residential")
0.7
>>> BuildingFactors(climate_zone="cold").heating_kgce_m2()
19.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.buildings import TYPES, BuildingCoefficients, building_emissions
from abm.paths import YearPath
from abm.schema import setting



_C = YearPath.constant

ClimateZone = Literal["severe_cold", "cold", "hot_summer_cold_winter", "hot_summer_warm_winter", "temperate"]
#: The zones with northern urban district heating (GB 50176-2016: north of the Qinling-Huaihe line).
HEATED_ZONES = ("severe_cold", "cold")


@dataclass(frozen=True)
class BuildingFactors:
    """Energy intensity of floor by building type, heating by climate zone, standards, retrofits, carriers."""

    # --- buildings: climate and heating -----------------------------------------------------------
    climate_zone: ClimateZone = setting(
        "hot_summer_cold_winter", unit="zone",
        doc="building climate zone (GB 50176-2016): severe_cold and cold have northern district heating of "
        "residential and commercial floor; the other zones heat and cool within the residential and public "
        "intensities. Default: a mid-size prefecture-level city of the Yangtze basin (e.g. in Anhui, Hubei, "
        "Hunan or Jiangxi)",
        source="GB 50176-2016 thermal climate zones; default stands for a hot-summer-cold-winter city")
    heating_cold_kgce_m2: float = setting(
        19.0, lo=0.0, hi=100.0, unit="kgce/m2/yr",
        doc="district heating energy per m2 of residential and commercial floor in the cold zone "
        "(e.g. Beijing, Jinan, Xi'an; about 4 months of heating)",
        source="derived: northern urban mean 22 kgce/m2 (APUEA 2018; BERC 2024: 185 Mtce / 8.5 bn m2; "
        "reference band 15-30) split by heating-season length, cold 19 / severe cold 27")
    heating_severe_cold_kgce_m2: float = setting(
        27.0, lo=0.0, hi=100.0, unit="kgce/m2/yr",
        doc="same in the severe-cold zone (e.g. Harbin, Changchun; 5.5-6 months of heating)",
        source="derived: as heating_cold_kgce_m2 (reference band 15-30 kgce/m2)")
    # --- buildings: residential ---------------------------------------------------------------------
    energy_residential_kgce_m2: float = setting(
        12.9, lo=0.0, hi=500.0, unit="kgce/m2/yr",
        doc="urban residential energy per m2 of low/multi-storey housing at the reference dwelling size, "
        "northern heating excluded (split into a per-household and a per-m2 part)",
        source="CABEE 2017 report (2015 data): urban residential, heating excluded")
    residential_household_share: float = setting(
        0.6, lo=0.0, hi=1.0, unit="share",
        doc="share of residential energy that follows the household (cooking, hot water, appliances, lighting) "
        "rather than the floor (space heating and cooling): smaller dwellings use more per m2, less per household",
        source="derived: urban household end uses, cooking and hot water 40%, heating 26%, the rest cooling, "
        "lighting and appliances (Front. Energy Res. 2023, 11:1267975); heating excluded here, so about 0.6")
    reference_m2_per_household: float = setting(
        96.0, lo=10.0, hi=1000.0, unit="m2",
        doc="dwelling size at which energy_residential_kgce_m2 holds (per household: share x intensity x this)",
        source="derived: 7th census 2020, urban housing 36.52 m2 per person x 2.62 persons per household")
    energy_highrise_extra_kgce_m2: float = setting(
        1.8, lo=0.0, hi=50.0, unit="kgce/m2/yr",
        doc="added energy of high-rise housing: elevators, secondary water pumping, common-area lighting, "
        "garage ventilation (net of a more compact envelope)",
        source="assumption: about 6 kWh/m2/yr of common-service electricity (x 0.3055 kgce/kWh); "
        "high-rise pumping, Smith et al. 2017 Energy Build. 135:119")
    highrise_far_low: float = setting(
        0.8, lo=0.0, hi=20.0, unit="floor/cell area",
        doc="cell floor-area ratio (all floor / cell area) at and below which housing is low/multi-storey",
        source="derived: GB 50180-2018 multi-storey plot FAR up to about 1.2 x 0.7 net plot share of a cell")
    highrise_far_high: float = setting(
        2.0, lo=0.0, hi=20.0, unit="floor/cell area",
        doc="cell floor-area ratio at and above which housing is all high-rise (linear blend in between)",
        source="derived: GB 50180-2018 high-rise (10-18 storeys) plot FAR 2.2-2.8 x 0.7 net plot share")
    # --- buildings: commercial, public, industrial ------------------------------------------------------
    energy_commercial_kgce_m2: float = setting(
        34.3, lo=0.0, hi=500.0, unit="kgce/m2/yr",
        doc="commercial floor (offices, malls, hotels), northern heating excluded",
        source="derived: CABEE 2017 public-building mean 30.2 split with public = 0.7 x commercial at "
        "public_floor_share 0.4 (Xu et al. 2013 Energy Policy 53: offices 50-100, malls and hotels 120-250, "
        "schools < 40 kWh/m2); 34.3 x 0.65 electric = 73 kWh/m2, inside the office band 50-100")
    energy_public_kgce_m2: float = setting(
        24.0, lo=0.0, hi=500.0, unit="kgce/m2/yr",
        doc="public-service floor (schools, hospitals, administration, culture), northern heating excluded",
        source="derived: as energy_commercial_kgce_m2 (0.7 x commercial)")
    public_floor_share: float = setting(
        0.4, lo=0.0, hi=1.0, unit="share",
        doc="share of the commercial floor layer that is public-service floor",
        source="assumption: public administration and service land is 5-8% of urban construction land "
        "(GB 50137-2011), commercial land a little more")
    energy_industrial_kgce_m2: float = setting(
        30.2, lo=0.0, hi=500.0, unit="kgce/m2/yr",
        doc="building services of industrial floor, counted only while industry_enabled is false (the industry "
        "source's energy per value added holds its buildings)",
        source="assumption: the CABEE public-building figure (CABEE excludes industrial buildings)")
    # --- buildings: standards, retrofits, carriers -------------------------------------------------------
    retrofit_saving: float = setting(
        0.30, lo=0.0, hi=1.0, unit="share",
        doc="floor-related energy saved on retrofitted floor (x (1 - saving x retrofit share))",
        source="assumption: typical saving of an energy retrofit of existing stock")
    new_build_factor_residential: YearPath = setting(
        YearPath.of({2021: 1.0, 2022: 0.70}), lo=0.0, hi=2.0, unit="x 2016 level",
        doc="floor-related energy of residential floor built in that year relative to the 2016 standard",
        source="GB 55015-2021 (in force 2022): residential -30% vs 2016 standards")
    new_build_factor_public: YearPath = setting(
        YearPath.of({2021: 1.0, 2022: 0.80}), lo=0.0, hi=2.0, unit="x 2016 level",
        doc="same for commercial and industrial floor (public-building standard)",
        source="GB 55015-2021 (in force 2022): public buildings -20% vs 2016 standards")
    electric_share_residential: YearPath = setting(
        YearPath.of({2022: 0.45, 2030: 0.55, 2060: 0.85}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of residential energy (kgce basis, district heating excluded); the rest is fossil",
        source="assumption: electrification trend (CABEE 2022: about half of building CO2 from electricity)")
    electric_share_public: YearPath = setting(
        YearPath.of({2022: 0.65, 2030: 0.75, 2060: 0.95}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of commercial, public and industrial floor energy (kgce basis)",
        source="assumption: electrification trend of public buildings")

    def new_build_factor(self, year: int, use: str) -> float:
        """Energy intensity of floor built in ``year`` relative to 2016 (GB 55015-2021 from 2022)."""
        if use == "residential":
            return self.new_build_factor_residential.at(year)
        if use in ("commercial", "industrial"):
            return self.new_build_factor_public.at(year)
        raise ValueError(f"unknown floor use {use!r}; choose from residential, commercial, industrial")

    def heating_kgce_m2(self) -> float:
        """District heating per m2 of residential and commercial floor in this climate zone (0 outside the north)."""
        return {"severe_cold": self.heating_severe_cold_kgce_m2,
                "cold": self.heating_cold_kgce_m2}.get(self.climate_zone, 0.0)

    def buildings_year(self, year: int, elec: float, fossil: float) -> dict:
        """The `BuildingYear` fields of ``year``: the kernel's coefficients and the standards of new floor."""
        e_res = self.electric_share_residential.at(year)
        e_pub = self.electric_share_public.at(year)
        share = self.residential_household_share
        coefficients = BuildingCoefficients(
            residential_kgce_m2=self.energy_residential_kgce_m2 * (1.0 - share),
            highrise_extra_kgce_m2=self.energy_highrise_extra_kgce_m2,
            household_kgce=self.energy_residential_kgce_m2 * share * self.reference_m2_per_household,
            highrise_far_low=self.highrise_far_low, highrise_far_high=self.highrise_far_high,
            commercial_kgce_m2=self.energy_commercial_kgce_m2, public_kgce_m2=self.energy_public_kgce_m2,
            public_share=self.public_floor_share, industrial_kgce_m2=self.energy_industrial_kgce_m2,
            heating_kgce_m2=self.heating_kgce_m2(),
            residential_kgco2_per_kgce=e_res * elec + (1.0 - e_res) * fossil,
            public_kgco2_per_kgce=e_pub * elec + (1.0 - e_pub) * fossil,
            heat_kgco2_per_kgce=fossil,  # district heat: coal and gas boilers and CHP
            retrofit_saving=self.retrofit_saving)
        return dict(building_coefficients=coefficients, retrofit_saving=self.retrofit_saving,
                    new_build_residential=self.new_build_factor_residential.at(year),
                    new_build_public=self.new_build_factor_public.at(year))


@dataclass(frozen=True)
class BuildingYear:
    """One year's building factors: the kernel's coefficients and the standards of floor built that year."""

    building_coefficients: BuildingCoefficients
    retrofit_saving: float
    new_build_residential: float
    new_build_public: float


@register_source
class BuildingEnergy(EmissionSource):
    """Operational energy of floor space by building type x standard x retrofit x carrier factor.

    Besides its total it reports, as time-series columns: energy (``energy_buildings_tce``), the mean
    intensity of civil (residential, commercial and public) floor (``building_kgce_m2``), comparable to
    the national building mean, and CO2 by type (``buildings_<type>_t``).
    """

    name = "buildings"
    label_en = "buildings"
    label_zh = "建筑运行"
    colour = "#1f77b4"
    reads = ("grid.floor_residential", "grid.floor_commercial", "grid.floor_industrial", "grid.floor_added",
             "grid.energy_factor", "grid.retrofit", "grid.valid", "households_per_cell", "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g, y = state.grid, state.carbon_year
        c = y.building_coefficients
        if y.industry_enabled:  # the industry source counts industrial floor's energy
            c = c._replace(industrial_kgce_m2=0.0)
        hh = state.households_per_cell
        if hh is None:
            hh = np.zeros(g.valid.size, np.int64)
        cell_t = np.empty(g.shape, np.float32)
        b = building_emissions(g.floor_residential, g.floor_commercial, g.floor_industrial, g.floor_added,
                               g.energy_factor, g.retrofit, g.valid, hh, coefficients=c,
                               cell_area_m2=g.cell_area_m2, out=cell_t)
        civil_floor = b.floor_m2[0] + b.floor_m2[1]
        civil_kgce = b.type_kgce[0] + b.type_kgce[1] + b.type_kgce[2]
        extras = {"energy_buildings_tce": b.energy_kgce / 1000.0,
                  "building_kgce_m2": civil_kgce / civil_floor if civil_floor > 0 else 0.0,
                  **{f"buildings_{kind}_t": t for kind, t in zip(TYPES, b.type_t)}}
        return SourceEmissions(b.emissions_t, b.new_t, b.stock_t, cell_t, extras=extras)

"""Carbon factors: every number the carbon kernels use, with its unit, range and source.

DESIGN.md section 4 gives the starting values; a scenario overrides any of them under ``[carbon]``
(numbers, or ``{year = value}`` tables for the ones that change by year). Each factor is declared once,
as a field of `CarbonParameters` (`abm.schema.setting`: default, unit, allowed range, meaning, source);
`from_dict` checks and ``docs/parameters.md`` (see `parameters_markdown`) both read those
declarations, so a factor cannot exist undocumented.

Units: energy in kgce (kg of standard coal equivalent, 29.3 MJ), emissions in kgCO2 or tCO2, areas
in m2 of floor or ha of land, passenger-km (pkm) for commuting, CNY for value added.

>>> p = CarbonParameters()
>>> round(p.grid_factor_kg_per_kwh.at(2022), 4), p.new_build_factor(2030, "residential")
(0.5366, 0.7)
>>> CarbonParameters.from_dict({"ef_car_g_pkm": 100}).ef_car_g_pkm.at(2030)
100.0
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from abm.grid import LandCover
from abm.paths import YearPath
from abm.population import SECTORS
from abm.schema import build, fields_of, setting


def _path(table: dict[int, float]) -> YearPath:
    years = sorted(table)
    return YearPath(tuple(years), tuple(float(table[y]) for y in years))


_C = YearPath.constant

#: Commute modes in kernel order.
MODES: tuple[str, ...] = ("walk_cycle", "ebike", "bus", "metro", "car")


@dataclass(frozen=True)
class CarbonYear:
    """The scalar factors of one year, as the kernels take them (tuples index by use, mode or class)."""

    year: int
    #: per floor use (residential, commercial, industrial), heating included
    intensity_kgce_m2: tuple[float, float, float]
    building_kgco2_per_kgce: tuple[float, float, float]
    retrofit_saving: float
    electricity_kgco2_per_kgce: float
    new_build_residential: float
    new_build_public: float
    industry_enabled: bool
    #: by sector code (abm.population.SECTORS)
    industry_kgce_per_cny: tuple[float, ...]
    industry_kgco2_per_kgce: float
    #: by mode (MODES)
    ef_g_pkm: tuple[float, float, float, float, float]
    speed_kmh: tuple[float, float, float, float, float]
    asc: tuple[float, float, float, float, float]
    density_effect: tuple[float, float, float, float, float]
    wait_min: tuple[float, float, float, float, float]
    beta_per_min: float
    access_walk_kmh: float
    bus_stop_km: float
    road_speedup: float
    density_ref_hh_ha: float
    circuity: float
    workdays_per_year: float
    commuters_per_person: float
    #: by LandCover code (forest entry unused: forest follows the growth curve)
    sink_t_ha: tuple[float, ...]
    forest_bmax_mgc_ha: float
    forest_growth_rate_per_yr: float
    forest_half_age_yr: float
    conversion_t_ha: tuple[float, ...]


@dataclass(frozen=True)
class CarbonParameters:
    """Every carbon factor, defaulting to DESIGN.md section 4, each with its unit, range and source."""

    REFERENCE: ClassVar[str] = "docs/parameters.md"  # where the fix for an unknown name points

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
    # --- energy carriers ------------------------------------------------------------------------
    electric_share_residential: YearPath = setting(
        _path({2022: 0.45, 2030: 0.55, 2060: 0.85}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of residential energy (kgce basis); the rest is fossil",
        source="assumption: electrification trend (CABEE 2022: about half of building CO2 from electricity)")
    electric_share_public: YearPath = setting(
        _path({2022: 0.65, 2030: 0.75, 2060: 0.95}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of commercial and industrial floor energy (kgce basis)",
        source="assumption: electrification trend of public buildings")
    grid_factor_kg_per_kwh: YearPath = setting(
        _path({2022: 0.5366, 2030: 0.40, 2050: 0.08, 2060: 0.0}), lo=0.0, hi=2.0, unit="kgCO2/kWh",
        doc="grid electricity emission factor",
        source="MEE 2024 (national grid average 2022) + scenario path to ~0 in 2060")
    renewables_share: YearPath = setting(
        _C(0.0), lo=0.0, hi=1.0, unit="share",
        doc="share of building electricity from local zero-carbon supply beyond the grid mix",
        source="scenario lever (0 = grid mix only)")
    kwh_kgce: float = setting(
        0.3055, lo=0.01, hi=1.0, unit="kgce/kWh",
        doc="converts electricity kWh to kgce: electricity kgCO2/kgce = grid factor / kwh_kgce",
        source="CEC: average coal use of thermal power supply 305.5 gce/kWh (2020); CABEE counts building "
        "electricity on this power-generation-coal basis (0.1229 = calorific equivalent, GB/T 2589-2020)")
    fossil_kgco2_per_kgce: float = setting(
        2.3, lo=0.0, hi=4.0, unit="kgCO2/kgce",
        doc="non-electric building energy (district heat, gas); DESIGN range 2.0-2.7",
        source="derived: 0.6 coal heat x 2.74 + 0.4 gas x 1.63 (NDRC ERI 0.7476 / 0.4435 tC/tce x 44/12)")
    # --- industry -------------------------------------------------------------------------------
    industry_enabled: bool = setting(
        False, unit="bool",
        doc="count firms' process energy (sector intensity x value added)",
        source="scenario switch (DESIGN.md 3: industry is optional)")
    industry_tce_per_10k_cny: YearPath = setting(
        _path({2020: 1.0, 2030: 0.75, 2060: 0.33}), lo=0.0, hi=50.0, unit="tce/10k CNY",
        doc="process energy per value added of 'industry' firms",
        source="derived: China Statistical Yearbook 2021 (industry ~3.3 Gtce / value added 31.3 trn CNY in "
        "2020), falling ~2.9%/yr (14th Five-Year Plan: -13.5% per 5 years)")
    services_tce_per_10k_cny: YearPath = setting(
        _C(0.0), lo=0.0, hi=50.0, unit="tce/10k CNY",
        doc="energy per value added of 'services' firms beyond their buildings",
        source="assumption: services' energy is their floor (buildings)")
    industry_electric_share: YearPath = setting(
        _path({2022: 0.27, 2060: 0.60}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of industry process energy",
        source="assumption: electricity about a quarter of industrial final energy in 2020 (kgce basis)")
    industry_fossil_kgco2_per_kgce: float = setting(
        2.6, lo=0.0, hi=4.0, unit="kgCO2/kgce",
        doc="non-electric industrial energy",
        source="derived: 0.8 coal 2.74 + 0.2 oil 2.14 (NDRC ERI factors)")
    # --- commuting: emission factors --------------------------------------------------------------
    ef_car_g_pkm: YearPath = setting(
        _C(129.0), lo=0.0, hi=2000.0, unit="gCO2/pkm",
        doc="car commute",
        source="Scottish Transport Statistics 30 (occupancy 1.6)")
    ef_bus_g_pkm: YearPath = setting(
        _C(56.0), lo=0.0, hi=2000.0, unit="gCO2/pkm",
        doc="bus",
        source="Zheng et al. 2023, Sust. Cities Soc. 99 (Beijing)")
    ef_metro_g_pkm: YearPath = setting(
        _C(65.0), lo=0.0, hi=2000.0, unit="gCO2/pkm",
        doc="metro / rail",
        source="DEFRA 2007; STS 30 (53-77, midpoint)")
    ef_ebike_g_pkm: YearPath = setting(
        _C(6.0), lo=0.0, hi=2000.0, unit="gCO2/pkm",
        doc="electric bike",
        source="derived (about 6 gCO2/km)")
    ef_walk_cycle_g_pkm: YearPath = setting(
        _C(0.0), lo=0.0, hi=2000.0, unit="gCO2/pkm",
        doc="walking and cycling",
        source="DESIGN.md 4")
    # --- commuting: trips -----------------------------------------------------------------------
    workdays_per_year: float = setting(
        250.0, lo=0.0, hi=366.0, unit="days/yr",
        doc="commuting days; each makes 2 trips",
        source="China: 365 - 104 weekend days - 11 public holidays")
    commuters_per_person: float = setting(
        0.52, lo=0.0, hi=1.0, unit="share",
        doc="commuters per household member (all go to the household's workplace)",
        source="NBS 2022: 733 M employed / 1412 M residents")
    circuity: float = setting(
        1.3, lo=1.0, hi=5.0, unit="-",
        doc="network distance / straight-line distance",
        source="assumption: road circuity factors are typically 1.2-1.4")
    # --- commuting: deterministic mode split (multinomial logit expected shares) ----------------
    speed_walk_cycle_kmh: float = setting(
        10.0, lo=0.1, hi=200.0, unit="km/h",
        doc="walk / cycle door to door",
        source="assumption: walking 4.5 and cycling 12-15 mixed")
    speed_ebike_kmh: float = setting(
        18.0, lo=0.1, hi=200.0, unit="km/h",
        doc="e-bike door to door",
        source="assumption (GB 17761-2018 caps e-bikes at 25 km/h)")
    speed_bus_kmh: float = setting(
        15.0, lo=0.1, hi=200.0, unit="km/h",
        doc="bus in vehicle, off roads",
        source="assumption: Chinese urban bus operating speed ~15 km/h")
    speed_metro_kmh: float = setting(
        35.0, lo=0.1, hi=200.0, unit="km/h",
        doc="metro / rail in vehicle",
        source="assumption: metro schedule speed ~35 km/h")
    speed_car_kmh: float = setting(
        25.0, lo=0.1, hi=200.0, unit="km/h",
        doc="car in vehicle, off roads",
        source="assumption: peak-hour urban car speed ~25 km/h")
    road_speedup: float = setting(
        0.25, lo=0.0, hi=5.0, unit="share",
        doc="car and bus speed x (1 + road_speedup x share of the trip's two ends on a road cell)",
        source="assumption")
    access_walk_kmh: float = setting(
        4.5, lo=0.1, hi=50.0, unit="km/h",
        doc="walking to and from transit",
        source="assumption: walking speed")
    bus_stop_km: float = setting(
        0.5, lo=0.0, hi=50.0, unit="km",
        doc="longest walk to a bus stop (bus access = min(transit_dist_km, bus_stop_km))",
        source="assumption: 500 m bus-stop coverage radius (urban road planning norms)")
    wait_bus_min: float = setting(
        6.0, lo=0.0, hi=120.0, unit="min",
        doc="bus wait",
        source="assumption: half a 12-minute headway")
    wait_metro_min: float = setting(
        4.0, lo=0.0, hi=120.0, unit="min",
        doc="metro wait",
        source="assumption: half an 8-minute headway")
    car_terminal_min: float = setting(
        5.0, lo=0.0, hi=120.0, unit="min",
        doc="car time at the ends",
        source="assumption: parking and walking to the car")
    mode_beta_per_min: float = setting(
        0.08, lo=0.0, hi=10.0, unit="1/min",
        doc="utility lost per minute of door-to-door time",
        source="assumption: commute time coefficients are typically 0.03-0.1 per min")
    asc_walk_cycle: float = setting(
        0.0, lo=-20.0, hi=20.0, unit="utils",
        doc="mode constant",
        source="calibration: the reference mode")
    asc_ebike: float = setting(
        -0.6, lo=-20.0, hi=20.0, unit="utils",
        doc="mode constant",
        source="calibration: dense core ~75% green commuting (Beijing 2020: 73%), see docs/parameters.md")
    asc_bus: float = setting(
        0.1, lo=-20.0, hi=20.0, unit="utils",
        doc="mode constant",
        source="calibration: dense core ~75% green commuting (Beijing 2020: 73%), see docs/parameters.md")
    asc_metro: float = setting(
        0.2, lo=-20.0, hi=20.0, unit="utils",
        doc="mode constant",
        source="calibration: dense core ~75% green commuting (Beijing 2020: 73%), see docs/parameters.md")
    asc_car: float = setting(
        1.4, lo=-20.0, hi=20.0, unit="utils",
        doc="mode constant (car owners only)",
        source="calibration: dense core ~75% green commuting (Beijing 2020: 73%), see docs/parameters.md")
    density_ref_hh_ha: float = setting(
        50.0, lo=0.01, hi=10000.0, unit="households/ha",
        doc="density scale: effects grow with ln(1 + density / ref)",
        source="assumption")
    density_effect_car: float = setting(
        -0.8, lo=-20.0, hi=20.0, unit="utils",
        doc="car utility per unit of ln(1 + density / ref) at home",
        source="calibration: parking and congestion in dense areas")
    density_effect_walk_cycle: float = setting(
        0.7, lo=-20.0, hi=20.0, unit="utils",
        doc="walk / cycle utility per unit of ln(1 + density / ref) at home",
        source="calibration: mixed, walkable dense areas")
    # --- sinks ----------------------------------------------------------------------------------
    forest_bmax_mgc_ha: float = setting(
        100.0, lo=0.01, hi=1000.0, unit="MgC/ha",
        doc="asymptote of the logistic biomass curve B(a)",
        source="assumption: mature-stand biomass carbon, about twice the 45.8 MgC/ha national average (Yang 2022)")
    forest_growth_rate_per_yr: float = setting(
        0.0425, lo=0.0001, hi=10.0, unit="1/yr",
        doc="logistic rate r",
        source="calibration: peak removal r x Bmax / 4 x 44/12 = 3.9 tCO2/ha/yr; ages 24-66 in 3.2-3.9 "
        "(Yang 2022 Biogeosciences; Lyu 2023)")
    forest_half_age_yr: float = setting(
        45.0, lo=0.0, hi=1000.0, unit="yr",
        doc="age of the fastest growth, B(a) = Bmax / 2",
        source="calibration: B = 45.8 MgC/ha (the national average) at about age 41")
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
        source="assumption")
    sink_barren_t_ha: float = setting(
        0.0, lo=-100.0, hi=100.0, unit="tCO2/ha/yr",
        doc="barren land removal",
        source="assumption")
    sink_urban_t_ha: float = setting(
        0.0, lo=-100.0, hi=100.0, unit="tCO2/ha/yr",
        doc="urban land removal",
        source="assumption")
    # --- land conversion (one-off loss when a cell is urbanised) ------------------------------------
    conversion_forest_t_ha: float = setting(
        49.0, lo=0.0, hi=5000.0, unit="tCO2/ha",
        doc="biomass + soil carbon lost",
        source="Lyu 2023 (forest to built land about -49 tCO2/ha)")
    conversion_wetland_t_ha: float = setting(
        30.0, lo=0.0, hi=5000.0, unit="tCO2/ha",
        doc="biomass + soil carbon lost",
        source="assumption: below forest, above grassland; override per region")
    conversion_grassland_t_ha: float = setting(
        15.0, lo=0.0, hi=5000.0, unit="tCO2/ha",
        doc="biomass + soil carbon lost",
        source="assumption; override per region")
    conversion_cropland_t_ha: float = setting(
        10.0, lo=0.0, hi=5000.0, unit="tCO2/ha",
        doc="biomass + soil carbon lost",
        source="assumption; override per region")
    conversion_barren_t_ha: float = setting(
        0.0, lo=0.0, hi=5000.0, unit="tCO2/ha",
        doc="biomass + soil carbon lost",
        source="assumption")
    conversion_water_t_ha: float = setting(
        0.0, lo=0.0, hi=5000.0, unit="tCO2/ha",
        doc="biomass + soil carbon lost",
        source="assumption")

    # --- scenario data ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, raw: dict, field: str = "carbon") -> CarbonParameters:
        """Defaults overridden by ``raw`` (any subset); a bad entry raises ConfigError naming ``field.name``."""
        return build(cls, raw, field)

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers, booleans and {year: value} tables; `from_dict` reads it back unchanged."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, YearPath):
                # a one-entry table for a year other than 0 stays a table, so that it reads back equal
                single = len(value.years) == 1 and value.years[0] != 0
                out[f.name] = {str(value.years[0]): value.values[0]} if single else value.to_toml_value()
            else:
                out[f.name] = value
        return out

    # --- values for a year ----------------------------------------------------------------------------

    def new_build_factor(self, year: int, use: str) -> float:
        """Energy intensity of floor built in ``year`` relative to 2016 (GB 55015-2021 from 2022)."""
        if use == "residential":
            return self.new_build_factor_residential.at(year)
        if use in ("commercial", "industrial"):
            return self.new_build_factor_public.at(year)
        raise ValueError(f"unknown floor use {use!r}; choose from residential, commercial, industrial")

    def electricity_kgco2_per_kgce(self, year: int) -> float:
        """Grid electricity per kgce, net of local renewables: grid factor / kgce per kWh x (1 - share)."""
        return (self.grid_factor_kg_per_kwh.at(year) / self.kwh_kgce) * (1.0 - self.renewables_share.at(year))

    def at_year(self, year: int) -> CarbonYear:
        """The scalars the kernels need in ``year`` (paths evaluated, carriers blended per use)."""
        elec = self.electricity_kgco2_per_kgce(year)
        intensity, building_co2 = self._buildings(year, elec)
        e_ind = self.industry_electric_share.at(year)
        return CarbonYear(
            year=int(year),
            intensity_kgce_m2=intensity,
            building_kgco2_per_kgce=building_co2,
            retrofit_saving=self.retrofit_saving,
            electricity_kgco2_per_kgce=elec,
            new_build_residential=self.new_build_factor_residential.at(year),
            new_build_public=self.new_build_factor_public.at(year),
            industry_enabled=bool(self.industry_enabled),
            industry_kgce_per_cny=self._industry_by_sector(year),
            industry_kgco2_per_kgce=e_ind * elec + (1.0 - e_ind) * self.industry_fossil_kgco2_per_kgce,
            **self._commute(year),
            sink_t_ha=self._sinks_by_cover(),
            forest_bmax_mgc_ha=self.forest_bmax_mgc_ha,
            forest_growth_rate_per_yr=self.forest_growth_rate_per_yr,
            forest_half_age_yr=self.forest_half_age_yr,
            conversion_t_ha=self._conversion_by_cover(),
        )

    def _buildings(self, year: int, elec: float) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """Energy intensity per floor use (heating included) and its kgCO2 per kgce (carriers blended)."""
        fossil = self.fossil_kgco2_per_kgce
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
        return intensity, tuple(co2)  # type: ignore[return-value]

    def _industry_by_sector(self, year: int) -> tuple[float, ...]:
        """Process energy per CNY of value added, by sector code (tce/1e4 CNY -> kgce/CNY)."""
        industry = [0.0] * (max(SECTORS.values()) + 1)
        industry[SECTORS["industry"]] = self.industry_tce_per_10k_cny.at(year) * 0.1
        industry[SECTORS["services"]] = self.services_tce_per_10k_cny.at(year) * 0.1
        return tuple(industry)

    def _commute(self, year: int) -> dict[str, Any]:
        """The commute factors of `CarbonYear`, per mode in `MODES` order where they differ by mode."""
        return dict(
            ef_g_pkm=(self.ef_walk_cycle_g_pkm.at(year), self.ef_ebike_g_pkm.at(year), self.ef_bus_g_pkm.at(year),
                      self.ef_metro_g_pkm.at(year), self.ef_car_g_pkm.at(year)),
            speed_kmh=(self.speed_walk_cycle_kmh, self.speed_ebike_kmh, self.speed_bus_kmh,
                       self.speed_metro_kmh, self.speed_car_kmh),
            asc=(self.asc_walk_cycle, self.asc_ebike, self.asc_bus, self.asc_metro, self.asc_car),
            density_effect=(self.density_effect_walk_cycle, 0.0, 0.0, 0.0, self.density_effect_car),
            wait_min=(0.0, 0.0, self.wait_bus_min, self.wait_metro_min, self.car_terminal_min),
            beta_per_min=self.mode_beta_per_min,
            access_walk_kmh=self.access_walk_kmh,
            bus_stop_km=self.bus_stop_km,
            road_speedup=self.road_speedup,
            density_ref_hh_ha=self.density_ref_hh_ha,
            circuity=self.circuity,
            workdays_per_year=self.workdays_per_year,
            commuters_per_person=self.commuters_per_person,
        )

    def _sinks_by_cover(self) -> tuple[float, ...]:
        """Fixed removal rates by LandCover code (forest follows its growth curve instead)."""
        sink = [0.0] * (max(LandCover) + 1)
        sink[LandCover.WETLAND] = self.sink_wetland_t_ha
        sink[LandCover.GRASSLAND] = self.sink_grassland_t_ha
        sink[LandCover.AGRICULTURE] = self.sink_cropland_t_ha
        sink[LandCover.WATER] = self.sink_water_t_ha
        sink[LandCover.BARREN] = self.sink_barren_t_ha
        sink[LandCover.URBAN] = self.sink_urban_t_ha
        return tuple(sink)

    def _conversion_by_cover(self) -> tuple[float, ...]:
        """One-off loss when a cell of each LandCover code is urbanised."""
        conv = [0.0] * (max(LandCover) + 1)
        conv[LandCover.FOREST] = self.conversion_forest_t_ha
        conv[LandCover.WETLAND] = self.conversion_wetland_t_ha
        conv[LandCover.GRASSLAND] = self.conversion_grassland_t_ha
        conv[LandCover.AGRICULTURE] = self.conversion_cropland_t_ha
        conv[LandCover.BARREN] = self.conversion_barren_t_ha
        conv[LandCover.WATER] = self.conversion_water_t_ha
        return tuple(conv)


def _format_default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, YearPath):
        if len(value.years) == 1:
            return f"{value.values[0]:g}"
        return "{ " + ", ".join(f"{y} = {v:g}" for y, v in zip(value.years, value.values)) + " }"
    return f"{value:g}"


def parameters_markdown() -> str:
    """The parameter table as Markdown: ``docs/parameters.md`` holds exactly this (a test checks)."""
    lines = [
        "| name | default | units | range | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for spec in fields_of(CarbonParameters):
        s = spec.setting
        rng = "-" if s.lo is None else f"{s.lo:g} to {s.hi:g}"
        lines.append(f"| `{spec.name}` | {_format_default(spec.default)} | {s.unit} | {rng} | {s.doc} | {s.source} |")
    return "\n".join(lines) + "\n"

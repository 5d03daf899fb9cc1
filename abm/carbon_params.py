"""Carbon factors: every number the carbon kernels use, with its unit, range and source.

DESIGN.md section 4 gives the starting values; a scenario overrides any of them under ``[carbon]``
(numbers, or ``{year = value}`` tables for the ones that change by year). `PARAMETERS` is the one
table of name -> default, units, allowed range and source; the dataclass, `from_dict` checks and
``docs/parameters.md`` (see `parameters_markdown`) all follow it, so a factor cannot exist undocumented.

Units: energy in kgce (kg of standard coal equivalent, 29.3 MJ), emissions in kgCO2 or tCO2, areas
in m2 of floor or ha of land, passenger-km (pkm) for commuting, CNY for value added.

>>> p = CarbonParameters()
>>> round(p.grid_factor_kg_per_kwh.at(2022), 4), p.new_build_factor(2030, "residential")
(0.5366, 0.7)
>>> CarbonParameters.from_dict({"ef_car_g_pkm": 100}).ef_car_g_pkm.at(2030)
100.0
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from typing import Any

from abm.errors import ConfigError
from abm.grid import LandCover
from abm.paths import YearPath
from abm.population import SECTORS


@dataclass(frozen=True)
class ParamInfo:
    """One row of the parameter table: default (float, bool or YearPath), units, range, source."""

    default: Any
    units: str
    lo: float | None
    hi: float | None
    source: str
    doc: str


def _path(table: dict[int, float]) -> YearPath:
    years = sorted(table)
    return YearPath(tuple(years), tuple(float(table[y]) for y in years))


_C = YearPath.constant

#: name -> default, units, range, source and meaning. Order is the order of `docs/parameters.md`.
PARAMETERS: dict[str, ParamInfo] = {
    # --- buildings: energy intensity -------------------------------------------------------------
    "energy_residential_kgce_m2": ParamInfo(
        12.9, "kgce/m2/yr", 0.0, 500.0, "CABEE 2017 report (2015 data)",
        "urban residential building energy, northern heating excluded"),
    "energy_commercial_kgce_m2": ParamInfo(
        30.2, "kgce/m2/yr", 0.0, 500.0, "CABEE 2017 report (2015 data): public buildings",
        "commercial / office (public building) energy, northern heating excluded"),
    "energy_industrial_kgce_m2": ParamInfo(
        30.2, "kgce/m2/yr", 0.0, 500.0,
        "assumption: the CABEE public-building figure (CABEE excludes industrial buildings)",
        "building services of industrial floor; process energy is the industry_* factors"),
    "heating_kgce_m2": ParamInfo(
        14.9, "kgce/m2/yr", 0.0, 500.0, "CABEE 2017 report (2015 data): northern urban heating",
        "district heating energy of residential and commercial floor in the heating zone"),
    "heating_zone_share": ParamInfo(
        0.0, "share", 0.0, 1.0, "scenario: 1 north of the Qinling-Huaihe line, 0 south of it",
        "share of the region's floor inside the central-heating zone (heating counted as fossil)"),
    "retrofit_saving": ParamInfo(
        0.30, "share", 0.0, 1.0, "assumption: typical saving of an energy retrofit of existing stock",
        "energy saved on retrofitted floor (cell energy x (1 - saving x retrofit share))"),
    "new_build_factor_residential": ParamInfo(
        _path({2021: 1.0, 2022: 0.70}), "x 2016 level", 0.0, 2.0,
        "GB 55015-2021 (in force 2022): residential -30% vs 2016 standards",
        "energy intensity of residential floor built in that year relative to the 2016 standard"),
    "new_build_factor_public": ParamInfo(
        _path({2021: 1.0, 2022: 0.80}), "x 2016 level", 0.0, 2.0,
        "GB 55015-2021 (in force 2022): public buildings -20% vs 2016 standards",
        "same for commercial and industrial floor (public-building standard)"),
    # --- energy carriers ------------------------------------------------------------------------
    "electric_share_residential": ParamInfo(
        _path({2022: 0.45, 2030: 0.55, 2060: 0.85}), "share", 0.0, 1.0,
        "assumption: electrification trend (CABEE 2022: about half of building CO2 from electricity)",
        "electricity share of residential energy (kgce basis); the rest is fossil"),
    "electric_share_public": ParamInfo(
        _path({2022: 0.65, 2030: 0.75, 2060: 0.95}), "share", 0.0, 1.0,
        "assumption: electrification trend of public buildings",
        "electricity share of commercial and industrial floor energy (kgce basis)"),
    "grid_factor_kg_per_kwh": ParamInfo(
        _path({2022: 0.5366, 2030: 0.40, 2050: 0.08, 2060: 0.0}), "kgCO2/kWh", 0.0, 2.0,
        "MEE 2024 (national grid average 2022) + scenario path to ~0 in 2060",
        "grid electricity emission factor"),
    "renewables_share": ParamInfo(
        _C(0.0), "share", 0.0, 1.0, "scenario lever (0 = grid mix only)",
        "share of building electricity from local zero-carbon supply beyond the grid mix"),
    "kwh_kgce": ParamInfo(
        0.3055, "kgce/kWh", 0.01, 1.0,
        "CEC: average coal use of thermal power supply 305.5 gce/kWh (2020); CABEE counts building "
        "electricity on this power-generation-coal basis (0.1229 = calorific equivalent, GB/T 2589-2020)",
        "converts electricity kWh to kgce: electricity kgCO2/kgce = grid factor / kwh_kgce"),
    "fossil_kgco2_per_kgce": ParamInfo(
        2.3, "kgCO2/kgce", 0.0, 4.0,
        "derived: 0.6 coal heat x 2.74 + 0.4 gas x 1.63 (NDRC ERI 0.7476 / 0.4435 tC/tce x 44/12)",
        "non-electric building energy (district heat, gas); DESIGN range 2.0-2.7"),
    # --- industry -------------------------------------------------------------------------------
    "industry_enabled": ParamInfo(
        False, "bool", None, None, "scenario switch (DESIGN.md 3: industry is optional)",
        "count firms' process energy (sector intensity x value added)"),
    "industry_tce_per_10k_cny": ParamInfo(
        _path({2020: 1.0, 2030: 0.75, 2060: 0.33}), "tce/10k CNY", 0.0, 50.0,
        "derived: China Statistical Yearbook 2021 (industry ~3.3 Gtce / value added 31.3 trn CNY in "
        "2020), falling ~2.9%/yr (14th Five-Year Plan: -13.5% per 5 years)",
        "process energy per value added of 'industry' firms"),
    "services_tce_per_10k_cny": ParamInfo(
        _C(0.0), "tce/10k CNY", 0.0, 50.0, "assumption: services' energy is their floor (buildings)",
        "energy per value added of 'services' firms beyond their buildings"),
    "industry_electric_share": ParamInfo(
        _path({2022: 0.27, 2060: 0.60}), "share", 0.0, 1.0,
        "assumption: electricity about a quarter of industrial final energy in 2020 (kgce basis)",
        "electricity share of industry process energy"),
    "industry_fossil_kgco2_per_kgce": ParamInfo(
        2.6, "kgCO2/kgce", 0.0, 4.0, "derived: 0.8 coal 2.74 + 0.2 oil 2.14 (NDRC ERI factors)",
        "non-electric industrial energy"),
    # --- commuting: emission factors --------------------------------------------------------------
    "ef_car_g_pkm": ParamInfo(
        _C(129.0), "gCO2/pkm", 0.0, 2000.0, "Scottish Transport Statistics 30 (occupancy 1.6)",
        "car commute"),
    "ef_bus_g_pkm": ParamInfo(
        _C(56.0), "gCO2/pkm", 0.0, 2000.0, "Zheng et al. 2023, Sust. Cities Soc. 99 (Beijing)", "bus"),
    "ef_metro_g_pkm": ParamInfo(
        _C(65.0), "gCO2/pkm", 0.0, 2000.0, "DEFRA 2007; STS 30 (53-77, midpoint)", "metro / rail"),
    "ef_ebike_g_pkm": ParamInfo(
        _C(6.0), "gCO2/pkm", 0.0, 2000.0, "derived (about 6 gCO2/km)", "electric bike"),
    "ef_walk_cycle_g_pkm": ParamInfo(
        _C(0.0), "gCO2/pkm", 0.0, 2000.0, "DESIGN.md 4", "walking and cycling"),
    # --- commuting: trips -----------------------------------------------------------------------
    "workdays_per_year": ParamInfo(
        250.0, "days/yr", 0.0, 366.0, "China: 365 - 104 weekend days - 11 public holidays",
        "commuting days; each makes 2 trips"),
    "commuters_per_person": ParamInfo(
        0.52, "share", 0.0, 1.0, "NBS 2022: 733 M employed / 1412 M residents",
        "commuters per household member (all go to the household's workplace)"),
    "circuity": ParamInfo(
        1.3, "-", 1.0, 5.0, "assumption: road circuity factors are typically 1.2-1.4",
        "network distance / straight-line distance"),
    # --- commuting: deterministic mode split (multinomial logit expected shares) ----------------
    "speed_walk_cycle_kmh": ParamInfo(10.0, "km/h", 0.1, 200.0, "assumption: walking 4.5 and cycling 12-15 mixed", "walk / cycle door to door"),
    "speed_ebike_kmh": ParamInfo(18.0, "km/h", 0.1, 200.0, "assumption (GB 17761-2018 caps e-bikes at 25 km/h)", "e-bike door to door"),
    "speed_bus_kmh": ParamInfo(15.0, "km/h", 0.1, 200.0, "assumption: Chinese urban bus operating speed ~15 km/h", "bus in vehicle, off roads"),
    "speed_metro_kmh": ParamInfo(35.0, "km/h", 0.1, 200.0, "assumption: metro schedule speed ~35 km/h", "metro / rail in vehicle"),
    "speed_car_kmh": ParamInfo(25.0, "km/h", 0.1, 200.0, "assumption: peak-hour urban car speed ~25 km/h", "car in vehicle, off roads"),
    "road_speedup": ParamInfo(
        0.25, "share", 0.0, 5.0, "assumption",
        "car and bus speed x (1 + road_speedup x share of the trip's two ends on a road cell)"),
    "access_walk_kmh": ParamInfo(4.5, "km/h", 0.1, 50.0, "assumption: walking speed", "walking to and from transit"),
    "bus_stop_km": ParamInfo(
        0.5, "km", 0.0, 50.0, "assumption: 500 m bus-stop coverage radius (urban road planning norms)",
        "longest walk to a bus stop (bus access = min(transit_dist_km, bus_stop_km))"),
    "wait_bus_min": ParamInfo(6.0, "min", 0.0, 120.0, "assumption: half a 12-minute headway", "bus wait"),
    "wait_metro_min": ParamInfo(4.0, "min", 0.0, 120.0, "assumption: half an 8-minute headway", "metro wait"),
    "car_terminal_min": ParamInfo(5.0, "min", 0.0, 120.0, "assumption: parking and walking to the car", "car time at the ends"),
    "mode_beta_per_min": ParamInfo(
        0.08, "1/min", 0.0, 10.0, "assumption: commute time coefficients are typically 0.03-0.1 per min",
        "utility lost per minute of door-to-door time"),
    "asc_walk_cycle": ParamInfo(0.0, "utils", -20.0, 20.0, "calibration: the reference mode", "mode constant"),
    "asc_ebike": ParamInfo(-0.6, "utils", -20.0, 20.0, "calibration: dense core ~75% green commuting (Beijing 2020: 73%), see docs/parameters.md", "mode constant"),
    "asc_bus": ParamInfo(0.1, "utils", -20.0, 20.0, "calibration: dense core ~75% green commuting (Beijing 2020: 73%), see docs/parameters.md", "mode constant"),
    "asc_metro": ParamInfo(0.2, "utils", -20.0, 20.0, "calibration: dense core ~75% green commuting (Beijing 2020: 73%), see docs/parameters.md", "mode constant"),
    "asc_car": ParamInfo(1.4, "utils", -20.0, 20.0, "calibration: dense core ~75% green commuting (Beijing 2020: 73%), see docs/parameters.md", "mode constant (car owners only)"),
    "density_ref_hh_ha": ParamInfo(
        50.0, "households/ha", 0.01, 10000.0, "assumption", "density scale: effects grow with ln(1 + density / ref)"),
    "density_effect_car": ParamInfo(
        -0.8, "utils", -20.0, 20.0, "calibration: parking and congestion in dense areas",
        "car utility per unit of ln(1 + density / ref) at home"),
    "density_effect_walk_cycle": ParamInfo(
        0.7, "utils", -20.0, 20.0, "calibration: mixed, walkable dense areas",
        "walk / cycle utility per unit of ln(1 + density / ref) at home"),
    # --- sinks ----------------------------------------------------------------------------------
    "forest_bmax_mgc_ha": ParamInfo(
        100.0, "MgC/ha", 0.01, 1000.0,
        "assumption: mature-stand biomass carbon, about twice the 45.8 MgC/ha national average (Yang 2022)",
        "asymptote of the logistic biomass curve B(a)"),
    "forest_growth_rate_per_yr": ParamInfo(
        0.0425, "1/yr", 0.0001, 10.0,
        "calibration: peak removal r x Bmax / 4 x 44/12 = 3.9 tCO2/ha/yr; ages 24-66 in 3.2-3.9 "
        "(Yang 2022 Biogeosciences; Lyu 2023)", "logistic rate r"),
    "forest_half_age_yr": ParamInfo(
        45.0, "yr", 0.0, 1000.0, "calibration: B = 45.8 MgC/ha (the national average) at about age 41",
        "age of the fastest growth, B(a) = Bmax / 2"),
    "sink_wetland_t_ha": ParamInfo(0.6, "tCO2/ha/yr", -100.0, 100.0, "Lyu 2023, Acta Geographica Sinica 78(3)", "wetland removal"),
    "sink_grassland_t_ha": ParamInfo(0.2, "tCO2/ha/yr", -100.0, 100.0, "Lyu 2023", "grassland removal"),
    "sink_cropland_t_ha": ParamInfo(-0.1, "tCO2/ha/yr", -100.0, 100.0, "Lyu 2023 (cropland is a small source)", "cropland removal"),
    "sink_water_t_ha": ParamInfo(0.0, "tCO2/ha/yr", -100.0, 100.0, "assumption", "open water removal"),
    "sink_barren_t_ha": ParamInfo(0.0, "tCO2/ha/yr", -100.0, 100.0, "assumption", "barren land removal"),
    "sink_urban_t_ha": ParamInfo(0.0, "tCO2/ha/yr", -100.0, 100.0, "assumption", "urban land removal"),
    # --- land conversion (one-off loss when a cell is urbanised) ------------------------------------
    "conversion_forest_t_ha": ParamInfo(49.0, "tCO2/ha", 0.0, 5000.0, "Lyu 2023 (forest to built land about -49 tCO2/ha)", "biomass + soil carbon lost"),
    "conversion_wetland_t_ha": ParamInfo(30.0, "tCO2/ha", 0.0, 5000.0, "assumption: below forest, above grassland; override per region", "biomass + soil carbon lost"),
    "conversion_grassland_t_ha": ParamInfo(15.0, "tCO2/ha", 0.0, 5000.0, "assumption; override per region", "biomass + soil carbon lost"),
    "conversion_cropland_t_ha": ParamInfo(10.0, "tCO2/ha", 0.0, 5000.0, "assumption; override per region", "biomass + soil carbon lost"),
    "conversion_barren_t_ha": ParamInfo(0.0, "tCO2/ha", 0.0, 5000.0, "assumption", "biomass + soil carbon lost"),
    "conversion_water_t_ha": ParamInfo(0.0, "tCO2/ha", 0.0, 5000.0, "assumption", "biomass + soil carbon lost"),
}


def _d(name: str) -> Any:
    return PARAMETERS[name].default


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
    """Every carbon factor, defaulting to DESIGN.md section 4 (see `PARAMETERS` for units and sources)."""

    energy_residential_kgce_m2: float = _d("energy_residential_kgce_m2")
    energy_commercial_kgce_m2: float = _d("energy_commercial_kgce_m2")
    energy_industrial_kgce_m2: float = _d("energy_industrial_kgce_m2")
    heating_kgce_m2: float = _d("heating_kgce_m2")
    heating_zone_share: float = _d("heating_zone_share")
    retrofit_saving: float = _d("retrofit_saving")
    new_build_factor_residential: YearPath = _d("new_build_factor_residential")
    new_build_factor_public: YearPath = _d("new_build_factor_public")
    electric_share_residential: YearPath = _d("electric_share_residential")
    electric_share_public: YearPath = _d("electric_share_public")
    grid_factor_kg_per_kwh: YearPath = _d("grid_factor_kg_per_kwh")
    renewables_share: YearPath = _d("renewables_share")
    kwh_kgce: float = _d("kwh_kgce")
    fossil_kgco2_per_kgce: float = _d("fossil_kgco2_per_kgce")
    industry_enabled: bool = _d("industry_enabled")
    industry_tce_per_10k_cny: YearPath = _d("industry_tce_per_10k_cny")
    services_tce_per_10k_cny: YearPath = _d("services_tce_per_10k_cny")
    industry_electric_share: YearPath = _d("industry_electric_share")
    industry_fossil_kgco2_per_kgce: float = _d("industry_fossil_kgco2_per_kgce")
    ef_car_g_pkm: YearPath = _d("ef_car_g_pkm")
    ef_bus_g_pkm: YearPath = _d("ef_bus_g_pkm")
    ef_metro_g_pkm: YearPath = _d("ef_metro_g_pkm")
    ef_ebike_g_pkm: YearPath = _d("ef_ebike_g_pkm")
    ef_walk_cycle_g_pkm: YearPath = _d("ef_walk_cycle_g_pkm")
    workdays_per_year: float = _d("workdays_per_year")
    commuters_per_person: float = _d("commuters_per_person")
    circuity: float = _d("circuity")
    speed_walk_cycle_kmh: float = _d("speed_walk_cycle_kmh")
    speed_ebike_kmh: float = _d("speed_ebike_kmh")
    speed_bus_kmh: float = _d("speed_bus_kmh")
    speed_metro_kmh: float = _d("speed_metro_kmh")
    speed_car_kmh: float = _d("speed_car_kmh")
    road_speedup: float = _d("road_speedup")
    access_walk_kmh: float = _d("access_walk_kmh")
    bus_stop_km: float = _d("bus_stop_km")
    wait_bus_min: float = _d("wait_bus_min")
    wait_metro_min: float = _d("wait_metro_min")
    car_terminal_min: float = _d("car_terminal_min")
    mode_beta_per_min: float = _d("mode_beta_per_min")
    asc_walk_cycle: float = _d("asc_walk_cycle")
    asc_ebike: float = _d("asc_ebike")
    asc_bus: float = _d("asc_bus")
    asc_metro: float = _d("asc_metro")
    asc_car: float = _d("asc_car")
    density_ref_hh_ha: float = _d("density_ref_hh_ha")
    density_effect_car: float = _d("density_effect_car")
    density_effect_walk_cycle: float = _d("density_effect_walk_cycle")
    forest_bmax_mgc_ha: float = _d("forest_bmax_mgc_ha")
    forest_growth_rate_per_yr: float = _d("forest_growth_rate_per_yr")
    forest_half_age_yr: float = _d("forest_half_age_yr")
    sink_wetland_t_ha: float = _d("sink_wetland_t_ha")
    sink_grassland_t_ha: float = _d("sink_grassland_t_ha")
    sink_cropland_t_ha: float = _d("sink_cropland_t_ha")
    sink_water_t_ha: float = _d("sink_water_t_ha")
    sink_barren_t_ha: float = _d("sink_barren_t_ha")
    sink_urban_t_ha: float = _d("sink_urban_t_ha")
    conversion_forest_t_ha: float = _d("conversion_forest_t_ha")
    conversion_wetland_t_ha: float = _d("conversion_wetland_t_ha")
    conversion_grassland_t_ha: float = _d("conversion_grassland_t_ha")
    conversion_cropland_t_ha: float = _d("conversion_cropland_t_ha")
    conversion_barren_t_ha: float = _d("conversion_barren_t_ha")
    conversion_water_t_ha: float = _d("conversion_water_t_ha")

    # --- scenario data ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, raw: dict, field: str = "carbon") -> CarbonParameters:
        """Defaults overridden by ``raw`` (any subset); a bad entry raises ConfigError naming ``field.name``."""
        if not isinstance(raw, dict):
            raise ConfigError(field, f"expected a table of carbon parameters, got {raw!r}",
                              "write e.g. [carbon] with ef_car_g_pkm = 120")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            where = f"{field}.{key}"
            info = PARAMETERS.get(key)
            if info is None:
                close = difflib.get_close_matches(str(key), PARAMETERS, n=3)
                hint = f"did you mean {', '.join(close)}?" if close else "see docs/parameters.md for the names"
                raise ConfigError(where, "unknown carbon parameter", hint)
            values[key] = _parse_value(info, value, where)
        return cls(**values)

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
        industry = [0.0] * (max(SECTORS.values()) + 1)
        industry[SECTORS["industry"]] = self.industry_tce_per_10k_cny.at(year) * 0.1  # tce/1e4 CNY -> kgce/CNY
        industry[SECTORS["services"]] = self.services_tce_per_10k_cny.at(year) * 0.1
        e_ind = self.industry_electric_share.at(year)
        sink = [0.0] * (max(LandCover) + 1)
        sink[LandCover.WETLAND] = self.sink_wetland_t_ha
        sink[LandCover.GRASSLAND] = self.sink_grassland_t_ha
        sink[LandCover.AGRICULTURE] = self.sink_cropland_t_ha
        sink[LandCover.WATER] = self.sink_water_t_ha
        sink[LandCover.BARREN] = self.sink_barren_t_ha
        sink[LandCover.URBAN] = self.sink_urban_t_ha
        conv = [0.0] * (max(LandCover) + 1)
        conv[LandCover.FOREST] = self.conversion_forest_t_ha
        conv[LandCover.WETLAND] = self.conversion_wetland_t_ha
        conv[LandCover.GRASSLAND] = self.conversion_grassland_t_ha
        conv[LandCover.AGRICULTURE] = self.conversion_cropland_t_ha
        conv[LandCover.BARREN] = self.conversion_barren_t_ha
        conv[LandCover.WATER] = self.conversion_water_t_ha
        return CarbonYear(
            year=int(year),
            intensity_kgce_m2=intensity,  # type: ignore[arg-type]
            building_kgco2_per_kgce=tuple(co2),  # type: ignore[arg-type]
            retrofit_saving=self.retrofit_saving,
            electricity_kgco2_per_kgce=elec,
            new_build_residential=self.new_build_factor_residential.at(year),
            new_build_public=self.new_build_factor_public.at(year),
            industry_enabled=bool(self.industry_enabled),
            industry_kgce_per_cny=tuple(industry),
            industry_kgco2_per_kgce=e_ind * elec + (1.0 - e_ind) * self.industry_fossil_kgco2_per_kgce,
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
            sink_t_ha=tuple(sink),
            forest_bmax_mgc_ha=self.forest_bmax_mgc_ha,
            forest_growth_rate_per_yr=self.forest_growth_rate_per_yr,
            forest_half_age_yr=self.forest_half_age_yr,
            conversion_t_ha=tuple(conv),
        )


def _parse_value(info: ParamInfo, value: Any, where: str) -> Any:
    if isinstance(info.default, bool):
        if not isinstance(value, bool):
            raise ConfigError(where, f"expected true or false, got {value!r}", "write true or false")
        return value
    if isinstance(info.default, YearPath):
        return YearPath.parse(value, where, info.lo, info.hi)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(where, f"expected a number in {info.units}, got {value!r}",
                          f"give a number between {info.lo} and {info.hi}")
    value = float(value)
    if not value == value or value in (float("inf"), float("-inf")):
        raise ConfigError(where, f"value {value} is not finite", "give a finite number")
    if info.lo is not None and value < info.lo:
        raise ConfigError(where, f"value {value} is below the minimum {info.lo} {info.units}", f"use a value >= {info.lo}")
    if info.hi is not None and value > info.hi:
        raise ConfigError(where, f"value {value} is above the maximum {info.hi} {info.units}", f"use a value <= {info.hi}")
    return value


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
    for name, info in PARAMETERS.items():
        rng = "-" if info.lo is None else f"{info.lo:g} to {info.hi:g}"
        lines.append(f"| `{name}` | {_format_default(info.default)} | {info.units} | {rng} | {info.doc} | {info.source} |")
    return "\n".join(lines) + "\n"

"""Passenger transport: trips of every purpose, their destinations and modes, factors, and the source.

A room of the carbon account (docs/architecture.md): `TravelFactors` (``[carbon]`` keys: passenger
travel, and `FreightFactors`, read by the freight source `abm.emissions.freight`), `TravelYear` (one year's
factors, per mode in `MODES` order) and `PassengerTransport` (the source, name "transport").

A tick: the land-use pattern is summed into ~300 m blocks (floor by use, green space, households,
walk to the metro); each non-work purpose chooses destinations over its opportunities with distance
decay (`abm.kernels.destinations`, one FFT convolution per purpose); each occupied block's persons
choose modes for those trips (nested logit, `abm.kernels.travel`); then every household adds its work
trips (home to the employer's cell) in one numba pass. Electric modes' factors are kWh per pkm x the
year's grid factor, so they fall with the grid. The new cohort is the travel of households that came
to the region this tick (``arrived_tick == tick``; movers are stock) times ``household_growth_scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from abm.access import BlockGrid
from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.destinations import REACH, block_sums, destination_fields, reach_blocks, settlements
from abm.kernels.travel import PURPOSES, BlockTrips, ModeModel, block_trips, household_travel, persons_by_block
from abm.neighbourhood import GREEN_COVERS
from abm.paths import YearPath
from abm.population import SECTORS
from abm.schema import setting



_C = YearPath.constant

#: Modes in kernel order.
MODES: tuple[str, ...] = ("walk_cycle", "ebike", "bus", "metro", "car")

_CALIBRATED = "calibration: default city's 2022 mode shares inside the reference bands (walk + cycle 0.30-0.60, " \
              "car 0.20-0.40; ../shared/data/reference/china_city_carbon.csv), see docs/parameters.md"


_ROAD_TKM_2021 = "road freight turnover 6.91 trillion tkm in 2021 (NBS; Energy Sustain. Soc. 14 (2024), " \
                 "doi:10.1186/s13705-024-00487-8, Table 5)"


@dataclass(frozen=True)
class FreightFactors:
    """Road tonne-km per value added by sector and gCO2 per tonne-km."""

    # --- freight ----------------------------------------------------------------------------------
    freight_tkm_per_cny_industry: float = setting(
        0.14, lo=0.0, hi=10.0, unit="tkm/CNY",
        doc="road tonne-km per CNY of value added of 'industry' firms",
        source=f"derived: 75% of the {_ROAD_TKM_2021} over industrial value added 37.3 trillion CNY (NBS 2021); "
        "the 75 / 25 split between goods production and distribution is an assumption")
    freight_tkm_per_cny_services: float = setting(
        0.028, lo=0.0, hi=10.0, unit="tkm/CNY",
        doc="road tonne-km per CNY of value added of 'services' firms (wholesale, retail, deliveries)",
        source="derived: the other 25% of the same turnover over tertiary value added 61.0 trillion CNY (NBS 2021)")
    freight_g_per_tkm: YearPath = setting(
        YearPath.of({2021: 69.0, 2030: 50.5, 2040: 35.8, 2060: 17.9}), lo=0.0, hi=2000.0, unit="gCO2/tkm",
        doc="CO2 per tonne-km of road freight (efficiency, load and electrification of trucks)",
        source="derived: China's heavy-duty vehicles emitted about a fifth of the world's 3 Gt in 2015 (ICCT press "
        "statement, Sept 2015), of which trucks ~82% (IEA Tracking Clean Energy Progress, trucks and buses: buses "
        "0.40 of 2.19 Gt), over 5.80 trillion road tkm (NBS 2015): ~85 gCO2/tkm in 2015; falling 3.4%/yr as in the "
        "business-as-usual scenario of Energy Sustain. Soc. 14 (2024), doi:10.1186/s13705-024-00487-8 (69 in 2021). "
        "That paper's own 41.25 gCO2/tkm (2021) is a lower bound: China's statistical transport sector leaves out "
        "the trucks of industrial and commercial firms")

    def freight_year(self, year: int) -> dict:
        """The `FreightYear` fields of ``year``: tkm per CNY by sector code and gCO2 per tkm."""
        by_sector = [0.0] * (max(SECTORS.values()) + 1)
        by_sector[SECTORS["industry"]] = self.freight_tkm_per_cny_industry
        by_sector[SECTORS["services"]] = self.freight_tkm_per_cny_services
        return dict(freight_tkm_per_cny=tuple(by_sector), freight_g_per_tkm=self.freight_g_per_tkm.at(year))


@dataclass(frozen=True)
class FreightYear:
    """One year's freight factors (tkm per CNY by sector code: abm.population.SECTORS)."""

    freight_tkm_per_cny: tuple[float, ...]
    freight_g_per_tkm: float


@dataclass(frozen=True)
class TripFactors:
    """How many trips of each purpose a person makes, and how far their destinations pull."""

    # --- passenger transport: trips -----------------------------------------------------------------
    workdays_per_year: float = setting(
        250.0, lo=0.0, hi=366.0, unit="days/yr",
        doc="commuting days; each makes 2 trips",
        source="China: 365 - 104 weekend days - 11 public holidays")
    commuters_per_person: float = setting(
        0.52, lo=0.0, hi=1.0, unit="share",
        doc="commuters per household member (all go to the household's workplace)",
        source="NBS 2022: 733 M employed / 1412 M residents")
    students_per_person: float = setting(
        0.20, lo=0.0, hi=1.0, unit="share",
        doc="pupils and students per household member (2 school trips a school day)",
        source="MOE statistical bulletin 2022: 293 M enrolled at all levels / 1412 M residents")
    school_days_per_year: float = setting(
        190.0, lo=0.0, hi=366.0, unit="days/yr",
        doc="school days",
        source="MOE compulsory-education curriculum plans: about 38 school weeks a year x 5 days")
    shopping_trips_per_person_day: float = setting(
        0.65, lo=0.0, hi=10.0, unit="trips/person/day",
        doc="trips for shopping, services, errands and escorting, averaged over all days of the year",
        source="Chinese household travel surveys: 2.2-2.8 trips per resident per workday (Beijing 5th "
        "comprehensive transport survey 2014: 2.75), of which other purposes than work and school ~40% "
        "(e.g. Quanzhou survey: work 43%, school 18% of trips away from home); split with leisure by assumption")
    leisure_trips_per_person_day: float = setting(
        0.30, lo=0.0, hi=10.0, unit="trips/person/day",
        doc="trips for leisure, recreation and visits, averaged over all days of the year",
        source="same surveys as shopping_trips_per_person_day (0.65 + 0.30 = 0.95 trips a day: ~40% of a "
        "workday's ~2.4)")
    circuity: float = setting(
        1.3, lo=1.0, hi=5.0, unit="-",
        doc="network distance / straight-line distance",
        source="assumption: road circuity factors are typically 1.2-1.4")
    car_km_beyond_region: float = setting(
        5000.0, lo=0.0, hi=100000.0, unit="vkm/car/yr",
        doc="km a resident's car drives a year on trips that leave the region (intercity, holidays), beyond the "
        "modelled trips; booked at home like the fuel a city inventory counts as sold in the city",
        source="derived: private cars in Chinese cities drive 10,000-20,000 km a year (Huo et al. 2012, Energy "
        "Policy 43:6-16); the region's own trips give a car ~4,500 km (docs/parameters.md); the low end taken")
    car_occupancy: float = setting(
        1.6, lo=1.0, hi=10.0, unit="persons/car",
        doc="persons per car, to turn the car's gCO2/pkm into gCO2 per vkm beyond the region",
        source="Scottish Transport Statistics 30, the occupancy behind ef_car_g_pkm")
    # --- passenger transport: destination choice ---------------------------------------------------
    decay_school_per_km: float = setting(
        1.2, lo=0.01, hi=20.0, unit="1/km",
        doc="distance decay of school destinations (opportunities: residential floor, as schools are "
        "planned per catchment); mean trip ~2 / decay on an even spread",
        source="GB 50180-2018 life circles: primary schools within a 10-minute walk (500 m), middle schools "
        "within 15 minutes (1 km); longer by bus and car for the rest (assumption)")
    decay_shopping_per_km: float = setting(
        0.6, lo=0.01, hi=20.0, unit="1/km",
        doc="distance decay of shopping and services destinations (opportunities: commercial floor)",
        source="assumption: daily services within the 15-minute life circle (GB 50180-2018), larger shops "
        "across town: mean ~3.3 km on an even spread")
    decay_leisure_per_km: float = setting(
        0.35, lo=0.01, hi=20.0, unit="1/km",
        doc="distance decay of leisure destinations (opportunities: green space and commercial floor)",
        source="assumption: parks, malls and visits across town: mean ~5.7 km on an even spread")
    leisure_green_share: float = setting(
        0.5, lo=0.0, hi=1.0, unit="share",
        doc="weight of green space (vs commercial floor) among leisure destinations",
        source="assumption: outdoor recreation and entertainment / dining about equally")

    def trips_per_person(self) -> tuple[float, ...]:
        """Trips a person makes a year for each purpose of `PURPOSES` (school, shopping, leisure)."""
        return (2.0 * self.students_per_person * self.school_days_per_year,
                365.0 * self.shopping_trips_per_person_day, 365.0 * self.leisure_trips_per_person_day)

    def decay_per_km(self) -> tuple[float, ...]:
        return (self.decay_school_per_km, self.decay_shopping_per_km, self.decay_leisure_per_km)


@dataclass(frozen=True)
class ModeFactors:
    """Emission factors and energy per mode, and the nested-logit mode model."""

    # --- passenger transport: emission factors and energy ------------------------------------------
    ef_car_g_pkm: YearPath = setting(
        _C(129.0), lo=0.0, hi=2000.0, unit="gCO2/pkm",
        doc="petrol car (the car not electric, see car_electric_share)",
        source="Scottish Transport Statistics 30 (occupancy 1.6)")
    car_electric_share: YearPath = setting(
        YearPath.of({2022: 0.04, 2030: 0.20, 2040: 0.45, 2060: 0.90}), lo=0.0, hi=1.0, unit="share",
        doc="share of car pkm driven electric (at car_kwh_pkm x the grid factor)",
        source="MPS: new-energy vehicles 4.1% of the stock at end 2022; later years a scenario path (assumption)")
    car_kwh_pkm: float = setting(
        0.10, lo=0.0, hi=5.0, unit="kWh/pkm",
        doc="electric car, at the plug",
        source="assumption: ~16 kWh/100 km on the road incl. charging losses / occupancy 1.6")
    ef_bus_g_pkm: YearPath = setting(
        _C(56.0), lo=0.0, hi=2000.0, unit="gCO2/pkm",
        doc="diesel / gas bus (the bus not electric, see bus_electric_share)",
        source="Zheng et al. 2023, Sust. Cities Soc. 99 (Beijing)")
    bus_electric_share: YearPath = setting(
        YearPath.of({2022: 0.60, 2030: 0.90, 2040: 1.0}), lo=0.0, hi=1.0, unit="share",
        doc="share of bus pkm driven electric (at bus_kwh_pkm x the grid factor)",
        source="MOT: new-energy buses about three quarters of urban buses by 2022, some of them hybrids "
        "(0.60 battery-electric assumed); full electrification by 2040 (assumption)")
    bus_kwh_pkm: float = setting(
        0.08, lo=0.0, hi=5.0, unit="kWh/pkm",
        doc="electric bus",
        source="assumption: 12 m battery bus ~1.3 kWh/km / ~16 passengers on average")
    metro_kwh_pkm: float = setting(
        0.05, lo=0.0, hi=5.0, unit="kWh/pkm",
        doc="metro / rail, traction and stations (0.05 x 0.5366 = 27 gCO2/pkm in 2022)",
        source="assumption: 0.04-0.07 kWh/pkm at Chinese metro loads (rough check: Beijing Metro's power bill "
        "~1.3 bn CNY/yr at ~0.8 CNY/kWh over ~4 bn trips of ~10 km); rail's energy per pkm is commonly put at a "
        "third of the bus's; DESIGN.md's 53-77 gCO2/pkm (DEFRA 2007; STS 30: UK loads) are 0.10-0.14 kWh/pkm")
    ebike_kwh_pkm: float = setting(
        0.012, lo=0.0, hi=5.0, unit="kWh/pkm",
        doc="electric bike (about 6 gCO2/km at the 2022 grid factor)",
        source="assumption: e-bikes (GB 17761-2018, <= 25 km/h) use 1-1.5 kWh per 100 km")
    # --- passenger transport: mode choice (nested logit expected shares) ---------------------------
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
        doc="walking to and from stops",
        source="assumption: walking speed")
    bus_walk_km: float = setting(
        0.3, lo=0.0, hi=50.0, unit="km",
        doc="walk to a bus stop at each end (buses run on the street network; the grid's transit layer is rail)",
        source="GB/T 51328-2018 (urban transport planning): bus stops cover 300 m radius >= 50% and 500 m "
        ">= 90% of built-up land")
    metro_station_spacing_km: float = setting(
        1.2, lo=0.0, hi=20.0, unit="km",
        doc="distance between metro stations along a line: the walk to a station adds a quarter of it at "
        "each end (the grid's transit layer marks the line, not its stations)",
        source="GB 50157-2013 (Code for design of metro): station spacing about 1 km in the centre, about 2 km "
        "in outer areas")
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
        source="assumption: travel time coefficients are typically 0.03-0.1 per min")
    nest_lambda_active: float = setting(
        0.6, lo=0.05, hi=1.0, unit="-",
        doc="nested logit: dissimilarity of the active nest {walk / cycle, e-bike} (1 = no nest)",
        source="assumption: estimated nest parameters of urban mode choice are typically 0.4-0.8")
    nest_lambda_transit: float = setting(
        0.35, lo=0.05, hi=1.0, unit="-",
        doc="nested logit: dissimilarity of the transit nest {bus, metro} (1 = no nest)",
        source="assumption: surveys of new metro lines in Chinese cities find about half or more of their riders "
        "came from buses; a tight transit nest reproduces that (nest parameters are typically 0.3-0.8)")
    asc_walk_cycle: float = setting(
        0.0, lo=-20.0, hi=20.0, unit="utils",
        doc="mode constant",
        source="calibration: the reference mode")
    asc_ebike: float = setting(-1.1, lo=-20.0, hi=20.0, unit="utils", doc="mode constant", source=_CALIBRATED)
    asc_bus: float = setting(-0.2, lo=-20.0, hi=20.0, unit="utils", doc="mode constant", source=_CALIBRATED)
    asc_metro: float = setting(
        0.2, lo=-20.0, hi=20.0, unit="utils", doc="mode constant",
        source="assumption: the bus's constant + 0.4 (reliability, comfort); the default city has no rail in 2022 to "
        "calibrate against (two lines through its centre then carry ~3% of trips, ~60% of them from buses)")
    asc_car: float = setting(0.7, lo=-20.0, hi=20.0, unit="utils", doc="mode constant (car owners only)",
                             source=_CALIBRATED)
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


@dataclass(frozen=True)
class TravelFactors(ModeFactors, TripFactors, FreightFactors):
    """Freight, trips and destinations, modes: the ``[carbon]`` keys of transport."""

    def travel_year(self, year: int) -> dict:
        """The `TravelYear` fields of ``year``, per mode in `MODES` order where they differ by mode."""
        car_e, bus_e = self.car_electric_share.at(year), self.bus_electric_share.at(year)
        return dict(
            fossil_g_pkm=(0.0, 0.0, (1.0 - bus_e) * self.ef_bus_g_pkm.at(year), 0.0,
                          (1.0 - car_e) * self.ef_car_g_pkm.at(year)),
            electric_kwh_pkm=(0.0, self.ebike_kwh_pkm, bus_e * self.bus_kwh_pkm, self.metro_kwh_pkm,
                              car_e * self.car_kwh_pkm),
            speed_kmh=(self.speed_walk_cycle_kmh, self.speed_ebike_kmh, self.speed_bus_kmh,
                       self.speed_metro_kmh, self.speed_car_kmh),
            asc=(self.asc_walk_cycle, self.asc_ebike, self.asc_bus, self.asc_metro, self.asc_car),
            density_effect=(self.density_effect_walk_cycle, 0.0, 0.0, 0.0, self.density_effect_car),
            wait_min=(0.0, 0.0, self.wait_bus_min, self.wait_metro_min, self.car_terminal_min),
            beta_per_min=self.mode_beta_per_min, access_walk_kmh=self.access_walk_kmh, bus_walk_km=self.bus_walk_km,
            station_walk_km=self.metro_station_spacing_km / 4.0,
            road_speedup=self.road_speedup, density_ref_hh_ha=self.density_ref_hh_ha, circuity=self.circuity,
            nest_lambda=(self.nest_lambda_active, self.nest_lambda_transit),
            workdays_per_year=self.workdays_per_year, commuters_per_person=self.commuters_per_person,
            trips_per_person=self.trips_per_person(), decay_per_km=self.decay_per_km(),
            leisure_green_share=self.leisure_green_share, car_km_beyond_region=self.car_km_beyond_region,
            car_occupancy=self.car_occupancy, **self.freight_year(year),
        )


@dataclass(frozen=True)
class TravelYear(FreightYear):
    """One year's transport factors (by mode in `MODES` order, by purpose in `PURPOSES` order)."""

    fossil_g_pkm: tuple[float, float, float, float, float]
    electric_kwh_pkm: tuple[float, float, float, float, float]
    speed_kmh: tuple[float, float, float, float, float]
    asc: tuple[float, float, float, float, float]
    density_effect: tuple[float, float, float, float, float]
    wait_min: tuple[float, float, float, float, float]
    beta_per_min: float
    access_walk_kmh: float
    bus_walk_km: float
    station_walk_km: float
    road_speedup: float
    density_ref_hh_ha: float
    circuity: float
    nest_lambda: tuple[float, float]
    workdays_per_year: float
    commuters_per_person: float
    trips_per_person: tuple[float, float, float]
    decay_per_km: tuple[float, float, float]
    leisure_green_share: float
    car_km_beyond_region: float
    car_occupancy: float

    def ef_g_pkm(self, grid_kg_per_kwh: float) -> np.ndarray:
        """gCO2/pkm by mode at a grid factor (kgCO2/kWh): the fossil part + kWh/pkm x the grid."""
        return np.asarray(self.fossil_g_pkm) + np.asarray(self.electric_kwh_pkm) * (1000.0 * grid_kg_per_kwh)

    def mode_model(self, grid_kg_per_kwh: float) -> ModeModel:
        """The kernels' `ModeModel` of this year at a grid factor (kgCO2/kWh)."""
        f = np.asarray
        return ModeModel(self.ef_g_pkm(grid_kg_per_kwh), f(self.speed_kmh, np.float64), f(self.asc, np.float64),
                         f(self.density_effect, np.float64), f(self.wait_min, np.float64), self.beta_per_min,
                         self.access_walk_kmh, self.bus_walk_km, self.station_walk_km, self.road_speedup,
                         self.density_ref_hh_ha,
                         self.circuity, self.nest_lambda[0], self.nest_lambda[1])


@lru_cache(maxsize=8)
def _blocks_for(shape: tuple[int, int], cell_size_m: float) -> BlockGrid:
    """The block grid of a state without one (an account outside a model: tests, benchmarks)."""
    return BlockGrid(shape, cell_size_m)


def _mix_weights(a_total: float, b_total: float, share_b: float) -> tuple[float, float]:
    """Weights putting 1 - share_b of a mix on a's pattern and share_b on b's, each normalised to its total
    (one alone when the other is empty)."""
    wa = (1.0 - share_b) if b_total > 0 else 1.0
    wb = share_b if a_total > 0 else 1.0
    return (wa / a_total if a_total > 0 else 0.0), (wb / b_total if b_total > 0 else 0.0)


def window_sums(state, block_cells: int, y: TravelYear, window: tuple[int, int, int, int]) -> np.ndarray:
    """`block_sums` of a window of blocks (r0, r1, c0, c1), as (columns, rows, cols), each column contiguous:
    one pass over its cells."""
    g, b = state.grid, block_cells
    r0, r1, c0, c1 = window
    cells = (slice(r0 * b, min(r1 * b, g.shape[0])), slice(c0 * b, min(c1 * b, g.shape[1])))
    s = block_sums(g.valid[cells], g.floor_residential[cells], g.floor_commercial[cells], g.land_cover[cells],
                   state.households_per_cell.reshape(g.shape)[cells], state.transit_km[cells], g.roads[cells],
                   green_covers=[int(c) for c in GREEN_COVERS], block_cells=b, cell_km=g.cell_size_m / 1000.0,
                   density_ref_hh_ha=y.density_ref_hh_ha)
    return s.T.reshape(s.shape[1], r1 - r0, c1 - c0)


def block_inputs(sums: np.ndarray, y: TravelYear):
    """The land-use pattern of a window of blocks from its `window_sums` (columns, rows, cols): the purposes'
    opportunities (and their walk-weighted twins), each (purposes, rows, cols), and the home ends by block
    of the window (rows, cols)."""
    # leisure: commercial floor and green space within the window, mixed (each normalised to its total there);
    # the walk-weighted twin takes the same weights
    kc, kg = _mix_weights(float(sums[1].ravel().sum()), float(sums[2].ravel().sum()), y.leisure_green_share)
    opp = np.empty((len(PURPOSES), *sums.shape[1:]))
    opp_walk = np.empty_like(opp)
    opp[0], opp[1], opp_walk[0], opp_walk[1] = sums[0], sums[1], sums[3], sums[4]
    for out, com, green in ((opp[2], sums[1], sums[2]), (opp_walk[2], sums[4], sums[5])):
        np.multiply(com, kc, out=out)
        out += kg * green
    hh = sums[6]
    inv = np.divide(1.0, hh, out=np.zeros_like(hh), where=hh > 0)
    home = dict(log_density=sums[7] * inv, home_walk_km=sums[8] * inv, road_share=sums[9] * inv)
    return opp, opp_walk, home


def _window_sums_source(state, block_cells: int, y: TravelYear, windows: list[tuple[int, int, int, int]]):
    """A function giving each window's `window_sums`: cut from one pass over the box of all windows, or
    one pass per window where the windows cover less than their box (towns far apart). Each window is
    block-aligned, so its sums are the same numbers either way."""
    if not windows:
        return None
    box = (min(w[0] for w in windows), max(w[1] for w in windows), min(w[2] for w in windows),
           max(w[3] for w in windows))
    if sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in windows) < (box[1] - box[0]) * (box[3] - box[2]):
        return lambda window: window_sums(state, block_cells, y, window)
    sums = window_sums(state, block_cells, y, box)
    return lambda w: sums[:, w[0] - box[0]:w[1] - box[0], w[2] - box[2]:w[3] - box[2]]


def other_trips(state, blocks: BlockGrid, y: TravelYear, modes: ModeModel) -> BlockTrips:
    """Non-work trips of the persons of every block, settlement by settlement (`settlements`): each on the
    window of blocks its trips can reach. tCO2/yr per person by flat block of the grid, totals by mode."""
    g, hh = state.grid, state.households
    block_km = blocks.b * g.cell_size_m / 1000.0
    persons = persons_by_block(hh.home, hh.size, hh.car, g.valid, cols=g.shape[1], block_cells=blocks.b,
                               n_blocks=blocks.shape[0] * blocks.shape[1]).reshape(*blocks.shape, 2)
    pad = reach_blocks(y.decay_per_km, block_km=block_km, circuity=y.circuity)
    labels, windows = settlements((persons[..., 0] + persons[..., 1]) > 0, pad)
    per_person = np.zeros_like(persons)
    trips, pkm, n = np.zeros(len(MODES)), np.zeros(len(MODES)), 0.0
    sums_of = _window_sums_source(state, blocks.b, y, windows)
    for k, (r0, r1, c0, c1) in enumerate(windows, start=1):
        mine = (labels[r0:r1, c0:c1] == k)[..., None]  # this settlement's blocks (windows may overlap)
        opp, opp_walk, home = block_inputs(sums_of((r0, r1, c0, c1)), y)
        mine_persons = persons[r0:r1, c0:c1] * mine
        occupied = (mine_persons[..., 0] + mine_persons[..., 1]) > 0
        mean_km, dest_walk_km = purpose_fields(opp, opp_walk, occupied, home["home_walk_km"], block_km, y)
        part = block_trips(mine_persons.reshape(-1, 2), **home, mean_km=mean_km, dest_walk_km=dest_walk_km,
                           trips_per_person=y.trips_per_person, modes=modes)
        per_person[r0:r1, c0:c1] += part.per_person_t.reshape(r1 - r0, c1 - c0, 2)  # zero outside its blocks
        trips, pkm, n = trips + part.trips_by_mode, pkm + part.pkm_by_mode, n + part.persons
    return BlockTrips(per_person.reshape(-1, 2), trips, pkm, n)


def purpose_fields(opp: np.ndarray, opp_walk: np.ndarray, occupied: np.ndarray, fallback_walk_km: np.ndarray,
                   block_km: float, y: TravelYear) -> tuple[np.ndarray, np.ndarray]:
    """Each purpose's mean trip length and destinations' walk over a settlement's window, each computed on
    the part of the window its own reach needs: the settlement's ``occupied`` blocks grown by that reach.

    Why: the window is grown by the longest reach (leisure, ~23 km); school trips reach ~7 km, so their
    FFT over the whole window did up to 10x the work. Opportunities beyond a purpose's reach add exactly
    nothing (its kernel is cut there), so the fields of the occupied blocks are the same. Blocks outside
    a purpose's part (no persons of this settlement live there) get the reach and the fallback walk.
    """
    rows, cols = np.flatnonzero(occupied.any(axis=1)), np.flatnonzero(occupied.any(axis=0))
    mean = np.stack([np.full(occupied.shape, REACH / beta) for beta in y.decay_per_km])
    walk = np.stack([fallback_walk_km] * len(y.decay_per_km)).astype(np.float64)
    for p, beta in enumerate(y.decay_per_km if len(rows) else ()):
        h = reach_blocks((beta,), block_km=block_km, circuity=y.circuity)
        r0, r1 = max(rows[0] - h, 0), min(rows[-1] + 1 + h, opp.shape[1])
        c0, c1 = max(cols[0] - h, 0), min(cols[-1] + 1 + h, opp.shape[2])
        f = destination_fields(opp[p:p + 1, r0:r1, c0:c1], opp_walk[p:p + 1, r0:r1, c0:c1], block_km=block_km,
                               circuity=y.circuity, decay_per_km=(beta,), fallback_walk_km=fallback_walk_km[r0:r1, c0:c1])
        mean[p, r0:r1, c0:c1], walk[p, r0:r1, c0:c1] = f.mean_km[0], f.dest_walk_km[0]
    return mean, walk


@register_source
class PassengerTransport(EmissionSource):
    """Residents' trips of every purpose (work, school, shopping and services, leisure), booked at home."""

    name = "transport"
    label_en = "passenger transport"
    label_zh = "客运交通"
    colour = "#ff7f0e"
    reads = ("households", "firms", "grid.valid", "grid.roads", "grid.floor_residential", "grid.floor_commercial",
             "grid.land_cover", "households_per_cell", "transit_km", "blocks", "tick", "carbon_year",
             "carbon_params", "household_growth_scale")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g, hh, y = state.grid, state.households, state.carbon_year
        blocks = state.blocks if state.blocks is not None else _blocks_for(g.shape, g.cell_size_m)
        modes = y.mode_model(y.electricity_kgco2_per_kgce * state.carbon_params.kwh_kgce)
        other = other_trips(state, blocks, y, modes)
        r = household_travel(hh.home, hh.work, hh.size, hh.car, hh.arrived_tick, tick=state.tick,
                             firm_site=state.firms.site, valid=g.valid, hh_count=state.households_per_cell,
                             transit_dist_km=state.transit_km, road=g.roads, cols=g.shape[1],
                             cell_km=g.cell_size_m / 1000.0, block_cells=blocks.b, per_person_t=other.per_person_t,
                             workdays_per_year=y.workdays_per_year, commuters_per_person=y.commuters_per_person,
                             modes=modes)
        beyond = beyond_region_t(hh.car & g.valid.ravel()[hh.home], y, modes)  # residents of the study area
        arrived = hh.arrived_tick == state.tick
        total = r.total_t + float(beyond.sum())
        new = state.household_growth_scale * (r.arrived_t + float(beyond[arrived].sum()))
        return SourceEmissions(total, new, total - new, r.household_t + beyond, cells=hh.home,
                               extras={**travel_columns(r, other), "transport_beyond_region_t": float(beyond.sum())})


def beyond_region_t(car: np.ndarray, y: TravelYear, modes: ModeModel) -> np.ndarray:
    """tCO2 a year per household of its car's trips that leave the region (zero for households without one)."""
    car_g_vkm = float(modes.ef_g_pkm[MODES.index("car")]) * y.car_occupancy
    return car.astype(np.float64) * (y.car_km_beyond_region * car_g_vkm / 1e6)


def travel_columns(r, other) -> dict[str, float]:
    """The source's time-series columns: work trip length, all trips' length, pkm, trips and mode shares."""
    trips = r.work_trips_by_mode + other.trips_by_mode
    pkm = r.work_pkm_by_mode + other.pkm_by_mode
    n_trips = float(trips.sum())
    shares = trips / n_trips if n_trips > 0 else np.zeros(len(MODES))
    return {"commute_km_mean": r.commuter_km / r.commuters if r.commuters > 0 else 0.0,
            "mean_trip_km": float(pkm.sum()) / n_trips if n_trips > 0 else 0.0,
            "passenger_km": float(pkm.sum()),
            "trips_per_person_day": n_trips / 365.0 / other.persons if other.persons > 0 else 0.0,
            **{f"mode_share_{m}": float(shares[k]) for k, m in enumerate(MODES)}}

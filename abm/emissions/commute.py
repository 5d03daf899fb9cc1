"""Commuting: home-to-work trips, their mode split and factors, and the source that counts them.

A room of the carbon account (docs/architecture.md): `TravelFactors` (``[carbon]`` keys), `TravelYear`
(one year's resolved factors, per mode in `MODES` order) and `Commuting` (the source).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.commute import ModeSplit, commute_emissions
from abm.paths import YearPath
from abm.schema import setting


def _path(table: dict[int, float]) -> YearPath:
    years = sorted(table)
    return YearPath(tuple(years), tuple(float(table[y]) for y in years))


_C = YearPath.constant

#: Commute modes in kernel order.
MODES: tuple[str, ...] = ("walk_cycle", "ebike", "bus", "metro", "car")


@dataclass(frozen=True)
class TravelFactors:
    """Emission factors per mode, trip making and the deterministic mode split."""

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

    def travel_year(self, year: int) -> dict:
        """The `TravelYear` fields of ``year``, per mode in `MODES` order where they differ by mode."""
        return dict(
            ef_g_pkm=(self.ef_walk_cycle_g_pkm.at(year), self.ef_ebike_g_pkm.at(year), self.ef_bus_g_pkm.at(year),
                      self.ef_metro_g_pkm.at(year), self.ef_car_g_pkm.at(year)),
            speed_kmh=(self.speed_walk_cycle_kmh, self.speed_ebike_kmh, self.speed_bus_kmh,
                       self.speed_metro_kmh, self.speed_car_kmh),
            asc=(self.asc_walk_cycle, self.asc_ebike, self.asc_bus, self.asc_metro, self.asc_car),
            density_effect=(self.density_effect_walk_cycle, 0.0, 0.0, 0.0, self.density_effect_car),
            wait_min=(0.0, 0.0, self.wait_bus_min, self.wait_metro_min, self.car_terminal_min),
            beta_per_min=self.mode_beta_per_min, access_walk_kmh=self.access_walk_kmh, bus_stop_km=self.bus_stop_km,
            road_speedup=self.road_speedup, density_ref_hh_ha=self.density_ref_hh_ha, circuity=self.circuity,
            workdays_per_year=self.workdays_per_year, commuters_per_person=self.commuters_per_person,
        )


@dataclass(frozen=True)
class TravelYear:
    """One year's commuting factors (by mode in `MODES` order)."""

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


@register_source
class Commuting(EmissionSource):
    """Home-to-work trips of every household, booked at the home cell."""

    name = "commute"
    label_en = "commute"
    label_zh = "通勤交通"
    colour = "#ff7f0e"
    reads = ("households", "firms", "grid.valid", "grid.roads", "households_per_cell", "transit_km", "tick",
             "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g, hh = state.grid, state.households
        c = commute_emissions(hh.home, hh.work, hh.size, hh.car, hh.located_tick, tick=state.tick,
                              firm_site=state.firms.site, valid=g.valid, hh_count=state.households_per_cell,
                              transit_dist_km=state.transit_km, road=g.roads, cols=g.shape[1],
                              cell_km=g.cell_size_m / 1000.0, modes=ModeSplit.from_year(state.carbon_year))
        shares = c.trips_by_mode / c.commuters if c.commuters > 0 else np.zeros(len(MODES))
        extras = {"commute_km_mean": c.commuter_km / c.commuters if c.commuters > 0 else 0.0,
                  **{f"mode_share_{m}": float(shares[k]) for k, m in enumerate(MODES)}}
        return SourceEmissions(c.new_t + c.stock_t, c.new_t, c.stock_t, c.household_t, cells=hh.home, extras=extras)

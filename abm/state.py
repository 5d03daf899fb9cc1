"""The city state: what the processes of one model share, in one typed container.

Processes never see the `UrbanModel`; the model hands each one a view of this state restricted to
what the process declares (abm.process). Grid layers live in `grid` (abm.grid.LandGrid); agents in the
`households` and `firms` tables (abm.population); everything else a process hands on to the next
(this year's rules, the cells converted, the carbon account) is a field here, so that it is declared,
not set quietly on the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from abm.grid import LandGrid
from abm.population import Firms, Households

if TYPE_CHECKING:
    from abm.access import BlockGrid
    from abm.carbon import CarbonAccount
    from abm.carbon_params import CarbonParameters, CarbonYear
    from abm.development import LandSlack
    from abm.draws import AttributeDraws
    from abm.government import YearRules
    from abm.land_carbon import SinkAccount
    from abm.neighbourhood import LandLedger, Neighbourhood
    from abm.scenario import Scenario

_NO_CELLS = np.empty(0, np.int64)


def _no_cells() -> np.ndarray:
    return _NO_CELLS.copy()


@dataclass
class CityState:
    """Everything the processes read and write, besides the model's own clock and records."""

    grid: LandGrid
    config: Scenario | None = None
    carbon_params: CarbonParameters | None = None
    rng: np.random.Generator | None = None
    # Agents' own attributes (firm size, value added, branch; household size, income, car) come from keyed
    # streams (abm.draws): scenarios that differ in policy draw the same agents (common random numbers).
    draws: AttributeDraws | None = None
    tick: int = 0
    year: int = 0
    households: Households = field(default_factory=Households.empty)
    firms: Firms = field(default_factory=Firms.empty)
    # Firms founded that found no site yet (abm.firms): site -1, ticks those of founding. They wait and try
    # again each year before new firms are drawn; no jobs filled, no value added, no emissions meanwhile.
    firms_waiting: Firms = field(default_factory=Firms.empty)
    # ---- land and plan
    rules: YearRules | None = None              # this year's rules (government)
    built: np.ndarray = field(default_factory=_no_cells)            # sorted flat cells with floor
    converted_cells: np.ndarray = field(default_factory=_no_cells)  # urbanised this tick (development)
    converted_from: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint8))  # their cover before
    afforested_cells: np.ndarray = field(default_factory=_no_cells)  # planted this tick (government)
    ledger: LandLedger | None = None             # block counts of green/urban land, the forest list
    # ---- distances and neighbourhoods
    blocks: BlockGrid | None = None
    neighbourhood: Neighbourhood | None = None
    transit_km: np.ndarray | None = None        # grid: walk to transit
    transit_access: np.ndarray | None = None    # flat bool: transit within reach
    centre_km: np.ndarray | None = None         # flat: distance to a designated centre
    road_km: np.ndarray | None = None           # flat: distance to a road
    # ---- agents' year
    households_per_cell: np.ndarray | None = None
    target_households: float = 0.0
    unhoused: int = 0
    land_slack: LandSlack | None = None          # how hard the quantity levers pressed this tick (development)
    arrivals: int = 0
    leavers: int = 0
    jobs_unplaced: int = 0                       # jobs of the waiting firms (firms_waiting)
    # ---- cohorts: how much of what arrived this tick is growth (point 5; set by the cohort process)
    household_growth_scale: float = 1.0  # net new households / arrivals (<0 when the city shrinks, 0 if none arrive)
    firm_growth_scale: float = 1.0       # net new jobs / jobs of firms founded this tick
    jobs_closed: int = 0                 # jobs of the firms closed this tick (firms)
    # ---- demolition (development): the floor built and demolished this tick, per cell
    construction_cells: np.ndarray = field(default_factory=_no_cells)  # distinct flat cells built on this tick
    construction_m2: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # m2 built by use (res, com, ind)
    demolished_m2: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))    # m2 demolished there, by use
    # ---- carbon
    carbon_year: CarbonYear | None = None       # the year's resolved carbon factors
    sinks: SinkAccount | None = None
    carbon: CarbonAccount | None = None

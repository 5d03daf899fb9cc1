"""Cohorts: how much of what arrived this tick is growth of the city (DESIGN.md 1, point 5).

The net-stock point asks what this year's *growth* adds to emissions. A household that moves is stock
(it keeps its ``arrived_tick``); a household that arrives is new, but when as many leave as arrive
the city has not grown: the arrivals only replace the leavers. So the sources count the emissions of
the agents that arrived this tick (``arrived_tick == tick``) times a growth scale set here:

    household_growth_scale = (arrivals - leavers) / arrivals            (0 when none arrived)
    firm_growth_scale = (jobs founded - jobs closed) / jobs founded     (0 when no firm was founded)

The arrivals stand for the net growth, at their own homes, jobs and modes: with 1,000 arrivals and
800 leavers the new cohort is 200 households' worth of the arrivals' emissions. When more leave than
arrive the scale is negative (the city shrinks: growth removes emissions); with no arrivals there is
no cohort to scale, so the scale is 0 (the leavers' absence shows in the stock). The city the run
starts from is all stock: at tick 0 both scales are 0.

>>> growth_scale(1000, 800), growth_scale(100, 300), growth_scale(0, 50)
(0.2, -2.0, 0.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.process import Process

if TYPE_CHECKING:
    from abm.state import CityState


def growth_scale(arrived: float, left: float) -> float:
    """Net growth over what arrived: (arrived - left) / arrived, 0 when nothing arrived."""
    return (float(arrived) - float(left)) / float(arrived) if arrived > 0 else 0.0


class Cohorts(Process):
    """This tick's growth scales of households and firms, from arrivals, leavers and jobs founded or closed."""

    name = "cohorts"
    reads = ("tick", "arrivals", "leavers", "firms", "jobs_closed")
    writes = ("household_growth_scale", "firm_growth_scale")

    def seed(self, state: CityState) -> None:
        """The start city is stock: nothing of it is this tick's growth."""
        state.household_growth_scale = 0.0
        state.firm_growth_scale = 0.0

    def run_one_step(self, state: CityState, year: int) -> None:
        state.household_growth_scale = growth_scale(state.arrivals, state.leavers)
        f = state.firms
        founded = int(f.jobs[f.arrived_tick == state.tick].sum(dtype=np.int64))
        state.firm_growth_scale = growth_scale(founded, state.jobs_closed)

"""Freight: the road tonne-km that the area's firms generate, and the source that counts them.

Why per value added: goods move because they are made and sold. National road freight turnover per
unit of value added, split between goods production (industry) and distribution (services), gives the
tonne-km a firm's output sets moving; gCO2 per tonne-km of China's road freight, on a declining path,
turns them into CO2, booked at the firm's cell. This counts the road freight of the city's economy
(the fuel a city inventory sees sold to its trucks), not through traffic.

The factors (``freight_*`` keys of ``[carbon]``) are declared in the transport room,
`abm.emissions.transport.FreightFactors` (part of `TravelFactors`), and resolved per year into
`CarbonYear.freight_tkm_per_cny` and `freight_g_per_tkm`; this module is the source, `Freight`.

The new cohort is the freight of firms founded this tick (``arrived_tick == tick``; a firm that
relocates is stock) times the state's ``firm_growth_scale`` (net new jobs per job of the founded
firms), so that new + stock = total.

>>> import numpy as np
>>> r = freight_emissions(np.array([0, 1]), np.array([1, 0]), np.array([10, 10]), np.array([1e5, 1e5]),
...                       np.ones(2, bool), tkm_per_cny=(0.03, 0.14), g_per_tkm=40.0)
>>> [round(float(t), 3) for t in r.firm_t], round(r.tkm / 1e6, 2)     # industry, services: 1 M CNY each
([5.6, 1.2], 0.17)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source


class FreightResult(NamedTuple):
    firm_t: np.ndarray   # tCO2/yr per firm (0 for firms outside the area)
    tkm: float           # road tonne-km/yr
    total_t: float


def freight_emissions(site, sector, jobs, va_per_job, valid, *, tkm_per_cny, g_per_tkm: float) -> FreightResult:
    """tCO2/yr per firm: jobs x value added per job x tkm per CNY of its sector x g per tkm.

    Firms sited outside the area (``valid`` False at their cell) count nothing. Vectorised over firms
    (about 1e5): no per-firm Python loop.
    """
    site = np.asarray(site, np.int64)
    inside = np.asarray(valid, bool).reshape(-1)[site]
    va = np.asarray(jobs, np.float64) * np.asarray(va_per_job, np.float32).astype(np.float64)
    tkm = np.where(inside, va * np.asarray(tkm_per_cny, np.float64)[np.asarray(sector, np.int64)], 0.0)
    t = tkm * (g_per_tkm / 1e6)
    return FreightResult(t, float(tkm.sum()), float(t.sum()))


@register_source
class Freight(EmissionSource):
    """Road freight of the area's firms, booked at each firm's cell."""

    name = "freight"
    label_en = "freight"
    label_zh = "货运交通"
    colour = "#17becf"
    reads = ("firms", "grid.valid", "tick", "carbon_year", "firm_growth_scale")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        f, y = state.firms, state.carbon_year
        r = freight_emissions(f.site, f.sector, f.jobs, f.va_per_job, state.grid.valid,
                              tkm_per_cny=y.freight_tkm_per_cny, g_per_tkm=y.freight_g_per_tkm)
        founded = float(r.firm_t[f.arrived_tick == state.tick].sum())
        new = state.firm_growth_scale * founded
        # a copy of the sites: the firms move theirs in place next tick, and this tick's map must not follow
        return SourceEmissions(r.total_t, new, r.total_t - new, r.firm_t, cells=f.site.copy(),
                               extras={"freight_tkm": r.tkm})

"""Land carbon: what every valid cell removes this year (forest by stand age, other covers by rate).

A process of its own beside the emission sources: the carbon account subtracts its sink from the
sources' emissions, and the sink of the cells planted this tick is the new cohort's (DESIGN.md 1,
point 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abm.grid import LandCover
from abm.kernels.sinks import sink_removals
from abm.process import Process


@dataclass
class SinkAccount:
    """This tick's removals, tCO2/yr (positive = taken up)."""

    sink_t: float          # all valid cells (cropland counts negative)
    sink_new_t: float      # the cells afforested this tick
    cell_t: np.ndarray     # float32 grid-shaped map


class LandCarbon(Process):
    """Removals per cell from land cover and forest age; the planted cells' share is the new cohort."""

    name = "land_carbon"
    reads = ("grid.land_cover", "grid.forest_age", "grid.valid", "afforested_cells", "carbon_year")
    writes = ("sinks",)

    def run_one_step(self, state, year: int) -> None:
        g, y = state.grid, state.carbon_year
        cell_t = np.empty(g.shape, np.float32)
        s = sink_removals(g.land_cover, g.forest_age, g.valid, rate_t_ha=y.sink_t_ha,
                          forest_code=int(LandCover.FOREST), bmax_mgc_ha=y.forest_bmax_mgc_ha,
                          rate_per_yr=y.forest_growth_rate_per_yr, half_age_yr=y.forest_half_age_yr,
                          cell_ha=g.cell_area_m2 / 1e4, out=cell_t)
        planted = np.asarray(state.afforested_cells, np.int64).reshape(-1)
        sink_new = 0.0
        if planted.size:
            if planted.min() < 0 or planted.max() >= cell_t.size:
                raise ValueError(f"afforested_cells holds indices outside 0..{cell_t.size - 1}")
            sink_new = float(cell_t.reshape(-1)[np.unique(planted)].sum(dtype=np.float64))
        state.sinks = SinkAccount(s.sink_t, sink_new, cell_t)

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
from abm.schema import setting


@dataclass(frozen=True)
class LandFactors:
    """Forest growth, removal rates and conversion losses by land cover (``[carbon]`` keys)."""

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

    def land_year(self) -> dict:
        """The `LandYear` fields: rates and losses indexed by LandCover code, the forest curve."""
        sink = [0.0] * (max(LandCover) + 1)
        for cover, rate in ((LandCover.WETLAND, self.sink_wetland_t_ha), (LandCover.GRASSLAND, self.sink_grassland_t_ha),
                            (LandCover.AGRICULTURE, self.sink_cropland_t_ha), (LandCover.WATER, self.sink_water_t_ha),
                            (LandCover.BARREN, self.sink_barren_t_ha), (LandCover.URBAN, self.sink_urban_t_ha)):
            sink[cover] = rate
        conv = [0.0] * (max(LandCover) + 1)
        for cover, loss in ((LandCover.FOREST, self.conversion_forest_t_ha),
                            (LandCover.WETLAND, self.conversion_wetland_t_ha),
                            (LandCover.GRASSLAND, self.conversion_grassland_t_ha),
                            (LandCover.AGRICULTURE, self.conversion_cropland_t_ha),
                            (LandCover.BARREN, self.conversion_barren_t_ha), (LandCover.WATER, self.conversion_water_t_ha)):
            conv[cover] = loss
        return dict(sink_t_ha=tuple(sink), forest_bmax_mgc_ha=self.forest_bmax_mgc_ha,
                    forest_growth_rate_per_yr=self.forest_growth_rate_per_yr,
                    forest_half_age_yr=self.forest_half_age_yr, conversion_t_ha=tuple(conv))


@dataclass(frozen=True)
class LandYear:
    """Land factors as the kernels take them (forest entry of ``sink_t_ha`` unused: it follows the curve)."""

    sink_t_ha: tuple[float, ...]
    forest_bmax_mgc_ha: float
    forest_growth_rate_per_yr: float
    forest_half_age_yr: float
    conversion_t_ha: tuple[float, ...]


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

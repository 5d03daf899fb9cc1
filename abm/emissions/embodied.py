"""Embodied carbon: materials and construction of the floor built this tick, and the demolition it replaces.

A room of the carbon account (docs/architecture.md): `EmbodiedFactors` are the ``[carbon]`` keys
(kgCO2 per m2 of new floor by building type, per m2 demolished, and how much of a renewal project
replaces old floor), `EmbodiedYear` what one year resolves them to, and `EmbodiedCarbon` the source.

Why: a planner weighing stock renewal against greenfield growth needs both sides' one-off carbon.
Renewal pays demolition + the embodied carbon of what it builds; greenfield pays the embodied carbon
+ the land conversion (the ``conversion`` source). Everything here is booked in the tick the floor is
built or demolished, all of it in the new cohort (DESIGN.md 1: "new floor's ... embodied carbon").
Development (abm.development) records the floor built and demolished per cell this tick in
`CityState.construction_cells`, ``construction_m2`` and ``demolished_m2``; the type of new housing
(low/multi-storey or high-rise) follows the cell's floor-area ratio after construction, as for
operation (abm.kernels.buildings).

>>> EmbodiedFactors().embodied_year(2030)["embodied_kgco2_m2"]
(250.0, 350.0, 400.0, 250.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.buildings import highrise_share
from abm.paths import YearPath
from abm.schema import setting

_C = YearPath.constant


@dataclass(frozen=True)
class EmbodiedFactors:
    """Embodied carbon of new floor by type, of demolition, and how renewal replaces old floor."""

    # --- embodied carbon of construction and demolition ---------------------------------------------
    embodied_residential_lowrise_kgco2_m2: YearPath = setting(
        _C(250.0), lo=0.0, hi=2000.0, unit="kgCO2/m2",
        doc="materials and construction of new low/multi-storey housing (masonry or light frame)",
        source="derived: national mean of new floor about 250 (Zhang et al. 2019 Energy Policy 134:110949; "
        "reference band 200-600); structure type drives it, masonry lowest")
    embodied_residential_highrise_kgco2_m2: YearPath = setting(
        _C(350.0), lo=0.0, hi=2000.0, unit="kgCO2/m2",
        doc="same for high-rise housing (reinforced-concrete shear walls, deep foundations, basements)",
        source="derived: within the building-LCA band 300-600 (reference band 200-600); more concrete and "
        "steel per m2 than multi-storey (Zhang et al. 2019)")
    embodied_public_kgco2_m2: YearPath = setting(
        _C(400.0), lo=0.0, hi=2000.0, unit="kgCO2/m2",
        doc="same for commercial and public floor (concrete or steel frames, facades, building services)",
        source="derived: within the building-LCA band 300-600 for office and public buildings "
        "(reference band 200-600)")
    embodied_industrial_kgco2_m2: YearPath = setting(
        _C(250.0), lo=0.0, hi=2000.0, unit="kgCO2/m2",
        doc="same for industrial floor (mostly single-storey steel portal frames)",
        source="assumption: light steel sheds near the national mean of new floor (reference band 200-600)")
    demolition_kgco2_m2: YearPath = setting(
        _C(40.0), lo=0.0, hi=500.0, unit="kgCO2/m2",
        doc="demolishing old floor: machinery and hauling the waste to landfill, no recycling credit",
        source="assumption: end of life (GB/T 51366-2019 demolition stage) is about 1-3% of a 50-year "
        "building life cycle of 2-4 tCO2/m2 in Chinese building LCAs")
    # --- how stock renewal replaces old floor (read by development) ----------------------------------
    renewal_replace_share: float = setting(
        0.4, lo=0.0, hi=0.9, unit="share",
        doc="share of the floor a renewal project builds that replaces demolished old floor (the rest is "
        "added on top); demolition is capped by demolition_cap_share",
        source="assumption: redeveloping old low-density stock (floor-area ratio about 1) to about 2.5 "
        "demolishes 0.4 m2 per m2 built")
    demolition_cap_share: float = setting(
        0.2, lo=0.0, hi=1.0, unit="share/yr",
        doc="at most this share of a cell's existing floor is demolished in one year",
        source="MOHURD 2021 notice on preventing large-scale demolition in urban renewal: demolished floor "
        "of a renewal unit in principle at most 20% of the existing floor")
    demolition_min_age_years: float = setting(
        20.0, lo=0.0, hi=200.0, unit="years",
        doc="floor younger than this (floor-weighted mean construction year) is never demolished",
        source="assumption: Chinese buildings are demolished after about 30 years on average, rarely "
        "before 20")

    # --- roads built with new urban land (read by abm.emissions.roads) ---------------------------
    road_share_new_land: float = setting(
        0.15, lo=0.0, hi=0.5, unit="share",
        doc="share of newly urbanised land paved as roads (carriageway and pavements), built with it; "
        "renewal reuses the roads already there",
        source="GB 50137-2011: roads and transport facilities take 10-25% of urban construction land; 0.15 "
        "near the low end, as part of that land (stations, depots, squares) is not road")
    road_embodied_kgco2_m2: YearPath = setting(
        _C(200.0), lo=0.0, hi=1000.0, unit="kgCO2/m2",
        doc="materials and construction of a m2 of road (earthworks, base, pavement); bridges, and the "
        "pipes and cables under the road, not counted",
        source="derived: Wang et al. 2015 J. Clean. Prod. 103:705-714, road sections of four highways in "
        "south-west China 5,229 kgCO2 per metre, over an assumed 26 m four-lane roadbed (no band in the "
        "reference table)")

    def embodied_year(self, year: int) -> dict:
        """The `EmbodiedYear` fields of ``year``."""
        by_type = (self.embodied_residential_lowrise_kgco2_m2, self.embodied_residential_highrise_kgco2_m2,
                   self.embodied_public_kgco2_m2, self.embodied_industrial_kgco2_m2)
        return dict(embodied_kgco2_m2=tuple(p.at(year) for p in by_type),
                    demolition_kgco2_m2=self.demolition_kgco2_m2.at(year),
                    road_kgco2_per_m2_land=self.road_share_new_land * self.road_embodied_kgco2_m2.at(year))


@dataclass(frozen=True)
class EmbodiedYear:
    """One year's embodied factors: kgCO2 per m2 of new floor (residential low-rise, high-rise, commercial
    and public, industrial), per m2 demolished, and of the roads per m2 of new urban land."""

    embodied_kgco2_m2: tuple[float, float, float, float]
    demolition_kgco2_m2: float
    road_kgco2_per_m2_land: float   # roads' embodied carbon per m2 of newly urbanised land


@register_source
class EmbodiedCarbon(EmissionSource):
    """Embodied carbon of this tick's new floor and demolition, booked where it was built (all new cohort).

    Time-series columns beside the total: the construction and demolition parts, the renewal and
    greenfield parts (renewal: on cells urban before this tick, demolition included; greenfield: on
    cells urbanised this tick) and the floor each built or demolished, so the two can be compared
    per m2 (greenfield's land conversion is the ``conversion`` source).
    """

    name = "embodied"
    label_en = "embodied (construction)"
    label_zh = "建材与施工隐含碳"
    colour = "#e377c2"
    reads = ("construction_cells", "construction_m2", "demolished_m2", "converted_cells", "grid.valid",
             "grid.floor_residential", "grid.floor_commercial", "grid.floor_industrial", "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g, y = state.grid, state.carbon_year
        cells = np.asarray(state.construction_cells, np.int64)
        inside = g.valid.ravel()[cells]
        built = np.where(inside[:, None], state.construction_m2, 0.0)
        demolished = np.where(inside[:, None], state.demolished_m2, 0.0)
        floor = (g.floor_residential.ravel()[cells].astype(np.float64) + g.floor_commercial.ravel()[cells]
                 + g.floor_industrial.ravel()[cells])
        c = y.building_coefficients
        high = highrise_share(floor / g.cell_area_m2, c.highrise_far_low, c.highrise_far_high)
        low_rise, high_rise, public, industrial = y.embodied_kgco2_m2
        construction_t = (built[:, 0] * (low_rise + (high_rise - low_rise) * high) + built[:, 1] * public
                          + built[:, 2] * industrial) / 1000.0
        demolition_t = demolished.sum(axis=1) * y.demolition_kgco2_m2 / 1000.0
        cell_t = construction_t + demolition_t
        green = np.isin(cells, state.converted_cells)
        floor_built = built.sum(axis=1)
        extras = {"embodied_construction_t": float(construction_t.sum()),
                  "embodied_demolition_t": float(demolition_t.sum()),
                  "embodied_renewal_t": float(cell_t[~green].sum()),
                  "embodied_greenfield_t": float(cell_t[green].sum()),
                  "floor_built_m2": float(floor_built.sum()),
                  "floor_built_renewal_m2": float(floor_built[~green].sum()),
                  "floor_built_greenfield_m2": float(floor_built[green].sum()),
                  "floor_demolished_m2": float(demolished.sum())}
        total = float(cell_t.sum())
        return SourceEmissions(total, total, 0.0, cell_t, cells=cells, extras=extras)

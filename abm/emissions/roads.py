"""Roads built with new urban land: their materials and construction, booked where the land was urbanised.

Why: greenfield growth builds streets as well as floor, and a city that grows outwards builds more of
them; without them sprawl's one-off carbon is understated against renewal, which reuses the streets it
has. Each cell urbanised this tick gets ``road_share_new_land`` of its area as road, at
``road_embodied_kgco2_m2`` (both ``[carbon]`` keys of the embodied room, `abm.emissions.embodied`). All
of it is new cohort. Not counted: bridges, and the utility networks (water, drainage, gas, heat,
power) under the roads, for which no Chinese per-hectare factor was found to cite.

>>> float(road_emissions_t(np.array([True, True, False]), cell_area_m2=10_000.0, kgco2_per_m2_land=30.0).sum())
600.0
"""

from __future__ import annotations

import numpy as np

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source


def road_emissions_t(inside: np.ndarray, *, cell_area_m2: float, kgco2_per_m2_land: float) -> np.ndarray:
    """tCO2 of the roads on each newly urbanised cell (0 for cells outside the area)."""
    return np.where(inside, cell_area_m2 * kgco2_per_m2_land / 1000.0, 0.0)


@register_source
class RoadConstruction(EmissionSource):
    """Embodied carbon of the roads on land urbanised this tick (all new cohort)."""

    name = "roads"
    label_en = "roads (construction)"
    label_zh = "道路建设隐含碳"
    colour = "#c7c7c7"
    reads = ("converted_cells", "grid.valid", "carbon_year", "carbon_params")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        cells = np.asarray(state.converted_cells, np.int64).reshape(-1)
        g = state.grid
        inside = g.valid.ravel()[cells]
        cell_t = road_emissions_t(inside, cell_area_m2=g.cell_area_m2,
                                  kgco2_per_m2_land=state.carbon_year.road_kgco2_per_m2_land)
        total = float(cell_t.sum())
        roads_m2 = float(np.count_nonzero(inside)) * g.cell_area_m2 * state.carbon_params.road_share_new_land
        return SourceEmissions(total, total, 0.0, cell_t, cells=cells, extras={"roads_built_m2": roads_m2})

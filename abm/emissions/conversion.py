"""Land conversion: the one-off carbon loss of cells urbanised this tick (factors: abm.land_carbon)."""

from __future__ import annotations

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.conversion import conversion_loss


@register_source
class LandConversion(EmissionSource):
    """The one-off loss of biomass and soil carbon of cells urbanised this tick (all of it new)."""

    name = "conversion"
    label_en = "land conversion"
    label_zh = "土地转换"
    colour = "#bcbd22"
    reads = ("converted_cells", "converted_from", "grid.valid", "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        g = state.grid
        conv = conversion_loss(state.converted_cells, state.converted_from, g.valid,
                               loss_t_ha=state.carbon_year.conversion_t_ha, cell_ha=g.cell_area_m2 / 1e4)
        return SourceEmissions(conv.loss_t, conv.loss_t, 0.0, conv.cell_loss_t, cells=state.converted_cells)

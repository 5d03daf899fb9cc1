"""Land conversion: the carbon a cell loses when its class changes this tick (stocks: abm.land_carbon)."""

from __future__ import annotations

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.land_carbon import conversion_of, tables_of


@register_source
class LandConversion(EmissionSource):
    """The stock a cell held before it was urbanised this tick minus what it keeps: its biomass and dead
    matter, and the share of its soil carbon lost on sealing (all of it new)."""

    name = "conversion"
    label_en = "land conversion"
    label_zh = "土地转换"
    colour = "#bcbd22"
    reads = ("converted_cells", "converted_from", "grid.valid", "grid.land_cover", "carbon_year", "carbon_params",
             "config", "sinks")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        stock = state.sinks.stock if state.sinks is not None else None
        pools = stock.pools if stock is not None else tables_of(state)[0]
        conv = conversion_of(state, pools, stock)
        return SourceEmissions(conv.loss_t, conv.loss_t, 0.0, conv.cell_loss_t, cells=state.converted_cells)

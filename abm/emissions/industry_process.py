"""Industrial processes: CO2 released by the production process itself, not by burning fuel.

Cement clinker and lime are made by calcining carbonates (CaCO3 -> CaO + CO2), steel takes carbonate
fluxes and coke as a reductant, chemicals (ammonia, soda ash) release CO2 from their feedstock: about a
tenth of a Chinese city's CO2 (Wang et al. 2012: 3-15%). A planner's levers on it differ from energy's
(a greener grid does nothing for a kiln: clinker substitution, less cement, moving heavy industry out),
so it is its own source, shown apart from industrial energy in the charts.

Per firm: value added x process CO2 per value added of its branch (`IndustryFactors`
``industry_process_*_tco2_per_10k_cny`` x ``industry_process_index``), booked at the firm's cell; the
new cohort is the process CO2 of firms founded this tick times ``firm_growth_scale``, as for energy.
Counted only with ``industry_enabled``.
"""

from __future__ import annotations

from abm.emissions.industry import firm_emissions, firm_map
from abm.emissions.registry import EmissionSource, SourceEmissions, register_source


@register_source
class IndustrialProcesses(EmissionSource):
    """Process CO2 of the area's firms (cement, lime, steel, chemicals), by branch per unit of value added."""

    name = "industry_process"
    label_en = "industrial processes"
    label_zh = "工业过程"
    colour = "#c49c94"
    reads = ("firms", "grid.valid", "tick", "carbon_year", "firm_growth_scale")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        r = firm_emissions(state, state.carbon_year.industry_process_tco2_per_cny)
        cells, values = firm_map(state.firms.site, r.firm_t)  # the heavy firms, when industry is on
        return SourceEmissions(r.emissions_t, r.new_t, r.stock_t, values, cells=cells)

"""Industry: energy per unit of value added of the area's firms, its factors and the source.

A room of the carbon account (docs/architecture.md): `IndustryFactors` (``[carbon]`` keys),
`IndustryYear` (one year's resolved factors) and `IndustryProcess` (the source, which also reports GDP).
"""

from __future__ import annotations

from dataclasses import dataclass

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.industry import industry_emissions
from abm.paths import YearPath
from abm.population import SECTORS
from abm.schema import setting


def _path(table: dict[int, float]) -> YearPath:
    years = sorted(table)
    return YearPath(tuple(years), tuple(float(table[y]) for y in years))


_C = YearPath.constant


@dataclass(frozen=True)
class IndustryFactors:
    """Energy per value added by sector, its electricity share and fossil factor."""

    # --- industry -------------------------------------------------------------------------------
    industry_enabled: bool = setting(
        False, unit="bool",
        doc="count firms' process energy (sector intensity x value added)",
        source="scenario switch (DESIGN.md 3: industry is optional)")
    industry_tce_per_10k_cny: YearPath = setting(
        _path({2020: 1.0, 2030: 0.75, 2060: 0.33}), lo=0.0, hi=50.0, unit="tce/10k CNY",
        doc="process energy per value added of 'industry' firms",
        source="derived: China Statistical Yearbook 2021 (industry ~3.3 Gtce / value added 31.3 trn CNY in "
        "2020), falling ~2.9%/yr (14th Five-Year Plan: -13.5% per 5 years)")
    services_tce_per_10k_cny: YearPath = setting(
        _C(0.0), lo=0.0, hi=50.0, unit="tce/10k CNY",
        doc="energy per value added of 'services' firms beyond their buildings",
        source="assumption: services' energy is their floor (buildings)")
    industry_electric_share: YearPath = setting(
        _path({2022: 0.27, 2060: 0.60}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of industry process energy",
        source="assumption: electricity about a quarter of industrial final energy in 2020 (kgce basis)")
    industry_fossil_kgco2_per_kgce: float = setting(
        2.6, lo=0.0, hi=4.0, unit="kgCO2/kgce",
        doc="non-electric industrial energy",
        source="derived: 0.8 coal 2.74 + 0.2 oil 2.14 (NDRC ERI factors)")

    def industry_year(self, year: int, elec: float) -> dict:
        """The `IndustryYear` fields of ``year``: kgce per CNY by sector code and kgCO2 per kgce."""
        by_sector = [0.0] * (max(SECTORS.values()) + 1)
        by_sector[SECTORS["industry"]] = self.industry_tce_per_10k_cny.at(year) * 0.1  # tce/1e4 CNY -> kgce/CNY
        by_sector[SECTORS["services"]] = self.services_tce_per_10k_cny.at(year) * 0.1
        e_ind = self.industry_electric_share.at(year)
        return dict(industry_enabled=bool(self.industry_enabled), industry_kgce_per_cny=tuple(by_sector),
                    industry_kgco2_per_kgce=e_ind * elec + (1.0 - e_ind) * self.industry_fossil_kgco2_per_kgce)


@dataclass(frozen=True)
class IndustryYear:
    """One year's industry factors (by sector code: abm.population.SECTORS)."""

    industry_enabled: bool
    industry_kgce_per_cny: tuple[float, ...]
    industry_kgco2_per_kgce: float


@register_source
class IndustryProcess(EmissionSource):
    """Industrial energy and process emissions per unit of value added, booked at the firm's site.

    Also reports the area's GDP (value added of its firms), which the account needs for intensity.
    """

    name = "industry"
    label_en = "industry"
    label_zh = "工业"
    colour = "#8c564b"
    reads = ("firms", "grid.valid", "tick", "carbon_year")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        f, y = state.firms, state.carbon_year
        intensity = y.industry_kgce_per_cny if y.industry_enabled else (0.0,) * len(y.industry_kgce_per_cny)
        ind = industry_emissions(f.site, f.sector, f.jobs, f.va_per_job, f.located_tick, state.grid.valid,
                                 tick=state.tick, kgce_per_cny=intensity, kgco2_per_kgce=y.industry_kgco2_per_kgce)
        cells = f.site if y.industry_enabled else f.site[:0]
        values = ind.firm_t if y.industry_enabled else ind.firm_t[:0]
        return SourceEmissions(ind.emissions_t, ind.new_t, ind.stock_t, values, cells=cells,
                               extras={"gdp_cny": ind.gdp_cny, "energy_industry_tce": ind.energy_kgce / 1000.0})

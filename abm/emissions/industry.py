"""Industry: energy and process CO2 per unit of value added of the area's firms, by branch.

A room of the carbon account (docs/architecture.md): `IndustryFactors` (``[carbon]`` keys),
`IndustryYear` (one year's resolved factors) and `IndustryEnergy` (the energy source, which also
reports GDP); the process source, `abm.emissions.industry_process`, reads the same room.

Why by branch: per unit of value added, cement kilns, blast furnaces and chemical plants burn ten times
what an electronics or machinery plant does, and only they release process CO2 (carbonates calcined,
coke as a reductant). So an industry firm belongs to a branch (abm.population.BRANCHES: heavy, light,
high_tech), drawn with the city's value-added shares (PopulationConfig), and its CO2 is its value added
x the branch's energy per value added x the branch's carbon per kgce (electric share at the grid
factor, the rest fossil), plus its process CO2 per value added. Intensities are the 2020 level x a
declining index (14th Five-Year Plan: energy per unit of industrial value added -13.5% 2020-2025).

Industrial floor counts no building energy while industry is enabled (abm.emissions.buildings): the
energy per value added here is all the energy a firm uses, its buildings' lighting, heating and
cooling included, as industrial energy statistics count it. Services firms' energy is their floor
(the buildings source) unless ``services_tce_per_10k_cny`` adds equipment beyond it.

>>> y = IndustryFactors().industry_year(2020, elec=1.756)
>>> [round(x, 3) for x in y["industry_kgce_per_cny"]]       # services, heavy, light, high-tech
[0.0, 0.24, 0.055, 0.025]
>>> round(y["industry_process_tco2_per_cny"][1] * 1e4, 2)   # heavy: t per 10k CNY
1.3
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abm.emissions.registry import EmissionSource, SourceEmissions, register_source
from abm.kernels.industry import industry_emissions
from abm.paths import YearPath
from abm.population import BRANCHES, INDUSTRY_BRANCHES
from abm.schema import setting



_C = YearPath.constant

_MIX = ("derived: the five energy-intensive manufacturing branches (metals, non-metallic minerals, chemicals, "
        "refining) emitted ~3.1 GtCO2 from fuels (CEADs, Shan et al. 2020 Sci. Data 7:54) and used ~2 trillion kWh "
        "(CEC 2020) on ~7.5 trillion CNY of value added (about a quarter of industry's 31.3 trillion, China "
        "Statistical Yearbook 2021): ~1.8 Gtce with electricity at 0.3055 kgce/kWh")
_REST = ("derived: the rest of manufacturing (~17 trillion CNY of value added) used ~0.15 Gtce of fuels (CEADs, Shan "
         "et al. 2020) and ~1.8 trillion kWh (CEC 2020): ~0.7 Gtce, 0.4 tce per 10k CNY, three quarters electricity")
_INCL = "; includes the firms' buildings (industrial statistics do not separate them)"


@dataclass(frozen=True)
class IndustryFactors:
    """Energy and process CO2 per value added by branch, electricity shares, the declining paths."""

    # --- industry -------------------------------------------------------------------------------
    industry_enabled: bool = setting(
        True, unit="bool",
        doc="count industrial energy and process CO2 (firms' value added x branch factors); when false, industrial "
            "floor is counted as buildings instead",
        source="Wang et al. 2012 Atmos. Chem. Phys. 12:6197: industrial energy 50-75% and processes 3-15% of Chinese "
               "cities' CO2")
    industry_heavy_tce_per_10k_cny: float = setting(
        2.4, lo=0.0, hi=50.0, unit="tce/10k CNY",
        doc="2020 energy per value added of heavy industry (cement and other non-metallic minerals, iron and steel, "
            "non-ferrous metals, chemicals, refining), electricity at power-generation coal equivalent (kwh_kgce)",
        source=_MIX + " -> 2.4 tce per 10k CNY" + _INCL)
    industry_light_tce_per_10k_cny: float = setting(
        0.55, lo=0.0, hi=50.0, unit="tce/10k CNY",
        doc="2020 energy per value added of light manufacturing (food, textiles, paper, wood, plastics)",
        source=_REST + "; light (more process heat) 0.55, high-tech 0.25 (value-added weighted ~0.4)" + _INCL)
    industry_high_tech_tce_per_10k_cny: float = setting(
        0.25, lo=0.0, hi=50.0, unit="tce/10k CNY",
        doc="2020 energy per value added of high-tech and equipment manufacturing",
        source=_REST + "; high-tech and equipment (mostly electric motors and assembly) 0.25" + _INCL)
    industry_energy_index: YearPath = setting(
        YearPath.of({2020: 1.0, 2025: 0.865, 2030: 0.75, 2060: 0.33}), lo=0.0, hi=5.0, unit="x 2020 level",
        doc="energy per value added of every industrial branch relative to 2020",
        source="MIIT 14th Five-Year Plan for industrial green development (2021): energy per unit of industrial "
               "value added -13.5% 2020-2025; the same pace to 2030 (0.865^2); 0.33 in 2060 is an assumption (~-2.7%/yr)")
    services_tce_per_10k_cny: YearPath = setting(
        _C(0.0), lo=0.0, hi=50.0, unit="tce/10k CNY",
        doc="energy per value added of services firms beyond their buildings (counted as electricity: equipment, "
            "data centres, cold stores)",
        source="assumption: services' energy is their floor (buildings source)")
    industry_heavy_electric_share: YearPath = setting(
        YearPath.of({2020: 0.34, 2060: 0.70}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of heavy industry's energy (kgce at power-generation coal equivalent)",
        source=_MIX + " of which ~0.6 Gtce electricity (0.34); 2060: assumption (electric furnaces, scrap-based steel)")
    industry_light_electric_share: YearPath = setting(
        YearPath.of({2020: 0.60, 2060: 0.90}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of light manufacturing's energy (same basis)",
        source=_REST + "; light 0.60; 2060: assumption (heat pumps and electric boilers for process heat)")
    industry_high_tech_electric_share: YearPath = setting(
        YearPath.of({2020: 0.85, 2060: 1.0}), lo=0.0, hi=1.0, unit="share",
        doc="electricity share of high-tech and equipment manufacturing's energy (same basis)",
        source=_REST + "; high-tech 0.85; 2060: assumption (fully electric)")
    industry_fossil_kgco2_per_kgce: float = setting(
        2.6, lo=0.0, hi=4.0, unit="kgCO2/kgce",
        doc="non-electric industrial energy",
        source="derived: 0.8 coal 2.74 + 0.2 oil 2.14 (NDRC ERI factors)")
    # --- industrial processes -------------------------------------------------------------------
    industry_process_heavy_tco2_per_10k_cny: float = setting(
        1.3, lo=0.0, hi=20.0, unit="tCO2/10k CNY",
        doc="2020 process CO2 (not from fuel: clinker and lime calcined, carbonate fluxes, coke as a reductant beyond "
            "its fuel value, ammonia and soda ash) per value added of heavy industry",
        source="derived: China's industrial process CO2 ~1.0-1.3 Gt around 2018-2020 (cement alone ~0.75 Gt: Andrew "
               "2019 ESSD 11:1675; China's Second Biennial Update Report (2018): industrial processes 1.7 GtCO2e in "
               "2014, mostly CO2) over the ~7.5 trillion CNY of value added of the heavy branches: 1.3-1.7; the low end "
               "(cement output fell 10% in 2022, NBS)")
    industry_process_light_tco2_per_10k_cny: float = setting(
        0.0, lo=0.0, hi=20.0, unit="tCO2/10k CNY",
        doc="2020 process CO2 per value added of light manufacturing",
        source="IPCC 2006 Guidelines vol. 3: process CO2 comes from mineral, chemical and metal industries (all in "
               "the heavy branch)")
    industry_process_high_tech_tco2_per_10k_cny: float = setting(
        0.0, lo=0.0, hi=20.0, unit="tCO2/10k CNY",
        doc="2020 process CO2 per value added of high-tech and equipment manufacturing (its fluorinated gases are "
            "not CO2)",
        source="IPCC 2006 Guidelines vol. 3: process CO2 comes from mineral, chemical and metal industries")
    industry_process_index: YearPath = setting(
        YearPath.of({2020: 1.0, 2030: 0.8, 2060: 0.4}), lo=0.0, hi=5.0, unit="x 2020 level",
        doc="process CO2 per value added of every branch relative to 2020",
        source="assumption: CO2 per tonne of clinker is fixed by chemistry (~0.52 t), so the fall per value added "
               "comes from less clinker per tonne of cement and more value per tonne; slower than the -18% of CO2 "
               "per unit of industrial value added 2020-2025 in MIIT's 14th Five-Year industrial green plan")

    def industry_year(self, year: int, elec: float) -> dict:
        """The `IndustryYear` fields of ``year``, tuples indexed by branch code (abm.population.BRANCHES)."""
        n = max(BRANCHES.values()) + 1
        kgce, tco2, process = [0.0] * n, [0.0] * n, [0.0] * n
        e_index, p_index = self.industry_energy_index.at(year), self.industry_process_index.at(year)
        fossil = self.industry_fossil_kgco2_per_kgce
        for b in INDUSTRY_BRANCHES:
            code = BRANCHES[b]
            kgce[code] = getattr(self, f"industry_{b}_tce_per_10k_cny") * e_index * 0.1  # tce/1e4 CNY -> kgce/CNY
            share = getattr(self, f"industry_{b}_electric_share").at(year)
            tco2[code] = kgce[code] * (share * elec + (1.0 - share) * fossil) / 1000.0
            process[code] = getattr(self, f"industry_process_{b}_tco2_per_10k_cny") * p_index * 1e-4
        services = BRANCHES["services"]
        kgce[services] = self.services_tce_per_10k_cny.at(year) * 0.1
        tco2[services] = kgce[services] * elec / 1000.0
        return dict(industry_enabled=bool(self.industry_enabled), industry_kgce_per_cny=tuple(kgce),
                    industry_tco2_per_cny=tuple(tco2), industry_process_tco2_per_cny=tuple(process))


@dataclass(frozen=True)
class IndustryYear:
    """One year's industry factors, by branch code (abm.population.BRANCHES)."""

    industry_enabled: bool
    industry_kgce_per_cny: tuple[float, ...]          # energy per value added
    industry_tco2_per_cny: tuple[float, ...]          # energy CO2 per value added
    industry_process_tco2_per_cny: tuple[float, ...]  # process CO2 per value added


def firm_emissions(state, tco2_per_cny, kgce_per_cny=None):
    """Industry kernel over the state's firms: CO2 (and energy) per value added by branch, founded x growth scale.

    Shared by the energy and process sources; all zeros when industry is disabled (GDP is still summed).
    """
    f, y = state.firms, state.carbon_year
    zeros = (0.0,) * len(tco2_per_cny)
    on = y.industry_enabled
    kgce = kgce_per_cny if on and kgce_per_cny is not None else zeros
    return industry_emissions(f.site, f.branch, f.jobs, f.va_per_job, f.arrived_tick, state.grid.valid,
                              tick=state.tick, kgce_per_cny=kgce, tco2_per_cny=tco2_per_cny if on else zeros,
                              growth_scale=state.firm_growth_scale)


def firm_map(site, firm_t):
    """(cells, values) of the firms that emit: the sparse map of a firm source.

    Fancy indexing copies the sites, so the map does not follow firms that move next tick; firms with
    nothing to book (services, or every firm with industry off) are left out of the map.
    """
    emitting = np.flatnonzero(firm_t)
    return site[emitting], firm_t[emitting]


@register_source
class IndustryEnergy(EmissionSource):
    """Industrial energy CO2 (fuels and electricity, buildings included) per unit of value added, at each firm.

    Also reports the area's GDP (value added of all its firms), which the account needs for intensity,
    industry's value added and energy, and energy CO2 by branch.
    """

    name = "industry"
    label_en = "industrial energy"
    label_zh = "工业能源"
    colour = "#8c564b"
    reads = ("firms", "grid.valid", "tick", "carbon_year", "firm_growth_scale")

    def run_one_step(self, state, year: int) -> SourceEmissions:
        f, y = state.firms, state.carbon_year
        r = firm_emissions(state, y.industry_tco2_per_cny, y.industry_kgce_per_cny)
        industrial = [BRANCHES[b] for b in INDUSTRY_BRANCHES]
        extras = {"gdp_cny": r.gdp_cny, "industry_value_added_cny": float(r.va_by_branch[industrial].sum()),
                  "energy_industry_tce": r.energy_kgce / 1000.0}
        extras.update({f"industry_{b}_t": float(r.t_by_branch[BRANCHES[b]]) for b in INDUSTRY_BRANCHES})
        cells, values = firm_map(f.site, r.firm_t)
        return SourceEmissions(r.emissions_t, r.new_t, r.stock_t, values, cells=cells, extras=extras)

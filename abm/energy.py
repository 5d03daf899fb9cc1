"""Energy carriers shared by every source: the grid's emission factor path, local renewables, and the
factors that turn kgce of electricity or fossil fuel into kgCO2.

>>> f = EnergyFactors()
>>> round(f.electricity_kgco2_per_kgce(2022), 3)
1.756
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from abm.paths import YearPath
from abm.schema import setting



_C = YearPath.constant


@dataclass(frozen=True)
class EnergyFactors:
    """Carrier factors (a room of `abm.carbon_params.CarbonParameters`: ``[carbon]`` keys)."""

    grid_factor_kg_per_kwh: YearPath = setting(
        YearPath.of({2022: 0.5366, 2030: 0.40, 2050: 0.08, 2060: 0.0}), lo=0.0, hi=2.0, unit="kgCO2/kWh",
        doc="grid electricity emission factor",
        source="MEE 2024 (national grid average 2022) + scenario path to ~0 in 2060")
    renewables_share: YearPath = setting(
        _C(0.0), lo=0.0, hi=1.0, unit="share",
        doc="share of building electricity from local zero-carbon supply beyond the grid mix",
        source="scenario lever (0 = grid mix only)")
    kwh_kgce: float = setting(
        0.3055, lo=0.01, hi=1.0, unit="kgce/kWh",
        doc="converts electricity kWh to kgce: electricity kgCO2/kgce = grid factor / kwh_kgce",
        source="CEC: average coal use of thermal power supply 305.5 gce/kWh (2020); CABEE counts building "
        "electricity on this power-generation-coal basis (0.1229 = calorific equivalent, GB/T 2589-2020)")
    fossil_kgco2_per_kgce: float = setting(
        2.3, lo=0.0, hi=4.0, unit="kgCO2/kgce",
        doc="non-electric building energy (district heat, gas); DESIGN range 2.0-2.7",
        source="derived: 0.6 coal heat x 2.74 + 0.4 gas x 1.63 (NDRC ERI 0.7476 / 0.4435 tC/tce x 44/12)")
    def electricity_kgco2_per_kgce(self, year: int) -> float:
        """Grid electricity per kgce, net of local renewables: grid factor / kgce per kWh x (1 - share)."""
        return (self.grid_factor_kg_per_kwh.at(year) / self.kwh_kgce) * (1.0 - self.renewables_share.at(year))


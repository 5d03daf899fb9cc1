"""Carbon factors: every number the carbon kernels use, with its unit, range and source.

DESIGN.md section 4 gives the starting values; a scenario overrides any of them under ``[carbon]``
(numbers, or ``{year = value}`` tables for the ones that change by year). Each factor is declared once,
as an `abm.schema.setting` (default, unit, allowed range, meaning, source) in the room of the carbon
account it belongs to: `abm.energy` (carriers), `abm.emissions.buildings`, `abm.emissions.industry`,
`abm.emissions.transport` (passengers and freight) and `abm.land_carbon`. `CarbonParameters` gathers the
rooms into the one ``[carbon]`` table; `from_dict` checks and ``docs/parameters.md`` (see
`parameters_markdown`) both read those declarations, so a factor cannot exist undocumented. `CarbonYear`
gathers what each room resolves for one year.

Units: energy in kgce (kg of standard coal equivalent, 29.3 MJ), emissions in kgCO2 or tCO2, areas
in m2 of floor or ha of land, passenger-km (pkm) for commuting, CNY for value added.

>>> p = CarbonParameters()
>>> round(p.grid_factor_kg_per_kwh.at(2022), 4), p.new_build_factor(2030, "residential")
(0.5366, 0.7)
>>> CarbonParameters.from_dict({"ef_car_g_pkm": 100}).ef_car_g_pkm.at(2030)
100.0
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from abm.emissions.buildings import BuildingFactors, BuildingYear
from abm.emissions.transport import MODES, TravelFactors, TravelYear
from abm.emissions.embodied import EmbodiedFactors, EmbodiedYear
from abm.emissions.industry import IndustryFactors, IndustryYear
from abm.energy import EnergyFactors
from abm.land_carbon import LandFactors, LandYear
from abm.paths import YearPath
from abm.schema import build, fields_of

__all__ = ["MODES", "CarbonParameters", "CarbonYear", "parameters_markdown"]


@dataclass(frozen=True)
class CarbonYear(LandYear, TravelYear, IndustryYear, EmbodiedYear, BuildingYear):
    """The scalar factors of one year, as the kernels take them (tuples index by use, mode or class)."""

    year: int
    electricity_kgco2_per_kgce: float


@dataclass(frozen=True)
class CarbonParameters(LandFactors, TravelFactors, IndustryFactors, EnergyFactors, EmbodiedFactors,
                       BuildingFactors):
    """Every carbon factor, defaulting to DESIGN.md section 4, each with its unit, range and source.

    The rooms' fields in one flat table (their order: buildings, energy carriers, industry, commuting,
    land), as a scenario's ``[carbon]`` table writes them.
    """

    REFERENCE: ClassVar[str] = "docs/parameters.md"  # where the fix for an unknown name points

    # --- scenario data ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, raw: dict, field: str = "carbon") -> CarbonParameters:
        """Defaults overridden by ``raw`` (any subset); a bad entry raises ConfigError naming ``field.name``."""
        return build(cls, raw, field)

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers, booleans and {year: value} tables; `from_dict` reads it back unchanged."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, YearPath):
                # a one-entry table for a year other than 0 stays a table, so that it reads back equal
                single = len(value.years) == 1 and value.years[0] != 0
                out[f.name] = {str(value.years[0]): value.values[0]} if single else value.to_toml_value()
            else:
                out[f.name] = value
        return out

    # --- values for a year ----------------------------------------------------------------------------

    def at_year(self, year: int) -> CarbonYear:
        """The scalars the kernels need in ``year`` (paths evaluated, carriers blended per use)."""
        elec = self.electricity_kgco2_per_kgce(year)
        return CarbonYear(year=int(year), electricity_kgco2_per_kgce=elec,
                          **self.buildings_year(year, elec, self.fossil_kgco2_per_kgce),
                          **self.industry_year(year, elec), **self.travel_year(year), **self.land_year(),
                          **self.embodied_year(year))


def _format_default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, YearPath):
        if len(value.years) == 1:
            return f"{value.values[0]:g}"
        return "{ " + ", ".join(f"{y} = {v:g}" for y, v in zip(value.years, value.values)) + " }"
    return f"{value:g}"


def parameters_markdown() -> str:
    """The parameter table as Markdown: ``docs/parameters.md`` holds exactly this (a test checks)."""
    lines = [
        "| name | default | units | range | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for spec in fields_of(CarbonParameters):
        s = spec.setting
        rng = "-" if s.lo is None else f"{s.lo:g} to {s.hi:g}"
        lines.append(f"| `{spec.name}` | {_format_default(spec.default)} | {s.unit} | {rng} | {s.doc} | {s.source} |")
    return "\n".join(lines) + "\n"

"""What an inflection year is conditional on: the exogenous paths a scenario assumes.

The years of the five points move more with the exogenous paths (how fast households grow, how value
added per job rises, how fast the grid decarbonises) than with any single spatial lever, so every output
that states a year says which paths it holds: `abm run`'s summary, events.json and the app.

>>> from abm.scenario import scenario_from_dict
>>> exogenous_conditions(scenario_from_dict({"population": {"growth_rate": 0.01}}))[0]
'household growth 1.0%/yr'
"""

from __future__ import annotations

from abm.paths import YearPath
from abm.scenario import Scenario


def _path_text(path: YearPath, fmt) -> str:
    """'v' for a constant path, else 'v0 (y0), v1 (y1), ...'."""
    if len(set(path.values)) == 1:
        return fmt(path.values[0])
    return ", ".join(f"{fmt(v)} ({y})" for y, v in zip(path.years, path.values))


def exogenous_conditions(scenario: Scenario) -> list[str]:
    """One phrase per exogenous path of `scenario`: household growth, value added per job, grid factor."""
    p = scenario.population
    grid = scenario.carbon_parameters().grid_factor_kg_per_kwh
    return [
        "household growth " + _path_text(p.growth_rate, lambda v: f"{100 * v:.1f}%/yr"),
        "value added per job, services " + _path_text(p.va_per_job_services_cny, lambda v: f"{v / 1e3:.0f}k CNY")
        + "; industry " + _path_text(p.va_per_job_industry_cny, lambda v: f"{v / 1e3:.0f}k CNY"),
        "grid factor " + _path_text(grid, lambda v: f"{v:.3g} kgCO2/kWh"),
    ]

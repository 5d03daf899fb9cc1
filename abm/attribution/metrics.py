"""What an attribution decomposes: a run's cumulative emissions, peak, net-zero year and inflection years.

Each metric is one number per run. A year that the run does not reach is **censored**, by one
convention for every year metric:

- *not reached* by the end of the run (still rising, or not confirmed before the last year): the
  first year after the run, ``end + 1`` ("later than the horizon");
- *passed at start* (the run began after it): the run's first year ("at or before the start").

The raw carbon peak follows the same rule: a maximum in the last year is not reached (the level
is then the last year's, a lower bound) and a maximum in the first year is passed at start. With
``censor="horizon"`` (the default) the censored numbers enter the decomposition as they are and
each contribution says in how many of its coalition runs a value was censored; with
``censor="nan"`` a censored value is NaN, and so is every contribution of that metric and seed.

>>> import pandas as pd
>>> ts = pd.DataFrame({"year": [2020, 2021, 2022], "emissions_total_t": [1.0, 3.0, 2.0]})
>>> m = run_metrics(ts, [{"id": 3, "state": "not_reached", "year": None}])
>>> m.values["peak_year"], m.values["inflection_3_year"], m.states["inflection_3_year"]
(2021.0, 2023.0, 'not_reached')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from abm.errors import ConfigError

__all__ = ["Metric", "METRICS", "RunMetrics", "run_metrics", "censored_values", "CENSOR", "VALUE", "CROSSED",
           "NOT_REACHED", "PASSED_AT_START", "metric_names"]

VALUE, CROSSED, NOT_REACHED, PASSED_AT_START = "value", "crossed", "not_reached", "passed_at_start"
CENSOR = ("horizon", "nan")


@dataclass(frozen=True)
class Metric:
    """One decomposed quantity: its column name, label, unit, and the scale it is printed at."""

    name: str
    label: str
    unit: str
    scale: float = 1.0          # printed value = value / scale
    shown_unit: str = ""

    @property
    def is_year(self) -> bool:
        return self.unit == "year"


#: The metrics, in the order they are reported. Inflection points as in abm.inflection (DESIGN.md 1).
METRICS: tuple[Metric, ...] = (
    Metric("cumulative_emissions_t", "cumulative emissions", "tCO2", 1e6, "MtCO2"),
    Metric("peak_emissions_t", "peak emissions level", "tCO2/yr", 1e3, "ktCO2/yr"),
    Metric("peak_year", "peak year (largest annual emissions)", "year"),
    Metric("net_zero_year", "net-zero year (emissions <= sink)", "year"),
    Metric("inflection_1_year", "1. emissions growth-rate peak", "year"),
    Metric("inflection_2_year", "2. emissions increment peak", "year"),
    Metric("inflection_3_year", "3. total emissions peak (detected)", "year"),
    Metric("inflection_4_year", "4. sink growth peak", "year"),
    Metric("inflection_5_year", "5. net-stock point", "year"),
)


def metric_names() -> tuple[str, ...]:
    return tuple(m.name for m in METRICS)


@dataclass(frozen=True)
class RunMetrics:
    """One run's metric values (censored years as in the module doc) and each value's state.

    An injected evaluation function (a toy model) may return only `values`: states default to plain
    values. `timeseries` is kept for the runs the LMDI decomposition reads (A and B).
    """

    values: dict[str, float]
    states: dict[str, str] = field(default_factory=dict)
    timeseries: pd.DataFrame | None = None

    def state(self, metric: str) -> str:
        return self.states.get(metric, VALUE)


def _year(event: Mapping[str, Any] | None, start: int, end: int) -> tuple[float, str]:
    state = NOT_REACHED if event is None else str(event.get("state", NOT_REACHED))
    if state == CROSSED and event is not None and event.get("year") is not None:
        return float(event["year"]), CROSSED
    if state == PASSED_AT_START:
        return float(start), PASSED_AT_START
    return float(end + 1), NOT_REACHED


def run_metrics(ts: pd.DataFrame, events: Sequence[Mapping[str, Any]], timeseries: bool = False) -> RunMetrics:
    """The metrics of a finished run from its time series and its events (the five points, the net-zero
    milestone), as `abm.runner.RunResult` and events.json give them."""
    years = ts["year"].to_numpy(dtype=int)
    start, end = int(years[0]), int(years[-1])
    emissions = ts["emissions_total_t"].to_numpy(dtype=float)
    peak = int(np.argmax(emissions))
    peak_state = PASSED_AT_START if peak == 0 else NOT_REACHED if peak == len(emissions) - 1 else VALUE
    values: dict[str, float] = {"cumulative_emissions_t": float(math.fsum(emissions)),
                                "peak_emissions_t": float(emissions[peak])}
    states: dict[str, str] = {"cumulative_emissions_t": VALUE, "peak_emissions_t": peak_state}
    values["peak_year"], states["peak_year"] = {PASSED_AT_START: (float(start), PASSED_AT_START),
                                                NOT_REACHED: (float(end + 1), NOT_REACHED)}.get(
        peak_state, (float(years[peak]), CROSSED))
    byid = {str(e["id"]): e for e in events}
    values["net_zero_year"], states["net_zero_year"] = _year(byid.get("net_zero"), start, end)
    for pid in range(1, 6):
        name = f"inflection_{pid}_year"
        values[name], states[name] = _year(byid.get(str(pid)), start, end)
    return RunMetrics(values, states, ts if timeseries else None)


def censored_values(metrics: RunMetrics, names: Sequence[str], censor: str) -> tuple[np.ndarray, np.ndarray]:
    """The run's values of `names` under the `censor` convention, and which of them were censored."""
    if censor not in CENSOR:
        raise ConfigError("censor", f"unknown convention {censor!r}", f"use one of {', '.join(CENSOR)}")
    missing = [n for n in names if n not in metrics.values]
    if missing:
        raise ConfigError("evaluate", f"the run gave no value for {missing[0]!r}",
                          f"return values for {', '.join(names)}")
    flags = np.array([metrics.state(n) in (NOT_REACHED, PASSED_AT_START) for n in names])
    values = np.array([float(metrics.values[n]) for n in names])
    if censor == "nan":
        values = np.where(flags, np.nan, values)
    return values, flags

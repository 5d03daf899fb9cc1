"""Additive LMDI: what drove a change of net emissions, from a run's time series.

**The identity decomposed.** Net emissions are the sum of the emission sources minus the sink,
``N = sum_i E_i - S``. Each source is a chain of time-series columns ``c_0, c_1, ..., c_k = E_i``
whose ratios are its driving factors, ``E_i = c_0 x (c_1 / c_0) x ... x (c_k / c_(k-1))``; e.g.
buildings = persons x (floor / persons) x (energy / floor) x (CO2 / energy): population, floor
per person, energy intensity, carbon factor. Between a state 0 and a state T (two years of one run,
or scenario A and B in one year), the additive LMDI-I (Ang 2004, Energy Policy 32: 1131) gives
factor j of source i

    D_ij = L(E_i^T, E_i^0) ln(x_ij^T / x_ij^0),   L(a, b) = (a - b) / (ln a - ln b),  L(a, a) = a,

and ``sum_j D_ij = E_i^T - E_i^0`` exactly (the logs of the ratios add up to ln(E^T / E^0)). The sink
enters as one factor, ``-(S^T - S^0)``. So the rows sum to the change of net emissions, and the rows
other than the sink to the change of gross emissions.

**Zeros** (Ang & Liu 2007, Energy Policy 35: 238): a source that is zero in both states contributes
nothing; one that is zero in only one state (embodied carbon before anything is built) gives its
whole change to the first factor of its chain that is zero in that state (the small-value limit
of the formula), and a chain with a non-positive column otherwise gives its change to ``other``.

**The factors** are declared as data (`IDENTITIES`, `DERIVED`): a source without an identity is
decomposed as population x its emissions per person, and a step whose column the time series lacks is
left out of its chain (the next factor absorbs it), so a column added later refines the answer. The transport
chain uses a *mode-mix* column: passenger-km x the trip-share-weighted emission factor of the modes
at fixed reference factors (those of the first state), so its "mode share" factor moves only with
the shares and its "carbon factor" holds the vehicles, the grid and trip lengths by mode.

>>> ts = pd.DataFrame({"persons": [100.0, 150.0], "emissions_x_t": [10.0, 30.0], "sink_t": [1.0, 2.0]})
>>> d = lmdi(ts.iloc[0], ts.iloc[1], sources=["emissions_x_t"])
>>> bool(np.isclose(d["contribution"].sum(), (30 - 2) - (10 - 1)))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Identity", "IDENTITIES", "DERIVED", "MODE_MIX", "lmdi", "log_mean", "source_columns"]

#: The derived column of the transport chain (see the module doc).
MODE_MIX = "mode_mix_t"


@dataclass(frozen=True)
class Identity:
    """One source's chain: (factor, column) pairs; factor j is column j / column j-1, the last column is
    the source's emissions."""

    source: str
    chain: tuple[tuple[str, str], ...]


#: source column -> its chain of driving factors. Add a source, or a finer chain, here.
IDENTITIES: dict[str, Identity] = {i.source: i for i in (
    Identity("emissions_buildings_t", (("population", "persons"), ("floor per person", "floor_area_m2"),
                                       ("energy intensity", "energy_buildings_tce"),
                                       ("carbon factor", "emissions_buildings_t"))),
    Identity("emissions_transport_t", (("population", "persons"), ("travel distance", "passenger_km"),
                                       ("mode share", MODE_MIX), ("carbon factor", "emissions_transport_t"))),
    Identity("emissions_industry_t", (("population", "persons"), ("GDP per person", "gdp_cny"),
                                      ("energy intensity", "energy_industry_tce"),
                                      ("carbon factor", "emissions_industry_t"))),
    Identity("emissions_industry_process_t", (("population", "persons"), ("GDP per person", "gdp_cny"),
                                              ("industry share", "industry_value_added_cny"),
                                              ("process intensity", "emissions_industry_process_t"))),
    Identity("emissions_freight_t", (("population", "persons"), ("GDP per person", "gdp_cny"),
                                     ("freight intensity", "freight_tkm"), ("carbon factor", "emissions_freight_t"))),
    Identity("emissions_embodied_t", (("population", "persons"), ("construction per person", "floor_built_m2"),
                                      ("carbon factor", "emissions_embodied_t"))),
    Identity("emissions_conversion_t", (("land conversion", "emissions_conversion_t"),)),
)}

def _sum_present(row: Mapping[str, float], columns: Sequence[str]) -> float | None:
    present = [float(row[c]) for c in columns if c in row]
    return sum(present) if present else None


#: derived column -> how it is computed from a row (and the reference mode factors, gCO2/pkm by mode).
DERIVED: dict[str, Callable[[Mapping[str, float], Mapping[str, float] | None], float | None]] = {
    "floor_area_m2": lambda row, _: _sum_present(row, ("floor_area_residential_m2", "floor_area_commercial_m2",
                                                       "floor_area_industrial_m2")),
    MODE_MIX: lambda row, ef: None if ef is None or "passenger_km" not in row else
    float(row["passenger_km"]) * sum(float(row.get(f"mode_share_{m}", 0.0)) * g for m, g in ef.items()) / 1e6,
}


def log_mean(a: float, b: float) -> float:
    """L(a, b) = (a - b) / (ln a - ln b), and its limit (a + b) / 2 when a and b agree to float rounding
    (both > 0): a and b a bit apart have ln a == ln b, and the quotient would divide by zero."""
    if abs(a - b) <= 1e-9 * max(abs(a), abs(b)):
        return 0.5 * (a + b)
    return (a - b) / (math.log(a) - math.log(b))


def source_columns(columns: Sequence[str]) -> list[str]:
    """The emission sources' columns present (registry order), e.g. ``emissions_buildings_t``."""
    from abm.emissions import emission_sources

    return [s.column() for s in emission_sources() if s.column() in columns]


def _value(row: Mapping[str, float], column: str, ef: Mapping[str, float] | None) -> float | None:
    if column in DERIVED and column not in row:
        return DERIVED[column](row, ef)
    return float(row[column]) if column in row else None


def _chain_of(source: str, row0, row1, ef) -> tuple[tuple[str, str], ...]:
    """The source's chain without the steps whose column either state lacks (the next factor absorbs
    them); population x emissions per person for a source without an identity."""
    label = source.removeprefix("emissions_").removesuffix("_t")
    chain = IDENTITIES[source].chain if source in IDENTITIES else (("population", "persons"),
                                                                   (f"{label} per person", source))
    kept = tuple(step for step in chain[:-1] if all(_value(r, step[1], ef) is not None for r in (row0, row1)))
    return kept + chain[-1:]


def _decompose(chain, row0, row1, ef) -> dict[str, float]:
    """The factors' contributions of one source: they add up to its change exactly."""
    x0 = [_value(row0, c, ef) for _, c in chain]
    x1 = [_value(row1, c, ef) for _, c in chain]
    e0, e1 = x0[-1], x1[-1]
    names = [f for f, _ in chain]
    out = dict.fromkeys(names, 0.0)
    if len(chain) == 1 or e0 == e1 == 0.0:
        out[names[-1 if len(chain) == 1 else 0]] += e1 - e0
        return out
    if (e0 == 0.0) != (e1 == 0.0) and min(x0 + x1) >= 0.0:
        zero = x0 if e0 == 0.0 else x1
        out[names[next(j for j, v in enumerate(zero) if v == 0.0)]] += e1 - e0
        return out
    if min(x0 + x1) <= 0.0:
        out["other"] = e1 - e0
        return out
    weight = log_mean(e1, e0)
    previous0 = previous1 = 1.0
    for name, a, b in zip(names, x0, x1):
        out[name] += weight * math.log((b / previous1) / (a / previous0))
        previous0, previous1 = a, b
    return out


def lmdi(row0: Mapping[str, float] | pd.Series, row1: Mapping[str, float] | pd.Series,
         sources: Sequence[str] | None = None, mode_factors_g_pkm: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The change of net emissions from state `row0` to `row1` (two time-series rows) by source and factor.

    Columns: source, factor, contribution (tCO2/yr), value_from, value_to (the source's emissions, or the
    sink). `sources` defaults to the registered emission sources present; `mode_factors_g_pkm` are the
    reference gCO2/pkm by mode of the transport mode-mix (without them, transport is population x
    travel distance x emissions per pkm). The contributions add up to the change of
    ``sum(sources) - sink_t``.
    """
    row0, row1 = dict(row0), dict(row1)
    sources = list(sources) if sources is not None else source_columns(list(row0))
    rows = []
    for source in sources:
        chain = _chain_of(source, row0, row1, mode_factors_g_pkm)
        for factor, value in _decompose(chain, row0, row1, mode_factors_g_pkm).items():
            rows.append({"source": source, "factor": factor, "contribution": value,
                         "value_from": float(row0[source]), "value_to": float(row1[source])})
    if "sink_t" in row0 and "sink_t" in row1:
        s0, s1 = float(row0["sink_t"]), float(row1["sink_t"])
        rows.append({"source": "sink_t", "factor": "sink", "contribution": -(s1 - s0), "value_from": s0,
                     "value_to": s1})
    frame = pd.DataFrame(rows, columns=["source", "factor", "contribution", "value_from", "value_to"])
    return frame.astype({"contribution": np.float64, "value_from": np.float64, "value_to": np.float64})

"""Global sensitivity of the inflection years and cumulative emissions to a sweep's axes (Sobol, SALib).

A sweep with ``method = "sobol"`` draws a Saltelli sample of its axes (levers, parameters, region seeds,
scaled exogenous paths); this module reads its summary back and, per scenario and metric, returns the
first-order (S1) and total (ST) Sobol indices of each axis with their 95% confidence half-widths. Each
point's value is the mean over the sweep's run seeds, so the run-to-run noise is averaged out rather than
read as a parameter's effect. A point not reached by the end of a run is censored at the horizon's next
year (``final_year + 1``); the share of censored runs is reported beside the indices, because a metric
that is mostly censored says "not reached", not "insensitive".

>>> import numpy as np, pandas as pd
>>> from SALib.sample import sobol as sample
>>> problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0]] * 2}
>>> x = sample.sample(problem, 256, calc_second_order=False, seed=1)
>>> summary = pd.DataFrame({"scenario": "s", "point": np.arange(len(x)), "status": "ok",
...                         "cumulative_emissions_t": 5 * x[:, 0] + x[:, 1]})
>>> sweep = {"axes": [{"key": "a"}, {"key": "b"}], "sampling": {"method": "sobol", "second_order": False}}
>>> t = sobol_table(summary, sweep, metrics=("cumulative_emissions_t",))
>>> t.sort_values("ST", ascending=False).factor.tolist()
['a', 'b']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: The metrics analysed: the five inflection years, the carbon peak's year and the cumulative emissions.
SOBOL_METRICS = ("year_1", "year_2", "year_3", "year_4", "year_5", "peak_emissions_year", "cumulative_emissions_t")
COLUMNS = ["scenario", "metric", "factor", "S1", "S1_conf", "ST", "ST_conf", "censored_share", "points"]


def sobol_table(summary: pd.DataFrame, sweep: dict[str, Any], metrics: tuple[str, ...] = SOBOL_METRICS,
                confidence_seed: int = 0) -> pd.DataFrame:
    """Sobol indices of every axis for every scenario and metric of a sobol sweep (empty frame otherwise)."""
    from SALib.analyze import sobol

    sampling = sweep.get("sampling", {})
    names = [a["key"] for a in sweep.get("axes", [])]
    if sampling.get("method") != "sobol" or len(names) < 2:
        return pd.DataFrame(columns=COLUMNS)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    rows = []
    for scenario, runs in summary[summary["status"] == "ok"].groupby("scenario", sort=False):
        for metric in metrics:
            if metric not in runs:
                continue
            y, censored = _point_means(runs, metric)
            if y is None or np.nanstd(y) == 0:
                continue
            s = sobol.analyze(problem, y, calc_second_order=bool(sampling.get("second_order", True)),
                              print_to_console=False, seed=confidence_seed)
            rows += [{"scenario": scenario, "metric": metric, "factor": name, "S1": float(s["S1"][i]),
                      "S1_conf": float(s["S1_conf"][i]), "ST": float(s["ST"][i]), "ST_conf": float(s["ST_conf"][i]),
                      "censored_share": censored, "points": len(y)} for i, name in enumerate(names)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _point_means(runs: pd.DataFrame, metric: str) -> tuple[np.ndarray | None, float]:
    """The metric per sample point (mean over seeds, in point order), and the share of censored runs."""
    values = pd.to_numeric(runs[metric], errors="coerce").astype(float)
    censored = values.isna()
    if metric.startswith("year_") and "final_year" in runs:
        values = values.fillna(pd.to_numeric(runs["final_year"], errors="coerce").astype(float) + 1)
    by_point = values.groupby(runs["point"]).mean()
    if by_point.isna().any() or len(by_point) != by_point.index.max() + 1:
        return None, float(censored.mean())  # a point without a value: no Saltelli estimate
    return by_point.sort_index().to_numpy(), float(censored.mean())


def top_drivers(table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The `n` axes of largest total index per scenario and metric."""
    if table.empty:
        return table
    ranked = table.sort_values(["scenario", "metric", "ST"], ascending=[True, True, False], kind="stable")
    return ranked.groupby(["scenario", "metric"], sort=False).head(n).reset_index(drop=True)

"""Summaries with Monte Carlo intervals, the model's skill over the null models, fit.json and the map PNGs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from abm.metrics import sleuth_regression, sleuth_stats

#: Metrics where lower is better (every other reported agreement metric: higher is better).
LOWER_IS_BETTER = ("quantity_disagreement", "allocation_disagreement", "total_disagreement")

#: Metrics compared between the model and the null models (skill); SLEUTH statistics are descriptive.
SKILL_METRICS = ("lee_sallee", "figure_of_merit", "figure_of_merit_interval", "kappa_simulation",
                 "quantity_disagreement", "allocation_disagreement", "total_disagreement")


def mc_summary(values: list[float], interval: float) -> dict[str, Any]:
    """Mean, standard deviation and central `interval` of Monte Carlo replicates (NaN dropped)."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return {"mean": None, "sd": None, "lo": None, "hi": None, "n": 0}
    tail = (1.0 - interval) / 2.0
    return {"mean": float(arr.mean()), "sd": float(arr.std(ddof=1)) if arr.size > 1 else 0.0,
            "lo": float(np.quantile(arr, tail)), "hi": float(np.quantile(arr, 1.0 - tail)), "n": int(arr.size)}


def observed_stats(inputs, history, years: tuple[int, ...]) -> dict[int, dict[str, float]]:
    """SLEUTH statistics of the observed maps, with the roads in force each year (the regression's truth)."""
    out = {}
    for y in years:
        out[y] = sleuth_stats(history.observed(y), inputs.grid.slope, inputs.valid, roads=inputs.roads_at(y),
                              excluded=inputs.excluded_raw)
    return out


def summarise(replicates: list[dict[int, dict[str, float]]], history, obs_stats: dict[int, dict[str, float]],
              interval: float) -> dict[str, Any]:
    """One simulator's report: every metric per year and its means over year groups, with MC intervals."""
    years = history.years
    metrics = list(replicates[0][years[0]])
    per_year = {str(y): {m: mc_summary([r[y][m] for r in replicates], interval) for m in metrics} for y in years}
    groups = {"all": years, "fit": history.fit_years, "holdout": history.holdout_years}
    means: dict[str, Any] = {}
    for group, ys in groups.items():
        if not ys:
            continue
        means[group] = {m: mc_summary([_mean([r[y][m] for y in ys]) for r in replicates], interval)
                        for m in metrics if not m.startswith("stat_")}
    regression = []
    for r in replicates:
        sim_stats = {y: {k.removeprefix("stat_"): v for k, v in r[y].items() if k.startswith("stat_")} for y in years}
        for y in years:
            sim_stats[y]["pop"] = sim_stats[y]["area"]
        obs = {y: {**obs_stats[y]} for y in years}
        regression.append(sleuth_regression(sim_stats, obs, {y: r[y]["lee_sallee"] for y in years}))
    keys = list(regression[0])
    return {"replicates": len(replicates), "per_year": per_year, "mean_over_years": means,
            "sleuth_regression": {k: mc_summary([reg[k] for reg in regression], interval) for k in keys}}


def _mean(values: list[float]) -> float:
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if arr.size else math.nan


def skill(model: dict[str, Any], nulls: dict[str, dict[str, Any]], years: tuple[int, ...]) -> dict[str, Any]:
    """Model MC mean minus each null's MC mean, per year and metric, and whether the model is better."""
    out: dict[str, Any] = {}
    for name, null in nulls.items():
        rows: dict[str, Any] = {}
        for y in years:
            row = {}
            for m in SKILL_METRICS:
                a = model["per_year"][str(y)].get(m, {}).get("mean")
                b = null["per_year"][str(y)].get(m, {}).get("mean")
                if a is None or b is None:
                    continue
                diff = a - b
                row[m] = {"difference": diff, "model_better": bool(diff < 0 if m in LOWER_IS_BETTER else diff > 0)}
            rows[str(y)] = row
        out[name] = {"per_year": rows,
                     "model_better_every_year": {m: all(rows[str(y)].get(m, {}).get("model_better", False)
                                                        for y in years) for m in SKILL_METRICS}}
    return out


def headline(report: dict[str, Any], history) -> dict[str, Any]:
    """The few numbers a reader wants first: mean LS and FoM, per year, hold-out, and the nulls'."""
    def mean_of(sim: dict[str, Any], group: str, metric: str) -> float | None:
        return sim["mean_over_years"].get(group, {}).get(metric, {}).get("mean")

    out: dict[str, Any] = {}
    for name, sim in report.items():
        out[name] = {
            "lee_sallee_mean": mean_of(sim, "all", "lee_sallee"),
            "figure_of_merit_mean": mean_of(sim, "all", "figure_of_merit"),
            "figure_of_merit_interval_mean": mean_of(sim, "all", "figure_of_merit_interval"),
            "kappa_simulation_mean": mean_of(sim, "all", "kappa_simulation"),
            "lee_sallee_by_year": {str(y): sim["per_year"][str(y)]["lee_sallee"]["mean"] for y in history.years},
            "figure_of_merit_by_year": {str(y): sim["per_year"][str(y)]["figure_of_merit"]["mean"]
                                        for y in history.years},
            "kappa_simulation_by_year": {str(y): sim["per_year"][str(y)]["kappa_simulation"]["mean"]
                                         for y in history.years},
            "lee_sallee_fit_mean": mean_of(sim, "fit", "lee_sallee"),
            "lee_sallee_holdout_mean": mean_of(sim, "holdout", "lee_sallee"),
        }
    return out


def write_json(path: Path, data: dict[str, Any]) -> None:
    from abm.atomic import atomic_write_text

    atomic_write_text(path, json.dumps(_clean(data), indent=1, allow_nan=False) + "\n")


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


# --------------------------------------------------------------------------------------------- maps
def plot_year(path: Path, year: int, history, start: np.ndarray, excluded: np.ndarray,
              model_share: np.ndarray, null_share: np.ndarray, model_row: dict, null_row: dict) -> None:
    """Observed vs simulated map of one year: observed, the model's urbanisation frequency over the
    replicates, and agreement maps (hits, misses, false alarms) of the model and the neighbourhood null."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from abm.atomic import atomic_write

    obs = history.observed(year)
    rows, cols = obs.shape
    width = 4.2 * 4
    height = max(3.0, 4.2 * rows / cols) + 0.9
    fig, axes = plt.subplots(1, 4, figsize=(width, height), constrained_layout=True)

    base = np.zeros(obs.shape, np.uint8)  # 0 open, 1 excluded, 2 urban at start, 3 new urban
    base[excluded] = 1
    base[obs] = 3
    base[start] = 2
    axes[0].imshow(base, cmap=ListedColormap(["white", "#c6dbef", "#252525", "#fd8d3c"]), vmin=0, vmax=3,
                   interpolation="nearest")
    axes[0].set_title(f"observed {year}\n(black: {history.start_year}, orange: new)")

    shown = np.ma.masked_where(model_share <= 0, model_share)
    axes[1].imshow(np.where(excluded, 0.15, 0.0), cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    im = axes[1].imshow(shown, cmap="magma_r", vmin=0, vmax=1, interpolation="nearest")
    axes[1].set_title(f"model {year}: share of replicates urban")
    fig.colorbar(im, ax=axes[1], shrink=0.6)

    cmap = ListedColormap(["white", "#c6dbef", "#bdbdbd", "#31a354", "#3182bd", "#de2d26"])
    for ax, share, row, label in ((axes[2], model_share, model_row, "model"),
                                  (axes[3], null_share, null_row, "neighbourhood null")):
        sim = share >= 0.5
        agree = np.zeros(obs.shape, np.uint8)  # 2 persistence, 3 hit, 4 miss, 5 false alarm
        agree[excluded] = 1
        agree[start & sim & obs] = 2
        agree[~start & sim & obs] = 3
        agree[obs & ~sim] = 4
        agree[sim & ~obs] = 5
        ax.imshow(agree, cmap=cmap, vmin=0, vmax=5, interpolation="nearest")
        ls = row["lee_sallee"]["mean"]
        fom = row["figure_of_merit"]["mean"]
        ax.set_title(f"{label}: urban in most replicates\nLS {ls:.3f}   FoM {fom:.3f} (MC means)")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{history.name}: simulated vs observed urban land, {year}"
                 + (" (held out of the fit)" if year in history.holdout_years else " (fit year)")
                 + ";  agreement maps: grey kept, green hit, blue miss, red false alarm")
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=80))
    plt.close(fig)


def plot_search(path: Path, studies) -> None:
    """Objective of every trial and the running best, per study."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from abm.atomic import atomic_write

    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    for study in studies:
        values = np.array([r["value"] for r in study.records], dtype=float)
        ax.plot(values, ".", alpha=0.5, label=f"{study.name} trials")
        ax.plot(np.fmax.accumulate(np.where(np.isfinite(values), values, -np.inf)), "-", label=f"{study.name} best")
    ax.set_xlabel("trial")
    ax.set_ylabel("objective (fit years, MC mean)")
    ax.legend()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=90))
    plt.close(fig)

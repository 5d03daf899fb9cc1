"""`calibrate(config, out_dir)`: search, evaluate, compare with the null models, write the report."""

from __future__ import annotations

import copy
import csv
import io
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from abm.calibration.config import OBJECTIVES, CalibrationConfig
from abm.calibration.history import History, build_history
from abm.calibration.simulate import Evaluator, Inputs
from abm.errors import ConfigError, DataError

#: Seeds of the final evaluation start here: replicates independent of those the search selected on.
REPORT_SEED_OFFSET = 1_000_003


@dataclass
class CalibrationResult:
    """What a calibration produced: the best parameters, the report (fit.json) and the files written."""

    best_params: dict[str, Any]
    null_params: dict[str, Any]
    report: dict[str, Any]
    scenario: Any
    out_dir: Path | None
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def headline(self) -> dict[str, Any]:
        return self.report["headline"]


# ---------------------------------------------------------------------------------------------- data
def load_map_set(path: Path, prefix: str = ""):
    """A SLEUTH GIF folder or a GeoTIFF folder (urban_<year>.tif) as a SleuthSet."""
    if not path.is_dir():
        raise ConfigError("data.path", f"'{path}' is not a folder", "give the folder holding the map files")
    names = [p.suffix.lower() for p in path.iterdir()]
    if ".gif" in names:
        from abm.io.sleuth import load_sleuth_set

        return load_sleuth_set(path, prefix or None)
    if ".tif" in names or ".tiff" in names:
        from abm.io.geotiff import read_geotiff_stack

        return read_geotiff_stack(path)
    raise DataError(f"{path}: holds neither SLEUTH GIFs nor GeoTIFFs (fix: give a folder with "
                    "<prefix>.urban.<year>.gif or urban_<year>.tif files)")


def load_history(config: CalibrationConfig, sset=None) -> History:
    """The observed history of `config` (maps read from data.path unless `sset` is given)."""
    from abm.regions import resolve_data_path

    d = config.data
    if sset is None:
        sset = load_map_set(resolve_data_path(d.path, config.source, "data.path"), d.prefix)
    return build_history(sset, d.fit_years, d.holdout_years, d.start_year, d.holdout_totals, d.roads,
                         d.interpolation, name=config.name)


def _scenario_path(config: CalibrationConfig) -> str:
    """data.path as the scenario should name it: as written when ABM_DATA_DIR resolves it, else absolute."""
    from abm.regions import data_root, resolve_data_path

    p = Path(config.data.path).expanduser()
    if not p.is_absolute() and (data_root() / p).exists():
        return config.data.path
    return str(resolve_data_path(config.data.path, config.source, "data.path").resolve())


def base_scenario_raw(config: CalibrationConfig, history: History, kind: str = "sleuth",
                      region_path: str | None = None) -> dict[str, Any]:
    """The scenario every trial starts from: the file's [scenario] plus the observed history.

    Region and start year from [data]; ticks to the last compared year; the quota path of the totals
    with `convert_full_quota`; unless the file sets it, household growth follows the urban area's.
    """
    raw = copy.deepcopy(config.scenario)
    raw.setdefault("name", f"{config.name}-calibrated")
    region = raw.setdefault("region", {})
    region.update(kind=kind, path=region_path or config.data.path, year=history.start_year)
    run = raw.setdefault("run", {})
    run.update(start_year=history.start_year, ticks=history.last_year - history.start_year)
    raw.setdefault("policy", {}).setdefault("quantity", {})["land_quota_cells"] = {
        str(y): float(k) for y, k in sorted(history.quota.items())}
    raw.setdefault("development", {})["convert_full_quota"] = True
    population = raw.setdefault("population", {})
    if "growth_rate" not in population:
        years = sorted(history.totals)
        path: dict[str, float] = {}
        for a, b in zip(years[:-1], years[1:]):
            rate = (max(history.totals[b], 1) / max(history.totals[a], 1)) ** (1.0 / (b - a)) - 1.0
            rate = float(min(max(rate, -0.2), 0.5))
            path[str(a + 1)] = rate
            path[str(b)] = rate
        population["growth_rate"] = path
    return raw


def build_inputs(config: CalibrationConfig, history: History, years: tuple[int, ...]) -> Inputs:
    """Worker inputs scoring `years` (the search gets the fit years only: the hold-out is never read)."""
    from abm.regions import build_region
    from abm.scenario import scenario_from_dict

    sset = history.sset
    kind = "geotiff" if getattr(sset, "source", "sleuth") == "geotiff" else "sleuth"
    raw = base_scenario_raw(config, history, kind)
    scenario = scenario_from_dict(raw, source=config.source)
    grid = build_region(scenario) if history.path.exists() else _grid_from_set(history, scenario)
    start_roads = grid.metadata.get("roads_year")
    if start_roads is None:  # a region without dated roads: its start roads under the start year
        start_roads = history.start_year
    roads_maps = {start_roads: grid.roads.copy()}
    for ry in history.roads.values():
        roads_maps[ry] = (sset.roads[ry] > 0) & sset.valid
    return Inputs(start_year=history.start_year, grid=grid, scenario=scenario.to_dict(), quota=dict(history.quota),
                  roads_maps=roads_maps, schedule=dict(history.roads), start_roads_year=start_roads,
                  observed={y: history.observed(y) for y in years}, windows=config.report.windows,
                  excluded_raw=sset.excluded)


def _grid_from_set(history: History, scenario):
    """The start grid straight from an in-memory map set (synthetic histories have no folder)."""
    from abm.io.sleuth import region_from_set
    from abm.regions import seed_floor_space

    grid = region_from_set(history.sset, history.start_year, scenario.region.cell_size_m)
    seed_floor_space(grid, scenario.region.initial_far, history.start_year)
    return grid


# ---------------------------------------------------------------------------------------------- run
def calibrate(config: CalibrationConfig, out_dir: str | Path | None = None, *, workers: int | None = None,
              scheduler: Any = None, progress: bool = True, sset=None, write: bool = True) -> CalibrationResult:
    """Fit the model (and the neighbourhood null) on the fit years, evaluate on every year, write the report.

    Writes into `out_dir`: ``scenario.toml`` (the best parameters, loadable by ``abm run``), ``fit.json``
    (every metric per year for the model and both null models, MC intervals, skill), ``map_<year>.png``,
    ``search.png`` and ``trials.csv``. `workers` overrides the file's search.workers (0 = every core).
    """
    from abm.calibration.report import (
        headline,
        observed_stats,
        plot_search,
        plot_year,
        skill,
        summarise,
        write_json,
    )
    from abm.calibration.search import Study, refine, run_search
    from abm.scenario import set_dotted, save_scenario, scenario_from_dict

    t0 = time.perf_counter()
    n_workers = config.search.workers if workers is None else workers
    n_workers = None if not n_workers else int(n_workers)
    if scheduler is not None and scheduler != "local" and workers is None:
        n_workers = None  # a Dask cluster decides how many workers it has
    history = load_history(config, sset)
    fit_fn = Evaluator(config, history.fit_years, sset, history)  # scores the fit years only
    s = config.search
    metrics = OBJECTIVES[s.objective]
    model_seeds = tuple(s.seed * 10_007 + r for r in range(s.replicates))
    null_seeds = tuple(s.seed * 10_007 + 500 + r for r in range(config.null.replicates))
    studies = [Study("model", "model", s.space, s.trials, model_seeds, history.fit_years, metrics, s.seed,
                     start=dict(s.start) or None),
               Study("neighbourhood", "neighbourhood", config.null.space, config.null.trials, null_seeds,
                     history.fit_years, metrics, s.seed + 1)]
    bar = _bar(sum(st.trials for st in studies), f"calibrate {config.name}", "trial", progress)

    def on_trial(study, record) -> None:
        bar.update(1)
        best = {st.name: max((r["value"] for r in st.records if math.isfinite(r["value"])), default=math.nan)
                for st in studies}
        best[study.name] = max(best[study.name], record["value"]) if math.isfinite(record["value"]) else best[study.name]
        bar.set_postfix_str(" ".join(f"{k}={v:.3f}" for k, v in best.items() if math.isfinite(v)), refresh=False)

    try:
        run_search(fit_fn, studies, s.batch, n_workers, scheduler, on_trial)
    finally:
        bar.close()
    # The choice: the leading trials of each study re-run on fresh seeds (fit years still), best pooled mean.
    refine_seeds = tuple(s.seed * 10_007 + 2000 + r for r in range(s.refine_replicates))
    n_refine = min(s.refine_top, len(studies[0].records)) * len(refine_seeds)
    n_refine += min(s.refine_top, len(studies[1].records)) * len(refine_seeds)
    bar = _bar(n_refine, f"refine {config.name}", "run", progress and n_refine > 0)
    try:
        model_best = refine(fit_fn, studies[0], s.refine_top, refine_seeds, n_workers, scheduler, lambda: bar.update(1))
        null_best = refine(fit_fn, studies[1], s.refine_top, refine_seeds, n_workers, scheduler, lambda: bar.update(1))
    finally:
        bar.close()
    search_s = time.perf_counter() - t0
    del fit_fn

    # The final evaluation: every year, fresh seeds, every metric.
    t1 = time.perf_counter()
    all_fn = Evaluator(config, history.years, sset, history)
    reps = config.report.replicates
    tasks = [{"kind": "model", "sim": "model", "rep": r, "seed": REPORT_SEED_OFFSET + r,
              "params": model_best["params"], "years": list(history.years), "full": True} for r in range(reps)]
    tasks += [{"kind": "neighbourhood", "sim": "null_neighbourhood", "rep": r, "seed": REPORT_SEED_OFFSET + r,
               "params": null_best["params"], "years": list(history.years), "full": True} for r in range(reps)]
    tasks.append({"kind": "persistence", "sim": "null_persistence", "rep": 0, "seed": 0, "params": {},
                  "years": list(history.years), "full": True})
    results = _evaluate(all_fn, tasks, n_workers, scheduler, progress, config.name)
    all_inputs = all_fn.inputs
    eval_s = time.perf_counter() - t1

    obs_stats = observed_stats(all_inputs, history, history.years)
    sims = {}
    shares: dict[str, dict[int, np.ndarray]] = {}
    for name in ("model", "null_neighbourhood", "null_persistence"):
        runs = sorted((r for r in results if r[0]["sim"] == name), key=lambda r: r[0]["rep"])
        sims[name] = summarise([r[1]["scores"] for r in runs], history, obs_stats, config.report.interval)
        sims[name]["seconds_per_run"] = float(np.mean([r[1]["seconds"] for r in runs]))
        size = all_inputs.valid.size
        shares[name] = {y: _share([r[1]["maps"][y] for r in runs], size).reshape(all_inputs.valid.shape)
                        for y in history.years}
        for r in runs:
            r[1].pop("maps", None)
    sims["model"]["parameters"] = model_best["params"]
    sims["null_neighbourhood"]["parameters"] = null_best["params"]
    sims["null_persistence"]["parameters"] = {}

    # The calibrated scenario: the base scenario (region path as `abm run` resolves it) + best parameters.
    kind = "geotiff" if getattr(history.sset, "source", "sleuth") == "geotiff" else "sleuth"
    raw = base_scenario_raw(config, history, kind, region_path=_scenario_path(config) if history.path.exists()
                            else config.data.path)
    for dotted, value in model_best["params"].items():
        set_dotted(raw, dotted, value)
    lsm = sims["model"]["mean_over_years"]["all"]["lee_sallee"]["mean"]
    raw["description"] = (f"calibrated by abm calibrate on {config.data.path} (fit {list(history.fit_years)}, "
                          f"held out {list(history.holdout_years)}): mean Lee-Sallee {lsm:.3f}")
    scenario = scenario_from_dict(raw, source=config.source)

    report: dict[str, Any] = {
        "name": config.name,
        "calibration": config.to_dict(),
        "data": history.describe(),
        "objective": {"metric": s.objective, "years": list(history.fit_years),
                      "meaning": "mean over the fit years of the Monte Carlo mean over replicates"},
        "headline": {},
        "model": sims["model"],
        "null_neighbourhood": sims["null_neighbourhood"],
        "null_persistence": sims["null_persistence"],
        "skill": skill(sims["model"], {"null_neighbourhood": sims["null_neighbourhood"],
                                       "null_persistence": sims["null_persistence"]}, history.years),
        "observed_sleuth_stats": {str(y): v for y, v in obs_stats.items()},
        "search": {name: {"trials": len(st.records), "replicates": len(st.seeds),
                          "search_best_trial": st.best["number"], "search_best_value": st.best["value"],
                          "chosen_trial": chosen["number"], "chosen_value": chosen["value"],
                          "chosen_refined_value": chosen.get("refined_value"),
                          "refined": [{"trial": r["number"], "value": r["value"], "refined_value": r["refined_value"]}
                                      for r in st.records if "refined_value" in r],
                          "refine_replicates": len(refine_seeds),
                          "chosen_per_year": chosen["per_year"], "parameters": chosen["params"],
                          "space": {p.key: p.to_dict() for p in st.space}}
                   for name, st, chosen in (("model", studies[0], model_best),
                                            ("null_neighbourhood", studies[1], null_best))},
        "notes": _notes(history),
        "timing": {"search_s": round(search_s, 2), "evaluation_s": round(eval_s, 2),
                   "workers": n_workers or _cores(),
                   "model_run_s": round(sims["model"]["seconds_per_run"], 3)},
    }
    report["headline"] = headline({k: sims[k] for k in ("model", "null_neighbourhood", "null_persistence")}, history)
    report["headline"]["model_beats_both_nulls_every_year"] = {
        m: all(report["skill"][n]["model_better_every_year"][m] for n in ("null_neighbourhood", "null_persistence"))
        for m in ("lee_sallee", "figure_of_merit", "kappa_simulation")}

    files: list[str] = []
    out = Path(out_dir) if out_dir is not None else None
    if write and out is not None:
        out.mkdir(parents=True, exist_ok=True)
        save_scenario(scenario, out / "scenario.toml")
        files.append("scenario.toml")
        start = history.start_map()
        excluded = ~all_inputs.allowed
        for y in history.years:
            name = f"map_{y}.png"
            plot_year(out / name, y, history, start, excluded, shares["model"][y], shares["null_neighbourhood"][y],
                      sims["model"]["per_year"][str(y)], sims["null_neighbourhood"]["per_year"][str(y)])
            files.append(name)
        plot_search(out / "search.png", studies)
        files.append("search.png")
        _write_trials(out / "trials.csv", studies)
        files.append("trials.csv")
        report["timing"]["total_s"] = round(time.perf_counter() - t0, 2)
        report["files"] = files + ["fit.json"]
        write_json(out / "fit.json", report)
        files.append("fit.json")
    report["timing"]["total_s"] = round(time.perf_counter() - t0, 2)
    return CalibrationResult(model_best["params"], null_best["params"], report, scenario, out, files,
                             time.perf_counter() - t0)


def _share(packed: list[np.ndarray], size: int) -> np.ndarray:
    """Share of replicates urban per cell, from packed maps (float32, one map unpacked at a time)."""
    total = np.zeros(size, np.float32)
    for p in packed:
        total += np.unpackbits(p, count=size)
    return total / max(len(packed), 1)


def _notes(history: History) -> list[str]:
    notes = [
        "figure_of_merit: change since the start map (Pontius et al. 2008, simulation vs observed change since "
        f"{history.start_year}); figure_of_merit_interval: change over each interval between compared years.",
        "Growth follows the quota path of the urban totals (development.convert_full_quota); held-out totals are "
        + ("extrapolated from the fit years' growth rate." if "extrapolated" in history.totals_source.values()
           else "the observed ones (quantity known, allocation validated)."),
        "The final evaluation uses fresh seeds, not those the search selected on.",
    ]
    if history.roads:
        notes.append("Roads maps dated up to the last fit year are switched in the year after their date "
                     f"({', '.join(f'{r} from {y}' for y, r in sorted(history.roads.items()))}); `abm run` of "
                     "scenario.toml keeps the start year's roads.")
    return notes


def _evaluate(fn, tasks: list[dict], workers, scheduler, progress: bool, name: str) -> list[tuple[dict, dict]]:
    from abm.batch import map_tasks

    bar = _bar(len(tasks), f"evaluate {name}", "run", progress)
    out = []
    try:
        for task, result in map_tasks(fn, tasks, workers=workers, scheduler=scheduler, chunk=1):
            out.append((task, result))
            bar.update(1)
    finally:
        bar.close()
    return out


def _bar(total: int, desc: str, unit: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, file=sys.stderr, dynamic_ncols=True,
                mininterval=0.5)


def _cores() -> int:
    from abm.batch import cpu_count

    return cpu_count()


def _write_trials(path: Path, studies) -> None:
    from abm.atomic import atomic_write_text

    keys = sorted({k for st in studies for r in st.records for k in r["params"]})
    years = sorted({y for st in studies for r in st.records for y in r["per_year"]})
    metrics = sorted({m for st in studies for r in st.records for row in r["per_year"].values() for m in row})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["study", "trial", "objective", "refined_objective"] + [f"{m}_{y}" for y in years for m in metrics]
               + keys)
    for st in studies:
        for r in st.records:
            w.writerow([st.name, r["number"], r["value"], r.get("refined_value", "")]
                       + [r["per_year"].get(y, {}).get(m, "") for y in years for m in metrics]
                       + [r["params"].get(k, "") for k in keys])
    atomic_write_text(path, buf.getvalue())

"""`calibrate(config, out_dir)`: search, evaluate, compare with the null models, write the report.

The steps, in order: `search_parameters` (the model's and the neighbourhood null's searches on the
fit years, then the refinement that picks each one's parameters), `evaluate_chosen` (every year,
fresh seeds, both nulls beside the model), `calibrated_scenario`, `build_report` and `write_outputs`.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from abm.atomic import staged_folder
from abm.calibration.config import OBJECTIVES, CalibrationConfig
from abm.calibration.history import History, load_history
from abm.calibration.report import headline, observed_stats, plot_search, plot_year, skill, summarise, write_json
from abm.calibration.search import Study, refine, run_search
from abm.calibration.simulate import Evaluator, Inputs, base_scenario_raw, map_set_kind

if TYPE_CHECKING:
    from abm.io.sleuth import SleuthSet
    from abm.scenario import Scenario

#: Seeds of the final evaluation start here: replicates independent of those the search selected on.
REPORT_SEED_OFFSET = 1_000_003


@dataclass
class CalibrationResult:
    """What a calibration produced: the best parameters, the report (fit.json) and the files written."""

    best_params: dict[str, Any]
    null_params: dict[str, Any]
    report: dict[str, Any]
    scenario: Scenario
    out_dir: Path | None
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def headline(self) -> dict[str, Any]:
        return self.report["headline"]


@dataclass(frozen=True)
class Execution:
    """Where runs go: the worker count (None: every core, or the Dask cluster's), the scheduler, progress bars."""

    workers: int | None
    scheduler: Any
    progress: bool


@dataclass
class SearchOutcome:
    """The two searches (model, neighbourhood null) and the parameters each chose after refinement."""

    studies: list[Study]
    model_best: dict[str, Any]
    null_best: dict[str, Any]
    refine_seeds: tuple[int, ...]


@dataclass
class Evaluation:
    """The final evaluation: each simulator's summary, its per-year urban share maps, the observed statistics."""

    sims: dict[str, dict[str, Any]]
    shares: dict[str, dict[int, np.ndarray]]
    observed: dict[int, dict[str, float]]
    inputs: Inputs


#: The files of a calibration folder besides the maps (map_<year>.png).
CALIBRATION_FILES = frozenset({"scenario.toml", "fit.json", "search.png", "trials.csv"})

#: The simulators of the final evaluation, in report order.
SIMULATORS = ("model", "null_neighbourhood", "null_persistence")


# ---------------------------------------------------------------------------------------------- run
def calibrate(config: CalibrationConfig, out_dir: str | Path | None = None, *, workers: int | None = None,
              scheduler: Any = None, progress: bool = True, sset: SleuthSet | None = None,
              write: bool = True) -> CalibrationResult:
    """Fit the model (and the neighbourhood null) on the fit years, evaluate on every year, write the report.

    Writes into `out_dir`: ``scenario.toml`` (the best parameters, loadable by ``abm run``), ``fit.json``
    (every metric per year for the model and both null models, MC intervals, skill), ``map_<year>.png``,
    ``search.png`` and ``trials.csv``. `workers` overrides the file's search.workers (0 = every core).
    The folder is replaced whole at the end (abm.atomic.staged_folder): a calibration killed midway
    leaves the previous one's folder as it was; fit.json's run_id is in every other file (or its SHA-256).
    """
    out = Path(out_dir) if out_dir is not None else None
    if write and out is not None:
        # entered before the search: a folder holding other files is refused before the work, not after
        with staged_folder(out, owns=owns_calibration_file, manifest="fit.json") as stage:
            result = fit_and_report(config, stage, workers, scheduler, progress, sset)
    else:
        result = fit_and_report(config, None, workers, scheduler, progress, sset)
    result.out_dir = out
    return result


def owns_calibration_file(name: str) -> bool:
    """Whether `name` in a calibration folder is an output of `abm calibrate` (what a rerun may replace)."""
    return name in CALIBRATION_FILES or re.fullmatch(r"map_\d+\.png", name) is not None


def fit_and_report(config: CalibrationConfig, folder: Path | None, workers: int | None, scheduler: Any,
                   progress: bool, sset: SleuthSet | None) -> CalibrationResult:
    """The calibration's steps; with `folder`, its files are written there (the staged output folder)."""
    t0 = time.perf_counter()
    execution = Execution(worker_count(config, workers, scheduler), scheduler, progress)
    history = load_history(config, sset)
    outcome = search_parameters(config, history, sset, execution)
    search_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    evaluation = evaluate_chosen(config, history, sset, outcome, execution)
    eval_s = time.perf_counter() - t1
    scenario = calibrated_scenario(config, history, outcome.model_best["params"], evaluation.sims["model"])
    report = build_report(config, history, outcome, evaluation)
    report["timing"] = {"search_s": round(search_s, 2), "evaluation_s": round(eval_s, 2),
                        "workers": execution.workers or _cores(),
                        "model_run_s": round(evaluation.sims["model"]["seconds_per_run"], 3)}
    files: list[str] = []
    if folder is not None:
        files = write_outputs(folder, scenario, history, outcome, evaluation, report, t0)
    report["timing"]["total_s"] = round(time.perf_counter() - t0, 2)
    return CalibrationResult(outcome.model_best["params"], outcome.null_best["params"], report, scenario, folder,
                             files, time.perf_counter() - t0)


def worker_count(config: CalibrationConfig, workers: int | None, scheduler: Any) -> int | None:
    """Workers to run on: `workers`, else the file's search.workers; None (0) means every core."""
    n_workers = config.search.workers if workers is None else workers
    n_workers = None if not n_workers else int(n_workers)
    if scheduler is not None and scheduler != "local" and workers is None:
        n_workers = None  # a Dask cluster decides how many workers it has
    return n_workers


def make_studies(config: CalibrationConfig, history: History) -> list[Study]:
    """The model's search and the neighbourhood null's, each with its own replicate seeds, on the fit years."""
    s = config.search
    metrics = OBJECTIVES[s.objective]
    model_seeds = tuple(s.seed * 10_007 + r for r in range(s.replicates))
    null_seeds = tuple(s.seed * 10_007 + 500 + r for r in range(config.null.replicates))
    return [Study("model", "model", s.space, s.trials, model_seeds, history.fit_years, metrics, s.seed,
                  start=dict(s.start) or None),
            Study("neighbourhood", "neighbourhood", config.null.space, config.null.trials, null_seeds,
                  history.fit_years, metrics, s.seed + 1)]


def search_parameters(config: CalibrationConfig, history: History, sset: SleuthSet | None,
                      execution: Execution) -> SearchOutcome:
    """Search both studies, then choose: the leading trials of each re-run on fresh seeds (fit years still),
    best pooled mean. Only the fit years are scored: the hold-out never enters the choice."""
    fit_fn = Evaluator(config, history.fit_years, sset, history)
    s = config.search
    workers, scheduler = execution.workers, execution.scheduler
    studies = make_studies(config, history)
    bar = _bar(sum(st.trials for st in studies), f"calibrate {config.name}", "trial", execution.progress)

    def on_trial(study: Study, record: dict[str, Any]) -> None:
        bar.update(1)
        _show_best(bar, studies, study, record)

    try:
        run_search(fit_fn, studies, s.batch, workers, scheduler, on_trial)
    finally:
        bar.close()
    refine_seeds = tuple(s.seed * 10_007 + 2000 + r for r in range(s.refine_replicates))
    n_refine = min(s.refine_top, len(studies[0].records)) * len(refine_seeds)
    n_refine += min(s.refine_top, len(studies[1].records)) * len(refine_seeds)
    bar = _bar(n_refine, f"refine {config.name}", "run", execution.progress and n_refine > 0)
    try:
        model_best = refine(fit_fn, studies[0], s.refine_top, refine_seeds, workers, scheduler, lambda: bar.update(1))
        null_best = refine(fit_fn, studies[1], s.refine_top, refine_seeds, workers, scheduler, lambda: bar.update(1))
    finally:
        bar.close()
    return SearchOutcome(studies, model_best, null_best, refine_seeds)


def _show_best(bar, studies: list[Study], study: Study, record: dict[str, Any]) -> None:
    """The progress bar's note: each study's best objective so far."""
    best = {st.name: max((r["value"] for r in st.records if math.isfinite(r["value"])), default=math.nan)
            for st in studies}
    best[study.name] = max(best[study.name], record["value"]) if math.isfinite(record["value"]) else best[study.name]
    bar.set_postfix_str(" ".join(f"{k}={v:.3f}" for k, v in best.items() if math.isfinite(v)), refresh=False)


def evaluation_tasks(history: History, outcome: SearchOutcome, replicates: int) -> list[dict[str, Any]]:
    """The final evaluation's runs: every year, fresh seeds (not those the search selected on), every metric."""
    years = list(history.years)
    tasks = [{"kind": "model", "sim": "model", "rep": r, "seed": REPORT_SEED_OFFSET + r,
              "params": outcome.model_best["params"], "years": years, "full": True} for r in range(replicates)]
    tasks += [{"kind": "neighbourhood", "sim": "null_neighbourhood", "rep": r, "seed": REPORT_SEED_OFFSET + r,
               "params": outcome.null_best["params"], "years": years, "full": True} for r in range(replicates)]
    tasks.append({"kind": "persistence", "sim": "null_persistence", "rep": 0, "seed": 0, "params": {},
                  "years": years, "full": True})
    return tasks


def evaluate_chosen(config: CalibrationConfig, history: History, sset: SleuthSet | None, outcome: SearchOutcome,
                    execution: Execution) -> Evaluation:
    """Run the chosen parameters and the persistence null on every year; summarise each with MC intervals."""
    all_fn = Evaluator(config, history.years, sset, history)
    tasks = evaluation_tasks(history, outcome, config.report.replicates)
    results = _evaluate(all_fn, tasks, execution.workers, execution.scheduler, execution.progress, config.name)
    inputs = all_fn.inputs
    obs_stats = observed_stats(inputs, history, history.years)
    sims: dict[str, dict[str, Any]] = {}
    shares: dict[str, dict[int, np.ndarray]] = {}
    for name in SIMULATORS:
        runs = sorted((r for r in results if r[0]["sim"] == name), key=lambda r: r[0]["rep"])
        sims[name] = summarise([r[1]["scores"] for r in runs], history, obs_stats, config.report.interval)
        sims[name]["seconds_per_run"] = float(np.mean([r[1]["seconds"] for r in runs]))
        size = inputs.valid.size
        shares[name] = {y: _share([r[1]["maps"][y] for r in runs], size).reshape(inputs.valid.shape)
                        for y in history.years}
        for r in runs:
            r[1].pop("maps", None)
    sims["model"]["parameters"] = outcome.model_best["params"]
    sims["null_neighbourhood"]["parameters"] = outcome.null_best["params"]
    sims["null_persistence"]["parameters"] = {}
    return Evaluation(sims, shares, obs_stats, inputs)


def calibrated_scenario(config: CalibrationConfig, history: History, params: dict[str, Any],
                        model_summary: dict[str, Any]) -> Scenario:
    """The base scenario (its region path as `abm run` resolves it) with the chosen parameters set."""
    from abm.scenario import scenario_from_dict, set_dotted

    region_path = _scenario_path(config) if history.path.exists() else config.data.path
    raw = base_scenario_raw(config, history, map_set_kind(history), region_path=region_path)
    for dotted, value in params.items():
        set_dotted(raw, dotted, value)
    lsm = model_summary["mean_over_years"]["all"]["lee_sallee"]["mean"]
    raw["description"] = (f"calibrated by abm calibrate on {config.data.path} (fit {list(history.fit_years)}, "
                          f"held out {list(history.holdout_years)}): mean Lee-Sallee {lsm:.3f}")
    return scenario_from_dict(raw, source=config.source)


def _scenario_path(config: CalibrationConfig) -> str:
    """data.path as the scenario should name it: as written when ABM_DATA_DIR resolves it, else absolute."""
    from abm.regions import data_root, resolve_data_path

    p = Path(config.data.path).expanduser()
    if not p.is_absolute() and (data_root() / p).exists():
        return config.data.path
    return str(resolve_data_path(config.data.path, config.source, "data.path").resolve())


def build_report(config: CalibrationConfig, history: History, outcome: SearchOutcome,
                 evaluation: Evaluation) -> dict[str, Any]:
    """fit.json without its timing: every metric per year for the model and both nulls, skill, the searches."""
    sims = evaluation.sims
    report: dict[str, Any] = {
        "name": config.name,
        "calibration": config.to_dict(),
        "data": history.describe(),
        "objective": {"metric": config.search.objective, "years": list(history.fit_years),
                      "meaning": "mean over the fit years of the Monte Carlo mean over replicates"},
        "headline": {},
        "model": sims["model"],
        "null_neighbourhood": sims["null_neighbourhood"],
        "null_persistence": sims["null_persistence"],
        "skill": skill(sims["model"], {"null_neighbourhood": sims["null_neighbourhood"],
                                       "null_persistence": sims["null_persistence"]}, history.years),
        "observed_sleuth_stats": {str(y): v for y, v in evaluation.observed.items()},
        "search": search_summary(outcome),
        "notes": _notes(history),
    }
    report["headline"] = headline({k: sims[k] for k in SIMULATORS}, history)
    report["headline"]["model_beats_both_nulls_every_year"] = {
        m: all(report["skill"][n]["model_better_every_year"][m] for n in ("null_neighbourhood", "null_persistence"))
        for m in ("lee_sallee", "figure_of_merit", "kappa_simulation")}
    return report


def search_summary(outcome: SearchOutcome) -> dict[str, Any]:
    """Per study: trials run, the search's best and the refined choice, and the space searched."""
    return {name: {"trials": len(st.records), "replicates": len(st.seeds),
                   "search_best_trial": st.best["number"], "search_best_value": st.best["value"],
                   "chosen_trial": chosen["number"], "chosen_value": chosen["value"],
                   "chosen_refined_value": chosen.get("refined_value"),
                   "refined": [{"trial": r["number"], "value": r["value"], "refined_value": r["refined_value"]}
                               for r in st.records if "refined_value" in r],
                   "refine_replicates": len(outcome.refine_seeds),
                   "chosen_per_year": chosen["per_year"], "parameters": chosen["params"],
                   "space": {p.key: p.to_dict() for p in st.space}}
            for name, st, chosen in (("model", outcome.studies[0], outcome.model_best),
                                     ("null_neighbourhood", outcome.studies[1], outcome.null_best))}


def write_outputs(out: Path, scenario: Scenario, history: History, outcome: SearchOutcome, evaluation: Evaluation,
                  report: dict[str, Any], t0: float) -> list[str]:
    """scenario.toml, a map PNG per year, search.png, trials.csv and fit.json (last: it lists the others,
    with the run id that the TOML and the PNGs carry and every file's SHA-256)."""
    from abm.atomic import atomic_write_text
    from abm.outputs import new_run_id, stamp_png, vouch
    from abm.scenario import save_scenario

    run_id = new_run_id()
    out.mkdir(parents=True, exist_ok=True)
    save_scenario(scenario, out / "scenario.toml")
    text = (out / "scenario.toml").read_text(encoding="utf-8")  # a TOML comment on top carries the run id
    atomic_write_text(out / "scenario.toml", f'# run_id = "{run_id}" (abm calibrate; fit.json has the same)\n' + text)
    files = ["scenario.toml"]
    start = history.start_map()
    excluded = ~evaluation.inputs.allowed
    sims, shares = evaluation.sims, evaluation.shares
    for y in history.years:
        name = f"map_{y}.png"
        plot_year(out / name, y, history, start, excluded, shares["model"][y], shares["null_neighbourhood"][y],
                  sims["model"]["per_year"][str(y)], sims["null_neighbourhood"]["per_year"][str(y)])
        files.append(name)
    plot_search(out / "search.png", outcome.studies)
    files.append("search.png")
    for name in files:
        if name.endswith(".png"):
            stamp_png(out / name, run_id)
    _write_trials(out / "trials.csv", outcome.studies)
    files.append("trials.csv")
    report["timing"]["total_s"] = round(time.perf_counter() - t0, 2)
    report["run_id"] = run_id
    report["files"] = files + ["fit.json"]
    report["sha256"] = vouch(out, files)
    write_json(out / "fit.json", report)
    files.append("fit.json")
    return files


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
    from abm.executors import map_tasks

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
    from abm.executors import cpu_count

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

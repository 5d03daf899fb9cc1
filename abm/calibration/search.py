"""Seeded TPE search (optuna) over Monte Carlo replicates, evaluated in parallel on `abm.executors.map_tasks`.

Several studies (the model and the neighbourhood null) share one stream of tasks: each round asks
every unfinished study for `batch` trials, runs all their replicates on the workers, then tells the
values to optuna in trial order. Asking and telling in fixed rounds keeps the search deterministic:
the same seed gives the same trials and the same best parameters whatever the number of workers
(trials of a round are spread by optuna's constant liar). All rounds travel through one `map_tasks`
call, a lazy task stream, so worker processes start once; while a round's last tasks finish, the
stream hands out no-op "wait" tasks instead of the next round.

Every replicate index has a fixed seed shared by all trials (common random numbers), so two trials
differ by their parameters, not by their luck.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from abm.calibration.config import Param


@dataclass
class Study:
    """One search: what it simulates, over which parameters, with which budget."""

    name: str                              # "model" | "neighbourhood"
    kind: str                              # the task kind (abm.calibration.simulate.Evaluator)
    space: tuple[Param, ...]
    trials: int
    seeds: tuple[int, ...]                 # one per replicate, shared by every trial
    years: tuple[int, ...]                 # fit years only
    metrics: tuple[str, ...]               # objective: mean over years and metrics of the MC mean
    sampler_seed: int = 0
    start: dict[str, Any] | None = None    # a first trial to evaluate (a warm start), optional
    records: list[dict[str, Any]] = field(default_factory=list)
    study: Any = None

    def __post_init__(self) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(
                seed=self.sampler_seed, multivariate=True, constant_liar=True,
                n_startup_trials=max(3, min(10, self.trials // 4)))
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        if self.start:
            self.study.enqueue_trial(dict(self.start))

    @property
    def asked(self) -> int:
        return len(self.study.trials)

    @property
    def best(self) -> dict[str, Any]:
        """The best trial's record (highest objective)."""
        done = [r for r in self.records if math.isfinite(r["value"])]
        if not done:
            raise RuntimeError(f"the {self.name} search has no finished trial")
        return max(done, key=lambda r: (r["value"], -r["number"]))

    def objective(self, scores: list[dict[int, dict[str, float]]]) -> tuple[float, dict[int, dict[str, float]]]:
        """(value, per-year MC means of every scored metric) from the replicates' scores."""
        means: dict[int, dict[str, float]] = {}
        for year in self.years:
            means[year] = {m: _nanmean([s[year][m] for s in scores]) for m in scores[0][year]}
        value = _nanmean([means[y][m] for y in self.years for m in self.metrics])
        return value, means


def _nanmean(values: list[float]) -> float:
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if arr.size else math.nan


@dataclass
class _Pending:
    study: Study
    trial: Any
    params: dict[str, Any]
    scores: list[Any]
    left: int
    record: dict[str, Any] | None = None


def run_search(fn: Callable[[dict], Any], studies: list[Study], batch: int = 4, workers: int | None = None,
               scheduler: Any = None, progress: Callable[[Study, dict], None] | None = None) -> None:
    """Run every study to its trial budget; records land in ``study.records`` (trial order)."""
    from abm.executors import map_tasks

    rounds = _Rounds(studies, batch)
    for task, result in map_tasks(fn, rounds.tasks(), workers=workers, scheduler=scheduler, chunk=1):
        if task["kind"] == "wait":
            continue
        record = rounds.report(task, result)
        if record is not None and progress is not None:
            progress(rounds.by_name[task["study"]], record)


class _Rounds:
    """The lazy task stream: rounds of trials, a barrier between rounds (see the module docstring)."""

    def __init__(self, studies: list[Study], batch: int) -> None:
        self.studies = studies
        self.by_name = {s.name: s for s in studies}
        self.batch = batch
        self.queue: list[dict[str, Any]] = []
        self.pending: dict[tuple[str, int], _Pending] = {}
        self.outstanding = 0

    def _ask_round(self) -> list[dict[str, Any]]:
        tasks = []
        for s in self.studies:
            for _ in range(min(self.batch, s.trials - s.asked)):
                trial = s.study.ask()
                params = {p.key: p.suggest(trial) for p in s.space}
                self.pending[(s.name, trial.number)] = _Pending(s, trial, params, [None] * len(s.seeds), len(s.seeds))
                for rep, seed in enumerate(s.seeds):
                    tasks.append({"kind": s.kind, "study": s.name, "trial": trial.number, "rep": rep,
                                  "seed": int(seed), "params": params, "years": list(s.years)})
        return tasks

    def tasks(self) -> Iterator[dict[str, Any]]:
        while True:
            if self.queue:
                task = self.queue.pop(0)
                self.outstanding += 1
                yield task
            elif self.outstanding:
                yield {"kind": "wait"}
            else:
                self.queue = self._ask_round()
                if not self.queue:
                    return

    def report(self, task: dict[str, Any], result: dict[str, Any]) -> dict[str, Any] | None:
        """Store one replicate's scores; when the round is complete, tell optuna in trial order."""
        self.outstanding -= 1
        p = self.pending[(task["study"], task["trial"])]
        p.scores[task["rep"]] = result["scores"]
        p.left -= 1
        record = None
        if p.left == 0:
            value, means = p.study.objective(p.scores)
            record = {"number": p.trial.number, "params": p.params, "value": value, "per_year": means}
            p.record = record
        if self.outstanding == 0 and not self.queue:
            for key in sorted(self.pending, key=lambda k: ([s.name for s in self.studies].index(k[0]), k[1])):
                done = self.pending[key]
                rec = done.record
                done.study.study.tell(done.trial, rec["value"] if math.isfinite(rec["value"]) else None,
                                      state=None if math.isfinite(rec["value"]) else _failed())
                done.study.records.append(rec)
            self.pending.clear()
        return record


def _failed():
    import optuna

    return optuna.trial.TrialState.FAIL


def refine(fn: Callable[[dict], Any], study: Study, top: int, seeds: tuple[int, ...], workers: int | None = None,
           scheduler: Any = None, progress: Callable[[], None] | None = None) -> dict[str, Any]:
    """Re-run the `top` best trials with more replicates (fresh `seeds`) and pick the best pooled mean.

    A flat, noisy objective lets the single best trial win partly by luck (the winner's curse); pooling
    more replicates for the few leading trials makes the choice rest on the parameters. Records get
    ``refined_value`` (mean over the search's and the new replicates); returns the chosen record.
    """
    from abm.executors import map_tasks

    done = sorted((r for r in study.records if math.isfinite(r["value"])), key=lambda r: (-r["value"], r["number"]))
    leaders = done[:top]
    if not seeds or len(leaders) < 2:
        return study.best
    tasks = [{"kind": study.kind, "study": study.name, "trial": r["number"], "rep": i, "seed": int(seed),
              "params": r["params"], "years": list(study.years)} for r in leaders for i, seed in enumerate(seeds)]
    scores: dict[int, list[Any]] = {r["number"]: [] for r in leaders}
    for task, result in map_tasks(fn, tasks, workers=workers, scheduler=scheduler, chunk=1):
        scores[task["trial"]].append((task["rep"], result["scores"]))
        if progress is not None:
            progress()
    n_search = len(study.seeds)
    for r in leaders:
        extra = [s for _, s in sorted(scores[r["number"]], key=lambda x: x[0])]
        value, _ = study.objective(extra)
        r["refined_value"] = (r["value"] * n_search + value * len(extra)) / (n_search + len(extra))
        r["refine_value"] = value
    return max(leaders, key=lambda r: (r["refined_value"], -r["number"]))

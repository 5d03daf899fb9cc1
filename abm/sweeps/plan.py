"""Planning a sweep: every run with its resolved scenario and a stable id.

A run's id is the first 16 hex digits of the sha256 of the canonical JSON of its resolved scenario
(defaults filled in, overrides and axis values applied, ``run.seed`` and ``run.ticks`` set) and its
seed. So a run has the same id in every sweep that asks for it, which is what lets a sweep resume,
grow, and run duplicate points once.

>>> from abm.scenario import scenario_from_dict
>>> from abm.sweeps.spec import sweep_from_dict
>>> tiny = scenario_from_dict({"name": "tiny", "region": {"rows": 40, "cols": 40, "town_radius_km": 0.5}})
>>> runs = plan_runs(sweep_from_dict({"scenarios": [tiny], "seeds": [1, 2]}))
>>> [(run.scenario, run.seed, len(run.run_id)) for run in runs]
[('tiny', 1, 16), ('tiny', 2, 16)]
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from abm.errors import ConfigError
from abm.scenario import Scenario, scenario_from_dict, set_dotted
from abm.sweeps.spec import SweepSpec

__all__ = ["PlannedRun", "plan_runs", "run_id_of", "canonical_json"]


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: which scenario, point and seed, its resolved scenario and stable id."""

    run_id: str
    scenario: str
    seed: int
    point: int
    params: tuple[tuple[str, Any], ...]
    resolved: dict[str, Any] | None       # the resolved scenario (run.seed set); None if it is invalid
    source: str = ""
    error: str = ""                       # why the scenario could not be resolved


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces: equal data give equal text, hence equal run ids."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def run_id_of(resolved: dict[str, Any], seed: int) -> str:
    """The stable id of a run: sha256 of the canonical JSON of its resolved scenario and seed, 16 hex.

    >>> run_id_of({"name": "a", "run": {"seed": 1}}, 1) == run_id_of({"run": {"seed": 1}, "name": "a"}, 1)
    True
    """
    return hashlib.sha256(canonical_json({"scenario": resolved, "seed": int(seed)}).encode()).hexdigest()[:16]


def own_value(raw: dict[str, Any], scenario: Scenario, key: str) -> Any:
    """The scenario's own value at dotted `key` as the file would write it: from the resolved dict, else (a
    [carbon] factor the scenario leaves at its default) from the carbon parameters."""
    node: Any = raw
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            node = None
            break
        node = node[part]
    if node is None and key.startswith("carbon."):
        node = getattr(scenario.carbon_parameters(), key.removeprefix("carbon."), None)
    if hasattr(node, "to_toml_value"):
        node = node.to_toml_value()
    return node


def scaled(value: Any, factor: float, key: str) -> Any:
    """`value` (a number or a {year: number} path) times `factor`."""
    if isinstance(value, dict):
        return {year: float(v) * factor for year, v in value.items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) * factor
    raise ConfigError(f"axes.{key}", f"scale = true needs a number or a year path, the scenario has {value!r}",
                      "use scale on a numeric field such as population.growth_rate")


def plan_runs(spec: SweepSpec) -> list[PlannedRun]:
    """Every run of the sweep, scenario by scenario, point by point, seed by seed (duplicates included)."""
    points = spec.points()
    runs: list[PlannedRun] = []
    for scenario in spec.scenarios:
        base = scenario.to_dict()
        if spec.ticks is not None:
            base["run"]["ticks"] = spec.ticks
        for index, point in enumerate(points):
            raw = copy.deepcopy(base)
            error = ""
            try:
                for axis in spec.axes:
                    value = point[axis.key]
                    if axis.scale:
                        value = scaled(own_value(raw, scenario, axis.apply_key), value, axis.key)
                    set_dotted(raw, axis.apply_key, value)
                resolved = scenario_from_dict(raw, source=scenario.source).to_dict()
            except ConfigError as err:
                resolved, error = None, f"ConfigError: {err}"
            params = tuple((a.key, point[a.key]) for a in spec.axes)
            for seed in spec.seeds:
                if resolved is not None:
                    run = copy.deepcopy(resolved)
                    run["run"]["seed"] = int(seed)
                    run_id = run_id_of(run, seed)
                else:
                    run = None
                    bad = copy.deepcopy(raw)
                    bad["run"]["seed"] = int(seed)
                    run_id = run_id_of({"unresolved": bad}, seed)
                runs.append(PlannedRun(run_id, scenario.name, int(seed), index, params, run, scenario.source, error))
    return runs

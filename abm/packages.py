"""Composable scenarios: a scenario file is built from packages, each owning one part of a policy.

A planner's comparison must say what differs. So a scenario is composed, not written whole:

- a **region** package: the land and how its developers and households behave (``region``,
  ``development``, ``choice``, and the household and firm make-up of ``population``);
- an **exogenous paths** package: what planning does not decide (``population.growth_rate``, value
  added per job, the services share, and the grid's emission factor path);
- a **spatial** package: the planner's land levers (``policy.quantity``, ``function``, ``structure``,
  ``layout``, ``renewal``);
- a **technology** package: efficiency (``policy.efficiency`` and the technology factors of
  ``[carbon]``: vehicle, building and industry factors).

A package file says which it is (``package = "spatial"``) and may set only what its kind owns; a
scenario lists its packages in ``extends = [...]`` (later ones override earlier ones, the file's own
keys override them all). ``extends = "other.toml"`` (one whole scenario) still works.

>>> allowed_in("technology", "carbon.ef_car_g_pkm"), allowed_in("spatial", "carbon.ef_car_g_pkm")
(True, False)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from abm.errors import ConfigError
from abm.schema import flatten_dotted, is_year_table
from abm.tomlio import read_toml

#: What each kind of package may set: dotted prefixes (a key is allowed if it starts with one).
PACKAGE_KINDS: dict[str, tuple[str, ...]] = {
    "region": ("region.", "development.", "choice.", "population.move_rate", "population.leave_rate",
               "population.household_size", "population.income_median_cny", "population.car_ownership",
               "population.m2_per_household", "population.jobs_per_household", "population.m2_per_job_",
               "population.firm_", "carbon.climate_zone", "carbon.heating_", "carbon.carbon_pools_file"),
    "paths": ("population.growth_rate", "population.va_per_job_", "population.services_share",
              "carbon.grid_factor_kg_per_kwh", "policy.efficiency.grid_factor_kg_per_kwh"),
    "spatial": ("policy.quantity.", "policy.function.", "policy.structure.", "policy.layout.", "policy.renewal."),
    "technology": ("policy.efficiency.", "carbon."),
}
#: keys no package may set (they belong to the scenario itself)
SCENARIO_ONLY = ("name", "description", "schema", "run.", "detector.")


def allowed_in(kind: str, dotted: str) -> bool:
    """Whether a package of `kind` may set the field `dotted` (technology: any [carbon] key not a path's
    or a region's)."""
    def owns(k: str) -> bool:
        return any(dotted == p or dotted.startswith(p) for p in PACKAGE_KINDS[k])

    if kind == "technology":
        return owns(kind) and not owns("paths") and not owns("region")
    return owns(kind)


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`, table by table (a year table is a value, not a table to merge)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not is_year_table(value):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def check_package(raw: dict[str, Any], path: Path) -> None:
    """A package sets only what its kind owns; one line names the first key that it may not set."""
    kind = raw.pop("package")
    if kind not in PACKAGE_KINDS:
        raise ConfigError(f"{path}: package", f"unknown kind {kind!r}",
                          f"use one of {', '.join(repr(k) for k in PACKAGE_KINDS)}")
    for key in flatten_dotted(raw, is_leaf=is_year_table):
        if key in ("extends", "description"):
            continue
        if any(key == s or key.startswith(s) for s in SCENARIO_ONLY) or not allowed_in(kind, key):
            owner = next((k for k in PACKAGE_KINDS if allowed_in(k, key)), "the scenario file itself")
            raise ConfigError(f"{path}: {key}", f"a {kind} package may not set it",
                              f"move it to a {owner} package" if owner in PACKAGE_KINDS else f"move it to {owner}")


#: The most files one scenario may be built from (its extends chains, each file counted each time it is read):
#: a chain of files that each extend the next twice would otherwise read 2**32 files.
MAX_FILES = 64


def read_scenario_chain(path: Path, seen: tuple[Path, ...] = (), files: list[Path] | None = None) -> dict[str, Any]:
    """The raw scenario of file `path` with its `extends` (one file or a list of packages) merged in;
    `files` collects every file read (at most `MAX_FILES`)."""
    files = [] if files is None else files
    raw = read_toml(path, "scenario", "scenarios/")  # first: a missing file or a link loop is refused by name
    if path.resolve() in seen or len(seen) > 32:
        raise ConfigError(f"{path}: extends", "the extends chain loops or is deeper than 32 files",
                          "remove the cycle")
    files.append(path)
    if len(files) > MAX_FILES:
        raise ConfigError(f"{path}: extends", f"the scenario is built from more than {MAX_FILES} files",
                          "extend fewer files (each one once)")
    if "package" in raw:
        check_package(raw, path)
    parents = raw.get("extends")
    if parents is None:
        return raw
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents) or not parents:
        raise ConfigError("extends", f"expected a file name or a list of them, got {parents!r}",
                          'write extends = "baseline.toml" or extends = ["packages/spatial/compact.toml", ...]')
    base: dict[str, Any] = {}
    for parent in parents:
        inherited = read_scenario_chain(path.parent / parent, seen + (path.resolve(),), files)
        for key in ("name", "description", "extends"):
            inherited.pop(key, None)
        base = merge(base, inherited)
    return merge(base, raw)

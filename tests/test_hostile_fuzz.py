"""The project's own hostile-user generator (issue 14), as properties over every config schema.

Any value (extreme, non-finite, huge, of the wrong type, a field's own limits) in any field of a
scenario (carbon and detector tables included), a sweep or a calibration file, and any ``--ticks``,
``--seed`` or ``--out`` of ``abm run``: either it is accepted, and a scenario runs (a tiny region,
1-2 ticks), or it is refused in one short line (ConfigError or DataError; the CLI's exit status 2),
never another exception. Example counts are bounded so the file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from abm.calibration.config import CalibrationConfig, calibration_from_dict
from abm.carbon_params import CarbonParameters
from abm.errors import ConfigError, DataError
from abm.scenario import Scenario, scenario_from_dict
from abm.schema import fields_of
from abm.sweeps.spec import SweepFile, sweep_from_dict

TINY_REGION = {"rows": 20, "cols": 20, "town_radius_km": 0.5, "villages": 0}
#: ABM_FUZZ_SCALE=20 draws twenty times the examples, with a fresh random seed (a deeper hunt, by hand).
SCALE = int(os.environ.get("ABM_FUZZ_SCALE", "1"))


def fast(examples: int) -> settings:
    """Bounded, derandomised (the same examples every run, no example database), no deadline."""
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=SCALE == 1, database=None,
                    suppress_health_check=list(HealthCheck))


def leaves(cls: type, prefix: str = "") -> list[tuple[str, typing.Any]]:
    """(dotted name, FieldSpec) of every field of schema `cls`, sections walked."""
    out = []
    for spec in fields_of(cls):
        name = f"{prefix}{spec.name}"
        out += leaves(spec.type, name + ".") if spec.is_section else [(name, spec)]
    return out


SCENARIO_FIELDS = (leaves(Scenario) + [("carbon." + n, s) for n, s in leaves(CarbonParameters)]
                   + [(f"detector.{n}", None) for n in ("smoothing_window", "confirm_ticks", "noise_factor",
                                                          "noise_window", "noise_floor")])
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-2**70, max_value=2**70),
    st.sampled_from([2**1100, -2**1100, 2**63, 2**64, 0, -1, 1, 0.5, 1e308, -1e308, 5e-324]),
)
INTEGERS = st.one_of(st.integers(min_value=-2**70, max_value=2**70),
                     st.sampled_from([2**1100, 2**63, 2**64, 0, -1, 1, 2, 999, 1000, 1001]))
YEARS = st.sampled_from(["2020", "2030", "0", "9999", "10000", "99999999999999999999", "-1", "x", "²", " 2020"])
HOSTILE = st.one_of(
    NUMBERS,
    st.text(max_size=20), st.just("x" * 2_000), st.booleans(),
    st.lists(NUMBERS, max_size=3), st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(YEARS, st.one_of(NUMBERS, st.text(max_size=3)), min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=8), NUMBERS, max_size=2),
)


def values_for(spec) -> st.SearchStrategy:
    """Hostile values, plus the field's own choices and limits (just inside and just outside)."""
    if spec is None:
        return HOSTILE
    s, extra = spec.setting, []
    args = typing.get_args(spec.type)
    if typing.get_origin(spec.type) is typing.Literal:
        extra.append(st.sampled_from(args))
    for limit in (s.lo, s.hi):
        if limit is not None:
            extra.append(st.sampled_from([limit, limit - 1, limit + 1, limit * 2, int(limit)]))
    if s.lo is not None and s.hi is not None:
        extra.append(st.floats(min_value=s.lo, max_value=min(s.hi, 1e12)))
    return st.one_of(HOSTILE, *extra, *extra, *extra) if extra else HOSTILE  # mostly the field's own values


def in_range(spec) -> st.SearchStrategy | None:
    """Values a field accepts: its choices, true/false, or numbers from its range (limits likeliest),
    for year paths also a two-year table; None for text and tables."""
    from abm.paths import YearPath

    if spec is None:
        return None
    s, tp = spec.setting, spec.type
    if typing.get_origin(tp) is typing.Literal:
        return st.sampled_from(typing.get_args(tp))
    if tp is bool:
        return st.booleans()
    if tp not in (int, float, YearPath) or s.lo is None or s.hi is None:
        return None
    hi = min(s.hi, 1e9)
    numbers = st.one_of(st.sampled_from([s.lo, hi, (s.lo + hi) / 2]), st.floats(min_value=s.lo, max_value=hi))
    if tp is int:
        return numbers.map(lambda v: max(int(s.lo), min(int(hi), round(v))))
    if tp is YearPath:
        table = st.dictionaries(st.sampled_from(["2019", "2020", "2021", "2030", "2100"]), numbers, min_size=1,
                                max_size=3)
        return st.one_of(numbers, table)
    return numbers


RANGED = [(name, in_range(spec)) for name, spec in SCENARIO_FIELDS if in_range(spec) is not None
          and name not in ("region.rows", "region.cols")] + [("region.rows", st.integers(10, 30)),
                                                             ("region.cols", st.integers(10, 30))]


def put(raw: dict, dotted: str, value) -> None:
    """``raw[a][b] = value`` for ``a.b``, replacing whatever is not a table on the way."""
    *parents, last = dotted.split(".")
    for part in parents:
        if not isinstance(raw.get(part), dict):
            raw[part] = {}
        raw = raw[part]
    raw[last] = value


def one_line(err: Exception) -> None:
    text = str(err)
    assert "\n" not in text and len(text) < 500, text
    assert "x" * 100 not in text, text


def small_enough(scenario: Scenario) -> bool:
    """A synthetic region of at most 900 cells whose town seeds at most 50,000 households: quick to run."""
    r = scenario.region
    if r.kind != "synthetic" or r.rows * r.cols > 900:
        return False
    from abm.regions import build_region

    grid = build_region(scenario)
    return grid.floor_residential.sum() / scenario.population.m2_per_household < 50_000


def run_or_refuse(raw: dict) -> None:
    """Build the scenario and run it two ticks (if small enough), or check its refusal is one line."""
    try:
        scenario = scenario_from_dict(raw)
        if small_enough(scenario):
            from abm.runner import run_scenario

            run_scenario(scenario, ticks=min(scenario.run.ticks, 2))
            event("ran")
        else:
            event("validated (too large to run here)")
    except (ConfigError, DataError) as err:
        event("refused")
        one_line(err)


@fast(60)
@given(st.data())
def test_any_scenario_value_runs_or_is_refused_in_one_line(data):
    raw = {"name": "fuzz", "run": {"ticks": 2}, "region": dict(TINY_REGION)}
    for _ in range(data.draw(st.integers(1, 3), label="fields")):
        name, spec = data.draw(st.sampled_from(SCENARIO_FIELDS), label="field")
        put(raw, name, data.draw(values_for(spec), label=name))
    run_or_refuse(raw)


@fast(60)
@given(st.data())
def test_any_scenario_of_allowed_values_runs_or_is_refused_in_one_line(data):
    """Values each field allows, several at once (their combinations are where the model itself broke)."""
    raw = {"name": "fuzz", "run": {"ticks": 2}, "region": dict(TINY_REGION)}
    for _ in range(data.draw(st.integers(2, 12), label="fields")):
        name, values = data.draw(st.sampled_from(RANGED), label="field")
        put(raw, name, data.draw(values, label=name))
    run_or_refuse(raw)


SWEEP_FIELDS = [(n, s) for n, s in leaves(SweepFile) if n != "scenarios"] + [
    ("axes.policy.layout.far_cap_core", None), ("axes.region.seed", None), ("axes.run.ticks", None),
    ("axes.nope", None), ("overrides.region.rows", None), ("overrides.policy.layout", None)]


@fast(150)
@given(st.data())
def test_any_sweep_value_is_read_or_refused_in_one_line(data):
    tiny = scenario_from_dict({"name": "tiny", "region": TINY_REGION})
    raw: dict = {"scenarios": [tiny], "seeds": 2}
    for _ in range(data.draw(st.integers(1, 3), label="fields")):
        name, spec = data.draw(st.sampled_from(SWEEP_FIELDS), label="field")
        value = data.draw(st.one_of(values_for(spec), st.fixed_dictionaries(
            {"min": NUMBERS, "max": NUMBERS}, optional={"num": NUMBERS, "log": st.booleans()})), label=name)
        put(raw, name, value)
    try:
        spec = sweep_from_dict(raw)
    except ConfigError as err:
        one_line(err)
        return
    from abm.sweeps import plan_runs

    if len(spec.points()) * len(spec.seeds) <= 50:
        plan_runs(spec)  # each run resolved: an invalid one is recorded, never raised


CALIBRATION_FIELDS = ([(n, s) for n, s in leaves(CalibrationConfig) if n != "scenario"]
                      + [("name", None), ("search.space.development.weight_edge", None),
                         ("search.space.run.ticks", None), ("search.start.development.weight_edge", None)]
                      + [(f"scenario.{n}", s) for n, s in leaves(Scenario)[:40:3]])


@fast(150)
@given(st.data())
def test_any_calibration_value_is_read_or_refused_in_one_line(data):
    raw: dict = {"data": {"path": ".", "fit_years": [1950]},
                 "search": {"space": {"development.weight_edge": [0.0, 10.0]}}}
    for _ in range(data.draw(st.integers(1, 3), label="fields")):
        name, spec = data.draw(st.sampled_from(CALIBRATION_FIELDS), label="field")
        put(raw, name, data.draw(values_for(spec), label=name))
    try:
        calibration_from_dict(raw, check_path=False)
    except ConfigError as err:
        one_line(err)


class Reached(Exception):
    """The run was about to start: every flag was accepted."""


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "tiny.toml"
    path.write_text('name = "tiny"\n[run]\nticks = 1\n[region]\nrows = 20\ncols = 20\ntown_radius_km = 0.5\n')
    return path


OUT_NAMES = st.one_of(st.text(st.characters(blacklist_characters="/"), max_size=40),
                      st.sampled_from(["..", ".", "", " ", "a" * 300, "afile", "afile/x", "dangling", "dangling/x",
                                       "/dev/null", "/proc/abm-fuzz", "ok/deeper/still"]))


@fast(60)
@given(ticks=st.one_of(st.none(), INTEGERS), seed=st.one_of(st.none(), INTEGERS), out=st.one_of(st.none(), OUT_NAMES))
def test_run_flags_run_or_are_refused_in_one_line(tiny_file, monkeypatch, ticks, seed, out):
    import abm.runner
    from abm.cli import main

    def reached(*args, **kwargs):
        raise Reached

    monkeypatch.setattr(abm.runner, "simulate", reached)
    argv = ["run", str(tiny_file), "--quiet"] + [f"--{flag}={value}" for flag, value in
                                                 (("ticks", ticks), ("seed", seed), ("out", out)) if value is not None]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        Path("afile").write_text("a file")
        Path("dangling").symlink_to(Path(folder) / "missing" / "x")
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                code = main(argv)
        except Reached:
            return
        finally:
            os.chdir(here)
    line = err.getvalue().strip()
    assert code == 2 and line.startswith("abm run: error: ") and "\n" not in line and len(line) < 500, line

"""The hostile-user generator with counts (issue 14): cases, refusals, runs, tracebacks, hangs.

Runs the property tests of tests/test_hostile_fuzz.py (every field of a scenario, sweep and calibration
file; abm run's --ticks, --seed and --out) plus three generators of its own: random command lines,
drawn boundary / red-line / farmland files, and calibration map sets of random shapes and contents.
Every case is counted instead of stopping at the first failure, with a per-case alarm for hangs:

    ABM_FUZZ_SCALE=5 .venv/bin/python -m benchmarks.hostile_generator     # about 5 x 600 cases

Prints one JSON object: the counts, per generator, and the distinct traceback signatures (must be none).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import io
import json
import os
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import test_hostile_fuzz as fuzz  # noqa: E402

#: Seconds a case may take before it counts as a hang.
TIMEOUT_S = int(os.environ.get("ABM_FUZZ_TIMEOUT", "60"))
COUNTS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
SIGNATURES: collections.Counter = collections.Counter()
MARK = {"runs": 0, "refusals": 0}


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def counted(name: str, inner):
    """`inner` (one case) run under an alarm, its outcome counted: ran, refused, accepted, traceback, hang."""
    @functools.wraps(inner)
    def case(*args, **kwargs):
        runs, refusals = MARK["runs"], MARK["refusals"]
        signal.alarm(TIMEOUT_S)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                inner(*args, **kwargs)
            outcome = "ran" if MARK["runs"] > runs else "refused" if MARK["refusals"] > refusals else "accepted"
        except Hang:
            outcome = "hang"
        except BaseException as err:  # noqa: BLE001 - every escape is what the generator hunts
            if isinstance(err, KeyboardInterrupt) or type(err).__module__.startswith("hypothesis"):
                raise  # hypothesis' own control flow (a draw past its data): not a case
            outcome = "traceback"
            frame = traceback.extract_tb(err.__traceback__)[-1]
            SIGNATURES[f"{type(err).__name__}: {str(err)[:120]} @ {Path(frame.filename).name}:{frame.lineno}"] += 1
        finally:
            signal.alarm(0)
        COUNTS[name][outcome] += 1
        COUNTS[name]["cases"] += 1
    return case


def _wrap_counters() -> None:
    import abm.cli
    import abm.runner

    real_run, real_one_line, real_main = abm.runner.run_scenario, fuzz.one_line, abm.cli.main

    def run_scenario(*args, **kwargs):
        out = real_run(*args, **kwargs)
        MARK["runs"] += 1
        return out

    def one_line(err):
        real_one_line(err)
        MARK["refusals"] += 1

    def main(argv=None):
        code = real_main(argv)
        if code == 2:
            MARK["refusals"] += 1
        return code

    abm.runner.run_scenario, fuzz.one_line, abm.cli.main = run_scenario, one_line, main


# ------------------------------------------------------------------------------------------ own generators
TOKENS = st.one_of(
    st.sampled_from(["run", "sweep", "calibrate", "report", "attribute", "data", "describe", "--ticks", "--seed",
                     "--out", "--workers", "--scheduler", "--trials", "--dry-run", "--quiet", "--no-snapshots",
                     "-h", "--bogus", "", "-", "--", "1", "0", "-1", "1e9", "nan", "x" * 300, "/dev/null", ".",
                     "SCENARIO"]),
    st.text(max_size=12))


def one_line_exit(argv: list[str], tiny: Path) -> None:
    """Any command line: exit status 0, or 2 with one line on stderr, never a traceback."""
    import abm.cli
    import abm.runner

    argv = [str(tiny) if a == "SCENARIO" else a for a in argv]
    if "-h" in argv or (argv and argv[0] in ("sweep", "calibrate", "attribute") and "--dry-run" not in argv):
        return  # help pages and real multi-run work are out of scope here
    err = io.StringIO()
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stderr(err):
        here = os.getcwd()
        os.chdir(folder)
        try:
            code = abm.cli.main(argv)
        except SystemExit as done:
            code = done.code
        finally:
            os.chdir(here)
    text = err.getvalue().strip().splitlines()
    lines = [line for line in text if "estimate:" not in line and "it/s" not in line and "yr/s" not in line]
    if code == 2:
        MARK["refusals"] += 1
        assert len(lines) == 1 and len(lines[0]) < 600, text
    else:
        assert code in (0, 1, None), (code, text)


def drawn_file(field: str, kind: str, coords: list[float], tiny_text: str) -> None:
    """A boundary / red line / farmland file of random content: runs or is refused in one line naming the field."""
    from abm.cli import main

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "drawn.geojson"
        if kind == "empty":
            path.write_text("")
        elif kind == "garbage":
            path.write_bytes(bytes(int(abs(c)) % 256 for c in coords) or b"\0")
        else:
            x0, y0, w, h = coords[0], coords[1], abs(coords[2]) + 1e-3, abs(coords[3]) + 1e-3
            ring = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
            geometry = None if kind == "null" else {"type": "Polygon", "coordinates": [ring]}
            features = [] if kind == "none" else [{"type": "Feature", "properties": {}, "geometry": geometry}]
            path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        scenario = Path(folder) / "s.toml"
        scenario.write_text(tiny_text + f'[region]\nrows = 20\ncols = 20\ntown_radius_km = 0.5\nvillages = 0\n'
                            f'{field} = "{path}"\n')
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["run", str(scenario), "--quiet", "--out", str(Path(folder) / "o")])
        if code == 0:
            MARK["runs"] += 1
            return
        line = err.getvalue().strip()
        assert code == 2 and "\n" not in line and f"region.{field}" in line, line


def map_set(rows: int, cols: int, fill: float, grow: float, excluded: int, valid: float, seed: int) -> None:
    """A calibration map set of random shape and content: refused in one line before the search, or fitted."""
    from abm.calibration import calibrate, calibration_from_dict
    from abm.calibration.recovery import toy_map_set
    from abm.errors import ConfigError, DataError

    rng = np.random.default_rng(seed)
    start = rng.random((rows, cols)) < fill
    later = start | (rng.random((rows, cols)) < grow)
    ok = rng.random((rows, cols)) < valid
    years = (2000, 2010, 2020, 2030)
    sset = dataclasses.replace(
        toy_map_set(16), urban={y: (start if y == 2000 else later) & ok for y in years},
        roads={2000: np.zeros((rows, cols), np.uint8)}, slope=np.zeros((rows, cols), np.float32),
        excluded=np.where(rng.random((rows, cols)) < excluded / 100, 100, 0).astype(np.uint8), landuse={},
        valid=ok)
    cfg = calibration_from_dict({
        "name": "fuzz", "data": {"path": "<synthetic>", "fit_years": [2010, 2020], "holdout_years": [2030]},
        "search": {"trials": 2, "replicates": 1, "batch": 2, "seed": 1, "refine_top": 1, "refine_replicates": 1,
                   "space": {"development.weight_road": [0.0, 6.0]}},
        "null": {"trials": 2, "replicates": 1}, "report": {"replicates": 1}}, check_path=False)
    try:
        calibrate(cfg, None, workers=1, progress=False, sset=sset, write=False)
        MARK["runs"] += 1
    except (ConfigError, DataError) as err:
        fuzz.one_line(err)


def main() -> dict:
    import pytest

    _wrap_counters()
    scale = fuzz.SCALE
    start = time.perf_counter()
    tiny = Path(tempfile.mkdtemp()) / "tiny.toml"
    tiny.write_text('name = "tiny"\n[run]\nticks = 1\n[region]\nrows = 20\ncols = 20\ntown_radius_km = 0.5\n')
    tests = {
        "scenario_any_value": (fuzz.test_any_scenario_value_runs_or_is_refused_in_one_line, ()),
        "scenario_allowed_values": (fuzz.test_any_scenario_of_allowed_values_runs_or_is_refused_in_one_line, ()),
        "sweep_fields": (fuzz.test_any_sweep_value_is_read_or_refused_in_one_line, ()),
        "calibration_fields": (fuzz.test_any_calibration_value_is_read_or_refused_in_one_line, ()),
    }
    for name, (test, args) in tests.items():
        test.hypothesis.inner_test = counted(name, test.hypothesis.inner_test)
        test(*args)
    flags = fuzz.test_run_flags_run_or_are_refused_in_one_line
    flags.hypothesis.inner_test = counted("run_flags", flags.hypothesis.inner_test)
    with pytest.MonkeyPatch.context() as mp:
        flags(tiny, mp)

    own = fuzz.fast(40)
    argv = own(given(st.lists(TOKENS, max_size=6))(counted("command_lines", lambda a: one_line_exit(a, tiny))))
    argv()
    drawn = own(given(st.sampled_from(["growth_boundary_file", "red_line_file", "farmland_file"]),
                      st.sampled_from(["empty", "garbage", "none", "null", "polygon", "polygon", "polygon"]),
                      st.lists(st.floats(-3e3, 3e3), min_size=4, max_size=4))(
        counted("drawn_files", lambda f, k, c: drawn_file(f, k, c, '[run]\nticks = 1\n'))))
    drawn()
    maps = fuzz.fast(15)(given(st.integers(1, 12), st.integers(1, 12), st.sampled_from([0.0, 0.05, 0.3, 1.0]),
                               st.sampled_from([0.0, 0.05, 0.5]), st.sampled_from([0, 50, 100]),
                               st.sampled_from([0.0, 0.5, 1.0]), st.integers(0, 100))(
        counted("calibration_maps", map_set)))
    maps()

    total = collections.Counter()
    for c in COUNTS.values():
        total.update(c)
    out = {"scale": scale, "seconds": round(time.perf_counter() - start),
           "cases": total["cases"], "refusals": total["refused"], "runs": total["ran"],
           "accepted_not_run": total["accepted"], "tracebacks": total["traceback"], "hangs": total["hang"],
           "per_generator": {k: dict(v) for k, v in COUNTS.items()}, "signatures": dict(SIGNATURES)}
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()

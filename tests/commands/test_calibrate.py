"""`abm calibrate`: one-line refusals, and a short calibration on demo200 through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from abm.cli import main

REPO = Path(__file__).resolve().parents[2]


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_help_describes_calibrate(capsys):
    with pytest.raises(SystemExit) as done:
        main(["calibrate", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--trials" in out and "fit.json" in out


def test_a_missing_file_is_one_line(tmp_path, capsys):
    assert main(["calibrate", str(tmp_path / "none.toml")]) == 2
    assert "calibration file not found" in _error_line(capsys)


@pytest.mark.parametrize("text, expected", [
    ('colour = "red"\n', "colour: unknown field"),
    ('[data]\npath = "/nowhere/at/all"\nfit_years = [1950]\n[search.space]\n"development.weight_edge" = [0, 9]\n',
     "data.path: '/nowhere/at/all' not found"),
    ('[data]\npath = "."\nfit_years = [1950]\n[search.space]\n"development.weight_edge" = [9, 1]\n',
     "search.space.development.weight_edge: low 9 is not below high 1"),
    ('[data]\npath = "."\nfit_years = [1950]\n[search.space]\n"development.score_noise" = [0, 50]\n',
     "search.space.development.score_noise: high 50 is above the field's maximum"),
    ('[data\npath = "."\n', "not valid TOML"),
])
def test_bad_files_are_refused_with_one_line(tmp_path, capsys, text, expected):
    path = tmp_path / "cal.toml"
    path.write_text(text)
    assert main(["calibrate", str(path)]) == 2
    line = _error_line(capsys)
    assert expected in line and line.startswith("abm calibrate: error:")


def test_bad_flags_are_refused(capsys):
    assert main(["calibrate", "calibration/demo200.toml", "--trials", "0"]) == 2
    assert "--trials: 0 is below the minimum 1" in _error_line(capsys)
    # the executor flags are checked as `abm sweep` checks them (abm.executors.check_executor_arguments)
    assert main(["calibrate", "calibration/demo200.toml", "--workers", "-1"]) == 2
    assert "--workers: -1 is below the minimum 0" in _error_line(capsys)
    assert main(["calibrate", "calibration/demo200.toml", "--workers", "2", "--scheduler", "local"]) == 2
    assert "--workers and --scheduler" in _error_line(capsys)
    assert main(["calibrate", "calibration/demo200.toml", "--scheduler", "somehost"]) == 2
    assert "--scheduler: 'somehost' is not an address" in _error_line(capsys)


def test_short_calibration_on_demo200(demo200_dir, tmp_path, capsys):
    cal = tmp_path / "demo.toml"
    text = (REPO / "calibration" / "demo200.toml").read_text()
    cal.write_text(text.replace('path = "sleuth/demo200"', f'path = "{demo200_dir}"')
                   .replace("refine_replicates = 8", "refine_replicates = 1"))
    out = tmp_path / "out"
    code = main(["calibrate", str(cal), "--trials", "2", "--null-trials", "2", "--replicates", "1",
                 "--report-replicates", "2", "--workers", "1", "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Lee-Sallee" in printed and "Kappa simulation" in printed and "1990*" in printed
    for name in ("scenario.toml", "fit.json", "map_1950.png", "map_1970.png", "map_1990.png"):
        assert (out / name).is_file(), name
    fit = json.loads((out / "fit.json").read_text())
    assert fit["search"]["model"]["trials"] == 2
    # the written scenario runs with `abm run`
    assert main(["run", str(out / "scenario.toml"), "--ticks", "2", "--no-snapshots", "--quiet",
                 "--out", str(tmp_path / "run")]) == 0

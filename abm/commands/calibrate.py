"""Fit the model to a city's historical urban maps and report how well it fits, beside two null models.

Reads a calibration file (see calibration/README.md): the map folder, the years to fit and to hold
out, the base scenario and the parameters to search. The model starts from the first map, grows by
the observed totals, and optuna (seeded TPE) searches the parameters over Monte Carlo replicates on
the fit years only; the held-out years are scored once at the end. Writes into --out:

  scenario.toml     the best parameters as a scenario (abm run out/.../scenario.toml)
  fit.json          every metric per year (Lee-Sallee, Figure of Merit, Kappa simulation, quantity /
                    allocation disagreement, multi-resolution agreement, SLEUTH statistics and
                    regression) with Monte Carlo intervals, for the model and the two null models
                    (persistence, neighbourhood allocation), and the model's skill over them
  map_<year>.png    observed vs simulated urban land per compared year
  search.png        the objective of every trial; trials.csv: every trial's parameters and scores

The folder is replaced whole at the end (the files are written into a hidden sibling first): a
calibration killed midway leaves the previous one's folder as it was. fit.json's run_id is in the
TOML and the PNGs, and fit.json holds every file's SHA-256.

examples:
  abm calibrate calibration/demo200.toml
  abm calibrate calibration/demo200.toml --trials 20 --out out/cal-quick --workers 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "fit the model to historical urban maps (optuna over Monte Carlo replicates) and report the fit"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CALIBRATION.toml", help="calibration file (see calibration/)")
    parser.add_argument("--trials", type=int, metavar="N", help="model trials (default: the file's search.trials)")
    parser.add_argument("--null-trials", type=int, metavar="N",
                        help="trials of the neighbourhood null model (default: the file's null.trials)")
    parser.add_argument("--replicates", type=int, metavar="N",
                        help="Monte Carlo replicates per trial (default: the file's search.replicates)")
    parser.add_argument("--report-replicates", type=int, metavar="N",
                        help="replicates of the final evaluation (default: the file's report.replicates)")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: out/calibration/<name>)")
    from abm.executors import add_executor_arguments

    add_executor_arguments(parser, "worker processes (default: the file's search.workers; 0 = every core)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def main(args: argparse.Namespace) -> int:
    from abm.cli import UserFacingError
    from abm.errors import ConfigError, DataError

    budget = flags(args)
    from abm.executors import check_executor_arguments

    check_executor_arguments(args.workers, args.scheduler, min_workers=0)
    from abm.calibration import calibrate, load_calibration_config
    from abm.commands.common import file_refused, output_folder

    if args.out is not None:
        output_folder(args.out, Path(args.out))
    try:
        config = load_calibration_config(args.config)
    except ConfigError as err:
        raise file_refused(args.config, err) from None
    config = config.with_trials(**budget)
    out = output_folder(args.out, Path("out") / "calibration" / config.name)
    from abm.atomic import FolderError

    try:
        result = calibrate(config, out, scheduler=args.scheduler, progress=not args.quiet)
    except FolderError as err:  # --out holds someone else's files: say so, not the calibration file
        raise UserFacingError(f"--out {err}") from None
    except ConfigError as err:
        raise file_refused(args.config, err) from None
    except DataError as err:
        raise UserFacingError(str(err)) from None
    print(summary(result))
    return 0


def flags(args: argparse.Namespace) -> dict:
    """The budget flags, each read with the limits of the file field it overrides (None: not given)."""
    from abm.calibration.config import NullConfig, ReportConfig, SearchConfig
    from abm.commands.common import flag

    return {"trials": flag(SearchConfig, "trials", args.trials, "--trials"),
            "workers": flag(SearchConfig, "workers", args.workers, "--workers"),
            "replicates": flag(SearchConfig, "replicates", args.replicates, "--replicates"),
            "null_trials": flag(NullConfig, "trials", args.null_trials, "--null-trials"),
            "report_replicates": flag(ReportConfig, "replicates", args.report_replicates, "--report-replicates")}


def summary(result) -> str:
    """The fit in a few lines: per year, model vs the null models, hold-out marked."""
    rep = result.report
    data = rep["data"]
    held = set(data["holdout_years"])
    years = sorted(int(y) for y in rep["model"]["per_year"])
    names = (("model", "model"), ("null_neighbourhood", "neighbourhood null"), ("null_persistence", "persistence"))
    lines = [f"Calibration {rep['name']!r}: start {data['start_year']}, fit {data['fit_years']}, "
             f"held out {data['holdout_years']}; {rep['search']['model']['trials']} trials x "
             f"{rep['search']['model']['replicates']} replicates, evaluated on {rep['model']['replicates']} fresh ones"]
    for metric, title in (("lee_sallee", "Lee-Sallee"), ("figure_of_merit", "Figure of Merit"),
                          ("kappa_simulation", "Kappa simulation")):
        head = f"  {title:<20}" + "".join(f"{y}{'*' if y in held else ' '}".rjust(10) for y in years) + "      mean"
        lines.append(head)
        for key, label in names:
            sim = rep[key]
            row = [sim["per_year"][str(y)][metric]["mean"] for y in years]
            mean = sim["mean_over_years"]["all"][metric]["mean"]
            lines.append(f"    {label:<18}" + "".join(_num(v).rjust(10) for v in row) + _num(mean).rjust(10))
    lines.append("  (* held out of the fit; MC means; intervals and every other metric in fit.json)")
    beats = rep["headline"]["model_beats_both_nulls_every_year"]
    lines.append("  model better than both null models every year: "
                 + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in beats.items()))
    lines.append(f"  wall time {result.seconds:.0f} s; outputs in {result.out_dir}/: {', '.join(result.files)}")
    return "\n".join(lines)


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


if __name__ == "__main__":  # pragma: no cover
    from abm.cli import main as cli_main

    sys.exit(cli_main(["calibrate", *sys.argv[1:]]))

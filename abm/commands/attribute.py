"""Say which lever moves which result: decompose B - A exactly into lever classes, technology and paths.

Runs every coalition of the factors where the two scenarios differ (the five lever classes, stock
renewal, technology, and the exogenous paths: population, economy, grid): A with those factors
taken from B, once per seed, and computes the exact Shapley value of each factor for cumulative
emissions, the peak (year and level), the net-zero year and the five inflection years. The
contributions add up to B - A exactly, per metric and seed; factors the same in A and B get 0, and
the result is conditional on them (the table names the exogenous paths held). Years not reached by
the end of the run count as the year after it (see docs/attribution.md). Also an LMDI decomposition
of A's and B's net emissions (population, floor per person, energy intensity, carbon factor, travel
distance, mode share, conversion, sink).

Writes into --out: attribution.parquet, lmdi.parquet, coalitions.parquet, waterfall.png and
attribution.txt (the printed table).

examples:
  abm attribute scenarios/sprawl.toml scenarios/compact.toml --out out/attr --seeds 5
  abm attribute scenarios/compact.toml scenarios/compact_ambitious.toml --out out/tech --workers 2
  abm attribute A.toml B.toml --out out/ab --factors quantity+layout,efficiency --ticks 20
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from abm.errors import clip, shown

HELP = "decompose the difference of two scenarios into lever classes, technology and exogenous paths (Shapley)"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", metavar="A.toml", help="the scenario compared against (the start of the waterfall)")
    parser.add_argument("b", metavar="B.toml", help="the scenario whose difference to A is decomposed")
    parser.add_argument("--out", metavar="DIR", required=True, help="output folder")
    parser.add_argument("--seeds", type=int, metavar="N", help="seeds 0 .. N-1 (default: A's run.seed)")
    parser.add_argument("--seed", type=int, nargs="+", metavar="S", help="these seeds")
    parser.add_argument("--ticks", type=int, metavar="N", help="years to simulate (default: the scenarios')")
    parser.add_argument("--factors", metavar="LIST",
                        help="comma-separated factors, '+' joining those decomposed together, e.g. "
                             "quantity+layout,efficiency (the other differing factors form 'rest')")
    parser.add_argument("--censor", default="horizon", metavar="RULE",
                        help="years not reached: 'horizon' (the year after the run, default) or 'nan'")
    parser.add_argument("--lmdi-years", type=int, nargs=2, metavar=("Y0", "Y1"),
                        help="LMDI between these years (default: the first and last year)")
    from abm.executors import add_executor_arguments

    add_executor_arguments(parser, "local worker processes (default: all cores; 1 = in this process)")
    parser.add_argument("--permutations", type=int, metavar="K",
                        help="sample the Shapley values over K orders of the factors instead of running every "
                             "coalition (at most K x (factors - 1) + 2 runs per seed; contributions still add up "
                             "to B - A exactly); for many factors")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


#: The most sampled orders of the factors (--permutations): beyond it, exact Shapley values cost less.
MAX_PERMUTATIONS = 10_000


def _check(args: argparse.Namespace) -> None:
    """Every flag refused in one line before any run, with the limits of the file fields they stand for."""
    from abm.cli import UserFacingError
    from abm.commands.common import flag, output_folder
    from abm.executors import check_executor_arguments
    from abm.scenario import RunConfig
    from abm.sweeps.spec import SeedRange

    check_executor_arguments(args.workers, args.scheduler)
    for label, path in (("A.toml", args.a), ("B.toml", args.b)):
        try:
            found = Path(path).is_file()
        except OSError:  # a name too long, a loop of links
            found = False
        if not found:
            raise UserFacingError(f"{label}: {clip(path, 120)} is not a file (fix: give a scenario file, e.g. "
                                  "scenarios/compact.toml)")
    if args.seeds is not None and args.seed is not None:
        raise UserFacingError("--seeds and --seed: give one of them (fix: --seeds 5 or --seed 1 2 3)")
    flag(SeedRange, "count", args.seeds, "--seeds")
    for seed in args.seed or ():
        flag(RunConfig, "seed", seed, "--seed")
    if args.seed is not None and len(set(args.seed)) != len(args.seed):
        raise UserFacingError("--seed: seeds must be distinct (fix: e.g. --seed 1 2 3)")
    flag(RunConfig, "ticks", args.ticks, "--ticks")
    if args.permutations is not None and not 1 <= args.permutations <= MAX_PERMUTATIONS:
        raise UserFacingError(f"--permutations: must be from 1 to {MAX_PERMUTATIONS} (fix: e.g. --permutations 8, "
                              "or leave it out for exact)")
    if args.censor not in ("horizon", "nan"):
        raise UserFacingError(f"--censor: unknown rule {shown(args.censor)} (fix: --censor horizon or --censor nan)")
    output_folder(args.out, Path(args.out), staged=False)


def main(args: argparse.Namespace) -> int:
    from abm.cli import UserFacingError
    from abm.commands.common import file_refused
    from abm.errors import ConfigError, DataError

    _check(args)
    from tqdm import tqdm

    from abm.attribution import attribute, table_text, write_outputs
    from abm.scenario import load_scenario

    scenarios = []
    for path in (args.a, args.b):
        try:
            scenarios.append(load_scenario(path))
        except ConfigError as err:
            raise file_refused(path, err) from None
    bar = tqdm(total=0, desc="attribute", unit="run", disable=args.quiet, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    factors = [f for f in args.factors.split(",") if f.strip()] if args.factors else None
    try:
        result = attribute(*scenarios, seeds=args.seed if args.seed is not None else args.seeds, ticks=args.ticks,
                           workers=args.workers, scheduler=args.scheduler, factors=factors, censor=args.censor,
                           lmdi_years=tuple(args.lmdi_years) if args.lmdi_years else None, progress=progress,
                           permutations=args.permutations)
    except (ConfigError, DataError) as err:
        field = getattr(err, "field", "")
        flag = {"factors": "--factors", "lmdi_years": "--lmdi-years", "workers": "--workers",
                "scheduler": "--scheduler"}.get(field)
        raise UserFacingError(f"{flag}: {err.problem} (fix: {err.fix})" if flag else str(err)) from None
    finally:
        bar.close()
    files = write_outputs(result, args.out)
    print(table_text(result))
    print(f"outputs in {args.out}/: {', '.join(files)}")
    return 0

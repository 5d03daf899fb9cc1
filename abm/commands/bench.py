"""Run the speed and memory benchmarks of a source checkout and print their JSON figures.

The targets (seconds per tick, peak memory, runs per minute, ...) live in benchmarks/, next to the
measurements, never in the tests. Same as `make bench`.

examples:
  abm bench               every benchmark
  abm bench model carbon  only these
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HELP = "measure speed and memory (the benchmarks of a source checkout)"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")


def main(args: argparse.Namespace) -> int:
    from abm.errors import UserFacingError

    root = Path(__file__).resolve().parents[2]
    if not (root / "benchmarks" / "__main__.py").is_file():
        raise UserFacingError(f"no benchmarks/ folder beside the installed package ({root}) (fix: run from a source checkout)")
    return subprocess.call([sys.executable, "-m", "benchmarks", *args.names], cwd=root)

"""Draw the figures of a finished (or partly finished) sweep folder written by `abm sweep`.

Writes into DIR/report (or --out): inflection_years.png (the year each policy crosses each of the
five carbon inflection points, over its runs), emission_fans.png (total emissions per policy: median
and 90% band over its runs), emissions_by_source.png (median emissions of each source per policy,
stacked, for every registered emission source), emissions_vs_urban_area.png (cumulative emissions
against final urban area, one dot per run) and inflection_years.csv (the numbers behind the first figure).

examples:
  abm sweep sweeps/urban_form.toml --out out/sweep
  abm report out/sweep
  abm report out/sweep --out figures/
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "draw figures of a sweep: inflection years, emission fans, emissions by source, emissions vs urban area"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep_dir", metavar="DIR", help="the --out folder of `abm sweep`")
    parser.add_argument("--out", metavar="FIGDIR", help="where to write the figures (default: DIR/report)")


def main(args: argparse.Namespace) -> int:
    from abm.cli import UserFacingError
    from abm.errors import ConfigError

    sweep_dir = Path(args.sweep_dir)
    if not sweep_dir.is_dir():
        raise UserFacingError(f"{sweep_dir}: folder not found (fix: give the --out folder of `abm sweep`)")
    from abm.sweep_plots import write_report

    try:
        written = write_report(sweep_dir, args.out)
    except ConfigError as err:
        raise UserFacingError(str(err)) from None
    print(f"Report of {sweep_dir}:")
    for path in written:
        print(f"  {path}")
    if not any(p.name == "emission_fans.png" for p in written):
        print("  (no emission_fans.png: the sweep kept no time series; set [outputs] timeseries = true)")
    return 0

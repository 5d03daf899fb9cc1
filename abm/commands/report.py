"""Draw the figures of a finished (or partly finished) sweep folder written by `abm sweep`.

Writes into DIR/report (or --out): inflection_years.png (the year each policy crosses each of the
five carbon inflection points, over its runs), emission_fans.png (total emissions per policy: median
and 90% band over its runs), emissions_by_source.png (median emissions of each source per policy,
stacked, for every registered emission source), emissions_vs_urban_area.png (cumulative emissions
against final urban area, one dot per run), inflection_years.csv (the numbers behind the first figure)
and manifest.json (the report's run_id, which every PNG carries, and each file's SHA-256).

The report folder is replaced whole at the end (the figures are drawn into a hidden sibling first):
a report killed midway leaves the previous one as it was, never figures of two reports side by side.

examples:
  abm sweep sweeps/urban_form.toml --out out/sweep
  abm report out/sweep
  abm report out/sweep --out figures/
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "draw figures of a sweep: inflection years, emission fans, emissions by source, emissions vs urban area"

#: Files of a report folder besides those its manifest lists (a report written before manifests).
REPORT_FILES = frozenset({"inflection_years.png", "emission_fans.png", "emissions_vs_urban_area.png",
                          "emissions_by_source.png", "inflection_years.csv", "sensitivity.csv", "sensitivity.png",
                          "manifest.json"})


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep_dir", metavar="DIR", help="the --out folder of `abm sweep`")
    parser.add_argument("--out", metavar="FIGDIR", help="where to write the figures (default: DIR/report)")


def main(args: argparse.Namespace) -> int:
    from abm.cli import UserFacingError
    from abm.errors import ConfigError

    from abm.commands.common import output_folder
    from abm.errors import clip

    sweep_dir = Path(args.sweep_dir)
    try:
        found = sweep_dir.is_dir()
    except OSError:  # a name too long, a loop of links
        found = False
    if not found:
        raise UserFacingError(f"{clip(str(sweep_dir), 120)}: folder not found (fix: give the --out folder of "
                              "`abm sweep`)")
    from abm.atomic import FolderError

    figs = output_folder(args.out, sweep_dir / "report")
    try:
        written = write_report_folder(sweep_dir, figs)
    except FolderError as err:
        raise UserFacingError(f"--out {err}") from None
    except ConfigError as err:
        raise UserFacingError(str(err)) from None
    print(f"Report of {sweep_dir}:")
    for path in written:
        print(f"  {path}")
    if not any(p.name == "emission_fans.png" for p in written):
        print("  (no emission_fans.png: the sweep kept no time series; set [outputs] timeseries = true)")
    return 0


def owns_report_file(name: str) -> bool:
    """Whether `name` in a report folder is an output of `abm report` (what a rerun may replace)."""
    return name in REPORT_FILES


def write_report_folder(sweep_dir: Path, figs: Path) -> list[Path]:
    """Draw the report into a staged sibling of `figs`, stamp the run id, write the manifest, swap it in.

    Returns the files as they are named once in place (manifest.json last).
    """
    import json

    from abm.atomic import atomic_write_text, staged_folder
    from abm.outputs import new_run_id, stamp_png, vouch
    from abm.sweep_plots import write_report

    run_id = new_run_id()
    with staged_folder(figs, owns=owns_report_file, manifest="manifest.json") as stage:
        names = [p.name for p in write_report(sweep_dir, stage)]
        for name in names:
            if name.endswith(".png"):
                stamp_png(stage / name, run_id)
        manifest = {"run_id": run_id, "sweep": str(sweep_dir), "files": names + ["manifest.json"],
                    "sha256": vouch(stage, names)}
        atomic_write_text(stage / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return [figs / name for name in names + ["manifest.json"]]

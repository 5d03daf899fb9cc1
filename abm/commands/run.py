"""Run one policy scenario headless and write its outputs.

Writes into --out: timeseries.parquet (one row per year: population, jobs, urban area, floor space,
density, commute, GDP, emissions by source and cohort, sinks, net, carbon intensity), events.json (the
five carbon inflection points, then the net-zero year), grids.nc (map snapshots), final.tif (land use at the end) and
manifest.json (the scenario as resolved, seed and versions). Ends with a short summary.

The folder is replaced whole at the end (the files are written into a hidden sibling first): a run
killed midway leaves the previous run's folder as it was. Every file carries the manifest's run_id.

examples:
  abm run scenarios/compact.toml
  abm run scenarios/sprawl.toml --ticks 20 --seed 7 --out out/sprawl-7 --plot
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "run one scenario headless and write its outputs"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO.toml", help="scenario file (see scenarios/)")
    parser.add_argument("--ticks", type=int, metavar="N", help="years to simulate (default: the scenario's)")
    parser.add_argument("--seed", type=int, metavar="S", help="random seed (default: the scenario's)")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: out/<scenario name>)")
    parser.add_argument("--plot", action="store_true", help="also write emissions.png with the inflection points")
    parser.add_argument("--no-snapshots", action="store_true", help="skip grids.nc (faster, smaller)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from abm.cli import UserFacingError
    from abm.commands.common import file_refused, flag, output_folder
    from abm.errors import ConfigError, DataError
    from abm.scenario import RunConfig, load_scenario

    ticks, seed = flag(RunConfig, "ticks", args.ticks, "--ticks"), flag(RunConfig, "seed", args.seed, "--seed")
    if args.out is not None:
        output_folder(args.out, Path(args.out))
    from tqdm import tqdm

    from abm.runner import run_scenario

    try:
        scenario = load_scenario(args.scenario)
    except ConfigError as err:
        raise file_refused(args.scenario, err) from None
    out = output_folder(args.out, Path("out") / scenario.name)
    ticks = ticks or scenario.run.ticks
    cost = estimate(scenario, ticks, not args.no_snapshots)
    if not args.quiet:
        print(f"abm run: {cost.line()}", file=sys.stderr)
    bar = tqdm(total=ticks, desc=f"{scenario.name}", unit="yr", disable=args.quiet, file=sys.stderr)

    def progress(model) -> None:
        bar.set_postfix_str(f"{model.year} hh={len(model.households):,}")
        bar.update(1)

    from abm.atomic import FolderError

    try:
        result = run_scenario(scenario, seed=seed, ticks=ticks, out_dir=out,
                              snapshots=not args.no_snapshots, progress=progress,
                              extra_outputs=plot_into if args.plot else None)
    except FolderError as err:
        raise UserFacingError(f"--out {err}") from None
    except (ConfigError, DataError) as err:
        raise UserFacingError(str(err)) from None
    finally:
        bar.close()
    print(summary(result, out))
    return 0


def estimate(scenario, ticks: int, snapshots: bool):
    """The run's memory and time (abm.cost), said before it starts; refused in one line past the memory."""
    from abm.cli import UserFacingError
    from abm.cost import estimate_scenario
    from abm.errors import ConfigError, DataError

    try:
        return estimate_scenario(scenario, ticks=ticks, snapshots=snapshots)
    except (ConfigError, DataError) as err:
        raise UserFacingError(str(err)) from None


def plot_into(result, folder: Path) -> list[str]:
    """emissions.png, drawn into the run's folder before its manifest: it is swapped in with the rest."""
    from abm.outputs import stamp_png
    from abm.plots import plot_emissions

    plot_emissions(result.timeseries, result.events, folder / "emissions.png", title=result.scenario.name)
    stamp_png(folder / "emissions.png", result.run_id)
    return ["emissions.png"]


def summary(result, out: Path) -> str:
    """A planner-readable summary of a finished run."""

    ts = result.timeseries
    first, last = ts.iloc[0], ts.iloc[-1]
    lines = [
        f"Scenario {result.scenario.name!r}, seed {result.seed}: {int(first.year)}-{int(last.year)}",
        f"  households      {int(first.households):>12,} -> {int(last.households):,}",
        f"  urban area      {first.urban_area_km2:>12.1f} -> {last.urban_area_km2:.1f} km2",
        f"  density         {first.mean_density_persons_per_ha:>12.0f} -> {last.mean_density_persons_per_ha:.0f} persons/ha",
        f"  mean commute    {first.mean_commute_km:>12.2f} -> {last.mean_commute_km:.2f} km",
    ]
    if "emissions_total_t" in ts:
        lines += [
            f"  emissions       {first.emissions_total_t / 1e3:>12,.0f} -> {last.emissions_total_t / 1e3:,.0f} ktCO2/yr",
            f"  sink            {first.sink_t / 1e3:>12,.0f} -> {last.sink_t / 1e3:,.0f} ktCO2/yr",
            f"  carbon intensity {first.carbon_intensity_t_per_gdp:>11.3f} -> {last.carbon_intensity_t_per_gdp:.3f} tCO2 per 10k CNY",
        ]
    lines += reference_lines(ts)
    lines.append("  carbon inflection points (conditional on the exogenous paths below):")
    for e in result.events:
        lines.append(f"    {e['id']}. {e['name']:<34} {_when(e)}")
    for e in result.milestones:
        lines.append(f"  {e['name'] + ' (emissions <= sink)':<39} {_when(e)}")
    conditions = next((e["conditional_on"] for e in [*result.events, *result.milestones] if "conditional_on" in e), None)
    if conditions:
        lines.append("  conditional on: " + "; ".join(conditions))
    lines.append(f"  outputs in {out}/: {', '.join(result.files)}")
    return "\n".join(lines)


def reference_lines(ts) -> list[str]:
    """The first full year's figures against the published bands of the reference table (or why not)."""
    from abm.reference import compare

    if len(ts) < 2 or "emissions_total_t" not in ts:
        return []
    row = ts.iloc[1]
    try:
        checks = compare(row.to_dict())
    except FileNotFoundError as err:
        return [f"  reference bands: not compared ({err})"]
    inside = sum(c.inside for c in checks)
    lines = [f"  {int(row.year)} (first full year) against published city bands: {inside} of {len(checks)} inside "
             "(direct sources; see abm/reference.py)"]
    return lines + [f"    {c.line()}" for c in checks]


def _when(e: dict) -> str:
    """'2031 (confirmed 2034)', 'already passed at start' or 'not reached'."""
    if e["state"] == "crossed":
        return f"{e['year']} (confirmed {e['year'] - e['tick'] + e['confirmed_tick']})"
    if e["state"] == "passed_at_start":
        return "already passed at start"
    return "not reached"

"""Run many policies x parameters x seeds headless, on this machine or a Dask cluster; resumable.

The sweep file names the base scenarios (paths relative to the sweep file), the parameter axes
(dotted scenario keys, sampled as a full grid, a Latin hypercube or a Sobol sequence), the seeds,
an optional ticks override and the outputs to keep (docs/sweeps.md). Writes into --out:
runs/scenario=<name>/<run_id>.parquet (each run's time series), records/<run_id>.json (each run's
status and summary values), summary.parquet (one row per run: inflection states and years,
cumulative and peak emissions, final urban area, density and carbon intensity) and, where asked,
snapshots/. Running the same command again skips the finished runs; a run that fails is recorded
and the others go on (exit status 1 if any failed).

examples:
  abm sweep sweeps/urban_form.toml --out out/sweep             all cores of this machine
  abm sweep sweeps/urban_form.toml --out out/sweep --workers 2
  abm sweep sweeps/far_caps.toml --scheduler tcp://10.0.0.5:8786    an existing Dask cluster
  abm report out/sweep                                          figures from the results
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HELP = "run policies x parameters x seeds in parallel (local processes or Dask), resumable"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep", metavar="SWEEP.toml", help="sweep file (see sweeps/ and docs/sweeps.md)")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: out/<sweep name>)")
    from abm.executors import add_executor_arguments

    add_executor_arguments(parser, "local worker processes (default: all cores; 1 = in this process)")
    parser.add_argument("--retry-failed", action="store_true", help="run again the runs that failed last time")
    parser.add_argument("--dry-run", action="store_true", help="only count the runs: planned, finished, to do")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from abm.cli import UserFacingError
    from abm.commands.common import file_refused, output_folder
    from abm.errors import ConfigError, clip
    from abm.executors import WorkerLost, check_executor_arguments
    from abm.sweeps import load_sweep_spec, run_sweep

    check_executor_arguments(args.workers, args.scheduler)
    if args.out is not None:
        output_folder(args.out, Path(args.out), staged=False)
    try:
        spec = load_sweep_spec(args.sweep)
    except ConfigError as err:
        raise file_refused(args.sweep, err) from None
    out = output_folder(args.out, Path("out") / spec.name, staged=False)
    cost = estimate(spec, out, args.workers, args.scheduler, args.retry_failed)
    if args.dry_run:
        print(dry_run(spec, out))
        print(f"  {cost.line()}")
        return 0
    if not args.quiet:
        print(f"abm sweep: {cost.line()}", file=sys.stderr)
    start = time.perf_counter()
    try:
        summary = run_sweep(spec, out, workers=args.workers, scheduler=args.scheduler,
                            retry_failed=args.retry_failed, progress=not args.quiet)
    except ConfigError as err:
        flag = f"--{err.field}" if err.field in ("workers", "scheduler") else ""
        raise UserFacingError(f"{flag}{': ' if flag else ''}{err.problem if flag else err}"
                              + (f" (fix: {err.fix})" if flag and err.fix else "")) from None
    except WorkerLost as err:
        print(f"abm sweep: {err}. Finished runs are saved in {out}/: run the same command again to resume.",
              file=sys.stderr)
        return 1
    print(report_text(spec, summary, out, time.perf_counter() - start))
    failed = summary[summary["status"] == "error"]
    if len(failed):  # said on stderr too: a script that keeps only stderr must see why the status is 1
        first = failed.iloc[0]
        print(f"abm sweep: error: {len(failed)} of {len(summary)} runs failed, e.g. {first['scenario']} seed "
              f"{first['seed']}: {clip(str(first['error']), 200)} -- details in {out}/records/<run_id>.json; after "
              "a fix, rerun with --retry-failed", file=sys.stderr)
        return 1
    return 0


def estimate(spec, out: Path, workers: int | None, scheduler: str | None, retry_failed: bool):
    """The sweep's memory and time (abm.cost) for the runs still to do, said before it starts; on this machine
    (no --scheduler) refused in one line when its runs at once would not fit in the memory."""
    from abm.cli import UserFacingError
    from abm.cost import default_workers, estimate_sweep
    from abm.errors import ConfigError, DataError
    from abm.scenario import scenario_from_dict
    from abm.sweeps import finished_runs, plan_runs

    unique = list({run.run_id: run for run in plan_runs(spec) if run.resolved is not None}.values())
    done = finished_runs(out.resolve(), spec, unique, retry_failed) if out.is_dir() else set()
    todo = [run for run in unique if run.run_id not in done]
    snapshots = any(spec.keeps_snapshot(run.scenario, run.seed) for run in todo)
    try:
        return estimate_sweep((scenario_from_dict(run.resolved, source=run.source) for run in todo),
                              workers=1 if scheduler is None and workers == 1 else (workers or default_workers()),
                              snapshots=snapshots, local=scheduler is None)
    except (ConfigError, DataError) as err:
        raise UserFacingError(str(err)) from None


def dry_run(spec, out: Path) -> str:
    from abm.sweeps import finished_runs, plan_runs

    plan = plan_runs(spec)
    unique = {run.run_id: run for run in plan}
    invalid = sum(1 for run in unique.values() if run.resolved is None)
    done = finished_runs(out.resolve(), spec, list(unique.values()), retry_failed=False) if out.is_dir() else set()
    lines = [f"Sweep {spec.name!r}: {len(spec.scenarios)} scenario(s) x {len(spec.points())} parameter point(s) "
             f"x {len(spec.seeds)} seed(s) = {len(plan)} runs ({len(unique)} distinct)",
             f"  sampling {spec.method}; axes: {', '.join(a.key for a in spec.axes) or 'none'}",
             f"  already finished in {out}/: {len(done)}; to do: {len(unique) - len(done)}"]
    if invalid:
        lines.append(f"  {invalid} run(s) have an invalid scenario and will be recorded as failed")
    return "\n".join(lines)


def _years(values) -> str:
    import numpy as np

    years = np.asarray([v for v in values if v is not None and v == v], dtype=float)
    if years.size == 0:
        return "not reached"
    med, lo, hi = np.median(years), np.percentile(years, 5), np.percentile(years, 95)
    return f"{med:.0f} ({lo:.0f}-{hi:.0f})"


def report_text(spec, summary, out: Path, seconds: float) -> str:
    """What a planner wants after a sweep: counts, per-policy carbon peak and emissions, where things are."""
    ok = summary[summary["status"] == "ok"]
    failed = summary[summary["status"] == "error"]
    attrs = summary.attrs
    lines = [f"Sweep {spec.name!r}: {len(summary)} of {attrs.get('runs', len(summary))} runs finished "
             f"({len(ok)} ok, {len(failed)} failed; {attrs.get('skipped', 0)} were already done) "
             f"in {seconds:.0f} s"]
    if len(ok):
        lines.append(f"  {'scenario':<16}{'runs':>6}  {'carbon peak year (median, 5-95%)':<34}"
                     f"{'cumulative MtCO2':>18}{'final urban km2':>17}")
        for name in spec.scenario_names:
            rows = ok[ok["scenario"] == name]
            if rows.empty:
                continue
            crossed = rows.loc[rows["state_3"] == "crossed", "year_3"].dropna().tolist()
            share = f"{len(crossed)}/{len(rows)} peak"
            lines.append(f"  {name:<16}{len(rows):>6}  {_years(crossed) + ', ' + share:<34}"
                         f"{rows['cumulative_emissions_t'].median() / 1e6:>18.2f}"
                         f"{rows['final_urban_area_km2'].median():>17.1f}")
    if len(failed):
        first = failed.iloc[0]
        lines.append(f"  {len(failed)} run(s) failed, e.g. {first['run_id']} ({first['scenario']}, seed "
                     f"{first['seed']}): {first['error']}")
        lines.append(f"  details in {out}/records/<run_id>.json; after a fix, rerun with --retry-failed")
    missing = attrs.get("runs", len(summary)) - len(summary)
    if missing:
        lines.append(f"  {missing} run(s) still to do: run the same command again to resume")
    lines.append(f"  summary: {out}/summary.parquet; time series: {out}/runs/ (pandas.read_parquet)")
    lines.append(f"  figures: abm report {out}")
    return "\n".join(lines)

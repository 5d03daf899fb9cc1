"""Start the planners' browser app on this machine and print its address.

Pick a scenario, change its levers (growth boundary and land quota, mixed use, green share and
afforestation, density caps, sub-centres and transit, retrofits and the grid factor, stock renewal),
then Play, Pause, Step or Reset. The map shows land use, population density, floor area, emissions,
sinks or the development year; the charts show emissions by source, sink, net and carbon intensity
with the five inflection points marked as they are confirmed. Tick "compare" to run a second policy
side by side on the same region and seed. Export the run as CSV, Parquet, JSON and PNG.

The app works offline: every page asset is served by this server, and the server itself makes no
outside connection (no version check, no telemetry). Each browser tab is its own session.

examples:
  abm app                                  http://localhost:8765
  abm app --port 8800 --open               another port, and open a browser
  abm app --region-size 100                every scenario on a 100 x 100 grid (quick experiments)
  abm app --host 0.0.0.0                   reachable from other machines (trusted networks only)
  abm app --lang zh                        the page in Chinese (中文界面; a switch in the page changes it)
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import threading

HELP = "start the planners' browser app (compare policies in the browser)"

#: Solara settings that keep the server from calling out (read when solara is imported).
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "abm",
}


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8765, metavar="P", help="port to listen on (default 8765; 0 = any free port)")
    parser.add_argument("--host", default="localhost", metavar="H",
                        help="address to listen on (default localhost: this machine only)")
    parser.add_argument("--scenarios", metavar="DIR", help="folder of scenario files for the picker (default: scenarios/)")
    parser.add_argument("--scenario", metavar="FILE", help="scenario picked when a page opens (default baseline.toml)")
    parser.add_argument("--region-size", metavar="N|RxC", help="run every scenario on a grid of this size, e.g. 100 or 120x300")
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help="language the page starts in: en (English) or zh (中文); the page has a switch too")
    parser.add_argument("--open", action="store_true", help="open the app in the default web browser")


def app_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment variables the server and each session read (validated here, so errors are one line)."""
    from abm.cli import UserFacingError
    from abm.errors import ConfigError
    from viz.session import (ENV_LANG, ENV_REGION_SIZE, ENV_SCENARIO, ENV_SCENARIOS, default_scenarios_dir,
                             parse_region_size)

    env = dict(OFFLINE_ENV)
    env[ENV_LANG] = getattr(args, "lang", None) or "en"
    if not 0 <= args.port <= 65535:
        raise UserFacingError(f"--port: {args.port} is not a port (fix: use 1024-65535, e.g. --port 8765)")
    folder = os.path.abspath(args.scenarios) if args.scenarios else str(default_scenarios_dir())
    if not os.path.isdir(folder):
        raise UserFacingError(f"--scenarios: {folder} is not a folder (fix: give the folder holding the .toml files)")
    env[ENV_SCENARIOS] = folder
    if args.scenario:
        name = os.path.basename(args.scenario)
        if not os.path.isfile(os.path.join(folder, name)):
            raise UserFacingError(f"--scenario: {name} is not in {folder} (fix: pick one of its .toml files)")
        env[ENV_SCENARIO] = name
    if args.region_size:
        try:
            parse_region_size(args.region_size, "--region-size")
        except ConfigError as err:
            raise UserFacingError(str(err)) from None
        env[ENV_REGION_SIZE] = args.region_size
    return env


def warm_kernels() -> None:
    """Build and step a tiny model while the server starts, so that the first page does not wait for numba to
    load the compiled kernels from its cache (0.6-0.8 s in-process). A failure here is left to the page."""
    try:
        from abm.model import UrbanModel
        from abm.scenario import scenario_from_dict

        UrbanModel(scenario_from_dict({"region": {"rows": 40, "cols": 40, "town_radius_km": 0.6},
                                       "run": {"ticks": 1}})).step()
    except Exception:  # noqa: BLE001 - the page reports any real problem in its own words
        logging.getLogger("abm.app").debug("kernel warm-up failed", exc_info=True)


def main(args: argparse.Namespace) -> int:
    from abm.cli import UserFacingError

    if importlib.util.find_spec("solara") is None:
        raise UserFacingError("the app needs solara (fix: pip install -e '.[app]')")
    os.environ.update(app_environment(args))
    # imported only now, so that solara's settings read the environment above
    import solara.server.settings as settings
    from solara.__main__ import run

    settings.telemetry.mixpanel_enable = False
    threading.Thread(target=warm_kernels, name="abm-warm-kernels", daemon=True).start()
    argv = ["viz.app", "--host", args.host, "--port", str(args.port), "--production", "--no-check-version",
            "--open" if args.open else "--no-open", "--log-level", "warning"]
    print(f"abm app: serving on http://{args.host}:{args.port} (Ctrl+C stops it)", flush=True)
    try:
        run.main(args=argv, prog_name="abm app", standalone_mode=False)
    except OSError as err:  # e.g. the port is taken
        raise UserFacingError(f"the server could not start: {err} (fix: try another --port)") from None
    return 0

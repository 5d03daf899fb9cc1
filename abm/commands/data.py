"""Inspect historical map data before calibrating on it.

`abm data describe PATH` reads a SLEUTH input folder (``<prefix>.urban.<year>.gif`` ...) or a GeoTIFF
folder (``urban_<year>.tif`` ...) and prints SLEUTH's base statistics of every observed urban map:
urban area (cells), edge cells, clusters, mean cluster size, the mean centre (column x, row y), the
radius of a circle of the same area (cells) and the mean slope (percent) of urban cells.

examples:
  abm data describe ../shared/data/sleuth/demo200
  abm data describe ../shared/data/sleuth/wb_100 --json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

HELP = "inspect historical map sets (SLEUTH GIF or GeoTIFF folders): statistics per observed year"

#: (key in the statistics, column title, width, format) of the describe table.
COLUMNS: tuple[tuple[str, str, int, str], ...] = (
    ("year", "year", 6, "{:d}"),
    ("area", "area", 10, "{:,.0f}"),
    ("edges", "edges", 10, "{:,.0f}"),
    ("clusters", "clusters", 9, "{:,.0f}"),
    ("cluster_size", "mean cl.", 9, "{:,.0f}"),
    ("xmean", "x-mean", 9, "{:.2f}"),
    ("ymean", "y-mean", 9, "{:.2f}"),
    ("rad", "radius", 9, "{:.2f}"),
    ("slope", "slope %", 8, "{:.2f}"),
)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    describe = sub.add_parser(
        "describe",
        help="SLEUTH base statistics of every urban map in a folder",
        description="Print SLEUTH's base statistics (area, edges, clusters, mean cluster size, mean centre, "
                    "radius, mean slope) of every observed urban map in a SLEUTH GIF or GeoTIFF folder.",
    )
    describe.add_argument("path", metavar="PATH", help="folder of SLEUTH GIFs or of GeoTIFFs (urban_<year>.tif)")
    describe.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(_parser=parser)


def main(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) != "describe":  # one line on stderr, as every refusal (was: the help on
        from abm.cli import UserFacingError  # stdout, exit 2 and stderr empty)

        raise UserFacingError("choose an action: describe (see abm data --help)")
    return describe(Path(args.path), as_json=args.json)


def load_map_set(path: Path):
    """A SLEUTH GIF folder or a GeoTIFF folder as a `abm.io.sleuth.SleuthSet`; one-line errors."""
    from abm.cli import UserFacingError
    from abm.errors import DataError

    if not path.exists():
        raise UserFacingError(f"{path}: no such folder (fix: give a SLEUTH GIF folder such as "
                              "../shared/data/sleuth/demo200, or a folder of urban_<year>.tif files)")
    if not path.is_dir():
        raise UserFacingError(f"{path}: not a folder (fix: give the folder holding the maps, not one file)")
    try:
        if any(p.suffix.lower() == ".gif" for p in path.iterdir()):
            from abm.io.sleuth import load_sleuth_set

            return load_sleuth_set(path)
        if any(p.suffix.lower() in (".tif", ".tiff") for p in path.iterdir()):
            from abm.io.geotiff import read_geotiff_stack

            return read_geotiff_stack(path)
    except DataError as err:
        raise UserFacingError(str(err)) from None
    raise UserFacingError(f"{path}: holds neither SLEUTH GIFs nor GeoTIFFs (fix: give a folder with "
                          "<prefix>.urban.<year>.gif or urban_<year>.tif files)")


def summary(sset) -> dict[str, Any]:
    """What `describe` reports, as plain JSON-able data."""
    rows, cols = sset.shape
    return {
        "name": sset.name,
        "path": str(sset.path),
        "source": sset.source,
        "prefix": sset.prefix,
        "rows": rows,
        "cols": cols,
        "valid_cells": int(sset.valid.sum()),
        "crs": sset.crs,
        "cell_size_m": sset.cell_size_m,
        "urban_years": sset.urban_years,
        "roads_years": sset.roads_years,
        "landuse_years": sset.landuse_years,
        "missing_layers": list(sset.missing),
        "years": [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                  for row in sset.describe()],
    }


def format_table(info: dict[str, Any]) -> str:
    lines = [
        f"{info['name']}  ({info['source']}, {info['path']})",
        f"{info['rows']:,} rows x {info['cols']:,} columns, {info['valid_cells']:,} cells inside the study area"
        + (f", CRS {info['crs']}" if info.get("crs") else ""),
    ]
    if info["missing_layers"]:
        lines.append("missing layers (zeros used): " + ", ".join(info["missing_layers"]))
    lines.append("")
    lines.append(" ".join(f"{title:>{width}}" for _, title, width, _ in COLUMNS))
    for row in info["years"]:
        lines.append(" ".join(f"{'n/a' if row[key] is None else fmt.format(row[key]):>{width}}"
                              for key, _, width, fmt in COLUMNS))
    lines.append("")
    lines.append("area, edges: cells; clusters: 4-connected, outer ring cleared (SLEUTH); mean cl.: cells per "
                 "cluster (integer division); x/y-mean: mean column/row; radius: sqrt(area/pi) in cells")
    return "\n".join(lines)


def describe(path: Path, as_json: bool = False) -> int:
    info = summary(load_map_set(path))
    print(json.dumps(info, indent=2) if as_json else format_table(info))
    return 0

"""Files a planner would upload, made in a test's folder: a GeoTIFF stack of demo200's 1970 and 1990 maps,
a zip of the SLEUTH folder, and a red line as GeoJSON in the local frame of an un-georeferenced grid."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np


def geotiff_stack(demo200: Path, folder: Path) -> list[Path]:
    """urban_1970.tif, urban_1990.tif, slope.tif and excluded.tif of demo200 (200 x 200, EPSG:32650, 100 m)."""
    import rasterio
    from rasterio.transform import from_origin

    from abm.io.sleuth import load_sleuth_set

    sset = load_sleuth_set(demo200)
    folder.mkdir(parents=True, exist_ok=True)
    layers = {"urban_1970.tif": sset.urban[1970].astype(np.uint8), "urban_1990.tif": sset.urban[1990].astype(np.uint8),
              "slope.tif": sset.slope.astype(np.float32), "excluded.tif": sset.excluded.astype(np.uint8)}
    out = []
    for name, array in layers.items():
        with rasterio.open(folder / name, "w", driver="GTiff", height=array.shape[0], width=array.shape[1], count=1,
                           dtype=array.dtype.name, crs="EPSG:32650",
                           transform=from_origin(500_000, 3_500_000, 100, 100)) as f:
            f.write(array, 1)
        out.append(folder / name)
    return out


def sleuth_zip(demo200: Path, path: Path) -> Path:
    """The SLEUTH folder zipped as a planner would: the folder itself inside the archive."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(demo200.iterdir()):
            z.write(f, f"{demo200.name}/{f.name}")
    return path


def red_line_geojson(path: Path, rows: int, cells: tuple[int, int, int, int], size: float = 100.0,
                     top_left: tuple[float, float] | None = None, crs: str | None = None) -> Path:
    """A red line over rows r0-r1, columns c0-c1: on a grid without a CRS by default (x = col * size,
    y = (rows - row) * size), else from the grid's `top_left` corner in `crs` (as `geotiff_stack`'s maps)."""
    import geopandas as gpd
    from shapely.geometry import box

    x0, y0 = top_left if top_left is not None else (0.0, rows * size)
    r0, r1, c0, c1 = cells
    gpd.GeoDataFrame(geometry=[box(x0 + c0 * size, y0 - r1 * size, x0 + c1 * size, y0 - r0 * size)], crs=crs).to_file(
        path, driver="GeoJSON")
    return path


#: The top-left corner and CRS of `geotiff_stack`'s maps.
STACK_ORIGIN = ((500_000.0, 3_500_000.0), "EPSG:32650")

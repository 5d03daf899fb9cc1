"""Reading and writing region data: SLEUTH GIF sets, GeoTIFF stacks and vector layers.

`abm.io.sleuth` needs only Pillow; `abm.io.geotiff` (rasterio, geopandas) is imported on first use so
that ``import abm.io`` stays light.
"""

from __future__ import annotations

from typing import Any

from abm.io.sleuth import SleuthSet, load_sleuth_set, read_gif, region_from_set, sleuth_region

_GEOTIFF = ("read_geotiff_stack", "geotiff_region", "rasterize_vector", "write_geotiff")


def __getattr__(name: str) -> Any:
    if name in _GEOTIFF:
        from abm.io import geotiff

        return getattr(geotiff, name)
    raise AttributeError(f"module 'abm.io' has no attribute {name!r}")


__all__ = ["SleuthSet", "load_sleuth_set", "read_gif", "region_from_set", "sleuth_region", *_GEOTIFF]

"""Read a SLEUTH input directory (GIF rasters of historical urban extent) into arrays and a LandGrid.

SLEUTH (Project Gigalopolis, Clarke et al. 1997) keeps one single-band GIF per layer and year, named
``<prefix>.<layer>.<year>.gif`` (urban, roads, landuse) or ``<prefix>.<layer>.gif`` (slope, excluded,
hillshade). The value of a pixel is the RED component of its palette entry: Pillow opens grey-ramp
files as mode "L" (the array already holds the values) and the others as mode "P", whose indices must
be mapped through the palette; an index is never assumed to be the value.

Cells where slope or excluded is 255 lie outside the study area (e.g. the ``wb_100`` set): they are
marked ``valid == False`` and never urban in the returned maps.

>>> from pathlib import Path
>>> from abm.io.sleuth import SLEUTH_FILE
>>> SLEUTH_FILE.match("demo200.urban.1930.gif").group("prefix", "layer", "year")
('demo200', 'urban', '1930')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from abm.errors import ConfigError, DataError
from abm.grid import LAYERS, LandCover, LandGrid

#: ``<prefix>.<layer>[.<year>].gif``; other files in the directory (colour renderings etc.) are ignored.
SLEUTH_FILE = re.compile(
    r"^(?P<prefix>.+?)\.(?P<layer>urban|roads|slope|excluded|landuse|hillshade)(?:\.(?P<year>\d+))?\.gif$",
    re.IGNORECASE,
)

#: Raw value marking cells outside the study area in the slope and excluded layers.
OUTSIDE_VALUE = 255

#: Excluded values >= this are never urbanised (SLEUTH: a cell urbanises only if excluded < random 0-99).
EXCLUDED_NEVER = 100

#: Age (years) given to forest stands of a region read from land-use maps, which carry no stand age.
DEFAULT_FOREST_AGE = 30.0

#: The largest raster read (GIF or GeoTIFF), in cells: 100 million (10,000 x 10,000, a 100 km square at
#: 10 m). A file whose header declares more is refused before it is decoded (a 65535 x 65535 GIF header
#: would otherwise ask for 4 GB), with the fix to resample it.
MAX_RASTER_CELLS = 100_000_000


def check_raster_size(path: str | Path, rows: int, cols: int) -> None:
    """Refuse a raster of more than MAX_RASTER_CELLS cells (from its header: nothing decoded yet)."""
    if rows * cols > MAX_RASTER_CELLS:
        raise DataError(f"{path}: {rows:,} rows x {cols:,} columns is more than the {MAX_RASTER_CELLS:,} cells "
                        "abm reads (fix: resample it to coarser cells or clip it to the study area)")


@dataclass
class SleuthSet:
    """One historical map set: urban extents by year plus the static layers, as plain arrays.

    Shared by the SLEUTH GIF reader and the GeoTIFF reader (`abm.io.geotiff`). All arrays have the
    same ``(rows, cols)`` shape; rows run north to south.
    """

    name: str
    path: Path
    urban: dict[int, np.ndarray]  # year -> bool, never True outside `valid`
    roads: dict[int, np.ndarray]  # year -> uint8 raw road weights (0 = none)
    slope: np.ndarray  # float32 percent (0 outside `valid`)
    excluded: np.ndarray  # uint8 raw exclusion (>= 100 never urbanised; 255 outside)
    landuse: dict[int, np.ndarray]  # year -> uint8 LandCover codes (0 unclassified)
    valid: np.ndarray  # bool, inside the study area
    prefix: str = ""
    crs: str | None = None  # "EPSG:xxxx" or WKT (GeoTIFF sources only)
    transform: tuple[float, ...] | None = None  # affine (a, b, c, d, e, f) as in rasterio
    cell_size_m: float | None = None  # from the transform when the CRS is projected in metres
    files: dict[str, str] = field(default_factory=dict)  # "urban.1930" -> file path read
    missing: tuple[str, ...] = ()  # optional layers not found (filled with zeros)
    source: str = "sleuth"  # "sleuth" (GIF folder) or "geotiff"

    @property
    def shape(self) -> tuple[int, int]:
        return self.valid.shape  # type: ignore[return-value]

    @property
    def urban_years(self) -> list[int]:
        return sorted(self.urban)

    @property
    def roads_years(self) -> list[int]:
        return sorted(self.roads)

    @property
    def landuse_years(self) -> list[int]:
        return sorted(self.landuse)

    def describe(self) -> list[dict[str, float]]:
        """SLEUTH base statistics of every observed urban year (see `abm.metrics.sleuth_stats`)."""
        from abm.metrics import sleuth_stats

        rows = []
        for year in self.urban_years:
            road_year = _year_at_or_before(self.roads_years, year)
            stats = sleuth_stats(self.urban[year], self.slope, self.valid,
                                 roads=None if road_year is None else self.roads[road_year],
                                 excluded=self.excluded)
            rows.append({"year": year, **stats})
        return rows


# --------------------------------------------------------------------------------------- reading
def read_gif(path: str | Path) -> np.ndarray:
    """The pixel values of a single-band GIF (first frame) as uint8: each palette entry's red component.

    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> im = Image.fromarray(np.array([[0, 1]], np.uint8), mode="P")
    >>> im.putpalette([200, 200, 200, 7, 7, 7] + [0] * 762)
    >>> path = os.path.join(tempfile.mkdtemp(), "t.gif"); im.save(path)
    >>> read_gif(path).tolist()
    [[200, 7]]
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with warnings.catch_warnings():  # Pillow warns of large images: checked below against our own limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
        with im:
            check_raster_size(path, im.size[1], im.size[0])
            im.seek(0)
            mode = im.mode
            if mode == "L":
                return np.array(im, dtype=np.uint8)
            if mode == "P":
                index = np.asarray(im)
                palette = im.getpalette("RGB") or []
                red = np.zeros(256, dtype=np.uint8)
                red[: len(palette) // 3] = palette[0::3][:256]
                return red[index]
            if mode in ("RGB", "RGBA", "RGBX"):
                return np.array(im, dtype=np.uint8)[..., 0]
            if mode in ("1", "LA", "PA", "I", "I;16", "F"):
                converted = im.convert("RGB") if mode in ("PA",) else im.convert("L")
                arr = np.array(converted, dtype=np.uint8)
                return arr[..., 0] if arr.ndim == 3 else arr
            raise DataError(f"{path}: unsupported image mode {mode!r} (fix: save it as a single-band "
                            "8-bit GIF with a grey palette)")
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: file not found (fix: check the path)") from None
    except Image.DecompressionBombError as err:  # the header declares more than Pillow's own limit
        raise DataError(f"{path}: its header declares more than the {MAX_RASTER_CELLS:,} cells abm reads "
                        "(fix: resample it to coarser cells or clip it to the study area)") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DataError(f"{path}: cannot read it as a GIF image ({reason}) (fix: re-export it as a "
                        "single-band 8-bit GIF)") from None


def discover_sleuth_files(path: str | Path, prefix: str | None = None) -> tuple[str, dict[str, dict[int | None, Path]]]:
    """Find ``<prefix>.<layer>[.<year>].gif`` files: ``(prefix, {layer: {year or None: path}})``.

    With several prefixes in one directory, the one with urban maps is chosen; if more than one has
    urban maps, ``prefix`` must name one.
    """
    root = Path(path)
    if not root.exists():
        raise DataError(f"{root}: no such directory (fix: give the folder holding the SLEUTH GIFs, "
                        "e.g. ../shared/data/sleuth/demo200)")
    if not root.is_dir():
        raise DataError(f"{root}: not a directory (fix: give the folder holding the SLEUTH GIFs, not a file)")
    found: dict[str, dict[str, dict[int | None, Path]]] = {}
    for f in sorted(root.iterdir()):
        m = SLEUTH_FILE.match(f.name)
        if not m or not f.is_file():
            continue
        year = int(m["year"]) if m["year"] is not None else None
        found.setdefault(m["prefix"], {}).setdefault(m["layer"].lower(), {})[year] = f
    if prefix is not None:
        if prefix not in found:
            have = ", ".join(sorted(found)) or "none"
            raise DataError(f"{root}: no files named {prefix}.<layer>.<year>.gif (prefixes found: {have}) "
                            "(fix: pass one of the prefixes found)")
        return prefix, found[prefix]
    with_urban = sorted(p for p, layers in found.items() if any(y is not None for y in layers.get("urban", {})))
    if not with_urban:
        raise DataError(f"{root}: no urban maps named <prefix>.urban.<year>.gif (fix: point to a SLEUTH "
                        "input folder holding at least one urban.<year>.gif)")
    if len(with_urban) > 1:
        raise DataError(f"{root}: urban maps of several sets ({', '.join(with_urban)}) (fix: pass "
                        "prefix= to choose one, or keep one set per folder)")
    return with_urban[0], found[with_urban[0]]


def load_sleuth_set(path: str | Path, prefix: str | None = None) -> SleuthSet:
    """Read a SLEUTH GIF directory into a `SleuthSet` (raw layers, outside area masked).

    Urban maps: any non-zero value is urban. Roads, excluded and land use keep their raw values as
    uint8; slope becomes float32 percent. A missing slope / excluded layer is filled with zeros and
    listed in ``missing``. Raises `DataError` (one line naming the file and the fix) for a missing
    folder, a set without urban maps, an unreadable GIF or layers of different shapes.
    """
    root = Path(path)
    prefix, layers = discover_sleuth_files(root, prefix)
    reader = _ShapeChecked()

    def yearly(layer: str) -> dict[int, np.ndarray]:
        return {y: reader.read(f) for y, f in sorted(layers.get(layer, {}).items()) if y is not None}

    def static(layer: str) -> np.ndarray | None:
        files = layers.get(layer, {})
        return reader.read(files[None]) if None in files else None

    urban_raw = yearly("urban")
    slope_raw = static("slope")
    excluded_raw = static("excluded")
    roads = yearly("roads")
    landuse = yearly("landuse")
    shape = reader.shape
    assert shape is not None  # discover_sleuth_files guarantees one urban map

    outside = np.zeros(shape, dtype=bool)
    missing = []
    if slope_raw is None:
        missing.append("slope")
        slope_raw = np.zeros(shape, dtype=np.uint8)
    else:
        outside |= slope_raw == OUTSIDE_VALUE
    if excluded_raw is None:
        missing.append("excluded")
        excluded_raw = np.zeros(shape, dtype=np.uint8)
    else:
        outside |= excluded_raw == OUTSIDE_VALUE
    valid = ~outside
    urban = {y: (u != 0) & valid for y, u in urban_raw.items()}
    slope = slope_raw.astype(np.float32)
    slope[outside] = 0.0
    for layer in ("roads", "landuse"):
        if not layers.get(layer):
            missing.append(layer)
    files = {f"{layer}.{y}" if y is not None else layer: str(f)
             for layer, by_year in layers.items() for y, f in by_year.items()}
    return SleuthSet(
        name=root.resolve().name, path=root, urban=urban, roads=roads, slope=slope, excluded=excluded_raw,
        landuse=landuse, valid=valid, prefix=prefix, files=files, missing=tuple(missing),
    )


class _ShapeChecked:
    """Reads GIFs and refuses one whose shape differs from the first read."""

    def __init__(self) -> None:
        self.shape: tuple[int, int] | None = None
        self.first: Path | None = None

    def read(self, path: Path) -> np.ndarray:
        arr = read_gif(path)
        if self.shape is None:
            self.shape, self.first = arr.shape, path  # type: ignore[assignment]
        elif arr.shape != self.shape:
            raise DataError(f"{path}: {arr.shape[0]} rows x {arr.shape[1]} columns, but {self.first.name} "
                            f"has {self.shape[0]} x {self.shape[1]} (fix: resample every layer of the set "
                            "to one grid)")
        return arr


# ----------------------------------------------------------------------------------- LandGrid state
def _year_at_or_before(years: list[int], year: int) -> int | None:
    """The latest of ``years`` <= ``year``, else the earliest, else None."""
    if not years:
        return None
    before = [y for y in years if y <= year]
    return max(before) if before else min(years)


def region_from_set(sset: SleuthSet, year: int | None = None, cell_size_m: float | None = None) -> LandGrid:
    """The LandGrid state of a map set at ``year`` (default: its first urban year).

    - urban: the urban map of the latest observed year <= ``year`` (a year before the first map is a
      `ConfigError`); ``urban_year`` = ``year`` on urban cells;
    - land cover: the land-use map of the latest year <= ``year`` (else the earliest), forced to URBAN
      on urban cells and to AGRICULTURE where it says urban but the urban map does not; unclassified
      (0, or an unknown code) valid cells become GRASSLAND; outside cells stay UNCLASSIFIED;
    - excluded: raw excluded >= 100, or water, or outside;
    - roads: the roads map of the latest year <= ``year`` (else the earliest) > 0;
    - nothing else is known from the maps: no floor space (the model seeds it), forest age 30 on
      forest, rent 0, energy factor 1, no red line, growth boundary everywhere.
    """
    years = sset.urban_years
    if not years:
        raise DataError(f"{sset.path}: the map set has no urban maps (fix: add urban.<year> layers)")
    if year is None:
        year = years[0]
    year = int(year)
    urban_year_used = max((y for y in years if y <= year), default=None)
    if urban_year_used is None:
        raise ConfigError("year", f"{year} is before the first urban map of {sset.name} ({years[0]})",
                          f"choose a year >= {years[0]} (maps: {', '.join(map(str, years))})")
    cell = float(cell_size_m if cell_size_m is not None else (sset.cell_size_m or 100.0))

    valid = sset.valid
    urban = sset.urban[urban_year_used] & valid
    shape = sset.shape

    lu_year = _year_at_or_before(sset.landuse_years, year)
    land_cover = (sset.landuse[lu_year].copy() if lu_year is not None else np.zeros(shape, np.uint8))
    known = np.isin(land_cover, [int(c) for c in LandCover])
    land_cover[~known] = LandCover.UNCLASSIFIED
    land_cover[(land_cover == LandCover.URBAN) & ~urban] = LandCover.AGRICULTURE
    land_cover[urban] = LandCover.URBAN
    land_cover[(land_cover == LandCover.UNCLASSIFIED) & valid] = LandCover.GRASSLAND
    land_cover[~valid] = LandCover.UNCLASSIFIED

    excluded = (sset.excluded >= EXCLUDED_NEVER) | (land_cover == LandCover.WATER) | ~valid
    road_year = _year_at_or_before(sset.roads_years, year)
    roads = (sset.roads[road_year] > 0) & valid if road_year is not None else np.zeros(shape, bool)

    layers: dict[str, np.ndarray] = {name: np.zeros(shape, dtype=info.dtype) for name, info in LAYERS.items()}
    layers.update(
        valid=valid.copy(),
        land_cover=land_cover,
        slope=sset.slope.astype(np.float32, copy=True),
        excluded=excluded,
        growth_boundary=np.ones(shape, dtype=bool),
        roads=roads,
        energy_factor=np.ones(shape, dtype=np.float32),
        forest_age=np.where(land_cover == LandCover.FOREST, DEFAULT_FOREST_AGE, 0.0).astype(np.float32),
        urban_year=np.where(urban, year, 0).astype(np.int16),
    )
    metadata: dict[str, Any] = {
        "source": sset.source,
        "name": sset.name,
        "path": str(sset.path),
        "year": year,
        "urban_map_year": urban_year_used,
        "landuse_year": lu_year,
        "roads_year": road_year,
    }
    return LandGrid(**layers, cell_size_m=cell, crs=sset.crs, transform=sset.transform, metadata=metadata)


def sleuth_region(
    path: str | Path | SleuthSet, year: int | None = None, cell_size_m: float = 100.0
) -> tuple[LandGrid, SleuthSet]:
    """Load a SLEUTH GIF directory (or take a loaded `SleuthSet`) and build its LandGrid at ``year``.

    See `region_from_set` for how each layer is derived. For example, with the shared data::

        grid, maps = sleuth_region("../shared/data/sleuth/demo200", 1950)
        int(grid.urban.sum())  # 861, the urban cells of demo200.urban.1950.gif
    """
    sset = path if isinstance(path, SleuthSet) else load_sleuth_set(path)
    return region_from_set(sset, year, cell_size_m), sset


__all__ = [
    "SLEUTH_FILE",
    "SleuthSet",
    "discover_sleuth_files",
    "load_sleuth_set",
    "read_gif",
    "region_from_set",
    "sleuth_region",
]

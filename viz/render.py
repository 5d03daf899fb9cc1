"""The map as one image: a grid layer -> colours (a lookup table) -> PNG bytes, with its legend.

Why an image: a patch or an agent glyph per cell costs the browser O(cells) DOM or canvas work, which
stalls at 1000 x 1000; one PNG costs a lookup-table index and a fast PNG encode. Grids larger than
`MAX_PX` are reduced to at most that many pixels a side before encoding (mean of each block for
quantities, the block's top-left cell for land use), which is already the screen's resolution.

>>> import numpy as np
>>> img = render_map(np.arange(12.0).reshape(3, 4), "floor", np.ones((3, 4), bool), vmax=11.0)
>>> img.png[:4] == b"\\x89PNG", img.size, img.legend.kind
(True, (4, 3), 'continuous')
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from abm.grid import LandCover

if TYPE_CHECKING:
    from abm.model import UrbanModel

#: Largest side of a map image in pixels (bigger grids are reduced by an integer factor).
MAX_PX = 800

BACKGROUND = (238, 238, 238)   # valid cell with nothing to show (no households, not urban, ...)
OUTSIDE = (255, 255, 255)      # outside the study area


@dataclass(frozen=True)
class LayerSpec:
    """One map layer: its label in the picker, unit, and how it is coloured."""

    label: str
    unit: str
    kind: str  # "categorical", "continuous", "diverging" (sink: sources below 0) or "year"
    cmap: str = ""


LAYERS: dict[str, LayerSpec] = {
    "land_use": LayerSpec("land use", "", "categorical"),
    "households": LayerSpec("population density", "households per cell", "continuous", "viridis"),
    "floor": LayerSpec("floor area", "m2 per cell", "continuous", "magma_r"),
    "emissions": LayerSpec("emissions per cell", "tCO2/yr per cell", "continuous", "inferno_r"),
    "sink": LayerSpec("sink per cell", "tCO2/yr per cell (negative: source)", "diverging", "BrBG"),
    "urban_year": LayerSpec("development year", "year the cell became urban", "year", "plasma"),
}

#: Land cover colours (LandCover codes), plus transit drawn over land use.
LAND_COLOURS: dict[int, tuple[str, tuple[int, int, int]]] = {
    int(LandCover.UNCLASSIFIED): ("unclassified", (210, 210, 210)),
    int(LandCover.URBAN): ("urban", (200, 70, 60)),
    int(LandCover.AGRICULTURE): ("farmland", (240, 224, 150)),
    int(LandCover.GRASSLAND): ("grassland", (182, 216, 138)),
    int(LandCover.FOREST): ("forest", (46, 125, 50)),
    int(LandCover.WATER): ("water", (74, 144, 217)),
    int(LandCover.WETLAND): ("wetland", (127, 200, 196)),
    int(LandCover.BARREN): ("barren", (194, 184, 163)),
}
TRANSIT_COLOUR = ("transit", (90, 30, 140))
BEFORE_START_COLOUR = ("urban before the start", (120, 120, 120))


@dataclass(frozen=True)
class Legend:
    """What the colours mean: swatches (categorical) or a colour ramp from `vmin` to `vmax`."""

    kind: str
    title: str
    unit: str
    items: tuple[tuple[str, str], ...] = ()      # (label, "#rrggbb")
    ramp: tuple[str, ...] = ()                   # colour stops, low to high
    vmin: float = 0.0
    vmax: float = 1.0
    note: str = ""
    years: bool = False                          # the ramp's values are calendar years

    def label(self, value: float) -> str:
        """A ramp value as the legend writes it (years without a thousands separator)."""
        return f"{value:.0f}" if self.years else format_value(value)


@dataclass(frozen=True)
class MapImage:
    png: bytes
    size: tuple[int, int]           # (width, height) in pixels
    legend: Legend
    rgb: np.ndarray = field(repr=False, compare=False, default=None)  # the pixels (for the export figure)


def hex_colour(rgb: tuple[int, int, int] | np.ndarray) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb[:3])


@lru_cache(maxsize=16)
def lut(cmap: str) -> np.ndarray:
    """A 256 x 3 uint8 lookup table of a matplotlib colour map."""
    import matplotlib

    return np.ascontiguousarray(matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, 256), bytes=True)[:, :3])


def nice_ceil(x: float) -> float:
    """Smallest of 1, 2, 2.5, 5 x 10^k not below x (a legend maximum that does not jitter)."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exp >= x * (1 - 1e-9):
            return m * 10**exp
    return 10.0 ** (exp + 1)


def layer_values(model: UrbanModel, layer: str) -> np.ndarray:
    """The grid-shaped array a layer shows for `model` as it stands now."""
    g = model.grid
    if layer == "land_use":
        return g.land_cover
    if layer == "households":
        return model.occupancy().reshape(g.shape)
    if layer == "floor":
        return g.floor_total
    if layer == "emissions":
        return model.carbon.emissions_cell_t
    if layer == "sink":
        return model.carbon.sink_cell_t
    if layer == "urban_year":
        return g.urban_year
    raise KeyError(f"unknown layer {layer!r}; choose from {', '.join(LAYERS)}")


def layer_scale(arrays: list[np.ndarray], valids: list[np.ndarray], layer: str) -> float:
    """A shared colour-scale maximum for the maps shown side by side (99.5th percentile, rounded up)."""
    spec = LAYERS[layer]
    if spec.kind not in ("continuous", "diverging"):
        return 1.0
    parts = []
    for a, v in zip(arrays, valids):
        x = np.abs(a[v]) if spec.kind == "diverging" else a[v]
        x = x[x > 0]
        if x.size:
            parts.append(x[:: max(1, x.size // 200_000)])  # a sample is enough for a percentile
    if not parts:
        return 1.0
    return nice_ceil(float(np.percentile(np.concatenate(parts), 99.5)))


def _reduce(values: np.ndarray, valid: np.ndarray, factor: int, mean: bool) -> tuple[np.ndarray, np.ndarray]:
    """Shrink by an integer factor: block mean over valid cells, or the top-left cell of each block."""
    if factor <= 1:
        return values, valid
    if not mean:
        return values[::factor, ::factor], valid[::factor, ::factor]
    rows, cols = values.shape
    pr, pc = -rows % factor, -cols % factor
    v = np.pad(np.where(valid, values, 0).astype(np.float64), ((0, pr), (0, pc)))
    w = np.pad(valid.astype(np.float64), ((0, pr), (0, pc)))
    shape = (v.shape[0] // factor, factor, v.shape[1] // factor, factor)
    total = v.reshape(shape).sum(axis=(1, 3))
    count = w.reshape(shape).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), 0.0), count > 0


def _png(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def render_map(values: np.ndarray, layer: str, valid: np.ndarray, *, vmax: float = 1.0, year_range: tuple[int, int] = (0, 1),
               transit: np.ndarray | None = None, max_px: int = MAX_PX) -> MapImage:
    """Colour one layer into a PNG (north up, one pixel per cell or per block of cells) with its legend."""
    spec = LAYERS[layer]
    rows, cols = values.shape
    factor = max(1, math.ceil(max(rows, cols) / max_px))
    note = f"each pixel: {factor} x {factor} cells" if factor > 1 else ""
    if spec.kind == "categorical":
        v, ok = _reduce(values, valid, factor, mean=False)
        table = np.zeros((256, 3), np.uint8)
        table[:] = LAND_COLOURS[0][1]
        for code, (_, colour) in LAND_COLOURS.items():
            table[code] = colour
        rgb = table[v.astype(np.uint8)]
        items = [(name, hex_colour(colour)) for code, (name, colour) in LAND_COLOURS.items()
                 if code != LandCover.UNCLASSIFIED]
        if transit is not None and transit.any():
            t, _ = _reduce(transit, valid, factor, mean=False)
            rgb[t] = TRANSIT_COLOUR[1]
            items.append((TRANSIT_COLOUR[0], hex_colour(TRANSIT_COLOUR[1])))
        legend = Legend("categorical", spec.label, spec.unit, items=tuple(items), note=note)
    elif spec.kind == "year":
        v, ok = _reduce(values, valid, factor, mean=False)
        lo, hi = year_range
        hi = max(hi, lo + 1)
        table = lut(spec.cmap)
        idx = np.clip((v.astype(np.float64) - lo) / (hi - lo) * 255.0, 0, 255).astype(np.uint8)
        rgb = table[idx]
        rgb[v == 0] = BACKGROUND
        rgb[(v > 0) & (v <= lo)] = BEFORE_START_COLOUR[1]
        legend = Legend("continuous", spec.label, spec.unit, ramp=_ramp(table), vmin=lo, vmax=hi, note=note, years=True,
                        items=((BEFORE_START_COLOUR[0], hex_colour(BEFORE_START_COLOUR[1])),
                               ("not urban", hex_colour(BACKGROUND))))
    else:
        v, ok = _reduce(values, valid, factor, mean=True)
        table = lut(spec.cmap)
        vmax = float(vmax) if vmax > 0 else 1.0
        if spec.kind == "diverging":
            idx = np.clip((v / vmax + 1.0) * 127.5, 0, 255).astype(np.uint8)
            rgb = table[idx]
            legend = Legend("continuous", spec.label, spec.unit, ramp=_ramp(table), vmin=-vmax, vmax=vmax, note=note)
        else:
            idx = np.clip(v / vmax * 255.0, 0, 255).astype(np.uint8)
            rgb = table[idx]
            rgb[v <= 0] = BACKGROUND
            legend = Legend("continuous", spec.label, spec.unit, ramp=_ramp(table), vmin=0.0, vmax=vmax, note=note,
                            items=(("none", hex_colour(BACKGROUND)),))
    rgb[~ok] = OUTSIDE
    rgb = np.ascontiguousarray(rgb, np.uint8)
    return MapImage(_png(rgb), (rgb.shape[1], rgb.shape[0]), legend, rgb)


def _ramp(table: np.ndarray, stops: int = 9) -> tuple[str, ...]:
    return tuple(hex_colour(table[int(round(i))]) for i in np.linspace(0, 255, stops))


def scale_bar(cols: int, cell_size_m: float, target_share: float = 0.22) -> tuple[str, float]:
    """A round length near `target_share` of the map width: (label, share of the width it spans).

    >>> scale_bar(200, 100.0)
    ('5 km', 0.25)
    """
    width_km = cols * cell_size_m / 1000.0
    goal = width_km * target_share
    exp = math.floor(math.log10(goal))
    length = min((m * 10.0**exp for m in (1, 2, 5, 10)), key=lambda c: abs(math.log(c / goal)))
    label = f"{length:g} km" if length >= 1 else f"{length * 1000:g} m"
    return label, length / width_km


def format_value(x: float) -> str:
    """A legend or axis number: 12,500 / 250 / 2.5 / 0.025."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"

"""How a map layer is coloured: land-use swatches, a sequential or diverging colour ramp, or a
ramp of calendar years. Each colouring paints grid values (already reduced to screen size) into RGB
and writes the legend that explains them, so a map layer only names its colouring (viz.layers).

>>> import numpy as np
>>> rgb, legend = Sequential("viridis").paint(np.array([[0.0, 2.0]]), "floor", "m2", vmax=2.0)
>>> tuple(rgb[0, 0]) == BACKGROUND, tuple(rgb[0, 1]) == tuple(lut("viridis")[255]), legend.vmax
(True, True, 2.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from abm.grid import LandCover

BACKGROUND = (238, 238, 238)   # valid cell with nothing to show (no households, not urban, ...)
OUTSIDE = (255, 255, 255)      # outside the study area

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

#: The lines of territorial planning (三区三线) as the planning-lines layer shows them (viz.layers.planning_lines).
LINE_COLOURS: tuple[tuple[int, str, tuple[int, int, int]], ...] = (
    (0, "outside the growth boundary", (226, 226, 226)),
    (1, "inside the growth boundary", (190, 222, 190)),
    (2, "urban", (200, 70, 60)),
    (3, "permanent basic farmland", (235, 190, 40)),
    (4, "ecological red line", (0, 100, 60)),
)
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


def hex_colour(rgb: tuple[int, int, int] | np.ndarray) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb[:3])


@lru_cache(maxsize=16)
def lut(cmap: str) -> np.ndarray:
    """A 256 x 3 uint8 lookup table of a matplotlib colour map."""
    import matplotlib

    return np.ascontiguousarray(matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, 256), bytes=True)[:, :3])


def ramp_stops(table: np.ndarray, stops: int = 9) -> tuple[str, ...]:
    """Evenly spaced colours of a lookup table, for the legend's CSS gradient."""
    return tuple(hex_colour(table[int(round(i))]) for i in np.linspace(0, 255, stops))


def nice_ceil(x: float) -> float:
    """Smallest of 1, 2, 2.5, 5 x 10^k not below x (a legend maximum that does not jitter)."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exp >= x * (1 - 1e-9):
            return m * 10**exp
    return 10.0 ** (exp + 1)


def format_value(x: float) -> str:
    """A legend or axis number: 12,500 / 250 / 2.5 / 0.025."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def percentile_scale(arrays: list[np.ndarray], valids: list[np.ndarray], magnitude: bool) -> float:
    """A colour-scale maximum shared by maps side by side: 99.5th percentile of the positive values
    (of |value| when `magnitude`), rounded up by `nice_ceil`."""
    parts = []
    for a, v in zip(arrays, valids):
        x = np.abs(a[v]) if magnitude else a[v]
        x = x[x > 0]
        if x.size:
            parts.append(x[:: max(1, x.size // 200_000)])  # a sample is enough for a percentile
    if not parts:
        return 1.0
    return nice_ceil(float(np.percentile(np.concatenate(parts), 99.5)))


# --------------------------------------------------------------------------------------------------
# Colourings. Each has `block_mean` (a reduced map shows each block's mean, else its top-left cell),
# `scale(arrays, valids)` (the shared maximum, 1.0 when the colouring has none) and
# `paint(values, title, unit, vmax=, year_range=, transit=) -> (rgb, Legend)`.
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Categories:
    """Land cover swatches; transit cells drawn over them when a transit mask is given."""

    colours: tuple[tuple[int, str, tuple[int, int, int]], ...] = tuple(
        (code, name, colour) for code, (name, colour) in LAND_COLOURS.items())
    overlay: tuple[str, tuple[int, int, int]] | None = TRANSIT_COLOUR  # None: nothing drawn over the classes
    unlisted: int | None = int(LandCover.UNCLASSIFIED)  # the class the legend leaves out
    block_mean = False

    def scale(self, arrays: list[np.ndarray], valids: list[np.ndarray]) -> float:
        return 1.0

    def paint(self, values: np.ndarray, title: str, unit: str, *, transit: np.ndarray | None = None,
              **_unused) -> tuple[np.ndarray, Legend]:
        table = np.zeros((256, 3), np.uint8)
        table[:] = self.colours[0][2]
        for code, _, colour in self.colours:
            table[code] = colour
        rgb = table[values.astype(np.uint8)]
        items = [(name, hex_colour(colour)) for code, name, colour in self.colours if code != self.unlisted]
        if self.overlay is not None and transit is not None and transit.any():
            rgb[transit] = self.overlay[1]
            items.append((self.overlay[0], hex_colour(self.overlay[1])))
        return rgb, Legend("categorical", title, unit, items=tuple(items))


@dataclass(frozen=True)
class Sequential:
    """A quantity from 0 (background) to the shared maximum, on a matplotlib colour map."""

    cmap: str
    block_mean = True

    def scale(self, arrays: list[np.ndarray], valids: list[np.ndarray]) -> float:
        return percentile_scale(arrays, valids, magnitude=False)

    def paint(self, values: np.ndarray, title: str, unit: str, *, vmax: float = 1.0,
              **_unused) -> tuple[np.ndarray, Legend]:
        table = lut(self.cmap)
        vmax = float(vmax) if vmax > 0 else 1.0
        rgb = table[np.clip(values / vmax * 255.0, 0, 255).astype(np.uint8)]
        rgb[values <= 0] = BACKGROUND
        return rgb, Legend("continuous", title, unit, ramp=ramp_stops(table), vmin=0.0, vmax=vmax,
                           items=(("none", hex_colour(BACKGROUND)),))


@dataclass(frozen=True)
class Diverging:
    """A signed quantity around 0, from -max to +max (e.g. a sink, negative where it is a source)."""

    cmap: str
    block_mean = True

    def scale(self, arrays: list[np.ndarray], valids: list[np.ndarray]) -> float:
        return percentile_scale(arrays, valids, magnitude=True)

    def paint(self, values: np.ndarray, title: str, unit: str, *, vmax: float = 1.0,
              **_unused) -> tuple[np.ndarray, Legend]:
        table = lut(self.cmap)
        vmax = float(vmax) if vmax > 0 else 1.0
        rgb = table[np.clip((values / vmax + 1.0) * 127.5, 0, 255).astype(np.uint8)]
        return rgb, Legend("continuous", title, unit, ramp=ramp_stops(table), vmin=-vmax, vmax=vmax)


@dataclass(frozen=True)
class Years:
    """Calendar years over the run (start to now); earlier years grey, 0 (never) as background."""

    cmap: str
    block_mean = False

    def scale(self, arrays: list[np.ndarray], valids: list[np.ndarray]) -> float:
        return 1.0

    def paint(self, values: np.ndarray, title: str, unit: str, *, year_range: tuple[int, int] = (0, 1),
              **_unused) -> tuple[np.ndarray, Legend]:
        lo, hi = year_range
        hi = max(hi, lo + 1)
        table = lut(self.cmap)
        rgb = table[np.clip((values.astype(np.float64) - lo) / (hi - lo) * 255.0, 0, 255).astype(np.uint8)]
        rgb[values == 0] = BACKGROUND
        rgb[(values > 0) & (values <= lo)] = BEFORE_START_COLOUR[1]
        return rgb, Legend("continuous", title, unit, ramp=ramp_stops(table), vmin=lo, vmax=hi, years=True,
                           items=((BEFORE_START_COLOUR[0], hex_colour(BEFORE_START_COLOUR[1])),
                                  ("not urban", hex_colour(BACKGROUND))))

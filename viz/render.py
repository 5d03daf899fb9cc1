"""The map as one image: a map layer's grid -> colours (its colouring) -> PNG bytes, with its legend.

Why an image: a patch or an agent glyph per cell costs the browser O(cells) DOM or canvas work, which
stalls at 1000 x 1000; one PNG costs a lookup-table index and a fast PNG encode. Grids larger than
`MAX_PX` are reduced to at most that many pixels a side before encoding (mean of each block for
quantities, the block's top-left cell for land use and years), which is already the screen's resolution.
The layers themselves (what each shows, how it is coloured) are entries of viz.layers.

>>> import numpy as np
>>> img = render_map(np.arange(12.0).reshape(3, 4), "floor", np.ones((3, 4), bool), vmax=11.0)
>>> img.png[:4] == b"\\x89PNG", img.size, img.legend.kind
(True, (4, 3), 'continuous')
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from viz.i18n import tr
from viz.layers import MapLayer, map_layer
from viz.ramps import OUTSIDE, Legend

if TYPE_CHECKING:
    from abm.model import UrbanModel

#: Largest side of a map image in pixels (bigger grids are reduced by an integer factor).
MAX_PX = 800


@dataclass(frozen=True)
class MapImage:
    png: bytes
    size: tuple[int, int]           # (width, height) in pixels
    legend: Legend
    rgb: np.ndarray = field(repr=False, compare=False, default=None)  # the pixels (for the export figure)


def as_layer(layer: str | MapLayer) -> MapLayer:
    return layer if isinstance(layer, MapLayer) else map_layer(layer)


def layer_values(model: UrbanModel, layer: str | MapLayer) -> np.ndarray:
    """The grid-shaped array a layer shows for `model` as it stands now."""
    return as_layer(layer).values(model)


def layer_scale(arrays: list[np.ndarray], valids: list[np.ndarray], layer: str | MapLayer) -> float:
    """A shared colour-scale maximum for the maps shown side by side (1.0 for a layer without one)."""
    return as_layer(layer).colouring.scale(arrays, valids)


def reduce_grid(values: np.ndarray, valid: np.ndarray, factor: int, mean: bool) -> tuple[np.ndarray, np.ndarray]:
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


def encode_png(rgb: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def render_map(values: np.ndarray, layer: str | MapLayer, valid: np.ndarray, *, vmax: float = 1.0,
               year_range: tuple[int, int] = (0, 1), transit: np.ndarray | None = None, max_px: int = MAX_PX,
               lang: str = "en") -> MapImage:
    """Colour one layer into a PNG (north up, one pixel per cell or per block of cells) with its legend.

    `vmax` is the top of a quantity's ramp, `year_range` the (start, now) of a year layer, `transit`
    a mask drawn over land use; `lang` the language of the legend (viz.i18n).
    """
    spec = as_layer(layer)
    colouring = spec.colouring
    factor = max(1, math.ceil(max(values.shape) / max_px))
    v, ok = reduce_grid(values, valid, factor, mean=colouring.block_mean)
    mask = reduce_grid(transit, valid, factor, mean=False)[0] if transit is not None else None
    rgb, legend = colouring.paint(v, spec.label(lang), tr(spec.unit, lang) if spec.unit else "", vmax=vmax,
                                  year_range=year_range, transit=mask)
    legend = replace(legend, items=tuple((tr(label, lang), colour) for label, colour in legend.items))
    if factor > 1:
        legend = replace(legend, note=tr("each pixel: {factor} x {factor} cells", lang, factor=factor))
    rgb[~ok] = OUTSIDE
    rgb = np.ascontiguousarray(rgb, np.uint8)
    return MapImage(encode_png(rgb), (rgb.shape[1], rgb.shape[0]), legend, rgb)


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

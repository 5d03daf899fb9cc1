"""The app's map layers: one entry each, so adding a layer to the picker is one line in `LAYERS`.

A layer names what it shows (English and Chinese), its unit, how it is coloured (a colouring of
viz.ramps, which also writes the legend) and how to read it from a model (a function
model -> grid-shaped array). `map_layer(name)` answers a bad name with the valid ones.

>>> map_layer("floor").label("zh"), map_layer("floor").colouring
('建筑面积', Sequential(cmap='magma_r'))
>>> [spec.name for spec in map_layers()][:2]
['land_use', 'households']
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Callable, Union

import numpy as np

from viz.ramps import LINE_COLOURS, Categories, Diverging, Sequential, Years

if TYPE_CHECKING:
    from abm.model import UrbanModel

Colouring = Union[Categories, Sequential, Diverging, Years]


@dataclass(frozen=True)
class MapLayer:
    """One map layer: picker labels, unit, colouring and the getter that reads it from a model."""

    name: str
    label_en: str
    label_zh: str
    unit: str
    colouring: Colouring
    values: Callable[[UrbanModel], np.ndarray]

    def label(self, lang: str = "en") -> str:
        return self.label_zh if lang == "zh" else self.label_en


def households_per_cell(model: UrbanModel) -> np.ndarray:
    """Households by home cell, counted from the households themselves (grid-shaped)."""
    return np.bincount(model.households.home, minlength=model.grid.valid.size).reshape(model.grid.shape)


def growth_boundary_now(model: UrbanModel) -> np.ndarray:
    """Where the town may grow now: the boundary of the last year decided, or before the first one a drawn
    boundary (region.growth_boundary_file) as drawn."""
    g = model.grid
    return g.metadata["boundary_mask"] if model.tick == 0 and "boundary_mask" in g.metadata else g.growth_boundary


def planning_lines(model: UrbanModel) -> np.ndarray:
    """The three lines of territorial planning on one map (codes of `viz.ramps.LINE_COLOURS`): outside / inside
    the growth boundary, urban land, permanent basic farmland and the ecological red line (drawn last). Before
    the first year is decided a drawn boundary (region.growth_boundary_file) shows as drawn."""
    g = model.grid
    out = growth_boundary_now(model).astype(np.uint8)
    out[g.urban] = 2
    out[g.farmland] = 3
    out[g.red_line] = 4
    return out


LAYERS: tuple[MapLayer, ...] = (
    MapLayer("land_use", "land use", "土地利用", "", Categories(), attrgetter("grid.land_cover")),
    MapLayer("households", "population density", "人口密度", "households per cell", Sequential("viridis"),
             households_per_cell),
    MapLayer("floor", "floor area", "建筑面积", "m2 per cell", Sequential("magma_r"), attrgetter("grid.floor_total")),
    MapLayer("emissions", "emissions per cell", "单元排放", "tCO2/yr per cell", Sequential("inferno_r"),
             attrgetter("carbon.emissions_cell_t")),
    MapLayer("sink", "sink per cell", "单元碳汇", "tCO2/yr per cell (negative: source)", Diverging("BrBG"),
             attrgetter("carbon.sink_cell_t")),
    MapLayer("carbon_storage", "carbon storage", "碳储量", "tC/ha (biomass, soil, dead matter)", Sequential("YlGn"),
             attrgetter("carbon.storage_cell_tc_ha")),
    MapLayer("urban_year", "development year", "开发年份", "year the cell became urban", Years("plasma"),
             attrgetter("grid.urban_year")),
    MapLayer("lines", "planning lines", "三区三线", "", Categories(LINE_COLOURS, overlay=None, unlisted=None),
             planning_lines),
)


def map_layers() -> tuple[MapLayer, ...]:
    """Every map layer, in the picker's order."""
    return LAYERS


def map_layer(name: str) -> MapLayer:
    """The layer called `name`; a bad name is answered with the valid ones."""
    for spec in LAYERS:
        if spec.name == name:
            return spec
    raise KeyError(f"no map layer {name!r}; choose from {', '.join(spec.name for spec in LAYERS)}")

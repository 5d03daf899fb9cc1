"""The registry of emission sources: one entry per source, read by the carbon account, the time
series, the app's charts, `abm run --plot` and `abm report`, so that adding a source is one module.

A source is a class with metadata (name, English and Chinese labels, colour, unit) and one verb,
``run_one_step(state, year) -> SourceEmissions``: this tick's total, new-cohort and stock emissions and
where they happen on the map. Its time-series column is ``emissions_<name>_t``. Registration order is
the order of stacking in charts and of summing in the account (sums are left to right, so the order is
part of the result's last bit).

>>> [s.name for s in emission_sources()][:2]
['buildings', 'transport']
>>> source("transport").column()
'emissions_transport_t'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from abm.state import CityState


@dataclass
class SourceEmissions:
    """One source's tick: tCO2/yr by cohort, its per-cell map and any further time-series columns.

    The map is either a full grid (``cells is None``: ``values`` has the grid's shape) or sparse
    (``values[i]`` tonnes at flat cell ``cells[i]``; a cell may repeat, e.g. one entry per household).
    """

    total_t: float
    new_t: float
    stock_t: float
    values: np.ndarray
    cells: np.ndarray | None = None
    extras: dict[str, float] = field(default_factory=dict)

    def add_to(self, flat_map: np.ndarray) -> None:
        """Add this source's map into ``flat_map`` (float32, flat, one value per grid cell)."""
        if self.cells is None:
            flat_map += self.values.reshape(-1)
        elif len(self.cells):
            from abm.kernels.travel import add_at

            add_at(self.cells, self.values, flat_map)


class EmissionSource:
    """Base of every emission source; subclasses set the metadata and implement `run_one_step`."""

    name: ClassVar[str]
    label_en: ClassVar[str]
    label_zh: ClassVar[str]
    colour: ClassVar[str]          # hex, used by the app's SVG charts and matplotlib alike
    unit: ClassVar[str] = "tCO2/yr"
    #: what the source reads of the state (see abm.process): grid layers as "grid.<layer>", else field names
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def column(cls) -> str:
        return f"emissions_{cls.name}_t"

    @classmethod
    def label(cls, lang: str = "en") -> str:
        return cls.label_zh if lang == "zh" else cls.label_en

    def run_one_step(self, state: CityState, year: int) -> SourceEmissions:  # pragma: no cover - abstract
        raise NotImplementedError(f"emission source {self.name!r} must implement run_one_step")


_SOURCES: dict[str, type[EmissionSource]] = {}


def register_source(cls: type[EmissionSource]) -> type[EmissionSource]:
    """Add a source (usable as a class decorator); a second source of the same name is refused."""
    for attr in ("name", "label_en", "label_zh", "colour"):
        if not isinstance(getattr(cls, attr, None), str):
            raise TypeError(f"emission source {cls.__name__} needs a str class attribute {attr!r}")
    if cls.name in _SOURCES and _SOURCES[cls.name] is not cls:
        raise ValueError(f"an emission source named {cls.name!r} is already registered; choose another name")
    _SOURCES[cls.name] = cls
    return cls


def unregister_source(name: str) -> None:
    """Remove a source (tests that register a toy source clean up with this)."""
    _SOURCES.pop(name, None)


def emission_sources() -> tuple[type[EmissionSource], ...]:
    """Every registered source, built-in ones first (the package registers them), in registration order."""
    return tuple(_SOURCES.values())


def source(name: str) -> type[EmissionSource]:
    """The source called `name`; a bad name is answered with the valid ones."""
    sources = {s.name: s for s in emission_sources()}
    if name not in sources:
        raise KeyError(f"no emission source {name!r}; choose from {sorted(sources)}")
    return sources[name]

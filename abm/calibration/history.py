"""The observed history a calibration fits: maps by year, the growth totals, the roads schedule.

The simulation may see only what the fit allows: the start map, the roads maps dated up to the last
fit year, and the number of urban cells at each compared year, which drives growth (the quota path).
For held-out years that number is either extrapolated from the fit years' growth rate
(``holdout_totals = "extrapolated"``: nothing of the held-out maps enters the simulation) or taken
from the observed maps (``"observed"``: the usual land-change validation with known quantity).

>>> quota_path({1930: 100, 1950: 140}, "linear")[1931], sum(quota_path({1930: 100, 1950: 140}, "linear").values())
(2, 40)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from abm.errors import ConfigError, DataError
from abm.io.sleuth import SleuthSet

if TYPE_CHECKING:
    from abm.calibration.config import CalibrationConfig


@dataclass
class History:
    """What one calibration compares with and what its simulations may read."""

    name: str
    path: Path
    sset: SleuthSet
    start_year: int
    fit_years: tuple[int, ...]
    holdout_years: tuple[int, ...]
    totals: dict[int, int]               # urban cells the simulation reaches at each compared year
    observed_totals: dict[int, int]      # urban cells of every observed map
    quota: dict[int, int]                # year -> new urban cells converted in that year's step
    roads: dict[int, int] = field(default_factory=dict)  # first simulated year -> roads map year used from then
    totals_source: dict[int, str] = field(default_factory=dict)  # year -> "observed" | "extrapolated"

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.fit_years + self.holdout_years))

    @property
    def last_year(self) -> int:
        return max(self.years)

    @property
    def valid(self) -> np.ndarray:
        return self.sset.valid

    def observed(self, year: int) -> np.ndarray:
        return self.sset.urban[year] & self.sset.valid

    def start_map(self) -> np.ndarray:
        return self.observed(self.start_year)

    def quota_until(self, year: int) -> dict[int, int]:
        return {y: k for y, k in self.quota.items() if y <= year}

    def roads_until(self, year: int) -> dict[int, int]:
        return {y: r for y, r in self.roads.items() if y <= year}

    def describe(self) -> dict:
        """Plain data for fit.json."""
        return {
            "name": self.name, "path": str(self.path), "rows": self.sset.shape[0], "cols": self.sset.shape[1],
            "valid_cells": int(self.sset.valid.sum()), "start_year": self.start_year,
            "fit_years": list(self.fit_years), "holdout_years": list(self.holdout_years),
            "observed_urban_cells": {str(y): n for y, n in sorted(self.observed_totals.items())},
            "simulated_urban_cells": {str(y): n for y, n in sorted(self.totals.items())},
            "totals_source": {str(y): s for y, s in sorted(self.totals_source.items())},
            "roads_maps_used": {str(y): r for y, r in sorted(self.roads.items())},
        }


def quota_path(totals: dict[int, int], interpolation: str = "linear") -> dict[int, int]:
    """New urban cells per year between consecutive totals: whole numbers that add up exactly.

    The cumulative count is interpolated linearly (or geometrically) between the given years and each
    year converts the difference of its rounded values, so a year's quota is 0 or more and the urban
    area hits every total on its year.
    """
    years = sorted(totals)
    out: dict[int, int] = {}
    for a, b in zip(years[:-1], years[1:]):
        na, nb = float(totals[a]), float(totals[b])
        prev = int(round(na))
        for y in range(a + 1, b + 1):
            f = (y - a) / (b - a)
            if interpolation == "exponential" and na > 0 and nb > 0:
                level = na * (nb / na) ** f
            else:
                level = na + (nb - na) * f
            now = int(round(level)) if y < b else int(round(nb))
            out[y] = max(0, now - prev)
            prev = max(prev, now)
    return out


def build_history(sset: SleuthSet, fit_years: tuple[int, ...], holdout_years: tuple[int, ...] = (),
                  start_year: int = 0, holdout_totals: str = "extrapolated", roads: str = "observed",
                  interpolation: str = "linear", name: str = "") -> History:
    """Check the years against the maps and derive the growth totals, the quota path and the roads schedule."""
    years = sset.urban_years
    listed = ", ".join(map(str, years))
    start = start_year or years[0]
    if start not in sset.urban:
        raise ConfigError("data.start_year", f"{start} has no urban map (maps: {listed})", "start from an observed year")
    for key, group in (("data.fit_years", fit_years), ("data.holdout_years", holdout_years)):
        for y in group:
            if y not in sset.urban:
                raise ConfigError(key, f"{y} has no urban map (maps: {listed})", "list observed years only")
            if y <= start:
                raise ConfigError(key, f"{y} is not after the start year {start}", "compare years after the start")
    observed_totals = {y: int(np.count_nonzero(sset.urban[y] & sset.valid)) for y in years}
    check_maps(sset, start, fit_years, observed_totals)
    totals = {start: observed_totals[start]}
    source = {start: "observed"}
    for y in fit_years:
        totals[y], source[y] = observed_totals[y], "observed"
    known = sorted(totals)
    for y in sorted(holdout_years):
        if holdout_totals == "observed":
            totals[y], source[y] = observed_totals[y], "observed"
            continue
        # the growth rate of the last fit interval, carried on (geometric): only fit-period data used
        a, b = known[-2], known[-1]
        rate = math.log(max(totals[b], 1) / max(totals[a], 1)) / (b - a)
        totals[y] = int(round(totals[b] * math.exp(rate * (y - b))))
        source[y] = "extrapolated"
    schedule: dict[int, int] = {}
    if roads == "observed":
        last_fit = max(fit_years)
        for ry in sset.roads_years:
            if start < ry <= last_fit:  # dated after the fit years: hold-out data, not used
                schedule[ry + 1] = ry
    return History(
        name=name or sset.name, path=Path(sset.path), sset=sset, start_year=start, fit_years=tuple(sorted(fit_years)),
        holdout_years=tuple(sorted(holdout_years)), totals=totals, observed_totals=observed_totals,
        quota=quota_path(totals, interpolation), roads=schedule, totals_source=source,
    )


#: The smallest map a calibration takes: growth is scored over 3 x 3 neighbourhoods.
MIN_MAP_SIDE = 3


def check_maps(sset: SleuthSet, start: int, fit_years: tuple[int, ...], totals: dict[int, int]) -> None:
    """Refuse, before the search, maps no search can fit (each ended in 'the model search has no finished
    trial' or ran a search that could only score nothing): too small, nothing inside the study area (all
    nodata or NaN), no urban land at the start, no open land to grow into (all urban or all excluded), no
    growth between the start and the fit years, or more growth than there is open land."""
    rows, cols = sset.shape
    if min(rows, cols) < MIN_MAP_SIDE:
        raise ConfigError("data.path", f"the maps are {rows} x {cols} cells, too small to calibrate on (growth is "
                          "scored over 3 x 3 neighbourhoods)", f"use maps of at least {MIN_MAP_SIDE} x "
                          f"{MIN_MAP_SIDE} cells")
    if not sset.valid.any():
        raise ConfigError("data.path", "no cell of the maps is inside the study area (all nodata or NaN)",
                          "check the urban maps' nodata value and that they hold data")
    if totals[start] == 0:
        raise ConfigError("data.start_year", f"the urban map of {start} has no urban cell, so growth has nowhere "
                          "to start from", "start from a year whose map shows the city")
    open_land = int(np.count_nonzero(sset.valid & ~sset.urban[start] & (sset.excluded < 100)))
    if open_land == 0:
        raise ConfigError("data.path", f"no cell can be urbanised after {start}: every cell of the study area is "
                          "urban or excluded (>= 100)", "check the excluded layer and the urban map of the start")
    last = max(fit_years)
    grown = totals[last] - totals[start]
    if grown <= 0:
        raise ConfigError("data.fit_years", f"no urban growth between the years: {totals[start]:,} urban cells in "
                          f"{start} and {totals[last]:,} in {last}", "choose fit years after the city grew")
    if grown > open_land:
        raise ConfigError("data.fit_years", f"the city grows by {grown:,} cells from {start} to {last}, more than "
                          f"the {open_land:,} cells open to it (not urban, not excluded)",
                          "check the excluded layer (>= 100 is never urbanised) and the urban maps")


def load_map_set(path: Path, prefix: str = "") -> SleuthSet:
    """A SLEUTH GIF folder or a GeoTIFF folder (urban_<year>.tif) as a SleuthSet."""
    if not path.is_dir():
        raise ConfigError("data.path", f"'{path}' is not a folder", "give the folder holding the map files")
    names = [p.suffix.lower() for p in path.iterdir()]
    if ".gif" in names:
        from abm.io.sleuth import load_sleuth_set

        return load_sleuth_set(path, prefix or None)
    if ".tif" in names or ".tiff" in names:
        from abm.io.geotiff import read_geotiff_stack

        return read_geotiff_stack(path)
    raise DataError(f"{path}: holds neither SLEUTH GIFs nor GeoTIFFs (fix: give a folder with "
                    "<prefix>.urban.<year>.gif or urban_<year>.tif files)")


def load_history(config: CalibrationConfig, sset: SleuthSet | None = None) -> History:
    """The observed history of `config` (maps read from data.path unless `sset` is given)."""
    from abm.regions import resolve_data_path

    d = config.data
    if sset is None:
        sset = load_map_set(resolve_data_path(d.path, config.source, "data.path"), d.prefix)
    return build_history(sset, d.fit_years, d.holdout_years, d.start_year, d.holdout_totals, d.roads,
                         d.interpolation, name=config.name)

"""Where a model region comes from: the synthetic generator, SLEUTH GIF sets, GeoTIFF stacks.

`build_region(scenario)` is the one entry: it returns the LandGrid at the scenario's start, with the
optional vector growth boundary / red line rasterised onto it.
"""

from __future__ import annotations

import os
from pathlib import Path

from abm.errors import ConfigError, clip, shown
from abm.grid import LandGrid
from abm.scenario import Scenario


def data_root() -> Path:
    """ABM_DATA_DIR, else ../shared/data beside the working copy (where the shared map sets live)."""
    env = os.environ.get("ABM_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2]
    return here.parent / "shared" / "data"


def resolve_data_path(path: str, scenario_source: str = "", field: str = "region.path") -> Path:
    """An absolute path, or one relative to the scenario file, or relative to ABM_DATA_DIR."""
    p = Path(path).expanduser()
    candidates = [p] if p.is_absolute() else []
    if not p.is_absolute():
        if scenario_source:
            candidates.append(Path(scenario_source).resolve().parent / p)
        candidates.append(data_root() / p)
    for c in candidates:
        try:
            if c.exists():
                return c
        except OSError as err:  # a name too long, a loop of links
            raise ConfigError(field, f"{shown(path)} cannot be read ({err.strerror})", "check the path") from None
    tried = clip(", ".join(str(c) for c in candidates), 200)
    raise ConfigError(field, f"{shown(path)} not found (looked in {tried})",
                      "give an absolute path, or set ABM_DATA_DIR to the folder holding it")


#: The most households a region may start with (its residential floor over population.m2_per_household):
#: about 50 million people, more than any city. A region over it (a 200 km town on 10 km cells) would
#: take hours to seed its agents: refused in one line instead.
MAX_SEEDED_HOUSEHOLDS = 20_000_000


def build_region(scenario: Scenario) -> LandGrid:
    """The scenario's land grid at its start year, drawn boundary files applied; a region whose seeded town
    holds more than MAX_SEEDED_HOUSEHOLDS households, or whose drawn boundary covers no cell, is refused."""
    grid = _land(scenario)
    households = float(grid.floor_residential.sum()) / scenario.population.m2_per_household
    if households > MAX_SEEDED_HOUSEHOLDS:
        raise ConfigError("region", f"the start town holds about {households:,.0f} households, more than "
                          f"{MAX_SEEDED_HOUSEHOLDS:,}", "use a smaller town_radius_km, core_far or initial_far, or "
                          "smaller cells (cell_size_m)")
    return grid


def _land(scenario: Scenario) -> LandGrid:
    r = scenario.region
    if r.kind == "synthetic":
        from abm.regions.synthetic import SyntheticRegion, synthetic_region

        grid = synthetic_region(SyntheticRegion(
            rows=r.rows, cols=r.cols, cell_size_m=r.cell_size_m, seed=r.seed, town_radius_km=r.town_radius_km,
            core_far=r.core_far, villages=r.villages, start_year=scenario.run.start_year,
        ))
    else:
        path = resolve_data_path(r.path, scenario.source)
        year = r.year or None
        if r.kind == "sleuth":
            from abm.io.sleuth import sleuth_region

            grid, _ = sleuth_region(path, year=year, cell_size_m=r.cell_size_m)
        else:
            from abm.io.geotiff import geotiff_region

            grid, _ = geotiff_region(path, year=year, cell_size_m=r.cell_size_m)
        seed_floor_space(grid, r.initial_far, scenario.run.start_year)
    for name, layer in (("growth_boundary_file", "growth_boundary"), ("red_line_file", "red_line"),
                        ("farmland_file", "farmland")):
        file = getattr(r, name)
        if file:
            mask = drawn_mask(resolve_data_path(file, scenario.source, f"region.{name}"), grid, f"region.{name}")
            if layer == "growth_boundary":
                grid.metadata["boundary_mask"] = mask
            else:  # protected lines: drawn ones add to the policy's
                getattr(grid, layer)[...] |= mask & grid.valid
    return grid


def drawn_mask(path: Path, grid: LandGrid, field: str):
    """The cells of `grid` a drawn vector file (boundary, red line, farmland) covers, as a bool array.

    Refused in one line naming `field`: a file that is no vector layer (empty, a raster, a table), a layer
    with no features, and one that covers no cell of the region (all growth would stop, or the line would
    protect nothing, silently: most often a wrong CRS or a file of another place).
    """
    from abm.errors import DataError
    from abm.io.geotiff import rasterize_vector, read_vector

    try:
        gdf = read_vector(path)
    except DataError as err:
        raise DataError(f"{field}: {err}") from None
    geometries = gdf.geometry
    if not (geometries.notna() & ~geometries.is_empty).any():
        raise ConfigError(field, f"{shown(str(path))} holds no features (an empty layer)",
                          "draw the polygons into it, or remove the setting")
    mask = rasterize_vector(gdf, grid).astype(bool)
    if not (mask & grid.valid).any():
        raise ConfigError(field, f"{shown(str(path))} covers no cell of the region: check its CRS/extent",
                          "reproject it to the region's CRS, or use the file drawn for this region")
    return mask


#: How observed urban land's floor is split between uses when a map gives only urban / not urban.
INITIAL_USE_SPLIT = {"floor_residential": 0.70, "floor_commercial": 0.18, "floor_industrial": 0.12}


def seed_floor_space(grid: LandGrid, far: float, start_year: int) -> None:
    """Give observed urban cells without floor space the floor-area ratio `far`, split by use."""
    cells = grid.urban & grid.valid & (grid.floor_total <= 0)
    for layer, share in INITIAL_USE_SPLIT.items():
        getattr(grid, layer)[cells] = far * grid.cell_area_m2 * share
    grid.vintage[cells] = start_year - 20
    grid.energy_factor[cells] = 1.0

"""The built-in synthetic region: seeded, with every land feature the model needs."""

from __future__ import annotations

import numpy as np

from abm.grid import LandCover
from abm.regions.synthetic import SyntheticRegion, synthetic_region


def test_same_seed_same_region_other_seed_differs():
    a = synthetic_region(SyntheticRegion(rows=80, cols=90, seed=3))
    b = synthetic_region(SyntheticRegion(rows=80, cols=90, seed=3))
    c = synthetic_region(SyntheticRegion(rows=80, cols=90, seed=4))
    for name in ("land_cover", "slope", "roads", "floor_residential"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.land_cover, c.land_cover)


def test_region_has_town_river_forest_farmland_roads():
    g = synthetic_region(SyntheticRegion())
    cover = np.bincount(g.land_cover.ravel(), minlength=8)
    for cls in (LandCover.URBAN, LandCover.AGRICULTURE, LandCover.FOREST, LandCover.WATER):
        assert cover[cls] > 0, cls.name
    assert g.shape == (200, 200) and g.cell_size_m == 100
    assert g.roads.sum() > 200
    assert (g.floor_total[g.urban] > 0).all()
    assert (g.floor_total[~g.urban] == 0).all()
    assert g.excluded[g.land_cover == LandCover.WATER].all()
    # Floor-area ratio falls from the core outward.
    r, c = map(int, g.metadata["centre"])
    assert g.floor_total[r, c] > g.floor_total[g.urban].mean()

"""Common random numbers: scenarios that differ in policy found the same firms and bring the same newcomers."""

from __future__ import annotations

import numpy as np
import pytest

from abm.draws import AttributeDraws
from abm.model import UrbanModel
from abm.population import SECTORS
from abm.scenario import scenario_from_dict

SMALL = {"rows": 120, "cols": 120, "town_radius_km": 1.2, "villages": 2}
TIGHT = {"quantity": {"growth_boundary": "town", "boundary_radius_km": 1.6}, "layout": {"far_cap_core": 4.0}}
LOOSE = {"quantity": {"growth_boundary": "none", "land_quota_cells": 200}, "layout": {"far_cap_core": 1.0}}


def test_streams_are_keyed_and_prefix_stable():
    a, b = AttributeDraws(3), AttributeDraws(3)
    assert a.stream(2030, "firm_size", 1).random(4).tolist() == b.stream(2030, "firm_size", 1).random(9)[:4].tolist()
    # the next call, another part, another year or another seed each get other numbers
    first = AttributeDraws(3).stream(2030, "firm_size", 1).random()
    others = [a.stream(2030, "firm_size", 1).random(), AttributeDraws(3).stream(2030, "firm_size", 0).random(),
              AttributeDraws(3).stream(2031, "firm_size", 1).random(), AttributeDraws(4).stream(2030, "firm_size", 1).random()]
    assert first not in others and len(set(others)) == 4
    with pytest.raises(ValueError, match="unknown attribute kind"):
        a.stream(2030, "firm_colour")


def founded(model: UrbanModel, tick: int, sector: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f = model.firms
    rows = np.flatnonzero((f.arrived_tick == tick) & (f.sector == sector))
    return f.jobs[rows], f.va_per_job[rows], f.branch[rows]


def shared_share(a: UrbanModel, b: UrbanModel, tick: int, sector: int) -> float:
    """Share of the firms `a` founded at `tick` in `sector` that `b` founded too (value added per job is a
    continuous draw, so equal values are the same draw)."""
    va_a, va_b = founded(a, tick, sector)[1], founded(b, tick, sector)[1]
    assert len(va_a) > 0 and len(va_b) > 0
    return float(np.isin(va_a, va_b).mean())


def run(policy: dict, seed: int = 42) -> UrbanModel:
    m = UrbanModel(scenario_from_dict({"region": SMALL, "policy": policy, "population": {"growth_rate": 0.06},
                                       "run": {"seed": seed}}))
    for _ in range(4):
        m.step()
    return m


def test_two_policies_draw_the_same_agents():
    """The policies place firms and households apart, yet found the same firms (a firm without a site
    waits, so those found a site in other years) and bring newcomers of the same sizes, incomes and cars."""
    tight, loose, other_seed = run(TIGHT), run(LOOSE), run(LOOSE, seed=43)
    assert not np.array_equal(tight.households.home, loose.households.home)
    for tick in (2, 3, 4):
        for sector in SECTORS.values():
            assert shared_share(tight, loose, tick, sector) > 0.8
            assert shared_share(tight, other_seed, tick, sector) == 0.0
    hh_t, hh_l = tight.households, loose.households
    for tick in (2, 3, 4):
        a, b = hh_t.income[hh_t.arrived_tick == tick], hh_l.income[hh_l.arrived_tick == tick]
        assert np.isin(a, b).mean() > 0.8

"""Two tiny scenarios (40x40, 3 ticks) in a temporary folder, and a small sweep over them."""

from __future__ import annotations

import pytest

from abm.sweeps import sweep_from_dict

TINY = """
name = "tiny"
[run]
ticks = 3
seed = 5
[region]
rows = 40
cols = 40
town_radius_km = 0.5
villages = 1
"""

TINY_SPRAWL = """
extends = "tiny.toml"
name = "tiny-sprawl"
[policy.quantity]
growth_boundary = "none"
land_quota_cells = 40
"""


@pytest.fixture
def scenarios(tmp_path):
    """The folder holding tiny.toml and tiny_sprawl.toml (sweep paths are relative to it)."""
    (tmp_path / "tiny.toml").write_text(TINY)
    (tmp_path / "tiny_sprawl.toml").write_text(TINY_SPRAWL)
    return tmp_path


@pytest.fixture
def small_spec(scenarios):
    """Build the 2 scenarios x 2 FAR caps x 2 seeds sweep, with any top-level key replaced."""

    def build(**extra):
        raw = {"scenarios": ["tiny.toml", "tiny_sprawl.toml"], "seeds": [1, 2],
               "axes": {"policy.layout.far_cap_core": [2.0, 3.5]}}
        raw.update(extra)
        return sweep_from_dict(raw, base_dir=scenarios)

    return build

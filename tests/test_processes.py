"""Each process declares the grid layers it reads and writes (STYLE.md 6); the declarations are real."""

from __future__ import annotations

import importlib

import pytest

from abm.grid import LAYERS, LandGrid

PROCESSES = ["abm.government", "abm.firms", "abm.households", "abm.development"]


@pytest.mark.parametrize("name", PROCESSES)
def test_declared_layers_exist(name):
    module = importlib.import_module(name)
    for layer in (*module.READS, *module.WRITES):
        assert layer in LAYERS, f"{name} declares unknown layer {layer!r}"


def test_grid_holds_exactly_the_registered_layers():
    grid = LandGrid.empty(3, 4)
    assert set(grid.layer_names()) == set(LAYERS)
    for name, info in LAYERS.items():
        assert getattr(grid, name).dtype.name == info.dtype, name
        assert info.units and info.doc


def test_grid_refuses_mismatched_layers():
    grid = LandGrid.empty(3, 4)
    arrays = {name: getattr(grid, name) for name in LAYERS}
    arrays["slope"] = arrays["slope"][:2]
    with pytest.raises(ValueError, match="slope"):
        LandGrid(**arrays)

"""The registry of processes: each declares what it reads and writes, and the declarations are true.

Every process of the model's recipe (government, firms, households, development, forest growth,
neighbourhoods, each emission source, land carbon, the carbon account) runs here with everything it
did not declare as written made read-only (arrays) and behind a view that refuses undeclared reads
and assignments. After each run the whole state is fingerprinted: whatever changed must be declared
as written, and over the run every declared output must appear (change) at least once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import fields, is_dataclass

import numpy as np
import pytest

from abm.emissions import SourceEmissions
from abm.grid import LAYERS, LandCover, LandGrid
from abm.model import UrbanModel
from abm.process import GRID_PREFIX, Process, StateView, UndeclaredAccess, read_only_except, split_names
from abm.regions import build_region
from abm.scenario import scenario_from_dict

# Scenarios that make every output move: sub-centres and a trunk line open in year 3, planting, retrofits.
REGION = {"rows": 60, "cols": 60, "town_radius_km": 0.8, "villages": 2}
POLICY = {"layout": {"subcentres": 2, "subcentre_year": 2023, "transit": "trunk", "transit_year": 2023},
          "structure": {"afforestation_cells": 5}, "efficiency": {"retrofit_rate": 0.05}}


def fingerprint(value, depth: int = 0) -> str:
    """A digest of a value: arrays by content, dataclasses and objects by their members, generators by state."""
    h = hashlib.blake2b(digest_size=12)
    if isinstance(value, np.ndarray):
        h.update(str((value.dtype, value.shape)).encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, np.random.Generator):
        h.update(repr(value.bit_generator.state).encode())
    elif is_dataclass(value) and not isinstance(value, type) and depth < 3:
        for f in fields(value):
            h.update(f.name.encode() + fingerprint(getattr(value, f.name), depth + 1).encode())
    elif isinstance(value, dict) and depth < 3:
        for k, v in value.items():
            h.update(repr(k).encode() + fingerprint(v, depth + 1).encode())
    elif hasattr(value, "__dict__") and not isinstance(value, type) and depth < 3:
        for k, v in vars(value).items():
            h.update(k.encode() + fingerprint(v, depth + 1).encode())
    else:
        h.update(repr(value).encode())
    return h.hexdigest()


def state_fingerprints(state) -> dict[str, str]:
    out = {name: fingerprint(value) for name, value in vars(state).items() if name != "grid"}
    out.update({GRID_PREFIX + name: fingerprint(getattr(state.grid, name)) for name in LAYERS})
    return out


class Recorder:
    """Runs each process frozen and remembers what it changed."""

    def __init__(self) -> None:
        self.changed: dict[str, set[str]] = defaultdict(set)
        self.declared: dict[str, set[str]] = {}

    def run(self, process: Process, state, verb) -> None:
        """Run `verb(view)` (run_one_step or seed) with what `process` may not write read-only."""
        before = state_fingerprints(state)
        view = StateView(state, process)
        with read_only_except(state, process):
            verb(view)
        after = state_fingerprints(state)
        changed = {name for name in after if after[name] != before.get(name)}
        undeclared = changed - set(process.writes)
        assert not undeclared, f"process {process.name!r} changed {sorted(undeclared)} without declaring them"
        self.changed[process.name] |= changed | view.assigned
        self.declared[process.name] = set(process.writes)


@pytest.fixture(scope="module")
def recorded(request):
    """Three runs (polycentric plan, sprawl growing fast enough to need new industrial floor, compact) of 6
    ticks with every phase checked."""
    recorder = Recorder()
    patch = pytest.MonkeyPatch()

    def phase(model, process):
        recorder.run(process, model.state, lambda view: process.run_one_step(view, model.year))

    def seed_phase(model, process):
        recorder.run(process, model.state, process.seed)

    patch.setattr(UrbanModel, "phase", phase)
    patch.setattr(UrbanModel, "seed_phase", seed_phase)
    models = []
    try:
        # the last city shrinks from 2023: firms close and their workers change jobs
        for quantity, growth in (({}, 0.03), ({"growth_boundary": "none", "land_quota_cells": 200}, 0.08),
                                 ({"boundary_radius_km": 2.0}, {2020: 0.03, 2023: -0.08})):
            raw = {"run": {"start_year": 2020}, "region": REGION, "policy": {**POLICY, "quantity": quantity},
                   "population": {"growth_rate": growth}}
            scenario = scenario_from_dict(raw)
            grid = build_region(scenario)
            # stale stand ages on open land, so that planting's reset to a young stand shows
            grid.forest_age[np.isin(grid.land_cover, (LandCover.AGRICULTURE, LandCover.GRASSLAND))] = 30.0
            model = UrbanModel(scenario, grid=grid)
            for _ in range(6):
                model.step()
            models.append(model)
    finally:
        patch.undo()
    return recorder, models


def test_every_phase_changes_only_what_it_declares(recorded):
    recorder, models = recorded
    inner = {p.name for p in (*models[0].carbon_accounting.sources, models[0].carbon_accounting.land)}
    names = {p.name for p in models[0].processes()} - inner  # sources and land carbon run inside "carbon"
    assert names <= set(recorder.changed) | set(recorder.declared)
    assert {"government", "firms", "households", "development", "forest_growth", "neighbourhoods", "carbon"} <= names


def test_every_declared_output_appears(recorded):
    recorder, _ = recorded
    for name, declared in recorder.declared.items():
        missing = declared - recorder.changed[name]
        assert not missing, f"process {name!r} declares {sorted(missing)} as written but never wrote them"


def test_declared_names_exist(recorded):
    _, models = recorded
    state = models[0].state
    for process in models[0].processes():
        fields_, layers = split_names((*process.reads, *process.writes))
        assert layers <= set(LAYERS), f"{process.name}: unknown layers {sorted(layers - set(LAYERS))}"
        unknown = {f for f in fields_ if not hasattr(state, f)}
        assert not unknown, f"{process.name}: unknown state fields {sorted(unknown)}"


def test_sources_and_land_carbon_write_nothing_else(recorded):
    """Each emission source on its own, everything read-only: it returns its account and changes nothing."""
    _, models = recorded
    model = models[0]
    state = model.state
    for source in model.carbon_accounting.sources:
        before = state_fingerprints(state)
        with read_only_except(state, source):
            result = source.run_one_step(StateView(state, source), model.year)
        assert state_fingerprints(state) == before, source.name
        assert isinstance(result, SourceEmissions) and np.isfinite([result.total_t, result.new_t, result.stock_t]).all()
        assert result.total_t == pytest.approx(result.new_t + result.stock_t, rel=1e-9, abs=1e-9)


def test_the_checks_catch_a_lying_process():
    """An in-place write to an undeclared array, an undeclared read and an undeclared assignment all fail."""
    from abm.state import CityState

    state = CityState(grid=LandGrid.empty(3, 3), built=np.arange(3))

    class WritesFloor(Process):
        name, reads, writes = "liar", ("built", "grid.floor_residential"), ()

        def run_one_step(self, s, year):
            s.grid.floor_residential.ravel()[s.built] = 1.0

    class ReadsRent(Process):
        name, reads, writes = "peeker", (), ()

        def run_one_step(self, s, year):
            return s.grid.rent

    class SetsRules(Process):
        name, reads, writes = "setter", (), ()

        def run_one_step(self, s, year):
            s.rules = None

    with read_only_except(state, WritesFloor()), pytest.raises(ValueError, match="read-only"):
        WritesFloor().run_one_step(StateView(state, WritesFloor()), 2020)
    assert state.grid.floor_residential.flags.writeable  # restored afterwards
    with pytest.raises(UndeclaredAccess, match="grid.rent"):
        ReadsRent().run_one_step(StateView(state, ReadsRent()), 2020)
    with pytest.raises(UndeclaredAccess, match="rules"):
        SetsRules().run_one_step(StateView(state, SetsRules()), 2020)


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

"""abm.sweeps.spec: grid / lhs / sobol points, and bad sweep files refused naming the field."""

from __future__ import annotations

import numpy as np
import pytest

from pathlib import Path

from abm.errors import ConfigError
from abm.sweeps.plan import plan_runs
from abm.sweeps.spec import SweepSpec, as_sweep_spec, load_sweep_spec, sweep_from_dict, sweep_reference_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sweeps.md"


def test_grid_lhs_sobol_points(scenarios):
    grid = sweep_from_dict({"scenarios": ["tiny.toml"], "seeds": 3, "axes": {
        "policy.layout.far_cap_core": [2.0, 3.0], "policy.quantity.land_quota_cells": {"min": 20, "max": 60, "num": 3}}},
        base_dir=scenarios)
    points = grid.points()
    assert len(points) == 6 and points[0] == {"policy.layout.far_cap_core": 2.0, "policy.quantity.land_quota_cells": 20.0}
    assert grid.seeds == (0, 1, 2)
    assert len(plan_runs(grid)) == 6 * 3

    lhs = sweep_from_dict({"scenarios": ["tiny.toml"], "seeds": {"start": 10, "count": 2},
                           "sampling": {"method": "lhs", "samples": 8, "seed": 3},
                           "axes": {"policy": {"layout": {"far_cap_core": {"min": 1.5, "max": 4.0},
                                                          "subcentres": {"min": 0, "max": 3}}}}},  # nested form
                          base_dir=scenarios)
    pts = lhs.points()
    assert lhs.seeds == (10, 11) and len(pts) == 8 and pts == lhs.points()  # same points every time
    cap = np.array([p["policy.layout.far_cap_core"] for p in pts])
    # a Latin hypercube puts exactly one point in each eighth of the range
    assert sorted(np.floor((cap - 1.5) / 2.5 * 8).astype(int)) == list(range(8))
    assert all(isinstance(p["policy.layout.subcentres"], int) and 0 <= p["policy.layout.subcentres"] <= 3 for p in pts)

    sobol = sweep_from_dict({"scenarios": ["tiny.toml"], "seeds": [1], "sampling": {"method": "sobol", "samples": 4},
                             "axes": {"policy.layout.far_cap_core": {"min": 1.5, "max": 4.0},
                                      "policy.function.mixed_use": [0.1, 0.3, 0.5]}}, base_dir=scenarios)
    assert len(sobol.points()) == 4 * (2 * 2 + 2)
    assert {p["policy.function.mixed_use"] for p in sobol.points()} <= {0.1, 0.3, 0.5}


@pytest.mark.parametrize("raw, field", [
    ({"seed": 3}, "seed"),
    ({"axes": {"policy.layout.far_cap_cor": [1.0, 2.0]}}, "axes.policy.layout.far_cap_cor"),
    ({"axes": {"policy.layout.far_cap_core": 3.0}}, "axes.policy.layout.far_cap_core"),
    ({"axes": {"policy.layout.far_cap_core": {"min": 3.0, "max": 2.0, "num": 2}}}, "axes.policy.layout.far_cap_core"),
    ({"axes": {"policy.layout.far_cap_core": {"min": 1.0, "max": 2.0}}}, "axes.policy.layout.far_cap_core.num"),
    ({"axes": {"policy.layout": [1, 2]}}, "axes.policy.layout"),
    ({"axes": {"run.seed": [1, 2]}}, "axes.run.seed"),
    ({"scenarios": ["missing.toml"]}, "scenarios[0]"),
    ({"scenarios": ["tiny.toml", "tiny.toml"]}, "scenarios[1]"),
    ({"seeds": 0}, "seeds"),
    ({"seeds": [1, 1]}, "seeds"),
    ({"seeds": [1, -2]}, "seeds[1]"),
    ({"seeds": "many"}, "seeds"),
    ({"sampling": {"method": "random"}}, "sampling.method"),
    ({"sampling": {"method": "sobol", "samples": 6}}, "sampling.samples"),
    ({"outputs": {"snapshots": ["nope"]}}, "outputs.snapshots"),
    ({"overrides": {"region.rows": 3}}, "overrides.region.rows"),
    ({"seeds": {"start": 3}}, "seeds.count"),
    ({"seeds": {"begin": 3, "count": 2}}, "seeds.begin"),
    ({"seeds": []}, "seeds"),
    ({"ticks": 0}, "ticks"),
    ({"name": ""}, "name"),
    ({"scenarios": []}, "scenarios"),
    ({"scenarios": [3]}, "scenarios[0]"),
    ({"axes": {"policy.layout.far_cap_core": [1.0, float("nan")]}}, "axes.policy.layout.far_cap_core[1]"),
    ({"axes": {"policy.layout.far_cap_core": [1.0, "high"]}}, "axes.policy.layout.far_cap_core"),
    ({"axes": {"policy.layout.far_cap_core": {"values": [1.0], "min": 1.0}}}, "axes.policy.layout.far_cap_core.min"),
    ({"axes": {"policy.layout.far_cap_core": {"min": 1.0, "max": 2.0, "nm": 3}}}, "axes.policy.layout.far_cap_core.nm"),
    ({"axes": {"policy.layout.far_cap_core": {"min": 1.0, "max": float("inf"), "num": 3}}},
     "axes.policy.layout.far_cap_core.max"),
    ({"sampling": {"method": "lhs"}}, "sampling.samples"),
    ({"sampling": {"samples": 4}}, "sampling.samples"),
    ({"sampling": {"sed": 1}}, "sampling.sed"),
    ({"outputs": {"snapshot_seeds": [7]}}, "outputs.snapshot_seeds"),
    ({"outputs": {"snapshots": "tiny"}}, "outputs.snapshots"),
])
def test_bad_sweep_is_refused_naming_the_field(scenarios, raw, field):
    spec = {"scenarios": ["tiny.toml"], "seeds": [1], "axes": {"policy.layout.far_cap_core": [2.0, 3.0]}}
    spec.update(raw)
    with pytest.raises(ConfigError) as err:
        sweep_from_dict(spec, base_dir=scenarios)
    assert err.value.field == field
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("raw, message", [
    ({"seed": 3}, "seed: unknown field (fix: did you mean seeds?)"),
    ({"sampling": {"method": "lhs", "samples": 4, "sed": 1}}, "sampling.sed: unknown field (fix: did you mean seed?)"),
    ({"seeds": 0}, "seeds: 0 is below the minimum 1 (fix: use a value from 1 to 100000, e.g. seeds = 20 (seeds 0-19)"),
    ({"seeds": [1, 1]}, "seeds: lists 1 twice (fix: list each value once)"),
    ({"ticks": 0}, "ticks: 0 is below the minimum 1 (fix: use a value from 1 to 1000 years, e.g. ticks = 50)"),
    ({"axes": {"policy.layout.far_cap_core": {"min": 1.0, "max": 2.0}}},
     "axes.policy.layout.far_cap_core.num: a grid range needs num = an integer >= 2"),
])
def test_refusals_say_the_fix(scenarios, raw, message):
    spec = {"scenarios": ["tiny.toml"], "seeds": [1], "axes": {"policy.layout.far_cap_core": [2.0, 3.0]}}
    spec.update(raw)
    with pytest.raises(ConfigError) as err:
        sweep_from_dict(spec, base_dir=scenarios)
    assert str(err.value).startswith(message), str(err.value)


def test_the_forms_of_seeds_axes_and_outputs(scenarios):
    spec = sweep_from_dict({"scenarios": "tiny.toml", "seeds": {"start": 4, "count": 3}, "ticks": 2,
                            "overrides": {"region": {"rows": 50}, "policy.quantity.land_quota_cells": {"2020": 5}},
                            "axes": {"policy.layout.transit": {"values": ["none", "core"]},
                                     "policy.function.mixed_use": [0, 0.5],
                                     "policy.layout.subcentres": {"min": 0, "max": 2, "num": 3}},
                            "outputs": {"snapshots": True, "snapshot_seeds": [5]}}, base_dir=scenarios)
    assert spec.seeds == (4, 5, 6) and spec.ticks == 2 and spec.scenarios[0].region.rows == 50
    assert dict(spec.overrides) == {"region.rows": 50, "policy.quantity.land_quota_cells": {"2020": 5}}
    transit, mixed, subcentres = spec.axes
    assert transit.values == ("none", "core") and mixed.values == (0.0, 0.5)
    assert subcentres.integer and subcentres.grid_values() == [0, 1, 2]  # inferred from an integer field
    assert spec.snapshots == ("tiny",) and spec.keeps_snapshot("tiny", 5) and not spec.keeps_snapshot("tiny", 4)


def test_docs_sweeps_generated_section_is_current():
    text = DOCS.read_text()
    start = text.index("<!-- generated: abm.sweeps.spec.sweep_reference_markdown()")
    section = text[text.index("\n", start) + 1:text.index("<!-- end generated -->")]
    assert section == sweep_reference_markdown(), "docs/sweeps.md is stale: regenerate from sweep_reference_markdown()"


def test_a_sweep_comes_from_a_file_a_dict_or_a_spec(scenarios):
    path = scenarios / "s.toml"
    path.write_text('scenarios = ["tiny.toml"]\nseeds = 2\n[axes]\n"policy.layout.far_cap_core" = [2.0, 3.0]\n')
    from_file = load_sweep_spec(path)
    assert from_file.name == "s" and from_file.source == str(path)  # the name defaults to the file's stem
    assert as_sweep_spec(path) == from_file and as_sweep_spec(str(path)) == from_file
    assert as_sweep_spec(from_file) is from_file
    from_dict = as_sweep_spec({"scenarios": [str(scenarios / "tiny.toml")], "seeds": 2,
                               "axes": {"policy.layout.far_cap_core": [2.0, 3.0]}})
    assert isinstance(from_dict, SweepSpec) and from_dict.points() == from_file.points()

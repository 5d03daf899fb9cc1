"""abm.sweeps.plan: stable run ids that follow the resolved scenario."""

from __future__ import annotations

from abm.sweeps.plan import plan_runs, run_id_of
from abm.sweeps.spec import sweep_from_dict


def test_run_ids_are_stable_and_follow_the_resolved_scenario(small_spec):
    a = plan_runs(small_spec())
    b = plan_runs(small_spec())
    assert [r.run_id for r in a] == [r.run_id for r in b]
    assert len({r.run_id for r in a}) == len(a) == 2 * 2 * 2
    for run in a:
        assert run.resolved["run"]["seed"] == run.seed
        assert run.run_id == run_id_of(run.resolved, run.seed) and len(run.run_id) == 16
    # 3.5 written as an integer-valued float or another spelling resolves to the same scenario: same id
    c = plan_runs(small_spec(axes={"policy.layout.far_cap_core": [2, 3.5]}))
    assert [r.run_id for r in c] == [r.run_id for r in a]
    # the ticks override changes the scenario, hence the id
    d = plan_runs(small_spec(ticks=2))
    assert not {r.run_id for r in d} & {r.run_id for r in a}


def test_the_run_id_recipe_is_pinned():
    # finished runs are found again by id: changing the hashing would silently rerun every sweep
    assert run_id_of({"name": "a", "run": {"seed": 1}}, 1) == "bafb16ab29f67293"
    assert run_id_of({"run": {"seed": 1}, "name": "a"}, 2) == "80403269f8e734a5"


def test_an_invalid_point_is_planned_with_its_error(small_spec):
    runs = plan_runs(small_spec(axes={"policy.layout.far_cap_core": [2.0, 30.0]}))  # 30 is above the cap's maximum
    bad = [r for r in runs if r.params == (("policy.layout.far_cap_core", 30.0),)]
    assert len(bad) == 4 and all(r.resolved is None and "far_cap_core" in r.error for r in bad)
    assert len({r.run_id for r in bad}) == 4  # still one distinct id per scenario and seed


def test_efficiency_carbon_levers_can_be_axes(scenarios):
    spec = sweep_from_dict({"scenarios": ["tiny.toml"], "seeds": [1],
                            "axes": {"policy.efficiency.grid_factor_kg_per_kwh": [0.3, 0.5]}}, base_dir=scenarios)
    runs = plan_runs(spec)
    assert [r.resolved["carbon"]["grid_factor_kg_per_kwh"] for r in runs] == [0.3, 0.5]

"""Saving and loading an edited scenario in the page: the exported scenario TOML, loaded back, runs the
same city; a file that cannot be read changes nothing and says why."""

from __future__ import annotations

from viz.session import AppConfig, AppSession

FAR = "policy.layout.far_cap_core"


def totals(s: AppSession, side: str = "A") -> list[float]:
    run = next(r for r in s.runs if r.side == side)
    return [rec["emissions_total_t"] for rec in run.model.records]


def test_a_saved_scenario_loads_back_and_runs_the_same(scenario_dir):
    s = AppSession(AppConfig(scenario_dir, region_size=(40, 40)))
    s.set_field("A", FAR, "2020: 6, 2030: 4")
    s.set_field("A", "run.seed", "7")
    for _ in range(3):
        s.step()
    saved, before = s.export_toml("A").decode(), totals(s)
    s.set_scenario("A", "sprawl.toml")
    s.load_toml("A", "my-plan.toml", saved)
    assert s.load_error == "" and s.policies["A"].file == "my-plan.toml (loaded)"
    assert "my-plan.toml (loaded)" in s.scenario_files()
    assert s.field_text("A", FAR) == "2020: 6, 2030: 4" and s.field_text("A", "run.seed") == "7"
    for _ in range(3):
        s.step()
    assert totals(s) == before
    s.set_scenario("A", "baseline.toml")
    s.set_scenario("A", "my-plan.toml (loaded)")  # the picker keeps it for the session
    assert s.field_text("A", FAR) == "2020: 6, 2030: 4"


def test_a_loaded_file_may_extend_a_scenario_of_the_folder(scenario_dir):
    s = AppSession(AppConfig(scenario_dir, region_size=(40, 40)))
    s.set_compare(True)
    s.load_toml("B", "denser.toml", 'extends = "baseline.toml"\nname = "denser"\n[policy.layout]\nfar_cap_core = 4.5\n')
    assert s.load_error == ""
    assert s.runs[1].scenario.name == "denser" and s.field_text("B", FAR) == "4.5"
    assert [row.label for row in s.frame.differs.rows] == ["FAR cap, core"]  # only what the file changed


def test_a_file_that_cannot_be_read_changes_nothing_and_says_why(scenario_dir):
    s = AppSession(AppConfig(scenario_dir, region_size=(40, 40)))
    s.step()
    for name, text, said in (("broken.toml", "[policy\nfar = ", "broken.toml was not loaded: broken.toml (loaded): "
                                                                   "is not TOML"),
                             ("bad.toml", "[policy.layout]\nfar_cap_core = -1\n", "bad.toml was not loaded: "
                                                                                  "policy.layout.far_cap_core"),
                             ("huge.toml", None, "huge.toml was not loaded: the file is over 1 MB")):
        s.load_toml("A", name, text)
        assert s.load_error.startswith(said), s.load_error
        assert s.policies["A"].file == "baseline.toml" and s.frame.tick == 1  # the run goes on untouched
    s.set_lang("zh")
    s.load_toml("A", "empty.toml", "  ")
    assert s.load_error == "empty.toml 未能载入：文件为空"

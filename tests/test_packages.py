"""Composable scenarios (abm.packages): packages own parts of a policy, and the shipped scenarios say
exactly what differs between them."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm.errors import ConfigError
from abm.packages import PACKAGE_KINDS, allowed_in
from abm.scenario import load_scenario
from abm.schema import flatten_dotted, is_year_table

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SPATIAL = PACKAGE_KINDS["spatial"]


def resolved(name: str) -> dict:
    s = load_scenario(SCENARIOS / f"{name}.toml").to_dict()
    for key in ("name", "description"):
        s.pop(key)
    return flatten_dotted(s, is_leaf=is_year_table)


def differing(a: str, b: str) -> set[str]:
    ra, rb = resolved(a), resolved(b)
    return {k for k in ra.keys() | rb.keys() if ra.get(k) != rb.get(k)}


@pytest.mark.parametrize("form", ["compact", "polycentric", "sprawl", "natural_development", "ecological_protection",
                                  "farmland_protection"])
def test_shipped_forms_differ_from_baseline_in_spatial_levers_only(form):
    diff = differing("baseline", form)
    assert diff, f"{form} does not differ from baseline"
    assert all(any(k.startswith(p) for p in SPATIAL) for k in diff), sorted(diff)


def test_compact_ambitious_differs_from_compact_in_technology_only():
    diff = differing("compact", "compact_ambitious")
    assert diff and all(allowed_in("technology", k) for k in diff), sorted(diff)


def test_every_shipped_package_declares_its_kind_and_loads_in_a_scenario(tmp_path):
    packages = sorted((SCENARIOS / "packages").rglob("*.toml"))
    assert len(packages) >= 12
    for package in packages:
        kind = package.parent.name
        text = package.read_text()
        assert f'package = "{kind}"' in text, package
        scenario = tmp_path / "s.toml"
        scenario.write_text(f'name = "t"\nextends = ["{package}"]\n')
        load_scenario(scenario)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_package_refuses_what_its_kind_does_not_own(tmp_path):
    write(tmp_path, "tech.toml", 'package = "technology"\n[policy.quantity]\nland_quota_cells = 10\n')
    s = write(tmp_path, "s.toml", 'name = "s"\nextends = ["tech.toml"]\n')
    with pytest.raises(ConfigError, match=r"policy.quantity.land_quota_cells.*technology package may not set it.*spatial"):
        load_scenario(s)
    write(tmp_path, "grid.toml", 'package = "technology"\n[carbon]\ngrid_factor_kg_per_kwh = 0.3\n')
    s = write(tmp_path, "s2.toml", 'name = "s"\nextends = ["grid.toml"]\n')
    with pytest.raises(ConfigError, match="paths package"):
        load_scenario(s)
    write(tmp_path, "odd.toml", 'package = "style"\n')
    s = write(tmp_path, "s3.toml", 'name = "s"\nextends = ["odd.toml"]\n')
    with pytest.raises(ConfigError, match="unknown kind"):
        load_scenario(s)


def test_packages_merge_in_order_and_the_file_wins(tmp_path):
    write(tmp_path, "a.toml", 'package = "spatial"\n[policy.function]\nmixed_use = 0.1\n[policy.renewal]\nrenewal_share = 0.1\n')
    write(tmp_path, "b.toml", 'package = "spatial"\n[policy.function]\nmixed_use = 0.3\n')
    s = write(tmp_path, "s.toml", 'name = "s"\nextends = ["a.toml", "b.toml"]\n[policy.renewal]\nrenewal_share = 0.4\n')
    scenario = load_scenario(s)
    assert scenario.policy.function.mixed_use.at(2030) == 0.3
    assert scenario.policy.renewal.renewal_share.at(2030) == 0.4


def test_extends_loops_and_bad_lists_are_refused(tmp_path):
    write(tmp_path, "a.toml", 'name = "a"\nextends = "b.toml"\n')
    write(tmp_path, "b.toml", 'name = "b"\nextends = ["a.toml"]\n')
    with pytest.raises(ConfigError, match="loops"):
        load_scenario(tmp_path / "a.toml")
    with pytest.raises(ConfigError, match="list of them"):
        load_scenario(write(tmp_path, "c.toml", 'name = "c"\nextends = [1]\n'))

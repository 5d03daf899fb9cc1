"""`abm attribute` end to end on a tiny region (2 seeds, a reduced factor set), and its one-line refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.cli import main

BASE = """
[run]
ticks = 8
seed = 3
[region]
rows = 40
cols = 40
town_radius_km = 0.5
villages = 1
"""
A = 'name = "sprawl-ish"\n' + BASE + """
[policy.layout]
far_cap_core = 1.5
[policy.function]
mixed_use = 0.1
"""
B = 'name = "compact-ish"\n' + BASE + """
[policy.layout]
far_cap_core = 3.5
[policy.function]
mixed_use = 0.5
[policy.efficiency]
retrofit_rate = 0.05
new_build_factor_residential = 0.5
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "a.toml").write_text(A)
    (tmp_path / "b.toml").write_text(B)
    return tmp_path / "a.toml", tmp_path / "b.toml"


def test_the_command_end_to_end(files, tmp_path, capsys):
    a, b = files
    out = tmp_path / "out"
    # layout and function decomposed together (form), against technology: 4 coalitions x 2 seeds
    code = main(["attribute", str(a), str(b), "--out", str(out), "--seeds", "2", "--ticks", "5",
                 "--factors", "layout+function", "--workers", "2", "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "What differs between A and B" in text and "layout+function" in text
    assert "Conditional on these exogenous paths" in text and "carbon.grid_factor_kg_per_kwh" in text
    assert "cumulative emissions (MtCO2)" in text and "by group: form" in text
    for name in ("attribution.parquet", "lmdi.parquet", "coalitions.parquet", "waterfall.png", "attribution.txt"):
        assert (out / name).stat().st_size > 0
    table = pd.read_parquet(out / "attribution.parquet")
    assert {"factor", "metric", "contribution", "seed", "a_value", "b_value"} <= set(table.columns)
    assert set(table["seed"]) == {0, 1}
    played = table[table["differs"]]
    assert set(played["factor"]) == {"layout+function", "rest"}
    assert set(played.loc[played["factor"] == "rest", "fields"].str.split(";").explode()) == {
        "carbon.new_build_factor_residential", "policy.efficiency.retrofit_rate"}
    # efficiency: per metric and seed, the contributions add up to B - A exactly
    sums = table.groupby(["seed", "metric"]).agg(s=("contribution", "sum"), t=("total", "first"))
    np.testing.assert_allclose(sums["s"], sums["t"], rtol=1e-12, atol=1e-6)
    assert (table.loc[table["metric"] == "cumulative_emissions_t", "total"] != 0).all()
    lmdi = pd.read_parquet(out / "lmdi.parquet")
    assert set(lmdi["comparison"]) == {"A 2020->2025", "B 2020->2025", "B-A in 2025"}
    net = lmdi.groupby(["comparison", "seed"])["contribution"].sum()
    assert np.isfinite(net.to_numpy()).all()
    coalitions = pd.read_parquet(out / "coalitions.parquet")
    assert coalitions["run_id"].nunique() == 8   # 4 coalitions x 2 seeds, each run once


@pytest.mark.parametrize("extra, message", [
    (["--seeds", "0"], "--seeds: 0 is below the minimum 1"),
    (["--seeds", "2", "--seed", "1"], "--seeds and --seed: give one of them"),
    (["--seed", "1", "1"], "--seed: seeds must be distinct"),
    (["--ticks", "0"], "--ticks: 0 is below the minimum 1"),
    (["--censor", "zero"], "--censor: unknown rule 'zero'"),
    (["--factors", "layuot"], "--factors: unknown factor 'layuot'"),
    (["--workers", "0"], "--workers: must be from 1 to 1024"),
    (["--lmdi-years", "2000", "2030"], "--lmdi-years: [2000, 2030] are not years of the runs (2020-2028)"),
])
def test_bad_flags_are_refused_in_one_line(files, tmp_path, capsys, extra, message):
    a, b = files
    assert main(["attribute", str(a), str(b), "--out", str(tmp_path / "o"), "--quiet", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"abm attribute: error: {message}") and "\n" not in err and "(fix:" in err


def test_bad_scenarios_are_refused_in_one_line(files, tmp_path, capsys):
    a, b = files
    other = tmp_path / "other.toml"
    other.write_text(B.replace("villages = 1", "villages = 2"))
    broken = tmp_path / "broken.toml"
    broken.write_text(B.replace("far_cap_core = 3.5", "far_cap_core = -1"))
    cases = [([str(a), str(tmp_path / "missing.toml")], "B.toml: "),
             ([str(a), str(other)], "region.villages: differs between A (1) and B (2)"),
             ([str(a), str(broken)], f"{broken}: policy.layout.far_cap_core")]
    for args, message in cases:
        assert main(["attribute", *args, "--out", str(tmp_path / "o"), "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err, err

"""abm.schema: a field declared once gives its validation (one line naming the field and the fix)
and its row in the docs table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pytest

from abm.errors import ConfigError
from abm.paths import YearPath
from abm.schema import (build, field_at, fields_of, read_as, reference_markdown, reference_rows, section, setting,
                        to_plain, toml_text)


@dataclass(frozen=True)
class Run:
    ticks: int = setting(50, lo=1, hi=1000, unit="years", doc="years to simulate")
    rate: float = setting(0.5, lo=0.0, hi=1.0, unit="share", doc="a share")
    wild: float = setting(1.0, finite=False, doc="may be inf")
    mode: Literal["fast", "slow"] = setting("fast", doc="how")
    label: str = setting("x", doc="a label")
    on: bool = setting(False, doc="a switch")


@dataclass(frozen=True)
class Levers:
    quota: YearPath = setting(YearPath.constant(10.0), lo=0.0, hi=100.0, unit="cells/yr", doc="cells per year")


@dataclass(frozen=True, kw_only=True)
class Root:
    name: str = setting("root", min_len=1, example='"city"', doc="a name")
    data: Run = section(Run, required=True, example="ticks = 5", doc="the run")
    levers: Levers = section(Levers, doc="the levers")
    years: tuple[int, ...] = setting((2020,), lo=1800, hi=2200, unique=True, min_len=1, example="[2020]",
                                     doc="years")
    start: dict[str, float] = setting({}, doc="dotted field = number")
    extra: dict[str, Any] = setting({}, doc="validated elsewhere")
    limit: int | None = setting(None, lo=1, example="5", doc="optional")
    pair: tuple[int, int] = setting((0, 1), parse=lambda raw, where: (read_as(int, raw, where, lo=0), raw + 1),
                                    kind="integer", shown="`0`", doc="one integer written, two kept")
    source: str = ""  # not part of the file


def refused(raw: Any, cls: type = Root, where: str = "") -> ConfigError:
    with pytest.raises(ConfigError) as err:
        build(cls, raw, where)
    text = str(err.value)
    assert "\n" not in text and "(fix: " in text, text
    return err.value


def test_a_table_builds_the_typed_dataclass_with_defaults():
    root = build(Root, {"data": {"ticks": 3.0, "mode": "slow"}, "levers": {"quota": {"2020": 5, "2030": 15}},
                        "years": 1990, "start": {"a": {"b": 1}, "c.d": 2.5}, "extra": {"anything": [1]},
                        "limit": 7, "pair": 4})
    assert root.data.ticks == 3 and isinstance(root.data.ticks, int) and root.data.mode == "slow"
    assert root.data.rate == 0.5 and root.name == "root" and root.source == ""
    assert root.levers.quota.at(2025) == 10.0
    assert root.years == (1990,)                      # one value reads as a one-item list
    assert root.start == {"a.b": 1.0, "c.d": 2.5}     # nested tables read as dotted keys
    assert root.extra == {"anything": [1]} and root.limit == 7 and root.pair == (4, 5)
    assert build(Run, {"wild": float("inf")}).wild == float("inf")  # allowed explicitly


def test_an_unknown_key_names_a_close_match_or_the_valid_ones():
    err = refused({"data": {"tick": 3}})
    assert err.field == "data.tick" and str(err) == "data.tick: unknown field (fix: did you mean ticks?)"
    err = refused({"data": {"zzz": 3}})
    assert err.fix == "use one of: ticks, rate, wild, mode, label, on"
    assert refused({"data": {}, "source": "x"}).field == "source"  # a field outside the file is not a key


@pytest.mark.parametrize("raw, field, words", [
    ({"ticks": "5"}, "ticks", "expected an integer, got '5' (fix: write an integer, e.g. ticks = 50)"),
    ({"ticks": 2.5}, "ticks", "expected an integer, got 2.5"),
    ({"ticks": True}, "ticks", "expected an integer, got True"),
    ({"rate": "high"}, "rate", "expected a number, got 'high' (fix: write a number, e.g. rate = 0.5)"),
    ({"on": 1}, "on", "expected true or false, got 1 (fix: write true or false)"),
    ({"label": 3}, "label", 'expected a string, got 3 (fix: write it in quotes, e.g. label = "x")'),
])
def test_a_wrong_type_is_refused(raw, field, words):
    err = refused(raw, Run, "")
    assert err.field == field and words in str(err)


def test_out_of_range_is_refused_with_the_range_unit_and_an_example():
    err = refused({"ticks": 0}, Run, "run")
    assert str(err) == "run.ticks: 0 is below the minimum 1 (fix: use a value from 1 to 1000 years, e.g. ticks = 50)"
    err = refused({"rate": 1.5}, Run, "run")
    assert str(err) == ("run.rate: 1.5 is above the maximum 1.0 "
                        "(fix: use a value from 0.0 to 1.0 share, e.g. rate = 0.5)")
    assert refused({"data": {}, "years": [2020, 2500]}).field == "years[1]"
    assert refused({"data": {}, "limit": 0}).field == "limit"


@pytest.mark.parametrize("raw, field", [
    ({"rate": float("nan")}, "rate"),
    ({"rate": float("inf")}, "rate"),
    ({"ticks": float("nan")}, "ticks"),
    ({"ticks": float("-inf")}, "ticks"),
    ({"wild": float("nan")}, None),
])
def test_nan_and_inf_are_refused_unless_a_field_allows_them(raw, field):
    if field is None:  # wild allows non-finite numbers
        assert build(Run, raw).wild != build(Run, raw).wild  # NaN
        return
    err = refused(raw, Run, "")
    assert err.field == field and "is not a finite number" in str(err)


def test_a_literal_is_a_choice():
    err = refused({"mode": "medium"}, Run, "run")
    assert str(err) == "run.mode: 'medium' is not a valid choice (fix: use one of 'fast', 'slow')"
    assert refused({"mode": True}, Run, "run").field == "run.mode"


def test_sections_nest_and_a_required_one_is_asked_for():
    err = refused({})
    assert str(err) == "data: is required (fix: add [data] with ticks = 5)"
    err = refused({"data": 3})
    assert str(err) == "data: expected a table, got 3 (fix: write [data] with key = value lines)"
    assert refused({"data": {"mode": "x"}}).field == "data.mode"
    assert refused([1]).field == "(top level)"


def test_a_year_path_is_checked_year_by_year():
    assert build(Levers, {"quota": 4}).quota == YearPath.constant(4.0)
    assert refused({"quota": {"2030": 150}}, Levers, "levers").field == "levers.quota.2030"
    assert refused({"quota": {"soon": 1}}, Levers, "levers").field == "levers.quota"
    assert refused({"quota": {"2030": float("nan")}}, Levers, "levers").field == "levers.quota.2030"


def test_lists_tables_and_text_lengths():
    assert str(refused({"data": {}, "years": []})) == "years: is empty (fix: write e.g. years = [2020])"
    assert str(refused({"data": {}, "years": [2020, 2020]})) == "years: lists 2020 twice (fix: list each value once)"
    assert refused({"data": {}, "years": "2020"}).field == "years"
    assert str(refused({"data": {}, "name": "  "})) == 'name: is empty (fix: write e.g. name = "city")'
    assert refused({"data": {}, "start": {"a": "x"}}).field == "start.a"
    assert refused({"data": {}, "extra": 3}).field == "extra"
    assert refused({"data": {}, "pair": -1}).field == "pair"  # a parse hook's own reading


def test_field_at_finds_a_dotted_field_or_says_why_not():
    assert field_at(Root, "data.ticks", "x").type is int
    with pytest.raises(ConfigError, match=r"x: 'tiks' is not a field of data \(fix: did you mean ticks\?\)"):
        field_at(Root, "data.tiks", "x")
    with pytest.raises(ConfigError, match="names a table, not a field"):
        field_at(Root, "data", "x")
    with pytest.raises(ConfigError, match="is a field, not a table"):
        field_at(Root, "name.first", "x")


def test_the_docs_table_has_every_field_with_type_default_range_unit_and_meaning():
    rows = {row.name: row for row in reference_rows(Root)}
    assert list(rows)[:3] == ["name", "data", "data.ticks"]
    assert "source" not in rows
    ticks = rows["data.ticks"]
    assert (ticks.type, ticks.default, ticks.range, ticks.unit, ticks.doc) == ("integer", "50", "1 to 1000", "years",
                                                                               "years to simulate")
    assert rows["data.mode"].type == 'one of "fast", "slow"' and rows["data.mode"].default == '"fast"'
    assert rows["levers.quota"].type == "number or year path" and rows["levers.quota"].default == "10.0"
    assert rows["years"].type == "list of integers" and rows["limit"].default == "" and rows["limit"].range == ">= 1"
    assert rows["data"].type == "section" and rows["data"].required
    table = reference_markdown(Root)
    assert table.startswith("| field | type | default | range | unit | meaning |\n|---|---|---|---|---|---|\n")
    assert "| `data.ticks` | integer | `50` | 1 to 1000 | years | years to simulate |" in table
    assert "| `data` | section | *required* |  |  | the run |" in table
    assert "| `pair` | integer | `0` |  |  | one integer written, two kept |" in table
    assert len(table.splitlines()) == 2 + len(rows)


def test_plain_data_round_trips():
    root = build(Root, {"data": {"ticks": 3}, "levers": {"quota": {"2020": 5, "2030": 15}}})
    plain = to_plain(root)
    assert "source" not in plain and plain["levers"]["quota"] == {"2020": 5.0, "2030": 15.0}
    assert build(Root, {k: v for k, v in plain.items() if k not in ("pair", "limit")}) == root
    assert toml_text(YearPath((2020, 2030), (1.0, 2.0))) == "{ 2020 = 1.0, 2030 = 2.0 }"
    assert [s.name for s in fields_of(Run)] == ["ticks", "rate", "wild", "mode", "label", "on"]

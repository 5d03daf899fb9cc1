"""The app in Chinese: every text the page shows has a Chinese entry in the one table (viz.i18n.ZH), and a
Chinese session shows no English words (scenario names, units and dotted setting names aside)."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest

from abm.attribution.factors import FACTORS, NOT_LEVERS
from abm.inflection import EVENT_NAMES
from abm.scenario import load_scenario
from viz import app, compare, i18n, levers, ramps, runs
from viz.layers import map_layers
from viz.session import AppConfig, AppSession

REPO = Path(__file__).resolve().parents[2]

#: What may stay in Latin letters on the Chinese page: units, file formats, the policies' letters, the
#: net-zero mark, TOML values a description quotes, the attribution command.
ALLOWED = re.compile(r"(?<![A-Za-z])(?:ktCO2|MtCO2|tCO2|kgCO2/kWh|CO2|GDP|CNY|km2|km|kt|NZ|TOML|JSON|PNG|CSV|"
                     r"Parquet|CABEE|abm attribute|abm|none|prime|farmland_share|A|B)(?![A-Za-z])")


def english_words(text: str, names: tuple[str, ...] = ()) -> list[str]:
    """The Latin words left in `text` once scenario names, dotted setting names, the planner's own quoted text
    and `ALLOWED` are taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = re.sub(r"[A-Za-z_]+(?:\.[A-Za-z_0-9]+)+", " ", text)  # policy.layout.transit_year
    text = re.sub(r"'[^']*'", " ", text)  # what the planner typed, quoted
    return re.findall(r"[A-Za-z]{2,}", ALLOWED.sub(" ", text))


def literal_keys() -> set[str]:
    """Every text written as a literal into a call of `tr` anywhere in viz/."""
    def strings(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.IfExp):
            yield from strings(node.body)
            yield from strings(node.orelse)

    keys = set()
    for path in (REPO / "viz").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args:
                keys.update(strings(node.args[0]))
    return keys


def data_keys() -> set[str]:
    """The texts the page shows from tables rather than literals: points, legend lines, levers, choices, units,
    map legends, speeds, factors and why a setting is no lever, refusals."""
    keys = set(EVENT_NAMES.values()) | {text for _, text in runs.LEGEND} | set(levers.GROUPS) | set(app.SPEEDS)
    for lever in (*levers.LEVERS, levers.SEED, levers.TICKS):
        keys |= {lever.label, *lever.choices} | ({lever.unit} if lever.unit else set())
    keys |= {spec.unit for spec in map_layers() if spec.unit}
    keys |= {name for name, _ in ramps.LAND_COLOURS.values()} | {ramps.TRANSIT_COLOUR[0], ramps.BEFORE_START_COLOUR[0],
                                                                  "none", "not urban"}
    keys |= set(compare.GROUP_WORDS.values()) | {f.name for f in FACTORS} | set(NOT_LEVERS.values())
    keys |= {message for _, message in levers.PROBLEMS} | set(levers.COMBINATIONS.values())
    return keys


def test_every_text_the_page_writes_has_a_chinese_entry():
    missing = sorted((literal_keys() | data_keys()) - set(i18n.ZH))
    assert missing == []
    assert i18n.tr("total emissions peak", "zh") == "碳达峰"
    assert i18n.tr("growth boundary", "zh") == "城镇开发边界" and i18n.tr("land quota", "zh") == "用地指标"
    assert i18n.tr("transit", "zh") == "公共交通" and i18n.tr("renewal share", "zh") == "城市更新比例"


def test_the_chinese_entries_fill_the_same_fields_as_the_english():
    fields = re.compile(r"\{(\w+)\}")
    assert [key for key, zh in i18n.ZH.items() if set(fields.findall(key)) != set(fields.findall(zh))] == []


def frame_texts(s: AppSession) -> list[str]:
    """Every text of the session's frame as the page shows it (tables and charts reduced to their text)."""
    f = s.frame
    texts = [f.tick_label, f.log_note, *f.summaries, *f.conditions, *(row.text for row in f.log)]
    texts += [text for _, text in runs.legend_lines(f.lang)]
    for view in f.maps:
        leg = view.image.legend
        texts += [leg.title, leg.unit, leg.note, *(label for label, _ in leg.items)]
    texts += [re.sub(r"<[^>]+>", " ", svg) for _, svg in f.charts]
    if f.differs is not None:
        texts.append(re.sub(r"<[^>]+>", " ", compare.settings_html(f.differs, f.names[:2], f.lang)))
        texts.append(re.sub(r"<[^>]+>", " ", compare.verdict_html(f.verdict, f.names[:2], f.lang)))
    texts += [r.label + " " + r.message for r in s.refused()]
    return [html.unescape(t) for t in texts]


def test_a_chinese_session_shows_no_english(scenario_dir):
    i18n.MISSING.clear()
    s = AppSession(AppConfig(scenario_dir, default_scenario="inflection-demo.toml", lang="zh"))
    seen: list[str] = []
    while s.step():
        if s.frame.tick % 6 == 0:
            seen += frame_texts(s)
    seen += frame_texts(s)
    log = [row.text for row in s.frame.log]
    assert log[2].startswith("20") and "碳达峰" in log[2], log  # the total emissions peak, crossed
    s.set_scenario("A", "baseline.toml")
    s.set_compare(True)
    for key, text in {"policy.layout.far_cap_core": "-1", "policy.function.mixed_use": "abc", "run.seed": "1.5",
                      "policy.layout.subcentres": "99", "policy.quantity.land_quota_cells": "2020: 5, x: 3"}.items():
        s.set_field("A", key, text)
    s.set_field("B", "policy.layout.transit", "trunk")  # B is sprawl: no sub-centres
    for _ in range(4):
        s.step()
    seen += frame_texts(s)
    for lever in (*levers.LEVERS, levers.SEED, levers.TICKS):
        seen += [lever.label_in("zh"), levers.lever_hint(s.policies["A"].base, lever, "zh")]
    assert len(s.refused()) == 6
    names = tuple(p.base.name for p in s.policies.values()) + ("inflection-demo",)
    english = {text: words for text in seen if (words := english_words(text, names))}
    assert english == {}
    assert i18n.MISSING == set()


def test_switching_the_language_rewords_the_page_and_leaves_the_run(scenario_dir):
    s = AppSession(AppConfig(scenario_dir))
    s.set_field("A", "policy.layout.far_cap_core", "-1")
    s.step()
    s.step()
    assert s.frame.tick_label.startswith("Year ")
    s.set_lang("zh")
    assert s.frame.tick == 2 and s.frame.tick_label.startswith(f"{s.frame.year}年")
    assert s.refused()[0].label == "容积率上限（核心区）" and "低于最小值" in s.refused()[0].message
    s.set_lang("en")
    assert "below the minimum" in s.refused()[0].message
    with pytest.raises(ValueError, match="use one of en, zh"):
        s.set_lang("fr")


def test_abm_app_takes_the_language():
    import argparse

    from abm.commands import app as command
    from viz.session import ENV_LANG

    parser = argparse.ArgumentParser()
    command.configure_parser(parser)
    assert command.app_environment(parser.parse_args(["--lang", "zh"]))[ENV_LANG] == "zh"
    assert command.app_environment(parser.parse_args([]))[ENV_LANG] == "en"
    with pytest.raises(SystemExit):
        parser.parse_args(["--lang", "fr"])


def test_the_chinese_messages_of_a_refused_value():
    base = load_scenario(REPO / "scenarios" / "baseline.toml")
    _, errors = levers.apply_edits(base, {"policy.layout.far_cap_core": "-1", "policy.layout.transit": "trunk",
                                          "carbon.grid_factor_kg_per_kwh": "9"}, "zh")
    assert errors["policy.layout.far_cap_core"] == "-1.0 低于最小值 0.05（有效范围：0.05 至 20）"
    assert errors["policy.layout.transit"].startswith("干线公交连接各副中心，但当前没有副中心")
    assert errors["carbon.grid_factor_kg_per_kwh"].startswith("2060年：9.0 高于最大值 2.0")

"""The event log: numbered like the chart markers, each point defined in one line, running candidates
shown while a point awaits confirmation (read from the detector without changing what it detects)."""

from __future__ import annotations

import numpy as np

from abm.inflection import InflectionDetector
from viz.runs import LEGEND, describe_candidate
from viz.session import AppConfig, AppSession


def feed(detector: InflectionDetector, series: np.ndarray, ask: bool) -> list[list]:
    """Feed a detector tick by tick; with `ask`, read its candidates every tick as the app does."""
    seen = []
    for t, e in enumerate(series):
        detector.update(t, 2000 + t, e, 0.5 * np.sqrt(t + 1.0), 100.0 - 3.0 * t, 1.0 + t)
        if ask:
            seen.append(detector.candidates())
    return seen


def test_reading_candidates_changes_no_detection():
    rng = np.random.default_rng(3)
    t = np.arange(70.0)
    series = 50 + 100 * np.exp(-0.5 * ((t - 35) / 9) ** 2) + rng.normal(0, 1.5, t.size)
    quiet, asked = InflectionDetector(), InflectionDetector()
    feed(quiet, series, ask=False)
    seen = feed(asked, series, ask=True)
    assert [e.to_dict() for e in asked.events() + asked.milestones()] == \
        [e.to_dict() for e in quiet.events() + quiet.milestones()]
    confirmed = {e.id: e for e in asked.events() if e.state == "crossed"}
    assert 3 in confirmed
    peak = confirmed[3]
    before = {c.id: c for c in seen[peak.confirmed_tick - 1]}  # the tick before confirmation
    assert before[3].year == peak.year and before[3].progress == before[3].needed - 1
    after = {c.id for c in seen[peak.confirmed_tick]}
    assert 3 not in after  # a confirmed point has no candidate any more


def test_a_candidate_in_words():
    from abm.inflection import Candidate

    assert describe_candidate(Candidate(1, "emissions growth-rate peak", 8, 2030, 0.1, False, 0, 3), 2022) == \
        "emissions growth-rate peak: candidate year 2030 (the highest so far), awaiting confirmation"
    assert "passed before 2023, the first simulated year" in describe_candidate(
        Candidate(3, "total emissions peak", 3, 2025, 1e6, True, 1, 3), 2022)
    assert describe_candidate(Candidate("net_zero", "net-zero year", 30, 2052, -1.0, False, 2, 3), 2022).endswith(
        "awaiting confirmation (2 of 3 years in a row so far)")


def test_the_log_shows_candidates_before_confirmation_and_a_legend_of_every_point(scenario_dir):
    s = AppSession(AppConfig(scenario_dir, default_scenario="inflection-demo.toml"))
    states = set()
    while s.step():
        rows = s.frame.log
        assert [row.mark for row in rows] == ["1", "2", "3", "4", "5", "NZ"]
        states |= {row.state for row in rows}
        if s.frame.tick == 12:
            assert rows[2].state == "candidate" and "awaiting confirmation" in rows[2].text
    assert {"candidate", "crossed", "not_reached"} <= states
    assert [m for m, _ in LEGEND] == ["1", "2", "3", "4", "5", "NZ"] and all(len(text) < 140 for _, text in LEGEND)
    assert "confirmed at least 4 years after" in s.frame.log_note

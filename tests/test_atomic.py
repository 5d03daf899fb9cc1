"""Atomic writes: a failed or interrupted write leaves the old file (or none), never a half one."""

from __future__ import annotations

import pytest

from abm.atomic import atomic_write, atomic_write_text


def test_failed_write_leaves_previous_file_and_no_temp(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write_text(target, "complete")

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_written_file_has_ordinary_permissions(tmp_path):
    target = tmp_path / "x.json"
    atomic_write_text(target, "{}")
    assert target.stat().st_mode & 0o044  # readable by group/others, unlike mkstemp's 0600

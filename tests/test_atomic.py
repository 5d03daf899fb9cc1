"""Atomic writes: a failed or interrupted write leaves the old file (or none), never a half one; a
staged folder replaces the previous one whole, and the next write removes only what killed ones left."""

from __future__ import annotations

import os

import pytest

from abm import atomic
from abm.atomic import FolderError, atomic_write, atomic_write_text, remove_stale, staged_folder


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


# ------------------------------------------------------------------------------------ whole folders
OWNS = {"a.txt", "b.txt"}.__contains__


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def write_run(target, **files):
    with staged_folder(target, owns=OWNS) as stage:
        real = target.resolve()
        assert stage.parent == real.parent and stage.name.startswith(f".{real.name}.{os.getpid()}-")
        for name, text in files.items():
            atomic_write_text(stage / f"{name}.txt", text)
            assert not (target / f"{name}.txt").exists() or (target / f"{name}.txt").read_text() != text


def test_a_staged_folder_replaces_the_previous_one_whole(tmp_path):
    target = tmp_path / "run"
    write_run(target, a="one", b="one")
    write_run(target, a="two")  # the second run writes no b.txt: none of the first run's is left
    assert names(target) == ["a.txt"] and (target / "a.txt").read_text() == "two"
    assert names(tmp_path) == ["run"]


def test_an_error_while_staging_keeps_the_previous_folder(tmp_path):
    target = tmp_path / "run"
    write_run(target, a="one")
    with pytest.raises(RuntimeError), staged_folder(target, owns=OWNS) as stage:
        atomic_write_text(stage / "a.txt", "half of two")
        raise RuntimeError("killed")
    assert names(tmp_path) == ["run"] and (target / "a.txt").read_text() == "one"


def test_without_an_atomic_exchange_the_old_folder_is_set_aside_then_put_back_if_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)
    target = tmp_path / "run"
    write_run(target, a="one")
    write_run(target, a="two")
    assert names(tmp_path) == ["run"] and (target / "a.txt").read_text() == "two"
    # a kill between the two renames: the old folder aside, none in place (pid 99999999 runs nowhere)
    aside = tmp_path / ".run.99999999-abcd1234.old"
    target.rename(aside)
    assert remove_stale(target, OWNS) == [aside]
    assert names(tmp_path) == ["run"] and (target / "a.txt").read_text() == "two"


def test_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.txt").write_text("x")
    (tmp_path / "y").mkdir()
    if not atomic.exchange(tmp_path / "x", tmp_path / "y"):
        pytest.skip("no renameat2 RENAME_EXCHANGE here")
    assert names(tmp_path / "y") == ["a.txt"] and names(tmp_path / "x") == []


def test_remove_stale_takes_only_its_own_patterns(tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    dead = [tmp_path / ".run.99999999-abcd1234.staging", tmp_path / ".run.99999998-x_1.staging"]
    keep = [tmp_path / f".run.{os.getpid()}-abcd1234.staging",   # a live process's work in progress
            tmp_path / ".run.backup", tmp_path / ".other.99999999-abcd1234.staging", tmp_path / "run.99999999-a.staging"]
    for d in dead + keep:
        d.mkdir()
    parts = [target / ".a.txt.ab12cd34.part", target / ".b.txt.zz_99xyz.part"]
    mine = [target / ".c.txt.ab12cd34.part", target / ".a.txt.short.part", target / "a.txt.ab12cd34.part",
            target / "a.txt"]
    for f in parts + mine:
        f.write_text("x")
    assert sorted(remove_stale(target, OWNS)) == sorted(dead + parts)
    assert all(p.exists() for p in keep + mine) and not any(p.exists() for p in dead + parts)


def test_a_folder_holding_other_files_is_refused_and_left_alone(tmp_path):
    target = tmp_path / "run"
    write_run(target, a="one")
    (target / "notes.md").write_text("mine")
    with pytest.raises(FolderError, match="notes.md"), staged_folder(target, owns=OWNS):
        pytest.fail("entered")
    assert names(target) == ["a.txt", "notes.md"] and names(tmp_path) == ["run"]
    # files the folder's manifest lists are its own too
    (target / "m.json").write_text('{"files": ["notes.md", "m.json"]}')
    with staged_folder(target, owns=OWNS, manifest="m.json") as stage:
        atomic_write_text(stage / "a.txt", "two")
    assert names(target) == ["a.txt"]


def test_a_file_or_the_working_folder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    with pytest.raises(FolderError, match="is a file"), staged_folder(tmp_path / "file", owns=OWNS):
        pass
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    for target in (tmp_path / "here", tmp_path):
        with pytest.raises(FolderError, match="working folder"), staged_folder(target, owns=lambda n: True):
            pass


def test_a_symlinked_folder_stays_a_link_to_the_new_run(tmp_path):
    real = tmp_path / "real"
    write_run(real, a="one")
    (tmp_path / "latest").symlink_to(real)
    write_run(tmp_path / "latest", a="two")
    assert (tmp_path / "latest").is_symlink() and (tmp_path / "latest" / "a.txt").read_text() == "two"
    assert names(tmp_path) == ["latest", "real"]

"""Write files and whole output folders so that a killed run never leaves a half or mixed one.

A file: temp name, fsync, rename (`atomic_write`). A folder of files that belong together (one run's
outputs): build it in a hidden sibling and swap it in at the end (`staged_folder`), so a reader sees
the previous folder whole or the new one whole, never files of two runs side by side. The next write
into the same folder removes what a killed one left: its own hidden siblings and ``.<name>.<random>.part``
files of names the folder owns, never anything else.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
>>> atomic_write_text(p, "hello"); p.read_text()
'hello'
>>> with staged_folder(p.parent / "run", owns={"x.txt"}.__contains__) as stage:
...     atomic_write_text(stage / "x.txt", "one run")
>>> sorted(q.name for q in p.parent.iterdir())
['a.txt', 'run']
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from abm.errors import ConfigError, DataError, clip

#: mkstemp's random part: 8 of these characters (tempfile._RandomNameSequence).
_RANDOM = "[a-z0-9_]{8}"
_PART = re.compile(rf"^\.(?P<name>.+)\.{_RANDOM}\.part$")
#: The longest name (in bytes) of an output folder or of a folder above it: file systems take 255 per
#: name, and the hidden staging sibling ``.<name>.<pid>-<random>.staging`` adds up to 40.
MAX_NAME_BYTES = 215


class FolderError(ConfigError):
    """An output folder this command cannot fill or replace whole: it is a file, a device, a link to
    nothing, under a file, not writable, the working folder, or it holds files that are not this
    command's outputs (which a swap would delete)."""


def check_output_folder(target: str | Path, staged: bool = True) -> Path:
    """Refuse, before any work starts, an output folder no command could write (FolderError, one line).

    Refused: an empty name or one with a NUL, a name (of the folder or above it) over `MAX_NAME_BYTES`,
    a symbolic link to nothing at or above it, a file or device (``/dev/null``) at or above it, and a
    place where this process cannot make folders (read-only, no permission, ``/proc``): tried by making
    and removing an empty hidden folder there. With `staged` (the folder is swapped in whole) the
    working folder and those holding it are refused too, and the swap's parent must be writable.

    >>> check_output_folder("/dev/null")
    Traceback (most recent call last):
    ...
    abm.atomic.FolderError: /dev/null: is a file or device, not a folder (fix: choose a folder for the outputs)
    """
    text = str(target)
    name = clip(text, 100)
    if not text.strip() or "\0" in text:
        raise FolderError(repr(name), "is not a folder name", "give a folder, e.g. out/run1")
    longest = max(Path(text).parts, key=lambda part: len(os.fsencode(part)), default="")
    if len(os.fsencode(longest)) > MAX_NAME_BYTES:
        raise FolderError(name, f"a name in it is {len(os.fsencode(longest))} bytes long",
                          f"use folder names of at most {MAX_NAME_BYTES} bytes")
    path = Path(os.path.abspath(text))  # symbolic links are not followed here, so each is seen
    node = _nearest_existing(path, name)
    _check_writable(node, name)
    if staged and node == path:
        real = Path(os.path.realpath(path))
        here = Path.cwd().resolve()
        if real == here or real in here.parents:
            raise FolderError(name, "is the working folder or holds it", "choose a folder of its own")
        _check_writable(real.parent, name)
    return Path(text)


def _nearest_existing(path: Path, name: str) -> Path:
    """`path` or the nearest folder above it that exists; a file or a link to nothing on the way is refused."""
    node = path
    while True:
        where = "is" if node == path else f"lies under {clip(str(node), 60)},"
        if os.path.islink(node) and not node.exists():
            raise FolderError(name, f"{where} a symbolic link to nothing", "remove the link or choose another folder")
        if node.exists():
            if not node.is_dir():
                kind = "a file or device, not a folder" if node == path else "a file"
                raise FolderError(name, f"{where} {kind}", "choose a folder for the outputs")
            return node
        node = node.parent


def _check_writable(folder: Path, name: str) -> None:
    """Make and remove an empty hidden folder in `folder`: the one sure test (permissions, read-only mounts, /proc)."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".abm-write-check-", dir=folder))
    except OSError as err:
        raise FolderError(name, f"cannot be written ({clip(str(folder), 60)}: {err.strerror or 'refused'})",
                          "choose a folder you can write to") from None


# ------------------------------------------------------------------------------------ a full disk
#: errno values that mean the disk (or the user's quota) is full.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
_STAGING = re.compile(r"^\.(?P<name>.+)\.\d+-[a-z0-9_]+\.staging$")


class NoSpaceError(DataError):
    """The disk filled while writing an output: said in one line; the partial file (and a staged
    folder) is removed, so nothing half-written is left."""


def free_bytes(folder: str | Path) -> int:
    """Bytes this process may still write in `folder` (root may use the blocks reserved for it)."""
    st = os.statvfs(_nearest_dir(Path(folder)))
    return (st.f_bfree if os.geteuid() == 0 else st.f_bavail) * st.f_frsize


def no_space(path: str | Path, needed: int | None = None) -> NoSpaceError:
    """The one line for a full disk while writing `path`: how many MB to free (the shortfall when the
    size is known, else at least what the write had reached), or write elsewhere.

    The path is named as the user will see it: a file in a staged folder by the folder it replaces.
    """
    path = Path(path)
    try:
        free = free_bytes(path.parent)
    except OSError:
        free = 0
    short = max((needed or 0) - free, 1)
    mb = math.ceil(short / 1e6 * 10) / 10
    m = _STAGING.match(path.parent.name)
    shown = path.parent.parent / m["name"] / path.name if m else path
    return NoSpaceError(f"no space left on device writing {clip(str(shown), 100)}: free {mb:,.1f} MB "
                        "or choose --out elsewhere")


def _nearest_dir(path: Path) -> Path:
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path, size: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is removed.

    A full disk (ENOSPC, EDQUOT) from the writer or the flush becomes a `NoSpaceError` naming `path` and
    the MB to free (from `size`, the file's size when known, else from what the write had reached).
    """
    path = Path(path)
    tmp_path: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp_path, path)
    except OSError as err:
        if err.errno not in NO_SPACE:
            raise
        reached = tmp_path.stat().st_size if tmp_path is not None and tmp_path.exists() else 0
        raise no_space(path, size or reached + 1) from None
    finally:
        if tmp_path is not None and tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, writer: Callable[[Path], None], size: int | None = None) -> None:
    """Call `writer(tmp_path)` and move the result into place atomically (`size`: its size, if known)."""
    with atomic_path(path, size) as tmp:
        writer(tmp)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | Path, data: bytes | memoryview) -> None:
    """Write `data` atomically; refused first (`NoSpaceError`, nothing written) when it cannot fit.

    Outputs whose library writes through C (HDF5 for NetCDF, GDAL for GeoTIFF, Arrow for Parquet) are
    built in memory and written here: their size is then known before the first byte goes to disk,
    and a disk that fills anyway fails in Python, cleanly (HDF5 out of space segfaulted).
    """
    size = memoryview(data).nbytes
    ensure_space(path, size)
    atomic_write(path, lambda tmp: tmp.write_bytes(data), size)


def ensure_space(path: str | Path, size: int) -> None:
    """Refuse (`NoSpaceError`, one line) writing `size` bytes to `path` when its disk has less free
    (a disk whose free space cannot be read is let through: the write itself then says)."""
    path = Path(path)
    try:
        free = free_bytes(path.parent)
    except OSError:
        return
    if size > free:
        raise no_space(path, size)


# ------------------------------------------------------------------------------------ whole folders
@contextlib.contextmanager
def staged_folder(target: str | Path, owns: Callable[[str], bool], manifest: str | None = None) -> Iterator[Path]:
    """Yield an empty hidden sibling of `target` to write into; on success swap it in whole.

    Until the swap `target` keeps the previous outputs; on an error the sibling is removed and
    `target` is untouched. `owns(name)` says which entries of `target` are this command's outputs
    (as do the files listed in `target/manifest`); anything else makes this a FolderError, before
    any work, because the swap would delete it. Stale leftovers of killed writes go first.
    """
    target = _resolve(Path(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target, owns)
    _check_owned(target, owns, manifest)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".staging", dir=target.parent))
    try:
        os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes 0700; the folder gets the usual permissions
        yield stage
        swap_in(stage, target)
    except OSError as err:  # a full disk met outside atomic_path (a plot, a flush): the same one line
        if err.errno not in NO_SPACE:
            raise
        raise no_space(Path(err.filename) if err.filename else target / "(outputs)") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def swap_in(stage: Path, target: Path) -> None:
    """Replace `target` by the folder `stage` in one step (afterwards `stage` holds the old one, if any).

    Linux swaps the two names at once (renameat2 RENAME_EXCHANGE): a kill at any moment leaves one
    whole folder at `target`. Elsewhere the old folder is first renamed aside to ``...old``; a kill
    between the two renames leaves no `target`, and the next `remove_stale` puts the old one back.
    """
    _fsync_tree(stage)
    if not target.exists():
        os.rename(stage, target)
    elif not exchange(stage, target):
        aside = stage.with_name(stage.name.removesuffix(".staging") + ".old")
        os.rename(target, aside)
        try:
            os.rename(stage, target)
        except BaseException:
            os.rename(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    _fsync_dir(target.parent)


def exchange(a: Path, b: Path) -> bool:
    """Swap the names `a` and `b` atomically; False where the system or file system cannot."""
    try:
        fn = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except (OSError, TypeError):  # no C library to load by name (Windows)
        fn = None
    if fn is None:
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def remove_stale(target: str | Path, owns: Callable[[str], bool]) -> list[Path]:
    """Remove what killed writes into `target` left: hidden siblings of dead processes and part files.

    Only these patterns go: ``.<target>.<pid>-<random>.staging`` / ``.old`` beside it (a folder being
    built, or the previous one set aside; those of a live process stay) and ``.<name>.<random>.part``
    inside it for a `name` it owns. Returns the paths removed (or restored to `target`).
    """
    target = Path(target)
    sibling = re.compile(rf"^\.{re.escape(target.name)}\.(?P<pid>\d+)-[a-z0-9_]+\.(?P<kind>staging|old)$")
    removed: list[Path] = []
    if target.parent.is_dir():
        for entry in sorted(target.parent.iterdir()):
            m = sibling.match(entry.name)
            if not m or not entry.is_dir() or _alive(int(m["pid"])):
                continue
            if m["kind"] == "old" and not target.exists():
                os.rename(entry, target)  # killed between the two renames of swap_in: the old run comes back
            else:
                shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    if target.is_dir():
        for entry in sorted(target.iterdir()):
            m = _PART.match(entry.name)
            if m and owns(m["name"]) and entry.is_file():
                entry.unlink(missing_ok=True)
                removed.append(entry)
    return removed


def sha256_file(path: str | Path) -> str:
    """The file's SHA-256 (hex): lets a manifest vouch for files that cannot carry a run id (CSV)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _resolve(target: Path) -> Path:
    """The real folder (a symlink to a folder is followed: the link stays, the folder is swapped), once
    `check_output_folder` has found it writable."""
    check_output_folder(target, staged=True)
    return target.resolve() if target.is_symlink() else target


def _check_owned(target: Path, owns: Callable[[str], bool], manifest: str | None) -> None:
    if not target.is_dir():
        return
    listed: set[str] = set()
    if manifest and (target / manifest).is_file():
        with contextlib.suppress(ValueError, OSError, TypeError, AttributeError):
            listed = set(json.loads((target / manifest).read_text(encoding="utf-8")).get("files", []))
    foreign = sorted(p.name for p in target.iterdir() if not owns(p.name) and p.name not in listed)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise FolderError(str(target), f"holds files that are not outputs of this command ({shown}), which "
                          "replacing the folder would delete", "choose a new or empty folder, or move them")


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (a staging folder of a live process is its work in progress)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_tree(folder: Path) -> None:
    """Flush every file of the folder and the folder itself, so the swap never exposes unwritten data."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

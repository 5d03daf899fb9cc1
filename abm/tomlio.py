"""Read a TOML input file (scenario, sweep, calibration) with one-line errors naming the file and the fix.

Hostile files are refused in one line too: a folder or a symbolic-link loop given as the file, a name
too long for the file system, a file that is not UTF-8 text, and tables or arrays nested deeper than
`MAX_DEPTH` (no config file nests more than a few levels; thousands would exhaust Python's stack).

>>> check_depth({"a": {"b": [1, [2]]}}, "x")
>>> check_depth(functools.reduce(lambda inner, _: [inner], range(100), 0), "x")
Traceback (most recent call last):
...
abm.errors.ConfigError: x: tables or arrays are nested deeper than 24 levels (fix: write the values flat: no config file needs more than a few levels)
"""

from __future__ import annotations

import functools  # noqa: F401 - used by the doctest
import tomllib
from pathlib import Path
from typing import Any

from abm.errors import ConfigError

#: The deepest nesting of tables and arrays a config file (or the data handed to a ``*_from_dict``) may have.
MAX_DEPTH = 24
#: The largest config file read (a scenario is a few kB; a sweep with long value lists a few hundred).
MAX_BYTES = 10_000_000


def read_toml(path: str | Path, what: str, folder_hint: str) -> dict[str, Any]:
    """The parsed table of `path`; `what` names the kind of file, `folder_hint` where the shipped ones live."""
    path = Path(path)
    fix = f"check the path; {folder_hint} holds the shipped ones"
    try:
        if path.is_dir():
            raise ConfigError(str(path), f"is a folder, not a {what} file", f"give the .toml file; {folder_hint} "
                              "holds the shipped ones")
        if path.is_symlink() and not path.exists():
            raise ConfigError(str(path), "is a symbolic link to nothing (or a loop of links)", fix)
        if not path.is_file():
            raise ConfigError(str(path), f"{what} file not found", fix)
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(str(path), f"is larger than {MAX_BYTES // 1_000_000} MB", f"give a {what} TOML file")
        text = path.read_text(encoding="utf-8")
    except OSError as err:  # a name too long, a symbolic-link loop, no permission, ...
        raise ConfigError(str(path), f"cannot be read ({err.strerror or type(err).__name__})", fix) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "is not a UTF-8 text file", f"give a {what} TOML file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(str(path), f"not valid TOML ({err})", "fix the syntax at the line shown") from None
    except RecursionError:
        raise ConfigError(str(path), f"tables or arrays are nested deeper than {MAX_DEPTH} levels",
                          "write the values flat: no config file needs more than a few levels") from None
    check_depth(data, str(path))
    return data


def check_depth(data: Any, where: str, limit: int = MAX_DEPTH) -> None:
    """Refuse tables or lists nested deeper than `limit` (walked without recursion, so any depth is safe)."""
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise ConfigError(where or "(top level)", f"tables or arrays are nested deeper than {limit} levels",
                              "write the values flat: no config file needs more than a few levels")
        if isinstance(node, dict):
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend((value, depth + 1) for value in node)

"""Read a TOML input file (scenario, sweep, calibration) with one-line errors naming the file and the fix."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from abm.errors import ConfigError


def read_toml(path: str | Path, what: str, folder_hint: str) -> dict[str, Any]:
    """The parsed table of `path`; `what` names the kind of file, `folder_hint` where the shipped ones live."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), f"{what} file not found", f"check the path; {folder_hint} holds the shipped ones")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(str(path), f"not valid TOML ({err})", "fix the syntax at the line shown") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "is not a UTF-8 text file", f"give a {what} TOML file") from None

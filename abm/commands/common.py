"""What every sub-command shares about bad input: one line for it, refused before any work starts.

- `output_folder`: the ``--out`` folder (or the default), refused in one line when no command could
  write it (a file, ``/dev/null``, under a file, a link to nothing, read-only, a name too long), by
  the guard every command uses (`abm.atomic.check_output_folder`), before anything runs;
- `flag`: a flag that stands for a file's field (``--ticks`` for ``run.ticks``), read with that field's
  own limits (`abm.schema.read_flag`), so the two never disagree;
- `file_refused`: a refused input file as one line that names the file once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from abm.errors import ConfigError, UserFacingError, clip


def output_folder(out: str | None, default: Path, staged: bool = True) -> Path:
    """The ``--out`` folder (else `default`), refused in one line if it cannot be written; `staged`: the
    command swaps the folder in whole (run, calibrate, report), so its parent must take a sibling too."""
    from abm.atomic import FolderError, check_output_folder

    folder = Path(out) if out is not None else default
    try:
        check_output_folder(out if out is not None else default, staged=staged)
    except FolderError as err:
        raise UserFacingError(f"--out {err}" if out is not None else f"{err} (the default output folder; "
                              "give --out to choose another)") from None
    return folder


def flag(cls: type, name: str, value: Any, option: str) -> Any:
    """`value` of command-line `option`, read as field `name` of schema `cls` (None: not given)."""
    from abm.schema import read_flag

    if value is None:
        return None
    try:
        return read_flag(cls, name, value, option)
    except ConfigError as err:
        raise UserFacingError(str(err)) from None


def file_refused(path: str | Path, err: ConfigError) -> UserFacingError:
    """One line for input file `path` refused with `err`: the path named once (the error may start with it)."""
    name = clip(str(path), 120)
    field = err.field if isinstance(err, ConfigError) else ""
    if field == clip(str(Path(path)), 120) or field == name:
        return UserFacingError(str(err))
    return UserFacingError(f"{name}: {err}")

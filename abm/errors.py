"""Errors a user can fix: each prints as one line naming the field and the fix.

A user's value is never echoed whole: `shown` clips its repr to `MAX_SHOWN` characters, and a
`ConfigError` clips its field and problem too, so a 10,000-character string or key still gives one
readable line.

>>> shown("x" * 10_000)
"'xxxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxx' (10,002 characters)"
"""

from __future__ import annotations

from typing import Any

#: The most characters of a user's value an error line echoes.
MAX_SHOWN = 80
#: The most characters of a field name and of a problem an error line holds.
MAX_FIELD = 120
MAX_PROBLEM = 200


def clip(text: str, limit: int) -> str:
    """`text` cut in the middle to `limit` characters (with the full length said) when it is longer."""
    if len(text) <= limit:
        return text
    keep = max(limit - 30, 10)
    head, tail = keep // 2 + 4, keep // 2 - 4
    return f"{text[:head]}...{text[-tail:]} ({len(text):,} characters)"


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """`repr(value)` for an error line, clipped to about `limit` characters."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails (or is too deep) is named by its type
        text = f"<{type(value).__name__}>"
    return clip(text, limit)


class ConfigError(ValueError):
    """A bad value in a scenario, sweep or calibration file, a CLI flag or an app field.

    >>> str(ConfigError("run.ticks", "must be an integer >= 1", "set e.g. ticks = 50"))
    'run.ticks: must be an integer >= 1 (fix: set e.g. ticks = 50)'
    """

    def __init__(self, field: str, problem: str, fix: str = "") -> None:
        self.field = clip(str(field), MAX_FIELD)
        self.problem = clip(str(problem), MAX_PROBLEM)
        self.fix = fix
        super().__init__(f"{self.field}: {self.problem}" + (f" (fix: {fix})" if fix else ""))


class DataError(ValueError):
    """An unreadable or inconsistent input raster / vector file."""


class UserFacingError(Exception):
    """A bad input the user can fix; the CLI prints it as one line, never as a traceback."""

"""Errors a user can fix: each prints as one line naming the field and the fix."""

from __future__ import annotations


class ConfigError(ValueError):
    """A bad value in a scenario, sweep or calibration file, a CLI flag or an app field.

    >>> str(ConfigError("run.ticks", "must be an integer >= 1", "set e.g. ticks = 50"))
    'run.ticks: must be an integer >= 1 (fix: set e.g. ticks = 50)'
    """

    def __init__(self, field: str, problem: str, fix: str = "") -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}" + (f" (fix: {fix})" if fix else ""))


class DataError(ValueError):
    """An unreadable or inconsistent input raster / vector file."""


class UserFacingError(Exception):
    """A bad input the user can fix; the CLI prints it as one line, never as a traceback."""

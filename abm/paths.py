"""Year paths: a policy or parameter value that changes with the calendar year.

Written in TOML as a number (constant) or a table ``{ 2020 = 0.54, 2030 = 0.40, 2060 = 0.0 }``. Between
the given years the value is interpolated linearly; before the first and after the last it is held.
A step change is written with two adjacent years (``{ 2029 = 3000, 2030 = 1500 }``).

>>> YearPath.parse({"2020": 1.0, "2030": 3.0}, "x").at(2025)
2.0
>>> YearPath.parse(0.5, "x").at(1999)
0.5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from abm.errors import ConfigError


@dataclass(frozen=True)
class YearPath:
    years: tuple[int, ...]
    values: tuple[float, ...]

    @classmethod
    def constant(cls, value: float) -> YearPath:
        return cls((0,), (float(value),))

    @classmethod
    def of(cls, table: dict[int, float]) -> YearPath:
        """A path from a {year: value} table written in code (defaults); files go through `parse`."""
        years = sorted(table)
        return cls(tuple(int(y) for y in years), tuple(float(table[y]) for y in years))

    @classmethod
    def parse(cls, raw: Any, field: str, lo: float | None = None, hi: float | None = None) -> YearPath:
        """Parse a number or a {year: value} table, checking the range [lo, hi]; errors name `field`."""
        if isinstance(raw, YearPath):
            path = raw
        elif isinstance(raw, bool):
            raise ConfigError(field, f"expected a number or a {{year = value}} table, got {raw!r}",
                              "write e.g. 0.5 or { 2020 = 0.5, 2030 = 0.3 }")
        elif isinstance(raw, (int, float)):
            path = cls.constant(raw)
        elif isinstance(raw, dict) and raw:
            items = []
            for key, value in raw.items():
                try:
                    year = int(key)
                except (TypeError, ValueError):
                    raise ConfigError(field, f"key {key!r} is not a year", "use integer years as keys, e.g. 2030 = 0.4") from None
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ConfigError(f"{field}.{key}", f"expected a number, got {value!r}", "give a number")
                items.append((year, float(value)))
            items.sort()
            path = cls(tuple(y for y, _ in items), tuple(v for _, v in items))
        else:
            raise ConfigError(field, f"expected a number or a {{year = value}} table, got {raw!r}",
                              "write e.g. 0.5 or { 2020 = 0.5, 2030 = 0.3 }")
        for year, value in zip(path.years, path.values):
            where = f"{field}.{year}" if isinstance(raw, dict) else field
            if not np.isfinite(value):
                raise ConfigError(where, f"value {value} is not finite", "give a finite number")
            if lo is not None and value < lo:
                raise ConfigError(where, f"value {value} is below the minimum {lo}", f"use a value >= {lo}")
            if hi is not None and value > hi:
                raise ConfigError(where, f"value {value} is above the maximum {hi}", f"use a value <= {hi}")
        return path

    def at(self, year: float) -> float:
        if len(self.years) == 1:
            return self.values[0]
        return float(np.interp(year, self.years, self.values))

    def to_toml_value(self) -> float | dict[str, float]:
        if len(self.years) == 1:
            return self.values[0]
        return {str(y): v for y, v in zip(self.years, self.values)}

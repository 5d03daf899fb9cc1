"""Households and firms as structure-of-arrays tables: one row per agent.

Millions of agents are individuals with their own state and choices, but their state lives in
columns so that numba kernels and numpy run over all of them at once (DESIGN.md section 2). Cell
positions are flat indices into the grid (``row * cols + col``).

>>> hh = Households.empty()
>>> hh.append(home=np.array([3, 4]), work=np.array([0, 0]), size=np.array([3, 2]),
...           income=np.array([9e4, 6e4]), car=np.array([True, False]), located_tick=0)
>>> len(hh), int(hh.size.sum())
(2, 5)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

#: Firm sectors; the value is the code in `Firms.sector`.
SECTORS: dict[str, int] = {"services": 0, "industry": 1}

#: Firm branches; the value is the code in `Firms.branch`. Services firms are branch "services"; an
#: industry firm belongs to one of the industrial branches, which differ in energy and process CO2 per
#: unit of value added: "heavy" (energy-intensive materials: cement and other non-metallic minerals,
#: iron and steel, non-ferrous metals, chemicals, refining), "light" (food, textiles, paper, wood,
#: plastics and other light manufacturing), "high_tech" (equipment, electronics, vehicles, medicine).
BRANCHES: dict[str, int] = {"services": 0, "heavy": 1, "light": 2, "high_tech": 3}
INDUSTRY_BRANCHES: tuple[str, ...] = ("heavy", "light", "high_tech")
#: The branch of an industry firm appended without one (tables built by hand in tests and notebooks).
DEFAULT_INDUSTRY_BRANCH = "light"


class _Table:
    """Shared column operations: every dataclass field is a 1-D column of equal length."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    def columns(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False (agents leaving the region)."""
        for name, col in self.columns().items():
            setattr(self, name, col[mask])

    def _append(self, **new: np.ndarray) -> None:
        lengths = {len(v) for v in new.values() if np.ndim(v) > 0}
        if len(lengths) > 1:
            raise ValueError(f"appended columns differ in length: {sorted(lengths)}")
        n = lengths.pop() if lengths else 1
        for f in fields(self):
            col = getattr(self, f.name)
            add = np.asarray(new[f.name])
            if add.ndim == 0:
                add = np.full(n, add)
            if len(add) != n:
                raise ValueError(f"column '{f.name}' has {len(add)} rows, expected {n}")
            setattr(self, f.name, np.concatenate([col, add.astype(col.dtype)]))


@dataclass
class Households(_Table):
    """Households: where they live and work, and what they bring to a choice."""

    home: np.ndarray          # int64 flat cell index of the dwelling
    work: np.ndarray          # int64 row index into Firms (the employer of the main earner)
    size: np.ndarray          # int16 persons
    income: np.ndarray        # float32 CNY per year
    car: np.ndarray           # bool: owns a car
    located_tick: np.ndarray  # int32 tick at which the household took its current home
    arrived_tick: np.ndarray  # int32 tick at which the household came to the region (moving keeps it)

    @classmethod
    def empty(cls) -> Households:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int16),
                   np.empty(0, np.float32), np.empty(0, bool), np.empty(0, np.int32), np.empty(0, np.int32))

    def append(self, *, home, work, size, income, car, located_tick) -> None:
        """New households: they arrive in the region when they take their first home here."""
        self._append(home=home, work=work, size=size, income=income, car=car, located_tick=located_tick,
                     arrived_tick=located_tick)

    @property
    def persons(self) -> int:
        return int(self.size.sum(dtype=np.int64))


@dataclass
class Firms(_Table):
    """Firms: sector and branch, size, productivity and site."""

    site: np.ndarray          # int64 flat cell index
    sector: np.ndarray        # int8 code from SECTORS
    branch: np.ndarray        # int8 code from BRANCHES ("services" exactly for services firms)
    jobs: np.ndarray          # int32 jobs
    va_per_job: np.ndarray    # float32 value added per job, CNY per year
    located_tick: np.ndarray  # int32 tick at which the firm took its current site
    arrived_tick: np.ndarray  # int32 tick at which the firm was founded here (relocating keeps it)
    uid: np.ndarray           # uint64 identity drawn at founding (abm.draws "firm_identity"); 0 if built by hand

    @classmethod
    def empty(cls) -> Firms:
        return cls(np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, np.int8), np.empty(0, np.int32),
                   np.empty(0, np.float32), np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.uint64))

    def append(self, *, site, sector, jobs, va_per_job, located_tick, branch=None, uid=0) -> None:
        """New firms: founded in the region when they take their first site here.

        ``branch`` (codes of BRANCHES) defaults to "services" for services firms and
        DEFAULT_INDUSTRY_BRANCH for industry firms; a services firm in an industrial branch, or the
        reverse, is refused. ``uid``: the firms' founding identities (the model draws them on a keyed
        stream so that a firm is the same firm in every scenario of a seed; tables built by hand may
        leave them 0).
        """
        sector = np.asarray(sector)
        is_services = sector == SECTORS["services"]
        if branch is None:
            branch = np.where(is_services, BRANCHES["services"], BRANCHES[DEFAULT_INDUSTRY_BRANCH])
        elif np.any((np.asarray(branch) == BRANCHES["services"]) != is_services):
            raise ValueError("branch 'services' is for services firms only, and every services firm has it")
        self._append(site=site, sector=sector, branch=branch, jobs=jobs, va_per_job=va_per_job,
                     located_tick=located_tick, arrived_tick=located_tick, uid=uid)

    @property
    def total_jobs(self) -> int:
        return int(self.jobs.sum(dtype=np.int64))

    def gdp(self) -> float:
        """Value added of all firms in a year, CNY."""
        return float(np.dot(self.jobs.astype(np.float64), self.va_per_job.astype(np.float64)))

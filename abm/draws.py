"""Agents' own attributes drawn on keyed streams (common random numbers across scenarios).

Two scenarios that differ in policy only should found the same firms and bring the same newcomers, so
that their difference is the policy's and not the dice's. Choices of place consume the model's main
generator differently under each policy, so attributes drawn from it would drift apart after the
first tick (the default city's cumulative industrial CO2 differed by 1-2 Mt, 0.5%, between compact and
sprawl at one seed, as much as their transport difference). Here each (year, kind, n-th call) has a
generator of its own, derived from the run seed: the k-th firm founded in 2031 has the same size,
value added and branch in every scenario of that seed, however many firms each founds. Its identity
("firm_identity", a random 64-bit number) is the same too: closures pick firms by it (abm.firms), not
by the main generator or by their row in the table.

>>> a, b = AttributeDraws(7), AttributeDraws(7)
>>> a.stream(2030, "firm_size").random(3).tolist() == b.stream(2030, "firm_size").random(5)[:3].tolist()
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Kinds of attribute, each its own stream (a new kind appends: the codes of the others must not change).
KINDS: tuple[str, ...] = ("firm_size", "firm_value_added", "firm_branch", "household_size", "household_income",
                          "household_car", "firm_identity")

#: Key beside the run seed, so that these streams never coincide with the model's main generator.
_DOMAIN = 0xA77


@dataclass
class AttributeDraws:
    """Generators keyed by (seed, year, kind, part, call of that kind and part in that year)."""

    seed: int
    calls: dict[tuple[int, str, int], int] = field(default_factory=dict)

    def stream(self, year: int, kind: str, part: int = 0) -> np.random.Generator:
        """A fresh generator for the next draw of `kind` (of `part`, e.g. a sector) in `year`; a prefix of
        its draws is the same in any run of the seed."""
        if kind not in KINDS:
            raise ValueError(f"unknown attribute kind {kind!r}: one of {KINDS}")
        key = (int(year), kind, int(part))
        n = self.calls.get(key, 0)
        self.calls[key] = n + 1
        return np.random.default_rng([_DOMAIN, int(self.seed), int(year) - 1900, KINDS.index(kind), int(part), n])


def attribute_stream(state, kind: str, part: int = 0) -> np.random.Generator:
    """The generator for the next draw of `kind` this year: keyed (state.draws), else the state's main one
    (a state built by hand without draws, as some tests do)."""
    if state.draws is None:
        return state.rng
    return state.draws.stream(state.year, kind, part)

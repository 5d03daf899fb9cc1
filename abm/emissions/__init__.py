"""Emission sources: the registry (abm.emissions.registry) and the built-in sources (abm.emissions.builtin).

>>> from abm.emissions import emission_sources
>>> 'emissions_conversion_t' in [s.column() for s in emission_sources()]
True
"""

from abm.emissions.registry import (EmissionSource, SourceEmissions, emission_sources, register_source, source,
                                    unregister_source)
from abm.emissions import builtin  # noqa: E402,F401  (registers the built-in sources)

__all__ = ["EmissionSource", "SourceEmissions", "emission_sources", "register_source", "source", "unregister_source"]

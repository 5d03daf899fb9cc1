"""abm: agent-based urban growth simulator for low-carbon spatial planning."""

__version__ = "0.1.0"

"""Sub-commands of the `abm` CLI (see abm.cli.COMMANDS)."""

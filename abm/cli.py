"""The one `abm` command; each sub-command lives in its own module and is imported only when used.

A sub-command module exposes ``HELP`` (one line), ``configure_parser(parser)`` and ``main(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from abm.errors import UserFacingError  # noqa: F401 - commands raise it as abm.cli.UserFacingError

#: sub-command -> module implementing it. Listed here so `abm --help` needs no heavy import.
COMMANDS: dict[str, str] = {
    "run": "abm.commands.run",
    "sweep": "abm.commands.sweep",
    "report": "abm.commands.report",
    "calibrate": "abm.commands.calibrate",
    "data": "abm.commands.data",
    "app": "abm.commands.app",
    "bench": "abm.commands.bench",
    "attribute": "abm.commands.attribute",
}

DESCRIPTION = """\
abm: agent-based urban growth for low-carbon spatial planning.

Households, firms and a planning authority share a land grid; each tick is a year. The model reports
emissions by source, carbon sinks and the five carbon inflection points for the policy you choose.
"""

EPILOG = """\
examples:
  abm run scenarios/compact.toml --out out/compact      one policy, headless
  abm run scenarios/sprawl.toml --ticks 10 --seed 3      a short run with another seed
  abm sweep sweeps/urban_form.toml --out out/sweep      many policies x seeds
  abm attribute A.toml B.toml --out out/ab --seeds 5    which lever moves which result
  abm app                                               the planners' browser app

`abm COMMAND --help` explains each command.
"""


def _module_help(name: str) -> str:
    try:
        return importlib.import_module(COMMANDS[name]).HELP
    except Exception:  # a broken optional module must not break `abm --help`
        return "(unavailable: " + COMMANDS[name] + " failed to import)"


def _available() -> list[str]:
    """Sub-commands whose module is present (optional parts may be missing from an install)."""
    import importlib.util

    return [name for name, mod in COMMANDS.items() if importlib.util.find_spec(mod) is not None]


class OneLineParser(argparse.ArgumentParser):
    """argparse's refusals in one line, 'abm run: error: ... (see abm run --help)': argparse prints the
    usage and then the error, two or more lines; every other refusal of abm is one line."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, one_line_error(self.prog, message))


def one_line_error(prog: str, message: str) -> str:
    """'<prog>: error: <message> (see <prog> --help)', a user's value in it clipped to ~80 characters."""
    import re

    from abm.errors import MAX_SHOWN, clip

    text = re.sub(r"'([^']*)'", lambda m: "'" + clip(m[1], MAX_SHOWN) + "'", message)
    text = " ".join(clip(text, 400).split())
    return f"{prog}: error: {text} (see {prog} --help)\n"


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="abm", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _available():
        if command is None or name == command:
            module = importlib.import_module(COMMANDS[name]) if name == command else None
            help_text = module.HELP if module else _module_help(name)
            p = sub.add_parser(name, help=help_text, description=(module.__doc__ if module else help_text),
                               formatter_class=argparse.RawDescriptionHelpFormatter)
            if module is not None:
                module.configure_parser(p)
                p.set_defaults(_main=module.main)
        else:
            sub.add_parser(name, help=_module_help(name))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(command)
    args, extra = parser.parse_known_args(argv)
    if extra:  # said by the sub-command that was given them, not by 'abm'
        prog = f"abm {command}" if command else "abm"
        parser.exit(2, one_line_error(prog, "unrecognized arguments: " + " ".join(f"'{a}'" for a in extra)))
    if command is None:
        parser.print_help()
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    try:
        return int(args._main(args) or 0)
    except KeyboardInterrupt:
        print("abm: interrupted", file=sys.stderr)
        return 130
    except UserFacingError as err:
        print(f"abm {command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a full disk wherever a command met it: one line (the command removed its partials)
        from abm.atomic import NO_SPACE, no_space

        if err.errno not in NO_SPACE:
            raise
        print(f"abm {command}: error: {no_space(err.filename or '.')}", file=sys.stderr)
        return 2
    except Exception as err:
        from abm.atomic import NoSpaceError

        if not isinstance(err, NoSpaceError):
            raise
        print(f"abm {command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""The `softphone` command: the app, its headless engine, and the stand-ins for tests and demos.

Each subcommand lives in the module that owns it; this file only dispatches. Stand-ins
(`sim-crm`, `sim-phone`) parse their own arguments, so they stay free of the client's code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from softphone import __version__

#: Subcommands whose module parses its own arguments: name → (module, help).
DELEGATED: dict[str, tuple[str, str]] = {
    "sim-crm": ("softphone.sim.crm", "run the simulated CRM server"),
    "sim-phone": ("softphone.sim.phone", "run the simulated Android phone (ADB device side)"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="softphone",
        description="Places CRM call commands on a USB-tethered Android phone.",
    )
    parser.add_argument("--version", action="version", version=f"softphone {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:  # noqa: RET503
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DELEGATED:
        module = importlib.import_module(DELEGATED[args[0]][0])
        entry: Callable[[list[str]], int] = module.main
        return entry(args[1:])
    parser = _parser()
    parsed = parser.parse_args(args)
    if parsed.command is None:
        parser.print_help()
        return 2
    parser.error(f"unknown command {parsed.command}")  # exits


if __name__ == "__main__":
    sys.exit(main())

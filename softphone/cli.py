"""The `softphone` command: the app, its headless engine, and the stand-ins for tests and demos.

`softphone` with no subcommand opens the window (a second one brings the first forward);
`softphone tel:+79…` (the `tel:` link handler) hands the number to the running window.

Subcommands:
  run [--headless]      the window (or the engine alone), until quit / SIGINT / SIGTERM
  login                 sign in (QR token, or username with the password on stdin)
  logout                sign out and forget the session
  status [--json]       the running instance's status (or what can be known without it)
  stop                  stop the running instance
  history [--json]      the newest calls
  call NUMBER           a manual call (through the running instance if there is one)
  doctor                adb, the phone, the server, the session: each OK or the fix
  install-desktop       the Linux menu entry and the tel: link handler, for this user
  sim-crm, sim-phone    the simulated CRM and phone (they parse their own arguments)
"""

from __future__ import annotations

import argparse
import importlib
import sys
import urllib.parse
from collections.abc import Callable, Sequence

from softphone import __version__
from softphone.console import EXIT_FAIL

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
    parser.add_argument("--server", default=None, help="fill in the CRM address at sign-in")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run Softphone (the window, or --headless)")
    run.add_argument("--headless", action="store_true", help="without a window")
    run.add_argument("--serial", default=None, help="the phone to use when several are attached")
    run.add_argument("--server", default=None, help="fill in the CRM address at sign-in")

    login = sub.add_parser("login", help="sign in to the CRM")
    login.add_argument("--server", required=True, help="the CRM address, e.g. https://crm.example")
    how = login.add_mutually_exclusive_group(required=True)
    how.add_argument("--qr-token", help="the token of a QR login code")
    how.add_argument("--qr-image", help="a picture (screenshot, photo) of the CRM's QR code")
    how.add_argument("--username", help="sign in with a password read from stdin")
    login.add_argument(
        "--allow-http", action="store_true", help="allow plain HTTP to this (non-loopback) server"
    )

    sub.add_parser("logout", help="sign out and forget the session")
    sub.add_parser("stop", help="stop the running Softphone")

    status = sub.add_parser("status", help="what Softphone is doing")
    status.add_argument("--json", action="store_true")

    history = sub.add_parser("history", help="the newest calls")
    history.add_argument("--json", action="store_true")
    history.add_argument("--limit", type=int, default=50)

    call = sub.add_parser("call", help="call a number (a manual call)")
    call.add_argument("number")
    call.add_argument("--serial", default=None)
    call.add_argument("--json", action="store_true")
    call.add_argument(
        "--window", action="store_true", help="with no Softphone running, open the window for it"
    )

    demo = sub.add_parser("demo", help="run against a built-in simulated CRM and phone")
    demo.add_argument("--profile", choices=("seed", "production"), default="seed")
    demo.add_argument("--every", type=float, default=8.0, help="seconds between CRM calls")
    demo.add_argument("--calls", type=int, default=None, help="end after this many calls")
    demo.add_argument("--port", type=int, default=0, help="the simulated CRM's port (0: any)")
    demo.add_argument("--seed", type=int, default=None, help="make the calls' outcomes repeat")
    demo.add_argument("--headless", action="store_true", help="in the terminal, without the window")

    doctor = sub.add_parser("doctor", help="check adb, the phone, the server and the session")
    doctor.add_argument("--serial", default=None)

    desktop = sub.add_parser(
        "install-desktop", help="add Softphone to this user's menu and make it open tel: links"
    )
    desktop.add_argument("--remove", action="store_true", help="take it out again")

    for name, (_module, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


#: Options whose value is an opaque secret that may well begin with "-" (QR tokens are URL-safe
#: base64): argparse would take such a value for an option of its own.
_OPAQUE_VALUES = frozenset({"--qr-token"})


def _glue_values(args: list[str]) -> list[str]:
    """`--qr-token -x1` → `--qr-token=-x1`, so a token starting with "-" is still a value."""
    glued: list[str] = []
    i = 0
    while i < len(args):
        if args[i] in _OPAQUE_VALUES and i + 1 < len(args):
            glued.append(f"{args[i]}={args[i + 1]}")
            i += 2
        else:
            glued.append(args[i])
            i += 1
    return glued


def tel_number(link: str) -> str:
    """The number in a `tel:` link (`tel:+7-912…`, `tel://…`, percent-encoded, `;params`)."""
    body = urllib.parse.unquote(link.split(":", 1)[1]).lstrip("/")
    return body.split(";", 1)[0].split("?", 1)[0].strip()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DELEGATED:
        module = importlib.import_module(DELEGATED[args[0]][0])
        entry: Callable[[list[str]], int] = module.main
        return entry(args[1:])
    if args and args[0].lower().startswith("tel:"):
        args = ["call", "--window", tel_number(args[0]), *args[1:]]
    parser = _parser()
    parsed = parser.parse_args(_glue_values(args))
    if parsed.command is None:
        parsed.command, parsed.headless, parsed.serial = "run", False, None
    from softphone import commands  # the engine and its dependencies, only when needed
    from softphone.config import paths
    from softphone.store import StoreError

    handler: Callable[[argparse.Namespace], int] = getattr(
        commands, "cmd_" + parsed.command.replace("-", "_")
    )
    try:
        return handler(parsed)
    except KeyboardInterrupt:
        return 130
    except StoreError as err:
        # Nothing is deleted or rewritten: the file stays as it is for support to look at.
        print(
            f"Softphone cannot use its database: {err}.\n"
            f"It is {paths().database}; move it aside (keep it for support) and Softphone "
            "starts with an empty history.",
            file=sys.stderr,
        )
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())

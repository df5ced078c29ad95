"""The simulated phone's `settings` command (Android's SettingsProvider shell command).

What a client reads here is the default SIM for calls: `settings get global
multi_sim_voice_call` (Settings.Global.MULTI_SIM_VOICE_CALL_SUBSCRIPTION) prints its
subscription id, which on this phone is the slot + 1, as in the call log's `subscription_id`.
The grammar, the help and the error lines are those of SettingsService.MyShellCommand
(frameworks/base/packages/SettingsProvider, Android 12–14): a key never set prints `null`;
`put` and `delete` change the table, not the phone (Android 14's subscription service caches
the default SIM, so a direct write does not move calls to the other SIM until a reboot, and the
simulated phone never reboots). It must never import anything from the rest of `softphone/`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from softphone.sim.phone_shell import Result

#: Settings.Global.MULTI_SIM_VOICE_CALL_SUBSCRIPTION.
VOICE_CALL_KEY = "multi_sim_voice_call"

_NAMESPACES = ("system", "secure", "global")
_VERBS = ("get", "put", "delete", "list", "reset")
_RESET_MODES = ("untrusted_defaults", "untrusted_clear", "trusted_defaults")

HELP = (
    "Settings provider (settings) commands:\n"
    "  help\n"
    "      Print this help text.\n"
    "  get [--user <USER_ID> | current] NAMESPACE KEY\n"
    "      Retrieve the current value of KEY.\n"
    "  put [--user <USER_ID> | current] NAMESPACE KEY VALUE [TAG] [default]\n"
    "      Change the contents of KEY to VALUE.\n"
    "      TAG to associate with the setting.\n"
    "      {default} to set as the default, case-insensitive only for global/secure namespace\n"
    "  delete [--user <USER_ID> | current] NAMESPACE KEY\n"
    "      Delete the entry for KEY.\n"
    "  reset [--user <USER_ID> | current] NAMESPACE {PACKAGE_NAME | RESET_MODE}\n"
    "      Reset the global/secure table for a package with mode.\n"
    "      RESET_MODE is one of {untrusted_defaults, untrusted_clear, trusted_defaults},"
    " case-insensitive\n"
    "  list [--user <USER_ID> | current] NAMESPACE\n"
    "      Print all defined keys.\n"
    "      NAMESPACE is one of {system, secure, global}, case-insensitive\n"
)

#: ShellCommand's -1, as the exit status `settings` (a wrapper of `cmd settings`) returns.
_FAILED = 255


class _Usage(Exception):
    """A command line SettingsService refuses; the message is its stderr line."""


class Settings:
    """The settings table of one phone; the default-SIM key follows the phone. Thread-safe."""

    def __init__(self, sims: Callable[[], int], default_sim: Callable[[], int | None]) -> None:
        self._sims = sims
        self._default_sim = default_sim
        self._lock = threading.Lock()
        self._table: dict[tuple[str, str], str] = {}

    def command(self, argv: list[str], stdin: str) -> Result:
        """`settings …` (argv[0] is the command's name)."""
        args = argv[1:]
        if not args or args[0] in ("help", "-h"):
            return Result(HELP, code=_FAILED)  # ShellCommand's help path returns -1 too
        try:
            verb, namespace, rest = _parse(args)
        except _Usage as exc:
            return Result(err=f"{exc}\n", code=_FAILED)
        with self._lock:
            if verb == "get":
                return Result(f"{self._get(namespace, rest[0])}\n")
            if verb == "put":
                self._table[(namespace, rest[0])] = rest[1]
                return Result()
            if verb == "delete":
                deleted = self._table.pop((namespace, rest[0]), None) is not None
                return Result(f"Deleted {int(deleted)} rows\n")
            if verb == "list":
                return Result("".join(f"{line}\n" for line in self._list(namespace)))
            if namespace == "system":
                return Result(err="Invalid table; no reset performed\n")
            for key in [k for k in self._table if k[0] == namespace]:
                del self._table[key]
            return Result()

    def _get(self, namespace: str, key: str) -> str:
        value = self._table.get((namespace, key))
        if value is None and (namespace, key) == ("global", VOICE_CALL_KEY):
            value = self._voice_subscription()
        return "null" if value is None else value

    def _list(self, namespace: str) -> list[str]:
        rows = {key: value for (space, key), value in self._table.items() if space == namespace}
        if namespace == "global" and VOICE_CALL_KEY not in rows:
            voice = self._voice_subscription()
            if voice is not None:
                rows[VOICE_CALL_KEY] = voice
        return sorted(f"{key}={value}" for key, value in rows.items())

    def _voice_subscription(self) -> str | None:
        """The default voice subscription id; None (the key unset) on a dual-SIM phone without one.

        A single-SIM phone sets it to its only subscription at first boot.
        """
        if self._sims() == 1:
            return "1"
        slot = self._default_sim()
        return None if slot is None else str(slot + 1)


def _parse(args: list[str]) -> tuple[str, str, list[str]]:
    """SettingsService's argument loop: (verb, namespace, the arguments after them)."""
    verb: str | None = None
    namespace: str | None = None
    rest: list[str] = []
    user_seen = False
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--user":
            if user_seen:
                raise _Usage("Invalid user: --user specified more than once")
            if i >= len(args):
                # getNextArgRequired() throws; ShellCommand prints the exception.
                raise _Usage(
                    f"\nException occurred while executing '{args[0]}':\n"
                    'java.lang.IllegalArgumentException: Argument expected after "--user"'
                )
            user = args[i]
            i += 1
            user_seen = True
            if user == "all":
                raise _Usage("Invalid user: all")
            if user not in ("current", "cur", "0"):
                raise _Usage(f"Invalid user: {user}")
        elif verb is None:
            if arg.lower() not in _VERBS:
                raise _Usage(f"Invalid command: {arg}")
            verb = arg.lower()
        elif namespace is None:
            if arg.lower() not in _NAMESPACES:
                raise _Usage(f"Invalid namespace '{arg}'")
            namespace = arg.lower()
            if verb == "list":
                break  # SettingsService stops reading here: anything after is ignored
        else:
            rest.append(arg)
    if verb is None or namespace is None:
        raise _Usage("Bad arguments")
    wanted = {"get": (1, 1), "delete": (1, 1), "list": (0, 0), "reset": (1, 2), "put": (2, 4)}
    low, high = wanted[verb]
    if len(rest) < low:
        raise _Usage("Bad arguments")
    if len(rest) > high:
        raise _Usage("Too many arguments")
    if verb == "reset" and rest[0].lower() in _RESET_MODES and len(rest) > 1:
        raise _Usage("Too many arguments")
    if verb == "put" and len(rest) == 4:
        if rest[2].lower() == "default":
            raise _Usage("Too many arguments")
        if rest[3].lower() != "default":
            raise _Usage("Argument expected to be 'default'")
    return verb, namespace, rest

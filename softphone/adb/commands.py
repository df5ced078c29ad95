"""Every command line the bridge sends a phone, and the checks read from what they print.

What the bridge sends is fixed text built here from validated values only: `dial_command`
accepts nothing but the output of `numbers.normalize` (it must fullmatch `numbers.DIALABLE`), and
the call-log query takes an integer. Nothing a server or person typed reaches the phone's shell
any other way. `call_log_check` and `input_check` turn a command's output into a `Check`.

Pure: no I/O. Reading the outputs themselves is `parse`'s job.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from softphone.adb import parse
from softphone.adb.errors import detail_of
from softphone.masking import mask
from softphone.numbers import DIALABLE
from softphone.problems import Problem, ProblemKind

__all__ = [
    "CALL_ACTION",
    "CALL_LOG_PROBE_COMMAND",
    "CALL_STATE_COMMAND",
    "CLOCK_COMMAND",
    "DEFAULT_CALL_SIM_COMMAND",
    "END_CALL_COMMAND",
    "INPUT_PROBE_COMMAND",
    "PROPS_COMMAND",
    "TELECOM_COMMAND",
    "Check",
    "call_log_check",
    "call_log_command",
    "dial_command",
    "input_check",
]

CALL_ACTION: Final = "android.intent.action.CALL"
END_CALL_COMMAND: Final = "input keyevent KEYCODE_ENDCALL"
CALL_STATE_COMMAND: Final = "dumpsys telephony.registry | grep mCallState"
CLOCK_COMMAND: Final = "date +%s%3N"
PROPS_COMMAND: Final = "getprop"
#: KEYCODE_UNKNOWN (0): injecting it changes nothing on screen, but is refused exactly like
#: KEYCODE_ENDCALL where `input` is blocked (MIUI, ColorOS), so it tells whether hang-up works.
INPUT_PROBE_COMMAND: Final = "input keyevent 0"
#: Settings.Global.MULTI_SIM_VOICE_CALL_SUBSCRIPTION, the default SIM for calls (asked only
#: with two SIMs ready: without a default, Android shows a chooser and the call never starts).
DEFAULT_CALL_SIM_COMMAND: Final = "settings get global multi_sim_voice_call"
#: Telecom's state, with its analytics: one block per recent call and why it ended (`telecom`).
#: Plain: `dumpsys telecom analytics` would print a base64 protobuf instead of the blocks.
TELECOM_COMMAND: Final = "dumpsys telecom"
_PROJECTION: Final = ":".join(parse.CALL_LOG_COLUMNS)
#: The real projection with a condition no row meets: proves the columns exist and the
#: provider lets us in, without reading anybody's calls.
CALL_LOG_PROBE_COMMAND: Final = (
    f'content query --uri content://call_log/calls --projection {_PROJECTION} --where "_id<0"'
)


@dataclasses.dataclass(frozen=True, slots=True)
class Check:
    """One capability: whether it works, and if not, the problem (with the phone's words)."""

    ok: bool
    problem: Problem | None = None

    @classmethod
    def failed(cls, kind: ProblemKind, detail: str) -> Check:
        return cls(False, Problem(kind, detail_of(detail)))


def dial_command(number: str) -> str:
    """The exact `am start` line for a normalised number; ValueError for anything else."""
    if type(number) is not str or DIALABLE.fullmatch(number) is None:
        raise ValueError(
            f"Refusing to dial {mask(repr(number)[:40])}: only numbers from numbers.normalize "
            "(an optional + and 2–15 digits) can be dialled."
        )
    return f"am start -a {CALL_ACTION} -d tel:{number}"


def call_log_command(since_ms: int) -> str:
    """The call-log query for rows dated at or after `since_ms` (phone clock), newest first.

    Bounded by date rather than LIMIT: Android 11+ refuses `LIMIT` in `--sort`.
    """
    if type(since_ms) is not int or since_ms < 0:
        raise ValueError("since_ms must be a non-negative integer (milliseconds, phone clock)")
    return (
        f"content query --uri content://call_log/calls --projection {_PROJECTION} "
        f'--where "date>={since_ms}" --sort "date DESC"'
    )


def call_log_check(text: str) -> Check:
    """Whether the call-log probe (`CALL_LOG_PROBE_COMMAND`) got in: CALL_LOG_DENIED when the
    provider refused the shell user, CALL_LOG_BROKEN for any other failure."""
    failure = parse.parse_call_log(text).error
    if failure is None:
        return Check(True)
    if failure.kind == "permission_denied":
        return Check.failed(ProblemKind.CALL_LOG_DENIED, failure.message)
    return Check.failed(ProblemKind.CALL_LOG_BROKEN, failure.message)


def input_check(text: str) -> Check:
    """Whether a key press (`INPUT_PROBE_COMMAND`, `END_CALL_COMMAND`) was allowed.

    Any refusal is INPUT_BLOCKED, with the phone's line as the detail: the MIUI/ColorOS
    `SecurityException … INJECT_EVENTS` is the one seen in the field, and whatever else stops
    `input` stops the hang-up just the same.
    """
    failure = parse.parse_input(text)
    if failure is None:
        return Check(True)
    return Check.failed(ProblemKind.INPUT_BLOCKED, failure.message)

"""The command line's own words and helpers: exit codes, JSON and password input, running a
coroutine with a clean Ctrl+C, and the English sentences for the engine's typed problems,
outcome reasons and number problems.

A leaf module: `cli.py` (parsing) and `commands.py` / `doctor.py` (what each subcommand does)
both use it, so neither imports the other for these. The window words the same values in its
own language (`softphone.ui`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import getpass
import json
import signal
import sys
from collections.abc import Callable
from typing import Any, Final

from softphone.numbers import NumberProblem
from softphone.problems import Problem, ProblemKind, Reason

__all__ = [
    "EXIT_FAIL",
    "EXIT_OK",
    "EXIT_USAGE",
    "describe",
    "fix_for",
    "number_problem",
    "print_json",
    "read_password",
    "reason_text",
    "run_async",
    "say",
]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def say(text: str) -> None:
    """A message for the person at the terminal (stderr: stdout is for results)."""
    print(text, file=sys.stderr)


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def read_password() -> str:
    """The password from stdin: prompted on a terminal, one line from a pipe."""
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def run_async(main_coro: Callable[[asyncio.Event], Any]) -> Any:
    """Run `main_coro(stop_event)` with SIGINT/SIGTERM setting the event (clean stop)."""

    async def runner() -> Any:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        return await main_coro(stop)

    return asyncio.run(runner())


_PROBLEMS: Final[dict[ProblemKind, str]] = {
    ProblemKind.PHONE_NONE: "No phone is attached.",
    ProblemKind.PHONE_CHOSEN_MISSING: "The chosen phone is not attached.",
    ProblemKind.PHONE_UNAUTHORIZED: "The phone has not allowed USB debugging from this computer.",
    ProblemKind.PHONE_OFFLINE: "The phone is offline.",
    ProblemKind.PHONE_NO_PERMISSIONS: "This computer may not open the phone's USB connection.",
    ProblemKind.PHONE_SEVERAL: "Several phones are attached and none is chosen.",
    ProblemKind.PHONE_TIMEOUT: "The phone did not answer in time.",
    ProblemKind.ADB_ERROR: "The adb server cannot be used.",
    ProblemKind.CALL_LOG_DENIED: "The phone does not let USB debugging read its call log.",
    ProblemKind.CALL_LOG_BROKEN: "The phone's call log could not be read.",
    ProblemKind.INPUT_BLOCKED: "The phone blocks key presses over USB (hanging up).",
    ProblemKind.NO_DEFAULT_SIM: "The phone has two SIM cards and no default SIM for calls.",
    ProblemKind.NO_SIM: "The phone has no SIM card ready for calls.",
    ProblemKind.NOT_SIGNED_IN: "Not signed in to the CRM.",
    ProblemKind.SESSION_ENDED: "The CRM ended the session.",
    ProblemKind.KEYRING_UNAVAILABLE: "No keyring works here: the session lasts until exit.",
    ProblemKind.SERVER_UNREACHABLE: "The CRM server cannot be reached.",
    ProblemKind.RATE_LIMITED: "The CRM server is holding requests back.",
    ProblemKind.RATE_LIMIT_SHARED: (
        "The CRM server is holding requests back: other devices on this network share its limit."
    ),
    ProblemKind.RESULTS_REFUSED: "The CRM refused some call results for good.",
    ProblemKind.COMMAND_NOT_SAVED: "A command from the CRM cannot be saved; pulling waits.",
}

_FIXES: Final[dict[ProblemKind, str]] = {
    ProblemKind.PHONE_NONE: (
        "Connect the phone with a data USB cable and turn on USB debugging in Developer options."
    ),
    ProblemKind.PHONE_CHOSEN_MISSING: (
        "Connect it, or choose another phone: softphone run --serial SERIAL."
    ),
    ProblemKind.PHONE_UNAUTHORIZED: (
        "Unlock the phone and tap Allow on the 'Allow USB debugging?' prompt "
        "(tick 'Always allow from this computer')."
    ),
    ProblemKind.PHONE_OFFLINE: "Unplug the cable and plug it in again; if it stays, restart it.",
    ProblemKind.PHONE_NO_PERMISSIONS: (
        "On Linux add a udev rule for the phone (package android-sdk-platform-tools-common) "
        "and join the plugdev group, then replug."
    ),
    ProblemKind.PHONE_SEVERAL: "Choose one: softphone run --serial SERIAL.",
    ProblemKind.PHONE_TIMEOUT: "Unlock the phone, then try again.",
    ProblemKind.ADB_ERROR: "Restart Softphone; if it persists, restart the computer.",
    ProblemKind.CALL_LOG_DENIED: (
        "Results will be reported as unknown. Update the phone's software or use another phone."
    ),
    ProblemKind.CALL_LOG_BROKEN: "Restart the phone; if it persists, send a support report.",
    ProblemKind.INPUT_BLOCKED: (
        "Turn on Developer options > 'USB debugging (Security settings)' on the phone "
        "(Xiaomi, Redmi, POCO; some OPPO and realme), then reconnect the cable."
    ),
    ProblemKind.NO_DEFAULT_SIM: (
        "On the phone: Settings > SIM cards > Calls: choose one SIM (not 'Ask every time')."
    ),
    ProblemKind.NO_SIM: "Insert a SIM card or check the phone's network.",
    ProblemKind.NOT_SIGNED_IN: (
        "Sign in: softphone login --server URL --qr-token TOKEN (or --qr-image FILE)."
    ),
    ProblemKind.SESSION_ENDED: "Sign in again: softphone login --server URL --qr-token TOKEN.",
    ProblemKind.SERVER_UNREACHABLE: "Check the network; Softphone keeps trying.",
    ProblemKind.RATE_LIMITED: "Nothing to do: requests go again by themselves.",
    ProblemKind.RATE_LIMIT_SHARED: (
        "Nothing to do here; if it lasts, ask IT to raise the CRM's per-address limit."
    ),
    ProblemKind.RESULTS_REFUSED: "See them in the window's diagnostics: retry or discard each.",
    ProblemKind.COMMAND_NOT_SAVED: "Check the disk (full? read-only?); Softphone keeps trying.",
}


def describe(problem: Problem) -> str:
    """One line: what is wrong, with the outside world's own words after it."""
    text = _PROBLEMS.get(problem.kind, problem.kind.value)
    if problem.kind is ProblemKind.PHONE_SEVERAL and problem.params.get("count"):
        text = f"{problem.params['count']} phones are attached and none is chosen."
    if problem.kind in (ProblemKind.RATE_LIMITED, ProblemKind.RATE_LIMIT_SHARED):
        until = problem.params.get("until")
        if isinstance(until, (int, float)):
            text += f" Next request at {dt.datetime.fromtimestamp(until):%H:%M:%S}."
    if problem.kind is ProblemKind.RESULTS_REFUSED and problem.params.get("count"):
        text = f"The CRM refused {problem.params['count']} call result(s) for good."
    if problem.detail:
        text += f" ({problem.detail})"
    return text


def fix_for(problem: Problem) -> str | None:
    return _FIXES.get(problem.kind)


_REASONS: Final[dict[Reason, str]] = {
    Reason.NOT_CONNECTED: "not connected (the call log cannot tell busy, rejected, unanswered)",
    Reason.TELECOM_BUSY: "busy (said by the phone's telecom service)",
    Reason.TELECOM_REJECTED: "rejected (said by the phone's telecom service)",
    Reason.TELECOM_NO_ANSWER: "not answered (said by the phone's telecom service)",
    Reason.INCOMING_NOT_ANSWERED: "incoming call not answered",
    Reason.VOICEMAIL: "went to voicemail",
    Reason.REJECTED_ON_PHONE: "rejected on this phone",
    Reason.BLOCKED_ON_PHONE: "blocked on this phone",
    Reason.ANSWERED_ELSEWHERE: "answered on another device",
    Reason.UNKNOWN_LOG_TYPE: "the call log gave an unknown call type",
    Reason.EMPTY_COMMAND: "not dialled: the command had no number",
    Reason.INVALID_NUMBER: "not dialled: not a dialable number",
    Reason.DISMISSED: "dismissed by the operator",
    Reason.NOT_DIALLED_IN_TIME: "not dialled in time",
    Reason.DIAL_NOT_STARTED: "the phone did not start the call",
    Reason.PHONE_BUSY: "the phone was busy with another call",
    Reason.MISSING_CALLLOG_PERMISSION: "the phone does not let USB debugging read its call log",
    Reason.CALLLOG_UNREADABLE: "the call log could not be read",
    Reason.PHONE_UNREACHABLE: "the phone could not be reached to read its call log",
    Reason.NO_CALLLOG_ROW: "no call-log row appeared for the call",
    Reason.INTERNAL_ERROR: "an internal error (see the log)",
}


def reason_text(code: str | None, detail: str | None = None) -> str:
    """A call's outcome reason in words ("" for none); old English text is shown as it is."""
    reason = Reason.parse(code)
    if reason is None:
        return code or ""
    text = _REASONS.get(reason, reason.value)
    if reason is Reason.INVALID_NUMBER and detail:
        try:
            return f"not dialled: {number_problem(NumberProblem(detail))}"
        except ValueError:
            pass
    return f"{text} ({detail})" if detail else text


_NUMBER_PROBLEMS: Final[dict[NumberProblem, str]] = {
    NumberProblem.NOT_TEXT: "a phone number must be text",
    NumberProblem.TOO_LONG_TEXT: "too long to be a phone number",
    NumberProblem.EMPTY: "the number is empty",
    NumberProblem.PLUS_NOT_FIRST: "a '+' may only stand at the start",
    NumberProblem.SERVICE_CODE: "codes with '*' or '#' cannot be dialled from here",
    NumberProblem.CONTROL_CHARACTERS: "the number contains control characters",
    NumberProblem.LETTERS: "the number contains letters",
    NumberProblem.BAD_CHARACTER: "the number contains a character that is not allowed",
    NumberProblem.NO_DIGITS: "the number has no digits",
    NumberProblem.INCOMPLETE: "incomplete: add the area code",
    NumberProblem.PLUS7_LENGTH: "a +7 number has exactly 10 digits after +7",
    NumberProblem.COUNTRY_CODE_ZERO: "a country code never starts with 0",
    NumberProblem.INTERNATIONAL_TOO_SHORT: "too short for an international number",
    NumberProblem.INTERNATIONAL_TOO_LONG: "too long: at most 15 digits",
}


def number_problem(problem: NumberProblem) -> str:
    return _NUMBER_PROBLEMS.get(problem, problem.value)

"""The window's words for the engine's typed values: problems, outcome reasons, statuses,
sources, number problems. Every string is translated (context "Words").

The engine says *what*; this module says it to a person, in the operator's language, with the
next step. Tables are built on each call (after the translator is installed), never at import.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication

from softphone.model import (
    ActionSource,
    CallPhase,
    CallStatus,
    Direction,
    HistoryEntry,
    ReportState,
    ResolveMethod,
)
from softphone.numbers import InvalidNumber, NumberProblem, format_display
from softphone.problems import Problem, ProblemKind, Reason

translate = QCoreApplication.translate

__all__ = [
    "call_summary",
    "delivery_text",
    "direction_text",
    "duration_text",
    "method_text",
    "number_problem_text",
    "phase_text",
    "problem_fix",
    "problem_text",
    "reason_text",
    "shown_number",
    "source_text",
    "status_text",
]


def shown_number(number: str) -> str:
    """A number as shown everywhere: `+7 (912) 345-67-89` (raw text when not a number)."""
    try:
        return format_display(number)
    except InvalidNumber:
        return number


def duration_text(seconds: int | float | None) -> str:
    """m:ss, or h:mm:ss from an hour on."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def problem_text(problem: Problem) -> str:
    """What is wrong, in one line."""
    kind = problem.kind
    if kind is ProblemKind.PHONE_SEVERAL:
        count = int(problem.params.get("count") or 2)
        return translate("Words", "%n phones are attached", "", count)
    if kind is ProblemKind.RESULTS_REFUSED:
        count = int(problem.params.get("count") or 1)
        return translate("Words", "The CRM refused %n call result(s)", "", count)
    if kind in (ProblemKind.RATE_LIMITED, ProblemKind.RATE_LIMIT_SHARED):
        until = problem.params.get("until")
        seconds = max(0, round(float(until) - dt.datetime.now().timestamp())) if until else 0
        if kind is ProblemKind.RATE_LIMIT_SHARED:
            return translate(
                "Words", "Other devices on this network share the CRM's limit: next request in %1 s"
            ).replace("%1", str(seconds))
        return translate("Words", "The CRM is limiting requests: next request in %1 s").replace(
            "%1", str(seconds)
        )
    table = {
        ProblemKind.PHONE_NONE: translate("Words", "No phone is connected"),
        ProblemKind.PHONE_CHOSEN_MISSING: translate("Words", "The chosen phone is not connected"),
        ProblemKind.PHONE_UNAUTHORIZED: translate(
            "Words", "The phone has not allowed USB debugging yet"
        ),
        ProblemKind.PHONE_OFFLINE: translate("Words", "The phone is offline"),
        ProblemKind.PHONE_NO_PERMISSIONS: translate(
            "Words", "This computer may not open the phone's USB connection"
        ),
        ProblemKind.PHONE_TIMEOUT: translate("Words", "The phone does not answer"),
        ProblemKind.ADB_ERROR: translate("Words", "The phone connection service (adb) fails"),
        ProblemKind.CALL_LOG_DENIED: translate(
            "Words", "The phone does not let Softphone read its call log"
        ),
        ProblemKind.CALL_LOG_BROKEN: translate("Words", "The phone's call log cannot be read"),
        ProblemKind.INPUT_BLOCKED: translate(
            "Words", "The phone does not let Softphone hang up calls"
        ),
        ProblemKind.NO_DEFAULT_SIM: translate("Words", "No default SIM card for calls"),
        ProblemKind.NO_SIM: translate("Words", "No SIM card is ready for calls"),
        ProblemKind.NOT_SIGNED_IN: translate("Words", "Not signed in to the CRM"),
        ProblemKind.SESSION_ENDED: translate("Words", "The CRM ended the session"),
        ProblemKind.KEYRING_UNAVAILABLE: translate(
            "Words", "The session is not kept after Softphone quits"
        ),
        ProblemKind.SERVER_UNREACHABLE: translate("Words", "The CRM cannot be reached"),
        ProblemKind.COMMAND_NOT_SAVED: translate("Words", "A command from the CRM cannot be saved"),
    }
    return table.get(kind, kind.value)


def problem_fix(problem: Problem) -> str:
    """The next step for the operator ("" when there is nothing to do)."""
    table = {
        ProblemKind.PHONE_NONE: translate(
            "Words",
            "Connect the phone with a USB data cable and turn on USB debugging in the phone's "
            "Developer options.",
        ),
        ProblemKind.PHONE_CHOSEN_MISSING: translate(
            "Words", "Connect that phone, or choose another one in the settings."
        ),
        ProblemKind.PHONE_UNAUTHORIZED: translate(
            "Words",
            "Unlock the phone and tap Allow on the “Allow USB debugging?” prompt (tick "
            "“Always allow from this computer”). No prompt? Unplug the cable and plug it in.",
        ),
        ProblemKind.PHONE_OFFLINE: translate(
            "Words",
            "Unplug the cable and plug it in again. If it stays offline, restart the phone.",
        ),
        ProblemKind.PHONE_NO_PERMISSIONS: translate(
            "Words",
            "Ask IT to add the udev rule for Android phones (package "
            "android-sdk-platform-tools-common) and to add you to the plugdev group.",
        ),
        ProblemKind.PHONE_SEVERAL: translate("Words", "Choose the phone to use."),
        ProblemKind.PHONE_TIMEOUT: translate("Words", "Unlock the phone, then check again."),
        ProblemKind.ADB_ERROR: translate(
            "Words", "Restart Softphone. If it happens again, restart the computer."
        ),
        ProblemKind.CALL_LOG_DENIED: translate(
            "Words",
            "Calls are still placed, but their results reach the CRM as unknown. Updating the "
            "phone's software or using another phone helps.",
        ),
        ProblemKind.CALL_LOG_BROKEN: translate(
            "Words", "Restart the phone. If it persists, send a support report."
        ),
        ProblemKind.INPUT_BLOCKED: translate(
            "Words",
            "On Xiaomi, Redmi and POCO phones turn on Developer options → “USB debugging "
            "(Security settings)”, then reconnect the cable.",
        ),
        ProblemKind.NO_DEFAULT_SIM: translate(
            "Words",
            "On the phone open Settings → SIM cards → Calls and choose one SIM (not “Ask every "
            "time”), or Android will ask which SIM to use and the call never starts.",
        ),
        ProblemKind.NO_SIM: translate("Words", "Insert a SIM card or check the phone's network."),
        ProblemKind.NOT_SIGNED_IN: translate("Words", "Sign in with the CRM's QR code."),
        ProblemKind.SESSION_ENDED: translate("Words", "Sign in again with the CRM's QR code."),
        ProblemKind.KEYRING_UNAVAILABLE: translate(
            "Words", "You will be asked to sign in again after a restart."
        ),
        ProblemKind.SERVER_UNREACHABLE: translate(
            "Words", "Check the network. Softphone keeps trying; results wait and are not lost."
        ),
        ProblemKind.RATE_LIMITED: translate(
            "Words", "Nothing to do: commands arrive again by themselves."
        ),
        ProblemKind.RATE_LIMIT_SHARED: translate(
            "Words", "Nothing to do here. If it lasts, ask IT about the CRM's per-address limit."
        ),
        ProblemKind.RESULTS_REFUSED: translate(
            "Words", "See them in Diagnostics (F1): retry or discard each."
        ),
        ProblemKind.COMMAND_NOT_SAVED: translate(
            "Words", "Check that the disk is not full. Softphone keeps trying."
        ),
    }
    return table.get(problem.kind, "")


def number_problem_text(problem: NumberProblem) -> str:
    table = {
        NumberProblem.NOT_TEXT: translate("Words", "Not a phone number"),
        NumberProblem.TOO_LONG_TEXT: translate("Words", "Too long for a phone number"),
        NumberProblem.EMPTY: translate("Words", "Type a number"),
        NumberProblem.PLUS_NOT_FIRST: translate("Words", "A “+” may only stand first"),
        NumberProblem.SERVICE_CODE: translate(
            "Words", "Codes with “*” or “#” cannot be dialled from here"
        ),
        NumberProblem.CONTROL_CHARACTERS: translate("Words", "The number has invisible characters"),
        NumberProblem.LETTERS: translate("Words", "A number has no letters"),
        NumberProblem.BAD_CHARACTER: translate("Words", "The number has a character not allowed"),
        NumberProblem.NO_DIGITS: translate("Words", "The number has no digits"),
        NumberProblem.INCOMPLETE: translate("Words", "Incomplete: add the area code"),
        NumberProblem.PLUS7_LENGTH: translate("Words", "After +7 come exactly 10 digits"),
        NumberProblem.COUNTRY_CODE_ZERO: translate("Words", "A country code never starts with 0"),
        NumberProblem.INTERNATIONAL_TOO_SHORT: translate(
            "Words", "Too short for an international number"
        ),
        NumberProblem.INTERNATIONAL_TOO_LONG: translate("Words", "Too long: at most 15 digits"),
    }
    return table.get(problem, problem.value)


def reason_text(code: str | None, detail: str | None = None) -> str:
    """Why a call ended as it did ("" for a plain connected call). Old English text as is."""
    reason = Reason.parse(code)
    if reason is None:
        return code or ""
    if reason is Reason.INVALID_NUMBER and detail:
        try:
            return translate("Words", "Not dialled: %1").replace(
                "%1", number_problem_text(NumberProblem(detail))
            )
        except ValueError:
            pass
    if reason is Reason.NOT_DIALLED_IN_TIME and detail:
        return translate("Words", "Not dialled within %1 s").replace("%1", detail)
    if reason is Reason.NO_CALLLOG_ROW and detail:
        return translate("Words", "No call-log entry appeared within %1 s").replace("%1", detail)
    table = {
        Reason.NOT_CONNECTED: translate(
            "Words", "Not connected: the phone's call log cannot tell busy from no answer"
        ),
        Reason.TELECOM_BUSY: translate("Words", "The line was busy (the phone's telecom says)"),
        Reason.TELECOM_REJECTED: translate(
            "Words", "The call was declined (the phone's telecom says)"
        ),
        Reason.TELECOM_NO_ANSWER: translate("Words", "Not answered (the phone's telecom says)"),
        Reason.INCOMING_NOT_ANSWERED: translate("Words", "Incoming call not answered"),
        Reason.VOICEMAIL: translate("Words", "Went to voicemail"),
        Reason.REJECTED_ON_PHONE: translate("Words", "Declined on this phone"),
        Reason.BLOCKED_ON_PHONE: translate("Words", "Blocked on this phone"),
        Reason.ANSWERED_ELSEWHERE: translate("Words", "Answered on another device"),
        Reason.UNKNOWN_LOG_TYPE: translate("Words", "The call log gave an unknown call type"),
        Reason.EMPTY_COMMAND: translate("Words", "Not dialled: the command had no number"),
        Reason.INVALID_NUMBER: translate("Words", "Not dialled: not a phone number"),
        Reason.DISMISSED: translate("Words", "Dismissed by the operator"),
        Reason.NOT_DIALLED_IN_TIME: translate("Words", "Not dialled in time"),
        Reason.DIAL_NOT_STARTED: translate(
            "Words",
            "The phone did not start the call (an emergency-like number, a SIM choice, or a "
            "locked screen)",
        ),
        Reason.PHONE_BUSY: translate("Words", "The phone was busy with another call"),
        Reason.MISSING_CALLLOG_PERMISSION: translate(
            "Words", "Unknown: the phone does not let Softphone read its call log"
        ),
        Reason.CALLLOG_UNREADABLE: translate("Words", "Unknown: the call log could not be read"),
        Reason.PHONE_UNREACHABLE: translate(
            "Words", "Unknown: the phone was not reachable after the call"
        ),
        Reason.NO_CALLLOG_ROW: translate("Words", "Unknown: no call-log entry appeared"),
        Reason.INTERNAL_ERROR: translate("Words", "Unknown: an internal error (see the log)"),
    }
    return table.get(reason, reason.value)


def status_text(status: CallStatus | None, phase: CallPhase | None = None) -> str:
    if status is None:
        return phase_text(phase) if phase is not None else ""
    table = {
        CallStatus.CONNECTED: translate("Words", "Connected"),
        CallStatus.NO_ANSWER: translate("Words", "No answer"),
        CallStatus.BUSY: translate("Words", "Busy"),
        CallStatus.REJECTED: translate("Words", "Declined"),
        CallStatus.MISSED: translate("Words", "Missed"),
        CallStatus.NO_ACTION: translate("Words", "Not dialled"),
        CallStatus.UNKNOWN: translate("Words", "Unknown"),
    }
    return table.get(status, status.value)


def phase_text(phase: CallPhase | None) -> str:
    table = {
        CallPhase.RECEIVED: translate("Words", "Waiting"),
        CallPhase.AWAITING_CONFIRMATION: translate("Words", "Waiting for you"),
        CallPhase.DIALLING: translate("Words", "Dialling"),
        CallPhase.IN_CALL: translate("Words", "On the call"),
        CallPhase.ENDED: translate("Words", "Reading the result"),
        CallPhase.RESOLVED: translate("Words", "Done"),
    }
    return table.get(phase, "") if phase is not None else ""


def source_text(source: ActionSource) -> str:
    table = {
        ActionSource.CRM_UI: translate("Words", "CRM"),
        ActionSource.NOTIFICATION: translate("Words", "Notification"),
        ActionSource.HISTORY: translate("Words", "History"),
        ActionSource.MANUAL: translate("Words", "Manual"),
        ActionSource.UNKNOWN: translate("Words", "Unknown"),
    }
    return table.get(source, source.value)


def direction_text(direction: Direction | None) -> str:
    table = {
        Direction.OUTGOING: translate("Words", "Outgoing"),
        Direction.INCOMING: translate("Words", "Incoming"),
        Direction.MISSED: translate("Words", "Missed"),
        Direction.UNKNOWN: translate("Words", "Unknown"),
    }
    return table.get(direction, "") if direction is not None else ""


def method_text(method: ResolveMethod | None) -> str:
    """How a call's outcome was learned."""
    table = {
        ResolveMethod.OBSERVER: translate("Words", "From the phone's call log after the call"),
        ResolveMethod.RETRY: translate(
            "Words", "From the phone's call log on a later look (after a restart or a late row)"
        ),
        ResolveMethod.UNKNOWN: translate("Words", "Not learned: the outcome is unknown"),
    }
    return table.get(method, "") if method is not None else ""


def delivery_text(entry: HistoryEntry, next_try_in_s: float | None = None) -> str:
    """Where the call's result is on its way to the CRM."""
    state = entry.report_state
    if state is ReportState.SENT:
        return translate("Words", "Sent")
    if state is ReportState.LOCAL_ONLY:
        return translate("Words", "Local only")
    if state is ReportState.DEAD:
        return translate("Words", "Refused: %1").replace("%1", entry.report_error or "")
    if state is ReportState.QUEUED and next_try_in_s is not None and next_try_in_s > 0:
        return translate("Words", "Waiting, next try in %1 s").replace(
            "%1", str(round(next_try_in_s))
        )
    if state is ReportState.QUEUED:
        return translate("Words", "Waiting to be sent")
    return translate("Words", "After the call")


def call_summary(entry: HistoryEntry) -> str:
    """Outcome with duration: "Connected 1:20", "No answer"."""
    text = status_text(entry.status, entry.phase)
    if entry.status is CallStatus.CONNECTED and entry.duration_s:
        text += f" {duration_text(entry.duration_s)}"
    return text

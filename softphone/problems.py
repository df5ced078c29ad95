"""What can be wrong at a desk, and why a call ended as it did: typed values, never sentences.

The engine and everything below it say *what* is wrong as a `Problem` — a kind plus the
parameters a sentence needs (a count, a time) and, where there is one, the outside world's own
words (`detail`: the phone's error line, the server's `detail`). Call outcomes carry a `Reason`
code the same way (these codes are also what the CRM receives in `reason_if_unknown` /
`resolve_reason`, as the seed's `missing_calllog_permission` example shows).

The command line words them in English (`softphone.console`), the window in the operator's
language (`softphone.ui`). Nothing below those two builds a sentence for a person.

Pure vocabulary: no I/O, no asyncio, no Qt.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

__all__ = ["Area", "Problem", "ProblemKind", "Reason"]


class Area(enum.StrEnum):
    """Which part of the desk a problem belongs to (the status strip groups by it)."""

    PHONE = "phone"
    SESSION = "session"
    SERVER = "server"
    FLOW = "flow"


class ProblemKind(enum.StrEnum):
    """Everything the desk can tell the operator is wrong. Values are stable (tests, JSON)."""

    # -- the phone ---------------------------------------------------------------------------
    PHONE_NONE = "phone_none"  # nothing attached
    PHONE_CHOSEN_MISSING = "phone_chosen_missing"  # the chosen serial is not attached
    PHONE_UNAUTHORIZED = "phone_unauthorized"  # the "Allow USB debugging?" prompt waits
    PHONE_OFFLINE = "phone_offline"
    PHONE_NO_PERMISSIONS = "phone_no_permissions"  # Linux udev: this user may not open USB
    PHONE_SEVERAL = "phone_several"  # several attached, none chosen (params: count)
    PHONE_TIMEOUT = "phone_timeout"  # it did not answer in time
    ADB_ERROR = "adb_error"  # the adb server is missing or refused (detail: its words)
    CALL_LOG_DENIED = "call_log_denied"  # the provider refuses the shell user (detail)
    CALL_LOG_BROKEN = "call_log_broken"  # the query failed otherwise (detail)
    INPUT_BLOCKED = "input_blocked"  # key presses refused: the Xiaomi security setting
    NO_DEFAULT_SIM = "no_default_sim"  # several SIMs, no default for calls (params: sims)
    NO_SIM = "no_sim"  # no SIM ready for calls
    # -- the session -------------------------------------------------------------------------
    NOT_SIGNED_IN = "not_signed_in"
    SESSION_ENDED = "session_ended"  # the server refused the refresh token (detail: its words)
    KEYRING_UNAVAILABLE = "keyring_unavailable"  # the session is kept only while running
    # -- the CRM server ----------------------------------------------------------------------
    SERVER_UNREACHABLE = "server_unreachable"  # network error, timeout or 5xx (detail)
    RATE_LIMITED = "rate_limited"  # requests held back (params: until = wall time)
    #: 429s this desk's own count cannot explain: others behind the same address share it.
    RATE_LIMIT_SHARED = "rate_limit_shared"
    RESULTS_REFUSED = "results_refused"  # dead letters wait for the operator (params: count)
    # -- the call flow -----------------------------------------------------------------------
    COMMAND_NOT_SAVED = "command_not_saved"  # a received command could not be stored (detail)

    @property
    def area(self) -> Area:
        return _AREAS.get(self, Area.PHONE)


_AREAS: dict[ProblemKind, Area] = {
    ProblemKind.NOT_SIGNED_IN: Area.SESSION,
    ProblemKind.SESSION_ENDED: Area.SESSION,
    ProblemKind.KEYRING_UNAVAILABLE: Area.SESSION,
    ProblemKind.SERVER_UNREACHABLE: Area.SERVER,
    ProblemKind.RATE_LIMITED: Area.SERVER,
    ProblemKind.RATE_LIMIT_SHARED: Area.SERVER,
    ProblemKind.RESULTS_REFUSED: Area.SERVER,
    ProblemKind.COMMAND_NOT_SAVED: Area.FLOW,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong: its kind, the numbers its sentence needs, the outside world's words.

    `detail` is text from outside (a phone's error line, a server's `detail`), already masked;
    a UI may show it verbatim under its own sentence, never instead of it.
    """

    kind: ProblemKind
    detail: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def area(self) -> Area:
        return self.kind.area

    @classmethod
    def from_json(cls, data: object) -> Problem | None:
        """The problem `to_json` wrote, or None for anything else (an unknown kind included)."""
        if not isinstance(data, dict):
            return None
        try:
            kind = ProblemKind(str(data.get("kind")))
        except ValueError:
            return None
        detail = data.get("detail")
        params = data.get("params")
        return cls(
            kind,
            detail if isinstance(detail, str) else None,
            dict(params) if isinstance(params, dict) else {},
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        if self.detail:
            data["detail"] = self.detail
        if self.params:
            data["params"] = dict(self.params)
        return data


class Reason(enum.StrEnum):
    """Why a call's outcome is what it is. The value is the wire code the CRM is sent."""

    # From the call log
    NOT_CONNECTED = "not_connected"  # duration 0: busy, rejected, unanswered look alike
    TELECOM_BUSY = "telecom_busy"  # telecom's DisconnectCause said BUSY
    TELECOM_REJECTED = "telecom_rejected"  # … REJECTED
    TELECOM_NO_ANSWER = "telecom_no_answer"  # … a cause that means nobody answered
    INCOMING_NOT_ANSWERED = "incoming_not_answered"
    VOICEMAIL = "voicemail"
    REJECTED_ON_PHONE = "rejected_on_phone"
    BLOCKED_ON_PHONE = "blocked_on_phone"
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    UNKNOWN_LOG_TYPE = "unknown_calllog_type"
    # Never dialled
    EMPTY_COMMAND = "empty_command"
    INVALID_NUMBER = "invalid_number"  # detail: numbers.NumberProblem code
    DISMISSED = "dismissed_by_operator"
    NOT_DIALLED_IN_TIME = "not_dialled_in_time"  # params: seconds
    DIAL_NOT_STARTED = "dial_not_started"  # detail: what the phone said, if anything
    PHONE_BUSY = "phone_busy"  # the phone was in (or ringing with) another call
    # Dialled, outcome unknown
    MISSING_CALLLOG_PERMISSION = "missing_calllog_permission"  # the seed's own code
    CALLLOG_UNREADABLE = "calllog_unreadable"
    PHONE_UNREACHABLE = "phone_unreachable"
    NO_CALLLOG_ROW = "no_calllog_row"  # params: seconds waited
    INTERNAL_ERROR = "internal_error"

    @classmethod
    def parse(cls, value: str | None) -> Reason | None:
        """The code in `value`, or None (old history rows kept English text here)."""
        if value is None:
            return None
        try:
            return cls(value)
        except ValueError:
            return None

"""Matching the phone's call-log rows to the calls we placed, and saying what a row can tell.

Pure functions, no I/O. The rules come from how Android's Telecom writes the call log
(`spec/phone-adb.md`, "What the call log can and cannot say"):

- one row per call, written at disconnect, sometimes a second or more after the phone went idle;
- `date` is the call's creation time in the *phone's* clock; `duration` is seconds active, 0 if
  the call never connected;
- every outgoing call is type 2, whatever happened: the log tells connected from not connected,
  never busy from rejected from unanswered.

So a match needs the same number (digits compared after normalising both sides: in full, then
the national 10 digits) and a creation time inside a window that follows what really happened:
from just before the dial to the end of the call (both in the phone's clock), with slack for the
clock-offset error. A row already claimed by another call is never claimed again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable
from typing import Final

from softphone.model import (
    CallLogRow,
    CallLogType,
    CallOutcome,
    CallStatus,
    Direction,
    ResolveMethod,
    from_epoch,
)
from softphone.numbers import digits_of
from softphone.problems import Reason

__all__ = [
    "Match",
    "Window",
    "find_match",
    "number_score",
    "outcome_from_row",
    "outcome_unknown",
    "outcome_with_cause",
]

#: How far the phone's clock reading may be off (offset measured once, plus adb latency).
DEFAULT_SLACK_MS: Final = 3_000
FULL_MATCH: Final = 1.0
NATIONAL_MATCH: Final = 0.9
NATIONAL_DIGITS: Final = 10


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    """Where, in the phone's clock (epoch ms), the row of one call may have its `date`."""

    start_ms: int
    end_ms: int

    @classmethod
    def for_call(
        cls,
        dial_ms: int,
        ended_ms: int | None,
        *,
        now_ms: int,
        slack_ms: int = DEFAULT_SLACK_MS,
    ) -> Window:
        """From just before the dial to the end of the call (or now, if the end is unknown).

        The row's `date` is the creation time, so it lies between the dial and the end; the
        slack covers the error of the clock offset between this computer and the phone.
        """
        end = ended_ms if ended_ms is not None else now_ms
        return cls(dial_ms - slack_ms, max(end, dial_ms) + slack_ms)

    def __contains__(self, date_ms: object) -> bool:
        return isinstance(date_ms, int) and self.start_ms <= date_ms <= self.end_ms


@dataclasses.dataclass(frozen=True, slots=True)
class Match:
    row: CallLogRow
    confidence: float


def number_score(row_number: str | None, number: str) -> float:
    """1.0 for the same digits, 0.9 for the same national 10 digits, else 0."""
    return _digits_score(digits_of(row_number), digits_of(number))


def _digits_score(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return FULL_MATCH
    if len(a) >= NATIONAL_DIGITS and len(b) >= NATIONAL_DIGITS and a[-10:] == b[-10:]:
        return NATIONAL_MATCH
    return 0.0


def find_match(
    rows: Iterable[CallLogRow],
    *,
    number: str,
    window: Window,
    claimed: Collection[int] = (),
    dial_ms: int | None = None,
    types: Collection[CallLogType] = (CallLogType.OUTGOING,),
) -> Match | None:
    """The best unclaimed row for this call, or None.

    Best = highest number score, then the creation time closest to the dial. Confidence is
    the number score, lowered when the row sits at the edge of the window rather than near the
    dial (a sign that the clock offset, not the call, put it there).
    """
    best: tuple[float, int, CallLogRow] | None = None
    anchor = dial_ms if dial_ms is not None else window.start_ms
    wanted = digits_of(number)
    for row in rows:
        if row.id in claimed or row.type not in types or row.date_ms not in window:
            continue
        score = _digits_score(digits_of(row.number), wanted)
        if score == 0.0:
            continue
        distance = abs(row.date_ms - anchor)
        if best is None or (score, -distance) > (best[0], -best[1]):
            best = (score, distance, row)
    if best is None:
        return None
    score, distance, row = best
    near_dial = distance <= DEFAULT_SLACK_MS or dial_ms is None
    return Match(row, round(score * (1.0 if near_dial else 0.8), 3))


def outcome_from_row(
    match: Match,
    *,
    clock_offset_ms: int,
    ended_at: dt.datetime | None = None,
    resolve_method: ResolveMethod = ResolveMethod.OBSERVER,
) -> CallOutcome:
    """What the row says, and only what it can say.

    Times are converted from the phone's clock with `clock_offset_ms` (phone − local). The
    start is when the call was placed — the row's `date`, exactly what the CRM's own Android
    app sends as `call_started_at` — not when it was answered; the end is the observed moment
    the phone went idle, else the start plus the duration.
    """
    row = match.row
    created = from_epoch((row.date_ms - clock_offset_ms) / 1000)
    duration = max(0, row.duration_s)
    reason: Reason | None = None
    if row.type is CallLogType.OUTGOING:
        direction = Direction.OUTGOING
        if duration > 0:
            status = CallStatus.CONNECTED
        else:
            status, reason = CallStatus.NO_ANSWER, Reason.NOT_CONNECTED
    else:
        status, direction, reason = _OTHER_TYPES.get(
            row.type, (CallStatus.UNKNOWN, Direction.UNKNOWN, Reason.UNKNOWN_LOG_TYPE)
        )
        if row.type is CallLogType.INCOMING and duration == 0:
            status, reason = CallStatus.MISSED, Reason.INCOMING_NOT_ANSWERED
    end = ended_at if ended_at is not None else created + dt.timedelta(seconds=duration)
    return CallOutcome(
        status,
        direction,
        created,
        max(end, created),
        duration,
        resolve_method=resolve_method,
        reason=reason,
        call_log_id=row.id,
        subscription_id=row.subscription_id,
        confidence=match.confidence,
    )


_OTHER_TYPES: Final[dict[CallLogType, tuple[CallStatus, Direction, Reason | None]]] = {
    CallLogType.INCOMING: (CallStatus.CONNECTED, Direction.INCOMING, None),
    CallLogType.MISSED: (CallStatus.MISSED, Direction.MISSED, None),
    CallLogType.VOICEMAIL: (CallStatus.MISSED, Direction.MISSED, Reason.VOICEMAIL),
    CallLogType.REJECTED: (CallStatus.REJECTED, Direction.INCOMING, Reason.REJECTED_ON_PHONE),
    CallLogType.BLOCKED: (CallStatus.REJECTED, Direction.INCOMING, Reason.BLOCKED_ON_PHONE),
    CallLogType.ANSWERED_EXTERNALLY: (
        CallStatus.UNKNOWN,
        Direction.INCOMING,
        Reason.ANSWERED_ELSEWHERE,
    ),
}

#: Telecom's DisconnectCause codes that say, for a call we placed that never connected, who
#: ended it. Only these two are claimed (phone-adb.md: what other codes mean is
#: carrier-dependent); every other code keeps the call log's "not connected".
_CAUSE_STATUS: Final[dict[str, tuple[CallStatus, Reason]]] = {
    "BUSY": (CallStatus.BUSY, Reason.TELECOM_BUSY),
    "REJECTED": (CallStatus.REJECTED, Reason.TELECOM_REJECTED),
}


def outcome_with_cause(outcome: CallOutcome, code: str | None, raw: str | None) -> CallOutcome:
    """The call log's outcome, told apart by telecom's disconnect cause where it can be.

    A connected call stays connected whatever the cause (the log's duration is the proof). A
    never-connected outgoing call becomes `busy` or `rejected` only where the code says so;
    any other code leaves it `no_answer`, now said by telecom. The raw cause is kept either way.
    """
    if raw is None:
        return outcome
    if outcome.status is CallStatus.NO_ANSWER and outcome.direction is Direction.OUTGOING:
        status, reason = _CAUSE_STATUS.get(
            (code or "").upper(), (CallStatus.NO_ANSWER, Reason.TELECOM_NO_ANSWER)
        )
        return dataclasses.replace(outcome, status=status, reason=reason, disconnect_cause=raw)
    return dataclasses.replace(outcome, disconnect_cause=raw)


def outcome_unknown(
    reason: Reason,
    *,
    detail: str | None = None,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    resolve_method: ResolveMethod = ResolveMethod.UNKNOWN,
    status: CallStatus = CallStatus.UNKNOWN,
) -> CallOutcome:
    """An outcome the call log could not give (no row, log unreadable, never dialled…)."""
    return CallOutcome(
        status,
        Direction.OUTGOING,
        started_at,
        ended_at,
        0,
        resolve_method=resolve_method,
        reason=reason,
        reason_detail=detail,
    )

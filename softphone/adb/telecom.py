"""Why a call ended, from telecom's own analytics in `dumpsys telecom` (pure; no I/O).

The call log cannot tell busy from rejected from unanswered for a call we placed (always type 2,
duration 0). Telecom can: its `Analytics` keeps one block per recent call, and plain
`dumpsys telecom` prints them (`dumpsys telecom analytics` prints a base64 protobuf instead).
`parse_telecom_calls` reads those blocks; `disconnect_outcome` picks the one that is our call
by its start time, never by its position.

The formats, from AOSP packages/services/Telecomm `Analytics.java` (`CallInfoImpl.toString`,
printed by `Analytics.dump` as `Call <id>: ` + the block, under `Analytics:` in
`TelecomServiceImpl.dump`, through an IndentingPrintWriter that indents every line by two
spaces) and frameworks/base `telecomm/java/android/telecom/DisconnectCause.java` (`toString`):

- Android 7.0: startTime, endTime, direction, isAdditionalCall, isInterrupted,
  callTechnologies, callTerminationReason, connectionService.
- Android 8.x–10 (read in Android 8.1's Analytics.java): adds isVideoCall, inCallServices
  (a multi-line `[` … `]` list, one `name: … type: …` line per service) and callProperties.
- Android 11 (LineageOS 18.1's Analytics.java): adds isEmergency after isInterrupted, and
  callSource at the end.
- Android 12–14 (GrapheneOS' Analytics.java): adds missedReason after callTerminationReason;
  later releases add `is crashed: … service last time in ms: …` to each inCallServices line.
- DisconnectCause up to Android 11:
  `DisconnectCause [ Code: (BUSY) Label: () Description: () Reason: (BUSY) Tone: (17) ]`;
  from Android 12: `… Tone: (17)  TelephonyCause: 4/-1 ImsReasonInfo: null]`.
  A call still in progress prints `NOT SET`; an OEM code is `invalid code: <n>`.

Field order and the set of fields vary between versions and OEMs, so fields are read by name;
lines that are not `key: value` (the inCallServices list, session timings) are skipped. Times
are the phone's wall clock in ms; 0 means "not set yet".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Final, Literal

from softphone.masking import mask

__all__ = [
    "Direction",
    "TelecomCall",
    "disconnect_outcome",
    "parse_telecom_calls",
]

Direction = Literal["OUTGOING", "INCOMING", "UNKNOWN"]
_DIRECTIONS: Final[dict[str, Direction]] = {
    "OUTGOING": "OUTGOING",
    "INCOMING": "INCOMING",
    "UNKNOWN": "UNKNOWN",
}

#: `Call TC@12: {` — the id is telecom's (`TC@<n>`, `TC@<n>_<m>` for IMS conference parts).
_BLOCK_START: Final = re.compile(r"^\s*Call\s+(\S{1,64}):\s*\{\s*$")
_BLOCK_END: Final = re.compile(r"^\s*\}\s*$")
_FIELD: Final = re.compile(r"^\s*([A-Za-z]{1,40}):\s?(.*)$")
_EPOCH_MS: Final = re.compile(r"\d{1,19}")
_CODE: Final = re.compile(r"Code:\s*\(([^()]*)\)")
_REASON_BEFORE_TONE: Final = re.compile(r"Reason:\s*\((.*?)\)\s*Tone:")
_REASON: Final = re.compile(r"Reason:\s*\(([^()]*)\)")
_NOT_SET: Final = "NOT SET"
#: A cause is one line of a few hundred characters; a longer one is cut before any regex runs.
_MAX_CAUSE_CHARS: Final = 2000
_MAX_FIELD_CHARS: Final = 500


@dataclasses.dataclass(frozen=True, slots=True)
class TelecomCall:
    """One call in telecom's analytics.

    `code` is DisconnectCause's code (`BUSY`, `REJECTED`, `REMOTE`, `LOCAL`, `MISSED`, `ERROR`…;
    None while the call is live, `NOT SET`); `reason` is its finer, carrier-dependent `Reason:`
    part (None when empty); `raw` the whole `callTerminationReason` text, masked (empty if the
    block had none). Times are the phone's clock in ms, None when not set.
    """

    start_ms: int | None
    end_ms: int | None
    direction: Direction
    code: str | None
    reason: str | None
    raw: str
    call_id: str | None = None


def _lines(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    return text.replace("\x00", "").splitlines()


def _epoch_ms(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if not _EPOCH_MS.fullmatch(value):
        return None
    number = int(value)
    return number if number > 0 else None


def _cause(text: str) -> tuple[str | None, str | None]:
    """Code and Reason from `DisconnectCause.toString()`; (None, None) for `NOT SET`."""
    text = text[:_MAX_CAUSE_CHARS]
    if text.strip() == _NOT_SET:
        return None, None
    code_match = _CODE.search(text)
    reason_match = _REASON_BEFORE_TONE.search(text) or _REASON.search(text)
    code = code_match.group(1).strip() if code_match else ""
    reason = reason_match.group(1).strip() if reason_match else ""
    return (mask(code) or None), (mask(reason) or None)


def _call(call_id: str | None, fields: dict[str, str]) -> TelecomCall:
    raw = fields.get("callTerminationReason", "")
    code, reason = _cause(raw)
    return TelecomCall(
        start_ms=_epoch_ms(fields.get("startTime")),
        end_ms=_epoch_ms(fields.get("endTime")),
        direction=_DIRECTIONS.get(fields.get("direction", "").strip(), "UNKNOWN"),
        code=code,
        reason=reason,
        raw=mask(raw.strip()[:_MAX_CAUSE_CHARS]),
        call_id=call_id,
    )


def _blocks(lines: Iterable[str]) -> Iterable[tuple[str, dict[str, str]]]:
    """(call id, fields) for each `Call <id>: {` block; a block cut short ends where the next
    one starts or the text ends."""
    call_id: str | None = None
    fields: dict[str, str] = {}
    for line in lines:
        start = _BLOCK_START.match(line)
        if start is not None:
            if call_id is not None:
                yield call_id, fields
            call_id, fields = start.group(1), {}
            continue
        if call_id is None:
            continue
        if _BLOCK_END.match(line):
            yield call_id, fields
            call_id, fields = None, {}
            continue
        field = _FIELD.match(line[: _MAX_CAUSE_CHARS + 100])
        if field is not None:
            cause = field.group(1) == "callTerminationReason"
            limit = _MAX_CAUSE_CHARS if cause else _MAX_FIELD_CHARS
            fields.setdefault(field.group(1), field.group(2)[:limit])
    if call_id is not None:
        yield call_id, fields


_KNOWN_FIELDS: Final = frozenset({"startTime", "endTime", "direction", "callTerminationReason"})


def parse_telecom_calls(text: object) -> list[TelecomCall]:
    """Every analytics block in `dumpsys telecom` output, in the order printed.

    Never raises: garbage, CRLF, NUL bytes and truncated blocks give what could be read; a
    block without any of startTime, endTime, direction and callTerminationReason is skipped.
    """
    return [
        _call(call_id, fields)
        for call_id, fields in _blocks(_lines(text))
        if _KNOWN_FIELDS.intersection(fields)
    ]


def disconnect_outcome(
    calls: Iterable[TelecomCall], *, dial_ms: int, end_ms: int | None, slack_ms: int = 3000
) -> TelecomCall | None:
    """Our call among telecom's: the OUTGOING block nearest our call, never by position.

    All times are the phone's clock. Telecom sets `startTime` only when a call goes active, so
    a call that never connected (busy, declined, unanswered — exactly the ones this is for)
    prints `startTime: 0`: such a block is placed by its `endTime` against `end_ms` (when the
    phone went idle). A connected one is placed by its start against `dial_ms`, and must not
    have ended later than `end_ms` + `slack_ms`. Among several, the nearest wins; two that
    tie but disagree on the cause give None (which one was ours is unknowable).
    """
    candidates: list[tuple[int, int, TelecomCall]] = []
    for call in calls:
        if call.direction != "OUTGOING":
            continue
        started = call.start_ms is not None and call.start_ms > 0
        if started:
            assert call.start_ms is not None
            distance = abs(call.start_ms - dial_ms)
            if end_ms is not None and call.end_ms and call.end_ms > end_ms + slack_ms:
                continue
        elif end_ms is not None and call.end_ms:
            distance = abs(call.end_ms - end_ms)
        else:
            continue
        if distance <= slack_ms:
            ends = abs(call.end_ms - end_ms) if end_ms is not None and call.end_ms else 0
            candidates.append((distance, ends, call))
    if not candidates:
        return None
    candidates.sort(key=lambda item: item[:2])
    best = candidates[0]
    for other in candidates[1:]:
        if other[:2] != best[:2]:
            break
        if (other[2].code, other[2].reason) != (best[2].code, best[2].reason):
            return None
    return best[2]

"""The vocabulary of Softphone, said once.

Enums carry the CRM's wire strings as their values, so a status is never spelled twice.
Records that cross a boundary (a command from the server, a call-log row from the phone, a
result for the server) are pydantic models; records that live inside the process are frozen
dataclasses. Nothing here does I/O, knows about asyncio, or imports Qt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from typing import Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from softphone.problems import Reason

UTC: Final = dt.UTC


class CallStatus(enum.StrEnum):
    """How a call ended, as the CRM spells it (`call_status`)."""

    CONNECTED = "connected"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    REJECTED = "rejected"
    MISSED = "missed"
    NO_ACTION = "no_action"
    UNKNOWN = "unknown"


class Direction(enum.StrEnum):
    """`direction` of a call result."""

    OUTGOING = "outgoing"
    INCOMING = "incoming"
    MISSED = "missed"
    UNKNOWN = "unknown"


class ResolveMethod(enum.StrEnum):
    """`resolve_method`: how the result was learned."""

    OBSERVER = "observer"  # read from the phone's call log after the call
    RETRY = "retry"  # learned on a later look (after a restart, or a late call-log row)
    UNKNOWN = "unknown"


class ActionSource(enum.StrEnum):
    """`action_source`: what made the call happen."""

    CRM_UI = "crm_ui"  # a command from the CRM, dialled automatically
    NOTIFICATION = "notification"  # a CRM command the operator confirmed (auto-dial off)
    HISTORY = "history"  # a call back from the history list
    MANUAL = "manual"  # typed into the dialer
    UNKNOWN = "unknown"


class CallLogType(enum.IntEnum):
    """`CallLog.Calls.TYPE` on Android. Outgoing calls are always OUTGOING, whatever happened."""

    INCOMING = 1
    OUTGOING = 2
    MISSED = 3
    VOICEMAIL = 4
    REJECTED = 5  # rejected by the user of this phone
    BLOCKED = 6
    ANSWERED_EXTERNALLY = 7
    UNKNOWN = 0  # anything else an OEM invents


class CallPhase(enum.StrEnum):
    """Where one call is in its life. Stored; every change is committed before acting on it."""

    RECEIVED = "received"  # committed the moment the command arrived, before anything else
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # auto-dial off: the operator must confirm
    DIALLING = "dialling"  # committed before `am start` is sent; never dialled twice after this
    IN_CALL = "in_call"  # the phone is off-hook for this call
    ENDED = "ended"  # the phone went idle; reading the call log
    RESOLVED = "resolved"  # outcome known (or known to be unknown); history final

    @property
    def is_open(self) -> bool:
        return self is not CallPhase.RESOLVED

    @property
    def dial_may_have_happened(self) -> bool:
        """True once `am start` may have been sent: from here on the call is never placed again."""
        return self in (CallPhase.DIALLING, CallPhase.IN_CALL, CallPhase.ENDED, CallPhase.RESOLVED)


class ReportState(enum.StrEnum):
    """Where a call's result is on its way to the CRM."""

    LOCAL_ONLY = "local_only"  # nothing to report (manual call, or no request id)
    PENDING = "pending"  # not resolved yet
    QUEUED = "queued"  # in the outbox
    SENT = "sent"  # the server accepted it
    DEAD = "dead"  # the server refused it for good; the reason is kept


#: Statuses the production server accepts; anything else degrades to UNKNOWN on the wire.
PRODUCTION_STATUSES: Final = frozenset(CallStatus) - {CallStatus.NO_ACTION}
#: Action sources the production server stores (it silently drops the others).
PRODUCTION_SOURCES: Final = frozenset(ActionSource) - {ActionSource.MANUAL}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def to_wire_time(moment: dt.datetime) -> str:
    """ISO-8601 in UTC with a `Z`, to the second, as the CRM expects."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must carry a timezone")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def from_epoch(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


class CallCommand(BaseModel):
    """A "call this number" command as the server handed it out (`/api/phone/calls/pull/`).

    `id` is opaque (production sends a dashed UUID, the seed a short number). `phone` is
    untrusted text: only `numbers.normalize` may turn it into something dialable. Fields the
    server adds are kept (`model_extra`) for display.
    """

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=128)
    phone: str = Field(default="", max_length=256)
    note: str | None = None
    company_id: str | None = None
    contact_id: str | None = None
    created_at: str | None = None

    @field_validator("id", "company_id", "contact_id", mode="before")
    @classmethod
    def _text_id(cls, value: object) -> object:
        # The seed server may send numbers; ids are compared as text everywhere.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("id")
    @classmethod
    def _printable_id(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("command id contains control characters")
        return value

    @field_validator("phone", mode="before")
    @classmethod
    def _phone_text(cls, value: object) -> object:
        if value is None:
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @property
    def is_empty(self) -> bool:
        """A command without a phone: the seed says it is empty (nothing to dial)."""
        return not self.phone

    def created_at_time(self) -> dt.datetime | None:
        """The server's `created_at`, if it is a readable timestamp (for delivery latency)."""
        if not self.created_at:
            return None
        try:
            moment = dt.datetime.fromisoformat(self.created_at.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def extras(self) -> dict[str, Any]:
        """Everything the server sent besides `id` and `phone`, for display and history."""
        known = {
            "note": self.note,
            "company_id": self.company_id,
            "contact_id": self.contact_id,
            "created_at": self.created_at,
        }
        data = {k: v for k, v in known.items() if v is not None}
        data.update(self.model_extra or {})
        return data

    @classmethod
    def salvage(cls, data: object) -> CallCommand | None:
        """What can be kept of a command the strict model refused, or None without a usable id.

        The server hands each command out once: dropping a garbled one loses it for good, while
        keeping its id lets the desk answer it (an undialable number is resolved `no_action`
        with the reason, and the CRM hears of it). Fields of the wrong type are left out; an
        over-long phone is cut (it can never be dialled, `numbers.normalize` says why).
        """
        if not isinstance(data, dict):
            return None
        kept: dict[str, object] = {}
        for name, limit in (("id", 128), ("phone", 256), ("note", 2000)):
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                continue
            text = str(value)
            if name != "id" or len(text.strip()) <= limit:
                kept[name] = text[:limit]
        for name in ("company_id", "contact_id", "created_at"):
            value = data.get(name)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                kept[name] = str(value)[:128]
        kept["dropped"] = sorted(str(k)[:40] for k in data if k not in kept)[:20]
        try:
            return cls.model_validate(kept)
        except ValueError:
            return None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CallLogRow:
    """One row of the phone's `content://call_log/calls`, as parsed from `content query`.

    A plain record, not a pydantic model: `adb.parse` checks every value as it reads it, and a
    busy phone's log can hold tens of thousands of rows (validating each again tripled the
    cost of reading them). An unknown `type` becomes `UNKNOWN`.
    """

    id: int
    number: str | None = None
    date_ms: int  # creation time of the call, in the phone's clock
    duration_s: int = 0  # seconds active; 0 if the call never connected
    type: CallLogType = CallLogType.UNKNOWN
    subscription_id: str | None = None

    def __post_init__(self) -> None:
        given: object = self.type  # callers may pass Android's number (or its text)
        if not isinstance(given, CallLogType):
            object.__setattr__(self, "type", _call_log_type(given))


def _call_log_type(value: object) -> CallLogType:
    try:
        return CallLogType(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return CallLogType.UNKNOWN


@dataclasses.dataclass(frozen=True, slots=True)
class CallOutcome:
    """What is known about how a call went, and how sure we are."""

    status: CallStatus
    direction: Direction = Direction.OUTGOING
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    duration_s: int = 0
    resolve_method: ResolveMethod = ResolveMethod.OBSERVER
    #: Why this status (always set for anything but a plain connected call).
    reason: Reason | None = None
    #: The outside world's words behind the reason (the phone's error line), masked.
    reason_detail: str | None = None
    #: Telecom's DisconnectCause for the call, as the phone printed it, when it gave one.
    disconnect_cause: str | None = None
    call_log_id: int | None = None
    subscription_id: str | None = None
    #: 0..1: how sure the call-log match is (1.0 = exact number, inside the dial window).
    confidence: float = 0.0


class CallReport(BaseModel):
    """A call result for `/api/phone/calls/update/`, in the seed's extended form.

    `wire(legacy=...)` gives the JSON body; null fields are omitted as the contract says.
    """

    model_config = ConfigDict(frozen=True)

    call_request_id: str
    call_status: CallStatus
    call_started_at: dt.datetime | None = None
    call_duration_seconds: int | None = Field(default=None, ge=0)
    call_ended_at: dt.datetime | None = None
    direction: Direction | None = None
    resolve_method: ResolveMethod | None = None
    resolve_reason: str | None = None
    reason_if_unknown: str | None = None
    attempts_count: int | None = Field(default=None, ge=0)
    action_source: ActionSource | None = None

    LEGACY_FIELDS: ClassVar[tuple[str, ...]] = (
        "call_request_id",
        "call_status",
        "call_started_at",
        "call_duration_seconds",
    )

    @property
    def is_extended(self) -> bool:
        return any(
            getattr(self, name) is not None
            for name in type(self).model_fields
            if name not in self.LEGACY_FIELDS
        )

    def wire(self, *, legacy: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name in type(self).model_fields:
            if legacy and name not in self.LEGACY_FIELDS:
                continue
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                value = to_wire_time(value)
            elif isinstance(value, enum.Enum):
                value = value.value
            body[name] = value
        return body


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One call in the history: where it came from, where it is, how it ended.

    A CRM command gets its entry the moment it is received (so nothing received is ever
    invisible); the entry is updated as the call goes on and is final once RESOLVED.
    """

    id: int
    source: ActionSource
    phase: CallPhase
    phone: str  # normalised when it could be; otherwise the raw text, for display only
    created_at: dt.datetime
    #: The CRM command this entry was created from (crm_ui / notification), else None.
    command_id: str | None = None
    #: The request id its result is reported under (a call back may reuse its parent's).
    report_id: str | None = None
    #: The entry a call back was made from.
    parent_id: int | None = None
    dialled_at: dt.datetime | None = None
    status: CallStatus | None = None
    direction: Direction | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    duration_s: int | None = None
    resolve_method: ResolveMethod | None = None
    #: A `problems.Reason` code (old histories may hold English text here: show it as is).
    reason: str | None = None
    reason_detail: str | None = None
    disconnect_cause: str | None = None
    report_state: ReportState = ReportState.LOCAL_ONLY
    #: The status the server was sent when it differs from `status` (e.g. no_action → unknown).
    wire_status: CallStatus | None = None
    report_error: str | None = None
    note: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: The phone's call-log row this call was matched to (each row is claimed once).
    call_log_id: int | None = None
    #: Phone-clock time (ms) just before `am start` was sent: the start of the match window.
    dial_phone_ms: int | None = None
    attempts: int = 0
    serial: str | None = None

"""What the CRM conversation tells the rest of the app: events as they happen, and a snapshot.

Events are small frozen dataclasses, one per kind of change, delivered synchronously to the
`on_event` callback on the event-loop thread (the UI bridge turns them into signals).
`SyncStatus` is the whole picture at one moment, for the status bar, diagnostics and the CLI.
Nothing here holds a secret: the device id is in its masked form, errors are masked text.
"""

from __future__ import annotations

import dataclasses
import enum

from softphone.model import CallCommand
from softphone.problems import Problem

__all__ = [
    "CommandReceived",
    "CommandStalled",
    "OutboxChanged",
    "PacingCause",
    "PacingChanged",
    "PollStatusChanged",
    "ServerMode",
    "SessionChanged",
    "SyncEvent",
    "SyncStatus",
]


class ServerMode(enum.StrEnum):
    """How the server answers an empty pull: held (long-poll) or at once (instant)."""

    UNKNOWN = "unknown"
    LONG_POLL = "long_poll"
    INSTANT = "instant"


class PacingCause(enum.StrEnum):
    """Why requests to the CRM are held back."""

    RETRY_AFTER = "retry_after"  # the server said how long to wait (a per-user throttle)
    IP_LIMIT = "ip_limit"  # the per-IP wall: 429 without Retry-After, probing rarely
    BUDGET = "budget"  # our own planner: one more request now would hit the per-IP wall


@dataclasses.dataclass(frozen=True, slots=True)
class SessionChanged:
    """Signed in or out. `problem` says why a session ended, when the operator did not end it
    (SESSION_ENDED with the server's words as its detail)."""

    signed_in: bool
    username: str
    problem: Problem | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class CommandReceived:
    """A command arrived and the `on_command` callback has persisted it."""

    command: CallCommand


@dataclasses.dataclass(frozen=True, slots=True)
class PollStatusChanged:
    """The pull loop's mode or its last answer changed (not sent for every repeat 204)."""

    mode: ServerMode
    last_code: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class PacingChanged:
    """Requests are held back (`held`), until `until` (wall time: a countdown's end), for
    `cause`; or they go again (`held` False). Sent when a hold starts, moves or ends — for
    pull 429s, outbox 429s and the planner's own holds alike."""

    held: bool
    until: float | None = None
    cause: PacingCause | None = None
    #: The limit is shared with other devices behind this network address.
    shared: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class CommandStalled:
    """A received command cannot be saved (`problem` set): pulling waits until it is; or it
    was saved after all (`problem` None)."""

    problem: Problem | None


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxChanged:
    """An item was delivered, put off to a later try, moved to dead letters, revived or
    discarded."""

    pending: int
    dead: int
    #: The call whose report this was (its history entry's report state just changed), if any.
    call_id: int | None = None


SyncEvent = (
    SessionChanged
    | CommandReceived
    | CommandStalled
    | PollStatusChanged
    | PacingChanged
    | OutboxChanged
)


@dataclasses.dataclass(frozen=True, slots=True)
class SyncStatus:
    """Everything the UI and the CLI show about the CRM conversation, at one moment."""

    signed_in: bool
    username: str
    server_url: str
    session_only: bool  # no working keyring: the session ends with the app
    device_id: str  # masked, for display
    server_mode: ServerMode
    last_poll_code: int | None
    last_poll_at: float | None  # wall time
    next_poll_at: float | None  # wall time
    poll_latency_ms: float | None
    phone_busy: bool
    rate_limited: bool
    rate_limited_until: float | None  # wall time
    pacing_cause: PacingCause | None
    #: 429s this desk's own count cannot explain: the limit is shared with other devices.
    limit_shared: bool
    count_429: int
    locked_out_total_s: float
    budget_used: int
    budget_limit: int
    outbox_pending: int
    outbox_dead: int
    #: When the next outbox item is due (wall time), for "waiting, next try in…".
    outbox_next_at: float | None
    last_error: str | None  # masked, for diagnostics (the server's or the network's words)
    #: What is wrong in the CRM conversation, most important first.
    problems: tuple[Problem, ...] = ()

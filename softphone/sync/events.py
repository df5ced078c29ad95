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

__all__ = [
    "CommandReceived",
    "OutboxChanged",
    "PollStatusChanged",
    "RateLimited",
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


@dataclasses.dataclass(frozen=True, slots=True)
class SessionChanged:
    """Signed in or out. `reason` says why a session ended (the server's words when it did)."""

    signed_in: bool
    username: str
    reason: str | None = None


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
class RateLimited:
    """The server refused us with 429 (`until`: wall time it is expected to let us in again),
    or let us in again (`limited` False)."""

    limited: bool
    until: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxChanged:
    """An item was delivered, moved to dead letters, revived or discarded."""

    pending: int
    dead: int
    #: The call whose report this was (its history entry's report state just changed), if any.
    call_id: int | None = None


SyncEvent = SessionChanged | CommandReceived | PollStatusChanged | RateLimited | OutboxChanged


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
    count_429: int
    locked_out_total_s: float
    budget_used: int
    budget_limit: int
    outbox_pending: int
    outbox_dead: int
    last_error: str | None  # masked

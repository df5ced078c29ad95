"""The CRM conversation: sessions, the pull loop, the outbox, heartbeats, telemetry, logs.

The engine uses `CrmLink`; the rest is importable for tests and diagnostics. Nothing in this
package imports the phone bridge, the call flow or Qt.
"""

from softphone.sync.api import (
    AuthExpired,
    CrmError,
    InsecureServer,
    RateLimited,
    Rejected,
    Unavailable,
)
from softphone.sync.auth import SignedOut
from softphone.sync.clock import Clock
from softphone.sync.events import (
    CommandReceived,
    CommandStalled,
    OutboxChanged,
    PacingCause,
    PacingChanged,
    PollStatusChanged,
    ServerMode,
    SessionChanged,
    SyncEvent,
    SyncStatus,
)
from softphone.sync.link import CrmLink, refuse_commands
from softphone.sync.reports import TelemetryItem, TelemetryType

__all__ = [
    "AuthExpired",
    "Clock",
    "CommandReceived",
    "CommandStalled",
    "CrmError",
    "CrmLink",
    "InsecureServer",
    "OutboxChanged",
    "PacingCause",
    "PacingChanged",
    "PollStatusChanged",
    "RateLimited",
    "Rejected",
    "ServerMode",
    "SessionChanged",
    "SignedOut",
    "SyncEvent",
    "SyncStatus",
    "TelemetryItem",
    "TelemetryType",
    "Unavailable",
    "refuse_commands",
]

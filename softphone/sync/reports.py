"""What the desk tells the CRM about itself: heartbeats, telemetry batches, log bundles.

Pure builders of the bodies the outbox sends. Telemetry is typed from the server's own set and
batched (≤100 items); nothing is recorded about 429 answers or about telemetry itself (the
reference client fed on its own telemetry). Log bundles are masked before they are split, and
split so that every part fits the server's 50 000 characters.

Nothing here sends anything or reads the clock by itself.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from softphone.masking import mask
from softphone.model import from_epoch, to_wire_time

__all__ = [
    "LOG_PAYLOAD_MAX",
    "TELEMETRY_BATCH_MAX",
    "TelemetryItem",
    "TelemetryType",
    "heartbeat_body",
    "log_bodies",
    "split_payload",
    "telemetry_batches",
    "telemetry_wanted",
]

TELEMETRY_BATCH_MAX: Final = 100
LOG_PAYLOAD_MAX: Final = 50_000


class TelemetryType(enum.StrEnum):
    """The server's set: any other type makes it refuse the whole batch."""

    LATENCY = "latency"
    ERROR = "error"
    AUTH = "auth"
    QUEUE = "queue"
    OTHER = "other"


class TelemetryItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: TelemetryType
    ts: dt.datetime
    endpoint: str = Field(default="", max_length=200)
    http_code: int | None = None
    value_ms: int | None = Field(default=None, ge=0)
    extra: dict[str, Any] = Field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ts": to_wire_time(self.ts), "type": self.type.value}
        if self.endpoint:
            body["endpoint"] = self.endpoint
        if self.http_code is not None:
            body["http_code"] = self.http_code
        if self.value_ms is not None:
            body["value_ms"] = self.value_ms
        if self.extra:
            body["extra"] = self.extra
        return body


def telemetry_wanted(item: TelemetryItem) -> bool:
    """False for items the seed forbids: about a 429, or about telemetry itself."""
    return item.http_code != 429 and "/telemetry" not in item.endpoint


def telemetry_batches(device_id: str, items: list[TelemetryItem]) -> list[dict[str, Any]]:
    """Bodies for `/api/phone/telemetry/`, each with at most 100 items."""
    wires = [i.wire() for i in items if telemetry_wanted(i)]
    return [
        {"device_id": device_id, "items": wires[start : start + TELEMETRY_BATCH_MAX]}
        for start in range(0, len(wires), TELEMETRY_BATCH_MAX)
    ]


def split_payload(text: str, limit: int = LOG_PAYLOAD_MAX) -> list[str]:
    """`text` cut into parts of at most `limit` characters, at line ends where possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = limit if cut <= 0 else cut + 1
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest or not parts:
        parts.append(rest)
    return parts


def log_bodies(
    device_id: str, text: str, *, source: str, now: float, level_summary: str = ""
) -> list[dict[str, Any]]:
    """Bodies for `/api/phone/logs/`: the masked text in parts that each fit the server."""
    masked = mask(text)
    parts = split_payload(masked)
    ts = to_wire_time(from_epoch(now))
    bodies = []
    for number, part in enumerate(parts, start=1):
        summary = level_summary or "INFO"
        if len(parts) > 1:
            summary = f"{summary} part {number}/{len(parts)}"
        bodies.append(
            {
                "device_id": device_id,
                "ts": ts,
                "level_summary": summary[:64],
                "source": source[:64],
                "payload": part,
            }
        )
    return bodies


def heartbeat_body(
    *,
    device_id: str,
    device_name: str,
    app_version: str,
    last_poll_code: int | None,
    last_poll_at: float | None,
    encryption_enabled: bool,
    stuck_by_type: Mapping[str, int],
    oldest_stuck_age_s: float | None,
) -> dict[str, Any]:
    """The heartbeat, always with `device_id` and `device_name` (production answers 500 to a
    heartbeat from an unregistered device without a name)."""
    stuck = sum(stuck_by_type.values())
    body: dict[str, Any] = {
        "device_id": device_id,
        "device_name": device_name,
        "app_version": app_version,
        "encryption_enabled": encryption_enabled,
        "queue_stuck": stuck > 0,
        "stuck_count": stuck,
        "stuck_by_type": dict(stuck_by_type),
    }
    if stuck and oldest_stuck_age_s is not None:
        # Nothing stuck, no age: the two fields always agree.
        body["oldest_stuck_age_sec"] = int(oldest_stuck_age_s)
    if last_poll_code is not None:
        body["last_poll_code"] = last_poll_code
    if last_poll_at is not None:
        body["last_poll_at"] = to_wire_time(from_epoch(last_poll_at))
    return body

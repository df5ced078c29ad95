"""Heartbeat, telemetry and log-bundle bodies."""

from __future__ import annotations

import datetime as dt

from softphone.masking import register_device_id
from softphone.sync.reports import (
    LOG_PAYLOAD_MAX,
    TelemetryItem,
    TelemetryType,
    heartbeat_body,
    log_bodies,
    split_payload,
    telemetry_batches,
)

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def item(**kw: object) -> TelemetryItem:
    return TelemetryItem.model_validate({"type": "latency", "ts": NOW, **kw})


def test_telemetry_is_batched_at_most_100_items() -> None:
    batches = telemetry_batches("dev", [item(value_ms=n) for n in range(250)])
    assert [len(b["items"]) for b in batches] == [100, 100, 50]
    assert all(b["device_id"] == "dev" for b in batches)
    assert batches[0]["items"][0] == {
        "ts": "2026-11-27T10:00:00Z",
        "type": "latency",
        "value_ms": 0,
    }


def test_no_telemetry_about_429s_or_about_telemetry_itself() -> None:
    items = [
        item(http_code=429, endpoint="/api/phone/calls/pull/"),
        item(type=TelemetryType.ERROR, http_code=500, endpoint="/api/phone/telemetry/"),
        item(type=TelemetryType.AUTH, http_code=401, endpoint="/api/token/refresh/"),
    ]
    (batch,) = telemetry_batches("dev", items)
    assert [i["type"] for i in batch["items"]] == ["auth"]


def test_a_long_text_is_split_at_line_ends_within_the_limit() -> None:
    text = "".join(f"line {n:06d} " + "x" * 80 + "\n" for n in range(2000))
    parts = split_payload(text)
    assert "".join(parts) == text
    assert all(len(p) <= LOG_PAYLOAD_MAX for p in parts)
    assert all(p.endswith("\n") for p in parts)
    one_line = "y" * (LOG_PAYLOAD_MAX * 2 + 5)
    assert [len(p) for p in split_payload(one_line)] == [LOG_PAYLOAD_MAX, LOG_PAYLOAD_MAX, 5]


def test_log_bundles_are_masked_before_they_leave() -> None:
    register_device_id("sp-0123456789abcdef")
    text = "dial +79123456789 for sp-0123456789abcdef with Bearer abc.def.ghi\n" * 3000
    bodies = log_bodies("sp-0123456789abcdef", text, source="support_report", now=1.7e9)
    joined = "".join(b["payload"] for b in bodies)
    assert "+79123456789" not in joined and "abc.def.ghi" not in joined
    assert "sp-0123456789abcdef" not in joined and "***6789" in joined
    assert all(len(b["payload"]) <= LOG_PAYLOAD_MAX for b in bodies)
    assert len(bodies) >= 2 and bodies[0]["level_summary"].endswith(f"1/{len(bodies)}")


def test_a_heartbeat_always_names_the_device_and_reports_stuck_items() -> None:
    body = heartbeat_body(
        device_id="dev",
        device_name="Desk 1",
        app_version="0.1.0",
        last_poll_code=None,
        last_poll_at=None,
        encryption_enabled=False,
        stuck_by_type={"result": 2, "log": 1},
        oldest_stuck_age_s=812.7,
    )
    assert body["device_id"] == "dev" and body["device_name"] == "Desk 1"
    assert body["encryption_enabled"] is False
    assert (body["queue_stuck"], body["stuck_count"], body["oldest_stuck_age_sec"]) == (
        True,
        3,
        812,
    )
    assert "last_poll_code" not in body

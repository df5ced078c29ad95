"""model: wire strings, command parsing, report bodies."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from softphone.model import (
    PRODUCTION_STATUSES,
    ActionSource,
    CallCommand,
    CallLogRow,
    CallLogType,
    CallPhase,
    CallReport,
    CallStatus,
    Direction,
    ResolveMethod,
    to_wire_time,
)


def test_enum_values_are_the_crm_wire_strings() -> None:
    assert [s.value for s in CallStatus] == [
        "connected",
        "no_answer",
        "busy",
        "rejected",
        "missed",
        "no_action",
        "unknown",
    ]
    assert [d.value for d in Direction] == ["outgoing", "incoming", "missed", "unknown"]
    assert [m.value for m in ResolveMethod] == ["observer", "retry", "unknown"]
    assert [a.value for a in ActionSource] == [
        "crm_ui",
        "notification",
        "history",
        "manual",
        "unknown",
    ]
    assert CallStatus.NO_ACTION not in PRODUCTION_STATUSES


def test_command_keeps_the_servers_extra_fields() -> None:
    cmd = CallCommand.model_validate(
        {
            "id": 12345,
            "phone": " +79991234567 ",
            "note": "VIP",
            "company_id": 7,
            "created_at": "2026-02-10T10:00:00Z",
            "priority": "high",
        }
    )
    assert cmd.id == "12345" and cmd.phone == "+79991234567"
    assert cmd.extras() == {
        "note": "VIP",
        "company_id": "7",
        "created_at": "2026-02-10T10:00:00Z",
        "priority": "high",
    }
    assert cmd.created_at_time() == dt.datetime(2026, 2, 10, 10, tzinfo=dt.UTC)


def test_command_without_phone_is_empty_and_bad_ids_are_refused() -> None:
    assert CallCommand.model_validate({"id": "x", "phone": None}).is_empty
    with pytest.raises(ValidationError):
        CallCommand.model_validate({"phone": "+79991234567"})
    with pytest.raises(ValidationError):
        CallCommand.model_validate({"id": "a\nb", "phone": "1"})
    with pytest.raises(ValidationError):
        CallCommand.model_validate({"id": "", "phone": "1"})
    assert (
        CallCommand.model_validate({"id": "x", "created_at": "garbage"}).created_at_time() is None
    )


def test_call_log_row_tolerates_unknown_types() -> None:
    assert CallLogRow(id=1, date_ms=1, type=99).type is CallLogType.UNKNOWN  # type: ignore[arg-type]
    assert CallLogRow(id=1, date_ms=1, type="2").type is CallLogType.OUTGOING  # type: ignore[arg-type]


def test_report_bodies_omit_nulls_and_fall_back_to_legacy() -> None:
    start = dt.datetime(2026, 2, 10, 10, 0, 0, 500, tzinfo=dt.UTC)
    report = CallReport(
        call_request_id="c1",
        call_status=CallStatus.CONNECTED,
        call_started_at=start,
        call_duration_seconds=42,
        direction=Direction.OUTGOING,
        action_source=ActionSource.CRM_UI,
    )
    assert report.is_extended
    assert report.wire() == {
        "call_request_id": "c1",
        "call_status": "connected",
        "call_started_at": "2026-02-10T10:00:00Z",
        "call_duration_seconds": 42,
        "direction": "outgoing",
        "action_source": "crm_ui",
    }
    assert report.wire(legacy=True) == {
        "call_request_id": "c1",
        "call_status": "connected",
        "call_started_at": "2026-02-10T10:00:00Z",
        "call_duration_seconds": 42,
    }
    assert not CallReport(call_request_id="c", call_status=CallStatus.UNKNOWN).is_extended


def test_wire_time_needs_a_timezone() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_wire_time(dt.datetime(2026, 1, 1))
    moscow = dt.timezone(dt.timedelta(hours=3))
    assert to_wire_time(dt.datetime(2026, 1, 1, 3, tzinfo=moscow)) == "2026-01-01T00:00:00Z"


def test_phases_say_when_a_dial_may_have_happened() -> None:
    assert not CallPhase.RECEIVED.dial_may_have_happened
    assert not CallPhase.AWAITING_CONFIRMATION.dial_may_have_happened
    assert CallPhase.DIALLING.dial_may_have_happened
    assert CallPhase.RESOLVED.dial_may_have_happened and not CallPhase.RESOLVED.is_open


def test_a_garbled_command_keeps_its_id_and_says_what_was_dropped() -> None:
    kept = CallCommand.salvage({"id": 17, "phone": ["+7912"], "note": {"x": 1}, "extra": 2})
    assert kept is not None
    assert (kept.id, kept.phone, kept.note) == ("17", "", None)
    assert kept.extras()["dropped"] == ["extra", "note", "phone"]
    too_long = CallCommand.salvage({"id": "a1", "phone": "9" * 5000})
    assert too_long is not None and len(too_long.phone) == 256


@pytest.mark.parametrize(
    "data", [None, [], "x", {"phone": "+79123456789"}, {"id": "a\x00b"}, {"id": "x" * 200}]
)
def test_nothing_is_salvaged_without_a_usable_id(data: object) -> None:
    assert CallCommand.salvage(data) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["id", "phone", "note", "company_id", "x"]), json_values))
def test_salvage_never_raises_and_keeps_a_valid_id(data: dict[str, object]) -> None:
    kept = CallCommand.salvage(data)
    if kept is not None:
        assert kept.id and len(kept.id) <= 128 and len(kept.phone) <= 256

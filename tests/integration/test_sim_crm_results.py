"""The simulated CRM's validation: call results, heartbeats, telemetry, logs, and request bodies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.sim_crm_helpers import DEVICE, Sim, pull, running, signed_in_device

UPDATE = "/api/phone/calls/update/"
HEARTBEAT = "/api/phone/devices/heartbeat/"
TELEMETRY = "/api/phone/telemetry/"
LOGS = "/api/phone/logs/"
REQUIRED = ["Обязательное поле."]
BAD_DATETIME = [
    "Неправильный формат datetime. Используйте один из этих форматов: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
]


class Desk:
    """A signed-in operator with a registered device and one consumed command."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.headers = signed_in_device(sim.crm, sim.http)
        self.cid = sim.crm.create_command("op1", "+79123456789")
        assert pull(sim.http, self.headers).status_code == 200

    def post(self, path: str, body: Any) -> Any:
        return self.sim.http.post(path, json=body, headers=self.headers)

    def update(self, **fields: Any) -> Any:
        return self.post(UPDATE, {"call_request_id": self.cid, **fields})


@pytest.fixture
def prod() -> Iterator[Desk]:
    with running("production") as sim:
        yield Desk(sim)


@pytest.fixture
def seed() -> Iterator[Desk]:
    with running("seed") as sim:
        yield Desk(sim)


# ---- call results -------------------------------------------------------------------------


def test_a_legacy_result_is_stored_and_the_end_time_computed(prod: Desk) -> None:
    response = prod.update(
        call_status="connected", call_started_at="2026-02-10T10:00:00Z", call_duration_seconds=42
    )
    assert response.status_code == 200
    result = prod.sim.crm.command(prod.cid)["result"]
    assert result == {
        "call_status": "connected",
        "call_started_at": "2026-02-10T10:00:00+00:00",
        "call_duration_seconds": 42,
        "call_ended_at": "2026-02-10T10:00:42+00:00",
    }


def test_an_extended_result_keeps_known_fields(prod: Desk) -> None:
    prod.update(
        call_status="no_answer",
        call_started_at="2026-02-10T10:00:00Z",
        call_duration_seconds=0,
        call_ended_at="2026-02-10T10:00:30Z",
        direction="outgoing",
        resolve_method="observer",
        attempts_count=2,
        action_source="crm_ui",
    )
    result = prod.sim.crm.command(prod.cid)["result"]
    assert result["call_ended_at"] == "2026-02-10T10:00:30+00:00"
    assert (result["direction"], result["resolve_method"], result["action_source"]) == (
        "outgoing",
        "observer",
        "crm_ui",
    )
    assert result["attempts_count"] == 2


def test_production_refuses_no_action_in_both_formats(prod: Desk) -> None:
    legacy = prod.update(call_status="no_action", call_duration_seconds=0)
    extended = prod.update(call_status="no_action", direction="outgoing")
    for response in (legacy, extended):
        assert response.status_code == 400
        assert response.json() == {
            "call_status": ["Значения no_action нет среди допустимых вариантов."]
        }


def test_production_drops_unknown_enum_values_and_the_reason_fields(prod: Desk) -> None:
    response = prod.update(
        call_status="connected",
        action_source="manual",
        direction="sideways",
        resolve_method="magic",
        resolve_reason="x",
        reason_if_unknown="y",
    )
    assert response.status_code == 200
    assert prod.sim.crm.command(prod.cid)["result"] == {"call_status": "connected"}


def test_production_refuses_a_non_uuid_call_request_id(prod: Desk) -> None:
    response = prod.post(UPDATE, {"call_request_id": "12345", "call_status": "connected"})
    assert response.status_code == 400
    assert response.json() == {"call_request_id": ["Должен быть правильный UUID."]}


def test_an_id_the_server_never_issued_is_404(prod: Desk) -> None:
    response = prod.post(UPDATE, {"call_request_id": str(uuid.uuid4()), "call_status": "connected"})
    assert response.status_code == 404
    assert response.json() == {"detail": "CallRequest not found or access denied"}


def test_another_users_command_is_404(prod: Desk) -> None:
    prod.sim.crm.add_user("op2", "pw2")
    theirs = prod.sim.crm.create_command("op2", "+79120000000")
    response = prod.post(UPDATE, {"call_request_id": theirs, "call_status": "connected"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"call_started_at": "yesterday"}, {"call_started_at": BAD_DATETIME}),
        ({"call_ended_at": 12}, {"call_ended_at": BAD_DATETIME}),
        (
            {"call_duration_seconds": -1},
            {"call_duration_seconds": ["Убедитесь, что это значение больше либо равно 0."]},
        ),
        (
            {"call_duration_seconds": "long"},
            {"call_duration_seconds": ["Требуется целочисленное значение."]},
        ),
        ({"attempts_count": 1.5}, {"attempts_count": ["Требуется целочисленное значение."]}),
        (
            {"call_duration_seconds": None},
            {"call_duration_seconds": ["Это поле не может быть null."]},
        ),
    ],
)
def test_bad_result_fields_are_400_with_per_field_messages(
    prod: Desk, fields: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = prod.update(call_status="connected", **fields)
    assert response.status_code == 400
    assert response.json() == errors


def test_a_result_without_status_or_id_lists_both(prod: Desk) -> None:
    response = prod.post(UPDATE, {})
    assert response.json() == {"call_request_id": REQUIRED, "call_status": REQUIRED}


def test_updates_are_last_write_wins_and_leave_absent_fields_alone(prod: Desk) -> None:
    prod.update(call_status="unknown", call_started_at="2026-02-10T10:00:00Z")
    prod.update(call_status="connected", call_duration_seconds=10)
    result = prod.sim.crm.command(prod.cid)["result"]
    assert result["call_status"] == "connected"
    assert result["call_started_at"] == "2026-02-10T10:00:00+00:00"
    assert result["call_ended_at"] == "2026-02-10T10:00:10+00:00"


def test_every_posted_update_is_recorded_with_the_status_given(prod: Desk) -> None:
    prod.update(call_status="no_action")
    prod.update(call_status="connected")
    updates = prod.sim.crm.command(prod.cid)["updates"]
    assert [(u["body"]["call_status"], u["status"]) for u in updates] == [
        ("no_action", 400),
        ("connected", 200),
    ]


def test_seed_accepts_every_seed_status_and_source_with_a_numeric_id(seed: Desk) -> None:
    assert seed.cid.isdigit()
    for status in ("connected", "no_answer", "rejected", "no_action", "unknown"):
        assert seed.update(call_status=status, action_source="manual").status_code == 200
    result = seed.sim.crm.command(seed.cid)["result"]
    assert (result["call_status"], result["action_source"]) == ("unknown", "manual")


def test_seed_keeps_the_reason_fields(seed: Desk) -> None:
    seed.update(call_status="unknown", resolve_reason="timeout", reason_if_unknown="no_log")
    result = seed.sim.crm.command(seed.cid)["result"]
    assert (result["resolve_reason"], result["reason_if_unknown"]) == ("timeout", "no_log")


def test_seed_refuses_values_outside_the_seed_sets(seed: Desk) -> None:
    response = seed.update(call_status="connected", direction="sideways")
    assert response.status_code == 400
    assert response.json() == {"direction": ["Значения sideways нет среди допустимых вариантов."]}


# ---- request bodies -----------------------------------------------------------------------


def test_a_body_that_is_not_an_object_is_400_non_field_errors(prod: Desk) -> None:
    response = prod.post(UPDATE, [1, 2])
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Недопустимые данные. Ожидался dictionary, но был получен list."]
    }


def test_broken_json_is_400_with_a_detail(prod: Desk) -> None:
    response = prod.sim.http.post(
        UPDATE,
        content=b"{not json",
        headers={**prod.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Ошибка разбора JSON")


def test_a_non_json_body_is_415(prod: Desk) -> None:
    response = prod.sim.http.post(
        UPDATE,
        content=b"call_status=connected",
        headers={**prod.headers, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert response.json() == {"detail": 'Неподдерживаемый тип данных "text/plain" в запросе.'}


def test_a_wrong_method_is_405_with_the_russian_detail(prod: Desk) -> None:
    response = prod.sim.http.get(UPDATE, headers=prod.headers)
    assert response.status_code == 405
    assert response.json() == {"detail": 'Метод "GET" не разрешен.'}


def test_a_path_without_its_trailing_slash_is_404_not_a_redirect(prod: Desk) -> None:
    response = prod.sim.http.post(UPDATE.rstrip("/"), json={}, headers=prod.headers)
    assert response.status_code == 404


# ---- devices and heartbeats ---------------------------------------------------------------


def test_device_id_over_64_characters_is_refused(prod: Desk) -> None:
    response = prod.post("/api/phone/devices/register/", {"device_id": "d" * 65})
    assert response.status_code == 400
    assert response.json() == {
        "device_id": ["Убедитесь, что это значение содержит не более 64 символов."]
    }


def test_device_name_over_120_characters_is_refused(prod: Desk) -> None:
    response = prod.post(
        "/api/phone/devices/register/", {"device_id": "d", "device_name": "n" * 121}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"device_name"}


def test_a_heartbeat_is_answered_and_kept_as_the_last_one(prod: Desk) -> None:
    body = {
        "device_id": DEVICE,
        "device_name": "Test desk",
        "app_version": "0.1.0",
        "last_poll_code": 204,
        "last_poll_at": "2026-02-10T10:10:00Z",
        "encryption_enabled": True,
        "queue_stuck": False,
        "stuck_count": 0,
        "oldest_stuck_age_sec": 0,
        "stuck_by_type": {},
    }
    response = prod.post(HEARTBEAT, body)
    assert response.status_code == 200
    answer = response.json()
    assert (answer["ok"], answer["device_id"], answer["app_version"]) == (True, DEVICE, "0.1.0")
    assert answer["last_seen_at"]
    [device] = prod.sim.crm.devices()
    assert device["last_heartbeat"] == body
    assert device["heartbeats"] == 1


def test_production_answers_html_500_to_a_heartbeat_of_an_unknown_unnamed_device(
    prod: Desk,
) -> None:
    response = prod.post(HEARTBEAT, {"device_id": "never-registered"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Server Error (500)" in response.text


def test_a_heartbeat_with_a_name_registers_an_unknown_device(prod: Desk) -> None:
    response = prod.post(HEARTBEAT, {"device_id": "new-desk", "device_name": "New"})
    assert response.status_code == 200
    assert {d["device_id"] for d in prod.sim.crm.devices()} == {DEVICE, "new-desk"}


def test_seed_answers_403_json_to_a_heartbeat_of_an_unknown_unnamed_device(seed: Desk) -> None:
    response = seed.post(HEARTBEAT, {"device_id": "never-registered"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Device not found or access denied"}


def test_heartbeat_fields_are_typed(prod: Desk) -> None:
    response = prod.post(
        HEARTBEAT,
        {
            "device_name": "x",
            "encryption_enabled": "maybe",
            "stuck_count": -2,
            "stuck_by_type": [],
            "last_poll_at": "noon",
        },
    )
    assert response.status_code == 400
    assert set(response.json()) == {
        "device_id",
        "encryption_enabled",
        "stuck_count",
        "stuck_by_type",
        "last_poll_at",
    }


# ---- telemetry ----------------------------------------------------------------------------


def _items(count: int, kind: str = "latency") -> list[dict[str, Any]]:
    return [
        {
            "ts": "2026-02-10T10:10:00Z",
            "type": kind,
            "endpoint": "/x",
            "http_code": 204,
            "value_ms": n,
        }
        for n in range(count)
    ]


def test_telemetry_accepts_100_items(prod: Desk) -> None:
    response = prod.post(TELEMETRY, {"device_id": DEVICE, "items": _items(100)})
    assert response.json() == {"ok": True, "saved": 100}
    assert len(prod.sim.crm.telemetry()) == 100


def test_telemetry_items_need_no_field_at_all_as_on_the_real_server(prod: Desk) -> None:
    # crm-api.md: every item field is optional, `ts` too.
    items = [{"type": "error", "value_ms": 5}, {}]
    response = prod.post(TELEMETRY, {"device_id": DEVICE, "items": items})
    assert response.json() == {"ok": True, "saved": 2}
    assert [item["ts"] for item in prod.sim.crm.telemetry()] == [None, None]


def test_telemetry_refuses_101_items(prod: Desk) -> None:
    response = prod.post(TELEMETRY, {"device_id": DEVICE, "items": _items(101)})
    assert response.status_code == 400
    assert response.json() == {"items": ["Убедитесь, что в этом поле не больше 100 элементов."]}
    assert prod.sim.crm.telemetry() == []


def test_one_untyped_item_rejects_the_whole_batch(prod: Desk) -> None:
    items = [*_items(2), *_items(1, "pull_call")]
    response = prod.post(TELEMETRY, {"device_id": DEVICE, "items": items})
    assert response.status_code == 400
    assert response.json() == {
        "items": [{}, {}, {"type": ["Значения pull_call нет среди допустимых вариантов."]}]
    }
    assert prod.sim.crm.telemetry() == []


def test_telemetry_needs_device_id_and_an_items_list(prod: Desk) -> None:
    missing = prod.post(TELEMETRY, {})
    not_list = prod.post(TELEMETRY, {"device_id": DEVICE, "items": {"a": 1}})
    assert missing.json() == {"device_id": REQUIRED, "items": REQUIRED}
    assert not_list.json() == {"items": ['Ожидался list со значениями, но был получен "dict".']}


# ---- logs ---------------------------------------------------------------------------------


def _log(payload: str, **extra: Any) -> dict[str, Any]:
    return {
        "device_id": DEVICE,
        "ts": "2026-02-10T10:15:00Z",
        "source": "t",
        "payload": payload,
        **extra,
    }


def test_a_log_of_50000_characters_is_saved(prod: Desk) -> None:
    response = prod.post(LOGS, _log("x" * 50_000))
    assert response.json() == {"ok": True, "saved": 1}
    assert len(prod.sim.crm.logs()[0]["payload"]) == 50_000


def test_a_log_over_50000_characters_is_refused(prod: Desk) -> None:
    response = prod.post(LOGS, _log("x" * 50_001))
    assert response.status_code == 400
    assert response.json() == {
        "payload": ["Убедитесь, что это значение содержит не более 50000 символов."]
    }
    assert prod.sim.crm.logs() == []


def test_logs_may_come_as_a_list_with_per_entry_errors(prod: Desk) -> None:
    good = prod.post(LOGS, [_log("a"), _log("b")])
    bad = prod.post(LOGS, [_log("a"), _log("b", level_summary="L" * 65), {"source": "s"}])
    assert good.json() == {"ok": True, "saved": 2}
    assert bad.status_code == 400
    assert bad.json() == [
        {},
        {"level_summary": ["Убедитесь, что это значение содержит не более 64 символов."]},
        {"payload": REQUIRED},
    ]
    assert len(prod.sim.crm.logs()) == 2


def test_a_bare_date_is_not_a_datetime(prod: Desk) -> None:
    response = prod.update(call_status="connected", call_started_at="2026-02-10")
    assert response.json() == {"call_started_at": BAD_DATETIME}


def test_absurdly_nested_json_is_a_400_not_a_crash(prod: Desk) -> None:
    response = prod.sim.http.post(
        UPDATE,
        content=b"[" * 100_000,
        headers={**prod.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Ошибка разбора JSON")

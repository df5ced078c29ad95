"""The simulated CRM's command queue: pulls, long-poll, at-most-once delivery, devices, dedupe."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.sim_crm_helpers import DEVICE, Sim, pull, running, signed_in_device

#: Hang guards only: the measured figures come from benchmarks/sim_crm_latency.py.
GENEROUS = 2.0


@pytest.fixture
def prod() -> Iterator[Sim]:
    with running("production") as sim:
        yield sim


@pytest.fixture
def seed() -> Iterator[Sim]:
    with running("seed", max_wait=5.0) as sim:
        yield sim


def test_production_pull_answers_204_with_an_empty_body_at_once(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    started = time.perf_counter()
    response = pull(prod.http, headers, wait=25)
    elapsed = time.perf_counter() - started
    assert response.status_code == 204
    assert response.content == b""
    assert elapsed < GENEROUS  # wait_seconds=25 is ignored


def test_a_pull_hands_out_the_command_with_its_fields(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    cid = prod.crm.create_command("op1", "+79123456789", note="перезвонить")
    response = pull(prod.http, headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "phone", "company_id", "contact_id", "note", "created_at"}
    assert (body["id"], body["phone"], body["note"]) == (cid, "+79123456789", "перезвонить")
    assert body["created_at"].endswith("+00:00")


def test_seed_times_end_in_z(seed: Sim) -> None:
    headers = signed_in_device(seed.crm, seed.http)
    seed.crm.create_command("op1", "+79123456789")
    assert pull(seed.http, headers).json()["created_at"].endswith("Z")


def test_a_command_is_delivered_at_most_once(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    cid = prod.crm.create_command("op1", "+79123456789")
    first, second = pull(prod.http, headers), pull(prod.http, headers)
    assert first.json()["id"] == cid
    assert second.status_code == 204
    view = prod.crm.command(cid)
    assert view["state"] == "consumed"
    assert view["device_id"] == DEVICE
    assert view["consumed_at"] is not None


def test_the_queue_is_per_user_and_oldest_first(prod: Sim) -> None:
    prod.crm.add_user("op2", "pw2")
    mine = signed_in_device(prod.crm, prod.http)
    other = signed_in_device(prod.crm, prod.http, "op2", "desk-2")
    ids = [prod.crm.create_command("op1", f"+7912345678{n}") for n in range(3)]
    assert pull(prod.http, other, "desk-2").status_code == 204
    got = [pull(prod.http, mine).json()["id"] for _ in ids]
    assert got == ids


def test_two_desks_of_one_user_compete_for_one_command(prod: Sim) -> None:
    first = signed_in_device(prod.crm, prod.http, device_id="desk-a")
    second = signed_in_device(prod.crm, prod.http, device_id="desk-b")
    prod.crm.create_command("op1", "+79123456789")
    answers = [
        pull(prod.http, first, "desk-a").status_code,
        pull(prod.http, second, "desk-b").status_code,
    ]
    assert sorted(answers) == [200, 204]


def test_a_pull_without_device_id_is_400(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    response = prod.http.get("/api/phone/calls/pull/", headers=headers)
    assert response.status_code == 400
    assert response.json() == {"detail": "device_id is required"}


def test_a_pull_for_a_device_of_another_user_is_403(prod: Sim) -> None:
    prod.crm.add_user("op2", "pw2")
    signed_in_device(prod.crm, prod.http, "op2", "their-desk")
    mine = signed_in_device(prod.crm, prod.http)
    response = pull(prod.http, mine, "their-desk")
    assert response.status_code == 403
    assert response.json() == {"detail": "Device not found or access denied"}


def test_registering_is_idempotent_and_keeps_one_device(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    again = prod.http.post(
        "/api/phone/devices/register/",
        json={"device_id": DEVICE, "device_name": "Renamed", "fcm_token": "abc"},
        headers=headers,
    )
    assert again.json() == {"ok": True, "device_id": DEVICE}
    devices = prod.crm.devices()
    assert [(d["device_id"], d["device_name"], d["fcm_token"]) for d in devices] == [
        (DEVICE, "Renamed", "abc")
    ]


def test_seed_long_poll_answers_soon_after_a_command_is_queued(seed: Sim) -> None:
    headers = signed_in_device(seed.crm, seed.http)
    timer = threading.Timer(0.3, seed.crm.create_command, ("op1", "+79123456789"))
    started = time.perf_counter()
    timer.start()
    response = pull(seed.http, headers, wait=5)
    elapsed = time.perf_counter() - started
    timer.join()
    assert response.status_code == 200
    assert 0.25 < elapsed < 0.3 + GENEROUS
    held = [e for e in seed.crm.requests() if e["path"] == "/api/phone/calls/pull/"][-1]
    assert held["long_poll_ms"] >= 250


def test_seed_long_poll_holds_until_wait_seconds_then_204(seed: Sim) -> None:
    headers = signed_in_device(seed.crm, seed.http)
    started = time.perf_counter()
    response = pull(seed.http, headers, wait=1)
    elapsed = time.perf_counter() - started
    assert response.status_code == 204
    assert 0.95 <= elapsed < 1 + GENEROUS


def test_seed_long_poll_is_capped_at_max_wait() -> None:
    with running("seed", max_wait=0.3) as sim:
        headers = signed_in_device(sim.crm, sim.http)
        started = time.perf_counter()
        response = pull(sim.http, headers, wait=60)
        elapsed = time.perf_counter() - started
    assert response.status_code == 204
    assert 0.25 <= elapsed < GENEROUS


def test_seed_pull_without_wait_seconds_answers_at_once(seed: Sim) -> None:
    headers = signed_in_device(seed.crm, seed.http)
    started = time.perf_counter()
    assert pull(seed.http, headers).status_code == 204
    assert time.perf_counter() - started < GENEROUS


def test_seed_refuses_a_non_numeric_wait_seconds(seed: Sim) -> None:
    headers = signed_in_device(seed.crm, seed.http)
    response = seed.http.get(
        "/api/phone/calls/pull/",
        params={"device_id": DEVICE, "wait_seconds": "soon"},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json() == {"wait_seconds": ["Требуется целочисленное значение."]}


def test_a_long_poll_abandoned_by_its_client_does_not_consume_the_next_command(seed: Sim) -> None:
    headers = signed_in_device(seed.crm, seed.http)
    with pytest.raises(httpx.ReadTimeout):
        seed.http.get(
            "/api/phone/calls/pull/",
            params={"device_id": DEVICE, "wait_seconds": 5},
            headers=headers,
            timeout=0.2,
        )
    time.sleep(0.2)  # let the server notice the closed connection
    cid = seed.crm.create_command("op1", "+79123456789")
    time.sleep(0.1)
    assert seed.crm.command(cid)["state"] == "pending"
    assert pull(seed.http, headers).json()["id"] == cid


def test_stopping_releases_a_held_long_poll_at_once() -> None:
    with running("seed", max_wait=30.0) as sim:
        headers = signed_in_device(sim.crm, sim.http)
        answers: list[int] = []
        poller = threading.Thread(
            target=lambda: answers.append(pull(sim.http, headers, wait=30).status_code)
        )
        poller.start()
        time.sleep(0.2)
        started = time.perf_counter()
        sim.crm.stop()
        poller.join(GENEROUS * 2)
        assert time.perf_counter() - started < GENEROUS * 2
    assert answers == [204]


async def test_running_crm_methods_work_from_an_async_test_during_a_long_poll() -> None:
    with running("seed", max_wait=5.0) as sim:
        headers = signed_in_device(sim.crm, sim.http)
        async with httpx.AsyncClient(base_url=sim.crm.url, timeout=10) as client:
            held = asyncio.create_task(
                client.get(
                    "/api/phone/calls/pull/",
                    params={"device_id": DEVICE, "wait_seconds": 5},
                    headers=headers,
                )
            )
            await asyncio.sleep(0.2)
            cid = sim.crm.create_command("op1", "+79123456789")
            response = await asyncio.wait_for(held, GENEROUS)
    assert response.json()["id"] == cid


def test_the_crm_button_dedupes_the_same_pending_phone() -> None:
    with running("production", dedupe_window=1.0) as sim:
        first = sim.crm.create_command("op1", "+79123456789")
        same = sim.crm.create_command("op1", "8 (912) 345-67-89")
        other_contact = sim.crm.create_command("op1", "+79123456789", contact_id=7)
        time.sleep(1.05)
        later = sim.crm.create_command("op1", "+79123456789")
    assert same == first
    assert other_contact != first
    assert later not in (first, other_contact)


def test_a_consumed_command_is_not_deduplicated(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    first = prod.crm.create_command("op1", "+79123456789")
    pull(prod.http, headers)
    assert prod.crm.create_command("op1", "+79123456789") != first


def test_sim_commands_reports_a_duplicate(prod: Sim) -> None:
    body = {"username": "op1", "phone": "+79123456789"}
    first = prod.http.post("/sim/commands", json=body).json()
    second = prod.http.post("/sim/commands", json=body).json()
    assert second == {**first, "deduplicated": True}
    assert first["deduplicated"] is False


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 345 67 89", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("12345", "12345"),
        ("call me", "call me"),
    ],
)
def test_phones_arrive_as_the_crm_page_normalised_them(prod: Sim, typed: str, sent: str) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    prod.crm.create_command("op1", typed)
    assert pull(prod.http, headers).json()["phone"] == sent


def test_a_command_for_an_unknown_user_is_refused(prod: Sim) -> None:
    with pytest.raises(ValueError, match="nobody"):
        prod.crm.create_command("nobody", "+79123456789")
    response = prod.http.post("/sim/commands", json={"username": "nobody", "phone": "1"})
    assert response.status_code == 404


def test_unknown_command_view_is_a_key_error(prod: Sim) -> None:
    with pytest.raises(KeyError):
        prod.crm.command(str(uuid.uuid4()))

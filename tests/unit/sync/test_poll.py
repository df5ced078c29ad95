"""The pull loop over an injected transport: hand-over before the next pull, mode detection."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import keyring
import pytest

from softphone.config import Settings
from softphone.model import CallCommand
from softphone.store import Store
from softphone.sync import CrmLink, Rejected, ServerMode
from softphone.sync.budget import RequestKind
from tests.support.memory_keyring import MemoryKeyring
from tests.unit.sync.fake_crm import FakeCrm

URL = "https://crm.example.com"
PULL = "/api/phone/calls/pull/"


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


def make_link(crm: FakeCrm, on_command: Any, **settings: Any) -> CrmLink:
    values: dict[str, Any] = {
        "server_url": URL,
        "poll_min_interval_s": 0.01,
        "long_poll_detect_s": 0.05,
    }
    return CrmLink(
        Store.memory(),
        Settings(**(values | settings)),
        on_command=on_command,
        transport=crm.transport,
    )


async def test_no_pull_goes_out_until_the_received_command_is_persisted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crm = FakeCrm()
    handed: list[str] = []
    served = False

    def one_command(request: httpx.Request, _body: object) -> httpx.Response | None:
        nonlocal served
        if request.url.path == PULL and not served:
            served = True
            return httpx.Response(200, json={"id": "c1", "phone": "+79123456789"})
        return None

    attempts = 0

    async def flaky_persist(command: CallCommand) -> None:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise OSError("disk full")
        handed.append(command.id)

    crm.override = one_command
    link = make_link(crm, flaky_persist)
    await link.login_password(URL, "op1", "pw1")
    await link.start()
    try:
        await eventually(lambda: attempts >= 1)
        pulls_while_failing = crm.count(PULL)
        await eventually(lambda: handed == ["c1"])
        assert pulls_while_failing == 1
        await eventually(lambda: crm.count(PULL) > 1)
    finally:
        await link.stop()
    assert "could not be saved" in caplog.text


async def test_the_server_mode_follows_how_long_empty_answers_take() -> None:
    crm = FakeCrm()
    hold = 0.0

    async def slow_pull(request: httpx.Request) -> httpx.Response:
        if request.url.path == PULL and hold:
            await asyncio.sleep(hold)
        return await crm.handle(request)

    async def ignore(_command: CallCommand) -> None:
        raise AssertionError("no command was queued")

    link = CrmLink(
        Store.memory(),
        Settings(server_url=URL, poll_min_interval_s=0.01, long_poll_detect_s=0.05),
        on_command=ignore,
        transport=httpx.MockTransport(slow_pull),
    )
    await link.login_password(URL, "op1", "pw1")
    await link.start()
    try:
        await eventually(lambda: link.status().server_mode is ServerMode.INSTANT)
        assert link.budget.enforcing
        hold = 0.08
        await eventually(lambda: link.status().server_mode is ServerMode.LONG_POLL)
        assert not link.budget.enforcing
        hold = 0.0
        await eventually(lambda: link.status().server_mode is ServerMode.INSTANT)
        assert link.budget.enforcing
    finally:
        await link.stop()


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringError("locked")


async def test_session_only_mode_shows_in_the_status_and_the_heartbeat(
    caplog: pytest.LogCaptureFixture,
) -> None:
    keyring.set_keyring(BrokenKeyring())
    crm = FakeCrm()

    async def keep(_command: CallCommand) -> None:
        return None

    link = make_link(crm, keep)
    await link.login_password(URL, "op1", "pw1")
    status = link.status()
    assert status.signed_in and status.session_only
    assert link.heartbeat_body()["encryption_enabled"] is False
    assert link.heartbeat_body()["device_name"]
    assert link.device_id not in status.device_id
    await link.stop()


async def test_stop_leaves_no_task_running() -> None:
    crm = FakeCrm()

    async def keep(_command: CallCommand) -> None:
        return None

    link = make_link(crm, keep)
    await link.login_password(URL, "op1", "pw1")
    await link.start()
    await eventually(lambda: crm.count(PULL) >= 2)
    await link.stop()
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert not any(n.startswith("crm-") for n in names)
    pulls = crm.count(PULL)
    await asyncio.sleep(0.1)
    assert crm.count(PULL) == pulls


def test_the_device_id_is_generated_once_and_kept() -> None:
    store = Store.memory()

    async def keep(_command: CallCommand) -> None:
        return None

    first = CrmLink(store, Settings(), on_command=keep).device_id
    second = CrmLink(store, Settings(), on_command=keep).device_id
    assert first == second and 8 < len(first) <= 64
    assert CrmLink(Store.memory(), Settings(), on_command=keep).device_id != first


async def test_stop_lets_the_pull_in_flight_hand_its_command_over() -> None:
    crm = FakeCrm()
    handed: list[str] = []
    pulled = asyncio.Event()

    async def slow_command(request: httpx.Request) -> httpx.Response:
        if request.url.path == PULL:
            pulled.set()
            await asyncio.sleep(0.3)  # the server has handed the command out by now
            return httpx.Response(200, json={"id": "last", "phone": "+79123456789"})
        return await crm.handle(request)

    async def keep(command: CallCommand) -> None:
        handed.append(command.id)

    link = CrmLink(
        Store.memory(),
        Settings(server_url=URL),
        on_command=keep,
        transport=httpx.MockTransport(slow_command),
    )
    await link.login_password(URL, "op1", "pw1")
    await link.start()
    await pulled.wait()
    await link.stop()
    assert handed == ["last"]


async def test_a_restart_carries_the_request_count_over() -> None:
    crm = FakeCrm()
    store = Store.memory()

    async def keep(_command: CallCommand) -> None:
        return None

    first = CrmLink(store, Settings(server_url=URL), on_command=keep, transport=crm.transport)
    await first.login_password(URL, "op1", "pw1")
    await first.start()
    await eventually(lambda: crm.count(PULL) >= 2)
    await first.stop()
    used = first.budget.used()
    assert used >= 3  # registration, heartbeat, pulls
    second = CrmLink(store, Settings(server_url=URL), on_command=keep, transport=crm.transport)
    assert second.budget.used() == used


async def test_a_wrong_password_is_a_refusal_with_the_servers_words() -> None:
    crm = FakeCrm()

    async def keep(_command: CallCommand) -> None:
        return None

    link = make_link(crm, keep)
    with pytest.raises(Rejected) as caught:
        await link.login_password(URL, "op1", "wrong")
    assert caught.value.status == 401
    assert str(caught.value) == "Неверные учетные данные."
    await link.stop()


def first_pull_answers(crm: FakeCrm, body: object) -> None:
    """The server's first pull answer is `body` (200); the rest are the fake's own."""
    served = False

    def answer(request: httpx.Request, _body: object) -> httpx.Response | None:
        nonlocal served
        if request.url.path == PULL and not served:
            served = True
            return httpx.Response(200, json=body)
        return None

    crm.override = answer


async def test_an_unreadable_command_is_reported_and_pulling_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crm = FakeCrm()
    first_pull_answers(crm, {"phone": "+79123456789"})  # no id

    async def keep(_command: CallCommand) -> None:
        raise AssertionError("nothing readable was sent")

    link = make_link(crm, keep)
    await link.login_password(URL, "op1", "pw1")
    await link.start()
    try:
        await eventually(lambda: crm.count(PULL) >= 3)
    finally:
        await link.stop()
    assert "cannot read" in caplog.text
    assert "+79123456789" not in caplog.text


async def test_a_stopped_link_pulls_again_when_started_again() -> None:
    crm = FakeCrm()

    async def keep(_command: CallCommand) -> None:
        return None

    link = make_link(crm, keep)
    await link.login_password(URL, "op1", "pw1")
    await link.start()
    await eventually(lambda: crm.count(PULL) >= 1)
    await link.stop()
    pulls = crm.count(PULL)
    await link.start()
    try:
        await eventually(lambda: crm.count(PULL) > pulls)
    finally:
        await link.stop()


async def test_a_garbled_command_with_an_id_is_kept_so_it_gets_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crm = FakeCrm()
    first_pull_answers(crm, {"id": "g-1", "phone": {"digits": "79123456789"}})
    received: list[CallCommand] = []

    async def keep(command: CallCommand) -> None:
        received.append(command)

    link = make_link(crm, keep)
    await link.login_password(URL, "op1", "pw1")
    await link.start()
    try:
        await eventually(lambda: received)
    finally:
        await link.stop()
    [command] = received
    assert (command.id, command.phone) == ("g-1", "")
    assert command.extras()["dropped"] == ["phone"]
    assert "partly unreadable" in caplog.text


def test_the_budget_hears_when_the_phone_is_busy() -> None:
    """A heartbeat must not break the silence a call gives the server's count."""

    async def keep(_command: CallCommand) -> None:
        return None

    link = make_link(FakeCrm(), keep)
    link.set_phone_busy(True)
    assert link.poll.busy
    assert link.budget.delay(RequestKind.HEARTBEAT) > 0
    assert link.budget.delay(RequestKind.RESULT) == 0
    link.set_phone_busy(False)
    assert link.budget.delay(RequestKind.HEARTBEAT) == 0

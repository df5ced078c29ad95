"""CrmLink against the real simulated CRM on loopback, in both profiles."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from softphone.config import Settings
from softphone.model import (
    ActionSource,
    CallCommand,
    CallPhase,
    CallReport,
    CallStatus,
    Direction,
    ReportState,
    utcnow,
)
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.store import Store
from softphone.sync import CrmLink, Rejected, ServerMode, SessionChanged, SyncEvent
from softphone.sync.reports import TelemetryItem, TelemetryType
from tests.support.memory_keyring import MemoryKeyring

PROFILES = ["production", "seed"]


async def eventually(
    check: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


class Desk:
    """A CrmLink with a real store, recording what it hands over."""

    def __init__(self, crm: RunningCrm, home: Path, **settings: Any) -> None:
        self.crm = crm
        self.store = Store.open(home / "desk.db")
        self.received: list[CallCommand] = []
        self.events: list[SyncEvent] = []
        defaults: dict[str, Any] = {
            "server_url": crm.url,
            "long_poll_wait_s": 1,
            "long_poll_detect_s": 0.5,
            "poll_min_interval_s": 0.05,
            "poll_max_interval_s": 0.5,
            "rate_window_s": crm.options.ip_window,
            "rate_limit_requests": crm.options.ip_limit,
        }
        self.settings = Settings(**(defaults | settings))
        self.link = CrmLink(
            self.store, self.settings, on_command=self.persist, on_event=self.events.append
        )

    async def persist(self, command: CallCommand) -> None:
        # What the engine does: the command is committed before anything else happens.
        self.store.add_call(
            source=ActionSource.CRM_UI,
            phone=command.phone,
            command_id=command.id,
            report_id=command.id,
            report_state=ReportState.PENDING,
        )
        self.received.append(command)

    async def sign_in(self) -> None:
        if self.crm.options.profile == "production":
            await self.link.login_qr(self.crm.url, self.crm.create_qr("op1"))
        else:
            await self.link.login_password(self.crm.url, "op1", "pw1")

    def report(self, command_id: str, status: CallStatus, **extended: Any) -> int:
        entry = self.store.call_by_command(command_id)
        assert entry is not None
        body = CallReport(call_request_id=command_id, call_status=status, **extended).wire()
        self.store.resolve_and_enqueue(
            entry.id, {"phase": CallPhase.RESOLVED, "status": status}, body
        )
        self.link.outbox_changed()
        return entry.id


def crm_options(profile: str, **options: Any) -> CrmOptions:
    base: dict[str, Any] = {"profile": profile, "users": [("op1", "pw1", False)], "max_wait": 30}
    return CrmOptions(**(base | options))


@pytest.fixture(params=PROFILES)
def crm(request: pytest.FixtureRequest) -> Iterator[RunningCrm]:
    with start_in_thread(crm_options(request.param), port=0) as server:
        yield server


@pytest.fixture
async def desk(crm: RunningCrm, tmp_path: Path) -> AsyncIterator[Desk]:
    desk = Desk(crm, tmp_path)
    yield desk
    await desk.link.stop()
    desk.store.close()


def requests_to(crm: RunningCrm, path: str) -> list[dict[str, Any]]:
    return [r for r in crm.requests() if r["path"] == path]


async def test_commands_arrive_once_each_persisted_and_the_server_mode_is_detected(
    desk: Desk, crm: RunningCrm
) -> None:
    await desk.sign_in()
    await desk.link.start()
    ids = [crm.create_command("op1", f"+7912345670{n}") for n in range(5)]
    await eventually(lambda: len(desk.received) >= 5)
    assert sorted(c.id for c in desk.received) == sorted(ids)
    assert all(desk.store.command_known(i) for i in ids)
    expected = ServerMode.INSTANT if crm.options.profile == "production" else ServerMode.LONG_POLL
    await eventually(lambda: desk.link.status().server_mode is expected)
    (device,) = crm.devices()
    assert device["device_id"] == desk.link.device_id
    assert all(crm.command(i)["device_id"] == desk.link.device_id for i in ids)


async def test_a_new_link_resumes_the_session_from_the_keyring(
    desk: Desk, crm: RunningCrm, tmp_path: Path
) -> None:
    await desk.sign_in()
    await desk.link.stop()
    again = Desk(crm, tmp_path / "second")
    await again.link.start()
    try:
        assert again.link.status().signed_in
        cid = crm.create_command("op1", "+79123456789")
        await eventually(lambda: [c.id for c in again.received] == [cid])
    finally:
        await again.link.stop()
        again.store.close()


@pytest.mark.slow
@pytest.mark.parametrize(("profile", "expiries"), [("production", 20), ("seed", 3)])
async def test_a_session_survives_20_access_token_expiries_without_an_error(
    profile: str, expiries: int, tmp_path: Path
) -> None:
    # 1.5 s, not less: the simulated CRM's PyJWT compares `exp` in whole seconds, so shorter
    # lifetimes can be born expired. Production rotates the refresh token; the seed does not.
    options = crm_options(
        profile, access_ttl=1.5, login_per_min=10_000, ip_limit=100_000, pull_per_min=100_000
    )
    with start_in_thread(options, port=0) as crm:
        desk = Desk(crm, tmp_path, poll_min_interval_s=0.02)
        await desk.sign_in()
        await desk.link.start()
        try:
            await eventually(lambda: desk.link.session.refresh_count >= expiries, timeout=45)
            cid = crm.create_command("op1", "+79123456789")
            await eventually(lambda: cid in [c.id for c in desk.received])
            assert desk.link.status().signed_in
        finally:
            await desk.link.stop()
            desk.store.close()
        refreshes = requests_to(crm, "/api/token/refresh/")
        assert len(refreshes) >= expiries
        assert all(r["status"] == 200 for r in refreshes)
        assert [e for e in desk.events if isinstance(e, SessionChanged)] == [
            SessionChanged(True, "op1", None)
        ]


async def test_a_refresh_storm_of_10_concurrent_401s_makes_one_refresh_request(
    tmp_path: Path,
) -> None:
    with start_in_thread(crm_options("production", access_ttl=1.0), port=0) as crm:
        desk = Desk(crm, tmp_path)
        await desk.sign_in()
        session = desk.link.session
        await asyncio.sleep(1.1)  # the access token has expired now
        answers = await asyncio.gather(
            *(session.call(lambda a: session.api.user_info(a)) for _ in range(10))
        )
        await desk.link.stop()
        desk.store.close()
        assert {a.username for a in answers} == {"op1"}
        assert len(requests_to(crm, "/api/token/refresh/")) == 1
        assert (
            len([r for r in requests_to(crm, "/api/phone/user/info/") if r["status"] == 401]) == 10
        )


async def test_after_a_401_on_refresh_nothing_is_sent_but_a_login(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    with start_in_thread(crm_options("production", access_ttl=2.0), port=0) as crm:
        desk = Desk(crm, tmp_path)
        await desk.sign_in()
        await desk.link.start()
        try:
            await eventually(lambda: desk.link.status().last_poll_code == 204)
            crm.set_faults(fail_next=[{"path": "/api/token/refresh/", "status": 401, "count": 1}])
            await eventually(lambda: not desk.link.status().signed_in)
            ended_at = len(crm.requests())
            assert crm.requests()[-1]["path"] == "/api/token/refresh/"
            cid = crm.create_command("op1", "+79123456789")
            await asyncio.sleep(1.0)
            assert len(crm.requests()) == ended_at
            assert memory_keyring.secrets == {}
            await desk.sign_in()
            after = [r["path"] for r in crm.requests()[ended_at:]]
            assert after[0] == "/api/phone/qr/exchange/"
            await eventually(lambda: cid in [c.id for c in desk.received])
        finally:
            await desk.link.stop()
            desk.store.close()


async def test_password_login_refused_by_production_shows_the_servers_words(
    tmp_path: Path,
) -> None:
    with start_in_thread(crm_options("production"), port=0) as crm:
        desk = Desk(crm, tmp_path)
        with pytest.raises(Rejected) as caught:
            await desk.link.login_password(crm.url, "op1", "pw1")
        await desk.link.stop()
        desk.store.close()
        assert caught.value.status == 403
        assert "JWT" in str(caught.value)
        assert "pw1" not in str(caught.value)


async def test_no_action_reaches_production_as_unknown_and_the_seed_as_itself(
    desk: Desk, crm: RunningCrm
) -> None:
    await desk.sign_in()
    await desk.link.start()
    cid = crm.create_command("op1", "+79123456789")
    await eventually(lambda: len(desk.received) == 1)
    call_id = desk.report(cid, CallStatus.NO_ACTION, direction=Direction.OUTGOING)
    await eventually(lambda: desk.store.call(call_id).report_state is ReportState.SENT)
    expected = "unknown" if crm.options.profile == "production" else "no_action"
    assert crm.command(cid)["result"]["call_status"] == expected
    entry = desk.store.call(call_id)
    assert entry.status is CallStatus.NO_ACTION
    assert entry.wire_status == CallStatus(expected)


async def test_a_result_the_server_never_issued_is_a_dead_letter_and_not_retried(
    desk: Desk, crm: RunningCrm, caplog: pytest.LogCaptureFixture
) -> None:
    await desk.sign_in()
    await desk.link.start()
    stranger = str(uuid.uuid4())
    entry = desk.store.add_call(
        source=ActionSource.CRM_UI, phone="+79123456789", command_id=stranger, report_id=stranger
    )
    assert entry is not None
    desk.report(stranger, CallStatus.CONNECTED)
    await eventually(lambda: desk.store.outbox_stats().dead == 1)
    await asyncio.sleep(0.5)
    tries = [r for r in requests_to(crm, "/api/phone/calls/update/") if r["status"] == 404]
    assert len(tries) == 1
    assert "CallRequest not found" in (desk.store.call(entry.id).report_error or "")
    assert desk.link.status().outbox_dead == 1


async def test_heartbeat_telemetry_and_log_bundles_reach_the_crm(
    desk: Desk, crm: RunningCrm
) -> None:
    await desk.sign_in()
    await desk.link.start()
    await eventually(lambda: bool(crm.devices()) and crm.devices()[0]["heartbeats"] >= 1)
    beat = crm.devices()[0]["last_heartbeat"]
    assert beat["device_name"] == desk.settings.device_name
    assert beat["encryption_enabled"] is True
    for n in range(150):
        desk.link.record_telemetry(
            TelemetryItem(type=TelemetryType.LATENCY, ts=utcnow(), value_ms=n, endpoint="/x")
        )
    desk.link.record_telemetry(
        TelemetryItem(type=TelemetryType.ERROR, ts=utcnow(), http_code=429, endpoint="/x")
    )
    await eventually(lambda: len(crm.telemetry()) == 150)
    await desk.link.send_log_bundle("call +79123456789 ok\n" * 5000)
    await eventually(lambda: len(crm.logs()) >= 2)
    assert all("+79123456789" not in e["payload"] for e in crm.logs())
    assert all(t.get("http_code") != 429 for t in crm.telemetry())
    desk.link.record_telemetry(TelemetryItem(type=TelemetryType.QUEUE, ts=utcnow()))
    await desk.link.stop()  # a batch not yet sent is kept in the outbox, not lost
    assert desk.store.outbox_stats().pending_by_kind.get("telemetry", 0) == 1


async def test_logout_tells_the_server_and_forgets_the_session(
    desk: Desk, crm: RunningCrm, memory_keyring: MemoryKeyring
) -> None:
    await desk.sign_in()
    assert memory_keyring.secrets
    await desk.link.logout()
    assert requests_to(crm, "/api/phone/logout/")[0]["status"] == 200
    assert memory_keyring.secrets == {}
    assert not desk.link.status().signed_in


async def test_a_403_device_not_found_registers_the_device_again(
    desk: Desk, crm: RunningCrm
) -> None:
    await desk.sign_in()
    await desk.link.start()
    await eventually(lambda: desk.link.status().last_poll_code == 204)
    crm.set_faults(fail_next=[{"path": "/api/phone/calls/pull/", "status": 403, "count": 1}])
    await eventually(lambda: len(requests_to(crm, "/api/phone/devices/register/")) == 2)
    cid = crm.create_command("op1", "+79123456789")
    await eventually(lambda: [c.id for c in desk.received] == [cid])


async def test_no_pulls_while_the_phone_is_busy(tmp_path: Path) -> None:
    with start_in_thread(crm_options("production"), port=0) as crm:
        desk = Desk(crm, tmp_path)
        await desk.sign_in()
        await desk.link.start()
        try:
            await eventually(lambda: desk.link.status().last_poll_code == 204)
            desk.link.set_phone_busy(True)
            await asyncio.sleep(0.2)  # a pull already in flight may finish
            before = len(requests_to(crm, "/api/phone/calls/pull/"))
            await asyncio.sleep(1.0)
            assert len(requests_to(crm, "/api/phone/calls/pull/")) == before
            assert desk.link.status().phone_busy
            cid = crm.create_command("op1", "+79123456789")
            desk.link.set_phone_busy(False)
            await eventually(lambda: [c.id for c in desk.received] == [cid])
        finally:
            await desk.link.stop()
            desk.store.close()


@pytest.mark.slow
async def test_server_errors_back_off_and_never_sign_out(desk: Desk, crm: RunningCrm) -> None:
    await desk.sign_in()
    await desk.link.start()
    await eventually(lambda: desk.link.status().last_poll_code == 204)
    crm.set_faults(error_rate=1.0, error_status=502)
    await eventually(lambda: desk.link.status().last_poll_code == 502)
    await asyncio.sleep(1.5)
    failed = [r for r in requests_to(crm, "/api/phone/calls/pull/") if r["status"] == 502]
    assert 1 <= len(failed) <= 4  # growing delays, not a tight loop
    crm.set_faults(error_rate=0.0)
    cid = crm.create_command("op1", "+79123456789")
    await eventually(lambda: [c.id for c in desk.received] == [cid], timeout=15)
    assert desk.link.status().signed_in
    assert not [e for e in desk.events if isinstance(e, SessionChanged) and not e.signed_in]
    await desk.link.stop()  # unsent telemetry goes to the outbox: the failures are in it
    items = [i for o in desk.store.due(limit=100) if o.kind == "telemetry" for i in o.body["items"]]
    assert any(i["type"] == "error" and i.get("http_code") == 502 for i in items)


@pytest.mark.slow
async def test_a_per_ip_lockout_is_waited_out_with_rare_probes(
    tmp_path: Path,
) -> None:
    # Another desk behind the same IP has used the budget: our planner cannot know it.
    options = crm_options("production", ip_limit=20, ip_window=1.5)
    with start_in_thread(options, port=0) as crm:
        desk = Desk(crm, tmp_path, rate_limit_requests=60, rate_window_s=1.5)
        await desk.sign_in()
        await desk.link.start()
        try:
            await eventually(lambda: desk.link.status().count_429 >= 1)
            assert desk.link.status().rate_limited
            await eventually(lambda: not desk.link.status().rate_limited, timeout=10)
            cid = crm.create_command("op1", "+79123456789")
            await eventually(lambda: cid in [c.id for c in desk.received], timeout=10)
            assert desk.link.status().signed_in
        finally:
            await desk.link.stop()
            desk.store.close()
        refused = [r for r in crm.requests() if r.get("limited_by") == "ip"]
        # Once locked out, probes are a few, not a storm.
        assert 1 <= len(refused) <= 6

"""The engine's public API as a window uses it, against the simulated CRM (production profile),
a real adb server and simulated phones: settings changed in one place reach every part at once,
the session outlives short-lived access tokens without 401s, and a window that never polls is
told when requests are held back and why."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from softphone.config import load_settings, paths
from softphone.engine import (
    CallChanged,
    Engine,
    EngineEvent,
    EngineStatus,
    PacingChanged,
    PhoneChanged,
    SessionChanged,
    SettingsChanged,
    SettingsRefused,
)
from softphone.model import CallPhase
from softphone.problems import ProblemKind
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from softphone.sync import InsecureServer, PacingCause, Rejected
from tests.support.adb import AdbServer, SimPhoneFactory
from tests.support.engines import desk_engine
from tests.support.waiting import eventually

pytestmark = [pytest.mark.adb]

REFRESH = "/api/token/refresh/"


def production(**options: Any) -> CrmOptions:
    return CrmOptions(profile="production", users=[("op1", "pw1", False)], **options)


@pytest.fixture
def crm() -> Iterator[RunningCrm]:
    with start_in_thread(production(), port=0) as server:
        yield server


@contextlib.asynccontextmanager
async def signed_in(
    crm: RunningCrm, adb_server: AdbServer, **settings: Any
) -> AsyncIterator[tuple[Engine, list[EngineEvent]]]:
    """An engine on this test's home, signed in by QR, its device registered and its first
    heartbeat answered (only pulls are left to come), recording every event."""
    engine = desk_engine(adb_server.port, **settings)
    events: list[EngineEvent] = []
    engine.subscribe(events.append)
    await engine.start()
    try:
        await engine.login_qr(crm.url, crm.create_qr("op1"))
        await eventually(
            lambda: any(d["heartbeats"] for d in crm.devices()), 15, "the first heartbeat"
        )
        yield engine, events
    finally:
        await engine.stop()


def am_starts(phone: SimPhone) -> list[str]:
    return [c for c in phone.commands() if c.startswith("am start")]


def of_type(events: list[EngineEvent], kind: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


# -- the session against short-lived access tokens ---------------------------------------------


@pytest.mark.slow
async def test_an_8_s_access_token_is_refreshed_ahead_of_expiry_for_half_a_minute(
    adb_server: AdbServer,
) -> None:
    # Production's lifetimes shrunk to 8 s: the refresh is due ~6.4 s after each token was
    # issued. /api/token/* takes 10 POSTs a minute per address, so this stays under 40 s.
    with start_in_thread(production(access_ttl=8), port=0) as crm:
        async with signed_in(crm, adb_server) as (engine, events):

            def refreshes() -> list[dict[str, Any]]:
                return [r for r in crm.requests() if r["path"] == REFRESH]

            await eventually(lambda: len(refreshes()) >= 4, 45, "four refreshes")
            status = engine.status()
        log = crm.requests()
    assert {r["status"] for r in refreshes()} == {200}
    pulls = [r for r in log if r["path"] == "/api/phone/calls/pull/"]
    # Pulls went on across four token lifetimes…
    assert pulls[-1]["t"] - pulls[0]["t"] > 3 * 8
    assert {r["status"] for r in pulls} <= {200, 204}
    # …and the server never had to refuse an expired token: the refresh came first.
    refused = [r for r in log if r["path"].startswith("/api/phone/") and r["status"] == 401]
    assert len(refused) <= 1, refused
    assert status.sync.signed_in
    assert [e.signed_in for e in of_type(events, SessionChanged)] == [True]


# -- update_settings ---------------------------------------------------------------------------


async def test_a_settings_change_reaches_the_flow_the_link_and_the_phone_at_once_and_is_kept(
    crm: RunningCrm, adb_server: AdbServer, sim_phone_factory: SimPhoneFactory
) -> None:
    first, second = sim_phone_factory(), sim_phone_factory(model="Redmi Note 12")
    for phone in (first, second):
        phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    async with signed_in(crm, adb_server, phone_serial=first.serial) as (engine, events):
        await eventually(lambda: engine.status().ready, 15, "the first phone ready")
        assert engine.status().sync.budget_limit == 58  # 60 a minute, one kept spare
        since = len(events)
        updated = await engine.update_settings(
            auto_dial=False, phone_serial=second.serial, rate_limit_requests=30
        )

        # Said once, naming what moved; saved for the next start.
        [said] = of_type(events[since:], SettingsChanged)
        assert said.changed == {"auto_dial", "phone_serial", "rate_limit_requests"}
        assert said.settings == updated == engine.settings
        saved = load_settings(paths())
        assert (saved.auto_dial, saved.phone_serial, saved.rate_limit_requests) == (
            False,
            second.serial,
            30,
        )
        # The link: its request budget follows at once.
        assert engine.status().sync.budget_limit == 28
        # The phone: the chosen one is looked at and used.
        await eventually(
            lambda: any(
                e.phone.serial == second.serial and e.phone.ready
                for e in of_type(events, PhoneChanged)
            ),
            15,
            "the second phone chosen",
        )
        # The flow: the next command waits for the operator instead of being dialled.
        command_id = crm.create_command("op1", "+79123456730")
        waiting = await eventually(
            lambda: next(
                (
                    e.entry
                    for e in of_type(events, CallChanged)
                    if e.entry.command_id == command_id
                    and e.entry.phase is CallPhase.AWAITING_CONFIRMATION
                ),
                None,
            ),
            30,
            "the command waiting for confirmation",
        )
        assert [w.id for w in engine.status().waiting] == [waiting.id]
        assert am_starts(first) == am_starts(second) == []
        await engine.confirm(waiting.id)
        await eventually(
            lambda: engine.entry(waiting.id).phase is CallPhase.RESOLVED, 30, "the call made"
        )
    assert am_starts(first) == []
    assert am_starts(second) == ["am start -a android.intent.action.CALL -d tel:+79123456730"]


async def test_an_invalid_setting_is_refused_by_field_and_nothing_is_saved_or_applied(
    crm: RunningCrm, adb_server: AdbServer
) -> None:
    async with signed_in(crm, adb_server) as (engine, events):
        before = engine.settings
        since = len(events)
        with pytest.raises(SettingsRefused) as refused:
            await engine.update_settings(auto_dial=False, poll_min_interval_s=-1)
        assert set(refused.value.errors) == {"poll_min_interval_s"}
        assert "greater than 0" in refused.value.errors["poll_min_interval_s"]
        with pytest.raises(SettingsRefused) as refused:
            await engine.update_settings(server_url="crm.example.com", rate_limit_requests=3)
        assert set(refused.value.errors) == {"server_url", "rate_limit_requests"}
        assert "https://" in refused.value.errors["server_url"]
        with pytest.raises(SettingsRefused) as refused:
            await engine.update_settings(auto_dial=False, dial_speed=3)
        assert refused.value.errors == {"dial_speed": "not a setting"}
        # All or nothing: auto_dial, valid on its own, was not taken either.
        assert engine.settings == before and engine.settings.auto_dial is True
        assert engine.status().auto_dial is True
        assert of_type(events[since:], SettingsChanged) == []
        assert load_settings(paths()).auto_dial is True
        # A change to what is already in force is no change.
        assert await engine.update_settings(auto_dial=True) == before
        assert of_type(events[since:], SettingsChanged) == []


async def test_set_auto_dial_and_choose_phone_are_settings_changes(
    crm: RunningCrm, adb_server: AdbServer
) -> None:
    async with signed_in(crm, adb_server) as (engine, events):
        since = len(events)
        await engine.set_auto_dial(False)
        await engine.choose_phone("R58M12345")
        assert [e.changed for e in of_type(events[since:], SettingsChanged)] == [
            {"auto_dial"},
            {"phone_serial"},
        ]
        assert engine.status().auto_dial is False
        assert engine.settings.phone_serial == "R58M12345"
    saved = load_settings(paths())
    assert (saved.auto_dial, saved.phone_serial) == (False, "R58M12345")


def plain_http_name() -> str:
    """A name of this machine that reaches a server bound to every address but is not
    "localhost" or a loopback address (plain HTTP to it needs the operator's leave)."""
    name = socket.gethostname()
    try:
        socket.gethostbyname(name)
    except OSError:
        pytest.skip(f"this machine's name {name!r} does not resolve")
    if name.lower() == "localhost" or not name or ":" in name:
        pytest.skip("this machine's name is not usable here")
    return name.lower()


async def test_plain_http_leave_reaches_the_link_at_once_both_ways(adb_server: AdbServer) -> None:
    name = plain_http_name()
    with start_in_thread(production(), host="0.0.0.0", port=0) as crm:
        url = f"http://{name}:{crm.port}"
        engine = desk_engine(adb_server.port)
        await engine.start()
        try:
            with pytest.raises(InsecureServer):
                await engine.login_qr(url, crm.create_qr("op1"))
            assert not any(r["path"] == "/api/phone/qr/exchange/" for r in crm.requests())
            await engine.update_settings(allow_plain_http=[name])
            await engine.login_qr(url, crm.create_qr("op1"))
            assert engine.status().sync.signed_in
            # Taken back: the link keeps no connection made under the old rule.
            await engine.update_settings(allow_plain_http=[])
            exchanges = len([r for r in crm.requests() if r["path"] == "/api/phone/qr/exchange/"])
            with pytest.raises(InsecureServer):
                await engine.login_qr(url, crm.create_qr("op1"))
            assert (
                len([r for r in crm.requests() if r["path"] == "/api/phone/qr/exchange/"])
                == exchanges
            )
        finally:
            await engine.stop()


# -- pacing, for a window that never polls -----------------------------------------------------


async def test_the_planners_own_hold_is_announced_with_its_end_and_so_is_the_release(
    adb_server: AdbServer,
) -> None:
    # A per-address limit of 10 requests and a 2 s window, known to the desk: the planner
    # holds pulls back before the server would refuse any.
    with start_in_thread(production(ip_limit=10, ip_window=2.0), port=0) as crm:
        async with signed_in(
            crm,
            adb_server,
            rate_limit_requests=10,
            rate_window_s=2.0,
            poll_min_interval_s=0.05,
            # With a budget this small the planner would stretch each pull past the window
            # and never be held: cap its slowest pace.
            poll_max_interval_s=0.1,
        ) as (engine, _):
            # What a window sees when it is told: the status at that moment.
            seen: list[tuple[PacingChanged, EngineStatus, float]] = []

            def told(event: EngineEvent) -> None:
                if isinstance(event, PacingChanged):
                    seen.append((event, engine.status(), time.time()))

            engine.subscribe(told)
            held, status_while_held, told_at = await eventually(
                lambda: next((x for x in seen if x[0].held), None), 15, "a hold announced"
            )
            await eventually(
                lambda: any(not e.held and at > told_at for e, _, at in seen),
                15,
                "the release announced",
            )
        log = crm.requests()
    assert held.cause is PacingCause.BUDGET and not held.shared
    assert status_while_held.sync.rate_limited
    assert status_while_held.sync.rate_limited_until == held.until
    assert [p.kind for p in status_while_held.problems if p.area.value == "server"] == [
        ProblemKind.RATE_LIMITED
    ]
    # The countdown is honest: nothing left between the announcement and the announced end
    # (to its rounding), and requests went again after it.
    assert held.until is not None and held.until > told_at
    api = [r for r in log if r["path"].startswith("/api/phone/")]
    assert [r for r in api if told_at < r["t"] < held.until - 0.2] == []
    assert any(r["t"] >= held.until - 0.2 for r in api)
    assert [r for r in log if r["status"] == 429] == []  # held back before the wall, not at it


async def test_a_limit_spent_by_another_desk_is_a_shared_hold_in_the_status(
    adb_server: AdbServer,
) -> None:
    with start_in_thread(production(ip_limit=20, ip_window=3.0), port=0) as crm:
        async with signed_in(
            crm,
            adb_server,
            rate_limit_requests=20,
            rate_window_s=3.0,
            poll_min_interval_s=1.0,
            poll_max_interval_s=1.0,
        ) as (engine, events):
            await eventually(
                lambda: any(r["path"] == "/api/phone/calls/pull/" for r in crm.requests()),
                15,
                "the engine pulling",
            )
            # Another desk behind the same address spends the whole limit.
            async with httpx.AsyncClient(base_url=crm.url, timeout=10) as other:
                for _ in range(40):
                    if (await other.get("/api/phone/user/info/")).status_code == 429:
                        break
                else:
                    pytest.fail("the other desk never reached the limit")
            held = await eventually(
                lambda: next(
                    (e for e in of_type(events, PacingChanged) if e.held and e.shared), None
                ),
                15,
                "a shared hold announced",
            )
            status = engine.status()
            assert status.sync.count_429 >= 1 and status.sync.limit_shared
            assert ProblemKind.RATE_LIMIT_SHARED in [p.kind for p in status.problems]
            await eventually(
                lambda: of_type(events, PacingChanged)[-1].held is False, 20, "going again"
            )
            assert ProblemKind.RATE_LIMIT_SHARED not in [p.kind for p in engine.status().problems]
        log = crm.requests()
    assert held.cause is PacingCause.IP_LIMIT and held.until is not None
    # The desk's own count was far from the limit when its pull was refused.
    first_refusal = next(
        i for i, r in enumerate(log) if r["path"] == "/api/phone/calls/pull/" and r["status"] == 429
    )
    own = [r for r in log[:first_refusal] if r["path"] != "/api/phone/user/info/"]
    assert len(own) < 20 - 3


async def test_no_events_without_pacing_are_sent_when_nothing_is_held(
    crm: RunningCrm, adb_server: AdbServer
) -> None:
    async with signed_in(crm, adb_server) as (engine, events):
        await eventually(
            lambda: len([r for r in crm.requests() if r["path"] == "/api/phone/calls/pull/"]) >= 3,
            20,
            "three pulls",
        )
        assert not engine.status().sync.rate_limited
    assert all(not e.held for e in of_type(events, PacingChanged))


async def test_a_password_refused_by_a_qr_only_server_leaves_that_server_for_a_qr_sign_in(
    crm: RunningCrm, adb_server: AdbServer
) -> None:
    engine = desk_engine(adb_server.port)
    events: list[EngineEvent] = []
    engine.subscribe(events.append)
    await engine.start()
    try:
        with pytest.raises(Rejected) as refused:
            await engine.login_password(crm.url + "/", "op1", "pw1")
        assert refused.value.status == 403 and "QR" in str(refused.value)
        assert not engine.status().sync.signed_in
        # The window offers the QR sign-in for this server next; doctor looks at it.
        assert engine.qr_only(crm.url)
        assert engine.settings.server_url == crm.url == load_settings(paths()).server_url
        assert [e.changed for e in of_type(events, SettingsChanged)] == [{"server_url"}]
    finally:
        await engine.stop()


# -- a report's way to the CRM, call by call (the history's delivery column) -------------------

UPDATE = "/api/phone/calls/update/"


@pytest.mark.slow
async def test_a_reports_way_to_the_crm_is_told_call_by_call_waiting_sent_refused_discarded(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone, caplog: pytest.LogCaptureFixture
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    async with signed_in(crm, adb_server) as (engine, events):
        crm.set_faults(fail_next=[{"path": UPDATE, "status": 503, "count": 1}])
        waiting = crm.create_command("op1", "+79123456711")
        entry = await eventually(lambda: engine.entry_for_command(waiting), 15, "the command")
        # The item is there, untried, from the moment the result is queued: wait for its try.
        put_off = await eventually(
            lambda: (d := engine.deliveries([entry.id]).get(entry.id)) and d.attempts and d,
            30,
            "the first try refused",
        )
        assert put_off.attempts == 1 and put_off.last_error and "503" in put_off.last_error
        assert put_off.next_attempt_at > time.time() - 1 and not put_off.is_dead
        # The window learns of the put-off try from the call's own event, not by asking.
        assert any(
            isinstance(e, CallChanged)
            and e.entry.id == entry.id
            and e.entry.report_state.value == "queued"
            for e in events
        )
        await eventually(
            lambda: engine.entry(entry.id).report_state.value == "sent", 30, "sent on the retry"
        )
        assert engine.deliveries([entry.id]) == {}

        crm.set_faults(fail_next=[{"path": UPDATE, "status": 404, "count": 1}])
        refused = crm.create_command("op1", "+79123456712")
        other = await eventually(lambda: engine.entry_for_command(refused), 15, "the command")
        dead = await eventually(
            lambda: (d := engine.deliveries([other.id]).get(other.id)) and d.is_dead and d,
            30,
            "refused for good",
        )
        events.clear()
        await engine.discard_dead(dead.id)
        assert engine.deliveries([other.id]) == {}
        assert [e.entry.id for e in of_type(events, CallChanged)] == [other.id]

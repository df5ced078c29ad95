"""The phone bridge through a real adb server to the simulated phone: calls, faults, events.

Every test here talks to the private adb server of `tests/support/adb.py` (a free port, USB
off): nothing touches a developer's own adb server. The simulated phone records every command
line it receives, which is how these tests see exactly what the bridge sent.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator

import pytest

from softphone.adb import bridge as adb
from softphone.adb.bridge import (
    CallLogDenied,
    DeviceEvent,
    PhoneBridge,
    PhoneError,
)
from softphone.adb.telecom import disconnect_outcome
from softphone.model import CallLogType
from softphone.problems import Problem, ProblemKind, Reason
from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer

pytestmark = pytest.mark.adb

SAFE_DIAL = re.compile(r"am start -a android\.intent\.action\.CALL -d tel:\+?[0-9]{2,15}")
NUMBER = "+79991234567"


@pytest.fixture
async def phone_bridge(adb_server: AdbServer) -> AsyncIterator[PhoneBridge]:
    bridge = PhoneBridge("127.0.0.1", adb_server.port, command_timeout=5.0)
    await bridge.start()
    try:
        yield bridge
    finally:
        await bridge.close()


@pytest.fixture
def dual_sim_phone(adb_server: AdbServer) -> Iterator[SimPhone]:
    """Two SIMs, calls on the second one (subscription 2)."""
    phone = SimPhone(sims=2, default_sim=1, log_delay_s=0.1)
    phone.start()
    try:
        adb_server.connect(phone.serial)
        yield phone
    finally:
        adb_server.disconnect(phone.serial)
        phone.stop()


async def wait_state(bridge: PhoneBridge, serial: str, wanted: int, timeout: float = 8.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    state = await bridge.call_state(serial)
    while state != wanted and loop.time() < deadline:
        await asyncio.sleep(0.05)
        state = await bridge.call_state(serial)
    return state


async def wait_rows(
    bridge: PhoneBridge, serial: str, since_ms: int, timeout: float = 5.0
) -> list[adb.CallLogRow]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    rows = await bridge.call_log_since(serial, since_ms)
    while not rows and loop.time() < deadline:
        await asyncio.sleep(0.05)
        rows = await bridge.call_log_since(serial, since_ms)
    return rows


async def next_event(
    events: AsyncIterator[DeviceEvent], serial: str, timeout: float
) -> DeviceEvent:
    """The next event about `serial` (other phones on the shared server are skipped)."""
    async with asyncio.timeout(timeout):
        async for event in events:
            if event.serial == serial:
                return event
    raise AssertionError("the event stream ended")


# -- devices ----------------------------------------------------------------------------------


async def test_devices_lists_the_phone_with_its_state_and_model(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    devices = {d.serial: d for d in await phone_bridge.devices()}
    assert devices[sim_phone.serial].state == "device"
    assert devices[sim_phone.serial].model == "Pixel_7"  # adb's spelling: spaces become _


async def test_start_is_idempotent_and_reports_the_server_version(
    phone_bridge: PhoneBridge,
) -> None:
    first = phone_bridge.server_version
    await phone_bridge.start()
    assert first is not None and re.fullmatch(r"1\.0\.\d+", first)
    assert phone_bridge.server_version == first


# -- calls ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "connected"),
    [
        ("answered", True),
        ("no_answer", False),
        ("busy", False),
        ("rejected", False),
        ("failed", False),
    ],
)
async def test_dial_goes_offhook_then_idle_and_leaves_the_right_log_row(
    phone_bridge: PhoneBridge, sim_phone: SimPhone, outcome: str, connected: bool
) -> None:
    sim_phone.push_scripts(CallScript(ring_s=0.2, outcome=outcome, talk_s=1.1))
    result = await phone_bridge.dial(sim_phone.serial, NUMBER)
    assert result.started, (result.reason, result.detail)
    assert result.reason is None and result.detail is None
    assert result.call_state == adb.OFFHOOK
    assert result.output.startswith("Starting: Intent { act=android.intent.action.CALL")
    assert result.phone_ms_before is not None

    assert await wait_state(phone_bridge, sim_phone.serial, adb.IDLE) == adb.IDLE
    rows = await wait_rows(phone_bridge, sim_phone.serial, result.phone_ms_before)
    assert len(rows) == 1
    (row,) = rows
    assert row.number == NUMBER
    assert row.type is CallLogType.OUTGOING  # always 2 for calls we place, whatever happened
    assert row.date_ms >= result.phone_ms_before
    assert row.subscription_id == "1"
    if connected:
        assert row.duration_s >= 1
    else:
        assert row.duration_s == 0


async def test_end_call_hangs_up_and_the_log_keeps_the_talk_time(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    sim_phone.push_scripts(CallScript(ring_s=0.1, outcome="answered", talk_s=30))
    result = await phone_bridge.dial(sim_phone.serial, NUMBER)
    assert result.started and result.phone_ms_before is not None
    await asyncio.sleep(1.2)
    check = await phone_bridge.end_call(sim_phone.serial)
    assert check.ok
    assert await phone_bridge.call_state(sim_phone.serial) == adb.IDLE
    (row,) = await wait_rows(phone_bridge, sim_phone.serial, result.phone_ms_before)
    assert row.duration_s == 1


async def test_call_log_since_returns_only_rows_from_that_moment_newest_first(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    now = await phone_bridge.phone_time_ms(sim_phone.serial)
    sim_phone.add_call_log_row("+79990000001", date_ms=now - 60_000, duration=5)
    sim_phone.add_call_log_row("+79990000002", date_ms=now + 1_000, duration=0, type=3)
    sim_phone.add_call_log_row(
        "+79990000003", date_ms=now + 2_000, duration=7, subscription_id=None, name="Smith, John"
    )
    rows = await phone_bridge.call_log_since(sim_phone.serial, now)
    assert [(r.number, r.duration_s, r.type, r.subscription_id) for r in rows] == [
        ("+79990000003", 7, CallLogType.OUTGOING, None),
        ("+79990000002", 0, CallLogType.MISSED, "1"),
    ]


async def test_dual_sim_call_is_logged_under_the_sim_that_placed_it(
    phone_bridge: PhoneBridge, dual_sim_phone: SimPhone
) -> None:
    dual_sim_phone.push_scripts(CallScript(ring_s=0.1, outcome="no_answer"))
    result = await phone_bridge.dial(dual_sim_phone.serial, NUMBER)
    assert result.started and result.phone_ms_before is not None
    assert await wait_state(phone_bridge, dual_sim_phone.serial, adb.IDLE) == adb.IDLE
    (row,) = await wait_rows(phone_bridge, dual_sim_phone.serial, result.phone_ms_before)
    assert row.subscription_id == "2"
    dual_sim_phone.clear_commands()
    capabilities = await phone_bridge.probe(dual_sim_phone.serial)
    assert capabilities.sim_count == 2
    assert adb.DEFAULT_CALL_SIM_COMMAND in dual_sim_phone.commands()
    # This phone has a default SIM for calls. A simulated phone that does not know `settings`
    # yet answers "inaccessible or not found": unknown, which is no problem either.
    assert capabilities.problems == []
    assert capabilities.default_call_sim_known == (capabilities.default_call_sim is not None)


async def test_possible_emergency_number_is_reported_as_not_started(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    result = await phone_bridge.dial(sim_phone.serial, "112", start_timeout=0.5)
    assert not result.started
    assert result.call_state == adb.IDLE
    assert result.reason is Reason.DIAL_NOT_STARTED
    assert result.detail is None  # am start took the intent: nothing refused it in words
    assert sim_phone.state()["dial_intents"] == 1  # Telecom opened the dialer instead


async def test_dual_sim_chooser_is_reported_as_not_started(
    phone_bridge: PhoneBridge, dual_sim_phone: SimPhone
) -> None:
    dual_sim_phone.set_default_sim(None)
    result = await phone_bridge.dial(dual_sim_phone.serial, NUMBER, start_timeout=0.5)
    assert not result.started
    assert (result.reason, result.call_state) == (Reason.DIAL_NOT_STARTED, adb.IDLE)
    assert dual_sim_phone.state()["sim_choosers"] == 1
    capabilities = await phone_bridge.probe(dual_sim_phone.serial)
    assert capabilities.default_call_sim is None
    if capabilities.default_call_sim_known:  # a simulated phone that answers `settings get`
        assert capabilities.problems == [Problem(ProblemKind.NO_DEFAULT_SIM, params={"sims": 2})]
    else:
        assert capabilities.problems == []


async def test_nothing_is_dialled_while_the_phone_is_in_a_call(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    sim_phone.incoming_call("+79995554433", ring_s=0.0, answered=True, talk_s=30)
    sim_phone.clear_commands()
    result = await phone_bridge.dial(sim_phone.serial, NUMBER)
    assert not result.started
    assert (result.reason, result.call_state) == (Reason.PHONE_BUSY, adb.OFFHOOK)
    assert sim_phone.commands() == [adb.CALL_STATE_COMMAND]


async def test_telecom_calls_asks_telecom_and_reads_its_analytics_if_it_prints_any(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    sim_phone.push_scripts(CallScript(ring_s=0.1, outcome="busy"))
    result = await phone_bridge.dial(sim_phone.serial, NUMBER)
    assert result.started and result.phone_ms_before is not None
    assert await wait_state(phone_bridge, sim_phone.serial, adb.IDLE) == adb.IDLE
    ended_ms = await phone_bridge.phone_time_ms(sim_phone.serial)
    sim_phone.clear_commands()
    calls = await phone_bridge.telecom_calls(sim_phone.serial)
    assert sim_phone.commands() == [adb.TELECOM_COMMAND]
    # A simulated phone without `dumpsys telecom` prints "Can't find service": no blocks. One
    # that prints telecom's analytics must show this call as busy.
    if calls:
        ours = disconnect_outcome(calls, dial_ms=result.phone_ms_before, end_ms=ended_ms)
        assert ours is not None
        assert (ours.direction, ours.code) == ("OUTGOING", "BUSY")


# -- exactly what was sent --------------------------------------------------------------------


async def test_the_phone_receives_exactly_the_expected_command_lines(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    sim_phone.push_scripts(CallScript(ring_s=5, outcome="no_answer"))
    serial = sim_phone.serial
    await phone_bridge.probe(serial)
    result = await phone_bridge.dial(serial, NUMBER)  # off-hook at once: one state check after
    assert result.started and result.phone_ms_before is not None
    await phone_bridge.end_call(serial)
    await phone_bridge.call_log_since(serial, result.phone_ms_before)
    assert sim_phone.commands() == [
        "getprop",
        "date +%s%3N",
        "content query --uri content://call_log/calls --projection "
        '_id:number:date:duration:type:subscription_id --where "_id<0"',
        "input keyevent 0",
        "dumpsys telephony.registry | grep mCallState",
        "dumpsys telephony.registry | grep mCallState",
        "date +%s%3N",
        "am start -a android.intent.action.CALL -d tel:+79991234567",
        "dumpsys telephony.registry | grep mCallState",
        "input keyevent KEYCODE_ENDCALL",
        "content query --uri content://call_log/calls --projection "
        f'_id:number:date:duration:type:subscription_id --where "date>={result.phone_ms_before}" '
        '--sort "date DESC"',
    ]


HOSTILE = [
    "+79991234567; reboot",
    "+79991234567 && input keyevent 3",
    "$(reboot)",
    "`reboot`",
    "'; reboot; '",
    '"+79991234567"',
    "+79991234567\nreboot",
    "+79991234567\r\n",
    "+7999 | sh",
    "+7999>/sdcard/x",
    "+7 (999) 123-45-67",
    "tel:+79991234567",
    "+79991234567,,1234",
    "*#06#",
    "+" + "9" * 16,
    "9" * 100_000,
    "\x00+79991234567",
    "",
]


async def test_hostile_numbers_never_reach_the_phone(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    for number in HOSTILE:
        with pytest.raises(ValueError, match=r"only numbers from numbers\.normalize"):
            await phone_bridge.dial(sim_phone.serial, number)
    assert sim_phone.commands() == []
    sim_phone.push_scripts(CallScript(ring_s=0.1, outcome="busy"))
    assert (await phone_bridge.dial(sim_phone.serial, NUMBER)).started
    allowed = {adb.CALL_STATE_COMMAND, adb.CLOCK_COMMAND}
    received = sim_phone.commands()
    assert [c for c in received if c.startswith("am ")] == [
        "am start -a android.intent.action.CALL -d tel:+79991234567"
    ]
    assert all(SAFE_DIAL.fullmatch(c) or c in allowed for c in received), received
    assert sim_phone.state()["calls_started"] == 1


# -- capabilities and faults ------------------------------------------------------------------


async def test_probe_of_a_healthy_phone(phone_bridge: PhoneBridge, sim_phone: SimPhone) -> None:
    sim_phone.set_clock_skew_ms(90_000)
    capabilities = await phone_bridge.probe(sim_phone.serial)
    assert capabilities.model == "Pixel 7"
    assert capabilities.manufacturer == "Google"
    assert capabilities.android_release == "14"
    assert capabilities.sdk == 34
    assert capabilities.call_log.ok and capabilities.input.ok
    assert capabilities.problems == []
    assert capabilities.sim_count == 1
    assert capabilities.call_state == adb.IDLE
    assert capabilities.clock_offset_ms is not None
    assert abs(capabilities.clock_offset_ms - 90_000) < 1_000


async def test_denied_call_log_is_a_clear_capability_failure(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    sim_phone.set_calllog("denied")
    capabilities = await phone_bridge.probe(sim_phone.serial)
    assert not capabilities.call_log.ok
    problem = capabilities.call_log.problem
    assert problem is not None and problem.kind is ProblemKind.CALL_LOG_DENIED
    assert problem.detail is not None and "READ_CALL_LOG" in problem.detail
    assert capabilities.problems == [problem]
    with pytest.raises(CallLogDenied) as caught:
        await phone_bridge.call_log_since(sim_phone.serial, 0)
    refused = caught.value.problem  # the same kind; its detail names another pid
    assert refused.kind is ProblemKind.CALL_LOG_DENIED
    assert refused.detail is not None and "READ_CALL_LOG" in refused.detail


async def test_blocked_input_fails_the_probe_and_the_hang_up_as_input_blocked(
    phone_bridge: PhoneBridge, sim_phone: SimPhone
) -> None:
    sim_phone.set_input("blocked")
    sim_phone.push_scripts(CallScript(ring_s=0.1, outcome="answered", talk_s=30))
    capabilities = await phone_bridge.probe(sim_phone.serial)
    assert not capabilities.input.ok
    problem = capabilities.input.problem
    assert problem is not None and problem.kind is ProblemKind.INPUT_BLOCKED
    assert problem.detail is not None and "INJECT_EVENTS" in problem.detail
    assert capabilities.problems == [problem]
    assert (await phone_bridge.dial(sim_phone.serial, NUMBER)).started
    check = await phone_bridge.end_call(sim_phone.serial)
    assert not check.ok and check.problem == problem
    assert await phone_bridge.call_state(sim_phone.serial) == adb.OFFHOOK  # still in the call


async def test_unauthorized_phone_is_visible_and_refuses_as_unauthorized(
    phone_bridge: PhoneBridge, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    events = phone_bridge.events(poll_interval=0.5)
    try:
        first = await next_event(events, sim_phone.serial, timeout=5)
        assert (first.kind, first.state) == ("attached", "device")
        sim_phone.set_auth("reject")
        event = await next_event(events, sim_phone.serial, timeout=10)
        while event.kind != "unauthorized":  # the link drops first: offline or detached
            event = await next_event(events, sim_phone.serial, timeout=10)
        assert event.state == "unauthorized"
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    states = {d.serial: d.state for d in await phone_bridge.devices()}
    assert states[sim_phone.serial] == "unauthorized"
    with pytest.raises(PhoneError) as caught:
        await phone_bridge.probe(sim_phone.serial)
    assert caught.value.kind == "unauthorized"
    assert caught.value.problem.kind is ProblemKind.PHONE_UNAUTHORIZED


@pytest.mark.parametrize("track", [True, False], ids=["track-devices", "poll-only"])
async def test_dropped_and_restored_link_shows_up_as_events(
    phone_bridge: PhoneBridge, sim_phone: SimPhone, track: bool
) -> None:
    events = phone_bridge.events(poll_interval=0.3, track=track)
    try:
        assert (await next_event(events, sim_phone.serial, timeout=5)).kind == "attached"
        sim_phone.set_reachable(False)
        sim_phone.drop_connections()
        lost = await next_event(events, sim_phone.serial, timeout=15)
        assert lost.kind in ("offline", "detached")
        sim_phone.set_reachable(True)
        back = await next_event(events, sim_phone.serial, timeout=15)
        assert (back.kind, back.state) == ("attached", "device")
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    assert await phone_bridge.call_state(sim_phone.serial) == adb.IDLE


async def test_slow_phone_times_out_with_a_phone_error(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    bridge = PhoneBridge("127.0.0.1", adb_server.port, command_timeout=0.3)
    try:
        sim_phone.set_latency(1.0)
        with pytest.raises(PhoneError) as caught:
            await bridge.call_state(sim_phone.serial)
        assert caught.value.kind == "timeout"
        assert caught.value.problem.kind is ProblemKind.PHONE_TIMEOUT
    finally:
        await bridge.close()


async def test_unknown_phone_is_reported_as_gone(phone_bridge: PhoneBridge) -> None:
    with pytest.raises(PhoneError) as caught:
        await phone_bridge.call_state("127.0.0.1:1")
    assert caught.value.kind == "gone"
    assert caught.value.problem.kind is ProblemKind.PHONE_NONE


async def test_closed_bridge_refuses_further_work(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    bridge = PhoneBridge("127.0.0.1", adb_server.port)
    assert await bridge.call_state(sim_phone.serial) == adb.IDLE
    await bridge.close()
    with pytest.raises(PhoneError, match="closed"):
        await bridge.call_state(sim_phone.serial)


async def test_event_stream_ends_when_the_bridge_is_closed(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    bridge = PhoneBridge("127.0.0.1", adb_server.port)
    events = bridge.events(poll_interval=0.1)
    assert (await next_event(events, sim_phone.serial, timeout=5)).kind == "attached"
    await bridge.close()
    async with asyncio.timeout(5):
        rest = [event async for event in events]
    assert rest == []

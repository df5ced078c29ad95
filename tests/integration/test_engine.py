"""The engine end to end: the simulated CRM (both profiles), a real adb server, the simulated
phone, and the engine in-process. Every command here is created the way the CRM's "call" button
creates it (`/sim/commands`), and every result is read back from the simulated CRM."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from softphone.config import load_settings, paths
from softphone.engine import CallChanged, Engine, EngineEvent, OutboxChanged
from softphone.instance import AlreadyRunning
from softphone.model import ActionSource, CallPhase, CallStatus, ReportState
from softphone.phone import PhoneState
from softphone.problems import ProblemKind, Reason
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer, SimPhoneFactory
from tests.support.engines import desk_engine
from tests.support.waiting import eventually

pytestmark = [pytest.mark.adb, pytest.mark.slow]


@pytest.fixture(params=["production", "seed"])
def crm(request: pytest.FixtureRequest) -> Iterator[RunningCrm]:
    server = start_in_thread(
        CrmOptions(profile=request.param, users=[("op1", "pw1", False)]), port=0
    )
    try:
        yield server
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def running_engine(
    crm: RunningCrm, adb_server: AdbServer, **settings: Any
) -> AsyncIterator[tuple[Engine, list[EngineEvent]]]:
    engine = desk_engine(adb_server.port, **settings)
    events: list[EngineEvent] = []
    engine.subscribe(events.append)
    await engine.start()
    try:
        await engine.login_qr(crm.url, crm.create_qr("op1"))
        await eventually(lambda: engine.status().ready, 15, "signed in with a ready phone")
        yield engine, events
    finally:
        await engine.stop()


def result_of(crm: RunningCrm, command_id: str) -> dict[str, Any] | None:
    # The sim applies a result in its handler and logs the request that carried it as the answer
    # goes out: wait for both, so a count of updates taken right after is complete.
    command = crm.command(command_id)
    result = command["result"]
    return result if result.get("call_status") and command["updates"] else None


def am_starts(phone: SimPhone) -> list[str]:
    return [c for c in phone.commands() if c.startswith("am start")]


async def test_answered_call_reaches_the_crm_as_connected_with_the_phones_duration(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.3, outcome="answered", talk_s=2.0))
    async with running_engine(crm, adb_server) as (_engine, events):
        command_id = crm.create_command("op1", "+79123456789")
        result = await eventually(lambda: result_of(crm, command_id), 30, "the result")
        # The history row learns that the CRM has it, from an event (what the window redraws).
        await eventually(
            lambda: [
                e
                for e in events
                if isinstance(e, CallChanged) and e.entry.report_state is ReportState.SENT
            ],
            10,
            "a CallChanged saying the result was sent",
        )
    [row] = sim_phone.call_log()
    assert result["call_status"] == "connected"
    assert result["call_duration_seconds"] == row["duration"] == 2
    assert result["action_source"] == "crm_ui"
    assert am_starts(sim_phone) == ["am start -a android.intent.action.CALL -d tel:+79123456789"]
    phases = [e.entry.phase for e in events if isinstance(e, CallChanged)]
    assert phases[0] is CallPhase.RECEIVED and phases[-1] is CallPhase.RESOLVED
    assert any(isinstance(e, OutboxChanged) and e.call_id is not None for e in events)


async def test_not_answered_reaches_the_crm_as_no_answer(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.5, outcome="no_answer"))
    async with running_engine(crm, adb_server):
        command_id = crm.create_command("op1", "+79123456780")
        result = await eventually(lambda: result_of(crm, command_id), 30, "the result")
    assert result["call_status"] == "no_answer"
    assert result["call_duration_seconds"] == 0


async def test_a_refused_dial_gives_a_result_with_its_reason(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    async with running_engine(crm, adb_server) as (engine, _):
        command_id = crm.create_command("op1", "112")  # Telecom turns it into DIAL: no call
        result = await eventually(lambda: result_of(crm, command_id), 30, "the result")
        [entry] = engine.history().entries
    assert sim_phone.state()["calls_started"] == 0
    assert entry.status is CallStatus.NO_ACTION
    assert entry.reason == Reason.DIAL_NOT_STARTED
    # production knows no `no_action`: it is told `unknown`; the seed server takes it as is
    assert result["call_status"] in ("unknown", "no_action")
    sent = crm.command(command_id)["updates"][-1]["body"]
    if crm.options.profile == "seed":  # production drops the field
        assert sent["reason_if_unknown"] == "dial_not_started"


async def test_a_denied_call_log_gives_unknown_with_the_reason(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_calllog("denied")
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=0.5))
    async with running_engine(crm, adb_server) as (engine, _):
        assert engine.status().phone.call_log is not None
        assert not engine.status().phone.call_log.ok
        command_id = crm.create_command("op1", "+79123456781")
        result = await eventually(lambda: result_of(crm, command_id), 30, "the result")
        [entry] = engine.history().entries
    assert result["call_status"] == "unknown"
    assert entry.reason == Reason.MISSING_CALLLOG_PERMISSION


async def test_two_commands_are_dialled_one_after_the_other_never_overlapping(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.5))
    async with running_engine(crm, adb_server) as (_engine, _events):
        first = crm.create_command("op1", "+79123456701")
        second = crm.create_command("op1", "+79123456702")
        await eventually(lambda: result_of(crm, first) and result_of(crm, second), 40)
    rows = sorted(sim_phone.call_log(), key=lambda r: r["date"])
    assert [r["number"] for r in rows] == ["+79123456701", "+79123456702"]
    # the second call was created after the first one ended
    assert rows[1]["date"] >= rows[0]["date"] + rows[0]["duration"] * 1000
    assert len(am_starts(sim_phone)) == 2


async def test_a_call_made_by_hand_in_the_same_minute_is_not_taken_for_the_crms(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="no_answer"))
    now = sim_phone.state()["phone_time_ms"]
    # the operator called the same customer by hand 20 s ago and talked for 15 s
    sim_phone.add_call_log_row("+79123456703", date_ms=now - 20_000, duration=15, type=2)
    async with running_engine(crm, adb_server) as (_engine, _):
        command_id = crm.create_command("op1", "+79123456703")
        result = await eventually(lambda: result_of(crm, command_id), 30, "the result")
    assert result["call_status"] == "no_answer"  # not the hand-made call's 15 s


async def test_manual_and_history_calls_carry_their_sources(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    async with running_engine(crm, adb_server) as (engine, _):
        command_id = crm.create_command("op1", "+79123456704")
        await eventually(lambda: result_of(crm, command_id), 30, "the CRM call's result")
        [crm_entry] = engine.history().entries
        updates_before = len(crm.command(command_id)["updates"])
        manual = await engine.call("8 912 345 67 05")
        await eventually(lambda: engine.entry(manual.id).phase is CallPhase.RESOLVED, 30)
        back = await engine.call_back(crm_entry.id)
        await eventually(
            lambda: engine.entry(back.id).report_state is ReportState.SENT,
            30,
            "the call back reported",
        )
    updates = crm.command(command_id)["updates"]
    assert len(updates) == updates_before + 1  # the call back, under the original id
    assert updates[-1]["body"]["action_source"] == "history"
    sources = [c.split()[-1] for c in am_starts(sim_phone)]
    assert sources == ["tel:+79123456704", "tel:+79123456705", "tel:+79123456704"]
    assert all(u["body"].get("action_source") != "manual" for u in updates)


async def test_manual_call_is_recorded_locally_with_its_source(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    async with running_engine(crm, adb_server) as (engine, _):
        manual = await engine.call("+7 912 345 67 06")
        done = await eventually(
            lambda: (e := engine.entry(manual.id)).phase is CallPhase.RESOLVED and e, 30
        )
        assert done.source is ActionSource.MANUAL
        assert done.report_state is ReportState.LOCAL_ONLY
        assert done.status is CallStatus.CONNECTED and done.duration_s == 1
    assert not any(r["path"] == "/api/phone/calls/update/" for r in crm.requests())


async def test_auto_dial_off_waits_for_the_operator_and_a_support_report_reaches_the_crm(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    async with running_engine(crm, adb_server) as (engine, _):
        await engine.set_auto_dial(False)
        command_id = crm.create_command("op1", "+79123456710")
        [waiting] = await eventually(lambda: engine.status().waiting, 30, "the command waiting")
        await asyncio.sleep(0.5)
        assert am_starts(sim_phone) == []  # nothing dialled before the operator says so
        await engine.confirm(waiting.id, from_notification=True)
        result = await eventually(lambda: result_of(crm, command_id), 30, "the result")
        size = await engine.send_support_report("operator says: the 10:40 call dropped")
        received = await eventually(crm.logs, 30, "the support report")
        bundle = "".join(part["payload"] for part in received)
    assert result["action_source"] == "notification"
    assert load_settings(paths()).auto_dial is False  # kept for the next start
    assert size > 0 and "the 10:40 call dropped" in bundle
    # The log lines came along, every number and id in them masked.
    assert "+79123456710" not in bundle and "***6710" in bundle
    assert crm.devices()[0]["device_id"] not in bundle
    assert sim_phone.serial not in bundle  # the phone's serial is a device id too


async def test_a_command_the_strict_model_refuses_is_still_answered(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone, caplog: pytest.LogCaptureFixture
) -> None:
    # 300 digits: no model field takes it, no phone can dial it; the CRM must still hear back.
    async with running_engine(crm, adb_server) as (engine, _):
        command_id = crm.create_command("op1", "8" * 300)
        result = await eventually(lambda: result_of(crm, command_id), 30, "the result")
        [entry] = engine.history().entries
    assert am_starts(sim_phone) == []
    assert entry.command_id == command_id and entry.status is CallStatus.NO_ACTION
    assert entry.reason == Reason.INVALID_NUMBER
    assert result["call_status"] in ("unknown", "no_action")
    assert "partly unreadable" in caplog.text
    assert "8" * 20 not in caplog.text  # the untrusted text is masked in the log


async def test_with_two_phones_the_operator_chooses_one_and_it_is_kept(
    crm: RunningCrm, adb_server: AdbServer, sim_phone_factory: SimPhoneFactory
) -> None:
    first, second = sim_phone_factory(), sim_phone_factory(model="Redmi Note 12")
    for phone in (first, second):
        phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    engine = desk_engine(adb_server.port)
    try:
        await engine.start()
        await engine.login_qr(crm.url, crm.create_qr("op1"))
        several = await eventually(
            lambda: (p := engine.status().phone).state is PhoneState.SEVERAL and p,
            15,
            "two phones seen",
        )
        assert set(several.attached) == {first.serial, second.serial}
        await engine.choose_phone(second.serial)
        await eventually(
            lambda: engine.status().ready and engine.status().phone.serial == second.serial,
            15,
            "the chosen phone ready",
        )
        assert engine.status().phone.model == "Redmi Note 12"
        command_id = crm.create_command("op1", "+79123456720")
        assert (await eventually(lambda: result_of(crm, command_id), 30))["call_status"] == (
            "connected"
        )
        await engine.choose_phone("no-such-phone")
        gone = await eventually(
            lambda: (p := engine.status().phone).state is PhoneState.NONE and p,
            15,
            "the choice missing",
        )
        assert [p.kind for p in gone.problems] == [ProblemKind.PHONE_CHOSEN_MISSING]
    finally:
        await engine.stop()
    assert am_starts(first) == []
    assert am_starts(second) == ["am start -a android.intent.action.CALL -d tel:+79123456720"]
    assert load_settings(paths()).phone_serial == "no-such-phone"


async def test_a_second_engine_on_the_same_desk_refuses_to_start(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    async with running_engine(crm, adb_server) as (engine, _):
        second = desk_engine(adb_server.port)
        with pytest.raises(AlreadyRunning, match="already running"):
            await second.start()
        assert engine.status().ready  # the first one is unaffected
    third = desk_engine(adb_server.port, control=True)
    await third.start()  # free again once the first stopped
    await third.stop()

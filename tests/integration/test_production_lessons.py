"""What a working session against the production CRM taught (issue 16), each lesson held by a
test against the simulated CRM's production profile, the simulated phone and a real adb server.

The engine runs in-process where only the CRM conversation matters, and as `softphone run
--headless` where other `softphone` commands must meet it through its control door. Every
claim about requests is read from the simulated CRM's own log, never from the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from softphone.engine import Engine, EngineEvent, SessionChanged
from softphone.model import from_epoch, to_wire_time
from softphone.problems import Reason
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer
from tests.support.desk import ROOT, desk_env, run_softphone, softphone
from tests.support.engines import desk_engine
from tests.support.waiting import eventually, wait_until

pytestmark = [pytest.mark.adb, pytest.mark.slow]

UPDATE = "/api/phone/calls/update/"
PULL = "/api/phone/calls/pull/"
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
    """An in-process engine on this test's home, signed in by QR, its first heartbeat answered."""
    engine = desk_engine(adb_server.port, **settings)
    events: list[EngineEvent] = []
    engine.subscribe(events.append)
    await engine.start()
    try:
        if not engine.status().sync.signed_in:
            await engine.login_qr(crm.url, crm.create_qr("op1"))
        await eventually(
            lambda: any(d["heartbeats"] for d in crm.devices()), 15, "the first heartbeat"
        )
        yield engine, events
    finally:
        await engine.stop()


def result_of(crm: RunningCrm, command_id: str) -> dict[str, Any] | None:
    command = crm.command(command_id)
    result = command["result"]
    return result if result.get("call_status") and command["updates"] else None


def requests_to(crm: RunningCrm, path: str) -> list[dict[str, Any]]:
    return [r for r in crm.requests() if r["path"] == path]


# -- 16.1 a refused status is learnt once per desk and server -----------------------------------


async def test_a_second_refused_number_in_a_later_run_costs_no_400(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    async with signed_in(crm, adb_server) as (engine, _):
        first = crm.create_command("op1", "+7 912 ABC-45-67")  # typed by hand: not dialable
        await eventually(lambda: result_of(crm, first), 30, "the first refused number's result")
        assert engine.entry_for_command(first).reason == Reason.INVALID_NUMBER  # type: ignore[union-attr]
    updates = crm.command(first)["updates"]
    # The seed's no_action is refused once, then unknown is taken.
    assert [(u["status"], u["body"]["call_status"]) for u in updates] == [
        (400, "no_action"),
        (200, "unknown"),
    ]

    # A new run of the engine on the same desk (same home, same stored session).
    async with signed_in(crm, adb_server) as (engine, _):
        second = crm.create_command("op1", "call me")
        await eventually(lambda: result_of(crm, second), 30, "the second refused number's result")
        assert engine.entry_for_command(second).status.value == "no_action"  # type: ignore[union-attr]
    assert [(u["status"], u["body"]["call_status"]) for u in crm.command(second)["updates"]] == [
        (200, "unknown")
    ]
    assert [r["status"] for r in requests_to(crm, UPDATE)] == [400, 200, 200]
    assert [c for c in sim_phone.commands() if c.startswith("am start")] == []


# -- 16.2 and 16.3: when the call was placed, and why it ended ------------------------------------


async def test_call_started_at_is_the_call_log_rows_date_not_the_answer(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    # Two seconds of ringing: the answer comes well after the call was placed.
    sim_phone.set_default_script(CallScript(ring_s=2.0, outcome="answered", talk_s=2.0))
    async with signed_in(crm, adb_server) as (engine, _):
        command_id = crm.create_command("op1", "+79123456740")
        result = await eventually(lambda: result_of(crm, command_id), 30, "the result")
        offset = engine.status().phone.clock_offset_ms
    assert offset is not None
    [row] = sim_phone.call_log()
    # The row's date (phone clock) in this computer's clock, to the second the CRM takes.
    assert result["call_started_at"].replace("+00:00", "Z") == to_wire_time(
        from_epoch((row["date"] - offset) / 1000)
    )
    started = dt.datetime.fromisoformat(result["call_started_at"]).timestamp()
    ended = dt.datetime.fromisoformat(result["call_ended_at"]).timestamp()
    assert abs(started - row["date"] / 1000) < 1.5  # the phone's clock is this one's
    assert result["call_status"] == "connected"
    assert result["call_duration_seconds"] == row["duration"] == 2
    # Ended when the phone went idle: after the ringing and the talk.
    assert ended - started >= 2 + 2 - 1


async def test_busy_and_rejected_reach_the_crm_as_such_and_without_telecom_no_answer(
    crm: RunningCrm, adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.push_scripts(
        CallScript(ring_s=0.5, outcome="busy"), CallScript(ring_s=0.5, outcome="rejected")
    )
    outcomes: dict[str, tuple[dict[str, Any], Any]] = {}
    async with signed_in(crm, adb_server) as (engine, _):
        for name, number in (("busy", "+79123456741"), ("rejected", "+79123456742")):
            command_id = crm.create_command("op1", number)
            result = await eventually(lambda cid=command_id: result_of(crm, cid), 30, name)
            outcomes[name] = (result, engine.entry_for_command(command_id))
        # Telecom's analytics collected and cleared, as a real phone does now and then: the
        # call log alone cannot tell busy from unanswered, and says so.
        sim_phone.set_telecom("absent")
        sim_phone.push_scripts(CallScript(ring_s=0.5, outcome="busy"))
        command_id = crm.create_command("op1", "+79123456743")
        result = await eventually(lambda: result_of(crm, command_id), 30, "busy, unexplained")
        outcomes["absent"] = (result, engine.entry_for_command(command_id))
        sent = crm.command(command_id)["updates"][-1]["body"]
    busy, busy_entry = outcomes["busy"]
    assert busy["call_status"] == "busy" and busy["call_duration_seconds"] == 0
    assert busy_entry.reason == Reason.TELECOM_BUSY and "BUSY" in busy_entry.disconnect_cause
    rejected, rejected_entry = outcomes["rejected"]
    assert rejected["call_status"] == "rejected"
    assert rejected_entry.reason == Reason.TELECOM_REJECTED
    absent, absent_entry = outcomes["absent"]
    assert absent["call_status"] == "no_answer"
    assert absent_entry.reason == Reason.NOT_CONNECTED and absent_entry.disconnect_cause is None
    assert sent["resolve_reason"] == "not_connected"  # what the CRM was told, if it keeps it


# -- 16.4 one request budget per desk: the command line asks the engine ---------------------------


@pytest.fixture
def desk(tmp_path: Path, crm: RunningCrm, adb_server: AdbServer) -> dict[str, str]:
    """A desk's environment (its home, a file keyring shared by its processes), signed in."""
    env = desk_env(tmp_path, adb_server.port, server_url=crm.url)
    login = run_softphone(env, "login", "--server", crm.url, "--qr-token", crm.create_qr("op1"))
    assert login.returncode == 0, login.stderr
    return env


@contextlib.contextmanager
def headless(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`softphone run --headless` for the duration; stopped with SIGTERM, which must be clean."""
    engine = subprocess.Popen(
        softphone("run", "--headless"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield engine
    finally:
        engine.send_signal(signal.SIGTERM)
        _, errors = engine.communicate(timeout=20)
        assert engine.returncode == 0, errors


def status_of(env: dict[str, str]) -> dict[str, Any]:
    done = run_softphone(env, "status", "--json")
    assert done.returncode == 0, done.stderr
    status: dict[str, Any] = json.loads(done.stdout)
    return status


def test_doctor_and_status_while_the_engine_runs_add_no_request_to_the_crms_log(
    desk: dict[str, str], crm: RunningCrm, sim_phone: SimPhone
) -> None:
    with headless(desk):
        wait_until(lambda: status_of(desk).get("ready"), 60, "the engine ready")
        [device] = wait_until(
            lambda: [d for d in crm.devices() if d["heartbeats"]], 30, "the first heartbeat"
        )
        before = len(crm.requests())
        doctor = run_softphone(desk, "doctor")
        status = run_softphone(desk, "status")
        after = crm.requests()[before:]
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "asked the running Softphone" in doctor.stdout
    assert "OK   session: signed in as op1" in doctor.stdout
    assert status.returncode == 0 and "signed in as op1" in status.stdout
    # Nothing in the CRM's log but the running engine's own pulls, with its own device id.
    assert {(r["method"], r["path"]) for r in after} <= {("GET", PULL)}, after
    assert all(f"device_id={device['device_id']}" in r["query"] for r in after), after


def test_a_login_after_a_logout_reaches_the_running_engine(
    desk: dict[str, str], crm: RunningCrm, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    with headless(desk):
        wait_until(lambda: status_of(desk).get("ready"), 60, "the engine ready")
        done = run_softphone(desk, "logout")
        assert done.returncode == 0, done.stderr
        assert "Signed out" in done.stdout
        out = status_of(desk)
        assert out["sync"]["signed_in"] is False
        assert "not_signed_in" in [p["kind"] for p in out["problems"]]
        assert "not signed in" in run_softphone(desk, "status").stdout

        done = run_softphone(desk, "login", "--server", crm.url, "--qr-token", crm.create_qr("op1"))
        assert done.returncode == 0, done.stderr
        assert "Signed in as op1" in done.stdout
        assert "the running Softphone took the session" in done.stdout
        back = wait_until(
            lambda: (s := status_of(desk))["sync"]["signed_in"] and s, 15, "signed in again"
        )
        assert back["sync"]["username"] == "op1"
        command_id = crm.create_command("op1", "+79123456750")
        result = wait_until(lambda: result_of(crm, command_id), 60, "the new command's result")
    assert result["call_status"] == "connected"
    assert [c for c in sim_phone.commands() if c.startswith("am start")] == [
        "am start -a android.intent.action.CALL -d tel:+79123456750"
    ]
    # The logout blacklisted the old refresh token; nobody presented it afterwards.
    assert [r for r in requests_to(crm, REFRESH) if r["status"] == 401] == []


# -- 16.5 a session shared by two processes -----------------------------------------------------

#: Another process of the same desk (a `softphone doctor` of old, a second window) takes the
#: stored session up and refreshes it: the refresh token rotates under the engine's feet.
REFRESH_ELSEWHERE = """
import asyncio, sys
from pathlib import Path
from softphone.config import Settings, paths
from softphone.store import Store
from softphone.sync import CrmLink, refuse_commands

async def main() -> None:
    where = paths()
    store = Store.open(Path(sys.argv[1]))
    link = CrmLink(store, Settings(), on_command=refuse_commands,
                   lock_path=where.data_dir / "session.lock")
    try:
        assert await link.session.resume(), "no stored session"
        old = link.session.access()
        new = await link.session.refreshed_access(old)
        assert new != old
        print("refreshed", flush=True)
    finally:
        await link.stop()
        store.close()

asyncio.run(main())
"""


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process and its children share one plaintext keyring file; their environment."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    keyring.set_keyring(PlaintextKeyring())  # the memory keyring fixture puts its own back
    return dict(os.environ)


async def test_a_refresh_raced_by_another_process_never_presents_a_blacklisted_token(
    adb_server: AdbServer, tmp_path: Path, file_keyring: dict[str, str]
) -> None:
    with start_in_thread(production(access_ttl=10), port=0) as crm:
        async with signed_in(crm, adb_server) as (engine, events):
            # The other process refreshes the shared session (under the desk's lock).
            other = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                REFRESH_ELSEWHERE,
                str(tmp_path / "other.db"),
                env=file_keyring,
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(other.communicate(), 60)
            assert other.returncode == 0, err.decode()
            assert out.decode().strip() == "refreshed"
            by_other = len(requests_to(crm, REFRESH))
            assert by_other == 1
            # The engine's access token nears its end: it refreshes — twice, so the second
            # refresh presents the token the first one got.
            await eventually(
                lambda: (
                    len(requests_to(crm, REFRESH)) >= by_other + 2
                    or any(r["status"] == 401 for r in requests_to(crm, REFRESH))
                ),
                40,
                "the engine refreshing",
            )
            assert engine.status().sync.signed_in
        refreshes = requests_to(crm, REFRESH)
    assert [r["status"] for r in refreshes] == [200] * len(refreshes)
    assert [r for r in crm.requests() if r["status"] == 401] == []
    assert [e.signed_in for e in events if isinstance(e, SessionChanged)] == [True]


# -- 16.6 register, then heartbeat ----------------------------------------------------------------


async def test_a_new_device_registers_before_its_first_heartbeat_which_says_nothing_is_stuck(
    crm: RunningCrm, adb_server: AdbServer
) -> None:
    # Every answer a little slow, so two requests sent together would overlap in the log.
    crm.set_faults(latency_ms=300)
    async with signed_in(crm, adb_server):
        [device] = crm.devices()
    log = crm.requests()
    register = [r for r in log if r["path"] == "/api/phone/devices/register/"]
    heartbeats = [r for r in log if r["path"] == "/api/phone/devices/heartbeat/"]
    assert register and heartbeats
    assert {r["status"] for r in register + heartbeats} == {200}
    first_register, first_heartbeat = register[0], heartbeats[0]
    assert log.index(first_register) < log.index(first_heartbeat)
    # The heartbeat left only after the register's answer had come back.
    assert first_heartbeat["t"] >= first_register["t"] + first_register["ms"] / 1000 - 0.05
    beat = device["last_heartbeat"]
    assert beat["device_name"] and beat["device_id"] == device["device_id"]
    assert beat["stuck_count"] == 0 and beat["queue_stuck"] is False
    assert "oldest_stuck_age_sec" not in beat

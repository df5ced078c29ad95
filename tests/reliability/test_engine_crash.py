"""The headless engine SIGKILLed at the worst moments: nothing dialled twice, nothing lost.

`softphone run --headless` runs as a real process (sharing its session with `softphone login`
through a file keyring), against the simulated CRM and the simulated phone behind a real adb
server. It is killed right after it received a command, right after `am start`, in the middle
of a call (and, for comparison, stopped cleanly there), and right after the call ended; after
a restart every command has been dialled exactly once (the phone's own command record says so)
and its result has reached the CRM.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from softphone.control import request
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer
from tests.support.desk import ROOT, desk_env, run_softphone, softphone
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.adb, pytest.mark.slow]


@pytest.fixture
def crm() -> Iterator[RunningCrm]:
    server = start_in_thread(
        CrmOptions(profile="production", users=[("op1", "pw1", False)]), port=0
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def desk(tmp_path: Path, crm: RunningCrm, adb_server: AdbServer) -> dict[str, str]:
    """The environment of this desk's processes: its home, a file keyring, the private adb."""
    env = desk_env(tmp_path, adb_server.port, server_url=crm.url)
    login = run_softphone(env, "login", "--server", crm.url, "--qr-token", crm.create_qr("op1"))
    assert login.returncode == 0, login.stderr
    return env


def start_engine(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        softphone("run", "--headless"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def calls_in_db(env: dict[str, str]) -> list[tuple[Any, ...]]:
    db = Path(env["SOFTPHONE_HOME"]) / "data" / "softphone.db"
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=5) as conn:
        try:
            return conn.execute("SELECT command_id, phase FROM calls").fetchall()
        except sqlite3.OperationalError:
            return []


def status_json(env: dict[str, str]) -> dict[str, Any]:
    """`softphone status --json`, as a script reads it."""
    done = run_softphone(env, "status", "--json")
    assert done.returncode == 0, done.stderr
    status: dict[str, Any] = json.loads(done.stdout)
    return status


def control_file(env: dict[str, str]) -> Path:
    return Path(env["SOFTPHONE_HOME"]) / "data" / "instance.json"


def dials_to(phone: SimPhone, number: str) -> int:
    return sum(1 for c in phone.commands() if c.startswith("am start") and c.endswith(number))


def finish_and_check(
    env: dict[str, str], crm: RunningCrm, phone: SimPhone, command_id: str, number: str
) -> dict[str, Any]:
    engine = start_engine(env)
    try:
        result: dict[str, Any] = wait_until(
            lambda: (
                (c := crm.command(command_id))["updates"]
                and c["result"].get("call_status")
                and c["result"]
            ),
            60,
            "the result after the restart",
        )
    finally:
        stop(engine)
    assert dials_to(phone, number) == 1
    # Delivery is at-least-once (a kill between the answer and its commit sends it again), but
    # every copy the CRM took says the same thing.
    updates = crm.command(command_id)["updates"]
    assert updates and {u["status"] for u in updates} == {200}
    assert {u["body"]["call_status"] for u in updates} == {result["call_status"]}
    assert {u["body"]["action_source"] for u in updates} == {"crm_ui"}
    return result


def test_killed_right_after_receiving_a_command(
    desk: dict[str, str], crm: RunningCrm, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    sim_phone.incoming_call("+79990000000", ring_s=0.1, answered=True, talk_s=120)
    engine = start_engine(desk)
    number = "+79123450001"
    command_id = crm.create_command("op1", number)
    wait_until(lambda: calls_in_db(desk), 60, "the command committed")
    kill(engine)
    assert crm.command(command_id)["state"] == "consumed"
    assert dials_to(sim_phone, number) == 0
    sim_phone.end_current_call()
    result = finish_and_check(desk, crm, sim_phone, command_id, number)
    assert result["call_status"] == "connected"


def command_killed_when(
    desk: dict[str, str],
    crm: RunningCrm,
    number: str,
    moment: Callable[[], object],
    what: str,
    end: Callable[[subprocess.Popen[str]], None] = kill,
) -> str:
    """Start the engine, have the CRM send `number`, end the engine (SIGKILL) at `moment`."""
    engine = start_engine(desk)
    command_id = crm.create_command("op1", number)
    wait_until(moment, 60, what)
    end(engine)
    return command_id


def test_killed_right_after_am_start(
    desk: dict[str, str], crm: RunningCrm, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.5, outcome="answered", talk_s=2.0))
    number = "+79123450002"
    command_id = command_killed_when(
        desk, crm, number, lambda: dials_to(sim_phone, number), "am start"
    )
    result = finish_and_check(desk, crm, sim_phone, command_id, number)
    assert (result["call_status"], result["call_duration_seconds"]) == ("connected", 2)


@pytest.mark.parametrize("end", [kill, stop], ids=["SIGKILL", "SIGTERM"])
def test_ended_in_the_middle_of_a_call(
    desk: dict[str, str],
    crm: RunningCrm,
    sim_phone: SimPhone,
    end: Callable[[subprocess.Popen[str]], None],
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=4.0))
    number = "+79123450003"
    command_id = command_killed_when(
        desk,
        crm,
        number,
        lambda: (sim_phone.state()["current_call"] or {}).get("status") == "active",
        "the call answered and in progress",
        end,
    )
    result = finish_and_check(desk, crm, sim_phone, command_id, number)
    assert (result["call_status"], result["call_duration_seconds"]) == ("connected", 4)


def test_killed_right_after_the_call_ended(
    desk: dict[str, str], crm: RunningCrm, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="no_answer"))
    number = "+79123450004"
    command_id = command_killed_when(
        desk,
        crm,
        number,
        lambda: dials_to(sim_phone, number) and sim_phone.state()["call_state"] == 0,
        "the call dialled and ended",
    )
    result = finish_and_check(desk, crm, sim_phone, command_id, number)
    assert result["call_status"] == "no_answer"


def test_a_call_resumed_after_sigkill_is_the_current_call_and_can_be_hung_up(
    desk: dict[str, str], crm: RunningCrm, sim_phone: SimPhone
) -> None:
    # A long conversation: it is still going on when the engine comes back.
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=600.0))
    number = "+79123450005"
    command_id = command_killed_when(
        desk,
        crm,
        number,
        lambda: (sim_phone.state()["current_call"] or {}).get("status") == "active",
        "the call answered and in progress",
    )
    engine = start_engine(desk)
    try:
        status = wait_until(
            lambda: (s := status_json(desk)).get("running") and s.get("current_call") and s,
            30,
            "the resumed call shown as the current call",
        )
        current = status["current_call"]
        assert (current["command_id"], current["phone"]) == (command_id, number)
        assert current["phase"] in ("dialling", "in_call")
        assert sim_phone.state()["current_call"]["status"] == "active"  # still talking
        # A few seconds of conversation on the phone's own clock (the log counts whole ones).
        wait_until(
            lambda: (s := sim_phone.state())["phone_time_ms"] - s["current_call"]["date_ms"] > 3000,
            30,
            "three seconds into the call",
        )
        # The operator hangs up from the command line's door (what the window's button does).
        reply = request(control_file(desk), "hang_up", timeout=15)
        assert reply == {"ok": True, "problem": None}
        result = wait_until(
            lambda: (
                (c := crm.command(command_id))["updates"]
                and c["result"].get("call_status")
                and c["result"]
            ),
            60,
            "the result of the resumed call",
        )
        assert status_json(desk)["current_call"] is None
    finally:
        stop(engine)
    assert dials_to(sim_phone, number) == 1
    assert "input keyevent KEYCODE_ENDCALL" in sim_phone.commands()
    [row] = sim_phone.call_log()
    assert result["call_status"] == "connected"
    assert 2 <= result["call_duration_seconds"] == row["duration"] < 600

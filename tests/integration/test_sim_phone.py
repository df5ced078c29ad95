"""The simulated phone as a device of a real adb server: links, faults, records, control."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer, SimPhoneFactory

pytestmark = pytest.mark.adb


def shell(adb_server: AdbServer, phone: SimPhone, line: str) -> str:
    return adb_server.adb("-s", phone.serial, "shell", line).stdout


def test_connected_phone_answers_getprop_over_adb(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    assert adb_server.state(sim_phone.serial) == "device"
    assert shell(adb_server, sim_phone, "getprop ro.product.model") == "Pixel 7\n"
    assert shell(adb_server, sim_phone, "getprop ro.product.manufacturer") == "Google\n"
    assert shell(adb_server, sim_phone, "getprop ro.build.version.release") == "14\n"
    assert shell(adb_server, sim_phone, "getprop ro.build.version.sdk") == "34\n"


def test_phone_advertises_cmd_but_neither_shell_v2_nor_delayed_ack(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    assert adb_server.adb("-s", sim_phone.serial, "features").stdout == "cmd\n"
    assert adb_server.client().device(sim_phone.serial).get_features() == "cmd"


def test_adb_lists_the_model_from_the_connection_banner(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    listing = adb_server.adb("devices", "-l").stdout

    line = next(line for line in listing.splitlines() if line.startswith(sim_phone.serial))
    assert "model:Pixel_7" in line


def test_received_commands_are_recorded_verbatim_in_order(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.clear_commands()
    device = adb_server.client().device(sim_phone.serial)

    adb_server.adb("-s", sim_phone.serial, "shell", "getprop ro.product.model")
    device.shell("dumpsys telephony.registry | grep mCallState")
    device.shell2('content query --uri content://call_log/calls --where "date>=0"')

    assert sim_phone.commands() == [
        "getprop ro.product.model",
        "dumpsys telephony.registry | grep mCallState",
        'content query --uri content://call_log/calls --where "date>=0"; echo X4EXIT:$?',
    ]
    sim_phone.clear_commands()
    assert sim_phone.commands() == []


def test_interactive_adb_shell_runs_each_line_it_is_sent(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    result = subprocess.run(
        [adb_server.binary, "-P", str(adb_server.port), "-s", sim_phone.serial, "shell"],
        input="echo hi\ngetprop ro.product.model\nexit\n",
        capture_output=True,
        text=True,
        timeout=10,
        env=adb_server.env,
        check=False,
    )

    assert result.stdout == "hi\nPixel 7\n"
    assert sim_phone.commands() == ["echo hi", "getprop ro.product.model", "exit"]


def test_shell2_learns_exit_codes_through_the_echo_suffix(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    device = adb_server.client().device(sim_phone.serial)

    missing = device.shell2("frobnicate --now")
    ok = device.shell2("getprop ro.product.model")

    assert missing.returncode == 127
    assert missing.output == "/system/bin/sh: frobnicate: inaccessible or not found\n"
    assert (ok.returncode, ok.output) == (0, "Pixel 7\n")


def test_unauthorized_phone_shows_unauthorized_until_the_prompt_is_accepted(
    adb_server: AdbServer, sim_phone_factory: SimPhoneFactory
) -> None:
    phone = sim_phone_factory(auth="reject", connect=False)
    adb_server.adb("connect", phone.serial)

    assert adb_server.wait_state(phone.serial, "unauthorized", timeout=10) == "unauthorized"
    assert "unauthorized" in adb_server.adb("-s", phone.serial, "shell", "echo hi").stderr
    assert phone.commands() == []

    phone.set_auth("none")

    assert adb_server.wait_state(phone.serial, "device", timeout=10) == "device"
    assert shell(adb_server, phone, "echo hi") == "hi\n"


def test_revoked_authorisation_turns_a_connected_phone_unauthorized(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_auth("reject")

    assert adb_server.wait_state(sim_phone.serial, "unauthorized", timeout=10) == "unauthorized"


def test_dropped_link_shows_offline_and_comes_back_when_reachable(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_reachable(False)
    sim_phone.drop_connections()

    assert adb_server.wait_state(sim_phone.serial, "offline", timeout=10) == "offline"
    assert sim_phone.state()["online_links"] == 0

    sim_phone.set_reachable(True)

    assert adb_server.wait_state(sim_phone.serial, "device", timeout=15) == "device"
    assert shell(adb_server, sim_phone, "echo back") == "back\n"


def test_adbutils_shell_fails_cleanly_when_the_link_drops_mid_command(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_latency(1.0)
    device = adb_server.client().device(sim_phone.serial)
    sim_phone.set_reachable(False)
    timer = time.monotonic()
    threading.Timer(0.2, sim_phone.drop_connections).start()

    out = device.shell("getprop ro.product.model", timeout=5)

    assert out == ""  # the stream closed with nothing written
    assert time.monotonic() - timer < 5
    sim_phone.set_reachable(True)


def test_latency_slows_every_answer(adb_server: AdbServer, sim_phone: SimPhone) -> None:
    device = adb_server.client().device(sim_phone.serial)
    sim_phone.set_latency(0.4)
    started = time.monotonic()

    assert device.shell("echo slow") == "slow"

    assert time.monotonic() - started >= 0.4
    sim_phone.set_latency(0)


def test_phone_clock_follows_the_skew(adb_server: AdbServer, sim_phone: SimPhone) -> None:
    device = adb_server.client().device(sim_phone.serial)
    sim_phone.set_clock_skew_ms(-3_600_000)

    phone_ms = int(device.shell("date +%s%3N"))

    host_ms = int(time.time() * 1000)
    assert abs(phone_ms - (host_ms - 3_600_000)) < 2_000
    # Two shell calls: a second may tick over between them.
    assert int(device.shell("date +%s")) - phone_ms // 1000 in (0, 1)


def test_large_output_arrives_whole_across_many_packets(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    for i in range(3000):
        sim_phone.add_call_log_row(number=f"+7999{i:07d}", date_ms=1_700_000_000_000 + i)
    device = adb_server.client().device(sim_phone.serial)

    out = device.shell("content query --uri content://call_log/calls --projection _id:number")

    lines = out.splitlines()
    assert len(lines) == 3000
    assert lines[0] == "Row: 0 _id=3000, number=+79990002999"
    assert lines[-1] == "Row: 2999 _id=1, number=+79990000000"


def test_concurrent_shells_on_one_phone_all_get_their_own_answers(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    def ask(i: int) -> str:
        return adb_server.client().device(sim_phone.serial).shell(f"echo {i}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(24)))

    assert answers == [str(i) for i in range(24)]


# -- the control API ---------------------------------------------------------------------


def request(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One JSON request to a control API; returns (status, decoded body)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        data = None if body is None else json.dumps(body)
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def control(phone: SimPhone, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    assert phone.control_url is not None
    status, payload = request(phone.control_url, method, path, body)
    assert status == 200, payload
    return payload


@pytest.fixture
def controlled_phone(sim_phone_factory: SimPhoneFactory) -> SimPhone:
    return sim_phone_factory(log_delay_s=0.0, control_port=0)


def test_control_api_scripts_a_call_and_reads_state_log_and_commands(
    adb_server: AdbServer, controlled_phone: SimPhone
) -> None:
    phone = controlled_phone
    control(phone, "POST", "/scripts", {"scripts": [{"ring_s": 30, "outcome": "no_answer"}]})
    shell(adb_server, phone, "am start -a android.intent.action.CALL -d tel:+79991234567")

    assert control(phone, "GET", "/state")["call_state"] == 2
    assert control(phone, "POST", "/end-call", {}) == {"ended": True}
    assert control(phone, "POST", "/wait-idle", {"timeout": 5}) == {"idle": True}
    [row] = control(phone, "GET", "/call-log")
    assert (row["number"], row["type"], row["duration"]) == ("+79991234567", 2, 0)
    assert control(phone, "GET", "/commands") == [
        "am start -a android.intent.action.CALL -d tel:+79991234567"
    ]


def test_control_api_sets_faults_and_adds_rows(
    adb_server: AdbServer, controlled_phone: SimPhone
) -> None:
    phone = controlled_phone
    added = control(phone, "POST", "/call-log", {"number": "+70000000000", "date_ms": 5, "type": 1})
    control(phone, "POST", "/calllog", {"calllog": "denied"})
    control(phone, "POST", "/input", {"input": "blocked"})
    control(phone, "POST", "/clock-skew", {"ms": 1000})
    control(phone, "POST", "/latency", {"seconds": 0.01})
    control(phone, "POST", "/calllog-output", {"text": "No result found.\n"})

    state = control(phone, "GET", "/state")
    assert state["calllog_output"] == "No result found.\n"
    control(phone, "POST", "/calllog-output", {"text": None})
    assert added == {"_id": 1}
    assert (state["calllog"], state["input"], state["clock_skew_ms"]) == ("denied", "blocked", 1000)
    assert "Permission Denial" in shell(
        adb_server, phone, "content query --uri content://call_log/calls"
    )
    assert "INJECT_EVENTS" in shell(adb_server, phone, "input keyevent 6")


def test_control_api_incoming_call_rings_the_phone(
    adb_server: AdbServer, controlled_phone: SimPhone
) -> None:
    phone = controlled_phone
    control(phone, "POST", "/incoming", {"number": "+74950000000", "ring_s": 30})

    assert "    mCallState=1" in shell(adb_server, phone, "dumpsys telephony.registry")
    control(phone, "POST", "/end-call", {})
    assert control(phone, "GET", "/call-log")[0]["type"] == 3


def test_control_api_rejects_bad_requests_with_a_clear_error(
    controlled_phone: SimPhone,
) -> None:
    url = controlled_phone.control_url
    assert url is not None
    bad = request(url, "POST", "/scripts", {"scripts": [{"outcome": "exploded"}]})
    missing = request(url, "GET", "/nothing-here")
    wrong_type = request(url, "POST", "/latency", {"seconds": "soon"})

    assert bad[0] == 400
    assert "outcome must be one of" in bad[1]["error"]
    assert missing[0] == 404
    assert wrong_type[0] == 400
    assert control(controlled_phone, "GET", "/state")["scripts_queued"] == []


def test_start_with_a_busy_control_port_fails_and_leaves_nothing_listening() -> None:
    holder = SimPhone()
    holder.start(control_port=0)
    assert holder.control_url is not None
    busy = int(holder.control_url.rsplit(":", 1)[1])
    phone = SimPhone()
    try:
        with pytest.raises(OSError):
            phone.start(control_port=busy)
        assert phone.state()["links"] == 0
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", phone.port), timeout=2).close()
    finally:
        phone.stop()
        holder.stop()


def test_call_script_refuses_unknown_outcomes_and_negative_times() -> None:
    with pytest.raises(ValueError, match="outcome must be one of"):
        CallScript(outcome="voicemail")
    with pytest.raises(ValueError, match="≥ 0"):
        CallScript(ring_s=-1)


# -- the command line ----------------------------------------------------------------------


def test_softphone_sim_phone_command_serves_androids_call_log_format(
    adb_server: AdbServer,
) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "softphone", "sim-phone", "--port", "0", "--control-port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stdout is not None
        banner = process.stdout.readline()
        serial = banner.split("adb connect ", 1)[1].split(";", 1)[0]
        control_url = banner.rsplit("control ", 1)[1].strip()
        adb_server.connect(serial)
        row = {"number": "+79991234567", "date_ms": 1700000000000, "duration": 42}
        assert request(control_url, "POST", "/call-log", row) == (200, {"_id": 1})

        out = adb_server.adb(
            "-s",
            serial,
            "shell",
            "content query --uri content://call_log/calls"
            " --projection _id:number:date:duration:type:subscription_id",
        ).stdout

        assert out == (
            "Row: 0 _id=1, number=+79991234567, date=1700000000000, duration=42, type=2,"
            " subscription_id=1\n"
        )
        adb_server.disconnect(serial)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0

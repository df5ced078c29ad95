"""Calls on the simulated phone, driven only through a real adb server (`adb shell`, adbutils)."""

from __future__ import annotations

import re
import time

import pytest

from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer, SimPhoneFactory

pytestmark = pytest.mark.adb

NUMBER = "+79991234567"
CALL = f"am start -a android.intent.action.CALL -d tel:{NUMBER}"
STATE = "dumpsys telephony.registry | grep mCallState"
QUERY = (
    "content query --uri content://call_log/calls"
    " --projection _id:number:date:duration:type:subscription_id --sort 'date DESC'"
)


def shell(adb_server: AdbServer, phone: SimPhone, line: str) -> str:
    result = adb_server.adb("-s", phone.serial, "shell", line)
    assert result.returncode == 0, result.stderr
    return result.stdout


def call_state(adb_server: AdbServer, phone: SimPhone) -> int:
    lines = shell(adb_server, phone, STATE).splitlines()
    assert lines, "dumpsys printed no mCallState line"
    state = 0
    for line in lines:
        state |= int(line.strip().removeprefix("mCallState="))
    return state


def wait_for_state(adb_server: AdbServer, phone: SimPhone, wanted: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    seen = call_state(adb_server, phone)
    while seen != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = call_state(adb_server, phone)
    return seen


def rows(output: str) -> list[dict[str, str]]:
    """Parse `Row: N a=b, c=d` lines (safe here: the projected columns hold no commas)."""
    parsed = []
    for line in output.splitlines():
        match = re.fullmatch(r"Row: (\d+) (.*)", line)
        assert match, f"not a content-query row: {line!r}"
        parsed.append(dict(cell.split("=", 1) for cell in match.group(2).split(", ")))
    return parsed


def wait_for_rows(adb_server: AdbServer, phone: SimPhone, count: int, timeout: float = 5) -> str:
    deadline = time.monotonic() + timeout
    output = shell(adb_server, phone, QUERY)
    while output.startswith("No result found.") or len(output.splitlines()) < count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
        output = shell(adb_server, phone, QUERY)
    return output


@pytest.mark.parametrize(
    ("script", "duration"),
    [
        (CallScript(ring_s=0.2, outcome="answered", talk_s=1.2), "1"),
        (CallScript(ring_s=0.3, outcome="no_answer"), "0"),
        (CallScript(ring_s=0.2, outcome="busy"), "0"),
        (CallScript(ring_s=0.2, outcome="rejected"), "0"),
        (CallScript(ring_s=0.0, outcome="failed"), "0"),
    ],
    ids=lambda value: value.outcome if isinstance(value, CallScript) else value,
)
def test_dialled_call_goes_offhook_then_idle_and_logs_an_outgoing_row(
    adb_server: AdbServer, sim_phone: SimPhone, script: CallScript, duration: str
) -> None:
    sim_phone.push_scripts(script)
    before_ms = int(shell(adb_server, sim_phone, "date +%s%3N"))

    out = shell(adb_server, sim_phone, CALL)

    assert out == "Starting: Intent { act=android.intent.action.CALL dat=tel:xxxxxxxxxxxx }\n"
    if script.ring_s > 0:
        assert call_state(adb_server, sim_phone) == 2
    assert wait_for_state(adb_server, sim_phone, 0, timeout=5) == 0
    [row] = rows(wait_for_rows(adb_server, sim_phone, 1))
    assert row["number"] == NUMBER
    assert row["type"] == "2"  # outgoing, whatever the outcome
    assert row["duration"] == duration
    assert row["subscription_id"] == "1"
    assert before_ms <= int(row["date"]) <= before_ms + 1000  # creation time, not end time


def test_call_log_row_appears_only_after_the_configured_delay(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.log_delay_s = 1.0
    sim_phone.push_scripts(CallScript(ring_s=0.0, outcome="failed"))
    shell(adb_server, sim_phone, CALL)

    assert call_state(adb_server, sim_phone) == 0
    assert shell(adb_server, sim_phone, QUERY) == "No result found.\n"
    assert len(rows(wait_for_rows(adb_server, sim_phone, 1, timeout=5))) == 1


def test_endcall_key_hangs_up_at_once_and_logs_the_talk_time(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.push_scripts(CallScript(ring_s=0.0, outcome="answered", talk_s=30))
    shell(adb_server, sim_phone, CALL)
    time.sleep(1.1)

    assert shell(adb_server, sim_phone, "input keyevent KEYCODE_ENDCALL") == ""

    assert call_state(adb_server, sim_phone) == 0
    [row] = rows(wait_for_rows(adb_server, sim_phone, 1))
    assert row["duration"] == "1"
    assert row["type"] == "2"


def test_keyevent_6_hangs_up_a_ringing_call_with_zero_duration(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.push_scripts(CallScript(ring_s=30, outcome="answered", talk_s=5))
    shell(adb_server, sim_phone, CALL)
    assert call_state(adb_server, sim_phone) == 2

    shell(adb_server, sim_phone, "input keyevent 6")

    assert call_state(adb_server, sim_phone) == 0
    [row] = rows(wait_for_rows(adb_server, sim_phone, 1))
    assert row["duration"] == "0"


def test_blocked_input_prints_the_miui_security_exception_and_keeps_the_call(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_input("blocked")
    sim_phone.push_scripts(CallScript(ring_s=30, outcome="no_answer"))
    shell(adb_server, sim_phone, CALL)

    out = shell(adb_server, sim_phone, "input keyevent KEYCODE_ENDCALL")

    assert (
        "java.lang.SecurityException: Injecting to another application requires "
        "INJECT_EVENTS permission" in out
    )
    assert call_state(adb_server, sim_phone) == 2
    sim_phone.end_current_call()
    assert call_state(adb_server, sim_phone) == 0


def test_dial_action_opens_the_dialer_and_places_no_call(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    out = shell(adb_server, sim_phone, f"am start -a android.intent.action.DIAL -d tel:{NUMBER}")

    assert out == "Starting: Intent { act=android.intent.action.DIAL dat=tel:xxxxxxxxxxxx }\n"
    assert call_state(adb_server, sim_phone) == 0
    assert sim_phone.state()["calls_started"] == 0
    assert sim_phone.state()["dial_intents"] == 1


@pytest.mark.parametrize("number", ["112", "911", "1125551234"])
def test_call_to_a_possible_emergency_number_becomes_a_dial_and_is_not_logged(
    adb_server: AdbServer, sim_phone: SimPhone, number: str
) -> None:
    out = shell(adb_server, sim_phone, f"am start -a android.intent.action.CALL -d tel:{number}")

    assert out.startswith("Starting: Intent { act=android.intent.action.CALL dat=tel:")
    assert call_state(adb_server, sim_phone) == 0
    assert sim_phone.wait_idle(2)
    assert shell(adb_server, sim_phone, QUERY) == "No result found.\n"
    assert sim_phone.state()["calls_started"] == 0


@pytest.mark.parametrize("data", ["tel:", "tel:abc", "tel:+7999+1", "79991234567"])
def test_malformed_number_gets_am_error_and_no_call(
    adb_server: AdbServer, sim_phone: SimPhone, data: str
) -> None:
    out = shell(adb_server, sim_phone, f"am start -a android.intent.action.CALL -d {data}")

    assert "Error: Activity not started, unable to resolve Intent {" in out
    assert "flg=0x10000000 }" in out
    assert call_state(adb_server, sim_phone) == 0
    assert sim_phone.state()["calls_started"] == 0


def test_number_with_shell_parentheses_unquoted_is_a_shell_syntax_error(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    out = shell(
        adb_server, sim_phone, "am start -a android.intent.action.CALL -d tel:8(999)1234567"
    )

    assert out.startswith("/system/bin/sh: syntax error:")
    assert sim_phone.state()["calls_started"] == 0


def test_separators_are_stripped_from_the_logged_number(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.push_scripts(CallScript(ring_s=0.0, outcome="failed"))
    shell(
        adb_server, sim_phone, "am start -a android.intent.action.CALL -d 'tel:+7 (999) 123-45-67'"
    )

    [row] = rows(wait_for_rows(adb_server, sim_phone, 1))
    assert row["number"] == NUMBER


def test_url_encoded_plus_is_decoded_like_android_does(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.push_scripts(CallScript(ring_s=0.0, outcome="failed"))
    out = shell(
        adb_server, sim_phone, "am start -a android.intent.action.CALL -d tel:%2B79991234567"
    )

    assert "dat=tel:xxxxxxxxxxxx }" in out
    [row] = rows(wait_for_rows(adb_server, sim_phone, 1))
    assert row["number"] == NUMBER


def test_incoming_call_rings_then_is_logged_as_missed(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.incoming_call("+74951234567", ring_s=0.3, answered=False)

    assert call_state(adb_server, sim_phone) == 1
    assert wait_for_state(adb_server, sim_phone, 0, timeout=5) == 0
    [row] = rows(wait_for_rows(adb_server, sim_phone, 1))
    assert (row["number"], row["type"], row["duration"]) == ("+74951234567", "3", "0")


def test_incoming_call_answered_is_offhook_and_logged_as_incoming(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.incoming_call("+74951234567", ring_s=0.1, answered=True, talk_s=1.1)
    time.sleep(0.3)

    assert call_state(adb_server, sim_phone) == 2
    assert wait_for_state(adb_server, sim_phone, 0, timeout=5) == 0
    [row] = rows(wait_for_rows(adb_server, sim_phone, 1))
    assert (row["type"], row["duration"]) == ("1", "1")


def test_endcall_key_on_a_ringing_incoming_call_rejects_it(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.incoming_call("+74951234567", ring_s=30)

    shell(adb_server, sim_phone, "input keyevent 6")

    [row] = rows(wait_for_rows(adb_server, sim_phone, 1))
    assert (row["type"], row["duration"]) == ("5", "0")


def test_dual_sim_phone_prints_one_indented_call_state_per_sim(
    adb_server: AdbServer, sim_phone_factory: SimPhoneFactory
) -> None:
    phone = sim_phone_factory(sims=2, default_sim=1, log_delay_s=0.0)
    assert shell(adb_server, phone, STATE) == "    mCallState=0\n    mCallState=0\n"

    phone.push_scripts(CallScript(ring_s=30, outcome="no_answer"))
    shell(adb_server, phone, CALL)

    assert shell(adb_server, phone, STATE) == "    mCallState=0\n    mCallState=2\n"
    phone.end_current_call()
    [row] = rows(wait_for_rows(adb_server, phone, 1))
    assert row["subscription_id"] == "2"


def test_dual_sim_without_default_shows_a_chooser_and_stays_idle(
    adb_server: AdbServer, sim_phone_factory: SimPhoneFactory
) -> None:
    phone = sim_phone_factory(sims=2, default_sim=None)

    out = shell(adb_server, phone, CALL)

    assert out.startswith("Starting: Intent")
    assert call_state(adb_server, phone) == 0
    assert phone.state()["sim_choosers"] == 1


def test_scripts_are_used_in_order_then_the_default(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.0, outcome="answered", talk_s=1.05))
    sim_phone.push_scripts(
        CallScript(ring_s=0.0, outcome="busy"), CallScript(ring_s=0.0, outcome="failed")
    )
    device = adb_server.client().device(sim_phone.serial)
    durations = []
    for _ in range(3):
        device.shell(CALL)
        assert sim_phone.wait_idle(5)
        durations.append(sim_phone.call_log()[-1]["duration"])

    assert durations == [0, 0, 1]


def test_default_script_rings_then_answers_and_talks(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.3, outcome="answered", talk_s=1.0))
    device = adb_server.client().device(sim_phone.serial)
    device.shell(CALL)

    assert sim_phone.state()["current_call"]["status"] == "dialing"
    time.sleep(0.5)
    assert sim_phone.state()["current_call"]["status"] == "active"
    assert sim_phone.wait_idle(5)
    assert sim_phone.call_log()[-1]["duration"] == 1

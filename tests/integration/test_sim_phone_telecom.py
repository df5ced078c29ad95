"""Why a call ended, as the simulated phone tells it: `dumpsys telecom` and `settings` over adb.

The phone's clock is moved by hand, so a call rings, connects and ends exactly when a test says
and every time Telecom prints is known to the millisecond; nothing here waits on the wall clock.
"""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer, SimPhoneFactory

pytestmark = pytest.mark.adb

CALL = "am start -a android.intent.action.CALL -d tel:+79991234567"
ENDCALL = "input keyevent KEYCODE_ENDCALL"
#: The phone's wall clock when it was made, in seconds; its monotonic clock starts at START.
WALL0 = 1_764_425_836.0
START = 1000.0


class Clock:
    """A monotonic clock that only moves when the test moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def phone_ms(clock_at: float) -> int:
    """The phone's wall clock, in ms, when the hand-moved clock read `clock_at`."""
    return int((WALL0 + clock_at - START) * 1000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def phone(sim_phone_factory: SimPhoneFactory, clock: Clock) -> SimPhone:
    return sim_phone_factory(clock=clock, wall_clock=lambda: WALL0)


def shell(adb_server: AdbServer, phone: SimPhone, line: str) -> str:
    result = adb_server.adb("-s", phone.serial, "shell", line)
    assert result.returncode == 0, result.stderr
    return result.stdout


def blocks(dump: str) -> dict[str, list[str]]:
    """The analytics blocks of a `dumpsys telecom`, by call id, each line stripped."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in dump.splitlines():
        if line.startswith("  Call TC@"):
            current = found.setdefault(line.split()[1].rstrip(":"), [])
        elif line == "  }":
            current = None
        elif current is not None:
            current.append(line.strip())
    return found


def field(block: list[str], name: str) -> str:
    [value] = [line.split(": ", 1)[1] for line in block if line.startswith(f"{name}: ")]
    return value


def last_block(adb_server: AdbServer, phone: SimPhone) -> list[str]:
    found = blocks(shell(adb_server, phone, "dumpsys telecom"))
    assert found, "dumpsys telecom printed no call block"
    return found[list(found)[-1]]


# -- dumpsys telecom --------------------------------------------------------------------------


def test_busy_call_prints_the_analytics_block_of_android_14_telecom(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.push_scripts(CallScript(ring_s=2.0, outcome="busy"))
    shell(adb_server, phone, CALL)
    clock.advance(2.0)

    dump = shell(adb_server, phone, "dumpsys telecom")

    assert dump.splitlines() == [
        "CallsManager: ",
        "PhoneAccountRegistrar: ",
        "Analytics:",
        "  Call TC@1: {",
        "      startTime: 0",
        f"      endTime: {phone_ms(START + 2.0)}",
        "      direction: OUTGOING",
        "      isAdditionalCall: false",
        "      isInterrupted: false",
        "      isEmergency: false",
        "      callTechnologies: [GSM ]",
        "      callTerminationReason: DisconnectCause [ Code: (BUSY) Label: (Line busy)"
        " Description: () Reason: (BUSY) Tone: (17)  TelephonyCause: 4/-1 ImsReasonInfo: null]",
        "      missedReason: []",
        "      connectionService: com.android.phone/"
        "com.android.services.telephony.TelephonyConnectionService",
        "      isVideoCall: false",
        "      inCallServices: [",
        "      name: com.google.android.dialer/com.android.incallui.InCallServiceImpl type: 1"
        " is crashed: false service last time in ms: 2000",
        "  ]",
        "      callProperties: []",
        "      callSource: UNSPECIFIED",
        "  }",
        "  ",
        "  Hardware Version: ",
        "  Past analytics dumps: ",
    ]


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (
            CallScript(ring_s=1.0, outcome="busy"),
            "DisconnectCause [ Code: (BUSY) Label: (Line busy) Description: () Reason: (BUSY)"
            " Tone: (17)  TelephonyCause: 4/-1 ImsReasonInfo: null]",
        ),
        (
            CallScript(ring_s=1.0, outcome="rejected"),
            "DisconnectCause [ Code: (REJECTED) Label: () Description: () Reason: (CALL_REJECTED)"
            " Tone: (27)  TelephonyCause: 16/-1 ImsReasonInfo: null]",
        ),
        (
            CallScript(ring_s=1.0, outcome="no_answer"),
            "DisconnectCause [ Code: (ERROR) Label: () Description: ()"
            " Reason: (ERROR_UNSPECIFIED) Tone: (27)  TelephonyCause: 36/-1 ImsReasonInfo: null]",
        ),
        (
            CallScript(ring_s=1.0, outcome="failed"),
            "DisconnectCause [ Code: (ERROR) Label: (Network busy) Description: ()"
            " Reason: (CONGESTION) Tone: (18)  TelephonyCause: 5/-1 ImsReasonInfo: null]",
        ),
        (
            CallScript(ring_s=1.0, outcome="answered", talk_s=3.0),
            "DisconnectCause [ Code: (REMOTE) Label: () Description: () Reason: (NORMAL)"
            " Tone: (27)  TelephonyCause: 2/-1 ImsReasonInfo: null]",
        ),
    ],
    ids=lambda value: value.outcome if isinstance(value, CallScript) else "",
)
def test_each_scripted_outcome_ends_with_its_own_termination_reason(
    adb_server: AdbServer, phone: SimPhone, clock: Clock, script: CallScript, reason: str
) -> None:
    length = script.ring_s + (script.talk_s if script.outcome == "answered" else 0.0)
    phone.push_scripts(script)
    shell(adb_server, phone, CALL)
    clock.advance(length + 5.0)

    block = last_block(adb_server, phone)

    assert field(block, "callTerminationReason") == reason
    assert field(block, "endTime") == str(phone_ms(START + length))


def test_only_a_call_that_connected_has_a_start_time(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.push_scripts(
        CallScript(ring_s=1.0, outcome="busy"),
        CallScript(ring_s=1.0, outcome="answered", talk_s=3.0),
    )
    shell(adb_server, phone, CALL)
    clock.advance(1.0)
    shell(adb_server, phone, CALL)
    clock.advance(4.0)

    found = blocks(shell(adb_server, phone, "dumpsys telecom"))

    assert field(found["TC@1"], "startTime") == "0"  # Telecom sets it when the call goes ACTIVE
    assert field(found["TC@2"], "startTime") == str(phone_ms(START + 2.0))
    assert field(found["TC@2"], "endTime") == str(phone_ms(START + 5.0))


@pytest.mark.parametrize(
    ("ring_s", "connected"), [(5.0, False), (0.5, True)], ids=["ringing", "answered"]
)
def test_endcall_key_ends_a_placed_call_as_a_local_hangup(
    adb_server: AdbServer, phone: SimPhone, clock: Clock, ring_s: float, connected: bool
) -> None:
    phone.push_scripts(CallScript(ring_s=ring_s, outcome="answered", talk_s=60.0))
    shell(adb_server, phone, CALL)
    clock.advance(1.0)

    shell(adb_server, phone, ENDCALL)

    block = last_block(adb_server, phone)
    assert field(block, "callTerminationReason") == (
        "DisconnectCause [ Code: (LOCAL) Label: () Description: () Reason: (LOCAL) Tone: (27)"
        "  TelephonyCause: 3/-1 ImsReasonInfo: null]"
    )
    expected_start = str(phone_ms(START + ring_s)) if connected else "0"
    assert field(block, "startTime") == expected_start
    assert field(block, "endTime") == str(phone_ms(START + 1.0))


def test_the_far_end_hanging_up_is_a_remote_disconnect(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.push_scripts(CallScript(ring_s=0.5, outcome="answered", talk_s=60.0))
    shell(adb_server, phone, CALL)
    clock.advance(2.0)

    assert phone.end_current_call()

    reason = field(last_block(adb_server, phone), "callTerminationReason")
    assert reason.startswith("DisconnectCause [ Code: (REMOTE) Label: () Description: ()")


def test_a_live_call_has_no_termination_reason_and_no_end_time(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.push_scripts(CallScript(ring_s=1.0, outcome="answered", talk_s=60.0))
    shell(adb_server, phone, CALL)
    clock.advance(0.5)
    dialling = shell(adb_server, phone, "dumpsys telecom")
    clock.advance(1.5)
    talking = last_block(adb_server, phone)

    assert field(blocks(dialling)["TC@1"], "startTime") == "0"
    assert field(blocks(dialling)["TC@1"], "endTime") == "0"
    assert field(blocks(dialling)["TC@1"], "callTerminationReason") == "NOT SET"
    assert "      inCallServices: [\n  ]\n" in dialling  # recorded when the UI unbinds
    assert field(talking, "startTime") == str(phone_ms(START + 1.0))
    assert (field(talking, "endTime"), field(talking, "callTerminationReason")) == ("0", "NOT SET")


def test_times_are_the_phones_wall_clock_with_its_skew(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.set_clock_skew_ms(-3_600_000)
    phone.push_scripts(CallScript(ring_s=1.0, outcome="busy"))
    shell(adb_server, phone, CALL)
    clock.advance(1.0)

    phone_now = int(shell(adb_server, phone, "date +%s%3N"))

    assert field(last_block(adb_server, phone), "endTime") == str(phone_now)
    assert phone_now == phone_ms(START + 1.0) - 3_600_000


def test_incoming_calls_get_blocks_too(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.incoming_call("+74950000000", ring_s=1.0)
    clock.advance(1.0)
    phone.incoming_call("+74950000001", ring_s=30.0)
    clock.advance(0.5)
    shell(adb_server, phone, ENDCALL)

    found = blocks(shell(adb_server, phone, "dumpsys telecom"))

    assert [field(block, "direction") for block in found.values()] == ["INCOMING", "INCOMING"]
    assert field(found["TC@1"], "callTerminationReason").startswith(
        "DisconnectCause [ Code: (MISSED) Label: () Description: () Reason: (INCOMING_MISSED)"
    )
    assert field(found["TC@2"], "callTerminationReason").startswith(
        "DisconnectCause [ Code: (REJECTED) Label: () Description: () Reason: (INCOMING_REJECTED)"
    )


def test_a_call_placed_during_a_call_interrupts_it(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.push_scripts(CallScript(ring_s=30.0, outcome="no_answer"))
    shell(adb_server, phone, CALL)
    clock.advance(1.0)
    shell(adb_server, phone, CALL)

    found = blocks(shell(adb_server, phone, "dumpsys telecom"))

    assert field(found["TC@1"], "isInterrupted") == "true"
    assert field(found["TC@1"], "callTerminationReason").startswith(
        "DisconnectCause [ Code: (LOCAL)"
    )
    assert field(found["TC@2"], "isAdditionalCall") == "true"
    assert field(found["TC@2"], "isInterrupted") == "false"


def test_blocks_are_numbered_in_call_order_and_only_the_last_hundred_are_kept(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.set_default_script(CallScript(ring_s=0.25, outcome="busy"))
    for _ in range(105):
        phone.run_shell(CALL)  # in-process: 105 round trips through adb would only be slower
        clock.advance(0.25)

    found = blocks(shell(adb_server, phone, "dumpsys telecom"))

    assert list(found) == [f"TC@{n}" for n in range(6, 106)]


def test_cleared_analytics_print_the_dump_without_any_call_block(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.push_scripts(CallScript(ring_s=1.0, outcome="busy"))
    shell(adb_server, phone, CALL)
    clock.advance(1.0)

    phone.set_telecom("absent")
    cleared = shell(adb_server, phone, "dumpsys telecom")
    phone.set_telecom("ok")

    assert cleared == (
        "CallsManager: \nPhoneAccountRegistrar: \nAnalytics:\n"
        "  Hardware Version: \n  Past analytics dumps: \n"
    )
    assert list(blocks(shell(adb_server, phone, "dumpsys telecom"))) == ["TC@1"]


def test_android_11_prints_the_older_block_and_disconnect_cause(
    adb_server: AdbServer, sim_phone_factory: SimPhoneFactory, clock: Clock
) -> None:
    phone = sim_phone_factory(release="11", sdk=30, clock=clock, wall_clock=lambda: WALL0)
    phone.push_scripts(CallScript(ring_s=1.0, outcome="busy"))
    shell(adb_server, phone, CALL)
    clock.advance(1.0)

    dump = shell(adb_server, phone, "dumpsys telecom")

    block = blocks(dump)["TC@1"]
    assert field(block, "callTerminationReason") == (
        "DisconnectCause [ Code: (BUSY) Label: (Line busy) Description: () Reason: (BUSY)"
        " Tone: (17) ]"
    )
    assert not any(line.startswith("missedReason") for line in block)
    assert "name: com.google.android.dialer/com.android.incallui.InCallServiceImpl type: 1" in block
    assert "Hardware Version" not in dump


def test_dumpsys_lists_telecom_and_its_dump_goes_through_pipes(
    adb_server: AdbServer, phone: SimPhone, clock: Clock
) -> None:
    phone.push_scripts(CallScript(ring_s=1.0, outcome="busy"))
    shell(adb_server, phone, CALL)
    clock.advance(1.0)

    assert shell(adb_server, phone, "dumpsys | grep telecom") == "  telecom\n"
    assert shell(adb_server, phone, "dumpsys telecom | grep -F 'Code: (BUSY)'").count("\n") == 1
    assert shell(adb_server, phone, "dumpsys telecom | grep -q 'Call TC@1:' && echo seen") == (
        "seen\n"
    )


def post(phone: SimPhone, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    assert phone.control_url is not None
    host, port = phone.control_url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", path, body=json.dumps(body))
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_control_api_clears_and_restores_the_analytics(
    adb_server: AdbServer, sim_phone_factory: SimPhoneFactory, clock: Clock
) -> None:
    phone = sim_phone_factory(control_port=0, clock=clock, wall_clock=lambda: WALL0)
    phone.push_scripts(CallScript(ring_s=1.0, outcome="busy"))
    shell(adb_server, phone, CALL)
    clock.advance(1.0)

    assert post(phone, "/telecom", {"telecom": "absent"}) == (200, {"ok": True})
    assert phone.state()["telecom"] == "absent"
    assert "Call TC@" not in shell(adb_server, phone, "dumpsys telecom")
    status, answer = post(phone, "/telecom", {"telecom": "gone"})
    assert status == 400
    assert "telecom must be one of ok, absent" in answer["error"]


def test_telecom_fault_refuses_unknown_values() -> None:
    with pytest.raises(ValueError, match="telecom must be one of"):
        SimPhone(telecom="cleared")


# -- settings ---------------------------------------------------------------------------------

VOICE_SIM = "settings get global multi_sim_voice_call"


@pytest.mark.parametrize(
    ("sims", "default_sim", "printed"),
    [(1, 0, "1\n"), (2, 0, "1\n"), (2, 1, "2\n"), (2, None, "null\n")],
    ids=["single-sim", "dual-first", "dual-second", "dual-no-default"],
)
def test_default_voice_subscription_is_the_default_sim_slot_plus_one(
    adb_server: AdbServer,
    sim_phone_factory: SimPhoneFactory,
    sims: int,
    default_sim: int | None,
    printed: str,
) -> None:
    phone = sim_phone_factory(sims=sims, default_sim=default_sim)

    assert shell(adb_server, phone, VOICE_SIM) == printed


def test_choosing_the_default_sim_changes_the_setting_at_once(
    adb_server: AdbServer, sim_phone_factory: SimPhoneFactory
) -> None:
    phone = sim_phone_factory(sims=2, default_sim=None)

    phone.set_default_sim(1)
    chosen = shell(adb_server, phone, VOICE_SIM)
    phone.set_default_sim(None)

    assert chosen == "2\n"
    assert shell(adb_server, phone, VOICE_SIM) == "null\n"
    with_user = "cmd settings get --user current global multi_sim_voice_call"
    assert shell(adb_server, phone, with_user) == "null\n"


def test_unknown_keys_print_null(adb_server: AdbServer, phone: SimPhone) -> None:
    assert shell(adb_server, phone, "settings get global no_such_key") == "null\n"
    assert shell(adb_server, phone, "settings get secure multi_sim_voice_call") == "null\n"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("settings get nowhere multi_sim_voice_call", "Invalid namespace 'nowhere'\n"),
        ("settings fetch global multi_sim_voice_call", "Invalid command: fetch\n"),
        ("settings get global", "Bad arguments\n"),
        ("settings get global a b", "Too many arguments\n"),
        ("settings --user all get global a", "Invalid user: all\n"),
    ],
)
def test_bad_settings_commands_print_the_settings_services_errors(
    adb_server: AdbServer, phone: SimPhone, line: str, error: str
) -> None:
    result = adb_server.client().device(phone.serial).shell2(line)

    assert (result.output, result.returncode) == (error, 255)


def test_settings_without_arguments_prints_its_help(adb_server: AdbServer, phone: SimPhone) -> None:
    output = shell(adb_server, phone, "settings")

    assert output.startswith("Settings provider (settings) commands:\n  help\n")
    assert "  get [--user <USER_ID> | current] NAMESPACE KEY\n" in output


def test_put_changes_the_setting_but_not_the_sim_calls_use(
    adb_server: AdbServer, sim_phone_factory: SimPhoneFactory
) -> None:
    phone = sim_phone_factory(sims=2, default_sim=0)

    assert shell(adb_server, phone, "settings put global multi_sim_voice_call 2") == ""
    written = shell(adb_server, phone, VOICE_SIM)
    listed = shell(adb_server, phone, "settings list global")
    deleted = shell(adb_server, phone, "settings delete global multi_sim_voice_call")

    assert (written, listed) == ("2\n", "multi_sim_voice_call=2\n")
    assert phone.state()["default_sim"] == 0  # Telecom caches the default: no reboot, no change
    assert deleted == "Deleted 1 rows\n"
    assert shell(adb_server, phone, VOICE_SIM) == "1\n"

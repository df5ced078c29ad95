"""The phone's outputs, read by softphone.adb.parse: golden texts and random garbage."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softphone.adb import parse
from softphone.model import CallLogType

DENIAL = (
    "Error while accessing provider:call_log\n"
    "java.lang.SecurityException: Permission Denial: opening provider "
    "com.android.providers.contacts.CallLogProvider from ProcessRecord{1234567 4242:"
    "com.android.commands.content/2000} (pid=4242, uid=2000) requires "
    "android.permission.READ_CALL_LOG or android.permission.WRITE_CALL_LOG\n"
    "\tat android.os.Parcel.createExceptionOrNull(Parcel.java:3011)\n"
)


# -- call log ---------------------------------------------------------------------------------


def test_call_log_row_is_read_with_every_projected_column() -> None:
    text = (
        "Row: 0 _id=12, number=+79991234567, date=1700000000000, duration=42, type=2, "
        "subscription_id=1\n"
    )
    parsed = parse.parse_call_log(text)
    assert parsed.error is None and parsed.skipped == 0
    (row,) = parsed.rows
    assert row.id == 12
    assert row.number == "+79991234567"
    assert row.date_ms == 1_700_000_000_000
    assert row.duration_s == 42
    assert row.type is CallLogType.OUTGOING
    assert row.subscription_id == "1"


@pytest.mark.parametrize(
    "body",
    [
        "_id=12, number=+79991234567, date=1700000000000, duration=42, type=2, subscription_id=1",
        "_id=5, number=NULL, date=1700000000000, duration=0, type=3, subscription_id=NULL",
        "_id=6, number=, date=1700000000000, duration=-3, type=99, subscription_id=",
        "_id=7, number=Smith, John, date=1700000000000, duration=1, type=1, subscription_id=2",
        "_id=8, number=+7 (999) 123-45-67, date=-5, duration=0, type=7, subscription_id=x,y",
    ],
)
def test_rows_of_our_projection_read_the_same_on_the_quick_path_as_on_the_general_one(
    body: str,
) -> None:
    """Our own projection takes a one-pattern path (a 10 000-row log in a few tens of ms)."""
    quick = parse.parse_call_log(f"Row: 0 {body}\n").rows
    general = parse._row(parse._split_row(body, parse.CALL_LOG_COLUMNS))
    assert quick == ((general,) if general is not None else ())


def test_call_log_rows_from_two_sims_keep_their_subscription_ids() -> None:
    text = (
        "Row: 0 _id=31, number=+79990000002, date=1700000009000, duration=0, type=2, "
        "subscription_id=2\n"
        "Row: 1 _id=30, number=+79990000001, date=1700000001000, duration=5, type=2, "
        "subscription_id=1\n"
    )
    rows = parse.parse_call_log(text).rows
    assert [(r.id, r.subscription_id) for r in rows] == [(31, "2"), (30, "1")]


def test_call_log_null_values_become_none() -> None:
    text = (
        "Row: 0 _id=5, number=NULL, date=1700000000000, duration=NULL, type=3, subscription_id=NULL"
    )
    (row,) = parse.parse_call_log(text).rows
    assert row.number is None
    assert row.duration_s == 0
    assert row.subscription_id is None
    assert row.type is CallLogType.MISSED


def test_call_log_commas_and_equals_inside_values_survive() -> None:
    text = (
        "Row: 0 _id=7, number=+7 999, 123=45, date=1700000000000, duration=3, type=2, "
        "subscription_id=89701, 2"
    )
    (row,) = parse.parse_call_log(text).rows
    assert row.number == "+7 999, 123=45"
    assert row.subscription_id == "89701, 2"
    assert row.duration_s == 3


def test_call_log_crlf_line_ends_from_old_windows_adb_are_read() -> None:
    text = (
        "Row: 0 _id=2, number=112, date=1700000000500, duration=0, type=2, subscription_id=1\r\r\n"
        "Row: 1 _id=1, number=900, date=1700000000000, duration=9, type=1, subscription_id=1\r\n"
    )
    rows = parse.parse_call_log(text).rows
    assert [r.id for r in rows] == [2, 1]
    assert rows[0].subscription_id == "1"


def test_call_log_no_result_is_no_rows_and_no_error() -> None:
    parsed = parse.parse_call_log("No result found.\n")
    assert parsed.rows == () and parsed.error is None and parsed.skipped == 0


def test_call_log_permission_denial_is_an_error_not_rows() -> None:
    parsed = parse.parse_call_log(DENIAL)
    assert parsed.rows == ()
    assert parsed.error is not None
    assert parsed.error.kind == "permission_denied"
    assert "READ_CALL_LOG" in parsed.error.message


def test_call_log_invalid_token_is_reported_as_an_exception() -> None:
    text = (
        "Error while accessing provider:call_log\n"
        "java.lang.IllegalArgumentException: Invalid token LIMIT\n"
    )
    error = parse.parse_call_log(text).error
    assert error is not None and error.kind == "exception"
    assert "Invalid token LIMIT" in error.message


def test_call_log_rows_without_id_or_date_are_counted_not_guessed() -> None:
    text = (
        "Row: 0 _id=abc, number=1, date=1700000000000, duration=0, type=2, subscription_id=1\n"
        "Row: 1 _id=4, number=1, date=NULL, duration=0, type=2, subscription_id=1\n"
        "Row: 2 _id=3, number=+79991234567, date=1700000000000, duration=1, type=2, "
        "subscription_id=1\n"
    )
    parsed = parse.parse_call_log(text)
    assert [r.id for r in parsed.rows] == [3]
    assert parsed.skipped == 2


def test_call_log_garbage_lines_between_rows_are_ignored() -> None:
    text = (
        "WARNING: linker: something odd\n"
        "Row: 0 _id=3, number=+79991234567, date=1700000000000, duration=1, type=2, "
        "subscription_id=1\n"
        "\x00\x01 ~~~\n"
    )
    parsed = parse.parse_call_log(text)
    assert [r.id for r in parsed.rows] == [3]
    assert parsed.error is None


def test_call_log_type_an_oem_invented_is_unknown() -> None:
    text = "Row: 0 _id=1, number=1, date=1700000000000, duration=0, type=42, subscription_id=1"
    (row,) = parse.parse_call_log(text).rows
    assert row.type is CallLogType.UNKNOWN


def test_unknown_command_is_detected_as_not_found() -> None:
    failure = parse.detect_failure("/system/bin/sh: content: inaccessible or not found\n")
    assert failure is not None and failure.kind == "not_found"
    assert "content" in failure.message


# -- call state -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("    mCallState=0\n", 0),
        ("    mCallState=2\n", 2),
        ("    mCallState=0\n    mCallState=2\n", 2),  # second SIM in a call
        ("    mCallState=1\r\n    mCallState=0\r\n", 1),
        ("mCallState=2", 2),
    ],
)
def test_call_state_is_the_busiest_sim(text: str, state: int) -> None:
    assert parse.parse_call_state(text) == state


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Can't find service: telephony.registry\n",
        "    mCallState=9\n",
        "    mCallState=\n",
        "    mCallStateX=2\n",
        "/system/bin/sh: dumpsys: inaccessible or not found\n",
    ],
)
def test_call_state_that_cannot_be_read_is_none(text: str) -> None:
    assert parse.parse_call_state(text) is None


# -- am start ---------------------------------------------------------------------------------


def test_am_start_accepted_call_intent() -> None:
    result = parse.parse_am_start(
        "Starting: Intent { act=android.intent.action.CALL dat=tel:xxxxxxxxxxxx }\n"
    )
    assert result.accepted
    assert result.intent == "Intent { act=android.intent.action.CALL dat=tel:xxxxxxxxxxxx }"
    assert result.error is None


def test_am_start_unresolved_intent_is_refused_with_androids_words() -> None:
    result = parse.parse_am_start(
        "Starting: Intent { act=android.intent.action.CALL dat=tel:xx }\n"
        "Error: Activity not started, unable to resolve Intent { act=android.intent.action.CALL "
        "dat=tel:xx flg=0x10000000 }\n"
    )
    assert not result.accepted
    assert result.error is not None and result.error.startswith("Error: Activity not started")


def test_am_start_security_exception_is_refused() -> None:
    result = parse.parse_am_start(
        "Starting: Intent { act=android.intent.action.CALL dat=tel:xx }\n"
        "java.lang.SecurityException: Permission Denial: starting Intent requires CALL_PHONE\n"
    )
    assert not result.accepted
    assert result.error is not None and "Permission Denial" in result.error


def test_am_start_warning_still_counts_as_accepted() -> None:
    result = parse.parse_am_start(
        "Starting: Intent { act=android.intent.action.CALL dat=tel:xx }\r\n"
        "Warning: Activity not started, its current task has been brought to the front\r\n"
    )
    assert result.accepted
    assert result.warning is not None and "brought to the front" in result.warning


@pytest.mark.parametrize("text", ["", "\n", "something else entirely"])
def test_am_start_without_a_starting_line_is_not_accepted(text: str) -> None:
    result = parse.parse_am_start(text)
    assert not result.accepted
    assert result.error


def test_input_blocked_by_miui_is_a_permission_failure() -> None:
    text = (
        "Exception occurred while executing 'keyevent':\n"
        "java.lang.SecurityException: Injecting to another application requires INJECT_EVENTS "
        "permission\n\tat android.os.Parcel.createExceptionOrNull(Parcel.java:2425)\n"
    )
    failure = parse.parse_input(text)
    assert failure is not None and failure.kind == "permission_denied"
    assert "INJECT_EVENTS" in failure.message


def test_input_that_printed_nothing_worked() -> None:
    assert parse.parse_input("") is None
    assert parse.parse_input("\r\n") is None


# -- getprop, clock, devices, server ----------------------------------------------------------


def test_getprop_dump_with_a_multiline_value_and_noise() -> None:
    text = (
        "[ro.build.version.release]: [14]\r\n"
        "[ro.product.model]: [Redmi Note 8 Pro]\n"
        "not a property line\n"
        "[persist.sys.motd]: [first line\n"
        "second line]\n"
        "[gsm.sim.state]: [READY,ABSENT]\n"
        "[empty]: []\n"
    )
    props = parse.parse_getprop(text)
    assert props["ro.build.version.release"] == "14"
    assert props["ro.product.model"] == "Redmi Note 8 Pro"
    assert props["persist.sys.motd"] == "first line\nsecond line"
    assert props["empty"] == ""
    assert parse.sim_count_from_props(props) == 1


def test_sim_count_needs_the_property() -> None:
    assert parse.sim_count_from_props({}) is None
    assert parse.sim_count_from_props({"gsm.sim.state": "READY,LOADED"}) == 2
    assert parse.sim_count_from_props({"gsm.sim.state": "ABSENT"}) == 0


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1700000000123\n", 1_700_000_000_123),
        ("1700000000123\r\n", 1_700_000_000_123),
        ("1700000000%3N\n", 1_700_000_000_000),  # a shell without %N
        ("17000000003N\n", 1_700_000_000_000),
        ("1700000000123456789\n", 1_700_000_000_123),  # nanoseconds
    ],
)
def test_phone_clock_in_every_shape_old_shells_print(text: str, ms: int) -> None:
    assert parse.parse_epoch_ms(text) == ms


@pytest.mark.parametrize(
    "text", ["", "date: bad format", "12345\n", "1700000000123\n1\n", "0000000000000"]
)
def test_phone_clock_that_makes_no_sense_is_none(text: str) -> None:
    assert parse.parse_epoch_ms(text) is None


def test_devices_in_short_long_and_no_permission_forms() -> None:
    text = (
        "List of devices attached\n"
        "R58M123ABC\tdevice\n"
        "127.0.0.1:40001         unauthorized transport_id:7\n"
        "emulator-5554          device product:sdk_phone model:Pixel_7 device:emu64 "
        "transport_id:1\n"
        "1-1.2                  no permissions (user in plugdev group; are your udev rules "
        "wrong?); see [http://developer.android.com/tools/device.html] usb:1-1.2 transport_id:3\n"
        "\n"
    )
    devices = parse.parse_devices(text)
    assert [(d.serial, d.state) for d in devices] == [
        ("R58M123ABC", "device"),
        ("127.0.0.1:40001", "unauthorized"),
        ("emulator-5554", "device"),
        ("1-1.2", "no_permissions"),
    ]
    assert devices[3].detail == (
        "no permissions (user in plugdev group; are your udev rules wrong?); see "
        "[http://developer.android.com/tools/device.html]"
    )
    assert devices[3].tags == {"usb": "1-1.2", "transport_id": "3"}
    assert devices[0].detail is None
    assert devices[2].tags == {
        "product": "sdk_phone",
        "model": "Pixel_7",
        "device": "emu64",
        "transport_id": "1",
    }


def test_track_devices_no_permissions_line_is_read_as_no_permissions() -> None:
    text = (
        "0123456789ABCDEF\tno permissions (user in plugdev group; are your udev rules wrong?); "
        "see [http://developer.android.com/tools/device.html]\n"
    )
    (device,) = parse.parse_devices(text)
    assert (device.serial, device.state) == ("0123456789ABCDEF", "no_permissions")
    assert device.detail is not None and device.detail.startswith("no permissions (")


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("device", "device"),
        ("unauthorized", "unauthorized"),
        ("offline", "offline"),
        ("connecting", "connecting"),
        ("authorizing", "authorizing"),
        ("no permissions; see [http://developer.android.com/tools/device.html]", "no_permissions"),
        ("no permissions (missing udev rules? user is in the plugdev group)", "no_permissions"),
        ("recovery", "offline"),
        ("sideload", "offline"),
        ("bootloader", "offline"),
        ("detached", "offline"),
        ("something adb 40 invents", "offline"),
    ],
)
def test_every_adb_state_falls_into_our_fixed_vocabulary(raw: str, state: str) -> None:
    assert parse.device_state(raw) == state


def test_server_version_hex() -> None:
    assert parse.parse_server_version("0029") == 41
    assert parse.parse_server_version("zz") is None
    assert parse.parse_server_version("") is None


# -- never raising ----------------------------------------------------------------------------

_PARSERS = [
    parse.parse_call_log,
    parse.parse_call_state,
    parse.parse_am_start,
    parse.parse_input,
    parse.parse_getprop,
    parse.parse_epoch_ms,
    parse.parse_devices,
    parse.parse_server_version,
    parse.parse_default_call_sim,
    parse.detect_failure,
]

_ANDROIDISH = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "Row: 0 ",
                "_id=",
                "date=",
                ", ",
                "NULL",
                "mCallState=",
                "Starting: Intent {",
                "}",
                "[",
                "]: [",
                "\r\n",
                "\n",
                "\t",
                "Permission Denial",
                "99999999999999999999999",
                "-1",
            ]
        ),
    ),
    max_size=30,
).map("".join)


@given(text=st.one_of(st.text(), _ANDROIDISH))
def test_parsers_never_raise_on_any_text(text: str) -> None:
    for parser in _PARSERS:
        parser(text)  # raising is the failure
    assert parse.parse_call_state(text) in (None, 0, 1, 2)
    ms = parse.parse_epoch_ms(text)
    assert ms is None or 10**12 <= ms < 10**13
    parsed = parse.parse_call_log(text)
    assert all(row.date_ms is not None for row in parsed.rows)
    assert parsed.skipped >= 0
    assert {d.state for d in parse.parse_devices(text)} <= set(get_args(parse.DeviceState))
    default_sim = parse.parse_default_call_sim(text)
    assert default_sim.known or default_sim.subscription_id is None


@pytest.mark.parametrize("value", [None, b"Row: 0 _id=1", 42, ["x"]])
def test_parsers_treat_non_text_as_nothing(value: object) -> None:
    assert parse.parse_call_log(value).rows == ()
    assert parse.parse_call_state(value) is None
    assert parse.parse_getprop(value) == {}
    assert parse.parse_epoch_ms(value) is None
    assert parse.parse_devices(value) == []
    assert not parse.parse_am_start(value).accepted


# -- the default SIM for calls ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subscription"),
    [("1\n", 1), ("2\r\n", 2), ("0", 0), (" 17 \n", 17)],
)
def test_default_call_sim_is_the_subscription_id_settings_prints(
    text: str, subscription: int
) -> None:
    assert parse.parse_default_call_sim(text) == parse.DefaultCallSim(True, subscription)


@pytest.mark.parametrize("text", ["null\n", "-1\n", "-2", "2147483647\n", "abc", "NaN\r\n"])
def test_default_call_sim_null_negative_or_not_a_number_means_none_is_set(text: str) -> None:
    assert parse.parse_default_call_sim(text) == parse.DefaultCallSim(True, None)


@pytest.mark.parametrize(
    "text",
    [
        "/system/bin/sh: settings: inaccessible or not found\n",
        "",
        "\n\n",
        "cmd: Can't find service: settings\n",
        "Exception occurred while executing 'get':\njava.lang.SecurityException: denied\n",
        None,
        b"1",
    ],
)
def test_default_call_sim_the_phone_could_not_tell_is_unknown(text: object) -> None:
    assert parse.parse_default_call_sim(text) == parse.DefaultCallSim(False, None)

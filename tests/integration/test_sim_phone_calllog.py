"""`content query` on the simulated phone's call log, as a real adb server delivers it."""

from __future__ import annotations

import pytest

from softphone.sim.phone import SimPhone
from tests.support.adb import AdbServer

pytestmark = pytest.mark.adb

URI = "content query --uri content://call_log/calls"
COLS = "--projection _id:number:date:duration:type:subscription_id"


def shell(adb_server: AdbServer, phone: SimPhone, line: str) -> str:
    return adb_server.adb("-s", phone.serial, "shell", line).stdout


@pytest.fixture
def three_rows(sim_phone: SimPhone) -> SimPhone:
    sim_phone.add_call_log_row(number="+79990000001", date_ms=1_700_000_000_000, duration=42)
    sim_phone.add_call_log_row(
        number="+79990000002", date_ms=1_700_000_100_000, duration=0, type=3, subscription_id=2
    )
    sim_phone.add_call_log_row(number="+79990000003", date_ms=1_700_000_200_000, duration=7)
    return sim_phone


def test_empty_call_log_prints_no_result_found(adb_server: AdbServer, sim_phone: SimPhone) -> None:
    assert shell(adb_server, sim_phone, f"{URI} {COLS}") == "No result found.\n"


def test_rows_print_in_androids_format_newest_first_by_default(
    adb_server: AdbServer, three_rows: SimPhone
) -> None:
    out = shell(adb_server, three_rows, f"{URI} {COLS}")

    assert out == (
        "Row: 0 _id=3, number=+79990000003, date=1700000200000, duration=7, type=2,"
        " subscription_id=1\n"
        "Row: 1 _id=2, number=+79990000002, date=1700000100000, duration=0, type=3,"
        " subscription_id=2\n"
        "Row: 2 _id=1, number=+79990000001, date=1700000000000, duration=42, type=2,"
        " subscription_id=1\n"
    )


def test_where_and_sort_select_and_order_rows(adb_server: AdbServer, three_rows: SimPhone) -> None:
    out = shell(
        adb_server,
        three_rows,
        f"{URI} --projection _id:number --where 'date>=1700000100000 AND type=2' --sort 'date ASC'",
    )
    assert out == "Row: 0 _id=3, number=+79990000003\n"

    out = shell(
        adb_server,
        three_rows,
        f'{URI} --projection _id --where "date>1700000000000" --sort "date ASC"',
    )
    assert out == "Row: 0 _id=2\nRow: 1 _id=3\n"


def test_null_values_print_as_null(adb_server: AdbServer, three_rows: SimPhone) -> None:
    out = shell(adb_server, three_rows, f"{URI} --projection _id:name --where '_id=1'")

    assert out == "Row: 0 _id=1, name=NULL\n"


def test_cached_name_with_a_comma_is_printed_unquoted(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    sim_phone.add_call_log_row(number="+79990000001", date_ms=1, name="Smith, John")

    out = shell(adb_server, sim_phone, f"{URI} --projection name:number")

    assert out == "Row: 0 name=Smith, John, number=+79990000001\n"


def test_no_projection_prints_every_column(adb_server: AdbServer, three_rows: SimPhone) -> None:
    out = shell(adb_server, three_rows, f"{URI} --where '_id=1'")

    assert out.startswith("Row: 0 _id=1, number=+79990000001, presentation=1, ")
    assert " subscription_component_name=com.android.phone/" in out


def test_limit_in_sort_is_an_invalid_token_like_android_11(
    adb_server: AdbServer, three_rows: SimPhone
) -> None:
    out = shell(adb_server, three_rows, f"{URI} {COLS} --sort 'date DESC LIMIT 1'")

    assert out.startswith(
        "Error while accessing provider:call_log\n"
        "java.lang.IllegalArgumentException: Invalid token LIMIT\n"
    )
    assert "Row:" not in out


def test_unknown_column_is_refused(adb_server: AdbServer, three_rows: SimPhone) -> None:
    out = shell(adb_server, three_rows, f"{URI} --projection _id:secret")

    assert "java.lang.IllegalArgumentException: Invalid column secret" in out


def test_denied_call_log_prints_the_permission_denial(
    adb_server: AdbServer, three_rows: SimPhone
) -> None:
    three_rows.set_calllog("denied")

    out = shell(adb_server, three_rows, f"{URI} {COLS}")

    first, second = out.splitlines()[:2]
    assert first == "Error while accessing provider:call_log"
    assert second.startswith(
        "java.lang.SecurityException: Permission Denial: opening provider "
        "com.android.providers.contacts.CallLogProvider from ProcessRecord{"
    )
    assert second.endswith(
        ", uid=2000) requires android.permission.READ_CALL_LOG or android.permission.WRITE_CALL_LOG"
    )
    assert "Row:" not in out

    three_rows.set_calllog("ok")
    assert shell(adb_server, three_rows, f"{URI} {COLS}").startswith("Row: 0 ")


def test_a_broken_provider_prints_whatever_it_was_told_until_mended(
    adb_server: AdbServer, three_rows: SimPhone
) -> None:
    garbage = "Row: 0 _id=x, number=$(reboot), date=-1\nRow: banana\n"
    three_rows.set_calllog_output(garbage)

    out = shell(adb_server, three_rows, f"{URI} {COLS}")
    state = three_rows.state()

    three_rows.set_calllog_output(None)
    assert out == garbage
    assert state["calllog_output"] == garbage
    assert shell(adb_server, three_rows, f"{URI} {COLS}").startswith("Row: 0 _id=3, ")
    assert three_rows.call_log()[0]["number"] == "+79990000001"  # the rows were never touched


def test_unknown_provider_is_reported_not_crashed(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    out = shell(adb_server, sim_phone, "content query --uri content://nope/x")

    assert out.startswith("Error while accessing provider:nope\n")


def test_call_log_from_python_matches_what_adb_prints(
    adb_server: AdbServer, three_rows: SimPhone
) -> None:
    rows = three_rows.call_log()

    assert [row["_id"] for row in rows] == [1, 2, 3]
    assert rows[1]["type"] == 3
    assert rows[1]["subscription_id"] == "2"
    assert rows[1]["name"] is None

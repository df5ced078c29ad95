"""Exactly what the bridge would send a phone: only normalised numbers and integers get in."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softphone.adb import commands
from softphone.numbers import InvalidNumber, normalize
from softphone.problems import Problem, ProblemKind

SAFE_DIAL = re.compile(r"am start -a android\.intent\.action\.CALL -d tel:\+?[0-9]{2,15}")

HOSTILE = [
    "+79991234567; reboot",
    "+79991234567 && rm -rf /",
    "$(reboot)",
    "`id`",
    "+7999'123",
    '+7999"123',
    "+79991234567\n",
    "\n+79991234567",
    "+79991234567\nreboot",
    "+7999|sh",
    "+7999>x",
    "+7 999 123 45 67",
    "8 (999) 123-45-67",
    "+٧٩٩٩١٢٣٤٥٦٧",  # Arabic-Indic digits: normalize's job, not the bridge's
    "+" + "1" * 16,
    "9" * 10_000,
    "",
    "+",
    "1",
    "tel:+79991234567",
    "*#06#",
    "+79991234567,1",
]


def test_dial_command_for_a_normalised_number_is_the_exact_intent() -> None:
    assert (
        commands.dial_command("+79991234567")
        == "am start -a android.intent.action.CALL -d tel:+79991234567"
    )
    assert commands.dial_command("112") == "am start -a android.intent.action.CALL -d tel:112"


@pytest.mark.parametrize("number", HOSTILE)
def test_dial_command_refuses_anything_but_normalised_numbers(number: str) -> None:
    with pytest.raises(ValueError, match=r"only numbers from numbers\.normalize"):
        commands.dial_command(number)


@pytest.mark.parametrize("number", [None, 79991234567, b"+79991234567"])
def test_dial_command_refuses_what_is_not_text(number: object) -> None:
    with pytest.raises(ValueError, match=r"only numbers from numbers\.normalize"):
        commands.dial_command(number)  # type: ignore[arg-type]


def test_dial_refusal_does_not_repeat_the_number() -> None:
    with pytest.raises(ValueError) as caught:
        commands.dial_command("+79991234567; reboot")
    assert "79991234567" not in str(caught.value)


@given(st.text(max_size=80))
def test_any_text_either_normalises_to_a_safe_command_or_is_refused(text: str) -> None:
    try:
        number = normalize(text)
    except InvalidNumber:
        number = text
    try:
        command = commands.dial_command(number)
    except ValueError:
        return
    assert SAFE_DIAL.fullmatch(command)


def test_call_log_command_is_bounded_by_date_never_limit() -> None:
    command = commands.call_log_command(1_700_000_000_000)
    assert command == (
        "content query --uri content://call_log/calls --projection "
        '_id:number:date:duration:type:subscription_id --where "date>=1700000000000" '
        '--sort "date DESC"'
    )
    assert "LIMIT" not in command.upper()


@pytest.mark.parametrize("since", [-1, 1.5, "0; reboot", True, None])
def test_call_log_command_takes_only_a_non_negative_integer(since: object) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        commands.call_log_command(since)  # type: ignore[arg-type]


# -- checks read from the answers --------------------------------------------------------------

CALL_LOG_DENIAL = (
    "Error while accessing provider:call_log\n"
    "java.lang.SecurityException: Permission Denial: opening provider "
    "com.android.providers.contacts.CallLogProvider from ProcessRecord{1234567 4242:"
    "com.android.commands.content/2000} (pid=4242, uid=2000) requires "
    "android.permission.READ_CALL_LOG or android.permission.WRITE_CALL_LOG\n"
)
MIUI_INPUT = (
    "Exception occurred while executing 'keyevent':\n"
    "java.lang.SecurityException: Injecting to another application requires INJECT_EVENTS "
    "permission\n\tat android.os.Parcel.createExceptionOrNull(Parcel.java:2425)\n"
)


def test_a_readable_call_log_is_a_passing_check_without_a_problem() -> None:
    assert commands.call_log_check("No result found.\n") == commands.Check(True)


def test_a_denied_call_log_is_call_log_denied_with_the_providers_line() -> None:
    check = commands.call_log_check(CALL_LOG_DENIAL)
    assert not check.ok and check.problem is not None
    assert check.problem.kind is ProblemKind.CALL_LOG_DENIED
    assert check.problem.detail is not None
    assert check.problem.detail.startswith("java.lang.SecurityException: Permission Denial")


def test_a_call_log_query_that_fails_otherwise_is_call_log_broken() -> None:
    check = commands.call_log_check(
        "Error while accessing provider:call_log\n"
        "java.lang.IllegalArgumentException: Invalid token LIMIT\n"
    )
    assert check.problem is not None
    assert check.problem.kind is ProblemKind.CALL_LOG_BROKEN
    assert check.problem.detail == "java.lang.IllegalArgumentException: Invalid token LIMIT"


def test_key_presses_refused_by_miui_are_input_blocked_with_the_security_exception() -> None:
    check = commands.input_check(MIUI_INPUT)
    assert not check.ok
    assert check.problem == Problem(
        ProblemKind.INPUT_BLOCKED,
        "java.lang.SecurityException: Injecting to another application requires INJECT_EVENTS "
        "permission",
    )


def test_a_key_press_that_printed_nothing_worked() -> None:
    assert commands.input_check("") == commands.Check(True)


def test_checks_carry_no_sentences_for_people() -> None:
    fields = {f.name for f in dataclasses.fields(commands.Check)}
    assert fields == {"ok", "problem"}

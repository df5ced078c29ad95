"""numbers.normalize / format_display: every way people write numbers, and nothing else."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softphone.numbers import (
    InvalidNumber,
    NumberProblem,
    digits_of,
    find_number,
    format_as_typed,
    format_display,
    normalize,
)

DIALABLE = re.compile(r"^\+?[0-9]{2,15}$")


@pytest.mark.parametrize(
    "text",
    [
        "8 (912) 345-67-89",
        "+7 912 345 67 89",
        "79123456789",
        "89123456789",
        "9123456789",
        "+7(912)345-67-89",
        "8.912.345.67.89",
        "8\u00a0912\u00a0345\u00a067\u00a089",  # non-breaking spaces
        "８ ９１２ ３４５ ６７ ８９",  # full-width digits
        "＋７ ９１２ ３４５ ６７ ８９",  # full-width plus
        "8–912–345–67–89",  # en dashes
        "  +7 912 345-67-89\n",  # pasted with a trailing newline
        "+7 (912) 345-67-89",
        "8 912 345 6789",
    ],
)
def test_russian_numbers_come_out_in_the_crm_form(text: str) -> None:
    assert normalize(text) == "+79123456789"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+380 50 123 4567", "+380501234567"),
        ("0049 30 1234567", "+49301234567"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("14155552671", "+14155552671"),  # 11 digits, not Russian: international without +
        ("112", "112"),
        ("0611", "0611"),
        ("900", "900"),
        ("12345", "12345"),  # the CRM passes unnormalisable text through unchanged
        ("8 800 555-35-35", "+78005553535"),
    ],
)
def test_other_numbers(text: str, expected: str) -> None:
    assert normalize(text) == expected


P = NumberProblem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", P.EMPTY),
        ("   ", P.EMPTY),
        ("abc", P.LETTERS),
        ("+7 912 CALL-NOW", P.LETTERS),
        ("*100#", P.SERVICE_CODE),
        ("+79123456789#", P.SERVICE_CODE),
        ("+79123456789;reboot", P.BAD_CHARACTER),
        ("+79123456789 && reboot", P.BAD_CHARACTER),
        ("'+79123456789'", P.BAD_CHARACTER),
        ('"+79123456789"', P.BAD_CHARACTER),
        ("+7912345\x006789", P.CONTROL_CHARACTERS),
        ("+791234\n56789", P.CONTROL_CHARACTERS),
        ("$(reboot)", P.BAD_CHARACTER),
        ("`id`", P.BAD_CHARACTER),
        ("7+9123456789", P.PLUS_NOT_FIRST),
        ("++79123456789", P.PLUS_NOT_FIRST),
        ("+7912345678", P.PLUS7_LENGTH),
        ("+791234567890", P.PLUS7_LENGTH),
        ("1", P.INCOMPLETE),
        ("1234567", P.INCOMPLETE),
        ("+123", P.INTERNATIONAL_TOO_SHORT),
        ("+1234567890123456", P.INTERNATIONAL_TOO_LONG),
        ("1234567890123456", P.INTERNATIONAL_TOO_LONG),
        ("+0123456789", P.COUNTRY_CODE_ZERO),
        ("01000000000", P.COUNTRY_CODE_ZERO),
        ("-()-", P.NO_DIGITS),
        ("9" * 200, P.TOO_LONG_TEXT),
    ],
)
def test_undialable_text_raises_with_its_problem(text: str, problem: NumberProblem) -> None:
    with pytest.raises(InvalidNumber) as info:
        normalize(text)
    assert info.value.problem is problem
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("тел.: 8 (912) 345-67-89, Иван", "+79123456789"),
        ("+7-912-345-67-89", "+79123456789"),
        ("8\u00a0912\u00a0345\u00a067\u00a089", "+79123456789"),
        ("Заказ 12345, тел. 89123456789", "+79123456789"),  # the phone, not the order number
        ("позвоните на 112", "112"),
        ("call me", None),
        ("", None),
    ],
)
def test_a_number_is_found_in_pasted_text(text: str, number: str | None) -> None:
    assert find_number(text) == number


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("+7", "+7"),
        ("+7912", "+7 (912)"),
        ("+791234", "+7 (912) 34"),
        ("89123456789", "+7 (912) 345-67-89"),
        ("9123456", "+7 (912) 345-6"),
        ("112", "112"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
    ],
)
def test_the_dial_bar_groups_a_russian_number_as_it_is_typed(typed: str, shown: str) -> None:
    assert format_as_typed(typed) == shown


@settings(max_examples=200)
@given(st.text(alphabet="0123456789+ ()-", max_size=20))
def test_formatting_as_typed_keeps_every_digit(typed: str) -> None:
    # The national digits stay; only the country code may be added (9…) or replace 8 (8 9…).
    digits, shown = digits_of(typed), digits_of(format_as_typed(typed))
    assert shown in (digits, "7" + digits, "7" + digits[1:])


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidNumber):
        normalize(79123456789)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("89123456789", "+7 (912) 345-67-89"),
        ("+380501234567", "+380501234567"),
        ("112", "112"),
    ],
)
def test_display_form(text: str, shown: str) -> None:
    assert format_display(text) == shown


def test_display_refuses_what_normalize_refuses() -> None:
    with pytest.raises(InvalidNumber):
        format_display("call me")


def test_digits_of_never_raises_and_keeps_only_digits() -> None:
    assert digits_of("+7 (912) 345-67-89") == "79123456789"
    assert digits_of(None) == ""
    assert digits_of("١٢٣") == "123"  # Arabic-Indic digits


_number_like = st.text(
    alphabet=st.sampled_from([*"0123456789+-(). \u00a0８９", "\u2013"]), max_size=30
)


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=80), _number_like))
def test_normalize_output_is_always_dialable_and_idempotent(text: str) -> None:
    try:
        out = normalize(text)
    except InvalidNumber:
        return
    assert DIALABLE.fullmatch(out), out
    assert normalize(out) == out


@settings(max_examples=200)
@given(st.from_regex(r"\A(\+7|8|7)?[ -]?\(?9\d\d\)?[ -]?\d{3}[ -]?\d\d[ -]?\d\d\Z"))
def test_every_russian_mobile_notation_normalises_to_plus7(text: str) -> None:
    out = normalize(text)
    assert out.startswith("+79") and len(out) == 12
    assert out[-4:] == digits_of(text)[-4:]

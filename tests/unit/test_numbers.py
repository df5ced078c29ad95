"""numbers.normalize / format_display: every way people write numbers, and nothing else."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softphone.numbers import InvalidNumber, digits_of, format_display, normalize

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


@pytest.mark.parametrize(
    ("text", "reason_part"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "letters"),
        ("+7 912 CALL-NOW", "letters"),
        ("*100#", "'*' or '#'"),
        ("+79123456789#", "'*' or '#'"),
        ("+79123456789;reboot", "not allowed"),
        ("+79123456789 && reboot", "not allowed"),
        ("'+79123456789'", "not allowed"),
        ('"+79123456789"', "not allowed"),
        ("+7912345\x006789", "control"),
        ("+791234\n56789", "control"),
        ("$(reboot)", "not allowed"),
        ("`id`", "not allowed"),
        ("7+9123456789", "start"),
        ("++79123456789", "start"),
        ("+7912345678", "exactly 10"),
        ("+791234567890", "exactly 10"),
        ("1", "Incomplete"),
        ("1234567", "Incomplete"),
        ("+123", "Too short"),
        ("+1234567890123456", "Too long"),
        ("1234567890123456", "Too long"),
        ("+0123456789", "country code"),
        ("01000000000", "country code"),
        ("-()-", "no digits"),
        ("9" * 200, "Too long"),
    ],
)
def test_undialable_text_raises_with_a_reason(text: str, reason_part: str) -> None:
    with pytest.raises(InvalidNumber) as info:
        normalize(text)
    assert reason_part in str(info.value)
    assert isinstance(info.value, ValueError)


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

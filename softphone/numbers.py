"""Phone numbers: the one normaliser between people's text and the phone's shell.

`normalize` turns whatever a person or the CRM wrote into the CRM's form (`+7XXXXXXXXXX` for
Russian numbers, `+` and digits for other international numbers, plain digits for short
service numbers) or raises `InvalidNumber` saying why. Its output always matches
`^\\+?[0-9]{2,15}$`: that is the only text that may ever reach `am start … tel:`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["DIALABLE", "InvalidNumber", "digits_of", "format_display", "is_russian", "normalize"]

#: What `normalize` returns, and the only thing the phone bridge accepts.
DIALABLE: Final = re.compile(r"\+?[0-9]{2,15}")

MAX_INPUT = 64  # nobody writes a real number in more characters than this
SHORT_MIN, SHORT_MAX = 2, 6  # service numbers: 112, 0611, 900…
E164_MAX = 15
INTERNATIONAL_MIN = 8  # + and at least 7 digits: the shortest real international numbers

#: Characters people put between digits. Everything else that is not a digit is refused.
_SEPARATORS: Final = frozenset(" -.()/\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


class InvalidNumber(ValueError):
    """The text is not a number a phone can dial. `str(err)` is a reason fit for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _digits_and_plus(text: str) -> tuple[bool, str]:
    """Split text into (had a leading +, its ASCII digits), refusing anything undialable."""
    if not isinstance(text, str):
        raise InvalidNumber("A phone number must be text.")
    if len(text) > MAX_INPUT:
        raise InvalidNumber("Too long to be a phone number.")
    # NFKC turns full-width digits and the full-width plus into ASCII.
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise InvalidNumber("The number is empty.")
    plus = False
    digits: list[str] = []
    for position, char in enumerate(text):
        if char == "+":
            if position != 0:
                raise InvalidNumber("A '+' may only stand at the start of a number.")
            plus = True
            continue
        if "0" <= char <= "9":
            digits.append(char)
            continue
        decimal = unicodedata.decimal(char, None)
        if decimal is not None:  # other scripts' digits (Arabic-Indic, Devanagari…)
            digits.append(str(decimal))
            continue
        if char in _SEPARATORS or unicodedata.category(char) == "Zs":
            continue
        if char in "*#":
            raise InvalidNumber("Service codes with '*' or '#' cannot be dialled from here.")
        if unicodedata.category(char).startswith("C"):
            raise InvalidNumber("The number contains control characters.")
        if char.isalpha():
            raise InvalidNumber("The number contains letters.")
        raise InvalidNumber(f"The number contains a character that is not allowed: {char!r}.")
    if not digits:
        raise InvalidNumber("The number has no digits.")
    return plus, "".join(digits)


def normalize(text: str) -> str:
    """The CRM's form of a dialable number, or `InvalidNumber` with a reason.

    >>> normalize("8 (912) 345-67-89")
    '+79123456789'
    """
    plus, digits = _digits_and_plus(text)
    if not plus and digits.startswith("00") and len(digits) > 2:
        # 00 is the international prefix in most of the world.
        plus, digits = True, digits[2:]
    if plus:
        return _international(digits)
    if SHORT_MIN <= len(digits) <= SHORT_MAX:
        return digits  # a service number such as 112 or 0611
    if len(digits) == 10:
        return "+7" + digits  # a Russian number written without the country code
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]  # 8 (trunk prefix) or 7 (country code) + 10 digits
    if len(digits) < 10:
        raise InvalidNumber("Incomplete number: add the area code.")
    # 11–15 digits that are not Russian: an international number written without its '+'.
    return _international(digits)


def _international(digits: str) -> str:
    """`+` and the digits of an E.164 number (country code first), or `InvalidNumber`."""
    if digits.startswith("7"):
        if len(digits) != 11:
            raise InvalidNumber("A +7 number has exactly 10 digits after +7.")
        return "+" + digits
    if digits.startswith("0"):
        raise InvalidNumber("A country code never starts with 0.")
    if len(digits) + 1 < INTERNATIONAL_MIN:
        raise InvalidNumber("Too short for an international number.")
    if len(digits) > E164_MAX:
        raise InvalidNumber("Too long: international numbers have at most 15 digits.")
    return "+" + digits


def is_russian(number: str) -> bool:
    """True for a normalised `+7XXXXXXXXXX` number."""
    return len(number) == 12 and number.startswith("+7") and number[1:].isdigit()


def format_display(number: str) -> str:
    """A number as people read it: `+7 (912) 345-67-89` for Russian numbers.

    Accepts anything `normalize` accepts; raises `InvalidNumber` otherwise.
    """
    normal = normalize(number)
    if is_russian(normal):
        d = normal[2:]
        return f"+7 ({d[0:3]}) {d[3:6]}-{d[6:8]}-{d[8:10]}"
    return normal


def digits_of(text: str | None) -> str:
    """The ASCII digits of any text (for comparing numbers from the call log). Never raises."""
    if not text:
        return ""
    try:
        folded = unicodedata.normalize("NFKC", text)
    except (TypeError, ValueError):
        return ""
    out = []
    for char in folded[: MAX_INPUT * 4]:
        decimal = unicodedata.decimal(char, None)
        if decimal is not None:
            out.append(str(decimal))
    return "".join(out)

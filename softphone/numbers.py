"""Phone numbers: the one normaliser between people's text and the phone's shell.

`normalize` turns whatever a person or the CRM wrote into the CRM's form (`+7XXXXXXXXXX` for
Russian numbers, `+` and digits for other international numbers, plain digits for short
service numbers) or raises `InvalidNumber` saying why. Its output always matches
`^\\+?[0-9]{2,15}$`: that is the only text that may ever reach `am start … tel:`.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import Final

__all__ = [
    "DIALABLE",
    "InvalidNumber",
    "NumberProblem",
    "digits_of",
    "find_number",
    "format_as_typed",
    "format_display",
    "is_russian",
    "normalize",
]

#: What `normalize` returns, and the only thing the phone bridge accepts.
DIALABLE: Final = re.compile(r"\+?[0-9]{2,15}")

MAX_INPUT = 64  # nobody writes a real number in more characters than this
SHORT_MIN, SHORT_MAX = 2, 6  # service numbers: 112, 0611, 900…
E164_MAX = 15
INTERNATIONAL_MIN = 8  # + and at least 7 digits: the shortest real international numbers

#: Characters people put between digits. Everything else that is not a digit is refused.
_SEPARATORS: Final = frozenset(" -.()/\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


class NumberProblem(enum.StrEnum):
    """Why a text is not dialable: the dial bar and the command line word each one."""

    NOT_TEXT = "not_text"
    TOO_LONG_TEXT = "too_long_text"  # more characters than any real number is written in
    EMPTY = "empty"
    PLUS_NOT_FIRST = "plus_not_first"
    SERVICE_CODE = "service_code"  # '*' or '#': USSD and MMI codes are not calls
    CONTROL_CHARACTERS = "control_characters"
    LETTERS = "letters"
    BAD_CHARACTER = "bad_character"
    NO_DIGITS = "no_digits"
    INCOMPLETE = "incomplete"  # too few digits for a Russian number: the area code is missing
    PLUS7_LENGTH = "plus7_length"  # +7 and not exactly 10 digits
    COUNTRY_CODE_ZERO = "country_code_zero"
    INTERNATIONAL_TOO_SHORT = "international_too_short"
    INTERNATIONAL_TOO_LONG = "international_too_long"  # more than E.164's 15 digits


class InvalidNumber(ValueError):
    """The text is not a number a phone can dial; `problem` says why (a person's words for it
    are the UI's and the command line's job)."""

    def __init__(self, problem: NumberProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _digits_and_plus(text: str) -> tuple[bool, str]:
    """Split text into (had a leading +, its ASCII digits), refusing anything undialable."""
    if not isinstance(text, str):
        raise InvalidNumber(NumberProblem.NOT_TEXT)
    if len(text) > MAX_INPUT:
        raise InvalidNumber(NumberProblem.TOO_LONG_TEXT)
    # NFKC turns full-width digits and the full-width plus into ASCII.
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise InvalidNumber(NumberProblem.EMPTY)
    plus = False
    digits: list[str] = []
    for position, char in enumerate(text):
        if char == "+":
            if position != 0:
                raise InvalidNumber(NumberProblem.PLUS_NOT_FIRST)
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
            raise InvalidNumber(NumberProblem.SERVICE_CODE)
        if unicodedata.category(char).startswith("C"):
            raise InvalidNumber(NumberProblem.CONTROL_CHARACTERS)
        if char.isalpha():
            raise InvalidNumber(NumberProblem.LETTERS)
        raise InvalidNumber(NumberProblem.BAD_CHARACTER)
    if not digits:
        raise InvalidNumber(NumberProblem.NO_DIGITS)
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
        raise InvalidNumber(NumberProblem.INCOMPLETE)
    # 11–15 digits that are not Russian: an international number written without its '+'.
    return _international(digits)


def _international(digits: str) -> str:
    """`+` and the digits of an E.164 number (country code first), or `InvalidNumber`."""
    if digits.startswith("7"):
        if len(digits) != 11:
            raise InvalidNumber(NumberProblem.PLUS7_LENGTH)
        return "+" + digits
    if digits.startswith("0"):
        raise InvalidNumber(NumberProblem.COUNTRY_CODE_ZERO)
    if len(digits) + 1 < INTERNATIONAL_MIN:
        raise InvalidNumber(NumberProblem.INTERNATIONAL_TOO_SHORT)
    if len(digits) > E164_MAX:
        raise InvalidNumber(NumberProblem.INTERNATIONAL_TOO_LONG)
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
    if text.isascii():  # the common case, and the call log's: no folding needed
        return "".join(filter(str.isdigit, text[: MAX_INPUT * 4]))
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


#: A run that may be a phone number inside other text: an optional +, then digits with the
#: usual separators between them (at least 2 digits, at most what anyone writes).
_NUMBER_RUN: Final = re.compile(
    r"(?<![\w+])\+?[ \u00a0]?(?:\(?\d[\d \u00a0\-.()\u2010-\u2015\u2212]{0,40}\d\)?|\d{2,})"
)


def find_number(text: object) -> str | None:
    """The first dialable number in free text ("тел.: 8 (912) 345-67-89, Иван"), normalised,
    or None. For pasting from anywhere; `normalize` stays strict for what is typed."""
    if not isinstance(text, str):
        return None
    folded = unicodedata.normalize("NFKC", text[: MAX_INPUT * 16])
    try:
        return normalize(folded.strip())
    except InvalidNumber:
        pass
    short: str | None = None
    for found in _NUMBER_RUN.finditer(folded):
        candidate = found.group(0).strip(" \u00a0-.")
        try:
            number = normalize(candidate)
        except InvalidNumber:
            continue
        if len(number.lstrip("+")) > SHORT_MAX:
            return number  # a full number wins over an order number or a service code
        short = short or number
    return short


def format_as_typed(text: str) -> str:
    """The dial bar's live form of what has been typed so far: `+7 (912) 345-67-89` once it
    is a Russian number, grouping as the digits come; anything else is left as typed."""
    plus = text.lstrip().startswith("+")
    digits = digits_of(text)
    national: str | None = None
    if plus and digits.startswith("7"):
        national = digits[1:]
    elif not plus and len(digits) >= 2 and digits[0] == "8" and digits[1] == "9":
        national = digits[1:]  # 8 9xx…: a Russian mobile with the trunk prefix
    elif not plus and digits.startswith("9") and len(digits) <= 10:
        national = digits  # 9xx…: a Russian mobile without any prefix
    if national is None or len(national) > 10:
        return text
    groups = (national[:3], national[3:6], national[6:8], national[8:10])
    out = "+7"
    if groups[0]:
        out += f" ({groups[0]}" + (")" if len(groups[0]) == 3 else "")
    if groups[1]:
        out += f" {groups[1]}"
    if groups[2]:
        out += f"-{groups[2]}"
    if groups[3]:
        out += f"-{groups[3]}"
    return out

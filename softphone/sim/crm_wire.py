"""Request validation of the simulated CRM, with Django REST framework's error shapes and texts.

The production CRM is a DRF server with the Russian locale: a bad field answers 400
`{"field": ["Обязательное поле."]}`, a bad list item answers a list of per-item error objects.
A client must be able to show these verbatim, so the texts are copied here, not invented.
Must never accept silently what the real server refuses (that would hide client bugs).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Collection
from typing import Any, Final

from starlette.responses import Response

REQUIRED: Final = "Обязательное поле."
NULL: Final = "Это поле не может быть null."
BLANK: Final = "Это поле не может быть пустым."
NOT_STRING: Final = "Недопустимая строка."
NOT_INT: Final = "Требуется целочисленное значение."
NOT_BOOL: Final = "Требуется логическое значение."
NOT_UUID: Final = "Должен быть правильный UUID."
BAD_DATETIME: Final = (
    "Неправильный формат datetime. Используйте один из этих форматов: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
NOT_OBJECT: Final = "Недопустимые данные. Ожидался dictionary, но был получен {kind}."

_TRUE: Final = frozenset({True, "1", "true", "True", "TRUE", "yes", "on"})
_FALSE: Final = frozenset({False, "0", "false", "False", "FALSE", "no", "off"})
_INTEGRAL_DECIMAL: Final = re.compile(r"\.0*\s*$")
_DATETIME_START: Final = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

Errors = dict[str, Any]


def max_length_error(limit: int) -> str:
    return f"Убедитесь, что это значение содержит не более {limit} символов."


def min_value_error(limit: int) -> str:
    return f"Убедитесь, что это значение больше либо равно {limit}."


def choice_error(value: object) -> str:
    return f"Значения {value} нет среди допустимых вариантов."


def max_items_error(limit: int) -> str:
    return f"Убедитесь, что в этом поле не больше {limit} элементов."


def not_list_error(value: object) -> str:
    return f'Ожидался list со значениями, но был получен "{json_kind(value)}".'


def not_dict_error(value: object) -> str:
    return f'Ожидался словарь со значениями, но был получен "{json_kind(value)}".'


def json_kind(value: object) -> str:
    """The Python type name DRF puts in its messages (it reports the parsed JSON's type)."""
    return type(value).__name__


class Reply(Exception):
    """Ends a handler early with a ready response (auth failures, throttles, bad input)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class Form:
    """Reads one JSON object field by field, collecting DRF-shaped errors instead of raising.

    Each reader returns the cleaned value (or None when absent or invalid); `errors` holds
    `{field: [message]}` for everything wrong, so one response lists every bad field.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: Errors = {}

    def _present(self, name: str, required: bool) -> bool:
        if name not in self.data:
            if required:
                self.errors[name] = [REQUIRED]
            return False
        if self.data[name] is None:
            self.errors[name] = [NULL]
            return False
        return True

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        max_length: int | None = None,
        allow_blank: bool = True,
    ) -> str | None:
        if not self._present(name, required):
            return None
        raw = self.data[name]
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            self.errors[name] = [NOT_STRING]
            return None
        text = str(raw).strip()
        if not text and (required or not allow_blank):
            self.errors[name] = [BLANK]
            return None
        if max_length is not None and len(text) > max_length:
            self.errors[name] = [max_length_error(max_length)]
            return None
        return text

    def integer(
        self, name: str, *, required: bool = False, min_value: int | None = None
    ) -> int | None:
        if not self._present(name, required):
            return None
        raw = self.data[name]
        value: int | None = None
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, float | str) and not isinstance(raw, bool):
            try:
                value = int(_INTEGRAL_DECIMAL.sub("", str(raw)))
            except ValueError:
                value = None
        if value is None:
            self.errors[name] = [NOT_INT]
            return None
        if min_value is not None and value < min_value:
            self.errors[name] = [min_value_error(min_value)]
            return None
        return value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        if not self._present(name, required):
            return None
        raw = self.data[name]
        hashable = raw if isinstance(raw, str | int | float) else None
        if hashable is not None and hashable in _TRUE:
            return True
        if hashable is not None and hashable in _FALSE:
            return False
        self.errors[name] = [NOT_BOOL]
        return None

    def datetime(self, name: str, *, required: bool = False) -> dt.datetime | None:
        if not self._present(name, required):
            return None
        raw = self.data[name]
        parsed = parse_datetime(raw) if isinstance(raw, str) else None
        if parsed is None:
            self.errors[name] = [BAD_DATETIME]
        return parsed

    def uuid(self, name: str, *, required: bool = False) -> str | None:
        if not self._present(name, required):
            return None
        raw = self.data[name]
        if isinstance(raw, str):
            try:
                return str(uuid.UUID(raw.strip()))
            except ValueError:
                pass
        self.errors[name] = [NOT_UUID]
        return None

    def choice(
        self,
        name: str,
        choices: Collection[str],
        *,
        required: bool = False,
        drop_unknown: bool = False,
    ) -> str | None:
        """A value from `choices`; with `drop_unknown`, anything else is ignored, not refused."""
        if not self._present(name, required):
            return None
        raw = self.data[name]
        if isinstance(raw, str) and raw in choices:
            return raw
        if not drop_unknown:
            self.errors[name] = [choice_error(raw)]
        return None

    def mapping(self, name: str, *, required: bool = False) -> dict[str, Any] | None:
        if not self._present(name, required):
            return None
        raw = self.data[name]
        if not isinstance(raw, dict):
            self.errors[name] = [not_dict_error(raw)]
            return None
        return raw

    def listing(
        self, name: str, *, required: bool = False, max_items: int | None = None
    ) -> list[Any] | None:
        if not self._present(name, required):
            return None
        raw = self.data[name]
        if not isinstance(raw, list):
            self.errors[name] = [not_list_error(raw)]
            return None
        if max_items is not None and len(raw) > max_items:
            self.errors[name] = [max_items_error(max_items)]
            return None
        return raw


def parse_datetime(text: str) -> dt.datetime | None:
    """ISO 8601 as DRF accepts it; a naive time is taken as UTC (the CRM runs with USE_TZ)."""
    if not _DATETIME_START.match(text.strip()):
        return None  # a bare date is not a datetime to DRF
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def iso(value: dt.datetime) -> str:
    """How the production server writes times: ISO 8601 with an explicit UTC offset."""
    return value.astimezone(dt.UTC).isoformat()

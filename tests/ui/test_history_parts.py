"""The history's small rules, without a desk: CSV cells Excel reads right and can never run,
the list separator of the language, date ranges that include their last day, and times shown
as a clock today and as a day before."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from PySide6.QtCore import QLocale

from softphone.ui.export import csv_number, csv_text, list_separator
from softphone.ui.historymodel import time_text
from softphone.ui.historyview import DateRange, date_bounds


def test_a_number_is_a_text_cell_for_excel_with_its_plus() -> None:
    cell = csv_number("+79123456789")
    assert cell == '="+79123456789"'
    written = io.StringIO()
    csv.writer(written).writerow([cell])
    assert written.getvalue() == '"=""+79123456789"""\r\n'  # quoted as CSV wants


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+7 912", "-1", "@SUM(A1)", "\tx"])
def test_free_text_never_starts_a_formula(text: str) -> None:
    assert csv_text(text) == "'" + text
    assert csv_text("Иванов, заказ 1834") == "Иванов, заказ 1834"
    assert csv_text(None) == ""


def test_the_list_separator_is_a_semicolon_where_the_decimal_point_is_a_comma() -> None:
    assert list_separator(QLocale(QLocale.Language.Russian, QLocale.Country.Russia)) == ";"
    assert list_separator(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)) == ","


def test_date_ranges_run_from_local_midnight_and_include_their_last_day() -> None:
    today = dt.date(2024, 3, 12)

    def midnight(day: dt.date) -> float:
        return dt.datetime.combine(day, dt.time()).timestamp()

    assert date_bounds(DateRange.ANY, None, None, today) == (None, None)
    assert date_bounds(DateRange.TODAY, None, None, today) == (midnight(today), None)
    assert date_bounds(DateRange.YESTERDAY, None, None, today) == (
        midnight(dt.date(2024, 3, 11)),
        midnight(today),
    )
    assert date_bounds(DateRange.WEEK, None, None, today)[0] == midnight(dt.date(2024, 3, 6))
    first, last = dt.date(2024, 2, 28), dt.date(2024, 3, 1)
    assert date_bounds(DateRange.CUSTOM, first, last, today) == (
        midnight(first),
        midnight(dt.date(2024, 3, 2)),
    )


def test_a_time_today_is_a_clock_and_another_day_is_dated() -> None:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    now = dt.datetime(2024, 3, 12, 18, 0).astimezone()
    assert time_text(dt.datetime(2024, 3, 12, 14, 2).astimezone(), now) == "14:02"
    assert time_text(dt.datetime(2024, 3, 11, 23, 59).astimezone(), now) == "11 Mar"
    assert time_text(dt.datetime(2023, 12, 30, 9, 0).astimezone(), now) == "30 Dec 2023"

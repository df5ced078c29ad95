"""The history in the window against the real engine, the simulated CRM and a simulated phone:
calls of every source appear live with their links, a report's way to the CRM shows in its row,
search and filters narrow a seeded history exactly, the model passes qtmodeltester, an export is
the store row for row, "Today" follows the day, and the keyboard reaches everything."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from softphone.config import paths
from softphone.model import ActionSource, CallPhase, CallStatus, Direction, ReportState
from softphone.numbers import digits_of
from softphone.sim.phone import CallScript
from softphone.store import NOT_CONNECTED, HistoryFilter, Store
from softphone.ui.dialbar import DialBar
from softphone.ui.historymodel import KEEP_ROWS, PAGE, Column
from softphone.ui.historyview import DateRange, HistoryPane
from softphone.ui.mainwindow import ui_state_file
from softphone.ui.today import TodayFigures
from tests.support.history import Seeded, seed_history
from tests.support.qt import Desk

pytestmark = [pytest.mark.adb, pytest.mark.slow]

UPDATE = "/api/phone/calls/update/"
_CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def history_rows() -> int:
    """How many calls the desk has before it starts (a test parametrizes it)."""
    return 0


@pytest.fixture
def seeded() -> list[Seeded]:
    return []


@pytest.fixture
def desk_history(history_rows: int, seeded: list[Seeded]) -> Callable[[Path], object] | None:
    if not history_rows:
        return None
    return lambda path: seeded.extend(seed_history(path, history_rows))


def pane_of(desk: Desk) -> HistoryPane:
    pane = desk.window.findChild(HistoryPane, "historyPane")
    assert pane is not None
    return pane


def shown_ids(pane: HistoryPane) -> list[int]:
    return [pane.model.entry(row).id for row in range(pane.model.rowCount())]


def load_all(pane: HistoryPane) -> None:
    while pane.model.canFetchMore(QModelIndex()):
        pane.model.fetchMore(QModelIndex())


def cell(pane: HistoryPane, call_id: int, column: Column, role: int = 0) -> str:
    """What a call's cell shows (`role` 3: its tooltip, the whole sentence)."""
    row = pane.model.row_of(call_id)
    return "" if row is None else str(pane.model.index(row, column).data(role))


_SAID = int(Qt.ItemDataRole.ToolTipRole)


def am_starts(desk: Desk) -> list[str]:
    return [c for c in desk.phone.commands() if c.startswith("am start")]


def resolved(desk: Desk, call_id: int) -> bool:
    return desk.engine.entry(call_id).phase is CallPhase.RESOLVED


def test_a_crm_command_a_manual_call_and_a_call_back_appear_with_their_sources_and_link(
    desk: Desk, qtbot: QtBot
) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    pane = pane_of(desk)
    assert desk.window.page == "history" and pane.isVisible()

    command_id = desk.crm.create_command("op1", "+79123456701")
    qtbot.waitUntil(lambda: desk.engine.entry_for_command(command_id) is not None, timeout=15_000)
    crm_call = desk.engine.entry_for_command(command_id)
    assert crm_call is not None
    qtbot.waitUntil(lambda: pane.model.row_of(crm_call.id) == 0, timeout=5000)  # live, on top
    qtbot.waitUntil(lambda: resolved(desk, crm_call.id), timeout=30_000)

    dial = desk.window.findChild(DialBar, "dialBar")
    assert dial is not None
    qtbot.keyClicks(dial.input, "89123456702")
    qtbot.keyClick(dial.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2, timeout=10_000)
    manual = pane.model.entry(0)
    qtbot.waitUntil(lambda: resolved(desk, manual.id), timeout=30_000)

    # Enter on the CRM's row calls it back.
    pane.table.setFocus()
    pane.table.setCurrentIndex(pane.model.index(pane.model.row_of(crm_call.id) or 0, 0))
    with qtbot.waitSignal(pane.callPlaced, timeout=5000):
        qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 3, timeout=10_000)
    back = pane.model.entry(0)
    assert back.parent_id == crm_call.id
    qtbot.waitUntil(
        lambda: desk.engine.entry(back.id).report_state is ReportState.SENT, timeout=30_000
    )

    sources = [str(pane.model.index(row, Column.SOURCE).data()) for row in range(3)]
    assert sources == ["History", "Manual", "CRM"]
    assert [str(pane.model.index(row, Column.NUMBER).data()) for row in range(3)] == [
        "+7 (912) 345-67-01",
        "+7 (912) 345-67-02",
        "+7 (912) 345-67-01",
    ]
    assert cell(pane, back.id, Column.DELIVERY) == "✓ Sent"  # under the CRM's request
    assert cell(pane, manual.id, Column.DELIVERY) == "— Local"
    assert cell(pane, manual.id, Column.DELIVERY, _SAID) == "Local only"
    assert [c.split()[-1] for c in am_starts(desk)] == [
        "tel:+79123456701",
        "tel:+79123456702",
        "tel:+79123456701",
    ]

    pane.table.setCurrentIndex(pane.model.index(0, Column.TIME))
    qtbot.keySequence(pane.table, QKeySequence(QKeySequence.StandardKey.Copy))
    assert QGuiApplication.clipboard().text() == "+79123456701"  # the number, not the time

    details = pane.show_details(back.id)
    assert details.objectName() == "historyDetails"
    text = details.text()
    assert "Called back from" in text and "+7 (912) 345-67-01" in text
    assert "the request of the call it came from" in text
    details.show_call(crm_call.id)
    text = details.text()
    assert "Called back as" in text and command_id in text
    assert text.split("Call-log row", 1)[1].split()[0].startswith("#")  # the row it matched
    details.close()


def test_a_calls_delivery_column_goes_from_waiting_to_sent_when_the_crm_comes_back(
    desk: Desk, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.5, outcome="answered", talk_s=1.0))
    pane = pane_of(desk)
    command_id = desk.crm.create_command("op1", "+79123456703")
    qtbot.waitUntil(lambda: desk.engine.entry_for_command(command_id) is not None, timeout=15_000)
    call = desk.engine.entry_for_command(command_id)
    assert call is not None
    desk.crm.set_faults(error_rate=1.0, error_status=503)  # the CRM goes down mid-call
    qtbot.waitUntil(
        lambda: cell(pane, call.id, Column.DELIVERY, _SAID).startswith("Waiting, next try in"),
        timeout=30_000,
    )
    assert re.fullmatch(r"⟳ \d+ s", cell(pane, call.id, Column.DELIVERY))  # counting down
    assert "last try: " in (said := cell(pane, call.id, Column.DELIVERY, _SAID)) and "503" in said
    desk.crm.set_faults(error_rate=0)
    qtbot.waitUntil(lambda: cell(pane, call.id, Column.DELIVERY) == "✓ Sent", timeout=40_000)
    assert desk.crm.command(command_id)["result"]["call_status"] == "connected"


def test_a_refused_report_is_sent_again_or_discarded_from_the_rows_menu(
    desk: Desk, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="no_answer"))
    pane = pane_of(desk)
    refused: list[int] = []
    for number in ("+79123456704", "+79123456705"):
        desk.crm.set_faults(fail_next=[{"path": UPDATE, "status": 404, "count": 1}])
        command_id = desk.crm.create_command("op1", number)
        qtbot.waitUntil(
            lambda c=command_id: desk.engine.entry_for_command(c) is not None, timeout=15_000
        )
        entry = desk.engine.entry_for_command(command_id)
        assert entry is not None
        qtbot.waitUntil(
            lambda e=entry: cell(pane, e.id, Column.DELIVERY) == "⚠ Refused", timeout=30_000
        )
        assert cell(pane, entry.id, Column.DELIVERY, _SAID).startswith("Refused: HTTP 404")
        refused.append(entry.id)

    menu = pane.row_menu(pane.model.row_of(refused[0]) or 0)
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    assert names == [
        "rowCallBack",
        "rowCopyNumber",
        "rowDetails",
        "rowRetryReport",
        "rowDiscardReport",
    ]
    next(a for a in menu.actions() if a.objectName() == "rowRetryReport").trigger()
    qtbot.waitUntil(lambda: cell(pane, refused[0], Column.DELIVERY) == "✓ Sent", timeout=30_000)
    sent = pane.row_menu(pane.model.row_of(refused[0]) or 0)
    assert "rowRetryReport" not in [a.objectName() for a in sent.actions()]

    menu = pane.row_menu(pane.model.row_of(refused[1]) or 0)
    next(a for a in menu.actions() if a.objectName() == "rowDiscardReport").trigger()
    question = desk.window.findChild(QMessageBox, "discardReportQuestion")
    assert question is not None and question.isVisible()
    question.findChild(QPushButton, "discardReportYes").click()
    qtbot.waitUntil(
        lambda: cell(pane, refused[1], Column.DELIVERY) == "⚠ Discarded", timeout=10_000
    )
    said = cell(pane, refused[1], Column.DELIVERY, _SAID)
    assert said.startswith("Refused, then discarded: HTTP 404")
    assert desk.engine.deliveries(refused) == {}


def _choose(combo: QComboBox, key: str) -> None:
    combo.setCurrentIndex(combo.findData(key))


@pytest.mark.parametrize("history_rows", [180])
def test_search_and_each_filter_narrow_a_seeded_history(
    desk: Desk, qtbot: QtBot, seeded: list[Seeded]
) -> None:
    desk.sign_in(qtbot)
    pane = pane_of(desk)
    assert shown_ids(pane) == [s.id for s in seeded[:100]]  # the first page, newest first
    load_all(pane)
    assert shown_ids(pane) == [s.id for s in seeded]

    today = dt.date.today()
    cases: list[tuple[str, Callable[[], None], Callable[[Seeded], bool]]] = [
        ("search", lambda: qtbot.keyClicks(pane.search, "0012"), lambda s: "0012" in s.phone),
        (
            "search in another notation",
            lambda: qtbot.keyClicks(pane.search, "(912) 003-"),
            lambda s: "912003" in digits_of(s.phone),
        ),
        *[
            (
                f"outcome {key}",
                lambda key=key: _choose(pane.outcome, key),
                lambda s, statuses=statuses: s.status in statuses,
            )
            for key, statuses in {
                "connected": {CallStatus.CONNECTED},
                "not_connected": NOT_CONNECTED,
                "busy": {CallStatus.BUSY},
                "declined": {CallStatus.REJECTED},
                "no_answer": {CallStatus.NO_ANSWER},
                "not_dialled": {CallStatus.NO_ACTION},
                "unknown": {CallStatus.UNKNOWN},
            }.items()
        ],
        *[
            (
                f"source {source.value}",
                lambda source=source: _choose(pane.source, source.value),
                lambda s, source=source: s.source is source,
            )
            for source in (
                ActionSource.CRM_UI,
                ActionSource.NOTIFICATION,
                ActionSource.HISTORY,
                ActionSource.MANUAL,
            )
        ],
        (
            "incoming",
            lambda: _choose(pane.direction, "incoming"),
            lambda s: s.direction is Direction.INCOMING,
        ),
        ("today", lambda: pane.choose_dates(DateRange.TODAY), lambda s: s.day == today),
        (
            "yesterday",
            lambda: pane.choose_dates(DateRange.YESTERDAY),
            lambda s: s.day == today - dt.timedelta(days=1),
        ),
        (
            "between dates",
            lambda: pane.choose_dates(
                DateRange.CUSTOM, today - dt.timedelta(days=4), today - dt.timedelta(days=2)
            ),
            lambda s: today - dt.timedelta(days=4) <= s.day <= today - dt.timedelta(days=2),
        ),
        (
            "search and filters together",
            lambda: (
                _choose(pane.outcome, "connected"),
                _choose(pane.source, "crm_ui"),
                qtbot.keyClicks(pane.search, "912"),
            ),
            lambda s: (
                s.status is CallStatus.CONNECTED
                and s.source is ActionSource.CRM_UI
                and "912" in s.phone
            ),
        ),
    ]
    for name, narrow, wanted in cases:
        pane.clear()
        narrow()
        # The search gathers keystrokes: wait for the last one to be searched.
        qtbot.waitUntil(lambda: pane.model.filters.number_part in (None, pane.search.text()))
        load_all(pane)
        expected = [s.id for s in seeded if wanted(s)]
        assert expected, name
        assert shown_ids(pane) == expected, name
    pane.clear()
    qtbot.keyClicks(pane.search, "5555555")
    qtbot.waitUntil(lambda: pane.model.filters.number_part == "5555555")
    assert pane.model.rowCount() == 0
    empty = pane.findChild(QWidget, "historyEmpty")
    assert empty is not None and empty.isVisible()
    pane.findChild(QPushButton, "historyClearFilters").click()
    assert pane.model.rowCount() == 100 and pane.search.text() == ""


def test_a_live_call_that_does_not_match_the_filter_does_not_appear(
    desk: Desk, qtbot: QtBot
) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    pane = pane_of(desk)
    _choose(pane.source, "crm_ui")
    with qtbot.assertNotEmitted(pane.model.rowsInserted):
        desk.window.call_number("+79123456706")
        qtbot.waitUntil(lambda: desk.engine.count() == 1, timeout=5000)
        manual = desk.engine.history().entries[0]
        qtbot.waitUntil(lambda: resolved(desk, manual.id), timeout=30_000)
    assert pane.model.rowCount() == 0
    # A call that matches does appear, and a filter on the outcome takes it only once known.
    _choose(pane.outcome, "connected")
    with qtbot.waitSignal(pane.model.rowsInserted, timeout=30_000):
        command_id = desk.crm.create_command("op1", "+79123456707")
    entry = desk.engine.entry_for_command(command_id)
    assert entry is not None and shown_ids(pane) == [entry.id]
    assert desk.engine.entry(entry.id).status is CallStatus.CONNECTED


@pytest.mark.parametrize("history_rows", [250])
def test_the_history_model_passes_qtmodeltester_through_paging_filters_and_live_rows(
    desk: Desk, qtbot: QtBot, qtmodeltester: object
) -> None:
    pane = pane_of(desk)
    qtmodeltester.check(pane.model)  # type: ignore[attr-defined]
    load_all(pane)
    qtmodeltester.check(pane.model)  # type: ignore[attr-defined]
    _choose(pane.outcome, "not_connected")
    qtmodeltester.check(pane.model)  # type: ignore[attr-defined]
    # Rows coming in, changing and leaving while the tester watches the model's signals.
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="no_answer"))
    _choose(pane.outcome, "any")
    desk.window.call_number("+79123456708")
    qtbot.waitUntil(lambda: pane.model.entry(0).phone == "+79123456708", timeout=10_000)
    qtbot.waitUntil(lambda: resolved(desk, pane.model.entry(0).id), timeout=30_000)
    qtmodeltester.check(pane.model)  # type: ignore[attr-defined]


def store_order(desk: Desk, filters: HistoryFilter) -> list[int]:
    ids: list[int] = []
    page = desk.engine.history(filters)
    while True:
        ids += [e.id for e in page.entries]
        if page.next_cursor is None:
            return ids
        page = desk.engine.history(filters, page.next_cursor)


@pytest.mark.parametrize("history_rows", [2500])
def test_scrolled_far_the_model_keeps_few_entries_and_reads_the_others_back_the_same(
    desk: Desk, qtbot: QtBot, qtmodeltester: object
) -> None:
    # 200 000 rows scrolled through held every entry (157 MB in benchmarks/window.py); now
    # only those near the last row looked at, and the rest come back by id when shown.
    pane = pane_of(desk)
    load_all(pane)
    model = pane.model
    held = lambda: sum(1 for e in model._rows if e is not None)  # noqa: E731
    assert model.rowCount() == 2500
    assert held() <= KEEP_ROWS + 2 * PAGE
    assert model._rows[0] is not None and model._rows[-1] is not None  # newest page, the end
    let_go = [r for r, e in enumerate(model._rows) if e is None]
    assert let_go, "nothing was let go"
    # Every row read back is the store's, in the store's order.
    expected = store_order(desk, model.filters)
    assert shown_ids(pane) == expected
    assert held() <= 2 * KEEP_ROWS + 2 * PAGE
    far = expected[let_go[len(let_go) // 2]]
    assert model.row_of(far) == expected.index(far)
    assert model.index(expected.index(far), Column.NUMBER).data() not in (None, "")
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    # A call arriving now takes its place among them (the seeded days run into tomorrow).
    desk.sign_in(qtbot)
    desk.window.call_number("+79123456709")
    qtbot.waitUntil(lambda: model.rowCount() == 2501, timeout=10_000)
    assert shown_ids(pane) == store_order(desk, model.filters)
    assert model.row_of(far) == store_order(desk, model.filters).index(far)


def _exported(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=","))


@pytest.mark.parametrize("history_rows", [2500])
def test_the_export_of_a_seeded_history_matches_the_store_row_for_row(
    desk: Desk, qtbot: QtBot, tmp_path: Path
) -> None:
    pane = pane_of(desk)
    target = tmp_path / "calls.csv"
    export = pane.export_to(target)
    progress: list[tuple[int, int]] = []
    export.progressed.connect(lambda done, total: progress.append((done, total)))
    assert pane.findChild(QWidget, "exportBar").isVisibleTo(pane)
    with qtbot.waitSignal(export.finished, timeout=30_000) as finished:
        pass
    assert finished.args == [str(target), 2500]
    assert progress[-1] == (2500, 2500) and len(progress) >= 3  # chunk by chunk
    assert not pane.findChild(QWidget, "exportBar").isVisibleTo(pane)

    header, *rows = _exported(target)
    assert header[:4] == ["Call", "Time", "Number", "Outcome"]
    store = Store.open(paths().database)
    try:
        calls = store.history(limit=10_000)
    finally:
        store.close()
    assert len(rows) == len(calls) == 2500
    for row, call in zip(rows, calls, strict=True):
        assert row[0] == str(call.id)
        assert row[1] == call.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        assert row[2] == f'="{call.phone}"'  # text: Excel keeps the + and every digit
        assert row[4] == str(call.duration_s)
        assert (
            row[6]
            == {
                ActionSource.CRM_UI: "CRM",
                ActionSource.NOTIFICATION: "Notification",
                ActionSource.HISTORY: "History",
                ActionSource.MANUAL: "Manual",
            }[call.source]
        )
    statuses = {"connected": "Connected", "no_answer": "No answer", "busy": "Busy"}
    assert all(
        row[3] == statuses[call.status.value]
        for row, call in zip(rows, calls, strict=True)
        if call.status is not None and call.status.value in statuses
    )

    # The calls shown are what is exported: a filter narrows the file too.
    _choose(pane.outcome, "connected")
    narrowed = tmp_path / "connected.csv"
    with qtbot.waitSignal(pane.export_to(narrowed).finished, timeout=30_000):
        pass
    _header, *kept = _exported(narrowed)
    connected = [c for c in calls if c.status is CallStatus.CONNECTED]
    assert [row[0] for row in kept] == [str(c.id) for c in connected]


@pytest.mark.parametrize("history_rows", [2500])
def test_a_cancelled_export_leaves_no_file(desk: Desk, qtbot: QtBot, tmp_path: Path) -> None:
    pane = pane_of(desk)
    folder = tmp_path / "exports"
    folder.mkdir()
    export = pane.export_to(folder / "calls.csv")
    export.progressed.connect(lambda done, _total: done and pane.cancel_export.click())
    with qtbot.waitSignal(export.cancelled, timeout=30_000):
        pass
    assert export.done < 2500 and list(folder.iterdir()) == []
    assert pane.export_button.isEnabled()


def test_the_filters_the_search_and_the_columns_survive_a_restart(desk: Desk, qtbot: QtBot) -> None:
    pane = pane_of(desk)
    _choose(pane.outcome, "not_connected")
    _choose(pane.source, "crm_ui")
    _choose(pane.direction, "outgoing")
    first, last = dt.date(2024, 3, 1), dt.date(2024, 3, 5)
    pane.choose_dates(DateRange.CUSTOM, first, last)
    qtbot.keyClicks(pane.search, "912")
    qtbot.waitUntil(lambda: pane.model.filters.number_part == "912")
    pane.table.setColumnWidth(Column.NUMBER, 203)
    wanted = pane.current_filter()
    assert wanted.statuses == NOT_CONNECTED and wanted.until is not None
    desk.window.save_state()

    again = HistoryPane(desk.window.bridge, ui_state_file(desk.engine.paths.config_dir))
    qtbot.addWidget(again)
    assert again.current_filter() == wanted == again.model.filters
    assert again.table.columnWidth(Column.NUMBER) == 203
    assert again.dates.text() != "All dates"


def test_today_counts_the_days_calls_live_with_a_bar_for_this_hour(
    desk: Desk, qtbot: QtBot
) -> None:
    today = desk.window.findChild(TodayFigures, "todayFigures")
    assert today is not None and today.figures is not None and today.figures.calls == 0
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=2.0))
    desk.window.call_number("+79123456709")
    qtbot.waitUntil(
        lambda: today.figures is not None and today.figures.connected == 1, timeout=30_000
    )
    assert today.figures.calls == 1 and today.figures.talk_s == 2
    hour = dt.datetime.now().hour
    assert today.chart.counts[hour - today.chart.first_hour] == 1
    assert sum(today.chart.counts) == 1
    assert today.toolTip() == "Calls today: 1 · connected: 1 · not connected: 0 · 2 s"


@pytest.mark.parametrize("history_rows", [5])
def test_the_window_is_keyboard_first_and_every_control_has_a_name(
    desk: Desk, qtbot: QtBot
) -> None:
    desk.sign_in(qtbot)
    window = desk.window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    pane = pane_of(desk)
    dial = window.findChild(QLineEdit, "dialInput")
    qtbot.keyClick(window, Qt.Key.Key_F, _CTRL)
    assert QApplication.focusWidget() is pane.search
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, _CTRL)
    assert QApplication.focusWidget() is dial
    order = []
    for _ in range(8):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget().objectName())
    assert order == [
        "dialButton",
        "historySearch",
        "historyDateFilter",
        "exportButton",
        "historyFilterOutcome",
        "historyFilterSource",
        "historyFilterDirection",
        "historyView",
    ]
    missing = [
        widget.objectName() or type(widget).__name__
        for kind in (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView)
        for widget in window.findChildren(kind)
        if widget.isVisibleTo(window)
        and not widget.accessibleName()
        and not isinstance(widget, QHeaderView)  # a part of the table, which has its name
    ]
    assert missing == []
    for name in (
        "dialInput",
        "dialButton",
        "historyView",
        "historySearch",
        "historyFilterOutcome",
        "historyFilterSource",
        "historyFilterDirection",
        "historyDateFilter",
        "exportButton",
        "todayFigures",
    ):
        assert window.findChild(QWidget, name) is not None, name
    # The clipboard's number is one shortcut away, in the menu with its keys.
    assert window.clipboard_action.shortcut().toString() == "Ctrl+Shift+V"

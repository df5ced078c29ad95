"""The history pane, the body of the window: search and filters above, the calls below.

- Search by any part of the number as it is typed: the first keystroke after a pause searches at
  once, keystrokes that follow within `SEARCH_PAUSE_MS` are gathered into one search at its end
  (each search is one indexed query: the window never waits on more than one).
- Filters by outcome, source, direction and date; the choice (and the search, and the column
  widths) is kept in the window's state file and comes back after a restart.
- Acting on a row: Enter or a double-click calls back; the context menu calls back, copies the
  number, shows the details, and sends again or discards a report the CRM refused.
- Export of the filtered rows to CSV, with a progress bar and Cancel under the filters.

Commands go to the engine through the bridge (`bridge.run`); the pane never waits on them.
"""

from __future__ import annotations

import datetime as dt
import enum
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    QSettings,
    QSize,
    QStandardPaths,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from softphone.model import ActionSource, CallStatus, Direction, HistoryEntry
from softphone.store import NOT_CONNECTED, HistoryFilter
from softphone.ui.bridge import EngineBridge
from softphone.ui.details import CallDetails
from softphone.ui.export import CsvExport
from softphone.ui.historymodel import (
    ENTRY_ROLE,
    SOURCE_ROLE,
    Column,
    HistoryModel,
    badge_text,
    qdate,
    time_text,
)
from softphone.ui.words import shown_number, source_text, status_text

translate = QCoreApplication.translate

__all__ = ["SEARCH_PAUSE_MS", "DateRange", "HistoryPane", "HistoryTable", "date_bounds"]

#: Keystrokes closer together than this are searched as one (the first is searched at once).
SEARCH_PAUSE_MS: Final = 150

#: The outcome filter's choices: a key (kept in the state file) and the statuses it means.
OUTCOMES: Final[dict[str, frozenset[CallStatus]]] = {
    "any": frozenset(),
    "connected": frozenset({CallStatus.CONNECTED}),
    "not_connected": NOT_CONNECTED,
    "busy": frozenset({CallStatus.BUSY}),
    "declined": frozenset({CallStatus.REJECTED}),
    "no_answer": frozenset({CallStatus.NO_ANSWER}),
    "not_dialled": frozenset({CallStatus.NO_ACTION}),
    "unknown": frozenset({CallStatus.UNKNOWN}),
}
SOURCES: Final = ("any", *(s.value for s in ActionSource if s is not ActionSource.UNKNOWN))
DIRECTIONS: Final = ("any", Direction.OUTGOING.value, Direction.INCOMING.value)

_BADGE_COLOURS: Final = {
    ActionSource.CRM_UI: QColor("#1565c0"),
    ActionSource.NOTIFICATION: QColor("#6a1b9a"),
    ActionSource.HISTORY: QColor("#00695c"),
    ActionSource.MANUAL: QColor("#5d4037"),
    ActionSource.UNKNOWN: QColor("#616161"),
}


class DateRange(enum.Enum):
    ANY = "any"
    TODAY = "today"
    YESTERDAY = "yesterday"
    WEEK = "week"
    MONTH = "month"
    CUSTOM = "custom"


def _midnight(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time()).timestamp()


def date_bounds(
    choice: DateRange, first: dt.date | None, last: dt.date | None, today: dt.date
) -> tuple[float | None, float | None]:
    """(since, until) in epoch seconds for a date choice; `last` is included."""
    one = dt.timedelta(days=1)
    if choice is DateRange.TODAY:
        return _midnight(today), None
    if choice is DateRange.YESTERDAY:
        return _midnight(today - one), _midnight(today)
    if choice is DateRange.WEEK:
        return _midnight(today - 6 * one), None
    if choice is DateRange.MONTH:
        return _midnight(today - 29 * one), None
    if choice is DateRange.CUSTOM and first is not None and last is not None:
        return _midnight(first), _midnight(last + one)
    return None, None


class SourceBadges(QStyledItemDelegate):
    """The source column as a coloured badge with its word in it (the word is the signal; the
    colour only helps the eye find the CRM's calls among the others)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        text = plain.text
        plain.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, widget)
        source = index.data(SOURCE_ROLE)
        if not text or source is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = option.font
        font.setPointSizeF(font.pointSizeF() * 0.85)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        rect = option.rect
        room = rect.width() - 8
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, room - 10))
        width = min(room, metrics.horizontalAdvance(shown) + 10)
        height = metrics.height() + 2
        badge = QRectF(rect.left() + 4, rect.center().y() - height / 2 + 1, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_BADGE_COLOURS.get(source, _BADGE_COLOURS[ActionSource.UNKNOWN]))
        painter.drawRoundedRect(badge, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), shown)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 14, hint.height())


class DeliveryCells(QStyledItemDelegate):
    """The CRM column: its words when they fit, else only the sign before them (✓ sent,
    ⟳ waiting, ⚠ refused, — local) rather than a word cut in half; the tooltip says it all."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        cell = QStyleOptionViewItem(option)
        self.initStyleOption(cell, index)
        room = cell.rect.width() - 8
        if cell.fontMetrics.horizontalAdvance(cell.text) > room:
            cell.text = cell.text.split(" ", 1)[0]
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, cell, painter, widget)


class HistoryTable(QTableView):
    """The calls. Enter calls back the current row (as a double-click does); Ctrl+C copies its
    number (not the text of whichever cell is current, as a table would).

    Signals:
        callBackRequested(row: int): Enter on a row.
        copyRequested(row: int): Ctrl+C on a row.
    """

    callBackRequested = Signal(int)
    copyRequested = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        current = self.currentIndex()
        if current.isValid() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.callBackRequested.emit(current.row())
            return
        if current.isValid() and event.matches(QKeySequence.StandardKey.Copy):
            self.copyRequested.emit(current.row())
            return
        super().keyPressEvent(event)


class SearchField(QLineEdit):
    """The search: Down or Enter goes on to the list.

    Signals:
        toList(): the operator left the field for the calls (Down or Enter).
    """

    toList = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.toList.emit()
            return
        super().keyPressEvent(event)


class DatesDialog(QDialog):
    """Two dates, both included: the history between them."""

    def __init__(self, first: QDate, last: QDate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyDatesDialog")
        self.setWindowTitle(translate("DatesDialog", "Calls between two dates"))
        self.first = QDateEdit(first, self)
        self.first.setObjectName("historyDateFrom")
        self.first.setCalendarPopup(True)
        self.first.setAccessibleName(translate("DatesDialog", "From"))
        self.last = QDateEdit(last, self)
        self.last.setObjectName("historyDateTo")
        self.last.setCalendarPopup(True)
        self.last.setAccessibleName(translate("DatesDialog", "To (included)"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(translate("DatesDialog", "From"), self.first)
        form.addRow(translate("DatesDialog", "To (included)"), self.last)
        form.addRow(buttons)


class HistoryPane(QWidget):
    """The history body: filters, the table, the export bar.

    Signals:
        noticed(text: str): something to say at the bottom of the window.
        callPlaced(entry_id: int): a call back was asked for (from the row with this id).
        exportStarted(export: CsvExport): an export began (its own signals say how it goes).
    """

    noticed = Signal(str)
    callPlaced = Signal(int)
    exportStarted = Signal(object)

    def __init__(
        self,
        bridge: EngineBridge,
        ui_state: QSettings,
        executor: Executor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyPane")
        self.bridge = bridge
        self.ui_state = ui_state
        self.executor = executor
        self.model = HistoryModel(bridge, self)
        self.export: CsvExport | None = None
        self._details: CallDetails | None = None
        self._dates = DateRange.ANY
        self._custom: tuple[dt.date, dt.date] | None = None
        self._restoring = False

        self.search = SearchField(self)
        self.search.setObjectName("historySearch")
        self.search.setClearButtonEnabled(True)
        self.search.toList.connect(self._to_list)
        self.outcome = QComboBox(self)
        self.outcome.setObjectName("historyFilterOutcome")
        self.source = QComboBox(self)
        self.source.setObjectName("historyFilterSource")
        self.direction = QComboBox(self)
        self.direction.setObjectName("historyFilterDirection")
        for combo, keys in (
            (self.outcome, list(OUTCOMES)),
            (self.source, list(SOURCES)),
            (self.direction, list(DIRECTIONS)),
        ):
            for key in keys:
                combo.addItem("", key)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            combo.currentIndexChanged.connect(self._filters_changed)
        self.dates = QPushButton(self)
        self.dates.setObjectName("historyDateFilter")
        self._dates_menu = QMenu(self.dates)
        self._date_actions: dict[DateRange, QAction] = {}
        for choice in DateRange:
            action = self._dates_menu.addAction("")
            action.setCheckable(True)
            action.triggered.connect(lambda _on=False, c=choice: self._choose_dates(c))
            self._date_actions[choice] = action
        self.dates.setMenu(self._dates_menu)
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("exportButton")
        self.export_button.clicked.connect(self.ask_export)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("exportProgress")
        self.progress.setTextVisible(True)
        self.cancel_export = QPushButton(self)
        self.cancel_export.setObjectName("exportCancel")
        self.cancel_export.clicked.connect(self._cancel_export)
        self._export_bar = QWidget(self)
        self._export_bar.setObjectName("exportBar")
        bar = QHBoxLayout(self._export_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.cancel_export)
        self._export_bar.hide()

        self.table = HistoryTable(self)
        self.table.setObjectName("historyView")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setItemDelegateForColumn(Column.SOURCE, SourceBadges(self.table))
        self.table.setItemDelegateForColumn(Column.DELIVERY, DeliveryCells(self.table))
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(self.fontMetrics().horizontalAdvance("⟳") + 12)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._default_widths()
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda index: self.call_back(index.row()))
        self.table.callBackRequested.connect(self.call_back)
        self.table.copyRequested.connect(self.copy_number)
        header.sectionResized.connect(lambda *_: self._save_columns())

        self.empty = QLabel(self)
        self.empty.setObjectName("historyEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.clear_filters = QPushButton(self)
        self.clear_filters.setObjectName("historyClearFilters")
        self.clear_filters.clicked.connect(self.clear)
        empty_page = QWidget(self)
        empty_column = QVBoxLayout(empty_page)
        empty_column.addStretch(1)
        empty_column.addWidget(self.empty)
        empty_column.addWidget(self.clear_filters, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_column.addStretch(2)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.table)
        self._stack.addWidget(empty_page)

        first = QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        first.addWidget(self.search, 1)
        first.addWidget(self.dates)
        first.addWidget(self.export_button)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        second.addWidget(self.outcome)
        second.addWidget(self.source)
        second.addWidget(self.direction)
        second.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.setSpacing(4)
        column.addLayout(first)
        column.addLayout(second)
        column.addWidget(self._export_bar)
        column.addWidget(self._stack, 1)
        for first_widget, next_widget in (
            (self.search, self.dates),
            (self.dates, self.export_button),
            (self.export_button, self.outcome),
            (self.outcome, self.source),
            (self.source, self.direction),
            (self.direction, self.cancel_export),
            (self.cancel_export, self.table),
            (self.table, self.clear_filters),
        ):
            QWidget.setTabOrder(first_widget, next_widget)

        self._search_pause = QTimer(self)
        self._search_pause.setSingleShot(True)
        self._search_pause.setInterval(SEARCH_PAUSE_MS)
        self._search_pause.timeout.connect(self._search_after_pause)
        self._searched = ""
        self.search.textChanged.connect(self._typed)
        for signal in (
            self.model.modelReset,
            self.model.rowsInserted,
            self.model.rowsRemoved,
        ):
            signal.connect(self._show_rows_or_why_not)
        self.retranslate()
        self.restore_state()

    # -- words -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.search.setPlaceholderText(translate("HistoryPane", "Search by number (Ctrl+F)"))
        self.search.setAccessibleName(translate("HistoryPane", "Search the history by number"))
        outcome_words = {
            "any": translate("HistoryPane", "All outcomes"),
            "connected": translate("HistoryPane", "Connected"),
            "not_connected": translate("HistoryPane", "Not connected"),
            "busy": translate("HistoryPane", "Busy"),
            "declined": translate("HistoryPane", "Declined"),
            "no_answer": translate("HistoryPane", "No answer"),
            "not_dialled": translate("HistoryPane", "Not dialled"),
            "unknown": translate("HistoryPane", "Unknown"),
        }
        source_words = {"any": translate("HistoryPane", "All sources")} | {
            s.value: source_text(s) for s in ActionSource
        }
        direction_words = {
            "any": translate("HistoryPane", "Both ways"),
            Direction.OUTGOING.value: translate("HistoryPane", "↗ Outgoing"),
            Direction.INCOMING.value: translate("HistoryPane", "↙ Incoming"),
        }
        for combo, words in (
            (self.outcome, outcome_words),
            (self.source, source_words),
            (self.direction, direction_words),
        ):
            for i in range(combo.count()):
                combo.setItemText(i, words[combo.itemData(i)])
        self.outcome.setAccessibleName(translate("HistoryPane", "Filter by outcome"))
        self.source.setAccessibleName(translate("HistoryPane", "Filter by source"))
        self.direction.setAccessibleName(translate("HistoryPane", "Filter by direction"))
        self.dates.setAccessibleName(translate("HistoryPane", "Filter by date"))
        self.dates.setToolTip(translate("HistoryPane", "Which days to show"))
        date_words = {
            DateRange.ANY: translate("HistoryPane", "All dates"),
            DateRange.TODAY: translate("HistoryPane", "Today"),
            DateRange.YESTERDAY: translate("HistoryPane", "Yesterday"),
            DateRange.WEEK: translate("HistoryPane", "Last 7 days"),
            DateRange.MONTH: translate("HistoryPane", "Last 30 days"),
            DateRange.CUSTOM: translate("HistoryPane", "Between dates…"),
        }
        for choice, action in self._date_actions.items():
            action.setText(date_words[choice])
        self._show_dates()
        self.export_button.setText(translate("HistoryPane", "Export…"))
        self.export_button.setAccessibleName(
            translate("HistoryPane", "Export the calls shown to CSV")
        )
        self.export_button.setToolTip(
            translate("HistoryPane", "Save the calls shown as a CSV file")
        )
        self.cancel_export.setText(translate("HistoryPane", "Cancel"))
        self.cancel_export.setAccessibleName(translate("HistoryPane", "Cancel the export"))
        self.progress.setAccessibleName(translate("HistoryPane", "Export progress"))
        self.table.setAccessibleName(translate("HistoryPane", "Calls, newest first"))
        self.clear_filters.setText(translate("HistoryPane", "Show all calls"))
        self.clear_filters.setAccessibleName(
            translate("HistoryPane", "Clear the search and filters")
        )
        self._show_rows_or_why_not()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self.model.retranslate()
            if self.ui_state.value("history/columns") is None:  # else the operator's widths
                self._default_widths()
        elif event.type() == QEvent.Type.PaletteChange:
            self.model.retranslate()
        super().changeEvent(event)

    # -- filters -----------------------------------------------------------------------------

    def current_filter(self, today: dt.date | None = None) -> HistoryFilter:
        """What the search and the filters ask for now."""
        first, last = self._custom or (None, None)
        since, until = date_bounds(self._dates, first, last, today or dt.date.today())
        source = self.source.currentData()
        direction = self.direction.currentData()
        return HistoryFilter(
            number_part=self.search.text().strip() or None,
            statuses=OUTCOMES[self.outcome.currentData()],
            source=None if source == "any" else ActionSource(source),
            direction=None if direction == "any" else Direction(direction),
            since=since,
            until=until,
        )

    def apply(self) -> None:
        """Show the calls for the current search and filters (the first page at once)."""
        self._searched = self.search.text()
        self.model.set_filter(self.current_filter())
        self._save_filters()

    def clear(self) -> None:
        """Back to every call: no search, no filters."""
        self._restoring = True
        try:
            self.search.clear()
            for combo in (self.outcome, self.source, self.direction):
                combo.setCurrentIndex(0)
            self._dates, self._custom = DateRange.ANY, None
            self._show_dates()
        finally:
            self._restoring = False
        self._search_pause.stop()
        self.apply()

    def choose_dates(
        self, choice: DateRange, first: dt.date | None = None, last: dt.date | None = None
    ) -> None:
        """The date filter (CUSTOM with both dates, `last` included)."""
        self._dates = choice
        self._custom = (first, last) if choice is DateRange.CUSTOM and first and last else None
        if choice is DateRange.CUSTOM and self._custom is None:
            self._dates = DateRange.ANY
        self._show_dates()
        self.apply()

    def _choose_dates(self, choice: DateRange) -> None:
        if choice is not DateRange.CUSTOM:
            self.choose_dates(choice)
            return
        today = dt.date.today()
        first, last = self._custom or (today - dt.timedelta(days=6), today)
        dialog = DatesDialog(qdate(first), qdate(last), self)

        def chosen() -> None:
            days = sorted(
                dt.date(d.year(), d.month(), d.day())
                for d in (dialog.first.date(), dialog.last.date())
            )
            self.choose_dates(DateRange.CUSTOM, days[0], days[1])

        dialog.accepted.connect(chosen)
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        dialog.open()
        self._show_dates()

    def _show_dates(self) -> None:
        for choice, action in self._date_actions.items():
            action.setChecked(choice is self._dates)
        text = self._date_actions[self._dates].text()
        if self._dates is DateRange.CUSTOM and self._custom is not None:
            first, last = self._custom
            locale = QLocale()
            text = "–".join(locale.toString(qdate(day), "d MMM") for day in (first, last))
        elif self._dates is DateRange.ANY:
            text = translate("HistoryPane", "All dates")
        self.dates.setText(text)

    def _filters_changed(self) -> None:
        if not self._restoring:
            self.apply()

    def _typed(self, text: str) -> None:
        if self._restoring:
            return
        if self._search_pause.isActive():
            return  # gathered: searched when the pause ends
        self.apply()
        self._search_pause.start()

    def _search_after_pause(self) -> None:
        if self.search.text() != self._searched:
            self.apply()
            self._search_pause.start()

    def _to_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.TabFocusReason)
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _show_rows_or_why_not(self, *_args: Any) -> None:
        if self.model.rowCount():
            self._stack.setCurrentIndex(0)
            return
        filtered = self.model.filters != HistoryFilter()
        self.empty.setText(
            translate("HistoryPane", "No calls match the search and filters.")
            if filtered
            else translate(
                "HistoryPane", "No calls yet. Calls from the CRM and the dial bar appear here."
            )
        )
        self.clear_filters.setVisible(filtered)
        self._stack.setCurrentIndex(1)

    # -- rows --------------------------------------------------------------------------------

    def current_entry(self) -> HistoryEntry | None:
        index = self.table.currentIndex()
        return index.data(ENTRY_ROLE) if index.isValid() else None

    def call_back(self, row: int) -> None:
        """Call back the number of this row: a new call (source history) linked to it."""
        if not 0 <= row < self.model.rowCount():
            return
        self.call_back_id(self.model.entry(row).id)

    def call_back_id(self, entry_id: int) -> None:
        entry = self.bridge.engine.entry(entry_id)
        self.bridge.run(self.bridge.engine.call_back(entry_id), "call back")
        self.noticed.emit(
            translate("HistoryPane", "Calling back %1").replace("%1", shown_number(entry.phone))
        )
        self.callPlaced.emit(entry_id)

    def copy_number(self, row: int) -> None:
        entry = self.model.entry(row)
        QGuiApplication.clipboard().setText(entry.phone)
        self.noticed.emit(
            translate("HistoryPane", "Copied %1").replace("%1", shown_number(entry.phone))
        )

    def show_details(self, entry_id: int) -> CallDetails:
        """The details dialog (one, reused), showing this call."""
        if self._details is None:
            self._details = CallDetails(self.bridge, self.window())
            self._details.callBackRequested.connect(self.call_back_id)
            self._details.retryRequested.connect(self.retry_report)
            self._details.discardRequested.connect(self.discard_report)
        self._details.show_call(entry_id)
        self._details.show()
        self._details.raise_()
        return self._details

    def retry_report(self, item_id: int) -> None:
        self.bridge.run(self.bridge.engine.retry_dead(item_id), "send the report again")
        self.noticed.emit(translate("HistoryPane", "The report will be sent again"))

    def discard_report(self, item_id: int) -> QMessageBox:
        """Ask before a refused report is dropped for good (the answer comes later)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            translate("HistoryPane", "Discard the report?"),
            translate(
                "HistoryPane",
                "The CRM refused this call's report. Discarding it means the CRM never gets "
                "this result. The call stays in the history.",
            ),
            QMessageBox.StandardButton.Cancel,
            self.window(),
        )
        box.setObjectName("discardReportQuestion")
        discard = box.addButton(
            translate("HistoryPane", "Discard"), QMessageBox.ButtonRole.DestructiveRole
        )
        discard.setObjectName("discardReportYes")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(_button: object) -> None:
            if box.clickedButton() is discard:
                self.bridge.run(self.bridge.engine.discard_dead(item_id), "discard the report")
                self.noticed.emit(translate("HistoryPane", "The report was discarded"))

        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _code: box.deleteLater())
        box.open()
        return box

    def row_menu(self, row: int) -> QMenu:
        """The context menu of a row (built, not shown)."""
        entry = self.model.entry(row)
        menu = QMenu(self)
        menu.setObjectName("historyRowMenu")
        actions = [
            (
                "rowCallBack",
                translate("HistoryPane", "Call back"),
                "Return",
                lambda: self.call_back_id(entry.id),
            ),
            (
                "rowCopyNumber",
                translate("HistoryPane", "Copy number"),
                "Ctrl+C",
                lambda: self.copy_number(row),
            ),
            (
                "rowDetails",
                translate("HistoryPane", "Details…"),
                "",
                lambda: self.show_details(entry.id),
            ),
        ]
        for name, text, keys, slot in actions:
            action = menu.addAction(text)
            action.setObjectName(name)
            if keys:
                action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
        item = self.model.delivery(entry.id)
        if item is not None and item.is_dead:
            menu.addSeparator()
            retry = menu.addAction(translate("HistoryPane", "Send the report again"))
            retry.setObjectName("rowRetryReport")
            retry.triggered.connect(lambda: self.retry_report(item.id))
            discard = menu.addAction(translate("HistoryPane", "Discard the report…"))
            discard.setObjectName("rowDiscardReport")
            discard.triggered.connect(lambda: self.discard_report(item.id))
        return menu

    def _context_menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if not index.isValid():
            return
        self.table.setCurrentIndex(index)
        menu = self.row_menu(index.row())
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(self.table.viewport().mapToGlobal(point))

    # -- export ------------------------------------------------------------------------------

    def ask_export(self) -> None:
        """Ask where to save, then export the calls shown."""
        if self.export is not None and self.export.running:
            return
        folder = str(
            self.ui_state.value("history/export_dir", "")
            or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        )
        name = translate("HistoryPane", "calls") + f"-{dt.date.today():%Y-%m-%d}.csv"
        path, _chosen = QFileDialog.getSaveFileName(
            self,
            translate("HistoryPane", "Export calls"),
            str(Path(folder) / name),
            translate("HistoryPane", "CSV files (*.csv)"),
        )
        if path:
            self.ui_state.setValue("history/export_dir", str(Path(path).parent))
            self.export_to(Path(path))

    def export_to(self, target: Path) -> CsvExport:
        """Export the calls shown (the current filter) to `target`, in the background."""
        export = CsvExport(self.bridge, self.model.filters, target, self.executor, parent=self)
        self.export = export
        export.progressed.connect(self._export_progress)
        export.finished.connect(self._export_done)
        export.failed.connect(self._export_failed)
        export.cancelled.connect(self._export_cancelled)
        self.progress.setRange(0, 0)
        self.progress.setValue(0)
        self.cancel_export.setEnabled(True)
        self._export_bar.show()
        self.export_button.setEnabled(False)
        self.exportStarted.emit(export)
        self.bridge.run(export.run(), "export")
        return export

    def _export_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(min(done, max(1, total)))
        self.progress.setFormat(
            translate("HistoryPane", "Exporting: %1 of %2 calls")
            .replace("%1", QLocale().toString(done))
            .replace("%2", QLocale().toString(total))
        )

    def _export_ended(self) -> None:
        self._export_bar.hide()
        self.export_button.setEnabled(True)

    def _export_done(self, path: str, rows: int) -> None:
        self._export_ended()
        self.noticed.emit(
            translate("HistoryPane", "Saved %1 — calls: %n", "", rows).replace(
                "%1", Path(path).name
            )
        )

    def _export_failed(self, message: str) -> None:
        self._export_ended()
        self.noticed.emit(translate("HistoryPane", "The export failed: %1").replace("%1", message))

    def _export_cancelled(self) -> None:
        self._export_ended()
        self.noticed.emit(translate("HistoryPane", "The export was cancelled"))

    def _cancel_export(self) -> None:
        if self.export is not None:
            self.export.cancel()
            self.cancel_export.setEnabled(False)

    # -- window state ------------------------------------------------------------------------

    def _default_widths(self) -> None:
        """Columns as wide as their usual content in this language, so that the six fit the
        window's default width (the delivery column takes what is left and elides its words;
        its tooltip has them). The operator's own widths, kept in the state file, win."""
        plain = self.fontMetrics()
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.85)
        small.setWeight(QFont.Weight.DemiBold)
        badges = QFontMetrics(small)
        year = dt.date.today().year
        days = ["00:00"] + [
            time_text(dt.datetime(year, month, 28, 12, tzinfo=dt.UTC)) for month in range(1, 13)
        ]
        outcomes = [f"✗ {status_text(s)}" for s in CallStatus if s is not CallStatus.CONNECTED]
        widths = {
            Column.TIME: max(plain.horizontalAdvance(d) for d in days) + 10,
            Column.NUMBER: plain.horizontalAdvance("+7 (999) 999-99-99") + 10,
            Column.OUTCOME: max(plain.horizontalAdvance(o) for o in outcomes) + 10,
            Column.DIRECTION: plain.horizontalAdvance("⇅") + 8,
            Column.SOURCE: max(badges.horizontalAdvance(badge_text(s)) for s in ActionSource) + 20,
        }
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)
        # The last column stretches over what is left, and may shrink down to its sign: it
        # must start from its smallest size (the header keeps a stretched section's first size).
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        self.table.setColumnWidth(Column.DELIVERY, header.minimumSectionSize())
        header.setStretchLastSection(True)

    def _save_columns(self) -> None:
        if not self._restoring:
            self.ui_state.setValue("history/columns", self.table.horizontalHeader().saveState())

    def _save_filters(self) -> None:
        if self._restoring:
            return
        state = self.ui_state
        state.setValue("history/search", self.search.text())
        state.setValue("history/outcome", self.outcome.currentData())
        state.setValue("history/source", self.source.currentData())
        state.setValue("history/direction", self.direction.currentData())
        dates = self._dates.value
        if self._dates is DateRange.CUSTOM and self._custom is not None:
            dates = f"{self._custom[0].isoformat()}..{self._custom[1].isoformat()}"
        state.setValue("history/dates", dates)

    def restore_state(self) -> None:
        """The filters, the search and the columns as they were left, then the first page."""
        state = self.ui_state
        self._restoring = True
        try:
            for combo, key in (
                (self.outcome, "history/outcome"),
                (self.source, "history/source"),
                (self.direction, "history/direction"),
            ):
                index = combo.findData(str(state.value(key, "any")))
                combo.setCurrentIndex(max(0, index))
            self.search.setText(str(state.value("history/search", "") or ""))
            self._dates, self._custom = _parse_dates(str(state.value("history/dates", "any")))
            self._show_dates()
            columns = state.value("history/columns")
            if columns is not None:
                self.table.horizontalHeader().restoreState(columns)
        finally:
            self._restoring = False
        self.apply()


def _parse_dates(text: str) -> tuple[DateRange, tuple[dt.date, dt.date] | None]:
    if ".." in text:
        try:
            first, last = (dt.date.fromisoformat(part) for part in text.split("..", 1))
        except ValueError:
            return DateRange.ANY, None
        return DateRange.CUSTOM, (first, last)
    try:
        choice = DateRange(text)
    except ValueError:
        return DateRange.ANY, None
    return (DateRange.ANY, None) if choice is DateRange.CUSTOM else (choice, None)

"""The history as a Qt model: the engine's keyset pages behind a `QAbstractTableModel`.

Newest first. The first page comes with each filter; `canFetchMore`/`fetchMore` bring the next
page when the view scrolls near the end (one page is one indexed query, the same cost at row
100 as at row 200 000). A `callChanged` from the bridge updates its row in place, inserts it
where it belongs when it now matches the filter (`HistoryFilter.matches` answers exactly what
the store's query would), or removes it when it no longer does — never a reload.

Each call whose report waits in the outbox (or was refused) carries its outbox item, asked of
the engine once per page and again on the call's own event; a one-second tick redraws the
"next try in 12 s" countdowns while there are any. Nothing here writes: commands go through the
bridge from the view.

Only the rows near where the view last looked (and the newest page, where calls arrive) are
kept as entries: after 200 000 rows were scrolled through, the others are their sort keys alone
(two packed numbers a row) and are read back by id, a block at a time, when shown again.
"""

from __future__ import annotations

import array
import bisect
import dataclasses
import datetime as dt
import enum
import time
from collections.abc import Callable, Iterable
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QGuiApplication

from softphone.model import ActionSource, CallStatus, Direction, HistoryEntry, ReportState
from softphone.store import NOT_CONNECTED, HistoryFilter, OutboxItem
from softphone.ui.bridge import EngineBridge
from softphone.ui.words import (
    call_summary,
    delivery_text,
    direction_text,
    duration_text,
    reason_text,
    shown_number,
    source_text,
    status_text,
)

translate = QCoreApplication.translate

__all__ = [
    "ENTRY_ROLE",
    "Column",
    "HistoryModel",
    "badge_text",
    "moment_text",
    "outcome_tone",
    "qdate",
    "qdatetime",
    "time_text",
]

#: The `HistoryEntry` of a row (any column).
ENTRY_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 1
#: The source of a row as its enum (the badge delegate paints from it).
SOURCE_ROLE: Final = int(Qt.ItemDataRole.UserRole) + 2

PAGE: Final = 100
#: Rows kept as entries around the last row looked at (besides the newest page); the rest are
#: read back by id when shown. About 1 kB an entry: a few MB at most, however far one scrolls.
KEEP_ROWS: Final = 2000
#: Rows read back together when one of them is shown again.
BLOCK: Final = 100

Index = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    TIME = 0
    NUMBER = 1
    OUTCOME = 2
    DIRECTION = 3
    SOURCE = 4
    DELIVERY = 5


class Tone(enum.Enum):
    GOOD = "good"
    BAD = "bad"
    PLAIN = "plain"


def outcome_tone(entry: HistoryEntry) -> Tone:
    if entry.status is CallStatus.CONNECTED:
        return Tone.GOOD
    if entry.status in NOT_CONNECTED:
        return Tone.BAD
    return Tone.PLAIN


_OUTCOME_GLYPH: Final = {Tone.GOOD: "✓", Tone.BAD: "✗", Tone.PLAIN: "–"}
_DIRECTION_GLYPH: Final = {
    Direction.OUTGOING: "↗",
    Direction.INCOMING: "↙",
    Direction.MISSED: "↙",
    Direction.UNKNOWN: "?",
}
_DELIVERY_GLYPH: Final = {
    ReportState.SENT: "✓",
    ReportState.QUEUED: "⟳",
    ReportState.DEAD: "⚠",
    ReportState.LOCAL_ONLY: "—",
    ReportState.PENDING: "…",
}


def time_text(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    """Local time: "14:02" today, the day before ("12 Mar"; with the year in another year).
    The full moment is the cell's tooltip."""
    local = moment.astimezone()
    today = (now or dt.datetime.now().astimezone()).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    day = "d MMM" if local.year == today.year else "d MMM yyyy"
    return str(QLocale().toString(qdate(local.date()), day))


def badge_text(source: ActionSource) -> str:
    """The source as its badge says it: a word short enough for a narrow window (the cell's
    tooltip says it whole, `words.source_text`)."""
    table = {
        ActionSource.CRM_UI: translate("HistoryModel", "CRM"),
        ActionSource.NOTIFICATION: translate("HistoryModel", "Notif."),
        ActionSource.HISTORY: translate("HistoryModel", "History"),
        ActionSource.MANUAL: translate("HistoryModel", "Manual"),
    }
    return table.get(source, "?")


def moment_text(moment: dt.datetime) -> str:
    """ "14:02" today, "12 Mar 14:02" another day."""
    day = time_text(moment)
    clock = f"{moment.astimezone():%H:%M}"
    return day if day == clock else f"{day} {clock}"


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def qdatetime(moment: dt.datetime) -> QDateTime:
    """A local QDateTime for an aware moment (shown in the desk's time zone)."""
    local = moment.astimezone()
    return QDateTime(qdate(local.date()), QTime(local.hour, local.minute, local.second))


def _key(entry: HistoryEntry) -> tuple[float, int]:
    """Ascending sort key of the newest-first order (created_at, then id, both descending)."""
    return (-entry.created_at.timestamp(), -entry.id)


class _Keys:
    """The rows' sort keys (`_key`) packed in two arrays: 16 bytes a row, not a tuple of boxed
    numbers (over 100). `bisect` sees a sequence of tuples."""

    def __init__(self, keys: Iterable[tuple[float, int]] = ()) -> None:
        self.when = array.array("d")
        self.ids = array.array("q")
        self.extend(keys)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, row: int) -> tuple[float, int]:
        return (self.when[row], self.ids[row])

    def __delitem__(self, row: int) -> None:
        del self.when[row]
        del self.ids[row]

    def insert(self, row: int, key: tuple[float, int]) -> None:
        self.when.insert(row, key[0])
        self.ids.insert(row, key[1])

    def extend(self, keys: Iterable[tuple[float, int]]) -> None:
        for when, negative_id in keys:
            self.when.append(when)
            self.ids.append(negative_id)

    def row_of(self, call_id: int) -> int | None:
        try:
            return self.ids.index(-call_id)
        except ValueError:
            return None


def _tone_colour(tone: Tone) -> QColor | None:
    if tone is Tone.PLAIN:
        return None
    dark = QGuiApplication.palette().base().color().lightness() < 128
    if tone is Tone.GOOD:
        return QColor("#81c784" if dark else "#2e7d32")
    return QColor("#ef9a9a" if dark else "#c62828")


class HistoryModel(QAbstractTableModel):
    """The history, newest first, filtered; live from the bridge's `callChanged`.

    Signals:
        filterApplied(filters: HistoryFilter): a filter was applied and its first page is in.
        pageFetched(loaded: int): a further page came in (`loaded` rows now).
    """

    filterApplied = Signal(object)
    pageFetched = Signal(int)

    def __init__(
        self,
        bridge: EngineBridge,
        parent: Any = None,
        *,
        page_size: int = PAGE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._page_size = page_size
        self._clock = clock
        self._filters = HistoryFilter()
        #: One per row; None where the entry was let go (read back by id when shown).
        self._rows: list[HistoryEntry | None] = []
        self._keys = _Keys()
        self._loaded_since_trim = 0
        self._cursor: str | None = None
        self._deliveries: dict[int, OutboxItem] = {}
        self._resetting = False
        self._said: dict[object, str] = {}  # words of statuses and sources, per language
        self._colours: dict[Tone, QColor | None] = {}
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._countdown)
        bridge.callChanged.connect(self.entry_changed)

    # -- what the view asks ------------------------------------------------------------------

    @property
    def filters(self) -> HistoryFilter:
        return self._filters

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def entry(self, row: int) -> HistoryEntry:
        entry = self._rows[row]
        return entry if entry is not None else self._read_back(row)

    def row_of(self, call_id: int) -> int | None:
        """The row showing this call, if it is loaded."""
        return self._keys.row_of(call_id)

    def delivery(self, call_id: int) -> OutboxItem | None:
        """The outbox item of a loaded call's report (waiting or refused), if any."""
        return self._deliveries.get(call_id)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        entry = self._rows[index.row()]
        if entry is None:
            entry = self._read_back(index.row())
        column = Column(index.column())
        if role == ENTRY_ROLE:
            return entry
        if role == SOURCE_ROLE:
            return entry.source
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._spoken(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.OUTCOME:
            tone = outcome_tone(entry)
            if tone not in self._colours:
                self._colours[tone] = _tone_colour(tone)
            return self._colours[tone]
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.DIRECTION:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        column = Column(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.DIRECTION:
                return "⇅"
            return self._header(column)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._header(column)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # Not while a reset is being announced: a view asking from its reset handler would
        # insert rows before every listener has heard of the reset.
        return not parent.isValid() and self._cursor is not None and not self._resetting

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        page = self._bridge.engine.history(self._filters, self._cursor, limit=self._page_size)
        self._cursor = page.next_cursor
        fresh = [e for e in page.entries if not self._holds(e)]
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self._keys.extend(_key(e) for e in fresh)
            self._learn_deliveries(fresh)
            self.endInsertRows()
            self._loaded(len(fresh), around=len(self._rows) - 1)
        self.pageFetched.emit(len(self._rows))

    # -- what the view tells it --------------------------------------------------------------

    def set_filter(self, filters: HistoryFilter, *, fresh: bool = False) -> None:
        """Show the calls matching `filters` from the newest (the first page at once).

        A search that only grows (one more digit typed) while every row of the last one is
        loaded asks nothing of the engine: its rows are among those, and `matches` says which
        (exactly what the store would answer). `fresh` asks the engine anyway."""
        if not fresh and self._narrows(filters):
            rows = [e for e in self._rows if e is not None and filters.matches(e)]
            cursor = None
            deliveries = {e.id: self._deliveries[e.id] for e in rows if e.id in self._deliveries}
        else:
            page = self._bridge.engine.history(filters, None, limit=self._page_size)
            rows, cursor, deliveries = list(page.entries), page.next_cursor, None
        self._resetting = True
        try:
            self.beginResetModel()
            self._filters = filters
            self._rows = list[HistoryEntry | None](rows)
            self._keys = _Keys(_key(e) for e in rows)
            self._loaded_since_trim = len(rows)
            self._cursor = cursor
            self._deliveries = deliveries or {}
            if deliveries is None:
                self._learn_deliveries(rows)
            self.endResetModel()
        finally:
            self._resetting = False
        self.filterApplied.emit(filters)

    def _narrows(self, filters: HistoryFilter) -> bool:
        if self._cursor is not None or None in self._rows:
            return False  # not every row of the last search is here
        if dataclasses.replace(filters, number_part=self._filters.number_part) != self._filters:
            return False  # something besides the search changed
        return bool(filters.digits) and self._filters.digits in filters.digits

    def reload(self) -> None:
        """Read the history again from the newest (after the store changed under it)."""
        self.set_filter(self._filters, fresh=True)

    def retranslate(self) -> None:
        """The language or the palette changed: word and colour every cell again."""
        self._said.clear()
        self._colours.clear()
        if self._rows:
            last = self.index(len(self._rows) - 1, len(Column) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Column) - 1)

    def entry_changed(self, entry: HistoryEntry) -> None:
        """A call was received, moved on, or its report moved: update, insert or remove it."""
        key = _key(entry)
        row = bisect.bisect_left(self._keys, key)
        present = row < len(self._keys) and self._keys[row] == key
        if present and not self._filters.matches(entry):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._keys[row]
            self._deliveries.pop(entry.id, None)
            self.endRemoveRows()
            return
        if present:
            self._rows[row] = entry
            self._learn_deliveries([entry], replace=True)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))
            return
        if not self._filters.matches(entry):
            return
        if row == len(self._rows) and self._cursor is not None:
            return  # older than anything loaded: it comes with its page
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, entry)
        self._keys.insert(row, key)
        self._learn_deliveries([entry], replace=True)
        self.endInsertRows()

    # -- inside ------------------------------------------------------------------------------

    def _holds(self, entry: HistoryEntry) -> bool:
        key = _key(entry)
        row = bisect.bisect_left(self._keys, key)
        return row < len(self._keys) and self._keys[row] == key

    def _read_back(self, row: int) -> HistoryEntry:
        """Read the let-go entries of `row`'s block back (one query), keeping the rest near."""
        first = row - row % BLOCK
        rows = range(first, min(first + BLOCK, len(self._rows)))
        wanted = [-self._keys.ids[r] for r in rows if self._rows[r] is None]
        found = self._bridge.engine.entries(wanted)
        for r in rows:
            if self._rows[r] is None:
                self._rows[r] = found.get(-self._keys.ids[r])
        entry = self._rows[row]
        if entry is None:  # gone from the store under us: read everything again
            raise LookupError(f"history row {row} is no longer in the store")
        self._loaded(len(found), around=row)
        return entry

    def _loaded(self, count: int, *, around: int) -> None:
        """`count` more entries are held: past `KEEP_ROWS`, let go of all but those near
        `around` and the newest page (where calls arrive and change)."""
        self._loaded_since_trim += count
        if self._loaded_since_trim <= KEEP_ROWS:
            return
        low = max(self._page_size, around - KEEP_ROWS // 2)
        high = min(len(self._rows), max(low, around + KEEP_ROWS // 2))
        if low > self._page_size:
            self._rows[self._page_size : low] = [None] * (low - self._page_size)
        if high < len(self._rows):
            self._rows[high:] = [None] * (len(self._rows) - high)
        self._loaded_since_trim = high - low + self._page_size

    def _learn_deliveries(self, entries: list[HistoryEntry], *, replace: bool = False) -> None:
        on_the_way = (ReportState.QUEUED, ReportState.DEAD)
        waiting = [e.id for e in entries if e.report_state in on_the_way]
        if replace:
            for entry in entries:
                self._deliveries.pop(entry.id, None)
        if waiting:
            self._deliveries.update(self._bridge.engine.deliveries(waiting))
        counting = any(not item.is_dead for item in self._deliveries.values())
        if counting and not self._tick.isActive():
            self._tick.start()
        elif not counting:
            self._tick.stop()

    def _countdown(self) -> None:
        now = self._clock()
        due = {cid for cid, item in self._deliveries.items() if not item.is_dead}
        if not due:
            self._tick.stop()
            return
        for call_id in sorted(due):
            row = self._keys.row_of(call_id)
            if row is not None and self._deliveries[call_id].next_attempt_at >= now - 1:
                index = self.index(row, Column.DELIVERY)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    def _next_try_in(self, entry: HistoryEntry) -> float | None:
        item = self._deliveries.get(entry.id)
        if item is None or item.is_dead or entry.report_state is not ReportState.QUEUED:
            return None
        return item.next_attempt_at - self._clock()

    def _display(self, entry: HistoryEntry, column: Column) -> str:
        """What a cell shows: short, as the window is narrow (the tooltip says it whole)."""
        if column is Column.TIME:
            return time_text(entry.created_at)
        if column is Column.NUMBER:
            return shown_number(entry.phone)
        if column is Column.OUTCOME:
            if entry.status is None:
                return "… " + call_summary(entry)
            if entry.status is CallStatus.CONNECTED and entry.duration_s:
                return "✓ " + duration_text(entry.duration_s)  # the tick says connected
            said = self._said.get(entry.status)
            if said is None:
                glyph = _OUTCOME_GLYPH[outcome_tone(entry)]
                said = self._said[entry.status] = f"{glyph} {status_text(entry.status)}"
            return said
        if column is Column.DIRECTION:
            return _DIRECTION_GLYPH.get(entry.direction, "") if entry.direction else ""
        if column is Column.SOURCE:
            said = self._said.get(entry.source)
            if said is None:
                said = self._said[entry.source] = badge_text(entry.source)
            return said
        return self._delivery_short(entry)

    def _delivery_short(self, entry: HistoryEntry) -> str:
        state = entry.report_state
        item = self._deliveries.get(entry.id)
        if state is ReportState.SENT:
            return "✓ " + translate("HistoryModel", "Sent")
        if state is ReportState.LOCAL_ONLY:
            return "— " + translate("HistoryModel", "Local")
        if state is ReportState.DEAD:
            if item is None:
                return "⚠ " + translate("HistoryModel", "Discarded")
            return "⚠ " + translate("HistoryModel", "Refused")
        if state is ReportState.QUEUED:
            next_try = self._next_try_in(entry)
            if next_try is not None and next_try > 0:
                return "⟳ " + translate("HistoryModel", "%1 s").replace("%1", str(round(next_try)))
            return "⟳ " + translate("HistoryModel", "Waiting")
        return "…"

    def _spoken(self, entry: HistoryEntry, column: Column) -> str:
        if column is Column.TIME:
            return str(QLocale().toString(qdatetime(entry.created_at), "d MMMM yyyy, HH:mm:ss"))
        if column is Column.NUMBER:
            return shown_number(entry.phone)
        if column is Column.OUTCOME:
            why = reason_text(entry.reason, entry.reason_detail)
            return f"{call_summary(entry)} — {why}" if why else call_summary(entry)
        if column is Column.DIRECTION:
            return direction_text(entry.direction)
        if column is Column.SOURCE:
            return source_text(entry.source)
        return self._delivery_words(entry)

    def _delivery_words(self, entry: HistoryEntry) -> str:
        item = self._deliveries.get(entry.id)
        if entry.report_state is ReportState.DEAD and item is None:
            return translate("HistoryModel", "Refused, then discarded: %1").replace(
                "%1", entry.report_error or ""
            )
        text = delivery_text(entry, self._next_try_in(entry))
        if item is not None and item.last_error and not item.is_dead:
            text += " — " + translate("HistoryModel", "last try: %1").replace("%1", item.last_error)
        return text

    @staticmethod
    def _header(column: Column) -> str:
        return {
            Column.TIME: translate("HistoryModel", "Time"),
            Column.NUMBER: translate("HistoryModel", "Number"),
            Column.OUTCOME: translate("HistoryModel", "Outcome"),
            Column.DIRECTION: translate("HistoryModel", "Direction"),
            Column.SOURCE: translate("HistoryModel", "Source"),
            Column.DELIVERY: translate("HistoryModel", "CRM"),
        }[column]

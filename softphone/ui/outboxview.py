"""The outbox, as diagnostics shows it: what waits to be sent to the CRM, and the dead letters —
items the CRM refused for good (or that could not be delivered in time) — each with the reason,
to retry or discard.

Fed by the status (`show_status`): the dead letters come in it. Retry and discard are the
engine's `retry_dead` / `discard_dead`, run through the bridge.
"""

from __future__ import annotations

import datetime as dt
import time

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from softphone.engine import EngineStatus
from softphone.store import OutboxItem, OutboxKind
from softphone.ui.bridge import EngineBridge
from softphone.ui.words import call_summary, shown_number

translate = QCoreApplication.translate

__all__ = ["OutboxView"]

_ID = Qt.ItemDataRole.UserRole


def when_text(moment: float | None) -> str:
    """A local time: "14:02" today, "12.03 14:02" before."""
    if not moment:
        return ""
    stamp = dt.datetime.fromtimestamp(moment)
    if stamp.date() == dt.date.today():
        return stamp.strftime("%H:%M:%S")
    return stamp.strftime("%d.%m %H:%M")


class OutboxView(QWidget):
    """Pending items in a line, dead letters in a list with Retry and Discard."""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outboxView")
        self._bridge = bridge
        self._status: EngineStatus | None = None
        self._pending = QLabel(self)
        self._pending.setObjectName("outboxPending")
        self._pending.setWordWrap(True)
        self._last_error = QLabel(self)
        self._last_error.setObjectName("outboxLastError")
        self._last_error.setWordWrap(True)
        self._last_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._dead_title = QLabel(self)
        self._dead_title.setObjectName("deadLettersTitle")
        self._dead_title.setWordWrap(True)
        self.dead = QTreeWidget(self)
        self.dead.setObjectName("deadLettersView")
        self.dead.setColumnCount(2)
        self.dead.setRootIsDecorated(False)
        self.dead.setUniformRowHeights(False)
        self.dead.setWordWrap(True)
        self.dead.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.dead.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.dead.itemSelectionChanged.connect(self._selection)
        self._retry = QPushButton(self)
        self._retry.setObjectName("deadRetryButton")
        self._retry.clicked.connect(self.retry_selected)
        self._discard = QPushButton(self)
        self._discard.setObjectName("deadDiscardButton")
        self._discard.clicked.connect(self.discard_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self._retry)
        buttons.addWidget(self._discard)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.addWidget(self._pending)
        column.addWidget(self._last_error)
        column.addSpacing(6)
        column.addWidget(self._dead_title)
        column.addWidget(self.dead, 1)
        column.addLayout(buttons)
        self._selection()
        self.retranslate()

    def retranslate(self) -> None:
        self.dead.setHeaderLabels(
            [
                translate("OutboxView", "Refused"),
                translate("OutboxView", "What, and why the CRM refused it"),
            ]
        )
        self.dead.setAccessibleName(translate("OutboxView", "Items the CRM refused"))
        self._retry.setText(translate("OutboxView", "Send again"))
        self._retry.setAccessibleName(translate("OutboxView", "Send the chosen items again"))
        self._discard.setText(translate("OutboxView", "Discard"))
        self._discard.setAccessibleName(translate("OutboxView", "Discard the chosen items"))
        self._discard.setToolTip(
            translate("OutboxView", "The CRM never gets a discarded result; the history keeps it.")
        )
        if self._status is not None:
            self.show_status(self._status, force=True)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- showing -----------------------------------------------------------------------------

    def show_status(self, status: EngineStatus, *, force: bool = False) -> None:
        before = self._status
        self._status = status
        sync = status.sync
        if sync.outbox_pending:
            text = translate(
                "OutboxView", "Waiting to be sent to the CRM: %n", "", sync.outbox_pending
            )
            if sync.outbox_next_at and sync.outbox_next_at > time.time() + 1:
                text += " · " + translate("OutboxView", "next try at %1").replace(
                    "%1", when_text(sync.outbox_next_at)
                )
        else:
            text = translate("OutboxView", "Nothing waits to be sent.")
        self._pending.setText(text)
        self._last_error.setText(
            translate("OutboxView", "Last error: %1").replace("%1", sync.last_error)
            if sync.last_error
            else ""
        )
        self._last_error.setVisible(bool(sync.last_error))
        self._dead_title.setText(
            translate(
                "OutboxView",
                "Refused by the CRM for good (%n): send again or discard.",
                "",
                len(status.dead_letters),
            )
            if status.dead_letters
            else translate("OutboxView", "Nothing was refused by the CRM.")
        )
        if force or before is None or before.dead_letters != status.dead_letters:
            self._fill(status.dead_letters)

    def _fill(self, items: tuple[OutboxItem, ...]) -> None:
        chosen = set(self.selected_ids())
        self.dead.clear()
        for item in sorted(items, key=lambda i: i.dead_at or i.created_at, reverse=True):
            why = item.last_error or translate("OutboxView", "no reason given")
            row = QTreeWidgetItem(
                [when_text(item.dead_at or item.created_at), f"{self._what(item)}\n{why}"]
            )
            row.setData(0, _ID, item.id)
            row.setToolTip(1, why)
            self.dead.addTopLevelItem(row)
            row.setSelected(item.id in chosen)
        self._selection()

    def _what(self, item: OutboxItem) -> str:
        if item.kind is OutboxKind.RESULT:
            if item.call_id is not None:
                try:
                    entry = self._bridge.engine.entry(item.call_id)
                except KeyError:
                    entry = None
                if entry is not None:
                    return (
                        translate("OutboxView", "Result: %1, %2")
                        .replace("%1", shown_number(entry.phone))
                        .replace("%2", call_summary(entry))
                    )
            return translate("OutboxView", "A call's result")
        return {
            OutboxKind.HEARTBEAT: translate("OutboxView", "Heartbeat"),
            OutboxKind.TELEMETRY: translate("OutboxView", "Telemetry"),
            OutboxKind.LOG: translate("OutboxView", "Part of a support report"),
        }.get(item.kind, translate("OutboxView", "An item of a newer Softphone"))

    # -- retry and discard -------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        return [int(row.data(0, _ID)) for row in self.dead.selectedItems()]

    def retry_selected(self) -> None:
        for item_id in self.selected_ids():
            self._bridge.run(self._bridge.engine.retry_dead(item_id), "send again")

    def discard_selected(self) -> None:
        for item_id in self.selected_ids():
            self._bridge.run(self._bridge.engine.discard_dead(item_id), "discard")

    def _selection(self) -> None:
        chosen = bool(self.dead.selectedItems())
        self._retry.setEnabled(chosen)
        self._discard.setEnabled(chosen)

"""The current call, and the card that asks "call this?" when auto-dial is off.

`CurrentCall` is shown only while there is a call: the number, where it came from, what the
phone is doing, a timer, Hang up (Esc), and how many more wait. `ConfirmCard` is shown while a
CRM command waits for the operator: Enter calls, Esc dismisses. Both draw from the engine's
status; the timer is the only thing that ticks here.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from softphone.engine import EngineStatus
from softphone.model import CallPhase, HistoryEntry
from softphone.ui.words import duration_text, phase_text, shown_number, source_text

translate = QCoreApplication.translate

__all__ = ["ConfirmCard", "CurrentCall"]


def _big(label: QLabel) -> None:
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)


class CurrentCall(QFrame):
    """The call in progress. `show_status(status)` shows it (or hides the panel).

    Signals:
        hangUpRequested(): the operator pressed Hang up (or Esc in the window).
    """

    hangUpRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("currentCall")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._entry: HistoryEntry | None = None
        self._queued = 0
        self._number = QLabel(self)
        self._number.setObjectName("currentCallNumber")
        _big(self._number)
        self._what = QLabel(self)
        self._what.setObjectName("currentCallPhase")
        self._timer_label = QLabel(self)
        self._timer_label.setObjectName("currentCallTimer")
        self._next = QLabel(self)
        self._next.setObjectName("currentCallQueue")
        self._hang_up = QPushButton(self)
        self._hang_up.setObjectName("hangUpButton")
        self._hang_up.clicked.connect(self.hangUpRequested)
        top = QHBoxLayout()
        top.addWidget(self._number)
        top.addWidget(self._timer_label)
        top.addStretch(1)
        top.addWidget(self._hang_up)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 6, 10, 6)
        column.addLayout(top)
        column.addWidget(self._what)
        column.addWidget(self._next)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show_time)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self._hang_up.setText(translate("CurrentCall", "Hang up (Esc)"))
        self._hang_up.setAccessibleName(translate("CurrentCall", "Hang up"))
        if self._entry is not None:
            self._show(self._entry, self._queued)

    @property
    def entry(self) -> HistoryEntry | None:
        return self._entry

    def elapsed_text(self) -> str:
        return self._timer_label.text()

    def show_status(self, status: EngineStatus) -> None:
        queued = sum(1 for w in status.waiting if w.phase is CallPhase.RECEIVED)
        current = status.current_call
        if current is None:
            self._entry = None
            self._tick.stop()
            self.hide()
            return
        self._show(current, queued)

    def _show(self, entry: HistoryEntry, queued: int) -> None:
        self._entry = entry
        self._queued = queued
        self._number.setText("☎ " + shown_number(entry.phone))
        self._what.setText(f"{source_text(entry.source)} · {phase_text(entry.phase)}")
        self._next.setVisible(queued > 0)
        self._next.setText(translate("CurrentCall", "next: %n more waiting", "", queued))
        self._show_time()
        if not self._tick.isActive():
            self._tick.start()
        self.show()

    def _show_time(self) -> None:
        entry = self._entry
        if entry is None:
            return
        since = entry.dialled_at or entry.created_at
        seconds = (dt.datetime.now(dt.UTC) - since).total_seconds()
        self._timer_label.setText(duration_text(seconds))


class ConfirmCard(QFrame):
    """A CRM command waiting for the operator's yes (auto-dial off).

    Signals:
        confirmed(call_id: int): Call now (Enter).
        dismissed(call_id: int): Dismiss (Esc).
    """

    confirmed = Signal(int)
    dismissed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._entry: HistoryEntry | None = None
        self._more = 0
        self._question = QLabel(self)
        self._question.setObjectName("confirmQuestion")
        _big(self._question)
        self._note = QLabel(self)
        self._note.setObjectName("confirmNote")
        self._note.setWordWrap(True)
        self._call = QPushButton(self)
        self._call.setObjectName("callNowButton")
        self._call.setDefault(True)
        self._call.clicked.connect(self._confirm)
        self._dismiss = QPushButton(self)
        self._dismiss.setObjectName("dismissButton")
        self._dismiss.clicked.connect(self._dismissed)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self._dismiss)
        buttons.addWidget(self._call)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 6, 10, 6)
        column.addWidget(self._question)
        column.addWidget(self._note)
        column.addLayout(buttons)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self._call.setText(translate("ConfirmCard", "Call now (Enter)"))
        self._call.setAccessibleName(translate("ConfirmCard", "Call now"))
        self._dismiss.setText(translate("ConfirmCard", "Dismiss (Esc)"))
        self._dismiss.setAccessibleName(translate("ConfirmCard", "Dismiss"))
        if self._entry is not None:
            self._show(self._entry, self._more)

    @property
    def entry(self) -> HistoryEntry | None:
        return self._entry

    def show_status(self, status: EngineStatus) -> None:
        asking = [w for w in status.waiting if w.phase is CallPhase.AWAITING_CONFIRMATION]
        if not asking or status.current_call is not None:
            self._entry = None
            self.hide()
            return
        self._show(asking[0], len(asking) - 1)

    def _show(self, entry: HistoryEntry, more: int) -> None:
        self._entry, self._more = entry, more
        self._question.setText(
            translate("ConfirmCard", "Call %1 (%2)?")
            .replace("%1", shown_number(entry.phone))
            .replace("%2", source_text(entry.source))
        )
        parts = [entry.note] if entry.note else []
        if more:
            parts.append(translate("ConfirmCard", "%n more waiting", "", more))
        self._note.setText(" · ".join(parts))
        self._note.setVisible(bool(parts))
        self.show()
        self._call.setFocus(Qt.FocusReason.OtherFocusReason)

    def _confirm(self) -> None:
        if self._entry is not None:
            self.confirmed.emit(self._entry.id)

    def _dismissed(self) -> None:
        if self._entry is not None:
            self.dismissed.emit(self._entry.id)

"""The status strip: one line at the top of the window that answers "am I ready?".

Colour (with a glyph: colour is never the only signal) and words: who is signed in, to which
server, with which phone; when something is wrong, the one thing to fix and a button for it;
while the CRM holds requests back, a countdown to the next one; results waiting to be sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import urllib.parse

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QWidget

from softphone.engine import EngineStatus, Readiness
from softphone.problems import Area, Problem, ProblemKind
from softphone.ui.icons import readiness_pixmap
from softphone.ui.words import problem_text

translate = QCoreApplication.translate

__all__ = ["StatusStrip", "StripAction", "StripState", "strip_state"]


class StripAction(enum.Enum):
    """What the strip's button does."""

    NONE = "none"
    PHONE = "phone"  # show the phone guidance
    SIGN_IN = "sign_in"
    DIAGNOSTICS = "diagnostics"


@dataclasses.dataclass(frozen=True, slots=True)
class StripState:
    readiness: Readiness
    text: str
    action: StripAction
    #: The problem the text is about (None when all is well).
    problem: Problem | None = None
    #: A countdown runs to this wall time (a hold on requests).
    until: float | None = None
    #: Who is signed in, where, with which phone (the tooltip when the text says more).
    who: str = ""


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or url


def strip_state(status: EngineStatus) -> StripState:
    """What the strip says for a status (pure: the tests and the tray use it too)."""
    readiness = status.readiness
    problems = status.problems
    if readiness is Readiness.NOT_READY:
        blocking = problems[0] if problems else Problem(ProblemKind.PHONE_NONE)
        action = {
            Area.PHONE: StripAction.PHONE,
            Area.SESSION: StripAction.SIGN_IN,
        }.get(blocking.area, StripAction.NONE)
        return StripState(readiness, problem_text(blocking), action, blocking)
    sync, phone = status.sync, status.phone
    who = " · ".join(
        part for part in (sync.username, _host(sync.server_url), phone.model or "") if part
    )
    problem = problems[0] if problems else None
    action = StripAction.NONE
    until = None
    for candidate in problems:
        if candidate.kind in (ProblemKind.RATE_LIMITED, ProblemKind.RATE_LIMIT_SHARED):
            until = candidate.params.get("until")
        if candidate.area is Area.PHONE and action is StripAction.NONE:
            action = StripAction.PHONE
        elif candidate.kind is ProblemKind.RESULTS_REFUSED and action is StripAction.NONE:
            action = StripAction.DIAGNOSTICS
    if problem is not None:
        # Degraded: the one thing that is not right says more than who and where.
        text = translate("StatusStrip", "Ready, but: %1").replace("%1", problem_text(problem))
    elif sync.outbox_pending:
        text = translate(
            "StatusStrip", "Ready — %n result(s) waiting to be sent", "", sync.outbox_pending
        )
    else:
        text = translate("StatusStrip", "Ready — %1").replace("%1", who)
    return StripState(readiness, text, action, problem, until, who)


class StatusStrip(QWidget):
    """The strip. `update_status(status)` redraws it; `actionRequested` says what to open.

    Signals:
        actionRequested(action: StripAction): the strip's button was pressed.
        settingsRequested(): the gear was pressed.
    """

    actionRequested = Signal(object)
    settingsRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusStrip")
        self.setAutoFillBackground(True)
        self._state: StripState | None = None
        self._status: EngineStatus | None = None
        self._action_hidden = False
        self._dot = QLabel(self)
        self._dot.setObjectName("statusDot")
        self._text = QLabel(self)
        self._text.setObjectName("statusText")
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._button = QPushButton(self)
        self._button.setObjectName("statusAction")
        self._button.clicked.connect(self._act)
        self._gear = QToolButton(self)
        self._gear.setObjectName("settingsButton")
        self._gear.setText("⚙")
        self._gear.clicked.connect(self.settingsRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self._dot)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._button)
        layout.addWidget(self._gear)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._redraw)
        self.retranslate()

    def retranslate(self) -> None:
        self._gear.setToolTip(translate("StatusStrip", "Settings (Ctrl+,)"))
        self._gear.setAccessibleName(translate("StatusStrip", "Settings"))
        self._button.setAccessibleName(translate("StatusStrip", "Fix the problem"))
        self._text.setAccessibleName(translate("StatusStrip", "Status"))
        self._redraw()

    @property
    def state(self) -> StripState | None:
        return self._state

    def text(self) -> str:
        return self._text.text()

    def update_status(self, status: EngineStatus) -> None:
        self._status = status
        self._redraw()

    def _redraw(self) -> None:
        if self._status is None:
            return
        state = strip_state(self._status)
        self._state = state
        ratio = self.devicePixelRatioF()
        self._dot.setPixmap(readiness_pixmap(state.readiness, 16, ratio))
        self._dot.setAccessibleName(
            {
                Readiness.READY: translate("StatusStrip", "Ready"),
                Readiness.DEGRADED: translate("StatusStrip", "Working, with a problem"),
                Readiness.NOT_READY: translate("StatusStrip", "Not ready"),
            }[state.readiness]
        )
        self._text.setText(state.text)
        self._text.setToolTip(state.who)
        labels = {
            StripAction.PHONE: translate("StatusStrip", "How to fix"),
            StripAction.SIGN_IN: translate("StatusStrip", "Sign in"),
            StripAction.DIAGNOSTICS: translate("StatusStrip", "Diagnostics"),
        }
        self._button.setVisible(state.action in labels and not self._action_hidden)
        self._button.setText(labels.get(state.action, ""))
        if state.until is not None and state.until > dt.datetime.now().timestamp():
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()

    def hide_action(self, hidden: bool) -> None:
        """Hide the button while what it opens is already shown."""
        self._action_hidden = hidden
        self._redraw()

    def _act(self) -> None:
        if self._state is not None:
            self.actionRequested.emit(self._state.action)

"""Putting the history and the dial bar into the window (issue 11): the dial bar above the
current call, the history as the body, "Today" in the footer, and their keys —

    Ctrl+L  the dial bar          Ctrl+F  the search
    Ctrl+E  export the calls shown        (Ctrl+Shift+V "Call from clipboard" is the window's)

`install_history(window)` is the one line `build_window` adds; everything here talks to the
engine through the window's bridge.
"""

from __future__ import annotations

import dataclasses
import itertools
from concurrent.futures import Executor

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from softphone.model import ActionSource
from softphone.ui.dialbar import DialBar
from softphone.ui.historyview import HistoryPane
from softphone.ui.mainwindow import MainWindow
from softphone.ui.today import TodayFigures

translate = QCoreApplication.translate

__all__ = ["HistoryScreens", "install_history"]


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryScreens:
    """What `install_history` put into the window."""

    dial_bar: DialBar
    pane: HistoryPane
    today: TodayFigures
    actions: HistoryActions


class HistoryActions(QObject):
    """The window-wide actions of the history: their words follow the language."""

    def __init__(self, window: MainWindow, dial: DialBar, pane: HistoryPane) -> None:
        super().__init__(window)
        self.dial = QAction(window)
        self.dial.setObjectName("dialAction")
        self.dial.setShortcut(QKeySequence("Ctrl+L"))
        self.dial.triggered.connect(dial.focus)
        self.search = QAction(window)
        self.search.setObjectName("searchAction")
        self.search.setShortcut(QKeySequence.StandardKey.Find)
        self.search.triggered.connect(lambda: _focus_search(pane))
        self.export = QAction(window)
        self.export.setObjectName("exportAction")
        self.export.setShortcut(QKeySequence("Ctrl+E"))
        self.export.triggered.connect(pane.ask_export)
        for action in (self.dial, self.search, self.export):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.add_action(action)
        window.installEventFilter(self)
        self.retranslate()

    def retranslate(self) -> None:
        self.dial.setText(translate("HistoryActions", "Dial a number"))
        self.search.setText(translate("HistoryActions", "Search the history"))
        self.export.setText(translate("HistoryActions", "Export the calls shown…"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False


def _focus_search(pane: HistoryPane) -> None:
    pane.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
    pane.search.selectAll()


def install_history(window: MainWindow, executor: Executor | None = None) -> HistoryScreens:
    """Attach the dial bar, the history and "Today" to `window`; `executor` writes exports
    (None: the loop's default thread pool)."""
    bridge = window.bridge
    dial = DialBar(bridge, window)
    dial.callRequested.connect(lambda number: window.call_number(number, ActionSource.MANUAL))
    window.set_dial_bar(dial)
    pane = HistoryPane(bridge, window.ui_state, executor, window)
    pane.noticed.connect(window.notice)
    window.set_body(pane)
    today = TodayFigures(bridge, window)
    window.add_footer(today)
    # The footer yields to a passing notice, which shares the status bar with it.
    window.statusBar().messageChanged.connect(lambda text: today.setVisible(not text))
    actions = HistoryActions(window, dial, pane)
    _tab_order(
        [
            dial.input,
            dial.button,
            window.current_call.findChild(QWidget, "hangUpButton"),
            window.confirm_card.findChild(QWidget, "dismissButton"),
            window.confirm_card.findChild(QWidget, "callNowButton"),
            pane.search,
        ]
    )
    return HistoryScreens(dial, pane, today, actions)


def _tab_order(widgets: list[QWidget | None]) -> None:
    """Tab goes down the window as the picture does: dial bar, current call, history."""
    chain = [w for w in widgets if w is not None]
    for first, second in itertools.pairwise(chain):
        QWidget.setTabOrder(first, second)

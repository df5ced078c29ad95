"""The operator's window: one window, three layers of attention (ui.md).

    status strip        am I ready? (colour + words; the one thing to fix and a button)
    [sign-in page]      while there is no session: replaces everything below
    dial bar            (installed by the history module)
    current call / card the call in progress, or "Call +7 …?" when auto-dial is off
    body                phone guidance while no phone is usable, else the history
    footer              today's figures (in the status bar, beside transient notices)

The window is a view of the engine through `EngineBridge`: it redraws on the bridge's signals
and runs the engine's commands through it. Screens of other modules attach through `set_body`,
`set_dial_bar`, `add_footer`, `add_action`; window state (geometry, the last filter…) is kept
in `ui_state` (a QSettings file beside the settings), apart from the settings themselves.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from softphone.engine import EngineStatus, SettingsRefused
from softphone.model import ActionSource, CallPhase, HistoryEntry
from softphone.numbers import find_number
from softphone.problems import Problem
from softphone.ui.bridge import EngineBridge
from softphone.ui.callpanel import ConfirmCard, CurrentCall
from softphone.ui.icons import app_icon
from softphone.ui.phonepage import PhonePage
from softphone.ui.signin import SignInPage
from softphone.ui.statusstrip import StatusStrip, StripAction
from softphone.ui.tray import Tray
from softphone.ui.words import problem_text, shown_number

log = logging.getLogger("softphone.ui")
translate = QCoreApplication.translate

__all__ = ["MainWindow"]

DEFAULT_SIZE = (460, 720)


class MainWindow(QMainWindow):
    """The window. Built by `softphone.ui.app.build_window`.

    Signals:
        quitRequested(): the operator asked to quit (menu, tray, or closing without a tray).
        settingsRequested(): the gear, or Ctrl+, (the settings dialog opens on it).
        diagnosticsRequested(): the strip's "Diagnostics" (F1 opens it too).
    """

    quitRequested = Signal()
    settingsRequested = Signal()
    diagnosticsRequested = Signal()

    def __init__(
        self,
        bridge: EngineBridge,
        sign_in: SignInPage,
        tray: Tray,
        ui_state: QSettings,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())
        self.bridge = bridge
        self.tray = tray
        self.ui_state = ui_state
        self._phone_wanted = False  # the operator opened the phone guidance from the strip
        self._seen_phases: dict[int, CallPhase] = {}

        self.strip = StatusStrip(self)
        self.strip.actionRequested.connect(self._strip_action)
        self.strip.settingsRequested.connect(self.settingsRequested)
        self.sign_in = sign_in
        self.current_call = CurrentCall(self)
        self.current_call.hangUpRequested.connect(self.hang_up)
        self.confirm_card = ConfirmCard(self)
        self.confirm_card.confirmed.connect(self.confirm)
        self.confirm_card.dismissed.connect(self.dismiss)
        self.phone_page = PhonePage(self)
        self.phone_page.recheckRequested.connect(self._recheck)
        self.phone_page.phoneChosen.connect(self._choose_phone)
        self.phone_page.backRequested.connect(self._phone_back)

        self._dial_slot = QVBoxLayout()
        self._dial_slot.setContentsMargins(0, 0, 0, 0)
        self._body = QStackedWidget(self)
        self._body.setObjectName("body")
        self._body.addWidget(self.phone_page)
        self._history: QWidget = QLabel(self)  # until the history is installed
        self._body.addWidget(self._history)

        work = QWidget(self)
        work.setObjectName("workPage")
        column = QVBoxLayout(work)
        column.setContentsMargins(6, 4, 6, 0)
        column.addLayout(self._dial_slot)
        column.addWidget(self.current_call)
        column.addWidget(self.confirm_card)
        column.addWidget(self._body, 1)
        self._pages = QStackedWidget(self)
        self._pages.addWidget(self.sign_in)
        self._pages.addWidget(work)
        self._work = work

        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.strip)
        outer.addWidget(self._pages, 1)
        self.setCentralWidget(central)
        self.statusBar().setSizeGripEnabled(True)

        self._build_menus()
        self._build_shortcuts()
        tray.showRequested.connect(self.bring_forward)
        tray.callFromClipboard.connect(self.call_from_clipboard)
        tray.autoDialToggled.connect(self.set_auto_dial)
        tray.quitRequested.connect(self.quitRequested)
        tray.callConfirmed.connect(lambda call_id: self.confirm(call_id))
        tray.notifications_on = bridge.engine.settings.notifications

        bridge.statusChanged.connect(self._redraw)
        bridge.callChanged.connect(self._call_changed)
        bridge.settingsChanged.connect(self._settings_changed)
        bridge.failed.connect(self._command_failed)
        self.resize(*DEFAULT_SIZE)
        self.retranslate()
        self._redraw(bridge.refresh_status())

    # -- building ----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.app_menu = QMenu(self)
        self.help_menu = QMenu(self)
        bar.addMenu(self.app_menu)
        bar.addMenu(self.help_menu)
        self.clipboard_action = QAction(self)
        self.clipboard_action.setShortcut(QKeySequence("Ctrl+Shift+V"))
        self.clipboard_action.triggered.connect(self.call_from_clipboard)
        self.auto_dial_action = QAction(self)
        self.auto_dial_action.setCheckable(True)
        self.auto_dial_action.toggled.connect(self.set_auto_dial)
        self.sign_out_action = QAction(self)
        self.sign_out_action.triggered.connect(self.sign_out)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.quitRequested)
        for action in (self.clipboard_action, self.auto_dial_action):
            self.app_menu.addAction(action)
        self._app_extra = self.app_menu.addSeparator()
        self.app_menu.addAction(self.sign_out_action)
        self.app_menu.addAction(self.quit_action)

    def _build_shortcuts(self) -> None:
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WindowShortcut)
        escape.activated.connect(self._escape)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self.confirm_card)
            enter.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            enter.activated.connect(self._enter_on_card)

    def retranslate(self) -> None:
        self.setWindowTitle("Softphone")
        self.app_menu.setTitle(translate("MainWindow", "&Softphone"))
        self.help_menu.setTitle(translate("MainWindow", "&Help"))
        self.clipboard_action.setText(translate("MainWindow", "Call from clipboard"))
        self.auto_dial_action.setText(translate("MainWindow", "Dial CRM commands at once"))
        self.sign_out_action.setText(translate("MainWindow", "Sign out"))
        self.quit_action.setText(translate("MainWindow", "Quit"))
        for widget in (
            self.strip,
            self.sign_in,
            self.current_call,
            self.confirm_card,
            self.phone_page,
        ):
            widget.retranslate()
        self.tray.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- what other screens attach -----------------------------------------------------------

    def set_body(self, widget: QWidget) -> None:
        """The body shown when the phone is usable (the history)."""
        self._body.removeWidget(self._history)
        self._history.deleteLater()
        self._history = widget
        self._body.addWidget(widget)
        self._redraw(self.bridge.status)

    def set_dial_bar(self, widget: QWidget) -> None:
        self._dial_slot.addWidget(widget)

    def add_footer(self, widget: QWidget) -> None:
        self.statusBar().addPermanentWidget(widget, 1)

    def add_action(self, action: QAction, menu: str = "app") -> None:
        """An action in a menu ("app" before Sign out, or "help")."""
        if menu == "help":
            self.help_menu.addAction(action)
        else:
            self.app_menu.insertAction(self._app_extra, action)
        self.addAction(action)  # its shortcut works wherever the focus is in the window

    def notice(self, text: str) -> None:
        """A passing message at the bottom of the window."""
        self.statusBar().showMessage(text, 6000)

    # -- redrawing ---------------------------------------------------------------------------

    @property
    def page(self) -> str:
        """ "sign_in", "phone" or "history": what the window shows now."""
        if self._pages.currentWidget() is self.sign_in:
            return "sign_in"
        return "phone" if self._body.currentWidget() is self.phone_page else "history"

    def _redraw(self, status: EngineStatus) -> None:
        self.strip.update_status(status)
        self.tray.update_status(status)
        signed_in = status.sync.signed_in
        if not signed_in:
            if self._pages.currentWidget() is not self.sign_in:
                self._pages.setCurrentWidget(self.sign_in)
            if self.isVisible():
                self.sign_in.start()
        else:
            if self._pages.currentWidget() is self.sign_in:
                self.sign_in.stop()
                self._pages.setCurrentWidget(self._work)
        phone = status.phone
        self.phone_page.show_phone(phone)
        if not phone.ready or self._phone_wanted:
            self._body.setCurrentWidget(self.phone_page)
        else:
            self._body.setCurrentWidget(self._history)
        on_phone_page = self._body.currentWidget() is self.phone_page
        on_sign_in = self._pages.currentWidget() is self.sign_in
        self.strip.hide_action(on_phone_page or on_sign_in)
        self.current_call.show_status(status)
        self.confirm_card.show_status(status)
        if self.auto_dial_action.isChecked() != status.auto_dial:
            self.auto_dial_action.blockSignals(True)
            self.auto_dial_action.setChecked(status.auto_dial)
            self.auto_dial_action.blockSignals(False)

    def _call_changed(self, entry: HistoryEntry) -> None:
        """Notifications: a command arriving or waiting, and each result (said once each)."""
        before = self._seen_phases.get(entry.id)
        self._seen_phases[entry.id] = entry.phase
        if before is entry.phase:
            return
        if entry.source in (ActionSource.CRM_UI, ActionSource.NOTIFICATION) and before is None:
            self.tray.notify_call(entry)
        elif entry.phase is CallPhase.RESOLVED:
            self.tray.notify_call(entry)
            self._seen_phases.pop(entry.id, None)

    def _settings_changed(self, settings: object, changed: frozenset[str]) -> None:
        self.tray.notifications_on = self.bridge.engine.settings.notifications

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        if self._pages.currentWidget() is self.sign_in:
            self.sign_in.start()

    def hideEvent(self, event: object) -> None:
        super().hideEvent(event)  # type: ignore[arg-type]
        self.sign_in.stop()

    # -- commands ----------------------------------------------------------------------------

    def hang_up(self) -> None:
        task = self.bridge.run(self.bridge.engine.hang_up(), "hang up")

        def done(_task: object) -> None:
            if not task.cancelled() and task.exception() is None:
                problem: Problem | None = task.result()
                if problem is not None:
                    self.notice(
                        translate("MainWindow", "Could not hang up: %1").replace(
                            "%1", problem_text(problem)
                        )
                    )

        task.add_done_callback(done)

    def confirm(self, call_id: int) -> None:
        self.bridge.run(self.bridge.engine.confirm(call_id, from_notification=True), "confirm")

    def dismiss(self, call_id: int) -> None:
        self.bridge.run(self.bridge.engine.dismiss(call_id), "dismiss")

    def set_auto_dial(self, on: bool) -> None:
        if on != self.bridge.engine.settings.auto_dial:
            self.bridge.run(self.bridge.engine.set_auto_dial(on), "auto-dial")

    def sign_out(self) -> None:
        self.bridge.run(self.bridge.engine.logout(), "sign out")

    def call_number(self, text: str, source: ActionSource = ActionSource.MANUAL) -> bool:
        """Place a call to the number in `text` (any notation); False (and said) if none."""
        number = find_number(text)
        if number is None:
            self.notice(
                translate("MainWindow", "No phone number in “%1”.").replace("%1", text[:40])
            )
            return False
        self.bridge.run(self.bridge.engine.call(number, source), "call")
        self.notice(translate("MainWindow", "Calling %1").replace("%1", shown_number(number)))
        return True

    def call_from_clipboard(self) -> None:
        text = QGuiApplication.clipboard().text()
        if not text.strip():
            self.notice(translate("MainWindow", "The clipboard holds no text."))
            return
        self.call_number(text)

    def bring_forward(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def _escape(self) -> None:
        if self.current_call.isVisible():
            self.hang_up()
        elif self.confirm_card.isVisible() and self.confirm_card.entry is not None:
            self.dismiss(self.confirm_card.entry.id)

    def _enter_on_card(self) -> None:
        if self.confirm_card.entry is not None:
            self.confirm(self.confirm_card.entry.id)

    def _strip_action(self, action: StripAction) -> None:
        if action is StripAction.PHONE:
            self._phone_wanted = True
            self._redraw(self.bridge.status)
        elif action is StripAction.SIGN_IN:
            self._pages.setCurrentWidget(self.sign_in)
            self.sign_in.start()
        elif action is StripAction.DIAGNOSTICS:
            self.diagnosticsRequested.emit()

    def _phone_back(self) -> None:
        self._phone_wanted = False
        self._redraw(self.bridge.status)

    def _recheck(self) -> None:
        self.bridge.run(self.bridge.engine.reprobe_phone(), "check the phone")

    def _choose_phone(self, serial: str) -> None:
        self.bridge.run(self.bridge.engine.choose_phone(serial), "choose the phone")

    def _command_failed(self, what: str, error: BaseException) -> None:
        if what == "sign-in":
            return  # the sign-in page says it in the server's words
        if isinstance(error, SettingsRefused):
            self.notice("; ".join(error.errors.values()))
            return
        self.notice(
            translate("MainWindow", "%1 failed: %2")
            .replace("%1", what)
            .replace("%2", type(error).__name__)
        )

    # -- window state ------------------------------------------------------------------------

    def restore_state(self) -> None:
        geometry = self.ui_state.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def save_state(self) -> None:
        self.ui_state.setValue("window/geometry", self.saveGeometry())
        self.ui_state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        if self.bridge.engine.settings.close_to_tray and self.tray.available:
            event.ignore()
            self.hide()
            if not self.ui_state.value("tray/hint_shown", False, type=bool):
                self.tray.say(
                    "Softphone",
                    translate(
                        "MainWindow",
                        "Softphone keeps running in the tray and takes the CRM's calls. Quit "
                        "from the tray's menu.",
                    ),
                )
                self.ui_state.setValue("tray/hint_shown", True)
            return
        event.accept()
        self.quitRequested.emit()


def ui_state_file(config_dir: Path) -> QSettings:
    """Where the window remembers its size, position, columns and last filter."""
    return QSettings(str(config_dir / "window.ini"), QSettings.Format.IniFormat)

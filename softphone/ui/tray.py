"""The tray: the icon's colour follows readiness, its menu does the few things done from there,
and notifications say each command and each result (they can be turned off).

A notification of a command waiting for the operator (auto-dial off) carries a "Call" action:
where the desktop offers actions (org.freedesktop.Notifications over D-Bus) it is a button;
elsewhere clicking the message is the action. Either way the call's source is `notification`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtDBus import QDBus, QDBusConnection, QDBusInterface, QDBusMessage
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from softphone.engine import EngineStatus, Readiness
from softphone.model import CallPhase, CallStatus, HistoryEntry
from softphone.ui.icons import readiness_icon
from softphone.ui.statusstrip import strip_state
from softphone.ui.words import call_summary, shown_number, source_text

log = logging.getLogger("softphone.ui")
translate = QCoreApplication.translate

__all__ = ["Tray"]

_NOTIFY_SERVICE = "org.freedesktop.Notifications"
_NOTIFY_PATH = "/org/freedesktop/Notifications"


class Tray(QObject):
    """The tray icon, its menu and the notifications.

    Signals:
        showRequested(): "Show Softphone" (or a click on the icon).
        callFromClipboard(): "Call from clipboard".
        autoDialToggled(on: bool)
        quitRequested()
        callConfirmed(call_id: int): the "Call" action of a waiting command's notification.
    """

    showRequested = Signal()
    callFromClipboard = Signal()
    autoDialToggled = Signal(bool)
    quitRequested = Signal()
    callConfirmed = Signal(int)

    def __init__(self, parent: QObject | None = None, *, available: bool | None = None) -> None:
        super().__init__(parent)
        self._available = available
        self.icon = QSystemTrayIcon(readiness_icon(Readiness.NOT_READY), self)
        self.icon.setObjectName("trayIcon")
        self.readiness = Readiness.NOT_READY
        self.notifications_on = True
        self._asking: int | None = None  # the call a clicked message would confirm
        self.last_message: tuple[str, str] | None = None
        self._dbus_ids: dict[int, int] = {}  # D-Bus notification id → call id
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.show_action = QAction(self)
        self.show_action.triggered.connect(self.showRequested)
        self.clipboard_action = QAction(self)
        self.clipboard_action.triggered.connect(self.callFromClipboard)
        self.auto_dial_action = QAction(self)
        self.auto_dial_action.setCheckable(True)
        self.auto_dial_action.toggled.connect(self.autoDialToggled)
        self.quit_action = QAction(self)
        self.quit_action.triggered.connect(self.quitRequested)
        self.menu.addAction(self.show_action)
        self.menu.addAction(self.clipboard_action)
        self.menu.addAction(self.auto_dial_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self._message_clicked)
        self._bus = QDBusConnection.sessionBus()
        if self._bus.isConnected():
            self._bus.connect(
                _NOTIFY_SERVICE,
                _NOTIFY_PATH,
                _NOTIFY_SERVICE,
                "ActionInvoked",
                self,
                b"1on_action_invoked(QDBusMessage)",
            )
        self.retranslate()

    def retranslate(self) -> None:
        self.show_action.setText(translate("Tray", "Show Softphone"))
        self.clipboard_action.setText(translate("Tray", "Call from clipboard"))
        self.auto_dial_action.setText(translate("Tray", "Dial CRM commands at once"))
        self.quit_action.setText(translate("Tray", "Quit"))

    def show(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():  # the desktop's own answer, always
            self.icon.show()

    @property
    def available(self) -> bool:
        """Whether the desktop shows tray icons (given at construction, else asked)."""
        if self._available is not None:
            return self._available
        return QSystemTrayIcon.isSystemTrayAvailable()

    def say(self, title: str, body: str) -> None:
        """A plain message from the tray (no action)."""
        self._send(title, body)

    def update_status(self, status: EngineStatus) -> None:
        state = strip_state(status)
        if state.readiness is not self.readiness:
            self.readiness = state.readiness
            self.icon.setIcon(readiness_icon(state.readiness))
        self.icon.setToolTip(f"Softphone — {state.text}")
        if self.auto_dial_action.isChecked() != status.auto_dial:
            self.auto_dial_action.blockSignals(True)
            self.auto_dial_action.setChecked(status.auto_dial)
            self.auto_dial_action.blockSignals(False)

    # -- notifications -----------------------------------------------------------------------

    def notify_call(self, entry: HistoryEntry) -> None:
        """Say a command arriving, waiting for the operator, or a result."""
        if not self.notifications_on:
            return
        number = shown_number(entry.phone)
        if entry.phase is CallPhase.AWAITING_CONFIRMATION:
            title = translate("Tray", "Call %1?").replace("%1", number)
            body = translate("Tray", "The CRM asks to call this number. Click to call.")
            self._send(title, body, call_id=entry.id)
        elif entry.phase is CallPhase.RECEIVED:
            title = translate("Tray", "Calling %1").replace("%1", number)
            self._send(
                title, translate("Tray", "From: %1").replace("%1", source_text(entry.source))
            )
        elif entry.phase is CallPhase.RESOLVED and entry.status is not None:
            icon = (
                QSystemTrayIcon.MessageIcon.Information
                if entry.status is CallStatus.CONNECTED
                else QSystemTrayIcon.MessageIcon.Warning
            )
            self._send(number, call_summary(entry), icon=icon)

    def _send(
        self,
        title: str,
        body: str,
        *,
        call_id: int | None = None,
        icon: QSystemTrayIcon.MessageIcon = QSystemTrayIcon.MessageIcon.Information,
    ) -> None:
        if call_id is not None and self._bus.isConnected():
            notifier = QDBusInterface(_NOTIFY_SERVICE, _NOTIFY_PATH, _NOTIFY_SERVICE, self._bus)
            if notifier.isValid():
                arguments = ["Softphone", 0, "call-start", title, body]
                arguments += [["call", translate("Tray", "Call")], {}, -1]
                reply = notifier.callWithArgumentList(QDBus.CallMode.Block, "Notify", arguments)
                if reply.type() != QDBusMessage.MessageType.ErrorMessage and reply.arguments():
                    self._dbus_ids[int(reply.arguments()[0])] = call_id
                    return
        self._asking = call_id  # what a click on this message confirms (None: just show)
        self.last_message = (title, body)
        self.icon.showMessage(title, body, icon, 8000)

    @Slot(QDBusMessage)
    def on_action_invoked(self, message: QDBusMessage) -> None:
        arguments = message.arguments()
        if len(arguments) >= 2 and arguments[1] == "call":
            call_id = self._dbus_ids.pop(int(arguments[0]), None)
            if call_id is not None:
                self.callConfirmed.emit(call_id)

    def _message_clicked(self) -> None:
        if self._asking is not None:
            call_id, self._asking = self._asking, None
            self.callConfirmed.emit(call_id)
        else:
            self.showRequested.emit()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.showRequested.emit()

"""The window's dialogs, installed in one call: `install_dialogs(window)`.

- Settings: the menu's "Settings…" (Ctrl+,) and the status strip's gear.

Each dialog is made the first time it is asked for and kept (not modal: the window works on
beside it). What a saved setting means for the desktop is done here too, whoever saved it: a
new language is installed at once (every window retranslates on the LanguageChange that
follows), start at login is written to the system (`softphone.autostart`), and a new server
address reaches the sign-in page.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence

from softphone import autostart
from softphone.config import Group, Settings
from softphone.ui import i18n
from softphone.ui.mainwindow import MainWindow
from softphone.ui.settingsdialog import SettingsDialog

log = logging.getLogger("softphone.ui")
translate = QCoreApplication.translate

__all__ = ["Dialogs", "install_dialogs"]


class Dialogs(QObject):
    """The dialogs of one window, their actions, and what saved settings mean for the desktop.

    `settings` is the dialog once made (None before); `open_settings` makes and shows it.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("dialogs")
        self._window = window
        self._bridge = window.bridge
        self.settings: SettingsDialog | None = None

        self.settings_action = QAction(window)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(lambda: self.open_settings())
        window.add_action(self.settings_action, "app")

        window.settingsRequested.connect(lambda: self.open_settings())
        self._bridge.settingsChanged.connect(self._settings_saved)
        window.installEventFilter(self)
        self.retranslate()

    def retranslate(self) -> None:
        self.settings_action.setText(translate("Dialogs", "Settings…"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    # -- opening -----------------------------------------------------------------------------

    def open_settings(self, group: Group | None = None) -> SettingsDialog:
        if self.settings is None:
            self.settings = SettingsDialog(self._bridge, self._window)
        self.settings.open_at(group)
        return self.settings

    # -- what a saved setting means for the desktop ------------------------------------------

    def _settings_saved(self, settings: Settings, changed: frozenset[str]) -> None:
        if "language" in changed:
            i18n.install(i18n.choose_language(settings.language))
        if "start_at_login" in changed and autostart.supported():
            try:
                autostart.apply(settings.start_at_login)
            except OSError as err:
                log.warning("start at login not changed: %s", err.strerror or err)
                self._window.notice(
                    translate("Dialogs", "Could not change starting at login: %1").replace(
                        "%1", str(err.strerror or err)
                    )
                )
        if "server_url" in changed and not self._bridge.status.sync.signed_in:
            self._window.sign_in.set_server(settings.server_url)


def install_dialogs(window: MainWindow) -> Dialogs:
    """Give the window its settings dialog (see `Dialogs`)."""
    return Dialogs(window)

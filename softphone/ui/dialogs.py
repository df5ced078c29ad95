"""The window's dialogs, installed in one call: `install_dialogs(window)`.

- Settings: the menu's "Settings…" (Ctrl+,) and the status strip's gear;
- Diagnostics: the Help menu (F1) and the strip's "Diagnostics" (which opens it on the refused
  results, the reason the strip offers it);
- About: the Help menu.

Each dialog is made the first time it is asked for and kept (not modal: the window works on
beside it). What a saved setting means for the desktop is done here too, whoever saved it: a
new language is installed at once (every window retranslates on the LanguageChange that
follows), start at login is written to the system (`softphone.autostart`), and a new server
address reaches the sign-in page.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from softphone import autostart
from softphone.config import Group, Settings
from softphone.ui import i18n
from softphone.ui.about import AboutDialog
from softphone.ui.diagnostics import DiagnosticsDialog, DiagnosticsTab
from softphone.ui.mainwindow import MainWindow
from softphone.ui.settingsdialog import SettingsDialog
from softphone.ui.support import ChoosePath, OpenUrl

log = logging.getLogger("softphone.ui")
translate = QCoreApplication.translate

__all__ = ["Dialogs", "install_dialogs"]


class Dialogs(QObject):
    """The dialogs of one window, their actions, and what saved settings mean for the desktop.

    `settings`, `diagnostics` and `about` are the dialogs once made (None before);
    `open_settings`, `open_diagnostics`, `open_about` make and show them. `choose_path` (where
    a support report is saved) and `open_url` (how a folder is opened) are handed to the
    dialogs when they are made: None for the desktop's own, a test's stand-ins otherwise.
    """

    def __init__(
        self,
        window: MainWindow,
        *,
        choose_path: ChoosePath | None = None,
        open_url: OpenUrl | None = None,
    ) -> None:
        super().__init__(window)
        self.setObjectName("dialogs")
        self._window = window
        self._bridge = window.bridge
        self.choose_path = choose_path
        self.open_url = open_url
        self.settings: SettingsDialog | None = None
        self.diagnostics: DiagnosticsDialog | None = None
        self.about: AboutDialog | None = None

        self.settings_action = QAction(window)
        self.settings_action.setObjectName("settingsAction")
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(lambda: self.open_settings())
        self.diagnostics_action = QAction(window)
        self.diagnostics_action.setObjectName("diagnosticsAction")
        self.diagnostics_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.diagnostics_action.triggered.connect(lambda: self.open_diagnostics())
        self.about_action = QAction(window)
        self.about_action.setObjectName("aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.open_about)
        window.add_action(self.settings_action, "app")
        window.add_action(self.diagnostics_action, "help")
        window.add_action(self.about_action, "help")

        window.settingsRequested.connect(lambda: self.open_settings())
        window.diagnosticsRequested.connect(lambda: self.open_diagnostics(DiagnosticsTab.RESULTS))
        self._bridge.settingsChanged.connect(self._settings_saved)
        window.installEventFilter(self)
        self.retranslate()

    def retranslate(self) -> None:
        self.settings_action.setText(translate("Dialogs", "Settings…"))
        self.diagnostics_action.setText(translate("Dialogs", "Diagnostics"))
        self.about_action.setText(translate("Dialogs", "About Softphone"))

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

    def open_diagnostics(self, tab: DiagnosticsTab | None = None) -> DiagnosticsDialog:
        if self.diagnostics is None:
            self.diagnostics = DiagnosticsDialog(
                self._bridge,
                self._window,
                choose_path=self.choose_path,
                open_url=self.open_url,
            )
        self.diagnostics.open_at(tab)
        return self.diagnostics

    def open_about(self) -> AboutDialog:
        if self.about is None:
            self.about = AboutDialog(self._bridge, self._window, open_url=self.open_url)
        self.about.show()
        self.about.raise_()
        self.about.activateWindow()
        return self.about

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


def install_dialogs(
    window: MainWindow,
    *,
    choose_path: ChoosePath | None = None,
    open_url: OpenUrl | None = None,
) -> Dialogs:
    """Give the window its settings, diagnostics and about dialogs (see `Dialogs`). Where a
    report is saved is asked with `choose_path`, folders open with `open_url` (the desktop's
    file dialog and opener by default)."""
    return Dialogs(window, choose_path=choose_path, open_url=open_url)

"""The settings dialog (Ctrl+, or the status strip's gear).

Its options come from the settings model (see `settingsform`), one tab per group: the
connection (with who is signed in, and signing out), the phone (which one when several are
attached, and checking it again), calls, the window, and the advanced options that support and
IT change (shown last, under their own tab, with a word that operators need not touch them).

Saving is all or nothing: every changed value goes to the engine in one `update_settings` call;
if the engine refuses any, nothing is saved and each refusal is said beside its field. A saved
change applies at once (the language too: the whole interface switches, which the language's
help says). The dialog is not modal: the window keeps working while it is open.
"""

from __future__ import annotations

import logging
import os
import urllib.parse
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from softphone import autostart
from softphone.config import Group, Settings
from softphone.engine import EngineStatus, SettingsRefused
from softphone.phone import PhoneStatus
from softphone.ui.bridge import EngineBridge
from softphone.ui.settingsform import ERROR_COLOUR, WARNING_COLOUR, SettingsForm

log = logging.getLogger("softphone.ui")
translate = QCoreApplication.translate

__all__ = ["PhoneChoice", "SettingsDialog"]

#: The groups shown, in tab order (hidden options are remembered, never edited by hand).
GROUPS = (Group.CONNECTION, Group.PHONE, Group.CALLS, Group.WINDOW, Group.ADVANCED)


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or url


class PhoneChoice(QWidget):
    """The `phone_serial` option's editor: the phones attached (by model), "the only one
    attached", and a chosen phone that is not attached now; "Check again" beside it.

    Signals:
        valueChanged(): another phone was chosen.
        recheckRequested(): "Check again".
    """

    valueChanged = Signal()
    recheckRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._serial = ""
        self._phone = PhoneStatus()
        self._combo = QComboBox(self)
        self._combo.setObjectName("phoneChoiceCombo")
        self._combo.currentIndexChanged.connect(self._chosen)
        self._recheck = QPushButton(self)
        self._recheck.setObjectName("settingsRecheckButton")
        self._recheck.clicked.connect(self.recheckRequested)
        self._now = QLabel(self)
        self._now.setObjectName("phoneInUse")
        self._now.setWordWrap(True)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self._combo, 1)
        line.addWidget(self._recheck)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(line)
        column.addWidget(self._now)

    def setAccessibleName(self, name: str) -> None:  # the row names its editor: the list
        super().setAccessibleName(name)
        self._combo.setAccessibleName(name)

    def retranslate(self) -> None:
        self._recheck.setText(translate("SettingsDialog", "Check again"))
        self._recheck.setAccessibleName(translate("SettingsDialog", "Check the phone again"))
        self.show_phone(self._phone)

    def value(self) -> str:
        return str(self._combo.currentData() or "")

    def set_value(self, value: Any) -> None:
        self._serial = str(value or "")
        self._fill()

    def show_phone(self, phone: PhoneStatus) -> None:
        self._phone = phone
        chosen = self.value() if self._combo.count() else self._serial
        self._serial = chosen
        self._fill()
        if phone.ready:
            name = phone.model or phone.serial or ""
            text = translate("SettingsDialog", "In use now: %1").replace("%1", name)
        else:
            text = translate("SettingsDialog", "No phone is in use now.")
        self._now.setText(text)

    def _fill(self) -> None:
        self._combo.blockSignals(True)
        self._combo.clear()
        self._combo.addItem(translate("SettingsDialog", "The one attached"), "")
        for serial in self._phone.attached:
            model = (self._phone.models.get(serial) or "").replace("_", " ")
            self._combo.addItem(f"{model} ({serial})" if model else serial, serial)
        if self._serial and self._combo.findData(self._serial) < 0:
            self._combo.addItem(
                translate("SettingsDialog", "%1 (not attached)").replace("%1", self._serial),
                self._serial,
            )
        self._combo.setCurrentIndex(max(0, self._combo.findData(self._serial)))
        self._combo.blockSignals(False)

    def _chosen(self) -> None:
        self._serial = self.value()
        self.valueChanged.emit()


class SettingsDialog(QDialog):
    """The dialog. `open_at(group)` shows it on a group's tab. (No signals of its own: a
    saved change is the bridge's `settingsChanged`.)"""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self._bridge = bridge
        self._saving = False
        self._saving_names: frozenset[str] = frozenset()
        self._close_after_save = False
        self._shown: Settings = bridge.engine.settings

        self.phone_choice = PhoneChoice(self)
        self.phone_choice.recheckRequested.connect(self._recheck)
        self.form = SettingsForm(GROUPS, {"phone_serial": self.phone_choice}, self)
        self.form.edited.connect(self._edited)

        self._account = QLabel(self)
        self._account.setObjectName("accountLabel")
        self._account.setWordWrap(True)
        self._sign_out = QPushButton(self)
        self._sign_out.setObjectName("signOutButton")
        self._sign_out.clicked.connect(self._sign_out_now)
        account = QFrame(self)
        account.setObjectName("accountBox")
        account.setFrameShape(QFrame.Shape.StyledPanel)
        account_line = QHBoxLayout(account)
        account_line.addWidget(self._account, 1)
        account_line.addWidget(self._sign_out, 0, Qt.AlignmentFlag.AlignTop)
        self.form.insert(Group.CONNECTION, account)

        hosts = self.form.rows["allow_plain_http"]
        self._plain_warning = QLabel(hosts)
        self._plain_warning.setObjectName("plainHttpWarning")
        self._plain_warning.setWordWrap(True)
        warning = self._plain_warning.palette()
        warning.setColor(QPalette.ColorRole.WindowText, WARNING_COLOUR)
        self._plain_warning.setPalette(warning)
        hosts.layout().addWidget(self._plain_warning)  # type: ignore[union-attr]
        hosts.edited.connect(self._warn_plain_http)

        self._language_note = QLabel(self)
        self._language_note.setObjectName("languageNote")
        self._language_note.setWordWrap(True)
        language_row = self.form.rows["language"]
        language_row.layout().addWidget(self._language_note)  # type: ignore[union-attr]

        self._advanced_note = QLabel(self)
        self._advanced_note.setObjectName("advancedNote")
        self._advanced_note.setWordWrap(True)
        self.form.insert(Group.ADVANCED, self._advanced_note)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setDocumentMode(True)
        for group in GROUPS:
            self.tabs.addTab(self.form.page(group), "")

        self._problem = QLabel(self)
        self._problem.setObjectName("settingsProblem")
        self._problem.setWordWrap(True)
        palette = self._problem.palette()
        palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOUR)
        self._problem.setPalette(palette)
        self._problem.hide()
        self.buttons = QDialogButtonBox(self)
        self._save = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self._save.setObjectName("settingsSaveButton")
        self._apply = self.buttons.addButton(QDialogButtonBox.StandardButton.Apply)
        self._apply.setObjectName("settingsApplyButton")
        self._cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._cancel.setObjectName("settingsCancelButton")
        self._save.clicked.connect(lambda: self.save(close=True))
        self._apply.clicked.connect(lambda: self.save(close=False))
        self._cancel.clicked.connect(self.reject)

        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 8)
        column.addWidget(self.tabs, 1)
        column.addWidget(self._problem)
        column.addWidget(self.buttons)
        self.resize(560, 620)

        bridge.statusChanged.connect(self._status)
        bridge.settingsChanged.connect(self._settings_changed)
        self.form.load(self._shown)
        self._status(bridge.status)
        self.retranslate()

    # -- words -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(translate("SettingsDialog", "Settings — Softphone"))
        titles = {
            Group.CONNECTION: translate("SettingsDialog", "Connection"),
            Group.PHONE: translate("SettingsDialog", "Phone"),
            Group.CALLS: translate("SettingsDialog", "Calls"),
            Group.WINDOW: translate("SettingsDialog", "Window"),
            Group.ADVANCED: translate("SettingsDialog", "Advanced"),
        }
        for index, group in enumerate(GROUPS):
            self.tabs.setTabText(index, titles[group])
        self.tabs.setAccessibleName(translate("SettingsDialog", "Settings groups"))
        self.form.retranslate()
        self.phone_choice.retranslate()
        self._sign_out.setText(translate("SettingsDialog", "Sign out"))
        self._sign_out.setAccessibleName(translate("SettingsDialog", "Sign out of the CRM"))
        self._save.setText(translate("SettingsDialog", "Save"))
        self._save.setAccessibleName(translate("SettingsDialog", "Save and close"))
        self._apply.setText(translate("SettingsDialog", "Apply"))
        self._apply.setAccessibleName(translate("SettingsDialog", "Save and keep open"))
        self._cancel.setText(translate("SettingsDialog", "Cancel"))
        self._cancel.setAccessibleName(translate("SettingsDialog", "Close without saving"))
        self._advanced_note.setText(
            translate(
                "SettingsDialog",
                "For IT and support: how Softphone paces itself against the CRM and how long "
                "it waits for the phone. Change these only when asked to.",
            )
        )
        forced = os.environ.get("SOFTPHONE_LANG", "").strip()
        self._language_note.setText(
            translate(
                "SettingsDialog",
                "SOFTPHONE_LANG=%1 is set on this computer: it decides the language, not this "
                "setting.",
            ).replace("%1", forced)
            if forced
            else ""
        )
        self._language_note.setVisible(bool(forced))
        login = self.form.rows["start_at_login"]
        if not autostart.supported():
            login.editor.setEnabled(False)
            login.help.setText(
                translate(
                    "SettingsDialog",
                    "On macOS add Softphone in System Settings → General → Login Items.",
                )
            )
            login.help.show()
        self._warn_plain_http()
        self._status(self._bridge.status)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- showing -----------------------------------------------------------------------------

    def open_at(self, group: Group | None = None) -> None:
        """Show the dialog (with what is saved now, if nothing is being edited), on a tab."""
        if not self.isVisible():
            self._shown = self._bridge.engine.settings
            self.form.load(self._shown)
            self._problem.hide()
        if group is not None:
            self.tabs.setCurrentIndex(GROUPS.index(group))
        self.show()
        self.raise_()
        self.activateWindow()

    def _status(self, status: EngineStatus) -> None:
        sync = status.sync
        if sync.signed_in:
            self._account.setText(
                translate("SettingsDialog", "Signed in as %1 to %2")
                .replace("%1", sync.username)
                .replace("%2", _host(sync.server_url))
            )
        else:
            self._account.setText(translate("SettingsDialog", "Not signed in."))
        self._sign_out.setVisible(sync.signed_in)
        self.phone_choice.show_phone(status.phone)

    def _warn_plain_http(self) -> None:
        hosts = self.form.rows["allow_plain_http"].value()
        self._plain_warning.setText(
            "⚠ "
            + translate(
                "SettingsDialog",
                "The session and the numbers you call travel unencrypted to: %1",
            ).replace("%1", ", ".join(hosts))
            if hosts
            else ""
        )
        self._plain_warning.setVisible(bool(hosts))

    def _edited(self) -> None:
        self._problem.hide()

    # -- saving ------------------------------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        """What the operator changed on the form (against the settings in force)."""
        return self.form.changes(self._bridge.engine.settings)

    def save(self, *, close: bool = False) -> None:
        """Save every change at once; refused values are said beside their fields."""
        if self._saving:
            return
        changes = self.changes()
        if not changes:
            if close:
                self.accept()
            return
        self._saving = True
        self._saving_names = frozenset(changes)
        self._close_after_save = close
        self._set_busy(True)
        task = self._bridge.run(self._update(changes), "settings")
        task.add_done_callback(self._saved)

    async def _update(self, changes: dict[str, Any]) -> dict[str, str]:
        try:
            await self._bridge.engine.update_settings(**changes)
        except SettingsRefused as refused:
            return refused.errors
        return {}

    def _saved(self, task: Any) -> None:
        self._saving = False
        self._set_busy(False)
        if task.cancelled() or task.exception() is not None:
            return  # the bridge reports it (the window's notice)
        errors: dict[str, str] = task.result()
        if errors:
            elsewhere = self.form.show_errors(errors)
            self._problem.setText(
                "⚠ "
                + translate(
                    "SettingsDialog", "Nothing was saved: correct what is marked ⚠ and save again."
                )
                + "".join(f"\n{name}: {text}" for name, text in elsewhere.items())
            )
            self._problem.show()
            group = self.form.group_of_first_error()
            if group is not None:
                self.tabs.setCurrentIndex(GROUPS.index(group))
            return
        self._problem.hide()
        self._shown = self._bridge.engine.settings
        self.form.load(self._shown, self._saving_names)  # as saved (no last "/"…)
        self._warn_plain_http()
        if self._close_after_save:
            self.accept()

    def _set_busy(self, busy: bool) -> None:
        for button in (self._save, self._apply):
            button.setEnabled(not busy)

    def _settings_changed(self, settings: Settings, changed: frozenset[str]) -> None:
        """Saved here or elsewhere (the tray's auto-dial, the phone page's choice): show the
        new values of the options the operator has not touched on the form."""
        untouched = frozenset(
            name
            for name in changed
            if name in self.form.rows and name not in self.form.changes(self._shown)
        )
        self._shown = settings
        self.form.load(settings, untouched)
        self._warn_plain_http()

    def _recheck(self) -> None:
        self._bridge.run(self._bridge.engine.reprobe_phone(), "check the phone")

    def _sign_out_now(self) -> None:
        self._bridge.run(self._bridge.engine.logout(), "sign out")

    def reject(self) -> None:
        self.form.load(self._bridge.engine.settings)
        super().reject()

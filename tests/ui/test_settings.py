"""The settings dialog against the real engine, the simulated CRM and phones: generated from the
settings model, saved all at once (or not at all, with each refusal beside its field), applied at
once — the language included — and kept across a restart; start at login written to the desktop;
the phone chosen among several; signing out."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from softphone.adb.bridge import PhoneBridge
from softphone.config import Group, Settings, load_settings, paths
from softphone.engine import Engine
from softphone.ui import i18n
from softphone.ui.dialogs import Dialogs
from softphone.ui.settingsdialog import SettingsDialog
from tests.support.adb import AdbServer, SimPhoneFactory
from tests.support.qt import Desk, run
from tests.ui.dialog_checks import unnamed_controls

pytestmark = [pytest.mark.adb, pytest.mark.slow]

_LEFT = Qt.MouseButton.LeftButton


def dialogs_of(desk: Desk) -> Dialogs:
    found = desk.window.findChild(Dialogs, "dialogs")
    assert found is not None
    return found


def open_settings(desk: Desk, qtbot: QtBot) -> SettingsDialog:
    """By the status strip's gear, as an operator would."""
    qtbot.mouseClick(desk.window.strip.findChild(QToolButton, "settingsButton"), _LEFT)
    dialog = desk.window.findChild(SettingsDialog, "settingsDialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def save(dialog: SettingsDialog, qtbot: QtBot) -> None:
    qtbot.mouseClick(dialog.findChild(QPushButton, "settingsSaveButton"), _LEFT)


def test_the_dialog_is_generated_from_the_settings_model(desk: Desk, qtbot: QtBot) -> None:
    dialog = open_settings(desk, qtbot)
    shown = {name for name in Settings.model_fields if Settings.group_of(name) is not Group.HIDDEN}
    assert set(dialog.form.rows) == shown  # every option but the hidden ones, once each
    # Each title and help is the model's own.
    timeout = dialog.form.rows["no_action_after_s"]
    assert timeout.title.text() == Settings.model_fields["no_action_after_s"].title
    assert timeout.help.text() == Settings.model_fields["no_action_after_s"].description
    spin = dialog.findChild(QDoubleSpinBox, "no_action_after_sEditor")
    assert (spin.minimum(), spin.maximum()) == (10, 86_400)  # the model's bounds
    assert isinstance(dialog.form.rows["auto_dial"].editor, QCheckBox)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Connection",
        "Phone",
        "Calls",
        "Window",
        "Advanced",
    ]
    settings_action = dialogs_of(desk).settings_action
    assert settings_action.shortcut() == QKeySequence("Ctrl+,")
    assert settings_action in desk.window.app_menu.actions()
    for tab in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(tab)
        assert unnamed_controls(dialog) == [], dialog.tabs.tabText(tab)


def test_a_changed_setting_reaches_the_engine_at_once_and_survives_a_restart(
    desk: Desk, qtbot: QtBot, adb_server: AdbServer
) -> None:
    dialog = open_settings(desk, qtbot)
    dialog.findChild(QCheckBox, "auto_dialEditor").click()
    dialog.findChild(QDoubleSpinBox, "no_action_after_sEditor").setValue(120)
    with qtbot.waitSignal(desk.window.bridge.settingsChanged, timeout=10_000) as saved:
        save(dialog, qtbot)
    assert saved.args[1] == {"auto_dial", "no_action_after_s"}  # one save, both changes
    assert desk.engine.settings.auto_dial is False
    assert desk.engine.settings.no_action_after_s == 120
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # The window follows at once (its menu's auto-dial toggle).
    qtbot.waitUntil(lambda: not desk.window.auto_dial_action.isChecked())

    run(qtbot, desk.engine.stop())
    again = Engine(paths(), bridge=PhoneBridge("127.0.0.1", adb_server.port), control=False)
    run(qtbot, again.start())
    try:
        assert again.settings.auto_dial is False
        assert again.settings.no_action_after_s == 120
    finally:
        run(qtbot, again.stop())


def test_an_invalid_server_address_is_refused_beside_its_field_and_nothing_is_saved(
    desk: Desk, qtbot: QtBot
) -> None:
    before = desk.engine.settings
    saved: list[Any] = []
    desk.window.bridge.settingsChanged.connect(lambda *args: saved.append(args))
    dialog = open_settings(desk, qtbot)
    dialog.findChild(QLineEdit, "server_urlEditor").setText("crm.example.com")
    dialog.findChild(QLineEdit, "device_nameEditor").setText("Desk 7")  # valid, not saved alone
    dialog.findChild(QCheckBox, "notificationsEditor").click()
    save(dialog, qtbot)
    error = dialog.findChild(QLabel, "server_urlError")
    qtbot.waitUntil(error.isVisible, timeout=10_000)
    assert "https://crm.example.com" in error.text() and error.text().startswith("⚠")
    assert dialog.tabs.currentIndex() == 0  # the tab with the refused field is shown
    assert dialog.isVisible()
    assert "Nothing was saved" in dialog.findChild(QLabel, "settingsProblem").text()
    assert not dialog.findChild(QLabel, "device_nameError").isVisible()
    # Nothing half-saved: not in the engine, not in the file, not announced.
    assert desk.engine.settings == before
    assert load_settings(paths()).device_name == before.device_name
    assert saved == []
    # Corrected, it goes through, with everything else that was changed.
    address = dialog.findChild(QLineEdit, "server_urlEditor")
    address.selectAll()
    qtbot.keyClicks(address, desk.crm.url + "/")
    assert not error.isVisible()  # editing the field clears what was said about it
    with qtbot.waitSignal(desk.window.bridge.settingsChanged, timeout=10_000) as done:
        save(dialog, qtbot)
    assert done.args[1] == {"device_name", "notifications"}  # the address was the same
    assert desk.engine.settings.device_name == "Desk 7"


def test_hosts_allowed_without_https_are_warned_about(desk: Desk, qtbot: QtBot) -> None:
    dialog = open_settings(desk, qtbot)
    warning = dialog.findChild(QLabel, "plainHttpWarning")
    assert not warning.isVisible()
    hosts = dialog.findChild(QLineEdit, "allow_plain_httpEditor")
    qtbot.keyClicks(hosts, "crm.office.lan, http://other")
    assert warning.isVisible() and "crm.office.lan" in warning.text()
    save(dialog, qtbot)
    error = dialog.findChild(QLabel, "allow_plain_httpError")
    qtbot.waitUntil(error.isVisible, timeout=10_000)
    assert "no http://" in error.text()
    hosts.clear()
    qtbot.keyClicks(hosts, "crm.office.lan")
    with qtbot.waitSignal(desk.window.bridge.settingsChanged, timeout=10_000):
        save(dialog, qtbot)
    assert desk.engine.settings.allow_plain_http == ["crm.office.lan"]


def test_the_language_switches_at_once(
    desk: Desk, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOFTPHONE_LANG", raising=False)
    dialog = open_settings(desk, qtbot)
    language = dialog.findChild(QComboBox, "languageEditor")
    assert "Applies at once" in dialog.form.rows["language"].help.text()
    language.setCurrentIndex(language.findData("ru"))
    try:
        with qtbot.waitSignal(desk.window.bridge.settingsChanged, timeout=10_000):
            qtbot.mouseClick(dialog.findChild(QPushButton, "settingsApplyButton"), _LEFT)
        qtbot.waitUntil(lambda: dialog.tabs.tabText(0) == "Подключение")
        assert desk.window.help_menu.title() == "&Справка"
        assert dialog.form.rows["auto_dial"].editor.text() == "Сразу звонить по командам CRM"
        assert dialogs_of(desk).settings_action.text() == "Настройки…"
        run(qtbot, desk.engine.update_settings(language="en"))
        qtbot.waitUntil(lambda: dialog.tabs.tabText(0) == "Connection")
    finally:
        i18n.install("en")


def test_the_environment_overrides_the_language_and_the_dialog_says_so(
    desk: Desk, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOFTPHONE_LANG", "en")
    dialog = open_settings(desk, qtbot)
    dialog.tabs.setCurrentIndex(3)
    note = dialog.findChild(QLabel, "languageNote")
    qtbot.waitUntil(note.isVisible)
    assert "SOFTPHONE_LANG=en" in note.text()


def test_start_at_login_writes_the_desktops_autostart_entry_and_removes_it(
    desk: Desk, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    entry = tmp_path / "xdg" / "autostart" / "softphone.desktop"
    dialog = open_settings(desk, qtbot)
    box = dialog.findChild(QCheckBox, "start_at_loginEditor")
    box.click()
    with qtbot.waitSignal(desk.window.bridge.settingsChanged, timeout=10_000):
        save(dialog, qtbot)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(entry.read_text(encoding="utf-8"))
    assert "-m softphone" in parser["Desktop Entry"]["Exec"]
    qtbot.waitUntil(lambda: not dialog.isVisible())
    dialog = open_settings(desk, qtbot)
    box.click()
    with qtbot.waitSignal(desk.window.bridge.settingsChanged, timeout=10_000):
        save(dialog, qtbot)
    assert not entry.exists()


def test_the_phone_is_chosen_among_several_by_its_model(
    desk: Desk, qtbot: QtBot, sim_phone_factory: SimPhoneFactory
) -> None:
    second = sim_phone_factory(model="Redmi Note 12")
    dialog = open_settings(desk, qtbot)
    dialog.tabs.setCurrentIndex(1)
    combo = dialog.findChild(QComboBox, "phoneChoiceCombo")
    qtbot.waitUntil(lambda: combo.findData(second.serial) >= 0, timeout=15_000)
    assert "Redmi Note 12" in combo.itemText(combo.findData(second.serial))
    assert combo.itemData(0) == ""  # "the one attached" stays a choice
    combo.setCurrentIndex(combo.findData(second.serial))
    with qtbot.waitSignal(desk.window.bridge.settingsChanged, timeout=10_000) as saved:
        save(dialog, qtbot)
    assert saved.args[1] == {"phone_serial"}
    qtbot.waitUntil(lambda: desk.window.bridge.status.phone.serial == second.serial, timeout=15_000)
    probes = len(second.commands())
    dialog = open_settings(desk, qtbot)
    qtbot.mouseClick(dialog.findChild(QPushButton, "settingsRecheckButton"), _LEFT)
    qtbot.waitUntil(lambda: len(second.commands()) > probes, timeout=15_000)  # asked anew


def test_signing_out_from_the_settings(desk: Desk, qtbot: QtBot) -> None:
    desk.sign_in(qtbot)
    dialog = open_settings(desk, qtbot)
    account = dialog.findChild(QLabel, "accountLabel")
    assert "op1" in account.text()
    with qtbot.waitSignal(desk.window.bridge.sessionChanged, timeout=10_000) as ended:
        qtbot.mouseClick(dialog.findChild(QPushButton, "signOutButton"), _LEFT)
    assert ended.args[0] is False
    qtbot.waitUntil(lambda: "Not signed in" in account.text())
    assert desk.window.page == "sign_in"

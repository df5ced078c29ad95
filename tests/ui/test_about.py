"""The About dialog: the version, where the settings, the history and the logs are (each folder
opened by its button), and the licences of what ships inside; in Russian too."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QLabel, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from softphone import __version__
from softphone.ui import i18n
from softphone.ui.about import AboutDialog, ElidedLabel
from softphone.ui.dialogs import Dialogs
from tests.support.qt import Desk
from tests.ui.dialog_checks import unnamed_controls

pytestmark = [pytest.mark.adb, pytest.mark.slow]


def open_about(desk: Desk, opened: list[QUrl]) -> AboutDialog:
    dialogs = desk.window.findChild(Dialogs, "dialogs")
    assert dialogs is not None
    dialogs.open_url = opened.append
    assert dialogs.about_action in desk.window.help_menu.actions()
    dialogs.about_action.trigger()
    dialog = desk.window.findChild(AboutDialog, "aboutDialog")
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_about_says_the_version_where_the_files_are_and_opens_each_folder(
    desk: Desk, qtbot: QtBot
) -> None:
    opened: list[QUrl] = []
    dialog = open_about(desk, opened)
    assert dialog.findChild(QLabel, "aboutName").text() == f"Softphone {__version__}"
    where = desk.engine.paths
    for key, folder in (
        ("config", where.config_dir),
        ("data", where.data_dir),
        ("logs", where.log_dir),
    ):
        path = dialog.findChild(ElidedLabel, f"aboutPath_{key}")
        assert path.full_text() == str(folder) and path.toolTip() == str(folder)
        qtbot.mouseClick(
            dialog.findChild(QPushButton, f"aboutOpen_{key}"), Qt.MouseButton.LeftButton
        )
        assert opened[-1] == QUrl.fromLocalFile(str(folder))
    assert unnamed_controls(dialog) == []


def test_about_lists_the_licences_of_what_ships_inside(desk: Desk, qtbot: QtBot) -> None:
    dialog = open_about(desk, [])
    text = dialog.findChild(QTextBrowser, "aboutLicences").toPlainText()
    assert "GNU Lesser General Public License v3" in text  # Qt
    assert "adb" in text and "Apache License 2.0" in text  # the adb binary
    assert "httpx" in text and "BSD-3-Clause" in text  # the Python packages, in short
    assert "pytest" not in text  # only what ships


def test_about_in_russian(desk: Desk, qtbot: QtBot) -> None:
    dialog = open_about(desk, [])
    try:
        i18n.install("ru")
        qtbot.waitUntil(lambda: dialog.windowTitle() == "О программе Softphone")
        assert dialog.findChild(QPushButton, "aboutOpen_logs").text() == "Открыть папку"
        assert "лицензия GNU Lesser General Public License v3" in (
            dialog.findChild(QTextBrowser, "aboutLicences").toPlainText()
        )
    finally:
        i18n.install("en")

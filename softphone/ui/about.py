"""About Softphone: its version, where it keeps the settings, the history and the logs (each with
a button that opens the folder), and the licences of what ships inside — Qt under the LGPL v3,
the adb program under the Apache License 2.0, and each Python package's licence in short
(`softphone.licences` reads them from what is installed).

Folders open through an injected opener (the desktop's by default; tests pass their own).
"""

from __future__ import annotations

import html
import platform
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from softphone import __version__
from softphone.licences import shipped_packages
from softphone.ui.bridge import EngineBridge
from softphone.ui.icons import app_icon
from softphone.ui.support import OpenUrl

translate = QCoreApplication.translate

__all__ = ["AboutDialog", "ElidedLabel"]


class ElidedLabel(QLabel):
    """A one-line label that shows as much of a long text (a path) as fits, eliding the middle;
    the whole text is its tooltip and what `full_text()` returns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(
            self._full, Qt.TextElideMode.ElideMiddle, max(10, self.width() - 2)
        )
        if shown != self.text():
            self.setText(shown)


class AboutDialog(QDialog):
    """The dialog; `open_folder(which)` opens "config", "data" or "logs"."""

    def __init__(
        self,
        bridge: EngineBridge,
        parent: QWidget | None = None,
        *,
        open_url: OpenUrl | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self._open = open_url or QDesktopServices.openUrl
        where = bridge.engine.paths
        self.folders: dict[str, Path] = {
            "config": where.config_dir,
            "data": where.data_dir,
            "logs": where.log_dir,
        }
        icon = QLabel(self)
        icon.setPixmap(app_icon().pixmap(56, 56))
        self._name = QLabel(self)
        self._name.setObjectName("aboutName")
        font = QFont(self._name.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self._name.setFont(font)
        self._name.setText(f"Softphone {__version__}")
        self._what = QLabel(self)
        self._what.setWordWrap(True)
        self._versions = QLabel(self)
        self._versions.setObjectName("aboutVersions")
        self._versions.setWordWrap(True)
        self._versions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QVBoxLayout()
        head.addWidget(self._name)
        head.addWidget(self._what)
        head.addWidget(self._versions)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(head, 1)

        self._folders_title = QLabel(self)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self._folder_labels: dict[str, QLabel] = {}
        self._folder_paths: dict[str, ElidedLabel] = {}
        self.folder_buttons: dict[str, QPushButton] = {}
        for row, (key, folder) in enumerate(self.folders.items()):
            label = QLabel(self)
            path = ElidedLabel(self)
            path.setObjectName(f"aboutPath_{key}")
            path.set_full_text(str(folder))
            button = QPushButton(self)
            button.setObjectName(f"aboutOpen_{key}")
            button.clicked.connect(lambda _c=False, k=key: self.open_folder(k))
            grid.addWidget(label, row, 0)
            grid.addWidget(path, row, 1)
            grid.addWidget(button, row, 2)
            self._folder_labels[key] = label
            self._folder_paths[key] = path
            self.folder_buttons[key] = button

        self._licences_title = QLabel(self)
        self.licences = QTextBrowser(self)
        self.licences.setObjectName("aboutLicences")
        self.licences.setOpenExternalLinks(True)
        self._packages = shipped_packages()

        self._close = QPushButton(self)
        self._close.setObjectName("aboutCloseButton")
        self._close.clicked.connect(self.close)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self._close, QDialogButtonBox.ButtonRole.RejectRole)

        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addSpacing(8)
        column.addWidget(self._folders_title)
        column.addLayout(grid)
        column.addSpacing(8)
        column.addWidget(self._licences_title)
        column.addWidget(self.licences, 1)
        column.addWidget(buttons)
        self.resize(560, 600)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(translate("AboutDialog", "About Softphone"))
        self._what.setText(
            translate(
                "AboutDialog",
                "Takes the CRM's call commands, places each call on your Android phone over "
                "USB, and reports the results back to the CRM.",
            )
        )
        self._versions.setText(
            translate("AboutDialog", "Python %1 · Qt %2 · PySide6 %3 · %4")
            .replace("%1", platform.python_version())
            .replace("%2", qVersion())
            .replace("%3", PySide6.__version__)
            .replace("%4", platform.system() or "?")
        )
        self._folders_title.setText(translate("AboutDialog", "Where Softphone keeps its files:"))
        names = {
            "config": translate("AboutDialog", "Settings"),
            "data": translate("AboutDialog", "History"),
            "logs": translate("AboutDialog", "Logs"),
        }
        for key, label in self._folder_labels.items():
            label.setText(names[key])
            button = self.folder_buttons[key]
            button.setText(translate("AboutDialog", "Open the folder"))
            button.setAccessibleName(
                translate("AboutDialog", "Open the folder: %1").replace("%1", names[key])
            )
        self._licences_title.setText(
            translate("AboutDialog", "What ships inside, and its licences:")
        )
        self.licences.setAccessibleName(translate("AboutDialog", "Licences"))
        self.licences.setHtml(self._licences_html())
        self._close.setText(translate("AboutDialog", "Close"))
        self._close.setAccessibleName(translate("AboutDialog", "Close this window"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _licences_html(self) -> str:
        qt = translate(
            "AboutDialog",
            "<b>Qt %1</b> (through PySide6) — GNU Lesser General Public License v3. Softphone "
            "uses Qt's libraries as they are, as separate files, so they can be replaced by "
            "another build of the same version. Qt's source: %2",
        ).replace("%1", html.escape(qVersion()))
        qt = qt.replace("%2", '<a href="https://download.qt.io/">download.qt.io</a>')
        adb = translate(
            "AboutDialog",
            "<b>adb</b> (Android Debug Bridge, inside the adbutils package) — Apache License "
            "2.0, from the Android Open Source Project.",
        )
        python = translate(
            "AboutDialog",
            "<b>Python</b>, when it ships with Softphone — Python Software Foundation License.",
        )
        rows = "".join(
            f"<tr><td>{html.escape(p.name)}</td><td>{html.escape(p.version)}</td>"
            f"<td>{html.escape(p.licence)}</td></tr>"
            for p in self._packages
        )
        packages = translate("AboutDialog", "Python packages:")
        header = "".join(
            f"<th align='left'>{html.escape(h)}</th>"
            for h in (
                translate("AboutDialog", "Package"),
                translate("AboutDialog", "Version"),
                translate("AboutDialog", "Licence"),
            )
        )
        return (
            f"<p>{qt}</p><p>{adb}</p><p>{python}</p><p>{html.escape(packages)}</p>"
            f"<table cellspacing='0' cellpadding='2'><tr>{header}</tr>{rows}</table>"
        )

    def open_folder(self, which: str) -> None:
        folder = self.folders[which]
        folder.mkdir(parents=True, exist_ok=True)
        self._open(QUrl.fromLocalFile(str(folder)))

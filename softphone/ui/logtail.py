"""The log's last lines, as diagnostics shows them: already masked by the one masking function
(the engine's `log_lines()`), filtered by level, copied to the clipboard in one click.

Log lines come with no event of their own, so the view takes them again when it is refreshed
(the diagnostics dialog does that about once a second while it is open, and never when closed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

translate = QCoreApplication.translate

__all__ = ["LogTail"]

LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)


class LogTail(QWidget):
    """`refresh()` takes the lines again; `shown_lines()` is what the view holds."""

    def __init__(
        self, lines: Callable[[], list[tuple[int, str]]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("logTailPanel")
        self._lines = lines
        self._shown: list[str] = []
        self._level_label = QLabel(self)
        self.level = QComboBox(self)
        self.level.setObjectName("logLevelFilter")
        for level in LEVELS:
            self.level.addItem("", level)
        self.level.setCurrentIndex(1)
        self.level.currentIndexChanged.connect(lambda _i: self.refresh())
        self._level_label.setBuddy(self.level)
        self._copy = QPushButton(self)
        self._copy.setObjectName("logCopyButton")
        self._copy.clicked.connect(self.copy)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("logTail")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._note = QLabel(self)
        self._note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self._level_label)
        top.addWidget(self.level, 1)
        top.addWidget(self._copy)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(self.text, 1)
        column.addWidget(self._note)
        self.retranslate()

    def retranslate(self) -> None:
        self._level_label.setText(translate("LogTail", "&Show:"))
        names = {
            logging.DEBUG: translate("LogTail", "Everything"),
            logging.INFO: translate("LogTail", "Information and above"),
            logging.WARNING: translate("LogTail", "Warnings and errors"),
            logging.ERROR: translate("LogTail", "Errors only"),
        }
        for index in range(self.level.count()):
            self.level.setItemText(index, names[int(self.level.itemData(index))])
        self.level.setAccessibleName(translate("LogTail", "Which log lines to show"))
        self._copy.setText(translate("LogTail", "Copy"))
        self._copy.setAccessibleName(translate("LogTail", "Copy the lines shown"))
        self.text.setAccessibleName(translate("LogTail", "The log's last lines"))
        self._note.setText(
            translate(
                "LogTail",
                "Phone numbers, tokens and device ids are masked in the log. What the log keeps "
                "depends on the log level in the advanced settings.",
            )
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def refresh(self) -> None:
        floor = int(self.level.currentData())
        lines = [line for level, line in self._lines() if level >= floor]
        if lines == self._shown:
            return
        bar = self.text.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        if lines[: len(self._shown)] == self._shown and self._shown:
            for line in lines[len(self._shown) :]:
                self.text.appendPlainText(line)
        else:
            self.text.setPlainText("\n".join(lines))
        self._shown = lines
        if at_end:
            bar.setValue(bar.maximum())

    def shown_lines(self) -> list[str]:
        return list(self._shown)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self._shown))

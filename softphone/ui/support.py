"""The support report: one report that contains everything and no secret.

It says what it holds before anything goes — the desk's status (the CRM conversation, the phone
and its capability check), the settings (no password or token is in them), the recent log lines
and the versions — all masked by the one masking function, and shows the very text on request.
"Save…" writes the engine's zip where the operator chooses; "Send to the CRM" queues it for the
CRM's log endpoint (split to its size limit), to leave as the request budget allows. While
either works, a bar says so; the window is never blocked.

Where the file goes is asked through an injected chooser (a file dialog by default; tests pass
their own), and folders are opened through an injected opener (the desktop's by default).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QStandardPaths, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone.ui.bridge import EngineBridge

translate = QCoreApplication.translate

__all__ = ["SupportPanel", "default_report_name"]

ChoosePath = Callable[[QWidget, Path], Path | None]
OpenUrl = Callable[[QUrl], Any]


def default_report_name(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).strftime("softphone-support-%Y%m%d-%H%M.zip")


def _ask_where(parent: QWidget, suggested: Path) -> Path | None:
    chosen, _filter = QFileDialog.getSaveFileName(
        parent,
        translate("SupportPanel", "Save the support report"),
        str(suggested),
        translate("SupportPanel", "Zip archives (*.zip)"),
    )
    return Path(chosen) if chosen else None


class SupportPanel(QWidget):
    """Save or send the report. `busy` is True while it is being written or queued.

    Signals:
        saved(path: str, names: list[str]): the zip was written, holding these files.
        sent(characters: int): the report was queued for the CRM.
        delivered(): everything queued has reached the CRM (the outbox is empty again).
    """

    saved = Signal(str, object)
    sent = Signal(int)
    delivered = Signal()

    def __init__(
        self,
        bridge: EngineBridge,
        parent: QWidget | None = None,
        *,
        choose_path: ChoosePath | None = None,
        open_url: OpenUrl | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("supportPanel")
        self._bridge = bridge
        self._choose = choose_path or _ask_where
        self._open = open_url or QDesktopServices.openUrl
        self._folder: Path | None = None
        self._waiting_delivery = False
        self.busy = False
        self._what = QLabel(self)
        self._what.setObjectName("supportContents")
        self._what.setWordWrap(True)
        self._comment_label = QLabel(self)
        self._comment_label.setWordWrap(True)
        self.comment = QPlainTextEdit(self)
        self.comment.setObjectName("supportComment")
        self.comment.setMaximumHeight(90)
        self.comment.setTabChangesFocus(True)
        self._comment_label.setBuddy(self.comment)
        self._preview_button = QPushButton(self)
        self._preview_button.setObjectName("supportPreviewButton")
        self._preview_button.setCheckable(True)
        self._preview_button.toggled.connect(self._toggle_preview)
        self.preview = QPlainTextEdit(self)
        self.preview.setObjectName("supportPreview")
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.hide()
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("supportSaveButton")
        self.save_button.clicked.connect(self.save)
        self.send_button = QPushButton(self)
        self.send_button.setObjectName("supportSendButton")
        self.send_button.clicked.connect(self.send)
        self._progress = QProgressBar(self)
        self._progress.setObjectName("supportProgress")
        self._progress.setRange(0, 0)  # working, for as long as it takes
        self._progress.setMaximumHeight(10)
        self._progress.setTextVisible(False)
        self._progress.hide()
        self.result = QLabel(self)
        self.result.setObjectName("supportResult")
        self.result.setWordWrap(True)
        self.result.hide()
        self._open_folder = QPushButton(self)
        self._open_folder.setObjectName("supportOpenFolder")
        self._open_folder.clicked.connect(self._open_saved_folder)
        self._open_folder.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.send_button)
        buttons.addStretch(1)
        buttons.addWidget(self._preview_button)
        done = QHBoxLayout()
        done.addWidget(self.result, 1)
        done.addWidget(self._open_folder)
        column = QVBoxLayout(self)
        column.addWidget(self._what)
        column.addWidget(self._comment_label)
        column.addWidget(self.comment)
        column.addLayout(buttons)
        column.addWidget(self._progress)
        column.addLayout(done)
        column.addWidget(self.preview, 1)
        column.addStretch(0)
        bridge.outboxChanged.connect(self._outbox_changed)
        self.retranslate()

    def retranslate(self) -> None:
        lines = len(self._bridge.engine.log_lines())
        self._what.setText(
            translate(
                "SupportPanel",
                "A support report holds: the desk's status (the CRM conversation, the phone and "
                "what it allows), the settings (they hold no password or token), the recent "
                "log lines (%n now), and the versions of Softphone, Python and the system. "
                "Phone numbers, tokens and device ids are masked before anything is written or "
                "sent.",
                "",
                lines,
            )
        )
        self._comment_label.setText(
            translate("SupportPanel", "&What happened? (optional; it goes into the report)")
        )
        self.comment.setAccessibleName(translate("SupportPanel", "What happened"))
        self._preview_button.setText(translate("SupportPanel", "Show what goes out"))
        self._preview_button.setAccessibleName(translate("SupportPanel", "Show the report's text"))
        self.preview.setAccessibleName(translate("SupportPanel", "The report's text"))
        self.save_button.setText(translate("SupportPanel", "Save…"))
        self.save_button.setAccessibleName(
            translate("SupportPanel", "Save the support report as a file")
        )
        self.send_button.setText(translate("SupportPanel", "Send to the CRM"))
        self.send_button.setAccessibleName(
            translate("SupportPanel", "Send the support report to the CRM")
        )
        self._open_folder.setText(translate("SupportPanel", "Open the folder"))
        self._open_folder.setAccessibleName(
            translate("SupportPanel", "Open the folder of the saved report")
        )
        self._progress.setAccessibleName(translate("SupportPanel", "Working on the report"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def showEvent(self, event: Any) -> None:
        self.retranslate()  # the count of log lines it will hold, as of now
        super().showEvent(event)

    # -- the report's text -------------------------------------------------------------------

    def _comment(self) -> str:
        return self.comment.toPlainText()

    def _toggle_preview(self, shown: bool) -> None:
        if shown:
            self.preview.setPlainText(self._bridge.engine.support_report_text(self._comment()))
        self.preview.setVisible(shown)

    # -- saving and sending ------------------------------------------------------------------

    def save(self) -> None:
        if self.busy:
            return
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        folder = self._folder or Path(documents or Path.home())
        target = self._choose(self, folder / default_report_name())
        if target is None:
            return
        if target.suffix.lower() != ".zip":
            target = target.with_name(target.name + ".zip")
        self._start(translate("SupportPanel", "Saving the report…"))
        task = self._bridge.run(self._write(target), "save the support report")
        task.add_done_callback(lambda done: self._written(done, target))

    async def _write(self, target: Path) -> list[str]:
        await asyncio.sleep(0)  # the bar is drawn before the work starts
        return self._bridge.engine.save_support_report(target, self._comment())

    def _written(self, task: asyncio.Task[list[str]], target: Path) -> None:
        self._stop()
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            reason = getattr(error, "strerror", None) or type(error).__name__
            self._say("⚠ " + translate("SupportPanel", "Not saved: %1").replace("%1", str(reason)))
            return
        names = task.result()
        self._folder = target.parent
        self._say(
            translate("SupportPanel", "Saved %1 (%2).")
            .replace("%1", target.name)
            .replace("%2", ", ".join(names))
        )
        self._open_folder.show()
        self.saved.emit(str(target), names)

    def send(self) -> None:
        if self.busy:
            return
        self._start(translate("SupportPanel", "Handing the report to the outbox…"))
        task = self._bridge.run(
            self._bridge.engine.send_support_report(self._comment()), "send the support report"
        )
        task.add_done_callback(self._queued)

    def _queued(self, task: asyncio.Task[int]) -> None:
        if task.cancelled() or task.exception() is not None:
            self._stop()
            if not task.cancelled():
                self._say(
                    "⚠ "
                    + translate("SupportPanel", "Not sent: %1").replace(
                        "%1", type(task.exception()).__name__
                    )
                )
            return
        size = task.result()
        self._stop()  # the buttons work again; the bar stays until the outbox has sent it
        self._progress.show()
        self._waiting_delivery = True
        self._say(
            translate(
                "SupportPanel",
                "%1 characters are on their way to the CRM; they leave as its request limit "
                "allows.",
            ).replace("%1", str(size))
        )
        self._open_folder.hide()
        self.sent.emit(size)
        self._outbox_changed(self._bridge.refresh_status().sync.outbox_pending, 0)

    def _outbox_changed(self, pending: int, _dead: int) -> None:
        if self._waiting_delivery and pending == 0:
            self._waiting_delivery = False
            self._progress.setVisible(self.busy)
            self._say(translate("SupportPanel", "The report reached the CRM."))
            self.delivered.emit()

    def _say(self, text: str) -> None:
        self.result.setText(text)
        self.result.setVisible(bool(text))

    def _start(self, text: str) -> None:
        self.busy = True
        self._say(text)
        self._progress.show()
        self.save_button.setEnabled(False)
        self.send_button.setEnabled(False)

    def _stop(self) -> None:
        self.busy = False
        self._progress.hide()
        self.save_button.setEnabled(True)
        self.send_button.setEnabled(True)

    def _open_saved_folder(self) -> None:
        if self._folder is not None:
            self._open(QUrl.fromLocalFile(str(self._folder)))

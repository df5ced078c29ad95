"""A call's details: every field of its history entry, the CRM command it answered, the calls
linked to it both ways, how its outcome was decided, and its report's way to the CRM.

A dialog beside the window (not modal: the operator keeps working). It follows the call live
(`callChanged`), and a linked call's link shows that call in the same dialog. Its buttons ask
the history pane to act (call back, retry or discard a refused report); copying the number is
done here.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from softphone.model import CallPhase, CallStatus, HistoryEntry, ReportState
from softphone.store import OutboxItem
from softphone.ui.bridge import EngineBridge
from softphone.ui.historymodel import moment_text, qdatetime
from softphone.ui.words import (
    call_summary,
    delivery_text,
    direction_text,
    duration_text,
    method_text,
    phase_text,
    reason_text,
    shown_number,
    source_text,
    status_text,
)

translate = QCoreApplication.translate

__all__ = ["CallDetails"]


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return str(QLocale().toString(qdatetime(moment), "d MMMM yyyy, HH:mm:ss"))


def _epoch(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return _when(dt.datetime.fromtimestamp(seconds, dt.UTC))


class CallDetails(QDialog):
    """Everything about one call. `show_call(call_id)` shows another one in the same dialog.

    Signals:
        callBackRequested(call_id: int): "Call back".
        retryRequested(item_id: int): "Send again" for a report the CRM refused.
        discardRequested(item_id: int): "Discard the report" for a refused report.
    """

    callBackRequested = Signal(int)
    retryRequested = Signal(int)
    discardRequested = Signal(int)

    def __init__(
        self,
        bridge: EngineBridge,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyDetails")
        self._bridge = bridge
        self._clock = clock
        self._entry: HistoryEntry | None = None
        self._item: OutboxItem | None = None
        self._title = QLabel(self)
        self._title.setObjectName("detailsTitle")
        font = self._title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self._title.setFont(font)
        self._text = QTextBrowser(self)
        self._text.setObjectName("detailsText")
        self._text.setOpenLinks(False)
        self._text.anchorClicked.connect(self._follow)
        self._call_back = QPushButton(self)
        self._call_back.setObjectName("detailsCallBack")
        self._call_back.clicked.connect(self._ask_call_back)
        self._copy = QPushButton(self)
        self._copy.setObjectName("detailsCopyNumber")
        self._copy.clicked.connect(self.copy_number)
        self._retry = QPushButton(self)
        self._retry.setObjectName("detailsRetryReport")
        self._retry.clicked.connect(self._ask_retry)
        self._discard = QPushButton(self)
        self._discard.setObjectName("detailsDiscardReport")
        self._discard.clicked.connect(self._ask_discard)
        self._close = QPushButton(self)
        self._close.setObjectName("detailsClose")
        self._close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self._call_back)
        buttons.addWidget(self._copy)
        buttons.addStretch(1)
        buttons.addWidget(self._retry)
        buttons.addWidget(self._discard)
        buttons.addWidget(self._close)
        column = QVBoxLayout(self)
        column.addWidget(self._title)
        column.addWidget(self._text, 1)
        column.addLayout(buttons)
        bridge.callChanged.connect(self._call_changed)
        self.resize(560, 620)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(translate("CallDetails", "Call details"))
        self._call_back.setText(translate("CallDetails", "Call back"))
        self._call_back.setAccessibleName(translate("CallDetails", "Call back"))
        self._copy.setText(translate("CallDetails", "Copy number"))
        self._copy.setAccessibleName(translate("CallDetails", "Copy number"))
        self._retry.setText(translate("CallDetails", "Send again"))
        self._retry.setAccessibleName(translate("CallDetails", "Send the report again"))
        self._discard.setText(translate("CallDetails", "Discard"))
        self._discard.setAccessibleName(translate("CallDetails", "Discard the report"))
        self._close.setText(translate("CallDetails", "Close"))
        self._close.setAccessibleName(translate("CallDetails", "Close"))
        self._text.setAccessibleName(translate("CallDetails", "Call details"))
        if self._entry is not None and self.isVisible():
            self._draw()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- what it shows -----------------------------------------------------------------------

    @property
    def entry(self) -> HistoryEntry | None:
        return self._entry

    def show_call(self, call_id: int) -> None:
        """Show this call (KeyError if the history has no such call)."""
        self._entry = self._bridge.engine.entry(call_id)
        self._draw()

    def text(self) -> str:
        """What the dialog says, as plain text (tests read it; so can a screen reader)."""
        return self._title.text() + "\n" + self._text.toPlainText()

    def copy_number(self) -> None:
        if self._entry is not None:
            QGuiApplication.clipboard().setText(self._entry.phone)

    def _call_changed(self, entry: HistoryEntry) -> None:
        if not self.isVisible() or self._entry is None:
            return
        if entry.id == self._entry.id or entry.parent_id == self._entry.id:
            self._entry = self._bridge.engine.entry(self._entry.id)
            self._draw()

    def _follow(self, url: QUrl) -> None:
        if url.scheme() == "call" and url.path().isdigit():
            self.show_call(int(url.path()))

    def _ask_call_back(self) -> None:
        if self._entry is not None:
            self.callBackRequested.emit(self._entry.id)

    def _ask_retry(self) -> None:
        if self._item is not None and self._item.is_dead:
            self.retryRequested.emit(self._item.id)

    def _ask_discard(self) -> None:
        if self._item is not None and self._item.is_dead:
            self.discardRequested.emit(self._item.id)

    # -- drawing -----------------------------------------------------------------------------

    def _draw(self) -> None:
        entry = self._entry
        assert entry is not None
        engine = self._bridge.engine
        self._item = engine.deliveries([entry.id]).get(entry.id)
        parent, children = engine.linked(entry.id)
        self._title.setText(f"{shown_number(entry.phone)} · {call_summary(entry)}")
        sections = [
            (translate("CallDetails", "The call"), self._call_rows(entry)),
            (translate("CallDetails", "The CRM's command"), self._command_rows(entry)),
            (translate("CallDetails", "Linked calls"), self._linked_rows(parent, children)),
            (translate("CallDetails", "How the outcome was decided"), self._outcome_rows(entry)),
            (translate("CallDetails", "The report to the CRM"), self._delivery_rows(entry)),
        ]
        # One table for every section: the values line up all the way down.
        self._text.setHtml(
            "<table cellspacing='0' cellpadding='1'>"
            + "".join(self._section(title, rows) for title, rows in sections)
            + "</table>"
        )
        refused = self._item is not None and self._item.is_dead
        self._retry.setVisible(refused)
        self._discard.setVisible(refused)

    @staticmethod
    def _section(title: str, rows: list[tuple[str, str]]) -> str:
        head = (
            "<tr><td colspan='2' style='padding-top:10px; padding-bottom:2px'>"
            f"<b>{html.escape(title)}</b></td></tr>"
        )
        cells = "".join(
            f"<tr><td style='padding-right:14px' valign='top'>{html.escape(name)}</td>"
            f"<td valign='top'>{value}</td></tr>"
            for name, value in rows
        )
        return head + cells

    def _call_rows(self, entry: HistoryEntry) -> list[tuple[str, str]]:
        e = html.escape
        rows = [
            (translate("CallDetails", "Number"), e(shown_number(entry.phone))),
            (translate("CallDetails", "Outcome"), e(status_text(entry.status, entry.phase))),
        ]
        if entry.phase is not CallPhase.RESOLVED:
            rows.append((translate("CallDetails", "Now"), e(phase_text(entry.phase))))
        if entry.duration_s or entry.status is CallStatus.CONNECTED:
            rows.append((translate("CallDetails", "Talk time"), e(duration_text(entry.duration_s))))
        rows += [
            (translate("CallDetails", "Source"), e(source_text(entry.source))),
            (translate("CallDetails", "Direction"), e(direction_text(entry.direction) or "—")),
            (translate("CallDetails", "Received"), e(_when(entry.created_at))),
        ]
        for name, moment in (
            (translate("CallDetails", "Dialled"), entry.dialled_at),
            (translate("CallDetails", "Started"), entry.started_at),
            (translate("CallDetails", "Ended"), entry.ended_at),
        ):
            if moment is not None:
                rows.append((name, e(_when(moment))))
        if entry.attempts:
            rows.append((translate("CallDetails", "Dial attempts"), str(entry.attempts)))
        if entry.serial:
            rows.append((translate("CallDetails", "Phone"), e(entry.serial)))
        rows.append((translate("CallDetails", "Entry in the history"), f"#{entry.id}"))
        return rows

    def _command_rows(self, entry: HistoryEntry) -> list[tuple[str, str]]:
        e = html.escape
        if entry.command_id is None:
            if entry.report_id:
                return [
                    (
                        translate("CallDetails", "Reported under"),
                        e(
                            translate(
                                "CallDetails", "the request of the call it came from (%1)"
                            ).replace("%1", entry.report_id)
                        ),
                    )
                ]
            return [
                (
                    translate("CallDetails", "None"),
                    e(translate("CallDetails", "made at this desk; the CRM is not told of it")),
                )
            ]
        rows = [(translate("CallDetails", "Command"), e(entry.command_id))]
        if entry.note:
            rows.append((translate("CallDetails", "Note"), e(entry.note)))
        known = {
            "company_id": translate("CallDetails", "Company (in the CRM)"),
            "contact_id": translate("CallDetails", "Contact (in the CRM)"),
            "created_at": translate("CallDetails", "Created in the CRM"),
        }
        for name, value in sorted(entry.extra.items()):
            if name != "note" and value not in (None, "", [], {}):
                rows.append((known.get(name, name), e(str(value))))
        if entry.report_id and entry.report_id != entry.command_id:
            rows.append((translate("CallDetails", "Reported under"), e(entry.report_id)))
        return rows

    def _link(self, entry: HistoryEntry) -> str:
        text = " · ".join(
            [moment_text(entry.created_at), shown_number(entry.phone), call_summary(entry)]
        )
        return f"<a href='call:{entry.id}'>{html.escape(text)}</a>"

    def _linked_rows(
        self, parent: HistoryEntry | None, children: tuple[HistoryEntry, ...]
    ) -> list[tuple[str, str]]:
        entry = self._entry
        assert entry is not None
        rows = []
        if parent is not None:
            rows.append((translate("CallDetails", "Called back from"), self._link(parent)))
        elif entry.parent_id is not None:
            rows.append(
                (
                    translate("CallDetails", "Called back from"),
                    html.escape(
                        translate("CallDetails", "#%1 (no longer in the history)").replace(
                            "%1", str(entry.parent_id)
                        )
                    ),
                )
            )
        if children:
            rows.append(
                (
                    translate("CallDetails", "Called back as"),
                    "<br>".join(self._link(child) for child in children),
                )
            )
        if not rows:
            rows.append((translate("CallDetails", "None"), ""))
        return rows

    def _outcome_rows(self, entry: HistoryEntry) -> list[tuple[str, str]]:
        e = html.escape
        rows = []
        if entry.resolve_method is not None:
            rows.append((translate("CallDetails", "Learned"), e(method_text(entry.resolve_method))))
        why = reason_text(entry.reason, entry.reason_detail)
        if why:
            rows.append(
                (
                    translate("CallDetails", "Why"),
                    f"{e(why)} <small>({e(entry.reason or '')})</small>",
                )
            )
        if entry.reason_detail:
            rows.append((translate("CallDetails", "In the phone's words"), e(entry.reason_detail)))
        rows.append(
            (
                translate("CallDetails", "Call-log row"),
                e(
                    f"#{entry.call_log_id}"
                    if entry.call_log_id is not None
                    else translate("CallDetails", "none matched")
                ),
            )
        )
        rows.append(
            (
                translate("CallDetails", "Telecom's disconnect cause"),
                e(entry.disconnect_cause or translate("CallDetails", "not given by the phone")),
            )
        )
        if entry.dial_phone_ms is not None:
            rows.append(
                (
                    translate("CallDetails", "Dialled at (phone's clock)"),
                    e(_epoch(entry.dial_phone_ms / 1000)),
                )
            )
        if entry.phase is not CallPhase.RESOLVED:
            rows.insert(
                0,
                (
                    translate("CallDetails", "Not yet"),
                    e(translate("CallDetails", "the call is not over")),
                ),
            )
        return rows

    def _delivery_rows(self, entry: HistoryEntry) -> list[tuple[str, str]]:
        e = html.escape
        item = self._item
        next_try = None
        if item is not None and not item.is_dead:
            next_try = item.next_attempt_at - self._clock()
        state = delivery_text(entry, next_try)
        if entry.report_state is ReportState.DEAD and item is None:
            state = translate("CallDetails", "Refused, and the report was discarded")
        rows = [(translate("CallDetails", "State"), e(state))]
        if entry.report_id:
            rows.append((translate("CallDetails", "Request"), e(entry.report_id)))
        if entry.wire_status is not None and entry.wire_status is not entry.status:
            rows.append((translate("CallDetails", "Sent as"), e(status_text(entry.wire_status))))
        if entry.report_error:
            rows.append((translate("CallDetails", "The CRM's answer"), e(entry.report_error)))
        if item is not None:
            rows.append((translate("CallDetails", "Waiting since"), e(_epoch(item.created_at))))
            rows.append((translate("CallDetails", "Tries"), str(item.attempts)))
            if item.last_error and item.last_error != entry.report_error:
                rows.append((translate("CallDetails", "Last try"), e(item.last_error)))
            if item.is_dead:
                rows.append((translate("CallDetails", "Refused"), e(_epoch(item.dead_at))))
            else:
                rows.append((translate("CallDetails", "Next try"), e(_epoch(item.next_attempt_at))))
        return rows

"""Diagnostics (F1): why something is wrong at this desk, in one place, and what to do about it.

Tabs:
    CRM          the conversation: how the server answers pulls (long-poll or at once), the
                 last pull, the rate budget with a countdown while held back (`ratebudget`),
                 a plot of the recent pulls' times (`latencyplot`), the last requests
    Results      the outbox and the dead letters, to send again or discard (`outboxview`)
    Phone        serial, model, Android version, each capability with its fix, check again
    Log          the log's last lines, masked, by level, to copy (`logtail`)
    Support      the support report: what it holds, save it or send it (`support`)

Everything with an event is redrawn from the bridge's signals (status, pacing). The last
requests and the log lines have no event of their own: while the dialog is open, a one-second
timer takes them again from the engine's public queries (`recent_requests`, `log_lines`);
closed, it asks nothing.
"""

from __future__ import annotations

import enum
import urllib.parse

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from softphone.engine import EngineStatus, PacingChanged, RequestRecord
from softphone.phone import CheckStatus, PhoneState, PhoneStatus
from softphone.problems import Problem, ProblemKind
from softphone.sync import ServerMode
from softphone.ui.bridge import EngineBridge
from softphone.ui.latencyplot import LatencyPlot, Pull
from softphone.ui.logtail import LogTail
from softphone.ui.outboxview import OutboxView, when_text
from softphone.ui.ratebudget import RateBudgetView
from softphone.ui.support import ChoosePath, OpenUrl, SupportPanel
from softphone.ui.words import problem_fix, problem_text

translate = QCoreApplication.translate

__all__ = ["DiagnosticsDialog", "DiagnosticsTab"]

PULL_PATH = "/api/phone/calls/pull/"
#: How often the requests and log lines are taken again while the dialog is open.
REFRESH_MS = 1000
#: How many of the last requests the list shows.
REQUESTS_SHOWN = 30


class DiagnosticsTab(enum.IntEnum):
    CRM = 0
    RESULTS = 1
    PHONE = 2
    LOG = 3
    SUPPORT = 4


def _scrolled(widget: QWidget, parent: QWidget) -> QScrollArea:
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


def _value_label(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def answer_text(code: int) -> str:
    """An HTTP answer as diagnostics says it."""
    if code == 0:
        return translate("DiagnosticsDialog", "no answer")
    meaning = {
        200: translate("DiagnosticsDialog", "OK"),
        204: translate("DiagnosticsDialog", "nothing queued"),
        400: translate("DiagnosticsDialog", "refused"),
        401: translate("DiagnosticsDialog", "session expired"),
        403: translate("DiagnosticsDialog", "forbidden"),
        404: translate("DiagnosticsDialog", "not found"),
        429: translate("DiagnosticsDialog", "too many requests"),
    }.get(code)
    if meaning is None and code >= 500:
        meaning = translate("DiagnosticsDialog", "server error")
    return f"{code} ({meaning})" if meaning else str(code)


def took_text(ms: float) -> str:
    """How long a request took: ms below a second, else seconds (a held pull)."""
    if ms < 1000:
        return translate("DiagnosticsDialog", "%1 ms").replace("%1", str(round(ms)))
    return translate("DiagnosticsDialog", "%1 s").replace("%1", f"{ms / 1000:.1f}")


def request_text(path: str) -> str:
    """What a request to the CRM was for."""
    names = {
        PULL_PATH: translate("DiagnosticsDialog", "Pull commands"),
        "/api/phone/calls/update/": translate("DiagnosticsDialog", "Call result"),
        "/api/phone/devices/heartbeat/": translate("DiagnosticsDialog", "Heartbeat"),
        "/api/phone/devices/register/": translate("DiagnosticsDialog", "Register this desk"),
        "/api/phone/telemetry/": translate("DiagnosticsDialog", "Telemetry"),
        "/api/phone/logs/": translate("DiagnosticsDialog", "Support report"),
        "/api/phone/qr/exchange/": translate("DiagnosticsDialog", "Sign in by QR code"),
        "/api/token/": translate("DiagnosticsDialog", "Sign in by password"),
        "/api/token/refresh/": translate("DiagnosticsDialog", "Renew the session"),
        "/api/phone/user/info/": translate("DiagnosticsDialog", "Check the account"),
        "/api/phone/logout/": translate("DiagnosticsDialog", "Sign out"),
    }
    return names.get(urllib.parse.urlsplit(path).path, path)


class DiagnosticsDialog(QDialog):
    """The dialog. `open_at(tab)` shows it on a tab."""

    def __init__(
        self,
        bridge: EngineBridge,
        parent: QWidget | None = None,
        *,
        choose_path: ChoosePath | None = None,
        open_url: OpenUrl | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosticsDialog")
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self._bridge = bridge
        self._status: EngineStatus = bridge.status
        self._rows: list[tuple[str, str, str, str, str]] = []
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("diagnosticsTabs")
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setDocumentMode(True)

        # -- the CRM --
        crm = QWidget(self)
        self._crm_form = QFormLayout()
        self._crm_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._server = _value_label(crm, "diagServer")
        self._mode = _value_label(crm, "diagServerMode")
        self._last_pull = _value_label(crm, "diagLastPull")
        self._crm_labels = [QLabel(crm) for _ in range(3)]
        for label, value in zip(
            self._crm_labels, (self._server, self._mode, self._last_pull), strict=True
        ):
            self._crm_form.addRow(label, value)
        self.budget = RateBudgetView(crm)
        self._plot_title = QLabel(crm)
        self.plot = LatencyPlot(crm)
        self._requests_title = QLabel(crm)
        self.requests = QTreeWidget(crm)
        self.requests.setObjectName("recentRequests")
        self.requests.setColumnCount(4)
        self.requests.setRootIsDecorated(False)
        self.requests.setUniformRowHeights(True)
        self.requests.setMinimumHeight(160)
        header = self.requests.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        crm_column = QVBoxLayout(crm)
        crm_column.addLayout(self._crm_form)
        crm_column.addWidget(self.budget)
        crm_column.addWidget(self._plot_title)
        crm_column.addWidget(self.plot)
        crm_column.addWidget(self._requests_title)
        crm_column.addWidget(self.requests, 1)

        # -- results --
        self.outbox = OutboxView(bridge, self)

        # -- the phone --
        phone = QWidget(self)
        self._phone_form = QFormLayout()
        self._phone_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._phone_values = {
            key: _value_label(phone, f"diagPhone_{key}")
            for key in ("model", "state", "serial", "android", "sims", "clock")
        }
        self._phone_labels = {key: QLabel(phone) for key in self._phone_values}
        for key, value in self._phone_values.items():
            self._phone_form.addRow(self._phone_labels[key], value)
        self._checks_title = QLabel(phone)
        self._checks = _value_label(phone, "diagPhoneChecks")
        self._recheck = QPushButton(phone)
        self._recheck.setObjectName("diagRecheckButton")
        self._recheck.clicked.connect(self._recheck_phone)
        phone_column = QVBoxLayout(phone)
        phone_column.addLayout(self._phone_form)
        phone_column.addSpacing(8)
        phone_column.addWidget(self._checks_title)
        phone_column.addWidget(self._checks)
        phone_column.addStretch(1)
        phone_column.addWidget(self._recheck, 0, Qt.AlignmentFlag.AlignLeft)

        # -- the log and the report --
        self.log = LogTail(bridge.engine.log_lines, self)
        self.support = SupportPanel(bridge, self, choose_path=choose_path, open_url=open_url)

        self.tabs.insertTab(DiagnosticsTab.CRM, _scrolled(crm, self), "")
        self.tabs.insertTab(DiagnosticsTab.RESULTS, self.outbox, "")
        self.tabs.insertTab(DiagnosticsTab.PHONE, _scrolled(phone, self), "")
        self.tabs.insertTab(DiagnosticsTab.LOG, self.log, "")
        self.tabs.insertTab(DiagnosticsTab.SUPPORT, _scrolled(self.support, self), "")
        self.tabs.currentChanged.connect(lambda _i: self._refresh())

        self._close = QPushButton(self)
        self._close.setObjectName("diagnosticsCloseButton")
        self._close.clicked.connect(self.close)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self._close, QDialogButtonBox.ButtonRole.RejectRole)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 8)
        column.addWidget(self.tabs, 1)
        column.addWidget(buttons)
        self.resize(640, 640)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)
        bridge.statusChanged.connect(self._show_status)
        bridge.pacingChanged.connect(self._show_pacing)
        # Something happened (a pull answered, an item sent, a hold): the requests have
        # moved, show them now rather than at the next tick.
        bridge.statusChanged.connect(lambda _s: self._refresh_if_shown())
        self.retranslate()
        self._show_status(bridge.status)

    # -- words -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(translate("DiagnosticsDialog", "Diagnostics — Softphone"))
        titles = {
            DiagnosticsTab.CRM: translate("DiagnosticsDialog", "CRM"),
            DiagnosticsTab.RESULTS: translate("DiagnosticsDialog", "Results"),
            DiagnosticsTab.PHONE: translate("DiagnosticsDialog", "Phone"),
            DiagnosticsTab.LOG: translate("DiagnosticsDialog", "Log"),
            DiagnosticsTab.SUPPORT: translate("DiagnosticsDialog", "Support report"),
        }
        for tab, title in titles.items():
            self.tabs.setTabText(tab, title)
        self.tabs.setAccessibleName(translate("DiagnosticsDialog", "Diagnostics sections"))
        for label, text in zip(
            self._crm_labels,
            (
                translate("DiagnosticsDialog", "Server:"),
                translate("DiagnosticsDialog", "Pull mode:"),
                translate("DiagnosticsDialog", "Last pull:"),
            ),
            strict=True,
        ):
            label.setText(text)
        self._plot_title.setText(translate("DiagnosticsDialog", "Time taken by the recent pulls:"))
        self._requests_title.setText(
            translate("DiagnosticsDialog", "The last requests, newest first:")
        )
        self.requests.setHeaderLabels(
            [
                translate("DiagnosticsDialog", "Time"),
                translate("DiagnosticsDialog", "Request"),
                translate("DiagnosticsDialog", "Answer"),
                translate("DiagnosticsDialog", "Took"),
            ]
        )
        self.requests.setAccessibleName(
            translate("DiagnosticsDialog", "The last requests to the CRM")
        )
        phone_labels = {
            "model": translate("DiagnosticsDialog", "Phone:"),
            "state": translate("DiagnosticsDialog", "Connection:"),
            "serial": translate("DiagnosticsDialog", "Serial number:"),
            "android": translate("DiagnosticsDialog", "Android:"),
            "sims": translate("DiagnosticsDialog", "SIM cards:"),
            "clock": translate("DiagnosticsDialog", "Clock:"),
        }
        for key, text in phone_labels.items():
            self._phone_labels[key].setText(text)
        self._checks_title.setText(translate("DiagnosticsDialog", "What the phone allows:"))
        self._recheck.setText(translate("DiagnosticsDialog", "Check again"))
        self._recheck.setAccessibleName(translate("DiagnosticsDialog", "Check the phone again"))
        self._close.setText(translate("DiagnosticsDialog", "Close"))
        self._close.setAccessibleName(translate("DiagnosticsDialog", "Close diagnostics"))
        self.budget.retranslate()
        self.plot.retranslate()
        self.outbox.retranslate()
        self.log.retranslate()
        self.support.retranslate()
        self._show_status(self._status)
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- showing -----------------------------------------------------------------------------

    def open_at(self, tab: DiagnosticsTab | None = None) -> None:
        if tab is not None:
            self.tabs.setCurrentIndex(tab)
        self._show_status(self._bridge.refresh_status())
        self.show()
        self.raise_()
        self.activateWindow()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._refresh()
        self._timer.start()

    def hideEvent(self, event: object) -> None:
        super().hideEvent(event)  # type: ignore[arg-type]
        self._timer.stop()

    def _show_pacing(self, event: PacingChanged) -> None:
        self.budget.show_pacing(event)

    def _show_status(self, status: EngineStatus) -> None:
        self._status = status
        sync = status.sync
        self._server.setText(
            translate("DiagnosticsDialog", "%1 — signed in as %2")
            .replace("%1", sync.server_url)
            .replace("%2", sync.username)
            if sync.signed_in
            else translate("DiagnosticsDialog", "%1 — not signed in").replace(
                "%1", sync.server_url or "—"
            )
        )
        self._mode.setText(
            {
                ServerMode.LONG_POLL: translate(
                    "DiagnosticsDialog",
                    "Long-poll: the CRM holds each pull until a command comes.",
                ),
                ServerMode.INSTANT: translate(
                    "DiagnosticsDialog",
                    "Instant: the CRM answers each pull at once, so Softphone paces its pulls.",
                ),
            }.get(
                sync.server_mode,
                translate(
                    "DiagnosticsDialog", "Not known yet: it shows in the first empty answers."
                ),
            )
        )
        if sync.last_poll_at:
            text = (
                translate("DiagnosticsDialog", "%1 at %2")
                .replace("%1", answer_text(sync.last_poll_code or 0))
                .replace("%2", when_text(sync.last_poll_at))
            )
            answered = 200 <= (sync.last_poll_code or 0) < 300
            if sync.poll_latency_ms is not None and answered:
                text += translate("DiagnosticsDialog", ", took %1").replace(
                    "%1", took_text(sync.poll_latency_ms)
                )
            if sync.phone_busy:
                text += " · " + translate(
                    "DiagnosticsDialog", "paused while the phone is on a call"
                )
        else:
            text = translate("DiagnosticsDialog", "None yet.")
        self._last_pull.setText(text)
        self.budget.show_status(status)
        self.outbox.show_status(status)
        self._show_phone(status.phone)

    def _show_phone(self, phone: PhoneStatus) -> None:
        values = self._phone_values
        values["model"].setText((phone.model or "—").replace("_", " "))
        values["state"].setText(_state_text(phone))
        values["serial"].setText(phone.serial or "—")
        values["android"].setText(phone.android or "—")
        if phone.sim_count is None:
            sims = "—"
        else:
            sims = translate("DiagnosticsDialog", "%n ready for calls", "", phone.sim_count)
            if phone.default_call_sim is not None:
                sims += "; " + translate("DiagnosticsDialog", "default for calls: %1").replace(
                    "%1", str(phone.default_call_sim)
                )
        values["sims"].setText(sims)
        if phone.clock_offset_ms is None:
            clock = "—"
        elif abs(phone.clock_offset_ms) < 1000:
            clock = translate("DiagnosticsDialog", "in step with this computer")
        else:
            clock = translate("DiagnosticsDialog", "%1 s apart from this computer").replace(
                "%1", f"{phone.clock_offset_ms / 1000:+.0f}"
            )
        values["clock"].setText(clock)
        self._checks.setText(self._checks_text(phone))

    def _checks_text(self, phone: PhoneStatus) -> str:
        if not phone.ready:
            problem = phone.problems[0] if phone.problems else Problem(ProblemKind.PHONE_NONE)
            return f"{problem_text(problem)}.\n{problem_fix(problem)}".strip()
        sim_problem = next(
            (
                p
                for p in phone.problems
                if p.kind in (ProblemKind.NO_SIM, ProblemKind.NO_DEFAULT_SIM)
            ),
            None,
        )
        rows = [
            (translate("DiagnosticsDialog", "Read the call log (call results)"), phone.call_log),
            (translate("DiagnosticsDialog", "Press keys (hang up)"), phone.input),
            (
                translate("DiagnosticsDialog", "A SIM card for calls"),
                CheckStatus(sim_problem is None, sim_problem),
            ),
        ]
        lines = []
        for name, check in rows:
            if check is None:
                lines.append(f"? {name}: " + translate("DiagnosticsDialog", "not checked yet"))
            elif check.ok:
                lines.append(f"✓ {name}: " + translate("DiagnosticsDialog", "yes"))
            else:
                lines.append(f"✗ {name}: " + translate("DiagnosticsDialog", "no"))
                if check.problem is not None:
                    lines.append(f"    {problem_text(check.problem)}. {problem_fix(check.problem)}")
        return "\n".join(lines)

    def _refresh_if_shown(self) -> None:
        if self.isVisible():
            self._refresh()

    def _refresh(self) -> None:
        """Take again what has no event: the last requests (and pulls), the log lines."""
        if not self._bridge.engine.running:
            return
        records = self._bridge.engine.recent_requests()
        pulls = [Pull(r.status, r.ms) for r in records if r.path.startswith(PULL_PATH)]
        self.plot.set_pulls(pulls[-60:])
        self._fill_requests(records[-REQUESTS_SHOWN:])
        if self.tabs.currentIndex() == DiagnosticsTab.LOG:
            self.log.refresh()

    def _fill_requests(self, records: list[RequestRecord]) -> None:
        rows = [
            (
                when_text(r.at),
                request_text(r.path),
                answer_text(r.status),
                took_text(r.ms),
                r.path,
            )
            for r in reversed(records)
        ]
        if rows == self._rows:
            return
        self._rows = rows
        self.requests.clear()
        for when, what, answer, took, path in rows:
            item = QTreeWidgetItem([when, what, answer, took])
            item.setToolTip(1, urllib.parse.urlsplit(path).path)
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.requests.addTopLevelItem(item)

    def _recheck_phone(self) -> None:
        self._bridge.run(self._bridge.engine.reprobe_phone(), "check the phone")


def _state_text(phone: PhoneStatus) -> str:
    return {
        PhoneState.NONE: translate("DiagnosticsDialog", "not connected"),
        PhoneState.DEVICE: translate("DiagnosticsDialog", "connected and allowed"),
        PhoneState.UNAUTHORIZED: translate(
            "DiagnosticsDialog", "waiting for “Allow USB debugging” on the phone"
        ),
        PhoneState.OFFLINE: translate("DiagnosticsDialog", "offline"),
        PhoneState.NO_PERMISSIONS: translate(
            "DiagnosticsDialog", "this computer may not open it (USB permission)"
        ),
        PhoneState.SEVERAL: translate("DiagnosticsDialog", "several attached, none chosen"),
        PhoneState.ADB_ERROR: translate("DiagnosticsDialog", "the adb service fails"),
    }.get(phone.state, phone.state.value)

"""The rate budget, as diagnostics shows it: how many requests this desk may still make before
the CRM's per-address limit, a countdown bar while requests are held back, and the 429s.

The hold comes from the bridge's `pacingChanged` (its start, its end as a wall time, its cause,
whether the limit is shared with other desks); a QTimer only moves the bar between those events.
The numbers come from the status (`statusChanged`).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QVBoxLayout, QWidget

from softphone.engine import EngineStatus, PacingChanged
from softphone.sync import PacingCause

translate = QCoreApplication.translate

__all__ = ["RateBudgetView"]

#: How often the countdown bar moves (it shows tenths of the hold).
TICK_MS = 100


class RateBudgetView(QFrame):
    """Requests left, the countdown while held back, 429s since the start.

    `show_status(status)` and `show_pacing(event)` feed it (the diagnostics dialog connects
    them to the bridge). `seconds_left()` is what the bar shows.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rateBudget")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._until: float | None = None
        self._span_s = 0.0
        self._cause: PacingCause | None = None
        self._shared = False
        self._status: EngineStatus | None = None
        self._left = QLabel(self)
        self._left.setObjectName("budgetLeft")
        self._left.setWordWrap(True)
        self._held = QLabel(self)
        self._held.setObjectName("budgetHeld")
        self._held.setWordWrap(True)
        self._bar = QProgressBar(self)
        self._bar.setObjectName("budgetCountdown")
        self._bar.setTextVisible(False)
        self._bar.setMaximumHeight(10)
        self._refused = QLabel(self)
        self._refused.setObjectName("budget429")
        self._refused.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addWidget(self._left)
        column.addWidget(self._held)
        column.addWidget(self._bar)
        column.addWidget(self._refused)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._move)
        self._show_hold()

    def retranslate(self) -> None:
        self._bar.setAccessibleName(translate("RateBudgetView", "Time until requests go again"))
        if self._status is not None:
            self.show_status(self._status)
        self._show_hold()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- fed by the bridge -------------------------------------------------------------------

    def show_status(self, status: EngineStatus) -> None:
        self._status = status
        sync = status.sync
        left = max(0, sync.budget_limit - sync.budget_used)
        self._left.setText(
            translate("RateBudgetView", "Requests left before the CRM's limit: %1 of %2")
            .replace("%1", str(left))
            .replace("%2", str(sync.budget_limit))
        )
        text = translate(
            "RateBudgetView",
            "Refused for too many requests (429) since Softphone started: %n",
            "",
            sync.count_429,
        )
        if sync.locked_out_total_s >= 1:
            text += " · " + translate("RateBudgetView", "held back %1 in all").replace(
                "%1", _span(sync.locked_out_total_s)
            )
        self._refused.setText(text)
        if self._until is None and sync.rate_limited and sync.rate_limited_until:
            # Opened during a hold: take it from the status until the next event says more.
            self._hold(sync.rate_limited_until, sync.pacing_cause, sync.limit_shared)

    def show_pacing(self, event: PacingChanged) -> None:
        if event.held and event.until is not None:
            self._hold(event.until, event.cause, event.shared)
        else:
            self._until = None
            self._tick.stop()
            self._show_hold()

    # -- the countdown -----------------------------------------------------------------------

    def seconds_left(self) -> float:
        """What the countdown shows: seconds until requests go again (0 when not held)."""
        if self._until is None:
            return 0.0
        return max(0.0, self._until - time.time())

    def _hold(self, until: float, cause: PacingCause | None, shared: bool) -> None:
        left = max(0.0, until - time.time())
        if self._until is None or until > self._until:
            self._span_s = max(left, 0.1)  # a moved hold starts a fresh bar
        self._until, self._cause, self._shared = until, cause, shared
        self._bar.setRange(0, max(1, round(self._span_s * 1000)))
        if not self._tick.isActive():
            self._tick.start()
        self._show_hold()

    def _move(self) -> None:
        left = self.seconds_left()
        self._bar.setValue(round(left * 1000))
        self._held.setText(self._hold_text(left))
        if left <= 0:
            self._tick.stop()  # the release comes as an event; the bar waits for it at zero

    def _show_hold(self) -> None:
        held = self._until is not None
        self._bar.setVisible(held)
        self._held.setVisible(held)
        if held:
            left = self.seconds_left()
            self._bar.setValue(round(left * 1000))
            self._held.setText(self._hold_text(left))

    def _hold_text(self, left: float) -> str:
        why = (
            {
                PacingCause.BUDGET: translate(
                    "RateBudgetView", "Softphone waits so as not to reach the CRM's limit."
                ),
                PacingCause.IP_LIMIT: translate(
                    "RateBudgetView", "The CRM refuses requests from this network address for now."
                ),
                PacingCause.RETRY_AFTER: translate("RateBudgetView", "The CRM asked to wait."),
            }.get(self._cause, "")
            if self._cause is not None
            else ""
        )
        if self._shared:
            why += " " + translate(
                "RateBudgetView", "Other devices on this network use the same limit."
            )
        head = translate("RateBudgetView", "Requests go again in %1 s.").replace(
            "%1", str(int(left + 0.999))
        )
        return f"{head} {why}".strip()


def _span(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    if minutes:
        return (
            translate("RateBudgetView", "%1 min %2 s")
            .replace("%1", str(minutes))
            .replace("%2", str(secs))
        )
    return translate("RateBudgetView", "%1 s").replace("%1", str(secs))

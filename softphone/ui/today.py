"""Today's work in the window's footer: calls, connected, not connected, talk time, and a small
bar chart of calls per hour (painted here; no chart library).

Asked of the engine (`figures` since local midnight) when a call changes — coalesced to once
per loop turn — and at each new hour and at midnight; never on a polling timer.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from softphone.store import Figures
from softphone.ui.bridge import EngineBridge

translate = QCoreApplication.translate

__all__ = ["HourChart", "TodayFigures", "local_midnight", "talk_text"]

#: The chart shows at least the working day's usual hours, more when calls were made outside.
_FIRST_HOUR, _LAST_HOUR = 8, 20


def local_midnight(now: float) -> float:
    """Epoch seconds of the local midnight that began the day of `now`."""
    day = dt.datetime.fromtimestamp(now).date()
    return dt.datetime.combine(day, dt.time()).timestamp()


def talk_text(seconds: int) -> str:
    """ "1 h 32 min", "12 min", "40 s"."""
    if seconds < 60:
        return translate("TodayFigures", "%1 s").replace("%1", str(seconds))
    hours, rest = divmod(seconds // 60, 60)
    if hours:
        return (
            translate("TodayFigures", "%1 h %2 min")
            .replace("%1", str(hours))
            .replace("%2", str(rest))
        )
    return translate("TodayFigures", "%1 min").replace("%1", str(rest))


class HourChart(QWidget):
    """Calls per hour as bars, the current hour in the highlight colour; a tooltip lists them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("todayChart")
        self._counts: tuple[int, ...] = ()
        self._first = _FIRST_HOUR
        self._now_hour = 0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def show_hours(self, per_hour: tuple[int, ...], now_hour: int) -> None:
        busy = [hour for hour, count in enumerate(per_hour) if count]
        self._first = min([_FIRST_HOUR, *busy])
        last = max([_LAST_HOUR, now_hour, *busy])
        self._counts = tuple(per_hour[h] if h < len(per_hour) else 0 for h in range(24))[
            self._first : last + 1
        ]
        self._now_hour = now_hour
        lines = [f"{self._first + i:02d}:00 — {n}" for i, n in enumerate(self._counts) if n]
        title = translate("TodayFigures", "Calls per hour")
        self.setToolTip("\n".join([title, *lines]) if lines else title)
        self.setAccessibleName(title)
        self.setAccessibleDescription(", ".join(lines))
        self.updateGeometry()
        self.update()

    @property
    def counts(self) -> tuple[int, ...]:
        """The bars shown, from `first_hour` on."""
        return self._counts

    @property
    def first_hour(self) -> int:
        return self._first

    def sizeHint(self) -> QSize:
        return QSize(max(1, len(self._counts)) * 4 + 2, 16)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._counts:
            return
        painter = QPainter(self)
        palette = self.palette()
        top = max(self._counts) or 1
        width = self.width() / len(self._counts)
        height = self.height() - 2
        base = QColor(palette.color(QPalette.ColorRole.WindowText))
        base.setAlphaF(0.15)
        painter.fillRect(QRectF(0, self.height() - 1, self.width(), 1), base)
        for i, count in enumerate(self._counts):
            if not count:
                continue
            bar = max(2.0, height * count / top)
            now = self._first + i == self._now_hour
            colour = palette.color(
                QPalette.ColorRole.Highlight if now else QPalette.ColorRole.WindowText
            )
            if not now:
                colour.setAlphaF(0.55)
            painter.fillRect(
                QRectF(i * width + 0.5, self.height() - 1 - bar, max(1.0, width - 1), bar), colour
            )
        painter.end()


class TodayFigures(QWidget):
    """The footer's "Today": figures since local midnight and the calls-per-hour chart."""

    def __init__(
        self,
        bridge: EngineBridge,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("todayFigures")
        self._bridge = bridge
        self._clock = clock
        self._figures: Figures | None = None
        self._text = QLabel(self)
        self._text.setObjectName("todayText")
        self._text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.chart = HourChart(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self._text, 1)
        row.addWidget(self.chart, 0, Qt.AlignmentFlag.AlignVCenter)
        self._soon = QTimer(self)  # coalesces a burst of call events into one query
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self.refresh)
        self._next_hour = QTimer(self)
        self._next_hour.setSingleShot(True)
        self._next_hour.timeout.connect(self.refresh)
        bridge.callChanged.connect(lambda _entry: self._soon.start())
        self.refresh()

    @property
    def figures(self) -> Figures | None:
        return self._figures

    def text(self) -> str:
        return self._text.text()

    def refresh(self) -> None:
        now = self._clock()
        midnight = local_midnight(now)
        self._figures = self._bridge.engine.figures(midnight, now)
        self.chart.show_hours(self._figures.per_hour, int((now - midnight) // 3600))
        self._show()
        to_next_hour = 3600 - (now - midnight) % 3600
        self._next_hour.start(int(to_next_hour * 1000) + 500)

    def _variants(self) -> list[str]:
        """The figures from the fullest wording to the shortest (the one that fits is shown)."""
        f = self._figures
        if f is None:
            return [""]
        # Counts after a colon read right for any number, in English without a catalogue too.
        calls = translate("TodayFigures", "Calls today: %n", "", f.calls)
        connected = translate("TodayFigures", "connected: %n", "", f.connected)
        missed = translate("TodayFigures", "not connected: %n", "", f.not_connected)
        talk = talk_text(f.talk_s)
        today = translate("TodayFigures", "Today")
        return [
            f"{calls} · {connected} · {missed} · {talk}",
            f"{calls} · ✓ {f.connected} · ✗ {f.not_connected} · {talk}",
            f"{today}: {f.calls} · ✓ {f.connected} · ✗ {f.not_connected}",
            f"✓ {f.connected} · ✗ {f.not_connected}",
        ]

    def _show(self) -> None:
        variants = self._variants()
        room = self._text.width() - self._text.contentsMargins().left() * 2
        metrics = self._text.fontMetrics()
        shown = next((v for v in variants if metrics.horizontalAdvance(v) <= room), variants[-1])
        self._text.setText(shown)
        self.setToolTip(variants[0])
        self.setAccessibleName(variants[0])

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), 200), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._show()
        super().changeEvent(event)

"""A small painted plot of how long the recent pulls took (no chart library).

One bar per pull, oldest on the left, its height its time; the slowest time is written at the
top. A pull that was refused or got no answer is drawn full height and hatched (so colour is
never the only sign), with the answer's code under the plot's summary.
"""

from __future__ import annotations

import dataclasses
import statistics

from PySide6.QtCore import QCoreApplication, QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

translate = QCoreApplication.translate

__all__ = ["LatencyPlot", "Pull"]

#: The widest a pull's bar is drawn.
MAX_BAR_WIDTH = 14.0


@dataclasses.dataclass(frozen=True, slots=True)
class Pull:
    """One pull as the plot shows it: its HTTP code (0: no answer) and its time."""

    status: int
    ms: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class LatencyPlot(QWidget):
    """`set_pulls(pulls)` redraws it; `summary()` says it in words (also its accessible
    description)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latencyPlot")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(90)
        self._pulls: list[Pull] = []
        self.retranslate()

    def sizeHint(self) -> QSize:
        return QSize(320, 110)

    def retranslate(self) -> None:
        self.setAccessibleName(translate("LatencyPlot", "Time taken by the recent pulls"))
        self.setAccessibleDescription(self.summary())
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_pulls(self, pulls: list[Pull]) -> None:
        if pulls == self._pulls:
            return
        self._pulls = list(pulls)
        self.setAccessibleDescription(self.summary())
        self.update()

    def summary(self) -> str:
        if not self._pulls:
            return translate("LatencyPlot", "No pulls yet.")
        answered = [p.ms for p in self._pulls if p.ok]
        text = translate("LatencyPlot", "Recent pulls: %n", "", len(self._pulls))
        if answered:
            text += ": " + translate("LatencyPlot", "typical %1 ms, slowest %2 ms").replace(
                "%1", str(round(statistics.median(answered)))
            ).replace("%2", str(round(max(answered))))
        refused = len(self._pulls) - len(answered)
        if refused:
            text += "; " + translate(
                "LatencyPlot", "%n refused or unanswered (hatched)", "", refused
            )
        return text

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        palette = self.palette()
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid)))
        painter.setBrush(palette.brush(QPalette.ColorRole.Base))
        painter.drawRect(frame)
        metrics = self.fontMetrics()
        text_pen = QPen(palette.color(QPalette.ColorRole.Text))
        if not self._pulls:
            painter.setPen(text_pen)
            painter.drawText(frame, Qt.AlignmentFlag.AlignCenter, self.summary())
            return
        top_pad = metrics.height() + 4
        area = frame.adjusted(6, top_pad, -6, -4)
        slowest = max((p.ms for p in self._pulls if p.ok), default=1.0) or 1.0
        scale = _nice_ceiling(slowest)
        # Newest on the right; a few pulls are bars, not blocks.
        width = min(area.width() / max(len(self._pulls), 1), MAX_BAR_WIDTH)
        gap = 1.0 if width > 3 else 0.0
        start = area.right() - width * len(self._pulls)
        good = QBrush(palette.color(QPalette.ColorRole.Highlight))
        bad = QBrush(QColor("#d32f2f"), Qt.BrushStyle.BDiagPattern)
        painter.setPen(Qt.PenStyle.NoPen)
        for index, pull in enumerate(self._pulls):
            x = start + index * width
            if pull.ok:
                height = max(1.0, area.height() * min(pull.ms, scale) / scale)
                painter.setBrush(good)
            else:
                height = area.height()
                painter.setBrush(bad)
            painter.drawRect(QRectF(x, area.bottom() - height, max(1.0, width - gap), height))
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DashLine))
        painter.drawLine(area.topLeft(), area.topRight())
        painter.setPen(text_pen)
        label = translate("LatencyPlot", "%1 ms").replace("%1", str(round(scale)))
        painter.drawText(
            QRectF(frame.left() + 6, frame.top() + 1, frame.width() - 12, metrics.height() + 2),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            label,
        )
        painter.drawText(
            QRectF(frame.left() + 6, frame.top() + 1, frame.width() - 12, metrics.height() + 2),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            translate("LatencyPlot", "oldest → newest"),
        )


def _nice_ceiling(value: float) -> float:
    """The plot's top: the slowest time rounded up to 1, 2 or 5 times a power of ten."""
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= step * factor:
            return step * factor
    return step * 10

"""Icons painted in code: the app's icon and the readiness dot (tray and status strip).

Painted rather than shipped as files so that they follow the readiness colour and the screen's
pixel ratio; the one file (`resources/icons/softphone.svg`, for the desktop entry) is drawn the
same way. Colour is never the only signal: each readiness has its own glyph too.
"""

from __future__ import annotations

import functools
from typing import Final

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from softphone.engine import Readiness

__all__ = ["COLOURS", "app_icon", "readiness_icon", "readiness_pixmap"]

COLOURS: Final[dict[Readiness, QColor]] = {
    Readiness.READY: QColor("#2e7d32"),
    Readiness.DEGRADED: QColor("#e0a000"),
    Readiness.NOT_READY: QColor("#c62828"),
}


def _handset(painter: QPainter, box: QRectF, colour: QColor) -> None:
    """A telephone handset inside `box`."""
    w, h = box.width(), box.height()
    path = QPainterPath()
    x, y = box.left(), box.top()
    path.moveTo(x + 0.22 * w, y + 0.12 * h)
    path.cubicTo(x + 0.05 * w, y + 0.20 * h, x + 0.10 * w, y + 0.55 * h, x + 0.45 * w, y + 0.80 * h)
    path.cubicTo(x + 0.62 * w, y + 0.92 * h, x + 0.82 * w, y + 0.95 * h, x + 0.88 * w, y + 0.80 * h)
    path.lineTo(x + 0.72 * w, y + 0.62 * h)
    path.lineTo(x + 0.60 * w, y + 0.68 * h)
    path.cubicTo(x + 0.48 * w, y + 0.62 * h, x + 0.36 * w, y + 0.50 * h, x + 0.32 * w, y + 0.40 * h)
    path.lineTo(x + 0.38 * w, y + 0.28 * h)
    path.closeSubpath()
    painter.fillPath(path, colour)


@functools.cache
def readiness_pixmap(readiness: Readiness, size: int = 32, ratio: float = 1.0) -> QPixmap:
    """A round dot in the readiness colour, with a glyph: a handset when ready, `!` degraded,
    `×` not ready (so the state reads without colour too).

    Painted once per readiness, size and ratio: the strip shows it at every status change."""
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(COLOURS[readiness])
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    white = QColor("white")
    if readiness is Readiness.READY:
        _handset(painter, QRectF(size * 0.22, size * 0.22, size * 0.56, size * 0.56), white)
    else:
        pen = QPen(white, max(2.0, size / 9), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        c = size / 2
        if readiness is Readiness.DEGRADED:
            painter.drawLine(QPointF(c, size * 0.25), QPointF(c, size * 0.58))
            painter.drawPoint(QPointF(c, size * 0.74))
        else:
            d = size * 0.2
            painter.drawLine(QPointF(c - d, c - d), QPointF(c + d, c + d))
            painter.drawLine(QPointF(c - d, c + d), QPointF(c + d, c - d))
    painter.end()
    return pixmap


@functools.cache
def readiness_icon(readiness: Readiness) -> QIcon:
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        icon.addPixmap(readiness_pixmap(readiness, size))
    return icon


def app_icon() -> QIcon:
    """The application's icon: a white handset on the ready green, rounded square."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#1565c0"))
        painter.drawRoundedRect(QRectF(0, 0, size, size), size * 0.22, size * 0.22)
        _handset(painter, QRectF(size * 0.2, size * 0.2, size * 0.6, size * 0.6), QColor("white"))
        painter.end()
        icon.addPixmap(pixmap)
    return icon

"""Sign-in codes read from pictures: a screenshot, an image file, the clipboard, the screen.

The CRM's page shows a QR code of the raw one-time token (crm-api.md). Operators have no camera
pointed at their own monitor, so Softphone reads the code from pixels: the window will grab the
screen or take the clipboard's image; the command line takes a file. Decoding is zxing-cpp on a
grayscale copy of a QImage (Qt reads every common image format, no extra dependency).

Only text that can be a token is returned (≤128 printable characters, no spaces): a QR code of a
web address or a Wi-Fi network on the same screen is not mistaken for a sign-in code.

It lives in `ui/` because it reads pixels through Qt; `softphone login --qr-image` imports it
only when asked to.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import zxingcpp
from PySide6.QtGui import QImage

__all__ = ["QrError", "is_blank", "tokens_in_file", "tokens_in_image"]

_TOKEN: Final = re.compile(r"[A-Za-z0-9_\-.~+/=]{8,128}")


class QrError(ValueError):
    """The picture cannot be read, or holds no sign-in code. `kind` says which (the window
    words it in its language); `str()` is the command line's English."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "empty", "no_file", "not_picture" or "no_code"


def tokens_in_image(image: QImage) -> list[str]:
    """The sign-in tokens in QR codes found in `image`, in the order found, without repeats."""
    if image.isNull():
        raise QrError("empty", "The picture is empty.")
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    stride = gray.bytesPerLine()
    pixels = memoryview(bytes(gray.constBits())).cast("B", (gray.height(), stride))
    view = zxingcpp.ImageView(pixels, gray.width(), gray.height(), zxingcpp.ImageFormat.Lum, stride)
    found: list[str] = []
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    for code in zxingcpp.read_barcodes(view, formats=qr_only):
        text = code.text.strip()
        if _TOKEN.fullmatch(text) and text not in found:
            found.append(text)
    return found


def tokens_in_file(path: Path | str) -> list[str]:
    """The sign-in tokens in an image file (PNG, JPEG, BMP…). Raises QrError with the reason."""
    target = Path(path)
    if not target.is_file():
        raise QrError("no_file", f"There is no file {target.name}.")
    image = QImage(str(target))
    if image.isNull():
        raise QrError("not_picture", f"{target.name} is not a picture Softphone can read.")
    tokens = tokens_in_image(image)
    if not tokens:
        raise QrError("no_code", f"There is no sign-in QR code in {target.name}.")
    return tokens


def is_blank(image: QImage) -> bool:
    """A grab that shows nothing (one colour everywhere): what a screen a program may not read
    gives back (Wayland, a locked session)."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        return True
    small = image.scaled(24, 24).convertToFormat(QImage.Format.Format_Grayscale8)
    first = small.pixelColor(0, 0).value()
    return all(
        abs(small.pixelColor(x, y).value() - first) < 3
        for y in range(small.height())
        for x in range(small.width())
    )

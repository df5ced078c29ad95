"""ui.qr: sign-in tokens read from pictures of the CRM's QR code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import segno
from PySide6.QtGui import QColor, QImage, QPainter

from softphone.ui.qr import QrError, tokens_in_file, tokens_in_image

TOKEN = "Zx9_-" + "aB3" * 27  # 86 characters, URL-safe, like the CRM's


def qr_image(text: str, scale: int = 6) -> QImage:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    image = QImage()
    assert image.loadFromData(buffer.getvalue())
    return image


def screenshot(*codes: QImage) -> QImage:
    """A 'screen' with the codes side by side on a grey desktop."""
    screen = QImage(1280, 720, QImage.Format.Format_RGB32)
    screen.fill(QColor(90, 90, 100))
    painter = QPainter(screen)
    for i, code in enumerate(codes):
        painter.drawImage(80 + i * 500, 120, code)
    painter.end()
    return screen


def test_the_token_is_read_from_a_screenshot_of_the_crm_page() -> None:
    assert tokens_in_image(screenshot(qr_image(TOKEN))) == [TOKEN]


def test_codes_that_are_not_tokens_are_not_taken_for_one() -> None:
    found = tokens_in_image(screenshot(qr_image("https://crm.example/login"), qr_image(TOKEN)))
    assert found == [TOKEN]
    assert tokens_in_image(qr_image("WIFI:S:office;T:WPA;P:secret;;")) == []


def test_files_say_what_is_wrong(tmp_path: Path) -> None:
    good = tmp_path / "code.png"
    assert qr_image(TOKEN, scale=3).save(str(good))
    assert tokens_in_file(good) == [TOKEN]
    with pytest.raises(QrError, match="no file"):
        tokens_in_file(tmp_path / "missing.png")
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(QrError, match="not a picture"):
        tokens_in_file(text)
    blank = tmp_path / "blank.png"
    assert screenshot().save(str(blank))
    with pytest.raises(QrError, match="no sign-in QR code"):
        tokens_in_file(blank)

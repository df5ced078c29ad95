"""Logging: one named logger per subsystem, a rotating file, masking on every handler.

Subsystems log to `softphone.sync`, `softphone.adb`, `softphone.flow`, `softphone.engine`,
`softphone.store`, `softphone.ui`… so that a support log can be filtered by area. Every handler
installed here carries `MaskingFilter`: no token, password, QR token, full phone number or device
id reaches a log file, the console or a log bundle.
"""

from __future__ import annotations

import collections
import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from typing import Final

from softphone.masking import mask

FORMAT: Final = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
ROOT: Final = "softphone"
#: Libraries whose INFO lines carry whole URLs (with the device id in the query): kept at
#: WARNING, and masked, so that a root handler added later (Qt, a debugger) cannot leak them.
QUIET_LIBRARIES: Final = ("httpx", "httpcore")


class MaskingFilter(logging.Filter):
    """Masks the formatted message and any exception text of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = f"{record.msg!r} {record.args!r}"
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


class RecentLines(logging.Handler):
    """Keeps the last lines (already masked) in memory for log bundles and diagnostics."""

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__()
        self._lines: collections.deque[tuple[int, str]] = collections.deque(maxlen=capacity)
        self._guard = threading.Lock()
        self.setFormatter(logging.Formatter(FORMAT))
        self.addFilter(MaskingFilter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        with self._guard:
            self._lines.append((record.levelno, line))

    def lines(self) -> list[tuple[int, str]]:
        with self._guard:
            return list(self._lines)


_recent: RecentLines | None = None


def recent() -> RecentLines:
    """The in-memory handler (installed by `setup`, or a detached one before that)."""
    global _recent
    if _recent is None:
        _recent = RecentLines()
    return _recent


def keep_recent_lines() -> RecentLines:
    """Make sure the in-memory lines are kept (support reports send them), even when the
    embedding program did not call `setup`. Leaves any handler already there alone."""
    logger = logging.getLogger(ROOT)
    handler = recent()
    if handler not in logger.handlers:
        handler._softphone = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return handler


def setup(log_file: Path | None, *, level: str = "INFO", console: bool = True) -> None:
    """Install the handlers on the `softphone` logger. Safe to call again (replaces them)."""
    logger = logging.getLogger(ROOT)
    for handler in list(logger.handlers):
        if getattr(handler, "_softphone", False):
            logger.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [recent()]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
            )
        )
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    formatter = logging.Formatter(FORMAT)
    for handler in handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
        handler._softphone = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)
    for name in QUIET_LIBRARIES:
        library = logging.getLogger(name)
        library.setLevel(max(logging.WARNING, logger.level))
        if not any(isinstance(f, MaskingFilter) for f in library.filters):
            library.addFilter(MaskingFilter())

"""logs: every handler masks; the file rotates; recent lines are kept for bundles."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone import logs


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    file = tmp_path / "logs" / "softphone.log"
    logs.setup(file, level="DEBUG", console=False)
    yield file
    logger = logging.getLogger("softphone")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    for name in logs.QUIET_LIBRARIES:
        library = logging.getLogger(name)
        library.setLevel(logging.NOTSET)
        library.filters.clear()


def test_file_and_recent_lines_are_masked(
    installed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("softphone.sync")
    log.info("login with password=%s for %s", "hunter2", "+79123456789")
    try:
        raise RuntimeError("refresh eyJhbGciOiJI.eyJzdWIiOiIx.sig failed for 89123456789")
    except RuntimeError:
        log.exception("refresh failed")
    for handler in logging.getLogger("softphone").handlers:
        handler.flush()
    text = installed.read_text()
    assert "password=***" in text and "***6789" in text
    assert "hunter2" not in text and "79123456789" not in text and "eyJzdWIiOiIx" not in text
    recent = "\n".join(line for _level, line in logs.recent().lines())
    assert "hunter2" not in recent and "softphone.sync" in recent


def test_a_broken_format_string_does_not_lose_the_record(installed: Path) -> None:
    logging.getLogger("softphone.flow").info("bad %d format", "text")
    for handler in logging.getLogger("softphone").handlers:
        handler.flush()
    assert "bad %d format" in installed.read_text()


def test_setup_twice_does_not_double_handlers(installed: Path) -> None:
    logs.setup(installed, console=False)
    ours = [h for h in logging.getLogger("softphone").handlers if getattr(h, "_softphone", 0)]
    assert len(ours) == 2  # recent lines + file
    assert all(any(isinstance(f, logs.MaskingFilter) for f in h.filters) for h in ours)


def test_http_library_lines_stay_quiet_and_masked(
    installed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # httpx logs every request's URL at INFO, the device id in its query.
    httpx_log = logging.getLogger("httpx")
    assert not httpx_log.isEnabledFor(logging.INFO)
    with caplog.at_level(logging.WARNING, logger="httpx"):
        httpx_log.warning("GET /pull/?device_id=sp-8f2f1e3d7f44ae14c708819fddb74c3c")
    [record] = caplog.records
    assert "8f2f1e3d7f44ae14c708819fddb74c3c" not in record.getMessage()
    assert "device_id=sp-8***4c3c" in record.getMessage()

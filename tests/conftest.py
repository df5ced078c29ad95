"""Test-wide set-up: an isolated home, no real keyring, no USB scan, no unexpected warnings."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

# Before anything imports Qt or starts an adb server.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ADB_USB"] = "0"  # the bundled adb server starts at once instead of scanning USB
os.environ.setdefault("PYTHONHASHSEED", "0")

from tests.support.memory_keyring import MemoryKeyring

# The private adb server and the simulated phones, for every test folder that needs them.
pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(autouse=True)
def softphone_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own SOFTPHONE_HOME: settings, database and logs under tmp_path."""
    home = tmp_path / "home"
    monkeypatch.setenv("SOFTPHONE_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets a fresh in-memory keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_unexpected_warnings(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that logs a WARNING (or worse) fails, unless it takes `caplog` to declare it."""
    collector = _Collect()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    if "caplog" in request.fixturenames:
        return
    ours = collector.records
    if ours:
        lines = "\n".join(f"  {r.levelname} {r.name}: {r.getMessage()}" for r in ours)
        pytest.fail(f"unexpected warnings were logged (take caplog to declare them):\n{lines}")

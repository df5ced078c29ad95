"""Fixtures for the window's tests: a qasync loop inside pytest-qt's event loop, and a desk —
the simulated CRM, a simulated phone behind the private adb server, the real engine and its
window (shown offscreen, decoding inline, a tray that exists)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from softphone.config import paths
from softphone.sim.crm import CrmOptions, start_in_thread
from softphone.sim.phone import SimPhone
from softphone.ui import i18n
from softphone.ui.app import build_window
from tests.support.adb import AdbServer
from tests.support.engines import desk_engine
from tests.support.qt import Desk, InlineExecutor, run


@pytest.fixture
def qt_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    # A plain pool for asyncio.to_thread: qasync's own (QThreads) is shut down only when the
    # loop closes, which a loop that is "already running" under pytest-qt never does.
    threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="test-loop")
    loop.set_default_executor(threads)
    asyncio.set_event_loop(loop)
    i18n.install("en")
    try:
        yield loop
    finally:
        # A loop made `already_running` marks itself as the running loop and nothing unmarks
        # it: an asyncio test after this one in the same process would find it still running.
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        threads.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def crm_profile() -> str:
    return "seed"


@pytest.fixture
def crm_options() -> dict[str, Any]:
    """More of the simulated CRM's options (a test overrides it: a small per-IP limit…)."""
    return {}


@pytest.fixture
def desk_settings() -> dict[str, Any]:
    """More of the desk's settings (a test overrides it: the limit the desk knows…)."""
    return {}


@pytest.fixture
def desk_history() -> Callable[[Path], object] | None:
    """What a test writes into the desk's database (its path given) before the engine starts:
    a history of some volume, through `softphone.store.Store`. None: an empty history."""
    return None


@pytest.fixture
def desk(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    adb_server: AdbServer,
    sim_phone: SimPhone,
    crm_profile: str,
    crm_options: dict[str, Any],
    desk_settings: dict[str, Any],
    desk_history: Callable[[Path], object] | None,
) -> Iterator[Desk]:
    QGuiApplication.clipboard().clear()  # what one test put there is not the next one's
    if desk_history is not None:
        desk_history(paths().ensure().database)
    crm = start_in_thread(
        CrmOptions(profile=crm_profile, users=[("op1", "pw1", False)], **crm_options), port=0
    )
    engine = desk_engine(adb_server.port, server_url=crm.url, **desk_settings)
    run(qtbot, engine.start())
    window = build_window(engine, executor=InlineExecutor(), tray_available=True)
    qtbot.addWidget(window)
    window.show()
    try:
        yield Desk(crm, sim_phone, engine, window)
    finally:
        window.bridge.detach()
        window.hide()
        run(qtbot, engine.stop())
        crm.stop()

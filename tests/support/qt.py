"""Driving the window in tests: the qasync loop beside pytest-qt, running coroutines, an
executor that runs inline (deterministic decoding), and a desk with its window.

pytest-qt's waits (`qtbot.waitSignal`, `waitUntil`) spin Qt's event loop; with a qasync loop
created `already_running`, the engine's asyncio tasks run inside those waits — so a test is plain
synchronous code that waits on signals and conditions, never on time.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

from pytestqt.qtbot import QtBot

from softphone.engine import Engine
from softphone.sim.crm import RunningCrm
from softphone.sim.phone import SimPhone
from softphone.ui.mainwindow import MainWindow

T = TypeVar("T")


class InlineExecutor(Executor):
    """Runs each job at once in the calling thread (Picard's FakeThreadPool, for asyncio)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # handed to whoever awaits it
            future.set_exception(err)
        return future


def run(qtbot: QtBot, coroutine: Coroutine[Any, Any, T], timeout_s: float = 30) -> T:
    """Run a coroutine on the qasync loop while Qt's events flow; its result."""
    task = asyncio.ensure_future(coroutine)
    qtbot.waitUntil(task.done, timeout=int(timeout_s * 1000))
    return task.result()


@dataclasses.dataclass
class Desk:
    """A desk in a test: the simulated CRM, the phone, the started engine and its window."""

    crm: RunningCrm
    phone: SimPhone
    engine: Engine
    window: MainWindow

    def sign_in(self, qtbot: QtBot) -> None:
        run(qtbot, self.engine.login_qr(self.crm.url, self.crm.create_qr("op1")))
        qtbot.waitUntil(lambda: self.window.bridge.status.ready, timeout=15_000)

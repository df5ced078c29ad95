"""The engine as Qt signals: the window's only door to it.

`EngineBridge` subscribes to the engine's events and re-emits each as a Qt signal on the GUI
thread (which is the event-loop thread under qasync), keeps the latest `EngineStatus` (taken
again, once per loop turn, after any event — widgets never poll), and runs the engine's async
commands as tasks it owns, reporting any failure as `failed`.

Widgets talk to the engine only through this object: its signals, `status`, `engine` (for the
public queries and commands listed in `softphone.engine`) and `run`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from softphone.engine import (
    CallChanged,
    CommandReceived,
    CommandStalled,
    Engine,
    EngineEvent,
    EngineStatus,
    OutboxChanged,
    PacingChanged,
    PhoneChanged,
    PollStatusChanged,
    SessionChanged,
    SettingsChanged,
)

log = logging.getLogger("softphone.ui")

__all__ = ["EngineBridge"]


class EngineBridge(QObject):
    """The engine's events as signals, its status kept fresh, its commands run as tasks.

    Signals:
        callChanged(entry: HistoryEntry): a call was received, moved on, or was resolved, or its
            report's delivery state changed.
        phoneChanged(phone: PhoneStatus): the phone was attached, detached, probed…
        settingsChanged(settings: Settings, changed: frozenset[str]): settings were saved.
        sessionChanged(signed_in: bool, username: str, problem: Problem | None): signed in or
            out; `problem` says why a session ended when the operator did not end it.
        commandReceived(command: CallCommand): a command from the CRM was saved.
        pacingChanged(event: PacingChanged): requests are held back until `event.until`, or
            go again.
        outboxChanged(pending: int, dead: int): the outbox moved.
        pollChanged(event: PollStatusChanged): the server's mode or last answer changed.
        commandStalled(problem: Problem | None): a received command cannot be saved (or now is).
        statusChanged(status: EngineStatus): the status after any of the above (one per loop
            turn, however many events came in it).
        failed(what: str, error: BaseException): a command started with `run` failed.
    """

    callChanged = Signal(object)
    phoneChanged = Signal(object)
    settingsChanged = Signal(object, object)
    sessionChanged = Signal(bool, str, object)
    commandReceived = Signal(object)
    pacingChanged = Signal(object)
    outboxChanged = Signal(int, int)
    pollChanged = Signal(object)
    commandStalled = Signal(object)
    statusChanged = Signal(object)
    failed = Signal(str, object)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._status = engine.status()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self._take_status)
        self._unsubscribe = engine.subscribe(self._on_event)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def status(self) -> EngineStatus:
        """The status as of the last event (taken again after each burst of events)."""
        return self._status

    def refresh_status(self) -> EngineStatus:
        """Take the status now (after a command the window just ran)."""
        self._take_status()
        return self._status

    def run(self, coroutine: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run an engine command as a task owned here; a failure becomes `failed(what, err)`."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(done, what))
        return task

    def detach(self) -> None:
        """Stop listening to the engine and cancel the commands still running."""
        self._unsubscribe()
        self._refresh.stop()
        for task in list(self._tasks):
            task.cancel()

    def _finished(self, task: asyncio.Task[Any], what: str) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.info("%s failed: %s", what, type(error).__name__)
            self.failed.emit(what, error)
        self._refresh.start()

    def _on_event(self, event: EngineEvent) -> None:
        if isinstance(event, CallChanged):
            self.callChanged.emit(event.entry)
        elif isinstance(event, PhoneChanged):
            self.phoneChanged.emit(event.phone)
        elif isinstance(event, SettingsChanged):
            self.settingsChanged.emit(event.settings, event.changed)
        elif isinstance(event, SessionChanged):
            self.sessionChanged.emit(event.signed_in, event.username, event.problem)
        elif isinstance(event, CommandReceived):
            self.commandReceived.emit(event.command)
        elif isinstance(event, PacingChanged):
            self.pacingChanged.emit(event)
        elif isinstance(event, OutboxChanged):
            self.outboxChanged.emit(event.pending, event.dead)
        elif isinstance(event, PollStatusChanged):
            self.pollChanged.emit(event)
        elif isinstance(event, CommandStalled):
            self.commandStalled.emit(event.problem)
        self._refresh.start()

    def _take_status(self) -> None:
        if not self._engine.running:
            return
        self._status = self._engine.status()
        self.statusChanged.emit(self._status)

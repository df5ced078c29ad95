"""The engine: builds and owns everything, runs headless or under the window.

It composes the store, the CRM link (`sync`), the phone (`adb` through `phone.DeskPhone`) and
the call flow; owns their tasks (cancelled with a deadline on stop); exposes

- typed events (`CallChanged`, `PhoneChanged`, `SyncChanged`) to subscribers,
- a status snapshot (`EngineStatus`): session, server mode and limits, phone and its
  capabilities, the queue, the call in progress, the outbox and its dead letters,
- async commands (`call`, `hang_up`, `confirm`, `dismiss`, `login_*`, `logout`, …), the same
  ones the command line and the window use.

On start the flow resumes every unfinished call from the store: a call that was being dialled is
watched and correlated, never dialled again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import enum
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx

from softphone import __version__, logs
from softphone.adb.bridge import PhoneBridge
from softphone.config import Paths, Settings, load_settings, paths, save_settings
from softphone.control import ControlServer
from softphone.flow import CallFlow
from softphone.instance import AlreadyRunning, InstanceLock
from softphone.masking import mask_device_id
from softphone.model import ActionSource, HistoryEntry, to_wire_time
from softphone.phone import DeskPhone, PhoneStatus
from softphone.store import HistoryFilter, OutboxItem, Store
from softphone.sync import CrmLink, OutboxChanged, SyncEvent, SyncStatus

log = logging.getLogger("softphone.engine")

__all__ = [
    "CallChanged",
    "Engine",
    "EngineEvent",
    "EngineStatus",
    "PhoneChanged",
    "SyncChanged",
    "jsonable",
]

STOP_DEADLINE_S = 5.0


@dataclasses.dataclass(frozen=True, slots=True)
class CallChanged:
    """A call was received, moved to another phase, or was resolved."""

    entry: HistoryEntry


@dataclasses.dataclass(frozen=True, slots=True)
class PhoneChanged:
    """The phone was attached, detached, authorised, probed…"""

    phone: PhoneStatus


@dataclasses.dataclass(frozen=True, slots=True)
class SyncChanged:
    """Something happened in the CRM conversation (session, polling, rate limit, outbox)."""

    event: SyncEvent


EngineEvent = CallChanged | PhoneChanged | SyncChanged


@dataclasses.dataclass(frozen=True, slots=True)
class EngineStatus:
    """The whole picture at one moment: what the window, the tray and `status --json` show."""

    version: str
    auto_dial: bool
    sync: SyncStatus
    phone: PhoneStatus
    current_call: HistoryEntry | None
    waiting: tuple[HistoryEntry, ...]
    dead_letters: tuple[OutboxItem, ...]

    @property
    def ready(self) -> bool:
        """Signed in and a usable phone: commands will be dialled."""
        return bool(self.sync.signed_in) and self.phone.ready

    def to_json(self) -> dict[str, Any]:
        data = jsonable(self)
        assert isinstance(data, dict)
        data["ready"] = self.ready
        for item in data["dead_letters"]:
            item.pop("body", None)  # the report itself is in the history; keep this small
        return data


def jsonable(value: Any) -> Any:
    """Dataclasses, enums and datetimes as plain JSON values (times ISO-8601 UTC with Z)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return to_wire_time(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


Listener = Callable[[EngineEvent], None]


class Engine:
    """Softphone without a window. `await start()`, use it, `await stop()`."""

    def __init__(
        self,
        where: Paths | None = None,
        settings: Settings | None = None,
        *,
        bridge: PhoneBridge | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        control: bool = True,
    ) -> None:
        self.paths = (where or paths()).ensure()
        self.settings = settings or load_settings(self.paths)
        self.store = Store.open(self.paths.database)
        self._listeners: list[Listener] = []
        self.bridge = bridge or PhoneBridge()
        self.phone = DeskPhone(
            self.bridge,
            preferred_serial=self.settings.phone_serial,
            on_change=lambda status: self._emit(PhoneChanged(status)),
            dial_start_timeout=self.settings.dial_start_timeout_s,
        )
        self.link = CrmLink(
            self.store,
            self.settings,
            on_command=self._on_command,
            on_event=self._sync_event,
            transport=transport,
        )
        self.flow = CallFlow(
            self.store,
            self.phone,
            self.link,
            self.settings,
            on_change=lambda entry: self._emit(CallChanged(entry)),
        )
        self._control = (
            ControlServer(self.paths.control_file, self._control_request) if (control) else None
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._instance = InstanceLock(self.paths.data_dir / "engine.lock")

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start everything. Raises `AlreadyRunning` if another engine runs on this data."""
        if self._started:
            return
        try:
            self._instance.acquire()
        except AlreadyRunning:
            self.store.close()
            raise
        self._started = True
        logs.keep_recent_lines()
        log.info("Softphone %s starting (data in %s)", __version__, self.paths.data_dir)
        await self.phone.start()
        await self.link.start()
        self._tasks.append(asyncio.get_running_loop().create_task(self.flow.run(), name="flow"))
        if self._control is not None:
            await self._control.start()

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self._control is not None:
            await self._control.stop()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_DEADLINE_S)
        self._tasks.clear()
        await self.link.stop()
        await self.phone.stop()
        with contextlib.suppress(Exception):
            await self.bridge.close()
        self.store.close()
        self._instance.release()
        log.info("Softphone stopped")

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # -- events and status -----------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every event; returns the function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: EngineEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("an event listener failed")

    def _sync_event(self, event: SyncEvent) -> None:
        self._emit(SyncChanged(event))
        if isinstance(event, OutboxChanged) and event.call_id is not None:
            # The call's report state changed (sent, dead, retried): its history row shows it.
            try:
                entry = self.store.call(event.call_id)
            except KeyError:  # the row may be gone (history cleared); the event is a hint
                log.debug("call %s not found for its outbox change", event.call_id)
                return
            self._emit(CallChanged(entry))

    def status(self) -> EngineStatus:
        return EngineStatus(
            version=__version__,
            auto_dial=self.settings.auto_dial,
            sync=self.link.status(),
            phone=self.phone.status,
            current_call=self.flow.active_call,
            waiting=tuple(self.flow.waiting()),
            dead_letters=tuple(self.store.dead_letters()),
        )

    # -- commands --------------------------------------------------------------------------

    async def _on_command(self, command: Any) -> None:
        await self.flow.receive(command)

    async def call(
        self,
        number: str,
        source: ActionSource = ActionSource.MANUAL,
        *,
        parent_id: int | None = None,
    ) -> HistoryEntry:
        """Place a call the operator asked for. Raises `numbers.InvalidNumber`."""
        return self.flow.call(number, source, parent_id=parent_id)

    async def call_back(self, entry_id: int) -> HistoryEntry:
        """Call back the number of a history entry, as its own entry linked to it."""
        parent = self.store.call(entry_id)
        return self.flow.call(parent.phone, ActionSource.HISTORY, parent_id=entry_id)

    async def hang_up(self) -> str | None:
        return await self.flow.hang_up()

    async def confirm(self, call_id: int, *, from_notification: bool = False) -> HistoryEntry:
        return self.flow.confirm(call_id, from_notification=from_notification)

    async def dismiss(self, call_id: int) -> HistoryEntry:
        return self.flow.dismiss(call_id)

    async def login_password(self, server_url: str, username: str, password: str) -> None:
        await self.link.login_password(server_url, username, password)
        self._remember_server(server_url, username)

    async def login_qr(self, server_url: str, token: str) -> None:
        await self.link.login_qr(server_url, token)
        self._remember_server(server_url, self.link.status().username or "")

    async def logout(self) -> None:
        await self.link.logout()

    async def retry_dead(self, item_id: int) -> None:
        await self.link.retry_dead(item_id)

    async def discard_dead(self, item_id: int) -> None:
        await self.link.discard_dead(item_id)

    def set_auto_dial(self, on: bool) -> None:
        """Dial CRM commands at once (on), or wait for the operator to confirm each (off).

        Saved at once; applies to commands received from now on (one already waiting for a
        confirmation keeps waiting for it).
        """
        self.settings = self.settings.model_copy(update={"auto_dial": on})
        save_settings(self.paths, self.settings)
        self.flow.settings = self.settings

    def choose_phone(self, serial: str) -> None:
        """Use this phone (when several are attached); "" goes back to "the one attached".

        Saved at once; the phone is probed again and a PhoneChanged follows.
        """
        self.settings = self.settings.model_copy(update={"phone_serial": serial})
        save_settings(self.paths, self.settings)
        self.phone.preferred_serial = serial
        self.phone.refresh()

    async def send_support_report(self, comment: str = "") -> int:
        """Queue the status snapshot and the recent log lines for the CRM's log endpoint.

        Everything is masked on the way (tokens, numbers, the device id); the bundle is split
        to the server's size limit and delivered by the outbox like a result. Returns its size.
        """
        lines = [line for _level, line in logs.recent().lines()]
        snapshot = self.status().to_json()
        phone = snapshot["phone"]
        phone["serial"] = mask_device_id(phone["serial"]) if phone.get("serial") else None
        phone["attached"] = [mask_device_id(serial) for serial in phone.get("attached", [])]
        text = "\n".join(
            [
                f"Softphone {__version__} support report",
                comment.strip(),
                json.dumps(snapshot, ensure_ascii=False),
                *lines,
            ]
        )
        await self.link.send_log_bundle(text)
        return len(text)

    def history(
        self,
        filters: HistoryFilter | None = None,
        *,
        limit: int = 100,
        before: tuple[float, int] | None = None,
    ) -> list[HistoryEntry]:
        return self.store.history(filters, limit=limit, before=before)

    def _remember_server(self, server_url: str, username: str) -> None:
        self.settings = self.settings.model_copy(
            update={"server_url": server_url, "username": username}
        )
        save_settings(self.paths, self.settings)

    # -- the command line's door -----------------------------------------------------------

    async def _control_request(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "status":
            return {"ok": True, "status": self.status().to_json()}
        if op == "call":
            entry = await self.call(str(request.get("number", "")))
            return {"ok": True, "call": jsonable(entry)}
        if op == "hang_up":
            problem = await self.hang_up()
            return {"ok": problem is None, "error": problem}
        return {"ok": False, "error": f"unknown request {op!r}"}

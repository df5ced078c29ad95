"""The engine: builds and owns everything, runs headless or under the window.

It composes the store, the CRM link (`sync`), the phone (`adb` through `phone.DeskPhone`) and
the call flow, and owns their tasks (cancelled with a deadline on stop). Those parts are
private: the window, the tray, the command line, the demo and the tests use only what is
public here —

- events (`subscribe`): `CallChanged`, `PhoneChanged`, `SettingsChanged`, and the CRM
  conversation's `SessionChanged`, `CommandReceived`, `CommandStalled`, `PollStatusChanged`,
  `PacingChanged`, `OutboxChanged` — enough for a window that never polls;
- queries: `status()` (the whole picture, with typed `problems`), `settings`, `entry`,
  `entries`, `entry_for_command`, `linked`, `history` (keyset pages with an opaque cursor),
  `count`, `figures`, `numbers_like`, `dead_letters`, `deliveries`, `recent_requests`, `log_lines`;
- commands: `call`, `call_back`, `hang_up`, `confirm`, `dismiss`, `login_qr`,
  `login_password`, `logout`, `retry_dead`, `discard_dead`, `update_settings` (and its thin
  uses `set_auto_dial`, `choose_phone`), `reprobe_phone`, `send_support_report`,
  `save_support_report`.

On start the flow resumes every unfinished call from the store: a call that was being dialled is
watched and correlated, never dialled again, and is the current call until it ends.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import datetime as dt
import enum
import json
import logging
import platform
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final

import httpx
import pydantic

from softphone import __version__, logs
from softphone.adb.bridge import PhoneBridge
from softphone.config import Paths, Settings, load_settings, paths, save_settings
from softphone.control import ControlServer
from softphone.flow import CallFlow
from softphone.instance import AlreadyRunning, InstanceLock
from softphone.masking import mask, register_device_id
from softphone.model import ActionSource, CallCommand, HistoryEntry, to_wire_time
from softphone.numbers import InvalidNumber
from softphone.phone import DeskPhone, PhoneStatus
from softphone.problems import Problem, ProblemKind
from softphone.store import Figures, HistoryFilter, OutboxItem, Store
from softphone.sync import (
    CommandReceived,
    CommandStalled,
    CrmError,
    CrmLink,
    InsecureServer,
    OutboxChanged,
    PacingChanged,
    PollStatusChanged,
    RateLimited,
    Rejected,
    SessionChanged,
    SyncEvent,
    SyncStatus,
    Unavailable,
)
from softphone.sync.link import RequestRecord

log = logging.getLogger("softphone.engine")

__all__ = [
    "CallChanged",
    "CommandReceived",
    "CommandStalled",
    "CrmError",
    "Engine",
    "EngineEvent",
    "EngineStatus",
    "HistoryPage",
    "InsecureServer",
    "OutboxChanged",
    "PacingChanged",
    "PhoneChanged",
    "PollStatusChanged",
    "RateLimited",
    "Readiness",
    "Rejected",
    "RequestRecord",
    "SessionChanged",
    "SettingsChanged",
    "SettingsRefused",
    "Unavailable",
    "jsonable",
]

STOP_DEADLINE_S: Final = 5.0
HISTORY_PAGE: Final = 100


@dataclasses.dataclass(frozen=True, slots=True)
class CallChanged:
    """A call was received, moved to another phase, was resolved, or its report moved on."""

    entry: HistoryEntry


@dataclasses.dataclass(frozen=True, slots=True)
class PhoneChanged:
    """The phone was attached, detached, authorised, probed…"""

    phone: PhoneStatus


@dataclasses.dataclass(frozen=True, slots=True)
class SettingsChanged:
    """Settings were saved and reached every part; `changed` names the options that moved."""

    settings: Settings
    changed: frozenset[str]


EngineEvent = (
    CallChanged
    | PhoneChanged
    | SettingsChanged
    | SessionChanged
    | CommandReceived
    | CommandStalled
    | PollStatusChanged
    | PacingChanged
    | OutboxChanged
)


class SettingsRefused(ValueError):
    """`update_settings` refused the changes; nothing was saved. `errors` maps each refused
    option to the validator's message (for showing beside its field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {text}" for name, text in errors.items()))
        self.errors = errors


class Readiness(enum.StrEnum):
    """The desk at a glance: the tray icon's colour."""

    READY = "ready"  # commands will be dialled and reported
    DEGRADED = "degraded"  # working, but slowed or not all is well (held back, results waiting)
    NOT_READY = "not_ready"  # commands will not be dialled (no session, no usable phone…)


#: Problems that slow the desk down without stopping it.
_DEGRADING: Final = frozenset(
    {
        ProblemKind.RATE_LIMITED,
        ProblemKind.RATE_LIMIT_SHARED,
        ProblemKind.RESULTS_REFUSED,
        ProblemKind.KEYRING_UNAVAILABLE,
        ProblemKind.SERVER_UNREACHABLE,
        ProblemKind.INPUT_BLOCKED,
        ProblemKind.CALL_LOG_DENIED,
        ProblemKind.CALL_LOG_BROKEN,
    }
)


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

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Everything wrong, most important first: the session, the phone, then the rest."""
        sync = self.sync.problems
        first = [
            p for p in sync if p.kind in (ProblemKind.NOT_SIGNED_IN, ProblemKind.SESSION_ENDED)
        ]
        rest = [p for p in sync if p not in first]
        return (*first, *self.phone.problems, *rest)

    @property
    def readiness(self) -> Readiness:
        if not self.ready:
            return Readiness.NOT_READY
        if any(p.kind in _DEGRADING for p in self.problems) or self.sync.outbox_pending:
            return Readiness.DEGRADED
        return Readiness.READY

    def to_json(self) -> dict[str, Any]:
        data = jsonable(self)
        assert isinstance(data, dict)
        data["ready"] = self.ready
        data["readiness"] = self.readiness.value
        data["problems"] = [p.to_json() for p in self.problems]
        for item in data["dead_letters"]:
            item.pop("body", None)  # the report itself is in the history; keep this small
        return data


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of the history, newest first; `next_cursor` fetches the next (None: the end)."""

    entries: tuple[HistoryEntry, ...]
    next_cursor: str | None


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


def _encode_cursor(entry: HistoryEntry) -> str:
    raw = f"{entry.created_at.timestamp()!r}/{entry.id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        moment, _, call_id = (
            base64.urlsafe_b64decode(cursor.encode("ascii")).decode().partition("/")
        )
        return float(moment), int(call_id)
    except (ValueError, binascii.Error, UnicodeError) as err:
        raise ValueError("not a history cursor") from err


Listener = Callable[[EngineEvent], None]


class Engine:
    """Softphone without a window. `await start()`, use it, `await stop()`.

    `crm=False` leaves the CRM alone (no pulls, nothing sent): a one-off manual call from the
    command line when no engine runs. `control=False`: no door for the command line.
    """

    def __init__(
        self,
        where: Paths | None = None,
        settings: Settings | None = None,
        *,
        bridge: PhoneBridge | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        control: bool = True,
        crm: bool = True,
    ) -> None:
        self._paths = (where or paths()).ensure()
        self._settings = settings or load_settings(self._paths)
        self._store = Store.open(self._paths.database)
        self._listeners: list[Listener] = []
        self._bridge = bridge or PhoneBridge()
        self._phone = DeskPhone(
            self._bridge,
            preferred_serial=self._settings.phone_serial,
            on_change=lambda status: self._emit(PhoneChanged(status)),
            dial_start_timeout=self._settings.dial_start_timeout_s,
        )
        self._link = CrmLink(
            self._store,
            self._settings,
            on_command=self._on_command,
            on_event=self._sync_event,
            transport=transport,
            lock_path=self._paths.data_dir / "session.lock",
        )
        self._flow = CallFlow(
            self._store,
            self._phone,
            self._link,
            self._settings,
            on_change=lambda entry: self._emit(CallChanged(entry)),
        )
        self._control = ControlServer(self._paths.control_file, self._control_request)
        self._serve_control = control
        self._crm = crm
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._instance = InstanceLock(self._paths.data_dir / "engine.lock")
        self._stop_requested = asyncio.Event()
        self._show_handlers: list[Callable[[], None]] = []

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start everything. Raises `AlreadyRunning` if another engine runs on this data."""
        if self._started:
            return
        try:
            self._instance.acquire()
        except AlreadyRunning:
            self._store.close()
            raise
        self._started = True
        self._stop_requested.clear()
        logs.keep_recent_lines()
        log.info("Softphone %s starting (data in %s)", __version__, self._paths.data_dir)
        await self._phone.start()
        if self._crm:
            await self._link.start()
        self._tasks.append(asyncio.get_running_loop().create_task(self._flow.run(), name="flow"))
        if self._serve_control:
            await self._control.start()

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self._serve_control:
            await self._control.stop()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _done, late = await asyncio.wait(self._tasks, timeout=STOP_DEADLINE_S)
            for task in late:
                log.warning("task %s did not stop within %.0f s", task.get_name(), STOP_DEADLINE_S)
        self._tasks.clear()
        await self._link.stop()
        await self._phone.stop()
        try:
            await self._bridge.close()
        except Exception:
            log.exception("the phone bridge did not close cleanly")
        self._store.close()
        self._instance.release()
        log.info("Softphone stopped")

    async def wait_stop_requested(self) -> None:
        """Until someone asked this engine to stop through its control door (`softphone
        stop`): whoever runs it then calls `stop()`."""
        await self._stop_requested.wait()

    @property
    def running(self) -> bool:
        return self._started

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # -- events ----------------------------------------------------------------------------

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
        self._emit(event)
        if isinstance(event, OutboxChanged) and event.call_id is not None:
            # The call's report state changed (sent, dead, retried): its history row shows it.
            try:
                entry = self._store.call(event.call_id)
            except KeyError:  # the row may be gone (history cleared); the event is a hint
                log.debug("call %s not found for its outbox change", event.call_id)
                return
            self._emit(CallChanged(entry))

    # -- queries ---------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The settings in force (change them with `update_settings`)."""
        return self._settings

    @property
    def paths(self) -> Paths:
        """Where this engine keeps its settings, history and logs."""
        return self._paths

    def status(self) -> EngineStatus:
        return EngineStatus(
            version=__version__,
            auto_dial=self._settings.auto_dial,
            sync=self._link.status(),
            phone=self._phone.status,
            current_call=self._flow.active_call,
            waiting=tuple(self._flow.waiting()),
            dead_letters=tuple(self._store.dead_letters()),
        )

    def entry(self, call_id: int) -> HistoryEntry:
        """One call by its history id. Raises KeyError if there is none."""
        return self._store.call(call_id)

    def entries(self, call_ids: Iterable[int]) -> dict[int, HistoryEntry]:
        """Calls by their history ids, in one read (ids with no call are left out): a view
        that keeps only the rows on screen reads the others back with this."""
        return self._store.calls(call_ids)

    def entry_for_command(self, command_id: str) -> HistoryEntry | None:
        """The call made for this CRM command, if it was received."""
        return self._store.call_by_command(command_id)

    def linked(self, call_id: int) -> tuple[HistoryEntry | None, tuple[HistoryEntry, ...]]:
        """(the call this one was made back from, the calls made back from this one)."""
        entry = self._store.call(call_id)
        parent = None
        if entry.parent_id is not None:
            try:
                parent = self._store.call(entry.parent_id)
            except KeyError:
                parent = None
        return parent, tuple(self._store.children(call_id))

    def history(
        self,
        filters: HistoryFilter | None = None,
        cursor: str | None = None,
        *,
        limit: int = HISTORY_PAGE,
    ) -> HistoryPage:
        """A page of the history, newest first; pass `next_cursor` back for the next one.

        Keyset paging: a page costs the same at row 100 as at row 200 000, and calls that
        arrive meanwhile never shift what the next page holds. ValueError for a bad cursor.
        """
        before = None if cursor is None else _decode_cursor(cursor)
        rows = self._store.history(filters, limit=limit + 1, before=before)
        entries = tuple(rows[:limit])
        more = len(rows) > limit and entries
        return HistoryPage(entries, _encode_cursor(entries[-1]) if more else None)

    def count(self, filters: HistoryFilter | None = None) -> int:
        return self._store.count_history(filters)

    def figures(self, since: float, until: float | None = None) -> Figures:
        """Calls, connected, not connected, talk time and calls per hour since `since` (epoch
        seconds; the window passes today's local midnight)."""
        return self._store.figures(since, until)

    def numbers_like(self, part: str, *, limit: int = 10) -> list[str]:
        """Distinct numbers from the history containing these digits, most recent first (the
        dial bar's completion)."""
        seen: list[str] = []
        cursor: str | None = None
        filters = HistoryFilter(number_part=part)
        while len(seen) < limit:
            page = self.history(filters, cursor, limit=50)
            for entry in page.entries:
                if entry.phone not in seen:
                    seen.append(entry.phone)
            if page.next_cursor is None or len(seen) >= limit:
                break
            cursor = page.next_cursor
        return seen[:limit]

    def dead_letters(self) -> list[OutboxItem]:
        return self._store.dead_letters()

    def deliveries(self, call_ids: Iterable[int]) -> dict[int, OutboxItem]:
        """Where these calls' reports wait in the outbox, by call id: tries so far, the last
        error, the next try (`next_attempt_at`), or refused for good (`is_dead`, the item id
        for `retry_dead` / `discard_dead`). Calls with nothing waiting are left out."""
        return self._store.outbox_for_calls(call_ids)

    def recent_requests(self) -> list[RequestRecord]:
        """The last requests to the CRM, oldest first: path, HTTP code (0: no answer), time."""
        return self._link.recent_requests()

    def log_lines(self) -> list[tuple[int, str]]:
        """The recent log lines (level, masked text), oldest first."""
        return logs.recent().lines()

    # -- commands --------------------------------------------------------------------------

    async def _on_command(self, command: CallCommand) -> None:
        await self._flow.receive(command)

    async def call(
        self,
        number: str,
        source: ActionSource = ActionSource.MANUAL,
        *,
        parent_id: int | None = None,
    ) -> HistoryEntry:
        """Place a call the operator asked for. Raises `numbers.InvalidNumber`."""
        return self._flow.call(number, source, parent_id=parent_id)

    async def call_back(self, entry_id: int) -> HistoryEntry:
        """Call back the number of a history entry, as its own entry linked to it."""
        parent = self._store.call(entry_id)
        return self._flow.call(parent.phone, ActionSource.HISTORY, parent_id=entry_id)

    async def hang_up(self) -> Problem | None:
        """End the current call. None when done (or nothing to end), else why it could not be."""
        return await self._flow.hang_up()

    async def confirm(self, call_id: int, *, from_notification: bool = False) -> HistoryEntry:
        return self._flow.confirm(call_id, from_notification=from_notification)

    async def dismiss(self, call_id: int) -> HistoryEntry:
        return self._flow.dismiss(call_id)

    async def login_password(self, server_url: str, username: str, password: str) -> None:
        """Sign in by password; `sync.Rejected` carries the server's own words when refused.

        A server that refuses passwords altogether (QR sign-in only) is still remembered as
        this desk's server: it is where the operator signs in next, by QR."""
        try:
            await self._link.login_password(server_url, username, password)
        except Rejected:
            if self._link.qr_only(server_url):
                await self.update_settings(server_url=server_url.strip().rstrip("/"))
            raise
        await self._remember_server(server_url, username)

    async def login_qr(self, server_url: str, token: str) -> None:
        """Sign in with the token of the CRM's QR code."""
        await self._link.login_qr(server_url, token)
        await self._remember_server(server_url, self._link.status().username)

    async def logout(self) -> None:
        await self._link.logout()

    async def retry_dead(self, item_id: int) -> None:
        await self._link.retry_dead(item_id)

    async def discard_dead(self, item_id: int) -> None:
        await self._link.discard_dead(item_id)

    async def update_settings(self, **changes: Any) -> Settings:
        """Validate, save and apply setting changes at once, everywhere; `SettingsChanged`.

        All or nothing: an unknown option or an invalid value raises `SettingsRefused` with a
        message per option, and nothing is saved or applied.
        """
        fields = Settings.model_fields
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise SettingsRefused({name: "not a setting" for name in unknown})
        try:
            updated = Settings.model_validate({**self._settings.model_dump(), **changes})
        except pydantic.ValidationError as err:
            raise SettingsRefused(
                {str(e["loc"][0]) if e["loc"] else "settings": e["msg"] for e in err.errors()}
            ) from None
        changed = frozenset(
            name for name in fields if getattr(updated, name) != getattr(self._settings, name)
        )
        if not changed:
            return self._settings
        save_settings(self._paths, updated)
        self._settings = updated
        self._flow.settings = updated
        await self._link.apply_settings(updated)
        self._phone.apply_settings(updated)
        self._flow.wake()
        log.info("settings changed: %s", ", ".join(sorted(changed)))
        self._emit(SettingsChanged(updated, changed))
        return updated

    async def set_auto_dial(self, on: bool) -> None:
        """Dial CRM commands at once (on), or wait for the operator to confirm each (off).

        Applies to commands received from now on (one already waiting keeps waiting)."""
        await self.update_settings(auto_dial=on)

    async def choose_phone(self, serial: str) -> None:
        """Use this phone (when several are attached); "" goes back to "the one attached"."""
        await self.update_settings(phone_serial=serial)

    async def reprobe_phone(self) -> PhoneStatus:
        """Look at the phone again now, capabilities and all (the operator changed a setting
        on it); a `PhoneChanged` follows if anything moved."""
        return await self._phone.reprobe()

    def _report_status(self) -> dict[str, Any]:
        """The status for a support report. Every phone serial it names (the one in use, the
        attached ones, the keys of their models) is registered with the masking function
        first, so that `mask` hides it wherever it appears."""
        status = self.status()
        for serial in (status.phone.serial, *status.phone.attached, *status.phone.models):
            register_device_id(serial)
        return status.to_json()

    def support_report_text(self, comment: str = "") -> str:
        """The status snapshot, the settings (no secrets are in them) and the recent log
        lines, masked — what a support report carries."""
        snapshot = self._report_status()
        text = "\n".join(
            [
                f"Softphone {__version__} support report",
                f"Python {platform.python_version()} on {platform.platform()}",
                comment.strip(),
                json.dumps(snapshot, ensure_ascii=False),
                self._settings.model_dump_json(),
                *(line for _level, line in self.log_lines()),
            ]
        )
        return mask(text)

    async def send_support_report(self, comment: str = "") -> int:
        """Queue the support report for the CRM's log endpoint (masked, split to the server's
        size limit, delivered by the outbox like a result). Returns its size in characters."""
        text = self.support_report_text(comment)
        await self._link.send_log_bundle(text)
        return len(text)

    def save_support_report(self, target: Path, comment: str = "") -> list[str]:
        """Write the support report as a zip; returns the names of the files inside."""
        snapshot = self._report_status()
        contents = {
            "report.txt": self.support_report_text(comment),
            "status.json": mask(json.dumps(snapshot, ensure_ascii=False, indent=2)),
            "settings.json": mask(self._settings.model_dump_json(indent=2)),
            "log.txt": mask("\n".join(line for _level, line in self.log_lines())),
            "versions.txt": "\n".join(
                [
                    f"softphone {__version__}",
                    f"python {platform.python_version()}",
                    f"platform {platform.platform()}",
                    f"adb server {self._bridge.server_version or '-'}",
                ]
            ),
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in contents.items():
                archive.writestr(name, text)
        return list(contents)

    async def _remember_server(self, server_url: str, username: str) -> None:
        await self.update_settings(server_url=server_url.strip().rstrip("/"), username=username)

    # -- the command line's door -----------------------------------------------------------

    def on_show_request(self, handler: Callable[[], None]) -> None:
        """Call `handler` when another `softphone` asks this one to show itself (the window
        registers its "bring forward"; a headless engine has none and says so)."""
        self._show_handlers.append(handler)

    def qr_only(self, server_url: str) -> bool:
        """Whether this server refused password sign-in here before (it signs in by QR only)."""
        return self._link.qr_only(server_url)

    async def _control_request(self, request: dict[str, Any]) -> dict[str, Any]:
        """One request from the command line (`softphone status/call/login/logout/doctor…`):
        whatever a running engine can answer, it answers, so no second process spends the
        desk's request budget or drives its phone."""
        try:
            return await self._answer_control(request)
        except CrmError as err:
            return {"ok": False, "error": str(err), "status_code": err.status}
        except InvalidNumber as err:
            return {"ok": False, "error": err.problem.value, "number_problem": err.problem.value}

    async def _answer_control(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "status":
            return {"ok": True, "status": self.status().to_json()}
        if op == "call":
            entry = await self.call(str(request.get("number", "")))
            return {"ok": True, "call": jsonable(entry)}
        if op == "hang_up":
            problem = await self.hang_up()
            return {
                "ok": problem is None,
                "problem": None if problem is None else problem.to_json(),
            }
        if op == "login_qr":
            await self.login_qr(str(request.get("server", "")), str(request.get("qr_token", "")))
            return {"ok": True, "status": self.status().to_json()}
        if op == "login_password":
            await self.login_password(
                str(request.get("server", "")),
                str(request.get("username", "")),
                str(request.get("password", "")),
            )
            return {"ok": True, "status": self.status().to_json()}
        if op == "logout":
            await self.logout()
            return {"ok": True}
        if op == "reprobe":
            await self.reprobe_phone()
            return {"ok": True, "status": self.status().to_json()}
        if op == "stop":
            self._stop_requested.set()
            return {"ok": True}
        if op == "show":
            for handler in self._show_handlers:
                handler()
            return {"ok": bool(self._show_handlers), "error": "no window: the engine runs headless"}
        return {"ok": False, "error": f"unknown request {op!r}"}

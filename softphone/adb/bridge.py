"""The phone bridge: an asyncio facade over adbutils that places calls and reads what happened.

`PhoneBridge` addresses every phone by its serial. Blocking adbutils calls run in one worker
thread per phone (adbutils is not thread-safe, and one phone answers one command at a time);
the adb server's own requests (device lists, track-devices polls) have a worker of their own.
Every await has a timeout, so a hung phone or server never stalls the event loop's callers.

What the bridge sends is fixed text built here from validated values only: `dial` accepts
nothing but the output of `numbers.normalize` (it must fullmatch `numbers.DIALABLE`), and the
call-log query takes an integer. Nothing a server or person typed reaches the phone's shell any
other way. Failures are `PhoneError`s (with a `kind` and a `fix` fit for a person) or
`Check(ok=False, reason, fix)` for capabilities; phone numbers and serials are masked in logs.

This module never imports Qt, the CRM client or the call flow; it does not decide what a call's
outcome was (that is `correlate`), it only reports what the phone said.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, Literal, TypeVar

import adbutils
from adbutils.errors import AdbConnectionError, AdbError

from softphone.adb import parse
from softphone.adb.server import AdbUnavailable, ensure_server, server_address
from softphone.masking import mask, mask_device_id
from softphone.model import CallLogRow
from softphone.numbers import DIALABLE

__all__ = [
    "CALL_LOG_PROBE_COMMAND",
    "CALL_STATE_COMMAND",
    "CLOCK_COMMAND",
    "END_CALL_COMMAND",
    "IDLE",
    "INPUT_PROBE_COMMAND",
    "OFFHOOK",
    "PROPS_COMMAND",
    "RINGING",
    "CallLogDenied",
    "Capabilities",
    "Check",
    "DeviceEvent",
    "DeviceInfo",
    "DialResult",
    "PhoneBridge",
    "PhoneError",
    "call_log_command",
    "device_events",
    "dial_command",
    "event_kind",
]

log = logging.getLogger("softphone.adb")

T = TypeVar("T")

IDLE: Final = 0
RINGING: Final = 1
OFFHOOK: Final = 2

CALL_ACTION: Final = "android.intent.action.CALL"
END_CALL_COMMAND: Final = "input keyevent KEYCODE_ENDCALL"
CALL_STATE_COMMAND: Final = "dumpsys telephony.registry | grep mCallState"
CLOCK_COMMAND: Final = "date +%s%3N"
PROPS_COMMAND: Final = "getprop"
#: KEYCODE_UNKNOWN (0): injecting it changes nothing on screen, but is refused exactly like
#: KEYCODE_ENDCALL where `input` is blocked (MIUI, ColorOS), so it tells whether hang-up works.
INPUT_PROBE_COMMAND: Final = "input keyevent 0"
_PROJECTION: Final = ":".join(parse.CALL_LOG_COLUMNS)
#: The real projection with a condition no row meets: proves the columns exist and the
#: provider lets us in, without reading anybody's calls.
CALL_LOG_PROBE_COMMAND: Final = (
    f'content query --uri content://call_log/calls --projection {_PROJECTION} --where "_id<0"'
)

_STATE_POLL_S: Final = 0.1  # how often dial() looks at the call state while the call starts
_TRACK_RETRY_S: Final = 1.0
_CONNECT_TIMEOUT_S: Final = 3.0  # adbutils' own; the server is local or on a LAN

ErrorKind = Literal[
    "gone", "offline", "unauthorized", "no_permissions", "timeout", "server", "unreadable", "adb"
]
EventKind = Literal["attached", "detached", "unauthorized", "offline", "no_permissions"]

_FIX_GONE: Final = (
    "Connect the phone with a data USB cable (not a charge-only one) and turn on USB debugging "
    "in Developer options."
)
_FIX_OFFLINE: Final = (
    "Unplug the USB cable and plug it in again; if the phone stays offline, restart it."
)
_FIX_UNAUTHORIZED: Final = (
    "Unlock the phone and tap Allow on the “Allow USB debugging?” prompt (tick “Always allow "
    "from this computer”). No prompt? Replug the cable, or revoke USB debugging authorisations "
    "in Developer options and replug."
)
_FIX_NO_PERMISSIONS: Final = (
    "This computer's user may not open the phone's USB device: on Linux add a udev rule for "
    "the phone (package android-sdk-platform-tools-common) and join the plugdev group."
)
_FIX_TIMEOUT: Final = "The phone did not answer in time: unlock it, then try again."
_FIX_INPUT: Final = (
    "Turn on Developer options → “USB debugging (Security settings)” on the phone "
    "(Xiaomi/Redmi/POCO and some OPPO/realme phones), then reconnect the cable."
)
_FIX_CALL_LOG_DENIED: Final = (
    "This phone's software does not let USB debugging read the call log, so call results will "
    "be reported as unknown. Update the phone's software, or use another phone."
)
_FIX_CALL_LOG_BROKEN: Final = (
    "The phone could not answer a call-log query: restart the phone; if it persists, send a "
    "support bundle."
)


class PhoneError(RuntimeError):
    """The phone could not be reached or did not answer: `str(err)` and `fix` are for a person.

    `kind` says which: gone, offline, unauthorized, no_permissions, timeout, server, unreadable
    (it answered something we cannot read) or adb (any other refusal by the adb server).
    """

    def __init__(self, message: str, *, kind: ErrorKind, fix: str | None = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.fix = fix


class CallLogDenied(PhoneError):
    """The call-log provider refused to answer (a permission denial): results become unknown."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The phone refused to show its call log: {reason}",
            kind="unreadable",
            fix=_FIX_CALL_LOG_DENIED,
        )
        self.reason = reason


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A phone the adb server knows: its serial, adb's state for it, and its model if known."""

    serial: str
    state: str
    model: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A phone appeared, went away or changed state (`state` is adb's word; `absent` if gone)."""

    serial: str
    kind: EventKind
    state: str


@dataclasses.dataclass(frozen=True, slots=True)
class Check:
    """One capability: whether it works, and if not, why and what the operator can do."""

    ok: bool
    reason: str | None = None
    fix: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Capabilities:
    """What one phone can do for us, probed once per connection."""

    serial: str
    model: str | None
    manufacturer: str | None
    android_release: str | None
    sdk: int | None
    call_log: Check
    input: Check
    #: SIM cards ready for calls; with two, the phone needs a default SIM for calls.
    sim_count: int
    #: phone clock − this computer's clock, in ms (call-log dates are in the phone's clock).
    clock_offset_ms: int | None
    call_state: int | None = None

    @property
    def problems(self) -> list[Check]:
        return [check for check in (self.call_log, self.input) if not check.ok]


@dataclasses.dataclass(frozen=True, slots=True)
class DialResult:
    """What happened when a call was placed.

    `started` is True only once the phone went off-hook; `reason` says why not otherwise.
    `phone_ms_before` is the phone's clock just before `am start` (the start of the window in
    which the call-log row will be dated), None if the clock could not be read.
    """

    started: bool
    reason: str | None
    output: str
    call_state: int
    phone_ms_before: int | None


def dial_command(number: str) -> str:
    """The exact `am start` line for a normalised number; ValueError for anything else."""
    if type(number) is not str or DIALABLE.fullmatch(number) is None:
        raise ValueError(
            f"Refusing to dial {mask(repr(number)[:40])}: only numbers from numbers.normalize "
            "(an optional + and 2–15 digits) can be dialled."
        )
    return f"am start -a {CALL_ACTION} -d tel:{number}"


def call_log_command(since_ms: int) -> str:
    """The call-log query for rows dated at or after `since_ms` (phone clock), newest first.

    Bounded by date rather than LIMIT: Android 11+ refuses `LIMIT` in `--sort`.
    """
    if type(since_ms) is not int or since_ms < 0:
        raise ValueError("since_ms must be a non-negative integer (milliseconds, phone clock)")
    return (
        f"content query --uri content://call_log/calls --projection {_PROJECTION} "
        f'--where "date>={since_ms}" --sort "date DESC"'
    )


def event_kind(state: str) -> EventKind | None:
    """The event a device state means; None for passing states (`connecting`, `authorizing`)."""
    if state == "device":
        return "attached"
    if state == "unauthorized":
        return "unauthorized"
    if state in ("connecting", "authorizing"):
        return None
    if "permission" in state:
        return "no_permissions"
    return "offline"  # offline, and bootloader/recovery/sideload: present but of no use to us


def device_events(known: dict[str, str], seen: list[parse.DeviceLine]) -> list[DeviceEvent]:
    """Events that turn `known` (serial → state) into `seen`; updates `known` in place."""
    events: list[DeviceEvent] = []
    now = {line.serial: line.state for line in seen}
    for serial in [s for s in known if s not in now]:
        del known[serial]
        events.append(DeviceEvent(serial, "detached", "absent"))
    for serial, state in now.items():
        if known.get(serial) == state:
            continue
        kind = event_kind(state)
        if kind is None:
            continue
        known[serial] = state
        events.append(DeviceEvent(serial, kind, state))
    return events


def _phone_error(exc: BaseException) -> PhoneError:
    """A person's sentence for what adbutils or the adb server said."""
    if isinstance(exc, TimeoutError | socket.timeout) or "timeout" in type(exc).__name__.lower():
        return PhoneError("The phone did not answer in time.", kind="timeout", fix=_FIX_TIMEOUT)
    text = str(exc)
    lowered = text.lower()
    if "unauthorized" in lowered:
        return PhoneError(
            "The phone has not allowed USB debugging from this computer yet.",
            kind="unauthorized",
            fix=_FIX_UNAUTHORIZED,
        )
    if "offline" in lowered:
        return PhoneError("The phone is offline.", kind="offline", fix=_FIX_OFFLINE)
    if "permission" in lowered:
        return PhoneError(
            "This computer may not open the phone's USB connection.",
            kind="no_permissions",
            fix=_FIX_NO_PERMISSIONS,
        )
    if "not found" in lowered or "no devices" in lowered or "closed" in lowered:
        return PhoneError("The phone is not connected.", kind="gone", fix=_FIX_GONE)
    if isinstance(exc, EOFError | OSError):
        return PhoneError("The connection to the phone was lost.", kind="offline", fix=_FIX_OFFLINE)
    return PhoneError(f"adb refused the request: {mask(text)[:300]}", kind="adb", fix=_FIX_OFFLINE)


class _Connection(adbutils.AdbConnection):  # type: ignore[misc]
    """adbutils' connection without its fallback of running a bare `adb start-server`.

    That fallback starts a server on the default port, not the one this bridge uses (the
    bridge restarts the right server itself, `ensure_server`); and adbutils leaves the socket
    of a refused connection open.
    """

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        super().__init__(host, port)

    def _safe_connect(self) -> socket.socket:
        try:
            return socket.create_connection(self._address, timeout=_CONNECT_TIMEOUT_S)
        except OSError as exc:  # refused, unreachable, or no answer in time: nothing was sent
            raise AdbConnectionError(f"connect to adb server failed: {exc}") from exc


class _Client(adbutils.AdbClient):  # type: ignore[misc]
    """An AdbClient on our address that never starts servers and remembers the server version.

    adbutils asks for the version before every shell by serial (a second connection each time);
    a server keeps its version for life, and a restarted one gets a fresh `_Client`.
    """

    def __init__(self, host: str, port: int, timeout: float) -> None:
        super().__init__(host=host, port=port, socket_timeout=timeout)
        self._timeout = timeout
        self._version: int | None = None
        self._local = threading.local()

    def make_connection(self, timeout: float | None = None) -> Any:
        connection = _Connection(self.host, self.port)
        connection.conn.settimeout(timeout or self._timeout)
        opened: list[Any] | None = getattr(self._local, "opened", None)
        if opened is not None:
            opened.append(connection)
        return connection

    @contextlib.contextmanager
    def _closing_all(self) -> Iterator[None]:
        """Close every connection opened inside: adbutils leaks the one whose OKAY check fails
        (an unauthorised or missing phone), which would pile up as open sockets."""
        self._local.opened = []
        try:
            yield
        finally:
            for connection in self._local.opened:
                connection.close()
            self._local.opened = None

    def make_blocking_connection(self) -> Any:
        """For track-devices, which waits for news as long as it must."""
        connection = _Connection(self.host, self.port)
        connection.conn.settimeout(None)
        return connection

    def server_version(self) -> int:
        if self._version is None:
            self._version = int(super().server_version())
        return self._version

    def devices_l(self) -> list[parse.DeviceLine]:
        with self.make_connection() as connection:
            connection.send_command("host:devices-l")
            connection.check_okay()
            return parse.parse_devices(connection.read_string_block())

    def shell(self, serial: str, command: str) -> str:
        with self._closing_all():
            device = adbutils.AdbDevice(self, serial=serial)
            raw = device.shell(command, timeout=self._timeout, encoding=None)
        return bytes(raw).decode("utf-8", "replace")


class _Tracker:
    """`host:track-devices` in a thread of its own, reconnecting after the server drops it.

    Each snapshot is handed to `deliver` (called in the tracker thread); `generation` counts
    them, so a poll that ran while the tracker spoke can be recognised as possibly stale.
    """

    def __init__(
        self, client: _Client, deliver: Callable[[list[parse.DeviceLine]], None], name: str
    ) -> None:
        self._client = client
        self._deliver = deliver
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connection: Any = None
        self.generation = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            connection = self._connection
        if connection is not None:
            # shutdown (not close) is what wakes a thread blocked in recv on this socket.
            with contextlib.suppress(OSError, AdbError):
                connection.conn.shutdown(socket.SHUT_RDWR)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._follow()
            except (AdbError, OSError, EOFError, ValueError, RuntimeError) as exc:
                if not self._stopping.is_set():
                    log.info("track-devices stopped (%s); retrying", mask(exc))
            self._stopping.wait(_TRACK_RETRY_S)

    def _follow(self) -> None:
        connection = self._client.make_blocking_connection()
        with self._lock:
            self._connection = connection
        try:
            if self._stopping.is_set():
                return
            connection.send_command("host:track-devices")
            connection.check_okay()
            while not self._stopping.is_set():
                text = connection.read_string_block()
                self.generation += 1
                self._deliver(parse.parse_devices(text))
        finally:
            with self._lock:
                self._connection = None
            connection.close()


class PhoneBridge:
    """Phones over ADB, by serial, for the asyncio world. One instance per application."""

    def __init__(
        self, host: str | None = None, port: int | None = None, *, command_timeout: float = 10.0
    ) -> None:
        if host is None or port is None:
            env_host, env_port = server_address()
            host = host or env_host
            port = port or env_port
        self.host = host
        self.port = port
        self.command_timeout = command_timeout
        self._client = _Client(host, port, command_timeout)
        self._workers: dict[str, ThreadPoolExecutor] = {}
        self._host_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adb-host")
        self._trackers: set[_Tracker] = set()
        self._server_version: str | None = None
        self._start_lock = asyncio.Lock()
        self._closed = False

    # -- the server --------------------------------------------------------------------------

    async def start(self) -> None:
        """Make sure the adb server runs (starting it if needed). Idempotent."""
        async with self._start_lock:
            if self._server_version is None:
                self._server_version = await ensure_server(self.host, self.port)
                log.info("adb server %s at %s:%d", self._server_version, self.host, self.port)

    @property
    def server_version(self) -> str | None:
        return self._server_version

    async def _restart_server(self) -> None:
        """The server refused a connection: start it again (nothing was sent, so retrying is
        safe) and forget the cached version, which may have changed."""
        log.info("the adb server at %s:%d is gone; starting it again", self.host, self.port)
        async with self._start_lock:
            self._server_version = None
            self._client = _Client(self.host, self.port, self.command_timeout)
            try:
                self._server_version = await ensure_server(self.host, self.port)
            except AdbUnavailable as exc:
                raise PhoneError(str(exc), kind="server", fix=None) from exc

    # -- running blocking work ---------------------------------------------------------------

    def _worker(self, serial: str) -> ThreadPoolExecutor:
        if self._closed:
            raise PhoneError("The phone bridge is closed.", kind="gone")
        worker = self._workers.get(serial)
        if worker is None:
            worker = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"adb-{mask_device_id(serial)}"
            )
            self._workers[serial] = worker
        return worker

    async def _run(self, executor: ThreadPoolExecutor, job: Callable[[_Client], T]) -> T:
        """`job(client)` in `executor`, under a timeout, with adb's failures as PhoneErrors.

        A refused connection to the server means nothing was sent: the server is started again
        and the job is tried once more.
        """
        try:
            return await self._attempt(executor, job)
        except AdbConnectionError:
            await self._restart_server()
        try:
            return await self._attempt(executor, job)
        except AdbConnectionError as exc:
            raise PhoneError(
                f"The adb server at {self.host}:{self.port} does not answer.",
                kind="server",
                fix="Restart Softphone; if it persists, restart the computer.",
            ) from exc

    async def _attempt(self, executor: ThreadPoolExecutor, job: Callable[[_Client], T]) -> T:
        if self._closed:
            raise PhoneError("The phone bridge is closed.", kind="gone")
        loop = asyncio.get_running_loop()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives together with the answer (see flow.py).
            async with asyncio.timeout(self.command_timeout + 2.0):
                return await loop.run_in_executor(executor, job, self._client)
        except AdbConnectionError:
            raise
        except (AdbError, OSError, EOFError, TimeoutError) as exc:
            raise _phone_error(exc) from exc

    async def _shell(self, serial: str, command: str) -> str:
        log.debug("%s ← %s", mask_device_id(serial), mask(command))
        text = await self._run(self._worker(serial), lambda c: c.shell(serial, command))
        log.debug("%s → %s", mask_device_id(serial), mask(text[:500]))
        return text

    # -- devices -----------------------------------------------------------------------------

    async def devices(self) -> list[DeviceInfo]:
        """Every phone the server knows, in any state (`device`, `unauthorized`, `offline`…)."""
        lines = await self._run(self._host_worker, lambda c: c.devices_l())
        return [DeviceInfo(line.serial, line.state, line.tags.get("model")) for line in lines]

    async def events(
        self, *, poll_interval: float = 2.0, track: bool = True
    ) -> AsyncIterator[DeviceEvent]:
        """Device events as they happen: first one per phone present, then every change.

        track-devices (in its own thread) reports changes at once on adb 36; the device list is
        also polled every `poll_interval` s, because adb 29's track-devices says nothing while a
        TCP link is dead. `track=False` relies on the poll alone (servers whose track-devices
        misbehaves). Closing the iterator stops its thread; it ends when the bridge is closed.
        """
        loop = asyncio.get_running_loop()
        snapshots: asyncio.Queue[list[parse.DeviceLine]] = asyncio.Queue()

        def deliver(lines: list[parse.DeviceLine]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is listening
                loop.call_soon_threadsafe(snapshots.put_nowait, lines)

        tracker = _Tracker(self._client, deliver, name="adb-track-devices") if track else None
        if tracker is not None:
            self._trackers.add(tracker)
            tracker.start()
        known: dict[str, str] = {}
        next_poll = loop.time()
        try:
            while not self._closed:
                try:
                    async with asyncio.timeout(max(0.0, next_poll - loop.time())):
                        seen = await snapshots.get()
                except TimeoutError:
                    next_poll = loop.time() + poll_interval
                    polled = await self._poll(tracker)
                    if polled is None:
                        continue
                    seen = polled
                for event in device_events(known, seen):
                    log.info(
                        "phone %s: %s (%s)", mask_device_id(event.serial), event.kind, event.state
                    )
                    yield event
        finally:
            if tracker is not None:
                tracker.stop()
                self._trackers.discard(tracker)

    async def _poll(self, tracker: _Tracker | None) -> list[parse.DeviceLine] | None:
        """The device list, or None when track-devices spoke meanwhile (it is fresher)."""
        generation = tracker.generation if tracker is not None else 0
        try:
            lines = await self._run(self._host_worker, lambda c: c.devices_l())
        except PhoneError as exc:
            log.info("cannot list phones: %s", exc)
            lines = []  # no server, no phones: they come back as `attached` with the server
        if tracker is not None and tracker.generation != generation:
            return None
        return lines

    # -- one phone ---------------------------------------------------------------------------

    async def phone_time_ms(self, serial: str) -> int:
        """The phone's clock, in ms since the epoch."""
        text = await self._shell(serial, CLOCK_COMMAND)
        value = parse.parse_epoch_ms(text)
        if value is None:
            raise PhoneError(
                f"The phone's clock could not be read ({mask(text.strip())[:80]!r}).",
                kind="unreadable",
            )
        return value

    async def call_state(self, serial: str) -> int:
        """0 idle, 1 ringing, 2 off-hook — the busiest of the phone's SIMs."""
        text = await self._shell(serial, CALL_STATE_COMMAND)
        state = parse.parse_call_state(text)
        if state is None:
            raise PhoneError(
                f"The phone's call state could not be read ({mask(text.strip())[:120]!r}).",
                kind="unreadable",
            )
        return state

    async def probe(self, serial: str) -> Capabilities:
        """What this phone can do: model and Android version, call log, input, SIMs, clock."""
        props = parse.parse_getprop(await self._shell(serial, PROPS_COMMAND))
        before = time.time()
        try:
            phone_ms: int | None = await self.phone_time_ms(serial)
        except PhoneError as exc:
            if exc.kind != "unreadable":
                raise
            phone_ms = None
        after = time.time()
        offset = None if phone_ms is None else phone_ms - round((before + after) * 500)
        call_log = self._call_log_check(await self._shell(serial, CALL_LOG_PROBE_COMMAND))
        input_check = self._input_check(await self._shell(serial, INPUT_PROBE_COMMAND))
        state_text = await self._shell(serial, CALL_STATE_COMMAND)
        sims = parse.sim_count_from_props(props)
        if sims is None:
            sims = parse.parse_sim_states(state_text)
        sdk = props.get("ro.build.version.sdk", "")
        return Capabilities(
            serial=serial,
            model=props.get("ro.product.model") or None,
            manufacturer=props.get("ro.product.manufacturer") or None,
            android_release=props.get("ro.build.version.release") or None,
            sdk=int(sdk) if sdk.isdigit() and len(sdk) < 4 else None,
            call_log=call_log,
            input=input_check,
            sim_count=sims,
            clock_offset_ms=offset,
            call_state=parse.parse_call_state(state_text),
        )

    @staticmethod
    def _call_log_check(text: str) -> Check:
        failure = parse.parse_call_log(text).error
        if failure is None:
            return Check(True)
        if failure.kind == "permission_denied":
            return Check(
                False,
                f"The phone refused to show its call log: {failure.message}",
                _FIX_CALL_LOG_DENIED,
            )
        return Check(
            False, f"The call log could not be read: {failure.message}", _FIX_CALL_LOG_BROKEN
        )

    @staticmethod
    def _input_check(text: str) -> Check:
        failure = parse.parse_input(text)
        if failure is None:
            return Check(True)
        if failure.kind == "permission_denied":
            return Check(
                False, f"The phone blocks key presses over USB: {failure.message}", _FIX_INPUT
            )
        return Check(False, f"Key presses over USB failed: {failure.message}", _FIX_INPUT)

    async def dial(self, serial: str, number: str, *, start_timeout: float = 5.0) -> DialResult:
        """Place a call to a normalised number and report whether it really started.

        ValueError (before anything is sent) unless `number` fullmatches `DIALABLE`. Nothing is
        dialled while the phone is already in a call. After `am start`, the call state is
        watched until off-hook or `start_timeout`; a phone that stays idle did not place the
        call (a possible emergency number opened the dialer, a dual-SIM chooser waits, the
        screen is locked…), and `started` is False with the reason.
        """
        command = dial_command(number)
        state = await self.call_state(serial)
        if state != IDLE:
            busy = "in a call" if state == OFFHOOK else "ringing"
            return DialResult(False, f"The phone is {busy}: nothing was dialled.", "", state, None)
        try:
            before: int | None = await self.phone_time_ms(serial)
        except PhoneError as exc:
            if exc.kind != "unreadable":
                raise
            before = None
        log.info("dialling %s on %s", mask(number), mask_device_id(serial))
        output = await self._shell(serial, command)
        started = parse.parse_am_start(output)
        if not started.accepted:
            reason = f"Android did not start the call: {started.error}"
            return DialResult(False, reason, output, await self.call_state(serial), before)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + start_timeout
        while True:
            state = await self.call_state(serial)
            if state == OFFHOOK:
                return DialResult(True, None, output, state, before)
            if loop.time() >= deadline:
                break
            await asyncio.sleep(_STATE_POLL_S)
        if state == RINGING:
            reason = "An incoming call is ringing; the outgoing call did not start."
        else:
            reason = (
                f"The phone stayed idle for {start_timeout:g} s after the call was sent: it may "
                "have opened the dialer instead (numbers that look like emergency numbers), be "
                "waiting for a SIM choice (set a default SIM for calls), or be locked."
            )
        return DialResult(False, reason, output, state, before)

    async def end_call(self, serial: str) -> Check:
        """Hang up (KEYCODE_ENDCALL). Blocked key injection comes back as a failed Check."""
        return self._input_check(await self._shell(serial, END_CALL_COMMAND))

    async def call_log_since(self, serial: str, since_ms: int) -> list[CallLogRow]:
        """Call-log rows dated at or after `since_ms` (phone clock), newest first.

        Raises CallLogDenied when the provider refuses, PhoneError for any other failure.
        """
        text = await self._shell(serial, call_log_command(since_ms))
        parsed = parse.parse_call_log(text)
        if parsed.error is not None:
            if parsed.error.kind == "permission_denied":
                raise CallLogDenied(parsed.error.message)
            raise PhoneError(
                f"The call log could not be read: {parsed.error.message}",
                kind="unreadable",
                fix=_FIX_CALL_LOG_BROKEN,
            )
        if parsed.skipped:
            log.info("skipped %d unreadable call-log rows", parsed.skipped)
        return list(parsed.rows)

    # -- the end -----------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop the trackers and worker threads (a command in flight is abandoned)."""
        self._closed = True
        for tracker in list(self._trackers):
            tracker.stop()
        self._trackers.clear()
        workers = [*self._workers.values(), self._host_worker]
        self._workers.clear()
        for worker in workers:
            worker.shutdown(wait=False, cancel_futures=True)

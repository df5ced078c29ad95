"""The phone bridge: an asyncio facade over adbutils that places calls and reads what happened.

`PhoneBridge` addresses every phone by its serial. Blocking adbutils calls run in one worker
thread per phone (adbutils is not thread-safe, and one phone answers one command at a time);
the adb server's own requests (device lists, track-devices polls) have a worker of their own.
Every await has a timeout, so a hung phone or server never stalls the event loop's callers.

The package is split by job: `commands` builds every line sent to a phone (from validated values
only) and reads checks from the answers, `parse` reads what phones print, `telecom` reads why
calls ended, `client` adjusts adbutils, `tracker` follows the device list, `errors` says what
went wrong. This module puts them together; the names other code used to import from here are
re-exported.

Failures are `PhoneError`s (a `kind` to branch on and a `Problem` to show), `Check(ok=False,
problem)` for capabilities, and a `Reason` in a `DialResult` for a call that did not start:
typed values, never sentences (the CLI and the window word them). Phone numbers and serials are
masked in logs and in every detail taken from the phone.

This module never imports Qt, the CRM client or the call flow; it does not decide what a call's
outcome was (that is `correlate`), it only reports what the phone said.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

from adbutils.errors import AdbConnectionError, AdbError

from softphone.adb import parse
from softphone.adb.client import Client
from softphone.adb.commands import (
    CALL_LOG_PROBE_COMMAND,
    CALL_STATE_COMMAND,
    CLOCK_COMMAND,
    DEFAULT_CALL_SIM_COMMAND,
    END_CALL_COMMAND,
    INPUT_PROBE_COMMAND,
    PROPS_COMMAND,
    TELECOM_COMMAND,
    Check,
    call_log_check,
    call_log_command,
    dial_command,
    input_check,
)
from softphone.adb.errors import CallLogDenied, ErrorKind, PhoneError, detail_of, phone_error
from softphone.adb.parse import IDLE, OFFHOOK, RINGING, DeviceState
from softphone.adb.server import AdbUnavailable, ensure_server, server_address
from softphone.adb.telecom import TelecomCall, parse_telecom_calls
from softphone.adb.tracker import DeviceEvent, DeviceTracker, EventKind, device_events, event_kind
from softphone.masking import mask, mask_device_id
from softphone.model import CallLogRow
from softphone.problems import Problem, ProblemKind, Reason

__all__ = [
    "CALL_LOG_PROBE_COMMAND",
    "CALL_STATE_COMMAND",
    "CLOCK_COMMAND",
    "DEFAULT_CALL_SIM_COMMAND",
    "END_CALL_COMMAND",
    "IDLE",
    "INPUT_PROBE_COMMAND",
    "OFFHOOK",
    "PROPS_COMMAND",
    "RINGING",
    "TELECOM_COMMAND",
    "CallLogDenied",
    "CallLogRow",
    "Capabilities",
    "Check",
    "DeviceEvent",
    "DeviceInfo",
    "DeviceState",
    "DialResult",
    "ErrorKind",
    "EventKind",
    "PhoneBridge",
    "PhoneError",
    "ProbeAnswers",
    "TelecomCall",
    "call_log_command",
    "capabilities_from",
    "device_events",
    "dial_command",
    "event_kind",
]

log = logging.getLogger("softphone.adb")

T = TypeVar("T")

_STATE_POLL_S: Final = 0.1  # how often dial() looks at the call state while the call starts


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A phone the adb server knows: its serial, its state, and its model if known.

    `state` is our fixed vocabulary (`parse.DeviceState`: device, unauthorized, offline,
    no_permissions, or the passing connecting/authorizing); `detail` is adb's own text when it
    said more (`no permissions (user in plugdev group; …)`, `recovery`).
    """

    serial: str
    state: DeviceState
    model: str | None
    detail: str | None = None


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
    #: The default calling SIM's subscription id (asked only with two SIMs or more); None when
    #: none is set or it is not known (`default_call_sim_known` tells which).
    default_call_sim: int | None = None
    default_call_sim_known: bool = False

    @property
    def problems(self) -> list[Problem]:
        """What is wrong with this phone for our work, most important first: no SIM, no
        default SIM for calls (only when the phone said so), then the call log and key presses.
        """
        found: list[Problem] = []
        if self.sim_count == 0:
            found.append(Problem(ProblemKind.NO_SIM))
        elif self.sim_count >= 2 and self.default_call_sim_known and self.default_call_sim is None:
            found.append(Problem(ProblemKind.NO_DEFAULT_SIM, params={"sims": self.sim_count}))
        found += [
            check.problem
            for check in (self.call_log, self.input)
            if not check.ok and check.problem is not None
        ]
        return found


@dataclasses.dataclass(frozen=True, slots=True)
class ProbeAnswers:
    """What a phone printed for each probe command (`default_call_sim`: None if not asked)."""

    props: str
    call_log: str
    input: str
    call_state: str
    default_call_sim: str | None = None


def capabilities_from(
    serial: str, answers: ProbeAnswers, clock_offset_ms: int | None
) -> Capabilities:
    """The capabilities the probe's answers describe (pure: `PhoneBridge.probe` asks)."""
    props = parse.parse_getprop(answers.props)
    sdk = props.get("ro.build.version.sdk", "")
    default_sim = (
        parse.DefaultCallSim(known=False)
        if answers.default_call_sim is None
        else parse.parse_default_call_sim(answers.default_call_sim)
    )
    return Capabilities(
        serial=serial,
        model=props.get("ro.product.model") or None,
        manufacturer=props.get("ro.product.manufacturer") or None,
        android_release=props.get("ro.build.version.release") or None,
        sdk=int(sdk) if sdk.isdigit() and len(sdk) < 4 else None,
        call_log=call_log_check(answers.call_log),
        input=input_check(answers.input),
        sim_count=parse.sim_count(props, answers.call_state),
        clock_offset_ms=clock_offset_ms,
        call_state=parse.parse_call_state(answers.call_state),
        default_call_sim=default_sim.subscription_id,
        default_call_sim_known=default_sim.known,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class DialResult:
    """What happened when a call was placed.

    `started` is True only once the phone went off-hook. Otherwise `reason` says why not:
    PHONE_BUSY (in a call or ringing: `call_state` says which), or DIAL_NOT_STARTED, with
    `detail` the refusal `am start` printed (masked), or None when Android accepted the intent
    but the phone stayed idle (a possible emergency number opened the dialer, a dual-SIM chooser
    waits, the screen is locked…). `output` is what `am start` printed, as it printed it.
    `phone_ms_before` is the phone's clock just before `am start` (the start of the window in
    which the call-log row will be dated), None if the clock could not be read;
    `clock_offset_ms` is the phone's clock minus this computer's, measured with it (a phone's
    clock can be moved at any time: this is the freshest measure there is).
    """

    started: bool
    reason: Reason | None
    detail: str | None
    output: str
    call_state: int
    phone_ms_before: int | None
    clock_offset_ms: int | None = None


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
        self._client = Client(host, port, command_timeout)
        self._workers: dict[str, ThreadPoolExecutor] = {}
        self._host_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adb-host")
        self._trackers: set[DeviceTracker] = set()
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
            self._client = Client(self.host, self.port, self.command_timeout)
            try:
                self._server_version = await ensure_server(self.host, self.port)
            except AdbUnavailable as exc:
                raise PhoneError(Problem(ProblemKind.ADB_ERROR, detail_of(exc)), "server") from exc

    # -- running blocking work ---------------------------------------------------------------

    def _worker(self, serial: str) -> ThreadPoolExecutor:
        if self._closed:
            raise _closed()
        worker = self._workers.get(serial)
        if worker is None:
            worker = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"adb-{mask_device_id(serial)}"
            )
            self._workers[serial] = worker
        return worker

    async def _run(self, executor: ThreadPoolExecutor, job: Callable[[Client], T]) -> T:
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
                Problem(ProblemKind.ADB_ERROR, detail_of(exc)),
                "server",
                message=f"no adb server answers at {self.host}:{self.port}: {exc}",
            ) from exc

    async def _attempt(self, executor: ThreadPoolExecutor, job: Callable[[Client], T]) -> T:
        if self._closed:
            raise _closed()
        loop = asyncio.get_running_loop()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives together with the answer (see flow.py).
            async with asyncio.timeout(self.command_timeout + 2.0):
                return await loop.run_in_executor(executor, job, self._client)
        except AdbConnectionError:
            raise
        except (AdbError, OSError, EOFError, TimeoutError) as exc:
            raise phone_error(exc) from exc

    async def _shell(self, serial: str, command: str) -> str:
        log.debug("%s ← %s", mask_device_id(serial), mask(command))
        text = await self._run(self._worker(serial), lambda c: c.shell(serial, command))
        log.debug("%s → %s", mask_device_id(serial), mask(text[:500]))
        return text

    # -- devices -----------------------------------------------------------------------------

    async def devices(self) -> list[DeviceInfo]:
        """Every phone the server knows, in any state (`device`, `unauthorized`, `offline`…)."""
        lines = await self._run(self._host_worker, lambda c: c.devices_l())
        return [
            DeviceInfo(line.serial, line.state, line.tags.get("model"), line.detail)
            for line in lines
        ]

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

        tracker = DeviceTracker(self._client, deliver, name="adb-track-devices") if track else None
        if tracker is not None:
            self._trackers.add(tracker)
            tracker.start()
        known: dict[str, DeviceState] = {}
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

    async def _poll(self, tracker: DeviceTracker | None) -> list[parse.DeviceLine] | None:
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
            raise _unreadable("the phone's clock", text)
        return value

    async def call_state(self, serial: str) -> int:
        """0 idle, 1 ringing, 2 off-hook — the busiest of the phone's SIMs."""
        text = await self._shell(serial, CALL_STATE_COMMAND)
        state = parse.parse_call_state(text)
        if state is None:
            raise _unreadable("the call state", text)
        return state

    async def probe(self, serial: str) -> Capabilities:
        """What this phone can do: model and Android version, call log, input, SIMs, clock.

        With two SIMs ready it also asks for the default SIM for calls; a phone that cannot
        say (no `settings` command) leaves it unknown, which is not reported as a problem.
        """
        props_text = await self._shell(serial, PROPS_COMMAND)
        before = time.time()
        try:
            phone_ms: int | None = await self.phone_time_ms(serial)
        except PhoneError as exc:
            if exc.kind != "unreadable":
                raise
            phone_ms = None
        after = time.time()
        offset = None if phone_ms is None else phone_ms - round((before + after) * 500)
        answers = ProbeAnswers(
            props=props_text,
            call_log=await self._shell(serial, CALL_LOG_PROBE_COMMAND),
            input=await self._shell(serial, INPUT_PROBE_COMMAND),
            call_state=await self._shell(serial, CALL_STATE_COMMAND),
        )
        if parse.sim_count(parse.parse_getprop(props_text), answers.call_state) >= 2:
            answers = dataclasses.replace(
                answers, default_call_sim=await self._shell(serial, DEFAULT_CALL_SIM_COMMAND)
            )
        return capabilities_from(serial, answers, offset)

    async def dial(self, serial: str, number: str, *, start_timeout: float = 5.0) -> DialResult:
        """Place a call to a normalised number and report whether it really started.

        ValueError (before anything is sent) unless `number` fullmatches `DIALABLE`. Nothing is
        dialled while the phone is already in a call. After `am start`, the call state is
        watched until off-hook or `start_timeout`; a phone that stays idle did not place the
        call (a possible emergency number opened the dialer, a dual-SIM chooser waits, the
        screen is locked…), and `started` is False with the reason (`DialResult`).
        """
        command = dial_command(number)
        state = await self.call_state(serial)
        if state != IDLE:
            return DialResult(False, Reason.PHONE_BUSY, None, "", state, None)
        asked = time.time()
        try:
            before: int | None = await self.phone_time_ms(serial)
        except PhoneError as exc:
            if exc.kind != "unreadable":
                raise
            before = None
        offset = None if before is None else before - round((asked + time.time()) * 500)
        log.info("dialling %s on %s", mask(number), mask_device_id(serial))
        output = await self._shell(serial, command)
        started = parse.parse_am_start(output)
        if not started.accepted:
            state = await self.call_state(serial)
            detail = detail_of(started.error or "")
            return DialResult(False, Reason.DIAL_NOT_STARTED, detail, output, state, before, offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + start_timeout
        while True:
            state = await self.call_state(serial)
            if state == OFFHOOK:
                return DialResult(True, None, None, output, state, before, offset)
            if loop.time() >= deadline:
                break
            await asyncio.sleep(_STATE_POLL_S)
        # Ringing: an incoming call came first. Idle: Android took the intent but no call began.
        reason = Reason.PHONE_BUSY if state == RINGING else Reason.DIAL_NOT_STARTED
        return DialResult(False, reason, None, output, state, before, offset)

    async def end_call(self, serial: str) -> Check:
        """Hang up (KEYCODE_ENDCALL). Blocked key injection comes back as a failed Check."""
        return input_check(await self._shell(serial, END_CALL_COMMAND))

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
                Problem(ProblemKind.CALL_LOG_BROKEN, detail_of(parsed.error.message)),
                "unreadable",
            )
        if parsed.skipped:
            log.info("skipped %d unreadable call-log rows", parsed.skipped)
        return list(parsed.rows)

    async def telecom_calls(self, serial: str) -> list[TelecomCall]:
        """Telecom's analytics blocks: recent calls and why each ended (`adb.telecom`).

        The output is large (hundreds of KB on a real phone) and read whole. A phone that
        prints no blocks (they were collected and cleared, or `dumpsys telecom` is missing)
        gives an empty list: the call log is then all there is.
        """
        calls = parse_telecom_calls(await self._shell(serial, TELECOM_COMMAND))
        log.debug("%s: %d telecom analytics blocks", mask_device_id(serial), len(calls))
        return calls

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


def _closed() -> PhoneError:
    return PhoneError(Problem(ProblemKind.PHONE_NONE), "gone", message="the phone bridge is closed")


def _unreadable(what: str, text: str) -> PhoneError:
    """The phone answered, but not with anything we can read (not the call log: that has its
    own problem kinds)."""
    detail = detail_of(text)
    return PhoneError(
        Problem(ProblemKind.ADB_ERROR, detail), "unreadable", message=f"{what}: {detail!r}"
    )

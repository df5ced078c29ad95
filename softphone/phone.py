"""The phone the engine uses: which one, is it ready, and the flow's `Phone` over the ADB bridge.

`DeskPhone` watches the adb server's devices, picks the phone (the only one attached, or the
one the settings name when there are several), probes its capabilities when it appears, keeps
its clock offset, and adapts `adb.bridge.PhoneBridge` to the small `flow.Phone` protocol:
bridge errors become `PhoneUnavailable` / `CallLogUnreadable` with a reason fit for a person.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from softphone.adb.bridge import CallLogDenied, Capabilities, PhoneBridge, PhoneError
from softphone.flow import CallLogUnreadable, DialAttempt, PhoneUnavailable
from softphone.masking import mask_device_id
from softphone.model import CallLogRow
from softphone.problems import Problem, ProblemKind

log = logging.getLogger("softphone.adb")

__all__ = ["DeskPhone", "PhoneStatus"]

READY = "device"


@dataclasses.dataclass(frozen=True, slots=True)
class CheckStatus:
    ok: bool
    reason: str | None = None
    fix: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PhoneStatus:
    """What the operator needs to know about the phone, in one small record."""

    serial: str | None = None
    #: "none", "device", "unauthorized", "offline", "no_permissions", "several", "adb_error"
    state: str = "none"
    model: str | None = None
    android: str | None = None
    call_log: CheckStatus | None = None
    input: CheckStatus | None = None
    sim_count: int | None = None
    clock_offset_ms: int | None = None
    #: What is wrong and what to do, when the phone cannot be used.
    problem: str | None = None
    attached: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return self.state == READY and self.serial is not None


_PROBLEMS = {
    "none": "No phone is attached. Connect the phone with a USB cable and turn on USB debugging.",
    "unauthorized": "The phone asks to allow USB debugging: unlock it and tap Allow.",
    "offline": "The phone is offline: reconnect the cable.",
    "no_permissions": "This computer may not use the phone (USB permissions): see the udev rules.",
    "several": "Several phones are attached: choose one in the settings.",
}

# The bridge's former English sentences (what is wrong, what to do), moved here unchanged when
# the adb package began to report typed Problems; the CLI/window wording replaces this table.
_SENTENCES: dict[ProblemKind, tuple[str, str | None]] = {
    ProblemKind.PHONE_NONE: (
        "The phone is not connected.",
        "Connect the phone with a data USB cable (not a charge-only one) and turn on USB "
        "debugging in Developer options.",
    ),
    ProblemKind.PHONE_OFFLINE: (
        "The phone is offline.",
        "Unplug the USB cable and plug it in again; if the phone stays offline, restart it.",
    ),
    ProblemKind.PHONE_UNAUTHORIZED: (
        "The phone has not allowed USB debugging from this computer yet.",
        "Unlock the phone and tap Allow on the “Allow USB debugging?” prompt (tick “Always "
        "allow from this computer”). No prompt? Replug the cable, or revoke USB debugging "
        "authorisations in Developer options and replug.",
    ),
    ProblemKind.PHONE_NO_PERMISSIONS: (
        "This computer may not open the phone's USB connection.",
        "This computer's user may not open the phone's USB device: on Linux add a udev rule "
        "for the phone (package android-sdk-platform-tools-common) and join the plugdev group.",
    ),
    ProblemKind.PHONE_TIMEOUT: (
        "The phone did not answer in time.",
        "The phone did not answer in time: unlock it, then try again.",
    ),
    ProblemKind.ADB_ERROR: ("adb refused the request.", None),
    ProblemKind.CALL_LOG_DENIED: (
        "The phone refused to show its call log.",
        "This phone's software does not let USB debugging read the call log, so call results "
        "will be reported as unknown. Update the phone's software, or use another phone.",
    ),
    ProblemKind.CALL_LOG_BROKEN: (
        "The call log could not be read.",
        "The phone could not answer a call-log query: restart the phone; if it persists, send "
        "a support bundle.",
    ),
    ProblemKind.INPUT_BLOCKED: (
        "The phone blocks key presses over USB.",
        "Turn on Developer options → “USB debugging (Security settings)” on the phone "
        "(Xiaomi/Redmi/POCO and some OPPO/realme phones), then reconnect the cable.",
    ),
}


def _reason(problem: Problem | None) -> str | None:
    if problem is None:
        return None
    what = _SENTENCES.get(problem.kind, (problem.kind.value, None))[0]
    return what if problem.detail is None else f"{what} ({problem.detail})"


def _fix(problem: Problem | None) -> str | None:
    return None if problem is None else _SENTENCES.get(problem.kind, ("", None))[1]


def _sentence(problem: Problem | None) -> str:
    return " ".join(part for part in (_reason(problem), _fix(problem)) if part)


class DeskPhone:
    """The chosen phone, kept up to date. Implements `flow.Phone`."""

    def __init__(
        self,
        bridge: PhoneBridge,
        *,
        preferred_serial: str = "",
        on_change: Callable[[PhoneStatus], None] | None = None,
        dial_start_timeout: float = 8.0,
    ) -> None:
        self._bridge = bridge
        self.preferred_serial = preferred_serial
        self._on_change = on_change
        self._dial_start_timeout = dial_start_timeout
        self._status = PhoneStatus()
        self._offset_ms = 0
        self._task: asyncio.Task[None] | None = None
        self._refresh = asyncio.Event()

    # -- flow.Phone ------------------------------------------------------------------------

    @property
    def serial(self) -> str | None:
        return self._status.serial if self._status.ready else None

    @property
    def clock_offset_ms(self) -> int:
        return self._offset_ms

    def phone_now_ms(self) -> int:
        return int(time.time() * 1000) + self._offset_ms

    def _ready_serial(self) -> str:
        serial = self.serial
        if serial is None:
            raise PhoneUnavailable(self._status.problem or _PROBLEMS["none"])
        return serial

    async def dial(self, number: str) -> DialAttempt:
        serial = self._ready_serial()
        try:
            result = await self._bridge.dial(serial, number, start_timeout=self._dial_start_timeout)
        except PhoneError as err:
            self.refresh()
            raise PhoneUnavailable(_sentence(err.problem)) from err
        reason = result.reason if result.detail is None else f"{result.reason}: {result.detail}"
        return DialAttempt(result.started, reason)

    async def call_state(self) -> int:
        serial = self._ready_serial()
        try:
            return await self._bridge.call_state(serial)
        except PhoneError as err:
            self.refresh()
            raise PhoneUnavailable(_sentence(err.problem)) from err

    async def end_call(self) -> str | None:
        serial = self._ready_serial()
        try:
            check = await self._bridge.end_call(serial)
        except PhoneError as err:
            raise PhoneUnavailable(_sentence(err.problem)) from err
        if check.ok:
            return None
        return _sentence(check.problem)

    async def call_log_since(self, since_ms: int) -> list[CallLogRow]:
        serial = self._ready_serial()
        try:
            return await self._bridge.call_log_since(serial, since_ms)
        except CallLogDenied as err:
            raise CallLogUnreadable(_sentence(err.problem)) from err
        except PhoneError as err:
            self.refresh()
            raise PhoneUnavailable(_sentence(err.problem)) from err

    # -- watching the devices --------------------------------------------------------------

    @property
    def status(self) -> PhoneStatus:
        return self._status

    def refresh(self) -> None:
        """Look at the attached devices again now (after an error, or a settings change)."""
        self._refresh.set()

    async def check_now(self) -> PhoneStatus:
        """Look at the devices once, now, and return the result (for `softphone doctor`)."""
        await self._update()
        return self._status

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._watch(), name="desk-phone-watch"
            )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _watch(self) -> None:
        events = self._bridge.events()
        pump = asyncio.get_running_loop().create_task(self._pump(events), name="adb-events")
        try:
            while True:
                await self._update()
                self._refresh.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(5.0):
                        await self._refresh.wait()
        finally:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
            with contextlib.suppress(Exception):
                await events.aclose()  # type: ignore[attr-defined]

    async def _pump(self, events: Any) -> None:
        async for event in events:
            log.info("phone %s: %s", mask_device_id(event.serial), event.kind)
            self._refresh.set()

    async def _update(self) -> None:
        try:
            await self._bridge.start()
            devices = await self._bridge.devices()
        except Exception as err:  # the adb server is down or cannot start
            problem = _sentence(err.problem) if isinstance(err, PhoneError) else str(err)
            self._set(PhoneStatus(state="adb_error", problem=problem))
            return
        attached = tuple(d.serial for d in devices)
        chosen = None
        if self.preferred_serial:
            chosen = next((d for d in devices if d.serial == self.preferred_serial), None)
        elif len(devices) == 1:
            chosen = devices[0]
        elif len(devices) > 1:
            ready = [d for d in devices if d.state == READY]
            chosen = ready[0] if len(ready) == 1 else None
            if chosen is None:
                self._set(
                    PhoneStatus(state="several", problem=_PROBLEMS["several"], attached=attached)
                )
                return
        if chosen is None:
            problem = _PROBLEMS["none"]
            if self.preferred_serial and attached:
                problem = (
                    "The chosen phone is not attached: connect it, or choose one of the "
                    "attached phones."
                )
            self._set(PhoneStatus(state="none", problem=problem, attached=attached))
            return
        if chosen.state != READY:
            self._set(
                PhoneStatus(
                    serial=chosen.serial,
                    state=chosen.state,
                    model=chosen.model,
                    problem=_PROBLEMS.get(chosen.state, chosen.state),
                    attached=attached,
                )
            )
            return
        if self._status.serial == chosen.serial and self._status.ready:
            if self._status.attached != attached:
                self._set(dataclasses.replace(self._status, attached=attached))
            return  # already probed
        try:
            caps = await self._bridge.probe(chosen.serial)
        except PhoneError as err:
            self._set(
                PhoneStatus(
                    serial=chosen.serial,
                    state="offline",
                    problem=_sentence(err.problem),
                    attached=attached,
                )
            )
            return
        self._offset_ms = caps.clock_offset_ms or 0
        self._set(self._from_capabilities(chosen.serial, caps, attached))

    @staticmethod
    def _from_capabilities(
        serial: str, caps: Capabilities, attached: tuple[str, ...]
    ) -> PhoneStatus:
        def check(c: Any) -> CheckStatus:
            return CheckStatus(bool(c.ok), _reason(c.problem), _fix(c.problem))

        problem = None
        if not caps.call_log.ok:
            problem = _sentence(caps.call_log.problem)
        return PhoneStatus(
            serial=serial,
            state=READY,
            model=caps.model,
            android=caps.android_release,
            call_log=check(caps.call_log),
            input=check(caps.input),
            sim_count=caps.sim_count,
            clock_offset_ms=caps.clock_offset_ms,
            problem=problem,
            attached=attached,
        )

    def _set(self, status: PhoneStatus) -> None:
        if status == self._status:
            return
        self._status = status
        log.info("phone status: %s %s", status.state, status.problem or "")
        if self._on_change is not None:
            try:
                self._on_change(status)
            except Exception:
                log.exception("a listener failed on a phone change")

"""The phone the engine uses: which one, is it ready, and the flow's `Phone` over the ADB bridge.

`DeskPhone` watches the adb server's devices, picks the phone (the only one attached, or the
one the settings name when there are several), probes its capabilities when it appears (and
again when asked: the operator fixed a setting on the phone), keeps its clock offset, and
adapts `adb.bridge.PhoneBridge` to the small `flow.Phone` protocol: bridge errors become
`PhoneUnavailable` / `CallLogUnreadable` carrying typed problems.

Its state is a `PhoneState` and what is wrong is a tuple of `Problem`s: nothing here words a
sentence for a person.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import logging
import time
from collections.abc import Callable
from typing import Any, Final

from softphone.adb.bridge import (
    CallLogDenied,
    Capabilities,
    Check,
    DeviceInfo,
    PhoneBridge,
    PhoneError,
)
from softphone.adb.telecom import disconnect_outcome
from softphone.config import Settings
from softphone.flow import CallLogUnreadable, Cause, DialAttempt, PhoneUnavailable
from softphone.masking import mask_device_id
from softphone.model import CallLogRow
from softphone.problems import Problem, ProblemKind

log = logging.getLogger("softphone.adb")

__all__ = ["CheckStatus", "DeskPhone", "PhoneState", "PhoneStatus"]


class PhoneState(enum.StrEnum):
    """Where the desk's phone stands, as the operator needs to know it."""

    NONE = "none"  # nothing attached (or the chosen phone is not)
    DEVICE = "device"  # attached and authorised (see `problems` for what it cannot do)
    UNAUTHORIZED = "unauthorized"  # the "Allow USB debugging?" prompt waits on the phone
    OFFLINE = "offline"
    NO_PERMISSIONS = "no_permissions"  # this user may not open its USB device (udev)
    SEVERAL = "several"  # more than one attached, none chosen
    ADB_ERROR = "adb_error"  # the adb server is missing or broken


_BY_ADB_STATE: Final[dict[str, PhoneState]] = {
    "device": PhoneState.DEVICE,
    "unauthorized": PhoneState.UNAUTHORIZED,
    "offline": PhoneState.OFFLINE,
    "no_permissions": PhoneState.NO_PERMISSIONS,
}

#: The device events (track-devices, and the bridge's own poll of the device list) wake the
#: watcher at every change; this look is only a safety net, and an idle desk's wake-ups.
_LOOK_AGAIN_S: Final = 60.0

_STATE_PROBLEM: Final[dict[PhoneState, ProblemKind]] = {
    PhoneState.NONE: ProblemKind.PHONE_NONE,
    PhoneState.UNAUTHORIZED: ProblemKind.PHONE_UNAUTHORIZED,
    PhoneState.OFFLINE: ProblemKind.PHONE_OFFLINE,
    PhoneState.NO_PERMISSIONS: ProblemKind.PHONE_NO_PERMISSIONS,
    PhoneState.SEVERAL: ProblemKind.PHONE_SEVERAL,
    PhoneState.ADB_ERROR: ProblemKind.ADB_ERROR,
}


#: A change of the phone's clock offset worth saying (smaller ones are measuring noise).
_CLOCK_MOVED_MS: Final = 2_000
_CALL_LOG_KINDS: Final = frozenset({ProblemKind.CALL_LOG_DENIED, ProblemKind.CALL_LOG_BROKEN})


def phone_state(adb_state: str) -> PhoneState:
    """The state for adb's word for a device (anything unknown is as good as offline)."""
    if "permission" in adb_state:
        return PhoneState.NO_PERMISSIONS
    return _BY_ADB_STATE.get(adb_state, PhoneState.OFFLINE)


@dataclasses.dataclass(frozen=True, slots=True)
class CheckStatus:
    """One capability of the phone: whether it works, and if not, the problem."""

    ok: bool
    problem: Problem | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PhoneStatus:
    """What the operator needs to know about the phone, in one small record."""

    serial: str | None = None
    state: PhoneState = PhoneState.NONE
    model: str | None = None
    android: str | None = None
    call_log: CheckStatus | None = None
    input: CheckStatus | None = None
    sim_count: int | None = None
    #: The subscription of the default SIM for calls, when the phone says.
    default_call_sim: int | None = None
    clock_offset_ms: int | None = None
    #: What is wrong, most important first (empty when all is well).
    problems: tuple[Problem, ...] = ()
    attached: tuple[str, ...] = ()
    #: The model of each attached phone that said one (serial → model), to choose by name.
    models: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Attached and authorised: calls are placed on it. Its `problems` may still degrade
        it (no default SIM: Android may ask which SIM; call log denied: results unknown) —
        flagged with their fixes, never guessed into a refusal to dial."""
        return self.state is PhoneState.DEVICE and self.serial is not None


def _check(check: Check) -> CheckStatus:
    return CheckStatus(check.ok, check.problem)


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
        self._preferred_serial = preferred_serial
        self._on_change = on_change
        self._dial_start_timeout = dial_start_timeout
        self._status = PhoneStatus()
        self._offset_ms = 0
        self._task: asyncio.Task[None] | None = None
        self._refresh = asyncio.Event()
        self._probe_again = False
        self._models: dict[str, str] = {}  # serial → model, from the last device list

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
            raise PhoneUnavailable(self._blocking_problem())
        return serial

    def _blocking_problem(self) -> Problem:
        problems = self._status.problems
        return problems[0] if problems else Problem(ProblemKind.PHONE_NONE)

    async def dial(self, number: str) -> DialAttempt:
        serial = self._ready_serial()
        try:
            result = await self._bridge.dial(serial, number, start_timeout=self._dial_start_timeout)
        except PhoneError as err:
            self.refresh()
            raise PhoneUnavailable(err.problem) from err
        self._clock_measured(result.clock_offset_ms)
        return DialAttempt(result.started, result.reason, result.detail, result.phone_ms_before)

    async def call_state(self) -> int:
        serial = self._ready_serial()
        try:
            return await self._bridge.call_state(serial)
        except PhoneError as err:
            self.refresh()
            raise PhoneUnavailable(err.problem) from err

    async def end_call(self) -> Problem | None:
        serial = self._ready_serial()
        try:
            check = await self._bridge.end_call(serial)
        except PhoneError as err:
            raise PhoneUnavailable(err.problem) from err
        return None if check.ok else check.problem

    async def call_log_since(self, since_ms: int) -> list[CallLogRow]:
        serial = self._ready_serial()
        try:
            rows = await self._bridge.call_log_since(serial, since_ms)
        except CallLogDenied as err:
            self._note_call_log(serial, err.problem)
            raise CallLogUnreadable(err.problem) from err
        except PhoneError as err:
            if err.problem.kind is ProblemKind.CALL_LOG_BROKEN:
                self._note_call_log(serial, err.problem)
                raise CallLogUnreadable(err.problem) from err
            self.refresh()
            raise PhoneUnavailable(err.problem) from err
        self._note_call_log(serial, None)
        return rows

    async def disconnect_cause(self, dial_ms: int, end_ms: int | None) -> Cause | None:
        serial = self._ready_serial()
        try:
            calls = await self._bridge.telecom_calls(serial)
        except PhoneError as err:
            log.info("telecom's call analytics could not be read (%s)", err.problem.kind)
            return None
        found = disconnect_outcome(calls, dial_ms=dial_ms, end_ms=end_ms)
        if found is None or not found.raw:
            return None
        return Cause(found.code, found.raw)

    # -- watching the devices --------------------------------------------------------------

    @property
    def status(self) -> PhoneStatus:
        return self._status

    @property
    def preferred_serial(self) -> str:
        return self._preferred_serial

    def apply_settings(self, settings: Settings) -> None:
        """Take the chosen phone and the dial timeout from new settings (looked at at once)."""
        self._dial_start_timeout = settings.dial_start_timeout_s
        if settings.phone_serial != self._preferred_serial:
            self._preferred_serial = settings.phone_serial
            self.refresh()

    def refresh(self) -> None:
        """Look at the attached devices again now (after an error, or a settings change)."""
        self._refresh.set()

    async def reprobe(self) -> PhoneStatus:
        """Probe the phone again now, capabilities and all (not only when it reattaches)."""
        self._probe_again = True
        await self._update()
        return self._status

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
                # Cleared before looking, not after: an event that arrives while we look
                # (the look awaits the adb server) must wake the next look, not be lost.
                self._refresh.clear()
                await self._update()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(_LOOK_AGAIN_S):
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
        except PhoneError as err:
            self._set(PhoneStatus(state=PhoneState.ADB_ERROR, problems=(err.problem,)))
            return
        except Exception:  # the adb server cannot start, or answered something unexpected
            log.exception("the adb server cannot be used")
            self._set(
                PhoneStatus(state=PhoneState.ADB_ERROR, problems=(Problem(ProblemKind.ADB_ERROR),))
            )
            return
        attached = tuple(d.serial for d in devices)
        self._models = {d.serial: d.model for d in devices if d.model}
        chosen = self._choose(devices)
        if chosen is None:
            return
        state = phone_state(chosen.state)
        if state is not PhoneState.DEVICE:
            self._set(
                PhoneStatus(
                    serial=chosen.serial,
                    state=state,
                    model=chosen.model,
                    problems=(Problem(_STATE_PROBLEM.get(state, ProblemKind.PHONE_OFFLINE)),),
                    attached=attached,
                )
            )
            return
        again, self._probe_again = self._probe_again, False
        if self._status.serial == chosen.serial and self._status.ready and not again:
            if self._status.attached != attached:
                self._set(dataclasses.replace(self._status, attached=attached))
            return  # already probed
        try:
            caps = await self._bridge.probe(chosen.serial)
        except PhoneError as err:
            self._set(
                PhoneStatus(
                    serial=chosen.serial,
                    state=PhoneState.OFFLINE,
                    model=chosen.model,
                    problems=(err.problem,),
                    attached=attached,
                )
            )
            return
        self._offset_ms = caps.clock_offset_ms or 0
        self._set(self._from_capabilities(chosen.serial, caps, attached))

    def _choose(self, devices: list[DeviceInfo]) -> DeviceInfo | None:
        """The phone to use, or None after setting the status that says why there is none."""
        attached = tuple(d.serial for d in devices)
        if self._preferred_serial:
            chosen = next((d for d in devices if d.serial == self._preferred_serial), None)
            if chosen is None:
                kind = ProblemKind.PHONE_CHOSEN_MISSING if attached else ProblemKind.PHONE_NONE
                self._set(PhoneStatus(problems=(Problem(kind),), attached=attached))
            return chosen
        if len(devices) == 1:
            return devices[0]
        ready = [d for d in devices if phone_state(d.state) is PhoneState.DEVICE]
        if len(devices) > 1 and len(ready) == 1:
            return ready[0]
        if len(devices) > 1:
            problem = Problem(ProblemKind.PHONE_SEVERAL, params={"count": len(devices)})
            self._set(PhoneStatus(state=PhoneState.SEVERAL, problems=(problem,), attached=attached))
            return None
        self._set(PhoneStatus(problems=(Problem(ProblemKind.PHONE_NONE),), attached=attached))
        return None

    @staticmethod
    def _from_capabilities(
        serial: str, caps: Capabilities, attached: tuple[str, ...]
    ) -> PhoneStatus:
        return PhoneStatus(
            serial=serial,
            state=PhoneState.DEVICE,
            model=caps.model,
            android=caps.android_release,
            call_log=_check(caps.call_log),
            input=_check(caps.input),
            sim_count=caps.sim_count,
            default_call_sim=caps.default_call_sim,
            clock_offset_ms=caps.clock_offset_ms,
            problems=tuple(caps.problems),
            attached=attached,
        )

    def _clock_measured(self, offset_ms: int | None) -> None:
        """Take the offset measured at a dial: the phone's clock may have been moved since the
        probe (by hand, by a network's time), and call-log dates follow the phone's clock."""
        if offset_ms is None:
            return
        moved = offset_ms - self._offset_ms
        self._offset_ms = offset_ms
        if abs(moved) >= _CLOCK_MOVED_MS and self._status.ready:
            log.info("the phone's clock moved by %+.0f s", moved / 1000)
            self._set(dataclasses.replace(self._status, clock_offset_ms=offset_ms))

    def _note_call_log(self, serial: str, problem: Problem | None) -> None:
        """Keep what a read of the call log just showed in the status. The probe looked only
        when the phone was attached; an update, a policy or the operator can take the
        permission away (or give it back) in the middle of a shift, and the status must say so
        then, not at the next reattach."""
        status = self._status
        if status.serial != serial or not status.ready:
            return
        was = status.call_log
        was_kind = was.problem.kind if was is not None and was.problem is not None else None
        if was is not None and was_kind is (problem.kind if problem is not None else None):
            return  # nothing new (the denial's text changes with every try: not news)
        others = [p for p in status.problems if p.kind not in _CALL_LOG_KINDS]
        # In the probe's order: the SIMs, then the call log, then key presses.
        ahead = [p for p in others if p.kind is not ProblemKind.INPUT_BLOCKED]
        behind = [p for p in others if p.kind is ProblemKind.INPUT_BLOCKED]
        problems = (*ahead, *([problem] if problem is not None else []), *behind)
        self._set(
            dataclasses.replace(
                status, call_log=CheckStatus(problem is None, problem), problems=problems
            )
        )

    def _set(self, status: PhoneStatus) -> None:
        models = {s: m for s, m in self._models.items() if s in status.attached}
        if status.models != models:
            status = dataclasses.replace(status, models=models)
        if status == self._status:
            return
        self._status = status
        log.info("phone status: %s %s", status.state, " ".join(p.kind for p in status.problems))
        if self._on_change is not None:
            try:
                self._on_change(status)
            except Exception:
                log.exception("a listener failed on a phone change")

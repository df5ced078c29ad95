"""`softphone demo`: the engine against the built-in simulated CRM and simulated phone.

Everything is private to the demo: a simulated CRM on loopback, a simulated phone behind an adb
server of its own (never the operator's adb server, never a real phone: USB scanning is off), a
throw-away home folder and an in-memory keyring (the real session, kept in the OS keyring under
the same name, is never touched). A simulated CRM user presses "call" every few seconds; the
operator page of the simulated CRM lets you press it yourself.

Until the window lands, the demo runs in the terminal and prints what an operator would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

import keyring

from softphone.adb.bridge import PhoneBridge
from softphone.adb.private import AdbServer
from softphone.config import Settings, paths
from softphone.console import describe, reason_text
from softphone.engine import CallChanged, Engine, EngineEvent, PhoneChanged
from softphone.model import CallPhase, HistoryEntry, ReportState
from softphone.numbers import format_display
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from softphone.sync.memory_keyring import MemoryKeyring

__all__ = ["PASSWORD", "USER", "DemoOptions", "World", "run_demo"]

USER = "demo"
PASSWORD = "demo"  # noqa: S105 — a simulated CRM's user, on loopback only


@dataclass(frozen=True, slots=True)
class DemoOptions:
    profile: Literal["seed", "production"] = "seed"
    every_s: float = 8.0  # between the simulated CRM user's "call" clicks
    calls: int | None = None  # stop once this many results reached the CRM (None: run until ^C)
    crm_port: int = 0
    seed: int | None = None


# What the far end does, drawn for each call the demo's CRM user asks for.
_SCRIPTS: tuple[tuple[float, CallScript], ...] = (
    (0.55, CallScript(ring_s=2.0, outcome="answered", talk_s=4.0)),
    (0.25, CallScript(ring_s=4.0, outcome="no_answer")),
    (0.10, CallScript(ring_s=1.0, outcome="busy")),
    (0.10, CallScript(ring_s=2.0, outcome="rejected")),
)


class _Narrator:
    """Turns engine events into the lines an operator would care about, each said once."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._said: set[tuple[int, str]] = set()
        self._phone: str | None = None

    def say(self, text: str) -> None:
        print(f"{dt.datetime.now():%H:%M:%S}  {text}", file=self.out, flush=True)

    def __call__(self, event: EngineEvent) -> None:
        if isinstance(event, PhoneChanged):
            phone = event.phone
            line = (
                f"phone {phone.model or phone.serial} ready"
                if phone.ready
                else f"phone: {describe(phone.problems[0]) if phone.problems else phone.state}"
            )
            if line != self._phone:
                self._phone = line
                self.say(line)
        elif isinstance(event, CallChanged):
            self._call(event.entry)

    def _call(self, entry: HistoryEntry) -> None:
        shown = _shown(entry.phone)
        key, text = _moment(entry, shown)
        if key and (entry.id, key) not in self._said:
            self._said.add((entry.id, key))
            self.say(text)


_ASKED = {
    "crm_ui": "the CRM asks to call",
    "notification": "confirmed from the notification:",
    "manual": "a manual call to",
    "history": "a call back to",
}


def _moment(entry: HistoryEntry, shown: str) -> tuple[str, str]:
    source = entry.source.value
    if entry.report_state is ReportState.SENT:
        return (
            "sent",
            f"call {entry.id}: the CRM has the result ({entry.wire_status or entry.status})",
        )
    if entry.report_state is ReportState.DEAD:
        return "dead", f"call {entry.id}: the CRM refused the result: {entry.report_error}"
    if entry.phase is CallPhase.RESOLVED:
        how = f"{entry.status}" + (f", {entry.duration_s} s" if entry.duration_s else "")
        if entry.reason and entry.status is not None and entry.status.value != "connected":
            how += f" ({reason_text(entry.reason, entry.reason_detail)})"
        return "resolved", f"call {entry.id}: {how}"
    if entry.phase is CallPhase.RECEIVED:
        return "received", f"call {entry.id}: {_ASKED.get(source, source)} {shown}"
    if entry.phase is CallPhase.DIALLING:
        return "dialling", f"call {entry.id}: dialling {shown}"
    if entry.phase is CallPhase.IN_CALL:
        return "in_call", f"call {entry.id}: the phone is calling"
    if entry.phase is CallPhase.ENDED:
        return "ended", f"call {entry.id}: ended; reading the phone's call log"
    return "", ""


def _shown(number: str) -> str:
    try:
        return format_display(number)
    except ValueError:
        return number


class World:
    """The demo's world, private to one process: a simulated CRM, simulated phones behind an
    adb server of its own (USB scanning off), a throw-away home and an in-memory keyring.

    `await world.start()`, then `world.engine(...)` makes the desk's engine (not started);
    `await world.stop()` ends it all. The window's demo, its screenshots and tests use it too.
    """

    def __init__(self, profile: Literal["seed", "production"] = "seed", crm_port: int = 0) -> None:
        self.profile = profile
        self.crm_port = crm_port
        self.crm: RunningCrm | None = None
        self.adb = AdbServer()
        self.phones: list[SimPhone] = []
        self._home = tempfile.TemporaryDirectory(prefix="softphone-demo-")
        self.home = Path(self._home.name)

    async def start(self, **crm_options: Any) -> None:
        """Start the CRM (RuntimeError when its port is taken) and the adb server."""
        keyring.set_keyring(MemoryKeyring())
        options = CrmOptions(profile=self.profile, users=[(USER, PASSWORD, False)], **crm_options)
        self.crm = start_in_thread(options, port=self.crm_port)
        await asyncio.to_thread(self.adb.start)

    @property
    def crm_url(self) -> str:
        assert self.crm is not None, "start the world first"
        return self.crm.url

    async def add_phone(self, *, wanted: str = "device", **options: Any) -> SimPhone:
        """A simulated phone attached to the world's adb server (`wanted`: the adb state to
        wait for — `unauthorized` for one whose prompt is not yet accepted)."""
        options.setdefault("log_delay_s", 0.5)
        phone = SimPhone(**options)
        phone.set_default_script(CallScript(ring_s=2.0, outcome="answered", talk_s=4.0))
        phone.start()
        self.phones.append(phone)
        await asyncio.to_thread(self.adb.connect, phone.serial, 10, wanted)
        return phone

    async def remove_phone(self, phone: SimPhone) -> None:
        await asyncio.to_thread(self.adb.disconnect, phone.serial)
        phone.stop()
        self.phones.remove(phone)

    def engine(self, **settings: Any) -> Engine:
        """The desk's engine on the world's home, CRM and adb server (start it yourself)."""
        merged: dict[str, Any] = {"server_url": self.crm_url, "call_log_wait_s": 6.0, **settings}
        return Engine(
            paths(self.home),
            Settings(**merged),
            bridge=PhoneBridge("127.0.0.1", self.adb.port),
            control=False,
        )

    async def stop(self) -> None:
        for phone in list(self.phones):
            with contextlib.suppress(Exception):
                await self.remove_phone(phone)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.adb.kill)
        if self.crm is not None:
            self.crm.stop()
        self._home.cleanup()


async def run_demo(options: DemoOptions, stop: asyncio.Event, out: TextIO = sys.stdout) -> int:
    """Run the demo until `stop` is set (or `options.calls` results reached the CRM)."""
    rng = random.Random(options.seed)
    narrator = _Narrator(out)
    world = World(options.profile, options.crm_port)
    try:
        await world.start()
    except RuntimeError as err:  # the port is taken, or loopback is unusable
        print(f"The demo cannot start its simulated CRM: {err}", file=sys.stderr)
        await world.stop()
        return 1
    engine: Engine | None = None
    try:
        phone = await world.add_phone()
        assert world.crm is not None
        narrator.say(
            f"simulated CRM ({options.profile}) at {world.crm_url}/ — open it to press "
            f'"call" yourself; user {USER}'
        )
        narrator.say(f"simulated phone {phone.model} at {phone.serial}, adb port {world.adb.port}")
        engine = world.engine()
        engine.subscribe(narrator)
        await engine.start()
        await engine.login_qr(world.crm_url, world.crm.create_qr(USER))
        narrator.say(f"signed in as {USER} (QR code)")
        return await _operate(engine, world.crm, phone, options, stop, rng, narrator.say)
    finally:
        if engine is not None:
            await engine.stop()
        await world.stop()


async def _operate(
    engine: Engine,
    crm: RunningCrm,
    phone: SimPhone,
    options: DemoOptions,
    stop: asyncio.Event,
    rng: random.Random,
    say: Callable[[str], None],
) -> int:
    """The simulated CRM user: a "call" click every few seconds while the desk is free."""
    asked: list[str] = []
    next_click = 0.0
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        reported = sum(1 for cid in asked if _reported(engine, cid))
        if options.calls is not None and reported >= options.calls:
            say(f"{reported} calls placed and reported; the demo ends")
            return 0
        status = engine.status()
        free = status.ready and status.current_call is None and not status.waiting
        wanted = options.calls is None or len(asked) < options.calls
        if free and wanted and loop.time() >= next_click:
            phone.push_scripts(_draw(rng))
            number = f"+7912{rng.randrange(10**7):07d}"
            asked.append(crm.create_command(USER, number))
            next_click = loop.time() + options.every_s * rng.uniform(0.5, 1.5)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.2):
                await stop.wait()
    return 0


def _reported(engine: Engine, command_id: str) -> bool:
    """The desk knows the CRM took (or refused for good) this command's result."""
    entry = engine.entry_for_command(command_id)
    return entry is not None and entry.report_state in (ReportState.SENT, ReportState.DEAD)


def _draw(rng: random.Random) -> CallScript:
    pick = rng.random()
    for weight, script in _SCRIPTS:
        if pick < weight:
            return script
        pick -= weight
    return _SCRIPTS[0][1]

"""Following the adb server's device list: the track-devices thread and the events it means.

`DeviceTracker` keeps a `host:track-devices` connection open in a thread of its own and hands
every snapshot on; `device_events` turns successive snapshots into `DeviceEvent`s (attached,
detached, unauthorized, offline, no_permissions). The bridge merges the tracker's snapshots with
polls of the device list, because adb 29's track-devices says nothing while a TCP link is dead.

Nothing here talks to a phone or knows about calls.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any, Final, Literal

from adbutils.errors import AdbError

from softphone.adb import parse
from softphone.adb.client import Client
from softphone.masking import mask

__all__ = ["DeviceEvent", "DeviceTracker", "EventKind", "device_events", "event_kind"]

log = logging.getLogger("softphone.adb")

_TRACK_RETRY_S: Final = 1.0

EventKind = Literal["attached", "detached", "unauthorized", "offline", "no_permissions"]


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A phone appeared, went away or changed state (`state`: `parse.DeviceState`, or `absent`)."""

    serial: str
    kind: EventKind
    state: parse.DeviceState | Literal["absent"]


def event_kind(state: str) -> EventKind | None:
    """The event a device state means, from adb's text or our word (`parse.device_state`).

    None for the passing states (`connecting`, `authorizing`); bootloader, recovery and other
    states where the phone is present but of no use to us are `offline`.
    """
    normal = parse.device_state(state)
    if normal == "device":
        return "attached"
    if normal == "unauthorized":
        return "unauthorized"
    if normal == "no_permissions":
        return "no_permissions"
    if normal == "offline":
        return "offline"
    return None


def device_events(
    known: dict[str, parse.DeviceState], seen: list[parse.DeviceLine]
) -> list[DeviceEvent]:
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


class DeviceTracker:
    """`host:track-devices` in a thread of its own, reconnecting after the server drops it.

    Each snapshot is handed to `deliver` (called in the tracker thread); `generation` counts
    them, so a poll that ran while the tracker spoke can be recognised as possibly stale.
    """

    def __init__(
        self, client: Client, deliver: Callable[[list[parse.DeviceLine]], None], name: str
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

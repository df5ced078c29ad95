"""Starting the real adb server (the binary from the adbutils wheel) on a private port.

These tests start servers of their own on free ports with a throw-away HOME, and kill them at
the end: a developer's adb server on 5037 and their keys are never touched.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone.adb.bridge import PhoneBridge
from softphone.adb.server import ensure_server
from softphone.sim.phone import SimPhone
from tests.support.adb import AdbServer

pytestmark = pytest.mark.adb


@pytest.fixture
def private_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AdbServer]:
    """A port with no server yet, and a HOME for whatever server the bridge starts there."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ANDROID_USER_HOME", str(tmp_path / ".android"))
    monkeypatch.setenv("ADB_MDNS", "0")
    server = AdbServer()
    try:
        yield server
    finally:
        server.kill()


async def test_ensure_server_starts_adb_on_the_given_port(private_server: AdbServer) -> None:
    version = await ensure_server("127.0.0.1", private_server.port)
    assert re.fullmatch(r"1\.0\.\d+", version)
    assert private_server.adb("devices").returncode == 0  # it answers on that port
    assert await ensure_server("127.0.0.1", private_server.port) == version  # and is reused


async def test_ensure_server_honours_androids_port_variable(
    private_server: AdbServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(private_server.port))
    await ensure_server()
    assert private_server.adb("devices").returncode == 0


async def test_bridge_starts_the_server_again_when_it_died(private_server: AdbServer) -> None:
    private_server.start()
    phone = SimPhone()
    phone.start()
    bridge = PhoneBridge("127.0.0.1", private_server.port, command_timeout=5.0)
    try:
        private_server.connect(phone.serial)
        await bridge.start()
        assert [d.serial for d in await bridge.devices()] == [phone.serial]
        private_server.adb("kill-server")
        # A restarted server forgets TCP phones; what matters is that it answers again.
        assert await bridge.devices() == []
        private_server.connect(phone.serial)
        assert await bridge.call_state(phone.serial) == 0
    finally:
        await bridge.close()
        phone.stop()


async def test_event_stream_survives_a_server_restart(private_server: AdbServer) -> None:
    private_server.start()
    phone = SimPhone()
    phone.start()
    bridge = PhoneBridge("127.0.0.1", private_server.port, command_timeout=5.0)
    events = bridge.events(poll_interval=0.2)
    try:
        private_server.connect(phone.serial)
        async with asyncio.timeout(10):
            first = await anext(events)
            assert (first.serial, first.kind) == (phone.serial, "attached")
            private_server.adb("kill-server")
            gone = await anext(events)  # the restarted server has forgotten the TCP phone
            assert (gone.serial, gone.kind) == (phone.serial, "detached")
            private_server.connect(phone.serial)
            back = await anext(events)
            assert (back.serial, back.kind) == (phone.serial, "attached")
    finally:
        await events.aclose()  # type: ignore[attr-defined]
        await bridge.close()
        phone.stop()

"""The adb server dies under a running engine (another tool ran `adb kill-server`, adb crashed):
the engine says so, brings a server back, takes the phone up again and goes on dialling."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from softphone.adb.private import AdbServer
from softphone.engine import PhoneChanged
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from tests.support.engines import desk_engine
from tests.support.waiting import eventually

pytestmark = [pytest.mark.adb, pytest.mark.slow]


@pytest.fixture
def own_adb() -> Iterator[AdbServer]:
    server = AdbServer()  # not the session's: this test kills it
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def crm() -> Iterator[RunningCrm]:
    server = start_in_thread(CrmOptions(profile="seed", users=[("op1", "pw1", False)]), port=0)
    try:
        yield server
    finally:
        server.stop()


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def reported(crm: RunningCrm, command_id: str) -> str | None:
    command = crm.command(command_id)
    return command["updates"] and command["result"].get("call_status")


async def test_the_engine_outlives_its_adb_server(own_adb: AdbServer, crm: RunningCrm) -> None:
    phone = SimPhone(log_delay_s=0.1)
    phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    phone.start()
    own_adb.connect(phone.serial)
    engine = desk_engine(own_adb.port)
    states: list[str] = []
    engine.subscribe(lambda e: states.append(e.phone.state) if isinstance(e, PhoneChanged) else 0)
    try:
        await engine.start()
        await engine.login_qr(crm.url, crm.create_qr("op1"))
        await eventually(lambda: engine.status().ready, 15, "a ready engine")
        first = crm.create_command("op1", "+79123450101")
        assert await eventually(lambda: reported(crm, first), 30, "the first result") == "connected"

        own_adb.adb("kill-server")
        await eventually(lambda: not engine.status().phone.ready, 20, "the phone seen gone")
        # The engine starts a server again by itself; the phone (on TCP here) is reconnected
        # the way a USB phone comes back on its own.
        # (probed with a bare TCP connect: any adb command would start a server itself)
        await eventually(lambda: listening(own_adb.port), 30, "the engine's own adb server")
        own_adb.connect(phone.serial)
        await eventually(lambda: engine.status().ready, 30, "the phone taken up again")

        second = crm.create_command("op1", "+79123450102")
        assert await eventually(lambda: reported(crm, second), 30, "the second result") == (
            "connected"
        )
    finally:
        await engine.stop()
        phone.stop()
    dials = [c for c in phone.commands() if c.startswith("am start")]
    assert [d.split(":")[-1] for d in dials] == ["+79123450101", "+79123450102"]
    assert states[-1] == "device" and any(s != "device" for s in states)

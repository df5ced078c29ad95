"""Fixtures shared by the integration, reliability and UI tests: a private adb server and
simulated phones attached to it.

`adb_server` is one adb server per test session (per xdist worker) on a free port: never 5037,
USB scanning off, its own HOME. `sim_phone` is a fresh SimPhone per test, connected to it and in
state `device`; `sim_phone_factory(**SimPhone kwargs)` makes more (dual SIM, Xiaomi…), each
connected the same way. All are disconnected and stopped after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from softphone.sim.phone import SimPhone
from tests.support.adb import AdbServer, SimPhoneFactory


@pytest.fixture(scope="session")
def adb_server() -> Iterator[AdbServer]:
    server = AdbServer()
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def sim_phone_factory(adb_server: AdbServer) -> Iterator[SimPhoneFactory]:
    phones: list[SimPhone] = []

    def make(*, connect: bool = True, control_port: int | None = None, **kwargs: Any) -> SimPhone:
        kwargs.setdefault("log_delay_s", 0.1)
        phone = SimPhone(**kwargs)
        phones.append(phone)
        phone.start(host="127.0.0.1", port=0, control_port=control_port)
        if connect:
            wanted = "unauthorized" if kwargs.get("auth") == "reject" else "device"
            adb_server.connect(phone.serial, wanted=wanted)
        return phone

    try:
        yield make
    finally:
        for phone in phones:
            adb_server.disconnect(phone.serial)
            phone.stop()


@pytest.fixture
def sim_phone(sim_phone_factory: SimPhoneFactory) -> SimPhone:
    return sim_phone_factory()

"""Fixtures for integration tests with the simulated phone behind a real, private adb server.

`adb_server` is one adb server per test session on a free port (never 5037, USB off, its own
HOME); `sim_phone` is a fresh SimPhone per test, connected to it and in state `device`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from softphone.sim.phone import SimPhone
from tests.support.adb import AdbServer


@pytest.fixture(scope="session")
def adb_server() -> Iterator[AdbServer]:
    server = AdbServer()
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def sim_phone(adb_server: AdbServer) -> Iterator[SimPhone]:
    phone = SimPhone(log_delay_s=0.1)
    phone.start(host="127.0.0.1", port=0)
    try:
        adb_server.connect(phone.serial)
        yield phone
    finally:
        adb_server.disconnect(phone.serial)
        phone.stop()

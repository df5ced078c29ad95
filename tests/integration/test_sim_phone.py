"""The simulated phone behind a real adb server: what `adb shell` and adbutils see."""

from __future__ import annotations

import pytest

from softphone.sim.phone import SimPhone
from tests.support.adb import AdbServer

pytestmark = pytest.mark.adb


def test_connected_phone_answers_getprop_over_adb(
    adb_server: AdbServer, sim_phone: SimPhone
) -> None:
    result = adb_server.adb("-s", sim_phone.serial, "shell", "getprop ro.product.model")
    assert result.stdout.strip() == "Pixel 7"
    assert adb_server.state(sim_phone.serial) == "device"

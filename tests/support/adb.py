"""A private adb server for tests (softphone.adb.private) and the sim-phone factory type.

Tests never touch a developer's own adb server (port 5037) or keys: see softphone/adb/private.py.
"""

from __future__ import annotations

from collections.abc import Callable

from softphone.adb.private import AdbServer, free_port
from softphone.sim.phone import SimPhone

__all__ = ["AdbServer", "SimPhoneFactory", "free_port"]

#: `sim_phone_factory(**SimPhone kwargs, connect=True, control_port=None)` → a started phone.
SimPhoneFactory = Callable[..., SimPhone]

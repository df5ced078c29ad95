"""A desk on the bench: the engine, in-process, against the simulated CRM and phone.

`desk()` starts a private adb server (the adbutils wheel's binary, a free port, USB off, a
throw-away HOME), a `SimPhone` connected to it, the simulated CRM in a thread, and an `Engine`
with a throw-away home and no control door; signs in by QR and waits until the engine is ready.
Everything is stopped on the way out. Benchmarks use only the engine's public API and the
stand-ins' own controls.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
os.environ["ADB_USB"] = "0"

from softphone.adb.bridge import PhoneBridge
from softphone.adb.private import AdbServer
from softphone.config import Settings, paths
from softphone.engine import Engine
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import SimPhone

__all__ = ["Desk", "desk", "wait_for"]


@dataclasses.dataclass
class Desk:
    engine: Engine
    crm: RunningCrm
    phone: SimPhone
    adb: AdbServer


async def wait_for(predicate: Callable[[], Any], within: float, what: str) -> float:
    """Poll every 2 ms; the perf_counter time the predicate first held."""
    deadline = time.perf_counter() + within
    while True:
        if predicate():
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


@contextlib.asynccontextmanager
async def desk(
    profile: str = "seed",
    *,
    phone: SimPhone | None = None,
    settings: Settings | None = None,
    crm_options: dict[str, Any] | None = None,
) -> AsyncIterator[Desk]:
    adb = AdbServer()
    adb.start()
    sim_phone = phone or SimPhone(log_delay_s=0.3)
    sim_phone.start()
    crm = start_in_thread(
        CrmOptions(profile=profile, users=[("op1", "pw1", False)], **(crm_options or {})), port=0
    )
    home = tempfile.TemporaryDirectory(prefix="softphone-bench-")
    try:
        adb.connect(sim_phone.serial)
        engine = Engine(
            paths(home.name),
            settings or Settings(),
            bridge=PhoneBridge("127.0.0.1", adb.port),
            control=False,
        )
        await engine.start()
        try:
            await engine.login_qr(crm.url, crm.create_qr("op1"))
            await wait_for(lambda: engine.status().ready, 30, "a ready engine")
            yield Desk(engine, crm, sim_phone, adb)
        finally:
            await engine.stop()
    finally:
        crm.stop()
        sim_phone.stop()
        adb.kill()
        home.cleanup()

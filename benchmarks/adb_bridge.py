"""How long the bridge's phone commands take through a real adb server to the simulated phone.

Starts a private adb server (the adbutils wheel's binary, a free port, USB off, throw-away
HOME) and a SimPhone, then times `call_state`, `phone_time_ms`, `call_log_since` (20 rows),
`probe` and `dial` until off-hook, through `PhoneBridge`. Prints JSON: milliseconds per call
(min, median, p95). Run: `python benchmarks/adb_bridge.py`.
Not a test: a figure (the simulated phone answers faster than a real one over USB).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable

from softphone.adb.bridge import IDLE, PhoneBridge
from softphone.adb.private import AdbServer
from softphone.sim.phone import CallScript, SimPhone


def _summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "min_ms": round(samples[0], 2),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "runs": len(samples),
    }


async def _time(runs: int, step: Callable[[], Awaitable[object]]) -> dict[str, float]:
    await step()  # warm-up: worker thread, server version
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await step()
        samples.append((time.perf_counter() - started) * 1000)
    return _summary(samples)


async def _measure(server: AdbServer, phone: SimPhone, runs: int) -> dict[str, object]:
    bridge = PhoneBridge("127.0.0.1", server.port, command_timeout=5.0)
    serial = phone.serial
    try:
        await bridge.start()
        now = await bridge.phone_time_ms(serial)
        for i in range(20):
            phone.add_call_log_row(f"+7999000{i:04d}", date_ms=now + i, duration=i)
        results: dict[str, object] = {
            "call_state": await _time(runs, lambda: bridge.call_state(serial)),
            "phone_time_ms": await _time(runs, lambda: bridge.phone_time_ms(serial)),
            "call_log_since_20_rows": await _time(runs, lambda: bridge.call_log_since(serial, now)),
            "probe": await _time(max(runs // 5, 5), lambda: bridge.probe(serial)),
        }

        async def dial_and_hang_up() -> None:
            phone.push_scripts(CallScript(ring_s=30, outcome="no_answer"))
            started = time.perf_counter()
            result = await bridge.dial(serial, "+79991234567")
            dial_samples.append((time.perf_counter() - started) * 1000)
            assert result.started, result.reason
            assert (await bridge.end_call(serial)).ok
            assert await bridge.call_state(serial) == IDLE  # the end key hangs up at once

        dial_samples: list[float] = []
        for _ in range(max(runs // 5, 5)):
            await dial_and_hang_up()
        results["dial_until_offhook"] = _summary(dial_samples)
        return results
    finally:
        await bridge.close()


def main(runs: int = 100) -> None:
    os.environ["ADB_USB"] = "0"
    server = AdbServer()
    server.start()
    phone = SimPhone(log_delay_s=0.0)
    phone.start()
    try:
        server.connect(phone.serial)
        results = asyncio.run(_measure(server, phone, runs))
        version = server.adb("version").stdout.splitlines()[0]
    finally:
        phone.stop()
        server.kill()
    print(json.dumps({"benchmark": "adb_bridge", "adb": version, **results}, indent=2))


if __name__ == "__main__":
    main()

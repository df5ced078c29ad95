"""Command delivery latency through CrmLink against the simulated CRM, in both profiles.

Delivery latency is the time from the CRM queueing a command (`crm.create_command`) to the
desk's `on_command` having persisted it. Prints one JSON object:

- `seed` (long-polling server): commands queued at random moments while the desk long-polls;
  latencies in real milliseconds.
- `production` (instant 204s and the per-IP wall): an operator shift played at `--speed` times
  real time (think time mean 20 s, calls 10–180 s, the phone busy during calls, one result per
  call), with the per-IP window scaled on both sides; latencies in *simulated* seconds, plus
  the number of per-IP refusals (should be 0).

Usage: python benchmarks/delivery_latency.py [--speed 10] [--shift-min 10] [--seed-commands 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from softphone.config import Settings
from softphone.model import ActionSource, CallCommand, CallPhase, CallReport, CallStatus
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.store import Store
from softphone.sync import CrmLink


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(p: int) -> float:
        return ordered[0] if not cuts else cuts[p - 1]

    return {"p50": at(50), "p95": at(95), "p99": at(99), "max": ordered[-1]}


class Desk:
    def __init__(self, crm: RunningCrm, folder: Path, settings: Settings) -> None:
        self.crm = crm
        self.store = Store.open(folder / "bench.db")
        self.arrived: dict[str, float] = {}
        self.event = asyncio.Event()
        self.link = CrmLink(self.store, settings, on_command=self.persist)

    async def persist(self, command: CallCommand) -> None:
        self.store.add_call(
            source=ActionSource.CRM_UI,
            phone=command.phone,
            command_id=command.id,
            report_id=command.id,
        )
        self.arrived[command.id] = time.monotonic()
        self.event.set()

    async def wait_for(self, cid: str, limit_s: float) -> float:
        async with asyncio.timeout(limit_s):
            while cid not in self.arrived:
                self.event.clear()
                await self.event.wait()
        return self.arrived[cid]


async def bench_seed(folder: Path, commands: int, rng: random.Random) -> dict[str, Any]:
    options = CrmOptions(profile="seed", users=[("op1", "pw1", False)], max_wait=30)
    with start_in_thread(options, port=0) as crm:
        desk = Desk(crm, folder, Settings(server_url=crm.url, long_poll_wait_s=25))
        await desk.link.login_password(crm.url, "op1", "pw1")
        await desk.link.start()
        await asyncio.sleep(0.5)  # the first pull is out and held
        latencies = []
        for n in range(commands):
            await asyncio.sleep(rng.uniform(0.05, 1.5))
            queued = time.monotonic()
            cid = crm.create_command("op1", f"+7912{n:07d}")
            latencies.append((await desk.wait_for(cid, 30) - queued) * 1000)
        mode = desk.link.status().server_mode.value
        await desk.link.stop()
        desk.store.close()
    stats = {k: round(v, 1) for k, v in percentiles(latencies).items()}
    return {"commands": commands, "mode": mode, "unit": "ms (real)", **stats}


async def bench_production(
    folder: Path, speed: float, shift_min: float, rng: random.Random
) -> dict[str, Any]:
    window = 60 / speed
    options = CrmOptions(
        profile="production",
        users=[("op1", "pw1", False)],
        ip_limit=60,
        ip_window=window,
        scope_window=window,
    )
    with start_in_thread(options, port=0) as crm:
        settings = Settings(
            server_url=crm.url,
            rate_limit_requests=60,
            rate_window_s=window,
            poll_min_interval_s=2.0 / speed,
            poll_max_interval_s=15.0 / speed,
            heartbeat_minutes=max(0.5, 5 / speed),
        )
        desk = Desk(crm, folder, settings)
        await desk.link.login_qr(crm.url, crm.create_qr("op1"))
        await desk.link.start()
        latencies = []
        end = time.monotonic() + shift_min * 60 / speed
        n = 0
        while time.monotonic() < end:
            await asyncio.sleep(rng.expovariate(speed / 20))
            queued = time.monotonic()
            cid = crm.create_command("op1", f"+7912{n:07d}")
            n += 1
            latencies.append((await desk.wait_for(cid, 200 / speed + 10) - queued) * speed)
            desk.link.set_phone_busy(True)
            await asyncio.sleep(rng.uniform(10, 180) / speed)
            entry = desk.store.call_by_command(cid)
            assert entry is not None
            report = CallReport(call_request_id=cid, call_status=CallStatus.CONNECTED)
            desk.store.resolve_and_enqueue(
                entry.id,
                {"phase": CallPhase.RESOLVED, "status": CallStatus.CONNECTED},
                report.wire(),
            )
            desk.link.outbox_changed()
            desk.link.set_phone_busy(False)
        status = desk.link.status()
        await desk.link.stop()
        desk.store.close()
        requests = crm.requests()
    stats = {k: round(v, 2) for k, v in percentiles(latencies).items()}
    return {
        "commands": len(latencies),
        "mode": status.server_mode.value,
        "speed": speed,
        "unit": "s (simulated)",
        **stats,
        "requests": sum(1 for r in requests if r["path"].startswith("/api/phone/")),
        "ip_429": sum(1 for r in requests if r.get("limited_by") == "ip"),
        "any_429": sum(1 for r in requests if r.get("status") == 429),
    }


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--shift-min", type=float, default=10.0, help="simulated minutes")
    parser.add_argument("--seed-commands", type=int, default=50)
    parser.add_argument("--rng", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    rng = random.Random(args.rng)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "seed").mkdir()
        (folder / "production").mkdir()
        seed = await bench_seed(folder / "seed", args.seed_commands, rng)
        production = await bench_production(folder / "production", args.speed, args.shift_min, rng)
    print(json.dumps({"seed": seed, "production": production}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))

"""Command delivery latency: Softphone's pacing against the reference client's, in one run.

Delivery latency is the time from the CRM queueing a command to the desk holding it (for
Softphone: persisted by `on_command`; for the reference poller: its pull returned it).

`production` plays operator shifts against the simulated CRM's production profile (instant
204s, the per-IP wall: 60 requests, every counted request restarts a 60 s expiry, 429 without
Retry-After, refused requests not counted). Each shift is played twice with the same random
draws: once by Softphone's CRM conversation (`CrmLink`: the engine's own pull loop, rate
budget, outbox, heartbeats and telemetry, with its default settings) and once by
`reference_client.ReferencePoller` (a pull every 10 s, during calls too; 429s ignored). The
operator: the next command is queued an exponential think time (mean 20 s) after the last call
ended; calls last `30–180 s` in one shift and `10–60 s` in the other; one result per call.

The shifts run on simulated time (`virtual_time.VirtualTimeLoop`): the CRM (its real ASGI app,
in the same loop through `httpx.ASGITransport`), its limiter, the client's budget and every
sleep share one clock, so hours take seconds and both clients are judged by the same limiter
and the same clock. Each request takes `--network-ms` of simulated time (the CRM's latency
fault). The phone is modelled, the same for both: the call is up `DIAL_S` after delivery, its
end is noticed `END_SEEN_S` later (Softphone's pull loop resumes then) and the result is ready
`LOG_DELAY_S` after the end (the call log's delay). The real phone path is measured by
`click_to_ring.py` and `result_latency.py`, in real time.

`seed` (a long-polling server): commands queued at random moments while the desk long-polls,
in real time over real HTTP; milliseconds.

Each kind of shift is played `--repeats` times (different draws) and the figures pooled.
Prints one JSON object: per kind of shift, for each client p50/p95/p99/max delivery (simulated s),
requests per minute, per-IP 429s and seconds locked out; and the reference/Softphone ratios.

Usage: python benchmarks/delivery_latency.py [--hours 4] [--repeats 3] [--shifts long,short]
                                             [--rng 1] [--seed-commands 30] [--network-ms 15]
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

import httpx
from reference_client import ReferencePoller
from virtual_time import VirtualTimeLoop

from softphone.config import Settings
from softphone.model import ActionSource, CallCommand, CallPhase, CallReport, CallStatus
from softphone.sim.crm import CrmOptions, start_in_thread
from softphone.sim.crm_app import CrmApp
from softphone.sim.crm_state import CrmState
from softphone.store import Store
from softphone.sync import Clock, CrmLink

#: The phone, modelled the same for both clients (simulated seconds).
DIAL_S = 1.0  # delivery → the call is up (am start, the phone going off-hook)
END_SEEN_S = 0.15  # the call ends → the desk sees the phone idle (result_latency: p95 ~0.15 s)
LOG_DELAY_S = 1.0  # the call ends → its call-log row (and so its result) is there
SHIFTS = {"long": (30.0, 180.0), "short": (10.0, 60.0)}
BASE = "http://127.0.0.1:8000"
WINDOW_S = 60.0
LIMIT = 60


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(p: int) -> float:
        return ordered[0] if not cuts else cuts[p - 1]

    return {"p50": at(50), "p95": at(95), "p99": at(99), "max": ordered[-1]}


def draws(
    rng: random.Random, calls: tuple[float, float], n: int = 5000
) -> list[tuple[float, float]]:
    """(think time, call length) pairs, the same for both clients."""
    return [(rng.expovariate(1 / 20), rng.uniform(*calls)) for _ in range(n)]


def lockouts(requests: list[dict[str, Any]]) -> tuple[int, float]:
    """Per-IP 429s, and the seconds the address was locked out, replaying the limiter's rule
    over the request log: a lockout runs from its first refusal until the count's expiry."""
    refused = 0
    locked = 0.0
    expires = 0.0
    lock_from: float | None = None
    for entry in requests:
        if not entry["path"].startswith("/api/phone/"):
            continue
        t = entry["t"]
        if lock_from is not None and t >= expires:
            locked += expires - lock_from
            lock_from = None
        if entry.get("limited_by") == "ip":
            refused += 1
            if lock_from is None:
                lock_from = t
        elif entry.get("status") is not None:
            expires = t + WINDOW_S
    if lock_from is not None:
        locked += expires - lock_from
    return refused, locked


def virtual_loop() -> VirtualTimeLoop:
    loop = asyncio.get_running_loop()
    if not isinstance(loop, VirtualTimeLoop):
        raise RuntimeError("shifts are played on simulated time")
    return loop


class Shift:
    """One operator shift against one simulated production CRM, on the loop's clock."""

    def __init__(self, loop: VirtualTimeLoop, hours: float, network_ms: float) -> None:
        options = CrmOptions(
            profile="production", users=[("op1", "pw1", False)], ip_limit=LIMIT, ip_window=WINDOW_S
        )
        self.loop = loop
        self.state = CrmState(options, clock=loop.wall)
        self.app = CrmApp(self.state)
        self.app.bind_loop(loop)
        self.state.set_faults({"latency_ms": network_ms})
        self.transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 40000))
        self.hours = hours
        self.arrived: dict[str, float] = {}
        self.event = asyncio.Event()
        self.latencies: list[float] = []
        self.stuck = False

    def arrive(self, cid: str) -> None:
        self.arrived.setdefault(cid, self.loop.clock())
        self.event.set()

    async def wait_for(self, cid: str) -> float:
        # A command not delivered in an hour means the client is stuck: the shift ends there
        # (and says so) instead of playing simulated time for ever.
        async with asyncio.timeout(3600):
            while cid not in self.arrived:
                self.event.clear()
                await self.event.wait()
        return self.arrived[cid]

    async def play(
        self,
        pairs: list[tuple[float, float]],
        call: Callable[[str, float], Awaitable[None]],
    ) -> None:
        """Queue commands as an operator works through them; `call(cid, length)` plays one
        call from its delivery and returns when the call has ended."""
        end = self.loop.clock() + self.hours * 3600
        for n, (think, length) in enumerate(pairs):
            await asyncio.sleep(think)
            if self.loop.clock() >= end:
                return
            queued = self.loop.clock()
            cid, _dup = self.state.create_command("op1", f"+7912{n:07d}")
            try:
                self.latencies.append(await self.wait_for(cid) - queued)
            except TimeoutError:
                self.stuck = True
                return
            await call(cid, length)

    def figures(self, began: float) -> dict[str, Any]:
        """The raw figures of this shift (`summary` pools several)."""
        requests = [r for r in self.state.requests_view() if r["t"] >= began]
        refused, locked = lockouts(requests)
        return {
            "latencies": self.latencies,
            "stuck": self.stuck,
            "requests": sum(1 for r in requests if r["path"].startswith("/api/phone/")),
            "minutes": (self.loop.wall() - began) / 60,
            "ip_429": refused,
            "locked_out_s": locked,
        }


def summary(shifts: list[dict[str, Any]], extra: str) -> dict[str, Any]:
    latencies = [x for shift in shifts for x in shift["latencies"]]
    minutes = sum(shift["minutes"] for shift in shifts)
    stats = {k: round(v, 2) for k, v in percentiles(latencies).items()}
    return {
        "commands": len(latencies),
        **stats,
        "over_60s": sum(1 for x in latencies if x > 60),
        "requests_per_min": round(sum(shift["requests"] for shift in shifts) / minutes, 2),
        "ip_429": sum(shift["ip_429"] for shift in shifts),
        "locked_out_s": round(sum(shift["locked_out_s"] for shift in shifts), 1),
        "stuck": any(shift["stuck"] for shift in shifts),
        extra: sum(shift[extra] for shift in shifts),
    }


async def softphone_shift(
    hours: float, pairs: list[tuple[float, float]], network_ms: float
) -> dict[str, Any]:
    loop = virtual_loop()
    shift = Shift(loop, hours, network_ms)
    store = Store.memory(clock=loop.wall)

    async def persist(command: CallCommand) -> None:
        store.add_call(
            source=ActionSource.CRM_UI,
            phone=command.phone,
            command_id=command.id,
            report_id=command.id,
        )
        shift.arrive(command.id)

    link = CrmLink(
        store,
        Settings(server_url=BASE),
        on_command=persist,
        transport=shift.transport,
        clock=Clock(monotonic=loop.clock, wall=loop.wall),
        rng=random.Random(5),
    )

    async def call(cid: str, length: float) -> None:
        link.set_phone_busy(True)  # the flow dials at once: no pulls while the phone is busy
        await asyncio.sleep(DIAL_S + length + END_SEEN_S)
        link.set_phone_busy(False)
        await asyncio.sleep(LOG_DELAY_S - END_SEEN_S)
        entry = store.call_by_command(cid)
        if entry is None:
            raise RuntimeError(f"command {cid} was not persisted")
        report = CallReport(call_request_id=cid, call_status=CallStatus.CONNECTED)
        fields = {"phase": CallPhase.RESOLVED, "status": CallStatus.CONNECTED}
        store.resolve_and_enqueue(entry.id, fields, report.wire())
        link.outbox_changed()

    began = loop.wall()
    await link.login_qr(BASE, shift.state.create_qr("op1").token)
    await link.start()
    try:
        await shift.play(pairs, call)
    finally:
        await link.stop()
    figures = shift.figures(began)
    figures["results_not_delivered"] = store.outbox_stats(loop.wall()).pending
    return figures


async def reference_shift(
    hours: float, pairs: list[tuple[float, float]], network_ms: float
) -> dict[str, Any]:
    loop = virtual_loop()
    shift = Shift(loop, hours, network_ms)
    poller = ReferencePoller(BASE, shift.transport, lambda body: shift.arrive(str(body["id"])))
    reports: set[asyncio.Task[None]] = set()

    async def call(cid: str, length: float) -> None:
        await asyncio.sleep(DIAL_S + length + LOG_DELAY_S)
        body = {"call_request_id": cid, "call_status": "connected"}
        task = loop.create_task(poller.report(body))
        reports.add(task)
        task.add_done_callback(reports.discard)

    began = loop.wall()
    await poller.login_qr(shift.state.create_qr("op1").token)
    pulling = loop.create_task(poller.run())
    try:
        await shift.play(pairs, call)
    finally:
        pulling.cancel()
        for task in [pulling, *reports]:
            task.cancel()
        await asyncio.gather(pulling, *reports, return_exceptions=True)
        await poller.aclose()
    figures = shift.figures(began)
    figures["results_stuck"] = poller.stuck
    return figures


def on_virtual_time(job: Callable[[], Awaitable[dict[str, Any]]]) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        result = runner.run(job())
    return result, time.perf_counter() - started


def ratio(reference: dict[str, Any], ours: dict[str, Any], key: str) -> float | None:
    return round(reference[key] / ours[key], 1) if ours.get(key) else None


def production(
    hours: float, shifts: list[str], repeats: int, seed: int, network_ms: float
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "clock": "simulated",
        "hours_per_shift": hours,
        "shifts_per_kind": repeats,
        "network_ms": network_ms,
        "phone_model_s": {"dial": DIAL_S, "end_seen": END_SEEN_S, "log_delay": LOG_DELAY_S},
    }
    for name in shifts:
        ours_runs, ref_runs, real_s = [], [], 0.0
        for n in range(repeats):
            pairs = draws(random.Random(seed + n), SHIFTS[name])
            one, one_s = on_virtual_time(lambda p=pairs: softphone_shift(hours, p, network_ms))
            other, other_s = on_virtual_time(lambda p=pairs: reference_shift(hours, p, network_ms))
            ours_runs.append(one)
            ref_runs.append(other)
            real_s += one_s + other_s
        ours = summary(ours_runs, "results_not_delivered")
        ref = summary(ref_runs, "results_stuck")
        out[name] = {
            "calls_s": list(SHIFTS[name]),
            "softphone": ours,
            "reference": ref,
            "reference_over_softphone": {
                k: ratio(ref, ours, k) for k in ("p50", "p95", "p99", "max", "requests_per_min")
            },
            "real_s": round(real_s, 1),
        }
    return out


class Desk:
    """Softphone's CRM conversation with a store, for the real-time seed run."""

    def __init__(self, folder: Path, settings: Settings) -> None:
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
        desk = Desk(folder, Settings(server_url=crm.url, long_poll_wait_s=25))
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
    return {"clock": "real", "commands": commands, "mode": mode, "unit": "ms", **stats}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0, help="simulated hours per shift")
    parser.add_argument("--shifts", default="long,short")
    parser.add_argument("--repeats", type=int, default=3, help="shifts of each kind (pooled)")
    parser.add_argument("--rng", type=int, default=1)
    parser.add_argument("--network-ms", type=float, default=15.0)
    parser.add_argument("--seed-commands", type=int, default=30, help="0: skip the seed run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=getattr(logging, os.environ.get("BENCH_LOG", "ERROR")))
    result: dict[str, Any] = {"benchmark": "delivery_latency"}
    result["production"] = production(
        args.hours,
        [s for s in args.shifts.split(",") if s],
        args.repeats,
        args.rng,
        args.network_ms,
    )
    if args.seed_commands:
        with tempfile.TemporaryDirectory() as tmp:
            result["seed"] = asyncio.run(
                bench_seed(Path(tmp), args.seed_commands, random.Random(args.rng))
            )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

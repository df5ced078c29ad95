"""What the operator feels: from the CRM's "call" click to the phone dialling, and from the end
of the call to its result in the CRM. The whole engine runs in-process against the simulated
CRM (both profiles) and the simulated phone behind a private real adb server.

- `click_to_dial_ms`: `/sim/commands` queued → the phone received `am start`.
- `end_to_report_ms`: the phone's call state back to idle → the CRM holds the call's result
  (includes the phone's call-log delay, `--log-delay`, and the outbox's pacing).

Commands come one at a time, `--think` seconds apart on average (an operator's rhythm, compressed).
Prints one JSON object.

The default is the seed profile (a long-polling server), where what is measured is the engine's
own overhead. Against the production profile (`--profiles seed,production`) click-to-dial is
governed by the per-IP wall: its counter only resets after 60 s without a request, so with
these compressed calls (no call long enough to reset it) the planner must now and then go
silent for a full window and some commands wait over a minute. The shift-shaped figures for
production, with realistic call lengths, are benchmarks/delivery_latency.py's.

Usage: python benchmarks/click_to_ring.py [--calls 15] [--think 1.5] [--log-delay 0.3]
                                          [--profiles seed[,production]]
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
from typing import Any

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
os.environ["ADB_USB"] = "0"

from softphone.adb.bridge import PhoneBridge
from softphone.adb.private import AdbServer
from softphone.config import Settings, paths
from softphone.engine import Engine
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "max": round(ordered[-1], 1),
    }


async def wait_for(predicate: Any, within: float, what: str) -> float:
    """Poll every 2 ms; return the perf_counter time the predicate first held."""
    deadline = time.perf_counter() + within
    while True:
        if predicate():
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


def dials(phone: SimPhone) -> int:
    return sum(1 for c in phone.commands() if c.startswith("am start"))


async def one_profile(
    profile: str, adb: AdbServer, phone: SimPhone, calls: int, think: float
) -> dict[str, Any]:
    crm: RunningCrm = start_in_thread(
        CrmOptions(profile=profile, users=[("op1", "pw1", False)]), port=0
    )
    settings = Settings(call_log_wait_s=5.0, dial_start_timeout_s=3.0)
    engine = Engine(paths(), settings, bridge=PhoneBridge("127.0.0.1", adb.port), control=False)
    to_dial: list[float] = []
    to_report: list[float] = []
    rng = random.Random(7)
    try:
        await engine.start()
        await engine.login_qr(crm.url, crm.create_qr("op1"))
        await wait_for(lambda: engine.status().ready, 30, "a ready engine")
        for i in range(calls):
            await asyncio.sleep(rng.uniform(0.2 * think, 1.8 * think))
            number = f"+7912{i:07d}"
            before = dials(phone)
            clicked = time.perf_counter()
            cid = crm.create_command("op1", number)
            dialled = await wait_for(
                lambda before=before: dials(phone) > before,
                180,
                "am start",
            )
            to_dial.append((dialled - clicked) * 1000)
            await wait_for(lambda: phone.state()["call_state"] != 0, 10, "the call up")
            ended = await wait_for(lambda: phone.state()["call_state"] == 0, 30, "the call end")
            reported = await wait_for(
                lambda cid=cid: crm.command(cid)["result"].get("call_status"), 60, "the result"
            )
            to_report.append((reported - ended) * 1000)
            print(f"{profile} call {i + 1}: dial {to_dial[-1]:.0f} ms", file=sys.stderr)
        limited = sum(1 for r in crm.requests() if r.get("limited_by") == "ip")
    finally:
        await engine.stop()
        crm.stop()
    return {
        "click_to_dial_ms": summary(to_dial),
        "end_to_report_ms": summary(to_report),
        "per_ip_429": limited,
    }


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    adb = AdbServer()
    adb.start()
    phone = SimPhone(log_delay_s=args.log_delay)
    phone.set_default_script(CallScript(ring_s=0.3, outcome="answered", talk_s=1.2))
    phone.start()
    try:
        adb.connect(phone.serial)
        results = {}
        for profile in args.profiles.split(","):
            results[profile] = await one_profile(profile, adb, phone, args.calls, args.think)
        return results
    finally:
        phone.stop()
        adb.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=15)
    parser.add_argument("--think", type=float, default=1.5, help="mean seconds between calls")
    parser.add_argument("--log-delay", type=float, default=0.3, help="the phone's call-log delay")
    parser.add_argument("--profiles", default="seed", help="seed, production or both")
    parser.add_argument("--verbose", action="store_true", help="the engine's log on stderr")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR)
    with tempfile.TemporaryDirectory() as home:
        os.environ["SOFTPHONE_HOME"] = home
        results = asyncio.run(measure(args))
    print(
        json.dumps(
            {
                "benchmark": "click_to_ring",
                "calls": args.calls,
                "think_s": args.think,
                "phone_log_delay_s": args.log_delay,
                **results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

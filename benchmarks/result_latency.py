"""Result latency: from a call's end to the CRM holding its result, beyond the phone's own delay.

The engine runs in-process against the simulated CRM (seed profile: no rate budget in the way,
so what is measured is the engine's own work) and the simulated phone behind a private real adb
server. For each of `--calls` calls (answered, `--talk` to twice that long) placed from CRM
commands:

- `end_seen_ms`: the call ended on the phone → the engine saw the phone idle (its call-state
  polling);
- `excess_ms`: the call-log row appeared on the phone (the call's end plus the phone's own
  call-log delay, `log_delay_s`) → the CRM recorded the result. The goal is ≤ 50 ms at p95.

Both ends are read from the stand-ins' own records: the phone's row carries when it was written
(`last_modified`), the CRM stamps each result it receives. Repeated for each `--log-delays`.
Prints one JSON object (milliseconds).

Usage: python benchmarks/result_latency.py [--calls 20] [--talk 1.0] [--log-delays 0.3,1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import random
import statistics
import sys
from typing import Any

from rig import desk, wait_for

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


def _seconds(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


async def one_delay(log_delay: float, calls: int, talk: float) -> dict[str, Any]:
    phone = SimPhone(log_delay_s=log_delay)
    rng = random.Random(3)
    excess: list[float] = []
    end_seen: list[float] = []
    async with desk("seed", phone=phone) as bench:
        crm, engine = bench.crm, bench.engine
        for i in range(calls):
            number = f"+7912{i:07d}"
            # Calls of random length, so the end falls anywhere between two state polls.
            phone.push_scripts(
                CallScript(ring_s=0.3, outcome="answered", talk_s=rng.uniform(talk, 2 * talk))
            )
            cid = crm.create_command("op1", number)
            await wait_for(
                lambda cid=cid: crm.command(cid)["result"].get("call_status"), 60, "the result"
            )
            await asyncio.sleep(0.2)
            row = next(r for r in phone.call_log() if r["number"] == number)
            written = int(row["last_modified"]) / 1000
            received = min(
                _seconds(u["time"])
                for u in crm.command(cid)["updates"]
                if u["status"] is not None and u["status"] < 300
            )
            excess.append((received - written) * 1000)
            entry = engine.entry_for_command(cid)
            if entry is None or entry.ended_at is None:
                raise RuntimeError(f"the engine has no ended call for command {cid}")
            ended = written - log_delay
            end_seen.append((entry.ended_at.timestamp() - ended) * 1000)
            print(f"log delay {log_delay}: call {i + 1}: {excess[-1]:.0f} ms", file=sys.stderr)
    return {
        "log_delay_s": log_delay,
        "end_seen_ms": summary(end_seen),
        "excess_ms": summary(excess),
    }


async def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    return [
        await one_delay(float(delay), args.calls, args.talk) for delay in args.log_delays.split(",")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--talk", type=float, default=1.0)
    parser.add_argument("--log-delays", default="0.3,1.0")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    results = asyncio.run(measure(args))
    print(json.dumps({"benchmark": "result_latency", "runs": results}, indent=2))


if __name__ == "__main__":
    main()

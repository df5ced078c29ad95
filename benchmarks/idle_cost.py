"""What an idle desk costs: the engine signed in, a phone attached, no command, for `--seconds`.

The simulated CRM (each profile in turn), the simulated phone and a private adb server run in
this process; the engine runs alone in a child process, so its figures are its own:

- `cpu_pct_of_one_core`: the child's user + system CPU time over the idle window;
- `wakeups_per_s`: the child's voluntary context switches per second (every time one of its
  threads blocked and was woken: timers, sockets, worker threads) — an upper bound on wake-ups;
- `requests_per_min`: requests to `/api/phone/*` the CRM received from it (and per path);
- `phone_commands`: shell commands that reached the phone (device tracking goes to the adb
  server, not to the phone, and is not among them).

The window starts `--settle` seconds after the engine is ready (sign-in, probe and the first
heartbeat are not idling). Prints one JSON object. The goal: ≤ 0.5 % of one core.

Usage: python benchmarks/idle_cost.py [--seconds 60] [--settle 5] [--profiles production,seed]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
os.environ["ADB_USB"] = "0"

from softphone.adb.private import AdbServer
from softphone.sim.crm import CrmOptions, start_in_thread
from softphone.sim.phone import SimPhone


def switches_by_thread() -> dict[str, int]:
    """Voluntary context switches so far, per live thread of this process (by thread name)."""
    import threading

    names = {t.native_id: t.name for t in threading.enumerate()}
    found: dict[str, int] = collections.Counter()
    for task in Path("/proc/self/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        count = next(
            int(line.split()[1])
            for line in status.splitlines()
            if line.startswith("voluntary_ctxt_switches")
        )
        name = names.get(int(task.name), "other")
        found[name.split("_")[0] if name.startswith("asyncio_") else name] += count
    return dict(found)


async def child(spec: dict[str, Any]) -> None:
    """The engine's side: sign in, settle, then measure itself over the idle window."""
    import logging

    from softphone.adb.bridge import PhoneBridge
    from softphone.config import Settings, paths
    from softphone.engine import Engine

    logging.basicConfig(level=logging.ERROR)
    engine = Engine(
        paths(spec["home"]),
        Settings(),
        bridge=PhoneBridge("127.0.0.1", spec["adb_port"]),
        control=False,
    )
    await engine.start()
    try:
        await engine.login_qr(spec["crm_url"], spec["qr"])
        deadline = time.monotonic() + 30
        while not engine.status().ready:
            if time.monotonic() > deadline:
                raise RuntimeError("the engine did not get ready")
            await asyncio.sleep(0.05)
        await asyncio.sleep(spec["settle"])
        print("start", time.time(), flush=True)
        before = resource.getrusage(resource.RUSAGE_SELF)
        threads_before = switches_by_thread()
        began = time.monotonic()
        await asyncio.sleep(spec["seconds"])
        after = resource.getrusage(resource.RUSAGE_SELF)
        threads_after = switches_by_thread()
        took = time.monotonic() - began
        print("end", time.time(), flush=True)
    finally:
        await engine.stop()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures = {
        "seconds": round(took, 1),
        "cpu_s": round(cpu, 3),
        "cpu_pct_of_one_core": round(100 * cpu / took, 3),
        "wakeups_per_s": round((after.ru_nvcsw - before.ru_nvcsw) / took, 1),
        "wakeups_per_s_by_thread": {
            name: round((count - threads_before.get(name, 0)) / took, 2)
            for name, count in sorted(threads_after.items())
            if count > threads_before.get(name, 0)
        },
    }
    print("figures", json.dumps(figures), flush=True)


def one_profile(profile: str, adb: AdbServer, phone: SimPhone, args: argparse.Namespace) -> Any:
    crm = start_in_thread(CrmOptions(profile=profile, users=[("op1", "pw1", False)]), port=0)
    try:
        with tempfile.TemporaryDirectory(prefix="softphone-idle-") as home:
            spec = {
                "home": home,
                "adb_port": adb.port,
                "crm_url": crm.url,
                "qr": crm.create_qr("op1"),
                "seconds": args.seconds,
                "settle": args.settle,
            }
            env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
            with tempfile.TemporaryFile(mode="w+") as errors:
                process = subprocess.Popen(
                    [sys.executable, __file__, "--child", json.dumps(spec)],
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    env=env,
                )
                if process.stdout is None:
                    raise RuntimeError("no pipe from the engine's process")
                marks: dict[str, float] = {}
                commands: dict[str, int] = {}
                figures: dict[str, Any] = {}
                for line in process.stdout:
                    word, _, rest = line.strip().partition(" ")
                    if word in ("start", "end"):
                        marks[word] = float(rest)
                        commands[word] = len(phone.commands())
                    elif word == "figures":
                        figures = json.loads(rest)
                if process.wait() != 0 or not figures:
                    errors.seek(0)
                    print(errors.read()[-3000:], file=sys.stderr)
                    raise RuntimeError(f"the engine's process failed ({process.returncode})")
        window = [
            r
            for r in crm.requests()
            if marks["start"] <= r["t"] <= marks["end"] and r["path"].startswith("/api/phone/")
        ]
        minutes = (marks["end"] - marks["start"]) / 60
        by_path = collections.Counter(r["path"] for r in window)
        return {
            **figures,
            "requests_per_min": round(len(window) / minutes, 1),
            "requests_by_path": dict(by_path),
            "phone_commands": commands["end"] - commands["start"],
        }
    finally:
        crm.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--profiles", default="production,seed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(json.loads(args.child)))
        return
    adb = AdbServer()
    adb.start()
    phone = SimPhone(log_delay_s=0.3)
    phone.start()
    try:
        adb.connect(phone.serial)
        results = {p: one_profile(p, adb, phone, args) for p in args.profiles.split(",")}
    finally:
        phone.stop()
        adb.kill()
    print(json.dumps({"benchmark": "idle_cost", "goal_cpu_pct": 0.5, **results}, indent=2))


if __name__ == "__main__":
    main()

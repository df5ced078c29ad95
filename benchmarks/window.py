"""The window: how long from process start to the main window shown, and how much memory it holds.

Needs `softphone.ui.app.build_window(engine)`: a QMainWindow for a started `Engine`, built inside
a running qasync loop. Until it exists this prints `{"skipped": "no window yet"}`.

The history store is filled first with `--rows` calls (default 200 000; `history_paging.fill`).
A private adb server, the simulated phone (quick answered calls, no call-log delay) and the
simulated CRM (seed profile) run in this process; the window runs in a child process, offscreen
(`QT_QPA_PLATFORM=offscreen`), so its figures are its own:

- `start_s`: this process spawning the child → the child's window shown and exposed
  (interpreter start, imports, `Engine.start()`, `build_window`, first show); goal ≤ 1.0 s;
- `rss_shown_mb`: resident memory then; goal ≤ 120 MB;
- `growth_after_calls_mb`: after `--calls` commands (default 1 000) went through the CRM, the
  engine, the phone and back, with the window open; goal ≤ 20 MB;
- `growth_after_scroll_mb`: after the history view was scrolled (fetchMore) through `--rows`
  rows; goal ≤ 20 MB. The view is the window's item view whose model holds the most rows.

Usage: python benchmarks/window.py [--calls 1000] [--rows 200000]
                                   [--build softphone.ui.app:build_window]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
os.environ["ADB_USB"] = "0"

GOALS = {"start_s": 1.0, "rss_shown_mb": 120, "growth_mb": 20}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS in /proc/self/status")


def window_exists(build: str) -> bool:
    """Whether `module:function` can be imported (this process never builds it)."""
    module, _, name = build.partition(":")
    try:
        return callable(getattr(importlib.import_module(module), name))
    except (ImportError, AttributeError):
        return False


# -- the child: the window and its engine ---------------------------------------------------------


async def child_main(spec: dict[str, Any]) -> dict[str, Any]:
    import gc

    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QAbstractItemView

    from softphone.adb.bridge import PhoneBridge
    from softphone.config import Settings, paths
    from softphone.engine import Engine

    module, _, name = spec["build"].partition(":")
    build_window = getattr(importlib.import_module(module), name)
    engine = Engine(
        paths(spec["home"]),
        # A thousand commands queued at once, against a CRM without the per-IP wall: the
        # pacing that keeps a desk under the production limit (about 25 calls a minute from a
        # queue) is measured by delivery_latency.py; here it would only make the run 40 min.
        Settings(rate_limit_requests=100_000, poll_min_interval_s=0.05),
        bridge=PhoneBridge("127.0.0.1", spec["adb_port"]),
        control=False,
    )
    await engine.start()
    try:
        window = build_window(engine)
        window.show()
        deadline = time.monotonic() + 30
        while window.windowHandle() is None or not window.windowHandle().isExposed():
            if time.monotonic() > deadline:
                raise RuntimeError("the window was never shown")
            await asyncio.sleep(0.001)
        shown_at = time.time()
        await asyncio.sleep(0.5)  # what the window does right after showing itself
        rss_shown = rss_mb()

        await engine.login_qr(spec["crm_url"], spec["qr"])
        deadline = time.monotonic() + 30
        while not engine.status().ready:
            if time.monotonic() > deadline:
                raise RuntimeError("the engine did not get ready")
            await asyncio.sleep(0.05)
        print("ready", flush=True)
        began = time.monotonic()
        target = spec["rows"] + spec["calls"]
        while True:
            status = engine.status()
            if engine.count() >= target and status.current_call is None and not status.waiting:
                break
            if time.monotonic() - began > 30 + spec["calls"] * 3:
                raise RuntimeError(f"calls did not finish: {engine.count() - spec['rows']} made")
            await asyncio.sleep(0.5)
        calls_s = time.monotonic() - began
        await asyncio.sleep(1.0)  # results on their way out, the window's updates
        gc.collect()
        rss_calls = rss_mb()

        views = window.findChildren(QAbstractItemView)
        if not views:
            raise RuntimeError("the window has no item view to scroll")
        view = max(views, key=lambda v: v.model().rowCount() if v.model() is not None else -1)
        model = view.model()
        began = time.monotonic()
        stalled = 0
        while model.rowCount() < spec["rows"] and stalled < 50:
            before = model.rowCount()
            view.scrollToBottom()
            await asyncio.sleep(0)  # the view asks for more as it reaches the end
            if model.rowCount() == before:
                if model.canFetchMore(QModelIndex()):
                    model.fetchMore(QModelIndex())
                stalled = stalled + 1 if model.rowCount() == before else 0
        scroll_s = time.monotonic() - began
        gc.collect()
        await asyncio.sleep(0.5)
        rss_scroll = rss_mb()
        rows_seen = model.rowCount()
    finally:
        await engine.stop()
    return {
        "shown_at": shown_at,
        "rss_shown_mb": rss_shown,
        "rss_after_calls_mb": rss_calls,
        "growth_after_calls_mb": round(rss_calls - rss_shown, 1),
        "calls_s": round(calls_s, 1),
        "rss_after_scroll_mb": rss_scroll,
        "growth_after_scroll_mb": round(rss_scroll - rss_shown, 1),
        "rows_scrolled": rows_seen,
        "scroll_s": round(scroll_s, 1),
    }


def child(spec: dict[str, Any]) -> None:
    import logging

    import qasync
    from PySide6.QtWidgets import QApplication

    logging.basicConfig(level=logging.ERROR)
    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)  # the loop is ours to stop
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        figures = loop.run_until_complete(child_main(spec))
    print("figures", json.dumps(figures), flush=True)


# -- this process: the stand-ins, the store, the stopwatch ----------------------------------------


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from history_paging import fill

    from softphone.adb.private import AdbServer
    from softphone.config import paths
    from softphone.sim.crm import CrmOptions, start_in_thread
    from softphone.sim.phone import CallScript, SimPhone

    with tempfile.TemporaryDirectory(prefix="softphone-window-") as home:
        began = time.perf_counter()
        fill(paths(home).ensure().database, args.rows, random.Random(11))
        fill_s = time.perf_counter() - began
        adb = AdbServer()
        adb.start()
        phone = SimPhone(log_delay_s=0.0)
        phone.set_default_script(CallScript(ring_s=0.05, outcome="answered", talk_s=0.05))
        phone.start()
        crm = start_in_thread(
            CrmOptions(profile="seed", users=[("op1", "pw1", False)], ip_limit=1_000_000), port=0
        )
        try:
            adb.connect(phone.serial)
            spec = {
                "home": home,
                "adb_port": adb.port,
                "crm_url": crm.url,
                "qr": crm.create_qr("op1"),
                "calls": args.calls,
                "rows": args.rows,
                "build": args.build,
            }
            env = {
                **os.environ,
                "QT_QPA_PLATFORM": "offscreen",
                "PYTHONPATH": os.pathsep.join(
                    [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]
                ),
            }
            figures: dict[str, Any] = {}
            with tempfile.TemporaryFile(mode="w+") as errors:
                spawned = time.time()
                process = subprocess.Popen(
                    [sys.executable, __file__, "--child", json.dumps(spec)],
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    env=env,
                )
                if process.stdout is None:
                    raise RuntimeError("no pipe from the window's process")
                for line in process.stdout:
                    word, _, rest = line.strip().partition(" ")
                    if word == "ready":
                        for n in range(args.calls):
                            crm.create_command("op1", f"+7913{n:07d}")
                    elif word == "figures":
                        figures = json.loads(rest)
                if process.wait() != 0 or not figures:
                    errors.seek(0)
                    print(errors.read()[-3000:], file=sys.stderr)
                    raise RuntimeError(f"the window's process failed ({process.returncode})")
        finally:
            crm.stop()
            phone.stop()
            adb.kill()
    start_s = round(figures.pop("shown_at") - spawned, 2)
    return {"start_s": start_s, **figures, "fill_s": round(fill_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--build", default="softphone.ui.app:build_window")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    result: dict[str, Any] = {"benchmark": "window", "goals": GOALS}
    if not window_exists(args.build):
        result["skipped"] = "no window yet"
    else:
        result.update(measure(args))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""The history window at a long-serving desk: how it feels with 200 000 calls (offscreen).

Fills a desk's database with `--rows` calls through `softphone.store.Store` (one transaction,
as `history_paging.py` does), then drives the real `HistoryPane` over an engine on that file
(not started: the history needs no phone and no CRM) and times, in milliseconds:

- `open`: building the pane until its first page is painted (the first, cold, and the median
  of the next ones);
- `keystroke`: one key typed into the search, after a pause, until the first page of results
  is painted (p50/p95/max over `--runs` keys, digits of real numbers and of numbers nobody
  has: a search that matches nothing walks the whole index);
- `keystroke_in_a_burst`: the last of several keys typed 30 ms apart, until its results are
  painted (gathered by the search's pause, so this includes up to `SEARCH_PAUSE_MS`);
- `scroll_10000_rows`: paging down a screen at a time from the top until row 10 000 is shown
  (each step: the scroll, the layout, the page fetched on the way if any, the paint): the
  total, and each step's p50/p95/max;
- `export_all`: every row to CSV through a thread pool, and the longest the window's loop was
  kept from running meanwhile (what a person would feel as a freeze).

Prints JSON; asserts nothing. Goals (issue 11): a keystroke ≤ 50 ms p95, opening ≤ 300 ms.

Usage: python benchmarks/ui_history.py [--rows 200000] [--runs 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from softphone.adb.bridge import PhoneBridge
from softphone.config import Settings, paths
from softphone.engine import Engine
from softphone.model import ActionSource, CallPhase, CallStatus, Direction, ReportState
from softphone.store import Store
from softphone.ui import i18n
from softphone.ui.bridge import EngineBridge
from softphone.ui.historyview import SEARCH_PAUSE_MS, HistoryPane

SOURCES = (ActionSource.CRM_UI, ActionSource.MANUAL, ActionSource.HISTORY)
STATUSES = (CallStatus.CONNECTED, CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.UNKNOWN)


def fill(database: Path, rows: int, rng: random.Random) -> list[str]:
    start = time.time() - rows * 60.0  # a call a minute, ending now
    clock = [start]
    store = Store.open(database, clock=lambda: clock[0])
    numbers = []
    with store.transaction():
        for i in range(rows):
            clock[0] = start + i * 60.0
            phone = f"+79{rng.randrange(10**9):09d}"
            numbers.append(phone)
            source = rng.choice(SOURCES)
            entry = store.add_call(
                source=source,
                phone=phone,
                command_id=str(i) if source is ActionSource.CRM_UI else None,
                report_state=ReportState.SENT,
            )
            assert entry is not None
            status = rng.choice(STATUSES)
            store.update_call(
                entry.id,
                phase=CallPhase.RESOLVED,
                status=status,
                direction=Direction.OUTGOING,
                duration_s=rng.randrange(20, 300) if status is CallStatus.CONNECTED else 0,
            )
    store.close()
    return numbers


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
        "n": len(ordered),
    }


#: PySide6 6.12.0 on CPython 3.11 returns None, True and False from C++ without a new
#: reference (those objects are immortal only from 3.12 on): each call of a void Qt method
#: takes one reference from None. A run this long would bring None's count to zero and abort
#: the interpreter ("none_dealloc"), so references are added here as they are used up.
_KEPT: list[object] = []


def keep_none_alive() -> None:
    for value in (None, True, False):
        if sys.getrefcount(value) < 1_000_000:
            _KEPT.extend([value] * 2_000_000)


def settle(app: QApplication, ms: int) -> None:
    """Let Qt's timers and events run for `ms` (the search's pause, a layout)."""
    keep_none_alive()
    waiting = QEventLoop()
    QTimer.singleShot(ms, waiting.quit)
    waiting.exec()


def painted(pane: HistoryPane) -> None:
    pane.table.viewport().repaint()


def open_pane(
    bridge: EngineBridge, state: QSettings, app: QApplication
) -> tuple[HistoryPane, float]:
    began = time.perf_counter()
    pane = HistoryPane(bridge, state)
    pane.resize(460, 560)
    pane.show()
    app.processEvents()
    painted(pane)
    return pane, (time.perf_counter() - began) * 1000


def search_for(numbers: list[str], n: int, rng: random.Random) -> str:
    """Digits of a real number every other time, else digits no number has (the worst case:
    the whole index is walked for a first page that never fills)."""
    return rng.choice(numbers)[5:12] if n % 2 else f"{rng.randrange(10**7):07d}0"


def keystrokes(
    pane: HistoryPane, app: QApplication, numbers: list[str], runs: int, rng: random.Random
) -> list[float]:
    """Each key typed after a pause, until its first page is painted."""
    samples: list[float] = []
    n = 0
    while len(samples) < runs:
        pane.search.clear()
        settle(app, SEARCH_PAUSE_MS + 30)
        for char in search_for(numbers, n, rng):
            began = time.perf_counter()
            QTest.keyClick(pane.search, char)
            painted(pane)
            samples.append((time.perf_counter() - began) * 1000)
            settle(app, SEARCH_PAUSE_MS + 30)
        n += 1
    return samples


def bursts(
    pane: HistoryPane, app: QApplication, numbers: list[str], runs: int, rng: random.Random
) -> list[float]:
    """The last key of a number typed 30 ms a key, until its results are painted."""
    samples: list[float] = []
    for n in range(runs):
        pane.search.clear()
        settle(app, SEARCH_PAUSE_MS + 30)
        last = time.perf_counter()
        for char in search_for(numbers, n, rng):
            last = time.perf_counter()
            QTest.keyClick(pane.search, char)
            settle(app, 30)
        while pane.model.filters.number_part != pane.search.text():
            settle(app, 5)
        painted(pane)
        samples.append((time.perf_counter() - last) * 1000)
    return samples


def scroll(pane: HistoryPane, app: QApplication, rows: int) -> tuple[float, list[float]]:
    pane.clear()
    app.processEvents()
    bar = pane.table.verticalScrollBar()
    steps: list[float] = []
    last_row = min(rows, pane.bridge.engine.count()) - 1
    began = time.perf_counter()
    while pane.table.rowAt(pane.table.viewport().height() - 1) < last_row:
        keep_none_alive()
        step = time.perf_counter()
        bar.setValue(bar.value() + bar.pageStep())
        settle(app, 1)  # the view lays the new rows out and asks for the next page
        painted(pane)
        steps.append((time.perf_counter() - step) * 1000)
        if len(steps) > rows:  # never more steps than rows: something is stuck
            break
    return (time.perf_counter() - began) * 1000, steps


async def export_all(pane: HistoryPane, target: Path) -> dict[str, Any]:
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    pane.clear()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pane.executor = pool
        began = time.perf_counter()
        ticker.start()
        export = pane.export_to(target)
        done = asyncio.Event()
        export.finished.connect(lambda *_: done.set())
        export.failed.connect(lambda *_: done.set())
        await done.wait()
        total = (time.perf_counter() - began) * 1000
        ticker.stop()
    return {
        "total_s": round(total / 1000, 2),
        "rows": export.done,
        "longest_loop_block_ms": round(max(gaps), 1),
        "loop_gap_p95_ms": round(sorted(gaps)[int(len(gaps) * 0.95)], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(11)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    i18n.install("en")
    keep_none_alive()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as folder:
        home = paths(Path(folder) / "desk").ensure()
        began = time.perf_counter()
        numbers = fill(home.database, args.rows, rng)
        fill_s = time.perf_counter() - began
        engine = Engine(home, Settings(), bridge=PhoneBridge("127.0.0.1", 9), control=False)
        bridge = EngineBridge(engine)
        state = QSettings(str(Path(folder) / "window.ini"), QSettings.Format.IniFormat)
        opened: list[float] = []
        for _ in range(6):
            pane, took = open_pane(bridge, state, app)
            opened.append(took)
            pane.close()
            pane.deleteLater()
            app.processEvents()
        pane, _took = open_pane(bridge, state, app)
        after_pause = keystrokes(pane, app, numbers, args.runs, rng)
        burst = bursts(pane, app, numbers, 10, rng)
        scroll_total, steps = scroll(pane, app, 10_000)
        scrolled_to = pane.model.rowCount()
        target = Path(folder) / "calls.csv"
        exported = loop.run_until_complete(export_all(pane, target))
        exported["file_mb"] = round(target.stat().st_size / 1e6, 1)
        results: dict[str, Any] = {
            "benchmark": "ui_history",
            "rows": engine.count(),
            "fill_s": round(fill_s, 1),
            "open_ms": {
                "first": round(opened[0], 1),
                "median_after": round(statistics.median(opened[1:]), 1),
                "goal": 300,
            },
            "keystroke": {**figures(after_pause), "goal_p95_ms": 50},
            "keystroke_in_a_burst": {**figures(burst), "search_pause_ms": SEARCH_PAUSE_MS},
            "scroll_10000_rows": {
                "total_ms": round(scroll_total, 1),
                "rows_loaded": scrolled_to,
                "step": figures(steps),
            },
            "export_all": exported,
        }
        pane.close()
        bridge.detach()
    print(json.dumps(results, indent=2), flush=True)
    # Leave without the interpreter's final clean-up, which would hand None back its borrowed
    # references (see `keep_none_alive`) and abort.
    os._exit(0)


if __name__ == "__main__":
    main()

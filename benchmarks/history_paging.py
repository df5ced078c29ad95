"""The history list at a long-serving desk: how fast pages, filters and searches come back.

Fills a store with `--rows` calls (default 200 000: a year of a busy desk) through the Store's
own API (with fsync off for the fill only), then times, over the real file:
- `first_page`: the newest 100 rows (what the history screen opens with);
- `deep_page`: the 100 rows after keyset-paging 1 000 pages down;
- `filter_status`: the newest 100 `no_answer` calls;
- `search_digits`: the newest 100 calls whose number contains 4 given digits (a full scan);
- `count_all`: the total, for the list's scroll bar.
Prints JSON with milliseconds (min, median, p95) per query.

Usage: python benchmarks/history_paging.py [--rows 200000] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from softphone.model import ActionSource, CallPhase, CallStatus, ReportState
from softphone.store import HistoryFilter, Store

SOURCES = (ActionSource.CRM_UI, ActionSource.MANUAL, ActionSource.HISTORY)
STATUSES = (CallStatus.CONNECTED, CallStatus.NO_ANSWER, CallStatus.UNKNOWN)


def fill(path: Path, rows: int, rng: random.Random) -> None:
    start = time.time() - rows * 60.0  # a call a minute, ending now
    clock = [start]
    store = Store.open(path, clock=lambda: clock[0])
    store._conn.execute("PRAGMA synchronous=OFF")  # the fill only; the queries use the file
    for i in range(rows):
        clock[0] = start + i * 60.0
        entry = store.add_call(
            source=rng.choice(SOURCES),
            phone=f"+79{rng.randrange(10**9):09d}",
            command_id=f"filled-{i}",  # never one a simulated CRM hands out
            report_state=ReportState.SENT,
        )
        assert entry is not None
        store.update_call(
            entry.id,
            phase=CallPhase.RESOLVED,
            status=rng.choice(STATUSES),
            duration_s=rng.randrange(0, 300),
        )
    store.close()


def timed(query: Callable[[], Any], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        query()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "min_ms": round(samples[0], 2),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.db"
        began = time.perf_counter()
        fill(path, args.rows, rng)
        fill_s = time.perf_counter() - began
        store = Store.open(path)
        try:
            newest = store.history(limit=100)
            cursor = (newest[-1].created_at.timestamp(), newest[-1].id)

            def deep_page() -> None:
                before = cursor
                for _ in range(1_000 if args.rows >= 100_000 else 10):
                    page = store.history(limit=100, before=before)
                    if not page:
                        break
                    before = (page[-1].created_at.timestamp(), page[-1].id)

            pages_deep = 1_000 if args.rows >= 100_000 else 10
            results = {
                "first_page": timed(lambda: store.history(limit=100), args.runs),
                "filter_status": timed(
                    lambda: store.history(
                        HistoryFilter(statuses=frozenset({CallStatus.NO_ANSWER})), limit=100
                    ),
                    args.runs,
                ),
                "search_digits": timed(
                    lambda: store.history(HistoryFilter(number_part="4567"), limit=100), args.runs
                ),
                "count_all": timed(store.count_history, args.runs),
                f"walk_{pages_deep}_pages": timed(deep_page, 3),
            }
            total = store.count_history()
        finally:
            store.close()
    print(
        json.dumps(
            {
                "benchmark": "history_paging",
                "rows": total,
                "fill_s": round(fill_s, 1),
                **results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

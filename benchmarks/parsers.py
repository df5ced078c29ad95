"""How long reading a big call log takes: 10 000 rows of `content query` output, parsed and matched.

The text is what the simulated phone prints for the engine's own call-log query (Android's
`Row: N _id=…, number=…` lines), with `--rows` rows. Times, in milliseconds:

- `parse`: `adb.parse.parse_call_log` on the whole text;
- `correlate`: `correlate.find_match` for one call whose window holds every row (the worst
  case: every row is looked at, and the match is the last of them);
- `parse_and_correlate`: both, as the flow does after a call (goal ≤ 50 ms).

Prints one JSON object (min, median, p95 over `--runs`).

Usage: python benchmarks/parsers.py [--rows 10000] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from softphone.adb.commands import call_log_command
from softphone.adb.parse import parse_call_log
from softphone.correlate import Window, find_match
from softphone.sim.phone import SimPhone

START_MS = 1_764_000_000_000


def call_log_text(rows: int) -> tuple[str, str, int]:
    """The phone's output for `rows` rows; the number and dial time of the last call."""
    rng = random.Random(7)
    phone = SimPhone(log_delay_s=0.0)
    number = ""
    date_ms = START_MS
    for i in range(rows):
        number = f"+79{rng.randrange(10**9):09d}"
        date_ms = START_MS + i * 60_000
        phone.add_call_log_row(number, date_ms=date_ms, duration=rng.randrange(0, 300))
    text, _code = phone.run_shell(call_log_command(START_MS))
    return text, number, date_ms


def timed(step: Callable[[], Any], runs: int) -> dict[str, float]:
    step()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "min_ms": round(samples[0], 2),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    text, number, dial_ms = call_log_text(args.rows)
    parsed = parse_call_log(text)
    if parsed.error is not None or len(parsed.rows) != args.rows:
        raise RuntimeError(f"the text did not parse: {parsed.error}, {len(parsed.rows)} rows")
    window = Window(START_MS - 1, dial_ms + 1)

    def correlate() -> object:
        match = find_match(parsed.rows, number=number, window=window, dial_ms=dial_ms)
        if match is None:
            raise RuntimeError("the last call's row was not found")
        return match

    def both() -> object:
        rows = parse_call_log(text).rows
        return find_match(rows, number=number, window=window, dial_ms=dial_ms)

    print(
        json.dumps(
            {
                "benchmark": "parsers",
                "rows": len(parsed.rows),
                "chars": len(text),
                "parse": timed(lambda: parse_call_log(text), args.runs),
                "correlate": timed(correlate, args.runs),
                "parse_and_correlate": timed(both, args.runs),
                "goal_ms": 50,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

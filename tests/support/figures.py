"""Figures of the reliability proofs: each test writes what it measured as JSON, one file per
run, to `build/figures/` (or `$SOFTPHONE_FIGURES`); `make soak` prints them all at the end.

Run as `python -m tests.support.figures FOLDER` it prints every file in FOLDER.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def folder() -> Path:
    return Path(os.environ.get("SOFTPHONE_FIGURES") or ROOT / "build" / "figures")


def record(name: str, figures: dict[str, Any]) -> Path:
    """Write `figures` as `<name>.json` (replacing an older run's) and return the path."""
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True, default=str), encoding="utf-8")
    return path


def spread(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, min, p50, p95, max and mean of `values` (rounded), for latencies and the like."""
    if not values:
        return {"n": 0, "min": None, "p50": None, "p95": None, "max": None, "mean": None}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)

    return {
        "n": len(ordered),
        "min": round(ordered[0], 3),
        "p50": at(0.5),
        "p95": at(0.95),
        "max": round(ordered[-1], 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


def main(argv: list[str]) -> int:
    where = Path(argv[0]) if argv else folder()
    files = sorted(where.glob("*.json")) if where.is_dir() else []
    if not files:
        print(f"no figures in {where}")
        return 0
    for path in files:
        print(f"== {path.stem}")
        print(path.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

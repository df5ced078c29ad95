"""Run every benchmark, one after another, and print one JSON object with all their figures.

Each script runs in a process of its own (`python benchmarks/<name>.py`, this checkout's code
first on the path), with its default arguments; what it prints is taken as its result, its
stderr is kept only when it fails. Also recorded: how long each took, the machine's load before
and after (figures from a busy machine are not the published ones), the Python and the commit.

Usage: python benchmarks/run_all.py [--only a,b] [--skip c] [--timeout 600]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: In the order they run: quick figures first, the long ones last.
BENCHMARKS = (
    "masking",
    "parsers",
    "sim_crm_latency",
    "adb_bridge",
    "history_paging",
    "delivery_latency",
    "click_to_ring",
    "result_latency",
    "idle_cost",
    "ui_history",
    "window",
)


def commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def run(name: str, timeout: float) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "ADB_USB": "0",
        "QT_QPA_PLATFORM": "offscreen",
    }
    began = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / f"{name}.py")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": round(time.perf_counter() - began, 1), "error": "timed out"}
    seconds = round(time.perf_counter() - began, 1)
    try:
        result = json.loads(done.stdout)
    except ValueError:
        result = None
    if done.returncode != 0 or result is None:
        return {
            "seconds": seconds,
            "error": f"exit code {done.returncode}",
            "stderr": done.stderr[-2000:],
        }
    return {"seconds": seconds, "result": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated names")
    parser.add_argument("--skip", default="", help="comma-separated names")
    parser.add_argument("--timeout", type=float, default=600.0, help="per benchmark, seconds")
    args = parser.parse_args()
    only = {n for n in args.only.split(",") if n}
    skip = {n for n in args.skip.split(",") if n}
    names = [n for n in BENCHMARKS if (not only or n in only) and n not in skip]
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "commit": commit(),
        "benchmarks": {},
    }
    began = time.perf_counter()
    for name in names:
        print(f"run_all: {name}…", file=sys.stderr, flush=True)
        report["benchmarks"][name] = run(name, args.timeout)
        print(
            f"run_all: {name} took {report['benchmarks'][name]['seconds']} s",
            file=sys.stderr,
            flush=True,
        )
    report["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    report["total_s"] = round(time.perf_counter() - began, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

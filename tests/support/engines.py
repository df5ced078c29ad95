"""An in-process engine for tests: this test's home, the given adb server, no CLI door, and
short waits (a call-log row is waited for 4 s, a dial that does not start for 3 s)."""

from __future__ import annotations

from typing import Any

from softphone.adb.bridge import PhoneBridge
from softphone.config import Settings, paths
from softphone.engine import Engine


def desk_engine(adb_port: int, *, control: bool = False, **settings: Any) -> Engine:
    merged: dict[str, Any] = {"call_log_wait_s": 4.0, "dial_start_timeout_s": 3.0, **settings}
    return Engine(
        paths(), Settings(**merged), bridge=PhoneBridge("127.0.0.1", adb_port), control=control
    )

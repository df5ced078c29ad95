"""The time source of the CRM conversation: monotonic for pacing, wall for timestamps.

Injected so that tests and benchmarks can drive the rate-budget planner and the outbox's ages
without sleeping. It only tells time; it never sleeps.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

__all__ = ["Clock"]


@dataclasses.dataclass(frozen=True, slots=True)
class Clock:
    monotonic: Callable[[], float] = time.monotonic
    #: Epoch seconds; the store's outbox times use the same scale.
    wall: Callable[[], float] = time.time

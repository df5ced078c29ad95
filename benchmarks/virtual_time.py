"""An asyncio event loop on simulated time, for playing hours of an operator's shift in seconds.

`VirtualTimeLoop.time()` is a simulated clock. When nothing is ready to run and no socket or
thread has anything to say, the loop does not sleep until its next timer: it moves the clock
there at once. Every `asyncio.sleep`, `asyncio.timeout` and `call_later` in the loop therefore
takes simulated time and no real time, and everything that reads `clock()` / `wall()` (the
simulated CRM's limiter, the client's rate budget, the benchmark's stopwatch) reads the same
clock. Work done between timers takes no simulated time at all: what this measures is pacing,
not how fast the code runs (a network delay can be modelled with the simulated CRM's
`latency_ms` fault, which sleeps in this loop).

It is honest only for code that lives wholly in the loop: HTTP through `httpx.ASGITransport`
to an ASGI app in the same loop, SQLite, pure objects. Real sockets and worker threads keep
their real time; a thread's answer that comes back (through the loop's self-pipe) is taken as
soon as the loop looks, but the clock does not wait for threads — do not run adb through it.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from typing import Any

__all__ = ["VirtualTimeLoop"]

_TICK_S = 1e-6


class _VirtualSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """Polls the real descriptors without waiting; a wait becomes a jump of the clock."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout is None or timeout <= 0:
            if not ready and timeout is None:
                # Nothing scheduled at all: only a thread or a socket can wake us.
                return super().select(None)
            return ready
        if self.loop is not None:
            self.loop.advance(timeout)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector loop whose `time()` is simulated (see the module docstring).

    `clock()` is the simulated monotonic time; `wall()` the simulated epoch time, which starts
    at the real time when the loop was made.
    """

    def __init__(self) -> None:
        selector = _VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        self._now = 0.0
        self._wall0 = time.time()

    def time(self) -> float:
        return self._now

    def call_at(self, when: float, callback: Any, *args: Any, context: Any = None) -> Any:
        # A timer always lies a microsecond ahead at least. Code that waits "until t" in a loop
        # (sleep t - now, look again) wakes in real time a little after t; here, a remainder
        # of one rounding error would be absorbed by the clock (now + 1e-13 == now) and the
        # loop would spin for ever without the clock moving.
        return super().call_at(max(when, self._now + _TICK_S), callback, *args, context=context)

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def clock(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._wall0 + self._now

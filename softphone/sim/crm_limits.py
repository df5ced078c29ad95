"""Rate limiters of the simulated CRM: the production server's per-IP wall and DRF-style throttles.

Pure bookkeeping with the time passed in, so the rules can be read and tested on their own.
Must never sleep, log or touch the network; the server decides what a refusal looks like.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass
class _Bucket:
    count: int
    expires_at: float


class IpLimiter:
    """The production CRM's per-IP counter over every `/api/phone/*` request.

    A counted request increments the counter and restarts its expiry at now + window; when the
    counter already stands at the limit the request is refused, NOT counted, and does NOT extend
    the expiry. The counter resets once the expiry passes, i.e. only after a whole window in
    which the IP made no counted request. This is what locks a steadily polling client out.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def admit(self, ip: str, now: float) -> bool:
        with self._lock:
            bucket = self._buckets.get(ip)
            if bucket is None or now >= bucket.expires_at:
                bucket = _Bucket(0, now)
            if bucket.count >= self.limit:
                return False
            self._buckets[ip] = _Bucket(bucket.count + 1, now + self.window)
            return True

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


class SlidingThrottle:
    """A DRF `SimpleRateThrottle`: at most `rate` admitted requests per key in any `window`.

    Only admitted requests are remembered. A refusal says how long to wait, computed the way
    DRF does (time until the oldest remembered request leaves the window, spread over the
    requests that will then be available), rounded up to whole seconds for `Retry-After`.
    """

    def __init__(self, rate: int, window: float) -> None:
        self.rate = rate
        self.window = window
        self._history: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, now: float) -> int | None:
        """None when admitted (and remembered), else the seconds to wait (at least 1)."""
        with self._lock:
            history = [t for t in self._history.get(key, []) if t > now - self.window]
            if len(history) >= self.rate:
                self._history[key] = history
                remaining = self.window - (now - history[0]) if history else self.window
                available = self.rate - len(history) + 1
                wait = remaining / available if available > 0 else remaining
                return max(1, math.ceil(wait))
            history.append(now)
            self._history[key] = history
            return None

    def clear(self) -> None:
        with self._lock:
            self._history.clear()

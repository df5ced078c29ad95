"""The rate-budget planner: when may the next request to `/api/phone/*` leave?

The production CRM counts every request an IP makes to `/api/phone/*`; each counted request
restarts a window-long expiry, so the count only returns to zero after a whole window of
silence, and the limit-th request inside one run is refused (429, no `Retry-After`). Requests
refused with 429 are not counted. This planner keeps the same count for this desk's own
requests and admits each request by kind:

- results go first: they may use the whole run (up to `limit - 1 - safety`);
- pulls stop `result_reserve` requests earlier, and their interval follows the budget left
  (short while much is left, longer as it runs out; when it is spent, one window of silence);
- heartbeats, telemetry and logs only spend while a good share is left for pulls.

A scoped 429 with `Retry-After` holds that kind of request for as long as the server said. A 429
without one means the IP is locked: jittered, growing delays with rare probes, never sooner
than a window after our last counted request (a refused probe does not extend the lockout);
when other devices share the address, a probe at least every quarter window, so that no desk
misses the short moments the wall is open.

It is a pure object: time comes from the injected clock, nothing sleeps, nothing does I/O. It
must never admit a request that would be the limit-th of a run while it is enforcing.
"""

from __future__ import annotations

import dataclasses
import enum
import random
from collections.abc import Callable
from typing import Final

__all__ = ["BudgetConfig", "RateBudget", "RequestKind", "kind_of_path"]

#: A lockout arriving this many requests (or more) below our ceiling is not ours alone.
_UNEXPLAINED: Final = 3
#: How long a sign of a shared limit is remembered.
_SHARED_MEMORY_S: Final = 900.0
#: While the limit is shared, probes come back at least this share of a window apart.
_SHARED_PROBE_SHARE: Final = 0.25


class RequestKind(enum.IntEnum):
    """What a request is for; lower values are served first."""

    RESULT = 0
    CONTROL = 1  # login, device registration, logout: rare and necessary
    PULL = 2
    HEARTBEAT = 3
    TELEMETRY = 4
    LOG = 5


_BY_PATH: Final[dict[str, RequestKind]] = {
    "/api/phone/calls/update/": RequestKind.RESULT,
    "/api/phone/calls/pull/": RequestKind.PULL,
    "/api/phone/devices/heartbeat/": RequestKind.HEARTBEAT,
    "/api/phone/telemetry/": RequestKind.TELEMETRY,
    "/api/phone/logs/": RequestKind.LOG,
}


def kind_of_path(path: str) -> RequestKind | None:
    """The kind of a request by its path; None for paths the per-IP limiter does not count."""
    if not path.startswith("/api/phone/"):
        return None
    return _BY_PATH.get(path, RequestKind.CONTROL)


@dataclasses.dataclass(frozen=True, slots=True)
class BudgetConfig:
    limit: int = 60  # the server refuses the limit-th counted request of a run
    window_s: float = 60.0  # silence that resets the server's count
    safety: int = 1  # requests kept unused below the limit (another tab, a stray request)
    result_reserve: int = 3  # the last requests of a run are kept for results
    min_interval_s: float = 2.0  # the fastest pull pace, with the whole budget left
    max_interval_s: float = 15.0  # the slowest pull pace before waiting out a window
    probe_base_s: float = 2.0  # first delay while locked out without Retry-After

    def __post_init__(self) -> None:
        if self.limit < 8:
            raise ValueError("limit must be at least 8")
        if self.window_s <= 0 or self.min_interval_s <= 0:
            raise ValueError("window and interval must be positive")

    @property
    def ceiling(self) -> int:
        """How many requests one run may hold at most."""
        return self.limit - 1 - self.safety

    @property
    def pull_ceiling(self) -> int:
        return self.ceiling - self.result_reserve

    @property
    def background_ceiling(self) -> int:
        # Heartbeats, telemetry and logs never take the last quarter from pulls.
        return self.pull_ceiling - max(2, self.limit // 4)

    @property
    def quiet_s(self) -> float:
        """The silence after which we count the server's counter as reset (with some slack for
        the network: the server's window starts when our last request arrived)."""
        return self.window_s * 1.03 + 0.25


class RateBudget:
    """This desk's own request count against the per-IP limiter, and the admission rules."""

    def __init__(
        self,
        config: BudgetConfig,
        clock: Callable[[], float],
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._rng = rng or random.Random()
        self._count = 0  # counted requests in the current run
        self._last_activity: float | None = None  # last send or answer of a counted request
        self._confirmed: float | None = None  # last answer that was not a 429
        self._holds: dict[RequestKind, float] = {}  # Retry-After per kind
        self._locked_until: float | None = None
        self._lock_started: float | None = None
        self._refusals = 0  # consecutive 429s without Retry-After
        #: Whether the per-IP budget binds. Off while a long-polling server holds every pull
        #: (the count cannot grow fast) unless that server has shown an IP lockout.
        self.enforcing = True
        self.ip_limit_seen = False
        #: When a lockout last came that this desk's own count cannot explain (monotonic).
        self.shared_seen_at: float | None = None
        self.count_429 = 0
        self.locked_out_total_s = 0.0

    # -- what the planner knows ----------------------------------------------------------------

    def used(self, now: float | None = None) -> int:
        """Requests counted in the current run (0 after a window of silence)."""
        now = self._clock() if now is None else now
        if self._last_activity is None or now - self._last_activity >= self.config.quiet_s:
            return 0
        return self._count

    def reset_at(self) -> float | None:
        """When the current run ends if we stay silent from now on."""
        if self._last_activity is None:
            return None
        return self._last_activity + self.config.quiet_s

    def shared(self, now: float | None = None) -> bool:
        """Whether other devices behind this address seem to share the limit (lately)."""
        now = self._clock() if now is None else now
        return self.shared_seen_at is not None and now - self.shared_seen_at < _SHARED_MEMORY_S

    def hold_of(self, kind: RequestKind, now: float | None = None) -> float | None:
        """When a server's Retry-After for this kind ends, if one is running."""
        now = self._clock() if now is None else now
        hold = self._holds.get(kind)
        return hold if hold is not None and hold > now else None

    def locked_until(self, now: float | None = None) -> float | None:
        now = self._clock() if now is None else now
        if self._locked_until is not None and self._locked_until > now:
            return self._locked_until
        return None

    def snapshot(self, now: float | None = None) -> tuple[int, float]:
        """(requests in the current run, seconds since its last activity), to carry over."""
        now = self._clock() if now is None else now
        used = self.used(now)
        if not used or self._last_activity is None:
            return 0, 0.0
        return used, now - self._last_activity

    def restore(self, count: int, age_s: float, now: float | None = None) -> None:
        """Take up a run that an earlier process left `age_s` seconds ago."""
        now = self._clock() if now is None else now
        if count > 0 and age_s < self.config.quiet_s:
            self._count = count
            self._last_activity = self._confirmed = now - age_s

    # -- admission ----------------------------------------------------------------------------

    def _ceiling_for(self, kind: RequestKind) -> int:
        c = self.config
        if kind is RequestKind.RESULT:
            return c.ceiling
        if kind in (RequestKind.PULL, RequestKind.CONTROL):
            return c.pull_ceiling
        return c.background_ceiling

    def delay(self, kind: RequestKind, now: float | None = None) -> float:
        """Seconds until a request of this kind may leave (0.0: now)."""
        now = self._clock() if now is None else now
        wait = 0.0
        hold = self._holds.get(kind)
        if hold is not None:
            wait = max(wait, hold - now)
        if self._locked_until is not None:
            wait = max(wait, self._locked_until - now)
        if self.enforcing and self.used(now) >= self._ceiling_for(kind):
            reset = self.reset_at()
            assert reset is not None  # a non-zero count implies activity
            wait = max(wait, reset - now)
        return max(0.0, wait)

    def pull_interval(self, now: float | None = None) -> float:
        """How long after the last pull the next one should go, given the budget left.

        With the whole budget left it is `min_interval_s`; it stretches as the budget runs
        out, so an operator who stays free for long still gets pulls at a slower pace; when
        the pull budget is spent, the answer is the time to the end of the run.
        """
        now = self._clock() if now is None else now
        c = self.config
        if not self.enforcing:
            return 0.0
        left = c.pull_ceiling - self.used(now)
        if left <= 0:
            reset = self.reset_at()
            return max(0.0, (reset or now) - now)
        return min(c.max_interval_s, c.min_interval_s * c.pull_ceiling / left)

    # -- what happened ------------------------------------------------------------------------

    def note_sent(self, kind: RequestKind, now: float | None = None) -> None:
        """A counted request is leaving now."""
        now = self._clock() if now is None else now
        if self.used(now) == 0:
            self._count = 0
        self._count += 1
        self._last_activity = now

    def note_answered(self, status: int, now: float | None = None) -> None:
        """A counted request's answer arrived (status 0: it failed on the way)."""
        now = self._clock() if now is None else now
        if status == 429:
            # Refused requests are not counted by the server: take it back, and do not let it
            # stretch the run (requests still in flight move it again when they are answered).
            self._count = max(0, self._count - 1)
            self._last_activity = self._confirmed
            return
        self._confirmed = now
        self._last_activity = now if self._last_activity is None else max(self._last_activity, now)
        if 200 <= status < 500 and self._locked_until is not None:
            self._end_lockout(now)

    def note_rate_limited(
        self, kind: RequestKind, retry_after: float | None, now: float | None = None
    ) -> float:
        """A 429 arrived; returns how long this kind now waits."""
        now = self._clock() if now is None else now
        self.count_429 += 1
        if retry_after is not None:
            # A scoped throttle (per user, per kind): only this kind waits, as long as told.
            self._holds[kind] = now + retry_after
            return retry_after
        # The per-IP limiter: everything waits. The server counted everything up to our last
        # counted request, so no probe can succeed before a window after it; beyond that,
        # other desks on the same IP may keep it locked, hence growing, jittered probes.
        if self._locked_until is None and self.used(now) < self.config.ceiling - _UNEXPLAINED:
            # Locked out while our own count was well below the limit: someone else behind
            # this address is spending the same budget.
            self.shared_seen_at = now
        self.ip_limit_seen = True
        self.enforcing = True
        self._refusals += 1
        growth = 2.0 ** min(self._refusals - 1, 30)
        # Alone, the wall opens a window after our own last request and the probes only have
        # to find that moment. Shared, it opens when the others fall silent and closes as soon
        # as they have spent the budget again: probes a window apart would mostly miss it (a
        # desk starved for minutes while others work). A refused probe is not counted and does
        # not extend the lockout, so probing every quarter window costs the office nothing.
        cap = self.config.window_s * (_SHARED_PROBE_SHARE if self.shared(now) else 1.0)
        backoff = min(cap, self.config.probe_base_s * growth)
        backoff *= self._rng.uniform(0.8, 1.2)
        earliest = (self.reset_at() or now) if self._refusals == 1 else now
        until = max(now + backoff, earliest)
        if self._lock_started is None:
            self._lock_started = now
        self._locked_until = until
        return until - now

    def clear_hold(self, kind: RequestKind, now: float | None = None) -> None:
        now = self._clock() if now is None else now
        hold = self._holds.get(kind)
        if hold is not None and hold <= now:
            del self._holds[kind]

    def _end_lockout(self, now: float) -> None:
        if self._lock_started is not None:
            self.locked_out_total_s += max(0.0, now - self._lock_started)
        self._lock_started = None
        self._locked_until = None
        self._refusals = 0

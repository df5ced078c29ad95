"""The rate-budget planner: when may the next request to `/api/phone/*` leave?

The production CRM counts every request an IP makes to `/api/phone/*`; each counted request
restarts a window-long expiry, so the count only returns to zero after a whole window of
silence, and the limit-th request inside one run is refused (429, no `Retry-After`). Requests
refused with 429 are not counted. This planner keeps the same count for this desk's own
requests and admits each request by kind:

- results go first: they may use the whole run (up to `limit - 1 - safety`);
- pulls stop `result_reserve` requests earlier, and their interval follows the budget left
  and what the calls have shown (`pull_interval`): the fastest pace when calls end the run for
  free often enough, slower when the run has to last through several calls; when it is spent,
  one window of silence;
- heartbeats, telemetry and logs only spend while a good share is left for pulls, and never
  while the phone is busy (a call is silence the server counts towards a reset: a heartbeat in
  the middle of it would throw that away).

Pulls stop while the operator is on a call, so a call longer than the window resets the count
for free. Short calls do not, and a run then ends with a window of silence; where that silence
falls decides who pays for it. In front of the next command it costs that command up to a
whole window. At the end of a call most of it has already passed: what is left is the window
less the call. So when a call ends with the run still open, the planner decides whether to
finish the silence now (nothing is sent, results included, until the run ends): it does when
the budget left cannot pay for another free spell between calls, and otherwise when what is
left of this silence is no longer than what waiting for a later call's end is expected to cost
— judged from how long the recent calls left it to wait (`_silence_threshold`).

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
#: Call ends remembered for judging where a silence costs least.
_CALL_ENDS_KEPT: Final = 32
#: Until calls have been seen, what a call end leaves of a silence is taken to be spread evenly
#: over a window, as if this many calls had shown it.
_PRIOR_CALL_ENDS: Final = 8
#: How fast the estimates of requests per call and of a free spell follow the last one.
_SMOOTHING: Final = 0.3
#: When calls do not end the run for free, a run should last about this many call ends, so that
#: one of them is likely to leave little of the silence to wait out.
_CALL_ENDS_PER_RUN: Final = 7
#: The pulls left must last at least this many average free spells (a long pause for thought).
_FREE_SPELLS_COVERED: Final = 2.5
#: Requests a call costs besides its free spell's pulls: the pull that brings its command, its
#: result, a share of heartbeats and telemetry.
_REQUESTS_PER_CALL: Final = 3.0
#: A free spell, until one is seen (the time from a call's end to the next call).
_FIRST_FREE_SPELL_S: Final = 20.0
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


#: Kinds that wait while the phone is busy and while a good share of the budget is gone.
_BACKGROUND: Final = frozenset({RequestKind.HEARTBEAT, RequestKind.TELEMETRY, RequestKind.LOG})

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
    max_interval_s: float = 8.0  # the slowest pull pace before waiting out a window
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
        self._busy = False
        #: A silence the planner chose to finish at a call's end: nothing leaves before this.
        self._quiet_until: float | None = None
        #: What was left of a window of silence at each recent call's end (0: the call reset it).
        self._left_at_call_end: list[float] = []
        #: Requests spent per call (the free spell before it, its result…), smoothed.
        self._spend_per_call = float(config.pull_ceiling) / 4
        self._spent_since_call_end = 0
        #: The time from a call's end to the next call, smoothed; when the last call ended.
        self._free_spell_s = _FIRST_FREE_SPELL_S
        self._free_since: float | None = None
        #: Call ends since the run began (a run that a call ended for free starts again at 0).
        self._call_ends_in_run = 0
        #: How many times the planner finished a silence at a call's end.
        self.silences_at_call_end = 0

    # -- what the planner knows ----------------------------------------------------------------

    def used(self, now: float | None = None) -> int:
        """Requests counted in the current run (0 after a window of silence)."""
        now = self._clock() if now is None else now
        # The same sum as `reset_at`, so the two never disagree by a rounding error at the
        # very moment the run ends (a request admitted by one and counted in the old run).
        if self._last_activity is None or now >= self._last_activity + self.config.quiet_s:
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
        if self._quiet_until is not None:
            wait = max(wait, self._quiet_until - now)
        if self.enforcing and self._busy and kind in _BACKGROUND:
            # Looked at again when the call ends (the link wakes the outbox then).
            wait = max(wait, self.config.window_s)
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
        # How many more calls this run must last: until a call is expected to end it for free
        # (from how often recent calls did), at most `_CALL_ENDS_PER_RUN` from its start —
        # and never so few that a long free spell would spend the rest and hit the wall.
        seen = self._left_at_call_end
        free_resets = sum(1 for x in seen if x <= 0)
        share_free = (free_resets + 0.5) / (len(seen) + 1)
        calls = min(float(_CALL_ENDS_PER_RUN), 1 / share_free) - self._call_ends_in_run
        calls = max(_FREE_SPELLS_COVERED, calls)
        pulls_per_spell = left / calls - _REQUESTS_PER_CALL
        if pulls_per_spell <= 0.5:
            return c.max_interval_s
        return min(c.max_interval_s, max(c.min_interval_s, self._free_spell_s / pulls_per_spell))

    def quiet_until(self, now: float | None = None) -> float | None:
        """When the silence the planner chose at a call's end is over, if one is running."""
        now = self._clock() if now is None else now
        if self._quiet_until is not None and self._quiet_until > now:
            return self._quiet_until
        return None

    # -- the phone ----------------------------------------------------------------------------

    def note_busy(self, busy: bool, now: float | None = None) -> None:
        """The phone went into a call (no pulls, no background) or came out of one.

        At a call's end the planner decides whether to finish the run's silence now (see the
        module docstring).
        """
        now = self._clock() if now is None else now
        was, self._busy = self._busy, busy
        if busy and not was and self._free_since is not None:
            self._free_spell_s += _SMOOTHING * (now - self._free_since - self._free_spell_s)
        if busy or not was:
            return
        self._free_since = now
        self._note_call_end(now)

    def _note_call_end(self, now: float) -> None:
        c = self.config
        spent, self._spent_since_call_end = self._spent_since_call_end, 0
        self._spend_per_call += _SMOOTHING * (spent - self._spend_per_call)
        used = self.used(now)
        reset = self.reset_at()
        left = 0.0 if used == 0 or reset is None else max(0.0, reset - now)
        self._left_at_call_end = [*self._left_at_call_end, left][-_CALL_ENDS_KEPT:]
        self._call_ends_in_run = 0 if left <= 0 else self._call_ends_in_run + 1
        if not self.enforcing or left <= 0:
            return
        # Further calls (each with its free spell) the budget left can still pay for, keeping
        # one in reserve: a free spell longer than usual must not run into the wall.
        calls_left = int((c.pull_ceiling - used) / max(1.0, self._spend_per_call)) - 1
        if calls_left > _CALL_ENDS_KEPT:
            # The budget outlasts any horizon the recent call ends can speak for (a limit of
            # thousands): a silence now would hold the operator's commands for nothing, and
            # the threshold, sinking to the lowest leftover seen, would call for one at random.
            return
        if left <= self._silence_threshold(calls_left):
            self._quiet_until = reset
            self.silences_at_call_end += 1
            self._call_ends_in_run = 0

    def _silence_threshold(self, calls_left: int) -> float:
        """The longest rest of a silence worth finishing now, with `calls_left` more call ends
        to choose from before the budget runs out.

        With none left it must be now, whatever is left. Otherwise: the expected cost of
        waiting, by backward induction over the recent call ends — with one call left, its
        leftover on average; with k, the average of each leftover capped at the threshold for
        k - 1 (a later call end is taken only if it is better than waiting further).
        """
        if calls_left <= 0:
            return float("inf")
        prior = [
            self.config.quiet_s * (i + 0.5) / _PRIOR_CALL_ENDS for i in range(_PRIOR_CALL_ENDS)
        ]
        seen = (prior + self._left_at_call_end)[-_CALL_ENDS_KEPT:]
        threshold = sum(seen) / len(seen)
        for _ in range(calls_left - 1):
            threshold = sum(min(x, threshold) for x in seen) / len(seen)
        return threshold

    # -- what happened ------------------------------------------------------------------------

    def note_sent(self, kind: RequestKind, now: float | None = None) -> None:
        """A counted request is leaving now."""
        now = self._clock() if now is None else now
        if self.used(now) == 0:
            self._count = 0
        self._count += 1
        self._spent_since_call_end += 1
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

"""The pull loop: fetch "call this number" commands, paced to what the server does.

It learns from how long empty answers (204) take whether the server long-polls (held ≥
`detect_s`) or answers at once, and re-learns when that changes:

- long-poll: back-to-back pulls, each held by the server, so a command arrives at once;
- instant: pulls paced by the rate budget (`budget.RateBudget`) — never while the phone is busy
  with a call, faster while much budget is left, never the request that trips the per-IP
  limiter.

429: `Retry-After` is honoured; without it the budget's lockout decides (jittered, growing
probes). 5xx and network errors: jittered, growing backoff; never a sign-out. A 403 "device not
found" re-registers the device and pulls again.

Delivery is at-most-once, so each command is handed to `on_command`, which persists it, and
the loop waits for that to succeed before it pulls again. It never cancels a pull in flight
because the phone became busy: the server may already have handed that command out.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable

from softphone.model import CallCommand
from softphone.problems import Problem, ProblemKind
from softphone.sync.api import BadResponse, CrmError, PullResult, RateLimited, Rejected
from softphone.sync.auth import Session, SignedOut
from softphone.sync.budget import RateBudget, RequestKind
from softphone.sync.clock import Clock
from softphone.sync.events import CommandStalled, PollStatusChanged, ServerMode, SyncEvent

log = logging.getLogger("softphone.sync")

__all__ = ["PollMetrics", "PullLoop"]

#: Quick tries to save a received command before its problem is shown.
_STALL_AFTER = 3


@dataclasses.dataclass(slots=True)
class PollMetrics:
    """The pull loop's diagnostics (mutable; the link copies it into `SyncStatus`)."""

    mode: ServerMode = ServerMode.UNKNOWN
    last_code: int | None = None
    last_poll_at: float | None = None  # wall
    next_poll_at: float | None = None  # wall
    latency_ms: float | None = None
    pulls: int = 0
    commands: int = 0
    last_error: str | None = None
    rate_limited_until: float | None = None  # wall


class PullLoop:
    """The task that pulls commands. `run()` forever; `set_busy()` pauses and resumes it."""

    def __init__(
        self,
        session: Session,
        budget: RateBudget,
        *,
        clock: Clock,
        device_id: str,
        register: Callable[[], Awaitable[None]],
        on_command: Callable[[CallCommand], Awaitable[None]],
        on_event: Callable[[SyncEvent], None] | None = None,
        on_pacing: Callable[[], None] | None = None,
        wait_seconds: int = 25,
        detect_s: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self._session = session
        self._budget = budget
        self._clock = clock
        self._device_id = device_id
        self._register = register
        self._on_command = on_command
        self._on_event = on_event
        self._on_pacing = on_pacing
        self.wait_seconds = wait_seconds
        self.detect_s = detect_s
        self._rng = rng or random.Random()
        self.metrics = PollMetrics()
        self._registered = asyncio.Event()
        self._idle = asyncio.Event()  # set while the phone is free
        self._idle.set()
        self._wake = asyncio.Event()
        self._failures = 0
        self._retry_at = 0.0  # monotonic: no pull before this (errors)
        self._last_pull_at: float | None = None  # monotonic
        self._mode_votes = 0  # consecutive 204s disagreeing with the current mode
        self._stop = asyncio.Event()
        #: True while a pull is out (its command, if any, must still be handed over).
        self.in_flight = False
        #: Set while a received command cannot be saved: no pull goes out until it is.
        self.stalled: Problem | None = None

    # -- control ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def set_busy(self, busy: bool) -> None:
        """The phone is in a call (pause) or free again (resume). The budget hears it too: at
        a call's end it may choose to finish a silence the call began."""
        self._budget.note_busy(busy, self._clock.monotonic())
        if busy:
            self._idle.clear()
            self.metrics.next_poll_at = None
        else:
            self._idle.set()
        self._wake.set()

    def allow_run(self) -> None:
        """Undo `request_stop` (the link is started again)."""
        self._stop.clear()

    def request_stop(self) -> None:
        """Finish the pull in flight (and hand its command over), then leave `run()`."""
        self._stop.set()
        self._wake.set()
        self._idle.set()

    @property
    def registered(self) -> bool:
        return self._registered.is_set()

    async def wait_registered(self) -> None:
        """Until the device is registered for the current session."""
        await self._registered.wait()

    def session_changed(self) -> None:
        """A new session: register the device again before the next pull."""
        self._registered.clear()
        self._failures = 0
        self._retry_at = 0.0
        self._wake.set()

    # -- the loop -----------------------------------------------------------------------------

    def next_delay(self) -> float:
        """Seconds until the next pull may go (not counting a busy phone)."""
        now = self._clock.monotonic()
        delay = max(self._budget.delay(RequestKind.PULL, now), self._retry_at - now)
        # Until the first empty answer shows what the server is, pulls go back to back (the
        # budget's ceiling still binds): a queue of commands drains fast on either kind.
        if self._last_pull_at is not None and self.metrics.mode is not ServerMode.UNKNOWN:
            delay = max(delay, self._last_pull_at + self._budget.pull_interval(now) - now)
        return max(0.0, delay)

    async def run(self) -> None:
        while not self._stop.is_set():
            await self._session.wait_signed_in()
            await self._idle.wait()
            if self._stop.is_set():
                return
            delay = self.next_delay()
            self._pacing()
            if delay > 0:
                self.metrics.next_poll_at = self._clock.wall() + delay
                self._wake.clear()
                try:
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                continue  # look again: busy, signed out, or a new budget
            if not self.registered:
                await self._try(self._register_device)
                continue
            await self._try(self._pull_once)

    async def _try(self, step: Callable[[], Awaitable[None]]) -> None:
        try:
            await step()
        except SignedOut:
            self.metrics.last_error = "signed out"
        except RateLimited as err:
            delay = self._budget.note_rate_limited(
                RequestKind.PULL, err.retry_after, self._clock.monotonic()
            )
            until = self._clock.wall() + delay
            self.metrics.rate_limited_until = until
            self.metrics.last_code = 429
            self.metrics.last_error = str(err)
            log.info("pulls are limited by the server for %.1f s", delay)
            self._pacing()
        except Rejected as err:
            self.metrics.last_code = err.status
            self.metrics.last_error = str(err)
            if err.status == 403 and self.registered:
                log.info("the server does not know this device: registering it again")
                self._registered.clear()
                self._backoff(short=True)
            else:
                log.warning("a pull was refused (HTTP %s): %s", err.status, err)
                self._backoff()
        except BadResponse as err:
            # The server has marked that command consumed: it cannot be fetched again.
            self.metrics.last_error = str(err)
            log.warning("the server sent a command this client cannot read: %s", err)
            self._backoff(short=True)
        except CrmError as err:
            self.metrics.last_code = err.status
            self.metrics.last_error = str(err)
            log.info("pull failed: %s", err)
            self._backoff()

    def _backoff(self, *, short: bool = False) -> None:
        self._failures += 1
        base = 0.5 if short else 1.0
        delay = min(60.0, base * 2 ** min(self._failures - 1, 10)) * self._rng.uniform(0.7, 1.3)
        self._retry_at = self._clock.monotonic() + delay

    async def _register_device(self) -> None:
        await self._register()
        self._registered.set()

    async def _pull_once(self) -> None:
        self._last_pull_at = self._clock.monotonic()
        self.metrics.next_poll_at = None
        self.in_flight = True
        try:
            result: PullResult = await self._session.call(
                lambda access: self._session.api.pull(access, self._device_id, self.wait_seconds)
            )
            await self._handle(result)
        finally:
            self.in_flight = False

    async def _handle(self, result: PullResult) -> None:
        self._answered(204 if result.command is None else 200, result.elapsed_s)
        if result.command is None or result.elapsed_s >= self.detect_s:
            # A command answered after a hold is long-poll evidence too; a quick one says
            # nothing (an instant server and a long-poll with a command waiting look alike).
            self._learn_mode(result.elapsed_s)
        if result.command is None:
            log.debug("pull: nothing queued (%.0f ms)", result.elapsed_s * 1000)
            return
        self.metrics.commands += 1
        log.info("pull: command %s received", result.command.id)
        await self._persist(result.command)

    async def _persist(self, command: CallCommand) -> None:
        """Hand the command over until it is persisted: a lost command is lost for good.

        The server has already handed it out, so it is never dropped; while it cannot be saved
        no other pull goes out (the loop waits here) and, after a few quick tries, the
        problem is said (`CommandStalled`) instead of being retried in silence.
        """
        failures = 0
        while True:
            try:
                await self._on_command(command)
            except Exception as err:
                failures += 1
                if failures == 1:
                    log.exception("command %s could not be saved; trying again", command.id)
                else:
                    log.warning("command %s still cannot be saved (try %d)", command.id, failures)
                if failures == _STALL_AFTER:
                    self.stalled = Problem(ProblemKind.COMMAND_NOT_SAVED, type(err).__name__)
                    self._emit(CommandStalled(self.stalled))
                await asyncio.sleep(min(5.0, 0.2 * 2**failures))
                continue
            if self.stalled is not None:
                log.info("command %s saved after %d tries", command.id, failures + 1)
                self.stalled = None
                self._emit(CommandStalled(None))
            return

    def _answered(self, code: int, elapsed_s: float) -> None:
        m = self.metrics
        was_limited = m.rate_limited_until is not None
        changed = m.last_code != code
        m.pulls += 1
        m.last_code = code
        m.last_poll_at = self._clock.wall()
        m.latency_ms = elapsed_s * 1000
        m.last_error = None
        m.rate_limited_until = None
        self._failures = 0
        self._retry_at = 0.0
        self._budget.clear_hold(RequestKind.PULL, self._clock.monotonic())
        if was_limited:
            log.info("the server lets pulls through again")
        self._pacing()
        if changed:
            self._emit(PollStatusChanged(m.mode, code))

    def _learn_mode(self, elapsed_s: float) -> None:
        seen = ServerMode.LONG_POLL if elapsed_s >= self.detect_s else ServerMode.INSTANT
        current = self.metrics.mode
        if seen is current:
            self._mode_votes = 0
            return
        self._mode_votes += 1
        # One answer decides from the start; a change of mind needs two in a row, so one
        # slow answer from a busy instant server does not switch off the pacing.
        if current is not ServerMode.UNKNOWN and self._mode_votes < 2:
            return
        self._mode_votes = 0
        self.metrics.mode = seen
        self._budget.enforcing = seen is not ServerMode.LONG_POLL or self._budget.ip_limit_seen
        log.info(
            "the server %s", "long-polls" if seen is ServerMode.LONG_POLL else "answers at once"
        )
        self._emit(PollStatusChanged(seen, self.metrics.last_code))

    def _emit(self, event: SyncEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)

    def _pacing(self) -> None:
        if self._on_pacing is not None:
            self._on_pacing()

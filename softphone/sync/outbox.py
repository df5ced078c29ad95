"""The outbox drainer: durable delivery of results, heartbeats, telemetry and log bundles.

Items are written to the store's outbox by whoever has something to say (the call flow writes
results in the same transaction as the history); this module sends them, most important first,
inside the rate budget, and decides what each answer means:

- accepted → the item leaves the outbox (a result's call records the status actually sent);
- a result refused with 400/415/422 → the next fallback body: the closest status the server
  accepts (`no_action` → `unknown`; the precise status stays in the history), then the legacy
  four-field body; what the server taught us is remembered so later results go right the
  first time;
- 404 or any other permanent 4xx → a dead letter with the server's reason, never retried by
  itself (the operator may retry or discard it);
- 401 → the session refreshes; if the session is over the item waits for the next sign-in;
- 429, 5xx, network errors → retried with jittered, growing delays for as long as the item is
  younger than the configured age, then a dead letter that says why.

It must never drop an item silently, never loop on a permanent refusal, and never send an item
the rate budget has not admitted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import random
from collections.abc import Callable
from typing import Any, Final

from softphone.model import PRODUCTION_STATUSES, CallReport, CallStatus
from softphone.store import OutboxItem, OutboxKind, Store
from softphone.sync.api import AuthExpired, CrmError, RateLimited, Rejected
from softphone.sync.auth import Session, SignedOut
from softphone.sync.budget import RateBudget, RequestKind
from softphone.sync.clock import Clock

log = logging.getLogger("softphone.sync")

__all__ = ["PATHS", "Attempt", "Outbox", "Outcome", "backoff_s", "result_attempts"]

PATHS: Final[dict[OutboxKind, str]] = {
    OutboxKind.RESULT: "/api/phone/calls/update/",
    OutboxKind.HEARTBEAT: "/api/phone/devices/heartbeat/",
    OutboxKind.TELEMETRY: "/api/phone/telemetry/",
    OutboxKind.LOG: "/api/phone/logs/",
}
KINDS: Final[dict[OutboxKind, RequestKind]] = {
    OutboxKind.RESULT: RequestKind.RESULT,
    OutboxKind.HEARTBEAT: RequestKind.HEARTBEAT,
    OutboxKind.TELEMETRY: RequestKind.TELEMETRY,
    OutboxKind.LOG: RequestKind.LOG,
}
#: Answers to a result body that mean "not in this form": try the next fallback.
_FORM_REFUSED: Final = frozenset({400, 415, 422})
_LEGACY: Final = frozenset(CallReport.LEGACY_FIELDS)
#: What the server taught us, kept across restarts (store key/values), per server: a desk
#: can be pointed at another CRM, which may accept what this one refused.
_KV_LEGACY_ONLY: Final = "crm.results.legacy_only|{server}"
_KV_REFUSED_STATUS: Final = "crm.results.refused_status|{server}|{status}"


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"
    WAIT_SESSION = "wait_session"


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    """One body to try for a result, and what it says about the server if it is accepted."""

    body: dict[str, Any]
    status: str | None
    legacy: bool
    degraded: bool


def closest_accepted(status: str | None) -> str | None:
    """The status to send instead when the server refuses `status` (None: nothing closer)."""
    if status is None or status in {s.value for s in PRODUCTION_STATUSES}:
        return None
    return CallStatus.UNKNOWN.value


def result_attempts(
    body: dict[str, Any], *, legacy_only: bool = False, refused: frozenset[str] = frozenset()
) -> list[Attempt]:
    """The bodies to try for one result, in order: precise status before the closest accepted
    one, extended before legacy. Forms the server is known to refuse are left out."""
    status = body.get("call_status")
    degraded_status = closest_accepted(status if isinstance(status, str) else None)
    statuses: list[tuple[str | None, bool]] = []
    if not (isinstance(status, str) and status in refused and degraded_status):
        statuses.append((status, False))
    if degraded_status is not None:
        statuses.append((degraded_status, True))
    is_extended = bool(set(body) - _LEGACY)
    # Statuses before forms: a refused status is the commoner cause (production's no_action).
    forms = [False, True] if is_extended and not legacy_only else [True]
    attempts: list[Attempt] = []
    for legacy in forms:
        for wire_status, degraded in statuses:
            form = {k: v for k, v in body.items() if k in _LEGACY} if legacy else dict(body)
            if wire_status is not None:
                form["call_status"] = wire_status
            attempts.append(Attempt(form, wire_status, legacy, degraded))
    return attempts


def backoff_s(attempts: int, rng: random.Random, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Jittered, growing delay before the next try of an item that failed `attempts` times."""
    raw = min(cap, base * 2.0 ** min(attempts, 20))
    return raw * rng.uniform(0.7, 1.3)


class Outbox:
    """Drains the store's outbox to the CRM. `run()` is the task; `wake()` makes it look now."""

    def __init__(
        self,
        store: Store,
        session: Session,
        budget: RateBudget,
        *,
        clock: Clock,
        max_age_s: float,
        on_change: Callable[[int | None], None] | None = None,
        on_pacing: Callable[[], None] | None = None,
        may_send: Callable[[OutboxKind], bool] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._session = session
        self._budget = budget
        self._clock = clock
        self.max_age_s = max_age_s
        self._on_change = on_change
        self._on_pacing = on_pacing
        self._may_send = may_send or (lambda _kind: True)
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self.last_error: str | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._session.wait_signed_in()
            self._wake.clear()
            wait = await self.drain_once()
            try:
                async with asyncio.timeout(60.0 if wait is None else max(0.01, wait)):
                    await self._wake.wait()
            except TimeoutError:
                pass  # time for the next due item

    async def drain_once(self) -> float | None:
        """Send every due item the budget admits; seconds until the next try (None: idle)."""
        while True:
            now = self._clock.wall()
            items = self._store.due(now, limit=20)
            if not items:
                next_at = self._store.next_attempt_at()
                return None if next_at is None else max(0.0, next_at - now)
            waits: list[float] = []
            sent = 0
            for item in items:
                kind = KINDS.get(item.kind)
                if kind is None:
                    self._store.to_dead(item.id, "unknown outbox item kind")
                    self._changed(item.call_id)
                    sent += 1  # the batch changed: look again
                    continue
                if not self._may_send(item.kind):
                    continue  # not yet (a heartbeat before the device is registered)
                delay = self._budget.delay(kind, self._clock.monotonic())
                if delay > 0:
                    waits.append(delay)
                    continue
                outcome = await self.deliver(item)
                if outcome is Outcome.WAIT_SESSION:
                    return None
                sent += 1
            if not sent:
                if waits and self._on_pacing is not None:
                    self._on_pacing()
                return min(waits) if waits else None

    async def deliver(self, item: OutboxItem) -> Outcome:
        """Try one item now (every fallback body it needs) and record what happened."""
        now = self._clock.wall()
        path = PATHS[item.kind]
        server = self._session.server_url
        if item.kind is OutboxKind.RESULT and isinstance(item.body, dict):
            attempts = result_attempts(
                item.body,
                legacy_only=self._store.get_value(_KV_LEGACY_ONLY.format(server=server)) == "1",
                refused=self._refused_statuses(server, item.body),
            )
        else:
            attempts = [Attempt(item.body, None, False, False)]
        first_refusal: Rejected | None = None
        for attempt in attempts:

            async def send(access: str, body: Any = attempt.body) -> Any:
                return await self._session.api.post(path, access, body)

            try:
                await self._session.call(send)
            except Rejected as err:
                first_refusal = first_refusal or err
                if item.kind is OutboxKind.RESULT and err.status in _FORM_REFUSED:
                    self._learn_refusal(server, attempt, err)
                    if attempt is not attempts[-1]:
                        continue
                reason = _reason(first_refusal)
                self._store.to_dead(item.id, reason)
                self.last_error = reason
                log.warning("outbox item %d (%s) refused for good: %s", item.id, item.kind, reason)
                self._changed(item.call_id)
                return Outcome.DEAD
            except (SignedOut, AuthExpired):
                return Outcome.WAIT_SESSION
            except RateLimited as err:
                delay = self._budget.note_rate_limited(
                    KINDS[item.kind], err.retry_after, self._clock.monotonic()
                )
                if self._on_pacing is not None:
                    self._on_pacing()
                return self._retry(item, now, "HTTP 429", delay)
            except CrmError as err:
                return self._retry(item, now, str(err), backoff_s(item.attempts, self._rng))
            if first_refusal is not None:
                self._learn(server, item.body, attempt)
            self._store.delivered(item.id, wire_status=attempt.status)
            log.debug("outbox item %d (%s) delivered", item.id, item.kind)
            self._changed(item.call_id)
            return Outcome.DELIVERED
        raise AssertionError("result_attempts never returns an empty list")

    def _retry(self, item: OutboxItem, now: float, error: str, delay: float) -> Outcome:
        if now - item.created_at > self.max_age_s:
            days = self.max_age_s / 86_400
            reason = f"not delivered in {days:g} days; last error: {error}"
            self._store.to_dead(item.id, reason)
            log.warning("outbox item %d (%s) given up: %s", item.id, item.kind, reason)
            self._changed(item.call_id)
            return Outcome.DEAD
        self._store.retry_later(item.id, now + delay, error)
        self.last_error = error
        self._changed(item.call_id)  # its call's "next try in …" moved
        log.info(
            "outbox item %d (%s) will be retried in %.0f s: %s", item.id, item.kind, delay, error
        )
        return Outcome.RETRY

    def _refused_statuses(self, server: str, body: dict[str, Any]) -> frozenset[str]:
        status = body.get("call_status")
        if isinstance(status, str):
            key = _KV_REFUSED_STATUS.format(server=server, status=status)
            if self._store.get_value(key) == "1":
                return frozenset({status})
        return frozenset()

    def _learn_refusal(self, server: str, attempt: Attempt, err: Rejected) -> None:
        """A status the server names as not one of its choices is remembered at once — not
        only once a fallback got through (which a 429 or a network error can postpone past a
        restart, so the next run would pay the same 400 again)."""
        if attempt.status is None or "call_status" not in err.errors:
            return
        if closest_accepted(attempt.status) is None:
            return  # a status we believe the server takes: the 400 is about something else
        key = _KV_REFUSED_STATUS.format(server=server, status=attempt.status)
        if self._store.get_value(key) != "1":
            self._store.set_value(key, "1")
            log.info("the server refuses status %s; sending the closest it accepts", attempt.status)

    def _learn(self, server: str, body: dict[str, Any], accepted: Attempt) -> None:
        """A fallback was accepted after a refusal: remember why, so the next result skips it."""
        if accepted.degraded and isinstance(body.get("call_status"), str):
            status = str(body["call_status"])
            key = _KV_REFUSED_STATUS.format(server=server, status=status)
            if self._store.get_value(key) != "1":
                self._store.set_value(key, "1")
                log.info("the server refuses status %s; sending the closest it accepts", status)
        elif accepted.legacy:
            self._store.set_value(_KV_LEGACY_ONLY.format(server=server), "1")
            log.info("the server refuses extended results; sending the legacy form")

    def _changed(self, call_id: int | None) -> None:
        if self._on_change is not None:
            self._on_change(call_id)


def _reason(err: Rejected) -> str:
    return f"HTTP {err.status}: {err.detail}" if err.detail else f"HTTP {err.status}"

"""`CrmLink`: the whole CRM conversation behind one small facade, for the engine and the CLI.

It composes the session (`auth`), the device id, the pull loop (`poll`), the outbox drainer
(`outbox`), the heartbeat timer and the telemetry batcher around one rate budget, so every
request to `/api/phone/*` is counted in one place. It owns its tasks: `start()` creates them,
`stop()` cancels them with a deadline and leaves nothing running.

It must never import the flow, the phone bridge or Qt, and never hold a secret outside the
keyring and the session.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import json
import logging
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

import httpx

from softphone import __version__
from softphone.config import Settings
from softphone.masking import mask, mask_device_id
from softphone.model import CallCommand, utcnow
from softphone.problems import Problem, ProblemKind
from softphone.store import OutboxKind, Store
from softphone.sync.api import CrmApi, Rejected
from softphone.sync.auth import Session, TokenVault
from softphone.sync.budget import BudgetConfig, RateBudget, RequestKind, kind_of_path
from softphone.sync.clock import Clock
from softphone.sync.device import device_id as stored_device_id
from softphone.sync.events import (
    CommandReceived,
    OutboxChanged,
    PacingCause,
    PacingChanged,
    SessionChanged,
    SyncEvent,
    SyncStatus,
)
from softphone.sync.outbox import Outbox
from softphone.sync.poll import PullLoop
from softphone.sync.reports import (
    TELEMETRY_BATCH_MAX,
    TelemetryItem,
    TelemetryType,
    heartbeat_body,
    log_bodies,
    telemetry_batches,
    telemetry_wanted,
)

log = logging.getLogger("softphone.sync")

__all__ = ["CrmLink", "RequestRecord", "refuse_commands"]

#: Telemetry is written to the outbox at most this often (or when a batch is full): every
#: request counts against the per-IP limit, and telemetry is the least urgent of them.
_TELEMETRY_FLUSH_S: Final = 600.0
#: Pending outbox items older than this count as "stuck" in the heartbeat.
_STUCK_AFTER_S: Final = 300.0
_STOP_DEADLINE_S: Final = 5.0
_PULL_GRACE_S: Final = 2.0
_KV_BUDGET: Final = "crm.budget"
#: A server that answered password sign-in with 403 (QR sign-in only), per server.
_KV_QR_ONLY: Final = "crm.qr_only|{server}"
#: Failed requests in a row before the server counts as unreachable for the operator.
_UNREACHABLE_AFTER: Final = 2


@dataclasses.dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request to the CRM as diagnostics show it: when (wall), where, the answer's code
    (0: no answer at all) and how long it took."""

    at: float
    path: str
    status: int
    ms: float


#: How many requests diagnostics remember.
_RECENT_REQUESTS: Final = 100


async def refuse_commands(command: CallCommand) -> None:
    """`on_command` for a link that only signs in, out or checks (login, logout, doctor).

    Such a link never starts its pull loop, so this is never called; if it were, refusing keeps
    the command unacknowledged rather than lost.
    """
    raise RuntimeError("this process does not take call commands")


class CrmLink:
    """The CRM conversation. See the module docstring; the engine owns one."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        on_command: Callable[[CallCommand], Awaitable[None]],
        on_event: Callable[[SyncEvent], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        keyring_timeout: float = 3.0,
        lock_path: Path | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._on_command = on_command
        self._on_event = on_event
        self._transport = transport
        self._clock = clock or Clock()
        self._rng = rng or random.Random()
        self._apis: dict[str, CrmApi] = {}
        self.device_id = stored_device_id(store)
        self.budget = RateBudget(_budget_config(settings), self._clock.monotonic, rng=self._rng)
        self._restore_budget()
        self._vault = TokenVault(keyring_timeout, lock_path)
        self.session = Session(
            self._vault, self._api_for, self._session_changed, clock=self._clock.monotonic
        )
        self.poll = PullLoop(
            self.session,
            self.budget,
            clock=self._clock,
            device_id=self.device_id,
            register=self._register_device,
            on_command=self._command_arrived,
            on_event=self._emit,
            on_pacing=self._update_pacing,
            wait_seconds=settings.long_poll_wait_s,
            detect_s=settings.long_poll_detect_s,
            rng=self._rng,
        )
        self.outbox = Outbox(
            store,
            self.session,
            self.budget,
            clock=self._clock,
            max_age_s=settings.outbox_max_age_days * 86_400,
            on_change=self._outbox_event,
            on_pacing=self._update_pacing,
            may_send=lambda kind: kind is not OutboxKind.HEARTBEAT or self.poll.registered,
            rng=self._rng,
        )
        self._pacing: PacingChanged = PacingChanged(held=False)
        self._failures_in_a_row = 0
        self._last_failure: str | None = None
        self._recent: collections.deque[RequestRecord] = collections.deque(maxlen=_RECENT_REQUESTS)
        self._telemetry: list[TelemetryItem] = []
        self._telemetry_due = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Resume a saved session (if any) and start the pull loop, drainer and heartbeat."""
        if self._tasks:
            return
        if not self.session.signed_in:
            await self.session.resume()
        self.poll.allow_run()
        for name, body in (
            ("pull", self.poll.run),
            ("outbox", self.outbox.run),
            ("heartbeat", self._heartbeat_loop),
            ("telemetry", self._telemetry_loop),
        ):
            task = asyncio.get_running_loop().create_task(body(), name=f"crm-{name}")
            self._tasks.add(task)

    async def stop(self) -> None:
        """Stop every task (with a deadline), keep unsent telemetry, close connections.

        The pull loop is first asked to finish the pull in flight: the server may already have
        handed out its command. Only a pull still held after a short grace is cancelled (a
        long-polling server does not hand a command to a client that has gone).
        """
        tasks, self._tasks = self._tasks, set()
        self.poll.request_stop()
        pulling = [t for t in tasks if t.get_name() == "crm-pull"]
        if pulling and self.poll.in_flight:
            await asyncio.wait(pulling, timeout=_PULL_GRACE_S)
        for task in tasks:
            task.cancel()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=_STOP_DEADLINE_S)
            for task in pending:
                log.warning("task %s did not stop in time", task.get_name())
        self._flush_telemetry()
        self._save_budget()
        await self.session.aclose()
        apis, self._apis = list(self._apis.values()), {}
        for api in apis:
            await api.aclose()

    # -- sessions -----------------------------------------------------------------------------

    async def login_password(self, server_url: str, username: str, password: str) -> None:
        """Sign in by password. A refusal raises `Rejected` with the server's own `detail`;
        a server that refuses password sign-in altogether (403) is remembered as QR-only."""
        try:
            await self.session.login_password(server_url, username, password)
        except Rejected as err:
            if err.status == 403:
                self._store.set_value(_KV_QR_ONLY.format(server=_base(server_url)), "1")
            raise

    def qr_only(self, server_url: str) -> bool:
        """Whether this server refused password sign-in here before (it signs in by QR)."""
        return self._store.get_value(_KV_QR_ONLY.format(server=_base(server_url))) == "1"

    async def login_qr(self, server_url: str, token: str) -> None:
        """Sign in with the token of the CRM's QR code."""
        await self.session.login_qr(server_url, token)

    async def logout(self) -> None:
        await self.session.logout(self.device_id)

    # -- commands in --------------------------------------------------------------------------

    def set_phone_busy(self, busy: bool) -> None:
        """Pause pulls while the phone is in a call (no command could be dialled anyway); at
        its end, what waited for it (heartbeats, telemetry) may go."""
        self.poll.set_busy(busy)
        if not busy:
            self.outbox.wake()
        self._update_pacing()

    # -- things out ---------------------------------------------------------------------------

    def outbox_changed(self) -> None:
        """Something was written to the outbox: look at it now."""
        self.outbox.wake()

    async def retry_dead(self, item_id: int) -> None:
        call_id = next((i.call_id for i in self._store.dead_letters() if i.id == item_id), None)
        self._store.revive(item_id)
        self._outbox_event(call_id)
        self.outbox.wake()

    async def discard_dead(self, item_id: int) -> None:
        item = self._store.outbox_item(item_id)
        self._store.discard(item_id)
        self._outbox_event(item.call_id if item is not None else None)

    def record_telemetry(self, item: TelemetryItem) -> None:
        """Queue one telemetry item (none about 429s or telemetry itself; batched, durable)."""
        if not self._settings.telemetry_enabled or not telemetry_wanted(item):
            return
        self._telemetry.append(item)
        if len(self._telemetry) >= TELEMETRY_BATCH_MAX:
            self._telemetry_due.set()

    async def send_log_bundle(self, text: str, source: str = "support_report") -> None:
        """Mask `text`, split it to fit the server, and queue it for delivery."""
        for body in log_bodies(self.device_id, text, source=source, now=self._clock.wall()):
            self._store.enqueue(OutboxKind.LOG, body)
        self.outbox.wake()

    # -- the snapshot -------------------------------------------------------------------------

    async def apply_settings(self, settings: Settings) -> None:
        """Take new settings at once: pacing, long-poll, outbox age, and which hosts may be
        reached without HTTPS (cached connections made under the old rule are closed)."""
        old, self._settings = self._settings, settings
        self.budget.config = _budget_config(settings)
        self.poll.wait_seconds = settings.long_poll_wait_s
        self.poll.detect_s = settings.long_poll_detect_s
        self.outbox.max_age_s = settings.outbox_max_age_days * 86_400
        if sorted(old.allow_plain_http) != sorted(settings.allow_plain_http):
            apis, self._apis = list(self._apis.values()), {}
            for api in apis:
                await api.aclose()
        self.outbox.wake()

    def status(self) -> SyncStatus:
        tokens = self.session.tokens
        metrics = self.poll.metrics
        stats = self._store.outbox_stats(self._clock.wall())
        pacing = self._pacing_now()
        return SyncStatus(
            signed_in=tokens is not None,
            username=tokens.username if tokens else "",
            server_url=tokens.server_url if tokens else self._settings.server_url,
            session_only=self.session.session_only,
            device_id=mask_device_id(self.device_id),
            server_mode=metrics.mode,
            last_poll_code=metrics.last_code,
            last_poll_at=metrics.last_poll_at,
            next_poll_at=metrics.next_poll_at,
            poll_latency_ms=metrics.latency_ms,
            phone_busy=self.poll.busy,
            rate_limited=pacing.held,
            rate_limited_until=pacing.until,
            pacing_cause=pacing.cause,
            limit_shared=pacing.shared,
            count_429=self.budget.count_429,
            locked_out_total_s=self.budget.locked_out_total_s,
            budget_used=self.budget.used(self._clock.monotonic()),
            budget_limit=self.budget.config.ceiling,
            outbox_pending=stats.pending,
            outbox_dead=stats.dead,
            outbox_next_at=stats.next_attempt_at,
            last_error=mask(metrics.last_error or self.outbox.last_error or "") or None,
            problems=self._problems(pacing, stats.dead),
        )

    def _problems(self, pacing: PacingChanged, dead: int) -> tuple[Problem, ...]:
        found: list[Problem] = []
        if self.poll.stalled is not None:
            found.append(self.poll.stalled)
        if not self.session.signed_in:
            found.append(self.session.ended or Problem(ProblemKind.NOT_SIGNED_IN))
        elif self.session.session_only:
            found.append(Problem(ProblemKind.KEYRING_UNAVAILABLE))
        if self._failures_in_a_row >= _UNREACHABLE_AFTER:
            found.append(Problem(ProblemKind.SERVER_UNREACHABLE, self._last_failure))
        if pacing.held:
            kind = ProblemKind.RATE_LIMIT_SHARED if pacing.shared else ProblemKind.RATE_LIMITED
            params = {"until": pacing.until, "cause": pacing.cause}
            found.append(Problem(kind, params=params))
        if dead:
            found.append(Problem(ProblemKind.RESULTS_REFUSED, params={"count": dead}))
        return tuple(found)

    def _pacing_now(self) -> PacingChanged:
        """Whether (and why, and until when) requests are held back right now."""
        now = self._clock.monotonic()
        budget = self.budget
        pull = budget.delay(RequestKind.PULL, now)
        result = budget.delay(RequestKind.RESULT, now)
        delay = pull if pull > 0 else result
        if delay <= 0:
            return PacingChanged(held=False)
        if budget.locked_until(now) is not None:
            cause = PacingCause.IP_LIMIT
        elif budget.hold_of(RequestKind.PULL, now) or budget.hold_of(RequestKind.RESULT, now):
            cause = PacingCause.RETRY_AFTER
        else:
            cause = PacingCause.BUDGET
        until = round(self._clock.wall() + delay, 1)
        return PacingChanged(True, until, cause, shared=budget.shared(now))

    def _update_pacing(self) -> None:
        """Say when a hold starts, moves (by a second or more) or ends: the window's countdown
        and the status strip follow it without asking."""
        now = self._pacing_now()
        was = self._pacing
        moved = (
            now.until is not None and was.until is not None and abs(now.until - was.until) >= 1.0
        )
        if (now.held, now.cause, now.shared) != (was.held, was.cause, was.shared) or moved:
            self._pacing = now
            if now.held:
                log.info(
                    "requests held back (%s) for %.0f s",
                    now.cause,
                    (now.until or 0) - self._clock.wall(),
                )
            else:
                log.info("requests go again")
            self._emit(now)

    def _api_for(self, server_url: str) -> CrmApi:
        key = server_url.strip().rstrip("/")
        api = self._apis.get(key)
        if api is None:
            api = CrmApi(
                key,
                allow_plain_http=self._settings.allow_plain_http,
                transport=self._transport,
                on_send=self._request_sent,
                on_answer=self._request_answered,
            )
            self._apis[key] = api
        return api

    def _request_sent(self, path: str) -> None:
        kind = kind_of_path(path)
        if kind is not None:
            self.budget.note_sent(kind, self._clock.monotonic())

    def recent_requests(self) -> list[RequestRecord]:
        return list(self._recent)

    def _request_answered(self, path: str, status: int, seconds: float) -> None:
        self._recent.append(
            RequestRecord(self._clock.wall(), path, status, round(seconds * 1000, 1))
        )
        if kind_of_path(path) is not None:
            self.budget.note_answered(status, self._clock.monotonic())
        if status == 0 or status >= 500:
            self._failures_in_a_row += 1
            self._last_failure = f"HTTP {status}" if status else "no answer"
        else:
            self._failures_in_a_row = 0
        if status == 0 or status >= 500:
            self.record_telemetry(
                TelemetryItem(
                    type=TelemetryType.ERROR,
                    ts=utcnow(),
                    endpoint=path,
                    http_code=status or None,
                    value_ms=int(seconds * 1000),
                )
            )

    def _save_budget(self) -> None:
        """Keep the request count for the next start: the server's count does not reset
        because this process did."""
        count, age = self.budget.snapshot()
        if count:
            wall = self._clock.wall() - age
            self._store.set_value(_KV_BUDGET, json.dumps({"count": count, "last_at": wall}))

    def _restore_budget(self) -> None:
        raw = self._store.get_value(_KV_BUDGET)
        if raw is None:
            return
        try:
            data = json.loads(raw)
            count, last_at = int(data["count"]), float(data["last_at"])
        except (ValueError, KeyError, TypeError):
            return  # an unreadable note is as good as none: the count then starts at zero
        self.budget.restore(count, max(0.0, self._clock.wall() - last_at))

    async def _register_device(self) -> None:
        await self.session.call(
            lambda access: self.session.api.register_device(
                access, self.device_id, self._settings.device_name
            )
        )
        log.info("device %s registered", self.device_id)
        # The server's device row exists from now on: the heartbeat may follow (never both at
        # once on a new device — the production server once answered that with a 500).
        self.outbox.wake()

    async def _command_arrived(self, command: CallCommand) -> None:
        await self._on_command(command)
        self._emit(CommandReceived(command))
        created = command.created_at_time()
        if created is not None:
            delay_ms = max(0, int((utcnow() - created).total_seconds() * 1000))
            self.record_telemetry(
                TelemetryItem(
                    type=TelemetryType.LATENCY,
                    ts=utcnow(),
                    endpoint="/api/phone/calls/pull/",
                    http_code=200,
                    value_ms=delay_ms,
                    extra={"what": "command_delivery", "mode": self.poll.metrics.mode.value},
                )
            )

    def _session_changed(self, signed_in: bool, problem: Problem | None) -> None:
        tokens = self.session.tokens
        if signed_in:
            self.poll.session_changed()
            self.outbox.wake()
        self._emit(SessionChanged(signed_in, tokens.username if tokens else "", problem))

    def _outbox_event(self, call_id: int | None = None) -> None:
        stats = self._store.outbox_stats(self._clock.wall())
        self._emit(OutboxChanged(stats.pending, stats.dead, call_id))

    def _emit(self, event: SyncEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("an event handler failed on %s", type(event).__name__)

    def heartbeat_body(self) -> dict[str, object]:
        stats = self._store.outbox_stats(self._clock.wall())
        stuck = dict(stats.dead_by_kind)
        oldest: float | None = None
        if (stats.oldest_pending_age_s or 0.0) > _STUCK_AFTER_S:
            oldest = stats.oldest_pending_age_s
            for kind, count in stats.pending_by_kind.items():
                stuck[kind] = stuck.get(kind, 0) + count
        elif stuck:
            oldest = self._oldest_dead_age()
        metrics = self.poll.metrics
        return heartbeat_body(
            device_id=self.device_id,
            device_name=self._settings.device_name,
            app_version=__version__,
            last_poll_code=metrics.last_code,
            last_poll_at=metrics.last_poll_at,
            encryption_enabled=not self.session.session_only,
            stuck_by_type=stuck,
            oldest_stuck_age_s=oldest,
        )

    def _oldest_dead_age(self) -> float | None:
        dead = self._store.dead_letters()
        if not dead:
            return None
        return max(0.0, self._clock.wall() - min(item.created_at for item in dead))

    async def _heartbeat_loop(self) -> None:
        while True:
            await self.session.wait_signed_in()
            await self.poll.wait_registered()
            # One heartbeat waits in the outbox at a time: a newer one replaces it.
            self._store.enqueue(OutboxKind.HEARTBEAT, self.heartbeat_body(), dedupe_key="heartbeat")
            self.outbox.wake()
            await asyncio.sleep(self._settings.heartbeat_minutes * 60 * self._rng.uniform(0.9, 1.1))

    def _flush_telemetry(self) -> None:
        items, self._telemetry = self._telemetry, []
        for body in telemetry_batches(self.device_id, items):
            self._store.enqueue(OutboxKind.TELEMETRY, body)

    async def _telemetry_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_TELEMETRY_FLUSH_S):
                    await self._telemetry_due.wait()
            self._telemetry_due.clear()
            if self._telemetry:
                self._flush_telemetry()
                self.outbox.wake()


def _budget_config(settings: Settings) -> BudgetConfig:
    return BudgetConfig(
        limit=settings.rate_limit_requests,
        window_s=settings.rate_window_s,
        min_interval_s=settings.poll_min_interval_s,
        max_interval_s=max(settings.poll_max_interval_s, settings.poll_min_interval_s),
    )


def _base(url: str) -> str:
    return url.strip().rstrip("/")

"""One call's life, from a command (or a click) to a result on its way to the CRM.

    received ─► dialling ─► in_call ─► ended ─► resolved (history final, result in the outbox)
       │  ▲                                         ▲
       ▼  │ confirm                                 │ never dialled / refused / bad number
    awaiting_confirmation ──────────────────────────┘

Every step is committed to the store *before* it is acted on: a command before anything else
(delivery from the CRM is at-most-once), the dialling phase before `am start` is sent. After a
restart a call that may have been dialled is watched and correlated, never dialled again.

Rules: one call at a time; a call in progress on the phone (ours or not) is never dialled over;
commands wait in order; a command id already known is ignored; a command never dialled becomes
`no_action` after a configured time; a dial that never starts is resolved with its reason.

The flow talks to the phone and to the CRM side through the small protocols below, never to
adbutils or httpx: the engine adapts the real bridge and link to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

from softphone.config import Settings
from softphone.correlate import (
    Window,
    find_match,
    outcome_from_row,
    outcome_unknown,
    outcome_with_cause,
)
from softphone.masking import mask_phone
from softphone.model import (
    ActionSource,
    CallCommand,
    CallLogRow,
    CallOutcome,
    CallPhase,
    CallReport,
    CallStatus,
    HistoryEntry,
    ReportState,
    ResolveMethod,
    from_epoch,
)
from softphone.numbers import InvalidNumber, normalize
from softphone.problems import Problem, ProblemKind, Reason
from softphone.store import Store

log = logging.getLogger("softphone.flow")

__all__ = [
    "CallFlow",
    "CallLogUnreadable",
    "Cause",
    "DialAttempt",
    "Phone",
    "PhoneUnavailable",
    "Reporter",
]

IDLE: Final = 0
#: How long to keep trying to read the call log of a call whose phone went away.
PHONE_BACK_WAIT_S: Final = 600.0
#: The longest an idle worker sleeps without being woken.
IDLE_LOOK_S: Final = 60.0
#: A call's log row is written a little after its end (often well under a second, sometimes
#: more): the log is read every `LOG_POLL_FAST_S` for the first `LOG_POLL_FAST_FOR_S` after the
#: end was seen, so the result leaves within a few tens of ms of the row; then less and less
#: often (`LOG_POLL_DELAYS`, the last one repeated) until `call_log_wait_s`.
LOG_POLL_FAST_S: Final = 0.01
LOG_POLL_FAST_FOR_S: Final = 2.0
LOG_POLL_DELAYS: Final = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0)


class PhoneUnavailable(RuntimeError):
    """No usable phone right now (none attached, offline, unauthorized, adb down)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.kind.value)
        self.problem = problem


class CallLogUnreadable(RuntimeError):
    """The phone refuses to show its call log (`problem`: denied, or broken, with its words)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.kind.value)
        self.problem = problem


@dataclasses.dataclass(frozen=True, slots=True)
class DialAttempt:
    started: bool
    reason: Reason | None = None
    detail: str | None = None
    #: The phone's own clock just before the dial, when it could be read: the call-log row is
    #: dated by that clock, whatever this computer last believed the phone's offset to be.
    phone_ms: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Cause:
    """Telecom's disconnect cause of one call: its code (BUSY, REJECTED…) and the raw text."""

    code: str | None
    raw: str


class Phone(Protocol):
    """The phone as the flow needs it. Methods raise `PhoneUnavailable` when it is not there."""

    @property
    def serial(self) -> str | None: ...

    def phone_now_ms(self) -> int:
        """Now, in the phone's clock (this computer's clock plus the measured offset)."""
        ...

    @property
    def clock_offset_ms(self) -> int: ...

    async def dial(self, number: str) -> DialAttempt: ...

    async def call_state(self) -> int: ...

    async def end_call(self) -> Problem | None:
        """None when the call was ended; otherwise why it could not be."""
        ...

    async def disconnect_cause(self, dial_ms: int, end_ms: int | None) -> Cause | None:
        """Telecom's cause for the outgoing call placed at `dial_ms` (phone clock), if known."""
        ...

    async def call_log_since(self, since_ms: int) -> list[CallLogRow]: ...


class Reporter(Protocol):
    """The CRM side as the flow needs it."""

    def outbox_changed(self) -> None: ...

    def set_phone_busy(self, busy: bool) -> None: ...


def _no_change(_entry: HistoryEntry) -> None:
    return None


class CallFlow:
    """Runs calls one at a time. The engine starts `run()` as a task and owns it.

    `on_change` is called with the new state of a call after every committed change.
    """

    def __init__(
        self,
        store: Store,
        phone: Phone,
        reporter: Reporter,
        settings: Settings,
        *,
        on_change: Callable[[HistoryEntry], None] = _no_change,
        clock: Callable[[], float] = time.time,
        poll_interval: float = 0.15,
    ) -> None:
        self._store = store
        self._phone = phone
        self._reporter = reporter
        self.settings = settings
        self._on_change = on_change
        self._clock = clock
        self._poll = poll_interval
        self._wake = asyncio.Event()
        self._active: int | None = None
        self._resolving: dict[int, asyncio.Task[None]] = {}

    # -- what the engine and the UI ask ----------------------------------------------------

    @property
    def active_call(self) -> HistoryEntry | None:
        return None if self._active is None else self._store.call(self._active)

    def waiting(self) -> list[HistoryEntry]:
        """Calls not dialled yet, in the order they will be."""
        return [
            c
            for c in self._store.open_calls()
            if c.phase in (CallPhase.RECEIVED, CallPhase.AWAITING_CONFIRMATION)
        ]

    # -- inputs ----------------------------------------------------------------------------

    async def receive(self, command: CallCommand) -> HistoryEntry | None:
        """A command from the CRM. Committed before this returns; None if already known."""
        refused: tuple[Reason, str | None] | None = None
        try:
            phone = normalize(command.phone)
        except InvalidNumber as err:
            phone, refused = command.phone[:64], (Reason.INVALID_NUMBER, err.problem.value)
        if command.is_empty:
            refused = (Reason.EMPTY_COMMAND, None)
        waiting = not self.settings.auto_dial and refused is None
        entry = self._store.add_call(
            source=ActionSource.CRM_UI,
            phone=phone,
            phase=CallPhase.AWAITING_CONFIRMATION if waiting else CallPhase.RECEIVED,
            command_id=command.id,
            report_id=command.id,
            note=command.note,
            extra=command.extras(),
            report_state=ReportState.PENDING,
        )
        if entry is None:
            log.info("command %s is already known; ignored", command.id)
            return None
        log.info("command %s received for %s", command.id, mask_phone(phone))
        self._changed(entry)
        if refused is not None:
            self._finish(
                entry,
                outcome_unknown(
                    refused[0],
                    detail=refused[1],
                    status=CallStatus.NO_ACTION,
                    resolve_method=ResolveMethod.UNKNOWN,
                ),
            )
        self._wake.set()
        return self._store.call(entry.id)

    def call(
        self,
        number: str,
        source: ActionSource = ActionSource.MANUAL,
        *,
        parent_id: int | None = None,
    ) -> HistoryEntry:
        """A call the operator asked for (typed, or back from the history).

        Raises `InvalidNumber` for undialable text. A call back from an entry that came from
        the CRM is reported under that entry's request id; anything else stays local.
        """
        phone = normalize(number)
        report_id = None
        if source is ActionSource.HISTORY and parent_id is not None:
            parent = self._store.call(parent_id)
            if parent.command_id is not None and parent.report_id is not None:
                report_id = parent.report_id
        entry = self._store.add_call(
            source=source,
            phone=phone,
            report_id=report_id,
            parent_id=parent_id,
            report_state=ReportState.PENDING if report_id else ReportState.LOCAL_ONLY,
        )
        assert entry is not None  # no command id: never a duplicate
        self._changed(entry)
        self._wake.set()
        return entry

    def confirm(self, call_id: int, *, from_notification: bool = True) -> HistoryEntry:
        """The operator says "call" for a command that waited for confirmation."""
        entry = self._store.call(call_id)
        if entry.phase is not CallPhase.AWAITING_CONFIRMATION:
            return entry
        source = ActionSource.NOTIFICATION if from_notification else ActionSource.CRM_UI
        entry = self._store.update_call(call_id, phase=CallPhase.RECEIVED, source=source)
        self._changed(entry)
        self._wake.set()
        return entry

    def dismiss(self, call_id: int) -> HistoryEntry:
        """The operator will not make this call: it is resolved as no_action now."""
        entry = self._store.call(call_id)
        if entry.phase in (CallPhase.RECEIVED, CallPhase.AWAITING_CONFIRMATION):
            self._finish(
                entry,
                outcome_unknown(Reason.DISMISSED, status=CallStatus.NO_ACTION),
            )
        return self._store.call(call_id)

    async def hang_up(self) -> Problem | None:
        """End the call in progress — placed now or resumed after a restart. None when done (or
        nothing to end), else why it could not be."""
        if self._active is None:
            return None
        try:
            return await self._phone.end_call()
        except PhoneUnavailable as err:
            return err.problem

    def wake(self) -> None:
        """Something changed outside (a phone attached, settings): look at the queue again."""
        self._wake.set()

    # -- the worker ------------------------------------------------------------------------

    async def run(self) -> None:
        """Resume what a previous run left open, then place calls one at a time, forever."""
        self._resume()
        try:
            while True:
                self._expire_waiting()
                entry = self._next_to_dial()
                if entry is None:
                    # Nothing to dial: every input wakes the worker, so an idle desk sleeps
                    # until one comes (or a waiting command is due to expire) and leaves the
                    # phone alone.
                    await self._sleep_or_wake(self._until_next_expiry())
                    continue
                if not await self._phone_is_free():
                    await self._sleep_or_wake(1.0)
                    continue
                await self._place(entry)
        finally:
            for task in list(self._resolving.values()):
                task.cancel()
            if self._resolving:
                await asyncio.gather(*self._resolving.values(), return_exceptions=True)

    def _resume(self) -> None:
        for entry in self._store.open_calls():
            if entry.phase.dial_may_have_happened:
                log.info(
                    "resuming call %d (%s): watching, never dialling again", entry.id, entry.phase
                )
                self._spawn_resolve(entry, resumed=True)

    def _next_to_dial(self) -> HistoryEntry | None:
        """The oldest call waiting to be dialled, unless a call may still be going on."""
        candidate = None
        for entry in self._store.open_calls():
            if entry.phase in (CallPhase.DIALLING, CallPhase.IN_CALL):
                return None  # a resumed call is still being watched: one call at a time
            if entry.phase is CallPhase.RECEIVED and candidate is None:
                candidate = entry
        return candidate

    def _until_next_expiry(self) -> float:
        """Seconds until the oldest command waiting for confirmation is given up (at most
        `IDLE_LOOK_S`: a look now and then costs nothing and guards against a missed wake-up)."""
        limit = self.settings.no_action_after_s
        now = self._clock()
        due = [entry.created_at.timestamp() + limit - now for entry in self.waiting()]
        return max(0.05, min([IDLE_LOOK_S, *due]))

    def _expire_waiting(self) -> None:
        limit = self.settings.no_action_after_s
        now = self._clock()
        for entry in self.waiting():
            if now - entry.created_at.timestamp() >= limit:
                self._finish(
                    entry,
                    outcome_unknown(
                        Reason.NOT_DIALLED_IN_TIME,
                        detail=f"{limit:.0f}",
                        status=CallStatus.NO_ACTION,
                    ),
                )

    async def _phone_is_free(self) -> bool:
        if self._phone.serial is None:
            return False
        try:
            return await self._phone.call_state() == IDLE
        except PhoneUnavailable:
            return False

    async def _sleep_or_wake(self, seconds: float) -> None:
        self._wake.clear()
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
        # arrives together with the wake-up, and the worker would never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    async def _place(self, entry: HistoryEntry) -> None:
        """Dial one call and watch it until the phone is idle again; then resolve it apart."""
        # Committed before `am start`: from here on this call is never dialled again.
        entry = self._store.update_call(
            entry.id,
            phase=CallPhase.DIALLING,
            dialled_at=from_epoch(self._clock()),
            dial_phone_ms=self._phone.phone_now_ms(),
            serial=self._phone.serial,
            attempts=entry.attempts + 1,
        )
        self._active = entry.id
        self._changed(entry)
        self._reporter.set_phone_busy(True)
        try:
            try:
                attempt = await self._phone.dial(entry.phone)
            except PhoneUnavailable as err:
                # Whether `am start` reached the phone is unknown: watch the log, never redial.
                log.warning("call %d: the phone went away while dialling: %s", entry.id, err)
                self._to_ended(entry, ended=False)
                return
            if not attempt.started:
                self._finish(
                    entry,
                    outcome_unknown(
                        attempt.reason or Reason.DIAL_NOT_STARTED,
                        detail=attempt.detail,
                        status=CallStatus.NO_ACTION,
                    ),
                )
                return
            fields: dict[str, Any] = {"phase": CallPhase.IN_CALL}
            if attempt.phone_ms is not None:
                fields["dial_phone_ms"] = attempt.phone_ms
            entry = self._store.update_call(entry.id, **fields)
            self._changed(entry)
            ended = await self._watch_until_idle(entry)
            self._to_ended(entry, ended=ended)
        finally:
            self._active = None
            self._reporter.set_phone_busy(False)
            self._wake.set()

    async def _watch_until_idle(self, entry: HistoryEntry, patience_s: float | None = None) -> bool:
        """Poll the call state until idle. False if the phone went away for longer than
        `patience_s` (default: the call-log wait)."""
        patience = self.settings.call_log_wait_s if patience_s is None else patience_s
        gone_since: float | None = None
        while True:
            try:
                state = await self._phone.call_state()
                gone_since = None
            except PhoneUnavailable:
                gone_since = gone_since or self._clock()
                if self._clock() - gone_since > patience:
                    log.warning("call %d: lost the phone during the call", entry.id)
                    return False
                state = None
            if state == IDLE:
                return True
            await asyncio.sleep(self._poll)

    def _to_ended(self, entry: HistoryEntry, *, ended: bool) -> None:
        fields: dict[str, Any] = {"phase": CallPhase.ENDED}
        if ended:
            fields["ended_at"] = from_epoch(self._clock())
        entry = self._store.update_call(entry.id, **fields)
        self._changed(entry)
        self._spawn_resolve(entry, resumed=False)

    # -- resolving -------------------------------------------------------------------------

    def _spawn_resolve(self, entry: HistoryEntry, *, resumed: bool) -> None:
        if entry.id in self._resolving:
            return
        task = asyncio.get_running_loop().create_task(
            self._resolve(entry, resumed=resumed), name=f"resolve-call-{entry.id}"
        )
        self._resolving[entry.id] = task
        task.add_done_callback(functools.partial(self._resolved_task_done, entry.id))

    def _resolved_task_done(self, call_id: int, _task: asyncio.Task[None]) -> None:
        self._resolving.pop(call_id, None)

    async def _resolve(self, entry: HistoryEntry, *, resumed: bool) -> None:
        method = ResolveMethod.RETRY if resumed else ResolveMethod.OBSERVER
        try:
            if entry.phase in (CallPhase.DIALLING, CallPhase.IN_CALL):
                # Resumed after a restart: the call may still be going on. It is the current
                # call (shown, and `hang_up` ends it) until the phone is idle again.
                entry = await self._watch_resumed(entry)
            outcome = await self._read_outcome(entry, method)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # a bug must not leave a call open forever
            log.exception("call %d: resolving failed", entry.id)
            outcome = outcome_unknown(Reason.INTERNAL_ERROR, detail=type(err).__name__)
        self._finish(self._store.call(entry.id), outcome)

    async def _watch_resumed(self, entry: HistoryEntry) -> HistoryEntry:
        self._active = entry.id
        self._reporter.set_phone_busy(True)
        try:
            # After a restart the phone may take a while to be probed again (or to be plugged
            # back in): the call stays current, and can be hung up, until it is seen idle.
            ended = await self._watch_until_idle(entry, patience_s=PHONE_BACK_WAIT_S)
        finally:
            if self._active == entry.id:
                self._active = None
                self._reporter.set_phone_busy(False)
                self._wake.set()
        entry = self._store.update_call(
            entry.id,
            phase=CallPhase.ENDED,
            ended_at=from_epoch(self._clock()) if ended else None,
        )
        self._changed(entry)
        return entry

    async def _read_outcome(self, entry: HistoryEntry, method: ResolveMethod) -> CallOutcome:
        offset = self._phone.clock_offset_ms
        dial_ms = entry.dial_phone_ms
        if dial_ms is None:
            base = entry.dialled_at or entry.created_at
            dial_ms = int(base.timestamp() * 1000) + offset
        ended_ms = None if entry.ended_at is None else int(entry.ended_at.timestamp() * 1000)
        if ended_ms is not None:
            ended_ms += offset
        started = self._clock()
        gone_since: float | None = None
        delays = iter(LOG_POLL_DELAYS)
        unknown = functools.partial(
            outcome_unknown,
            started_at=entry.dialled_at,
            ended_at=entry.ended_at,
            resolve_method=method,
        )
        while True:
            now_ms = int(self._clock() * 1000) + offset
            window = Window.for_call(dial_ms, ended_ms, now_ms=now_ms)
            try:
                rows = await self._phone.call_log_since(window.start_ms)
                gone_since = None
            except CallLogUnreadable as err:
                denied = err.problem.kind is ProblemKind.CALL_LOG_DENIED
                reason = Reason.MISSING_CALLLOG_PERMISSION if denied else Reason.CALLLOG_UNREADABLE
                return unknown(reason, detail=err.problem.detail)
            except PhoneUnavailable as err:
                gone_since = gone_since or self._clock()
                if self._clock() - gone_since > PHONE_BACK_WAIT_S:
                    return unknown(Reason.PHONE_UNREACHABLE, detail=err.problem.kind.value)
                await asyncio.sleep(2.0)
                continue
            # Read after the await: another call may have claimed a row meanwhile.
            claimed = self._store.claimed_log_ids(entry.serial)
            match = find_match(
                rows, number=entry.phone, window=window, claimed=claimed, dial_ms=dial_ms
            )
            if match is not None:
                outcome = outcome_from_row(
                    match, clock_offset_ms=offset, ended_at=entry.ended_at, resolve_method=method
                )
                return await self._told_apart(outcome, match.row.date_ms, ended_ms)
            waited = self._clock() - started
            if waited >= self.settings.call_log_wait_s:
                return unknown(Reason.NO_CALLLOG_ROW, detail=f"{self.settings.call_log_wait_s:.0f}")
            if waited < LOG_POLL_FAST_FOR_S:
                await asyncio.sleep(LOG_POLL_FAST_S)
            else:
                await asyncio.sleep(next(delays, LOG_POLL_DELAYS[-1]))

    async def _told_apart(
        self, outcome: CallOutcome, dial_ms: int, ended_ms: int | None
    ) -> CallOutcome:
        """A call that never connected: busy, rejected or unanswered, if telecom can say."""
        if outcome.status is not CallStatus.NO_ANSWER:
            return outcome
        try:
            cause = await self._phone.disconnect_cause(dial_ms, ended_ms)
        except PhoneUnavailable:
            cause = None
        if cause is None:
            return outcome  # the call log's answer, and its reason: it cannot tell them apart
        return outcome_with_cause(outcome, cause.code, cause.raw)

    def _finish(self, entry: HistoryEntry, outcome: CallOutcome) -> None:
        """Write the final history and (if the CRM should hear of it) the report, atomically."""
        fields: dict[str, Any] = {
            "phase": CallPhase.RESOLVED,
            "status": outcome.status,
            "direction": outcome.direction,
            "started_at": outcome.started_at,
            "ended_at": outcome.ended_at or entry.ended_at,
            "duration_s": outcome.duration_s,
            "resolve_method": outcome.resolve_method,
            "reason": outcome.reason,
            "reason_detail": outcome.reason_detail,
            "disconnect_cause": outcome.disconnect_cause,
        }
        if outcome.call_log_id is not None:
            fields["call_log_id"] = outcome.call_log_id
        report = None
        if entry.report_id is not None and entry.report_state is not ReportState.LOCAL_ONLY:
            report = self._report(entry, outcome).wire()
        resolved = self._store.resolve_and_enqueue(entry.id, fields, report)
        log.info(
            "call %d resolved: %s%s",
            entry.id,
            outcome.status,
            f" ({outcome.reason})" if outcome.reason else "",
        )
        self._changed(resolved)
        if report is not None:
            self._reporter.outbox_changed()

    @staticmethod
    def _report(entry: HistoryEntry, outcome: CallOutcome) -> CallReport:
        assert entry.report_id is not None
        unknown = outcome.status in (CallStatus.UNKNOWN, CallStatus.NO_ACTION)
        return CallReport(
            call_request_id=entry.report_id,
            call_status=outcome.status,
            call_started_at=outcome.started_at,
            call_duration_seconds=outcome.duration_s,
            call_ended_at=outcome.ended_at,
            direction=outcome.direction,
            resolve_method=outcome.resolve_method,
            resolve_reason=None if unknown else outcome.reason,
            reason_if_unknown=outcome.reason if unknown else None,
            attempts_count=entry.attempts,
            action_source=entry.source,
        )

    def _changed(self, entry: HistoryEntry) -> None:
        try:
            self._on_change(entry)
        except Exception:
            log.exception("a listener failed on a call change")

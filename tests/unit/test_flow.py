"""flow.CallFlow: one call's life, with an in-memory phone behind the flow's Phone protocol.

The end-to-end proofs (real adb server, simulated phone and CRM) live in tests/integration;
these pin down the state machine's rules quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from softphone.config import Settings
from softphone.flow import CallFlow, CallLogUnreadable, Cause, DialAttempt, PhoneUnavailable
from softphone.model import (
    ActionSource,
    CallCommand,
    CallLogRow,
    CallLogType,
    CallPhase,
    CallStatus,
    HistoryEntry,
    ReportState,
    ResolveMethod,
)
from softphone.problems import Problem, ProblemKind, Reason
from softphone.store import Store

NO_PHONE = Problem(ProblemKind.PHONE_NONE)


class FakePhone:
    """Calls last `talk_s` (duration>0 if answered); the log row appears `log_delay` later."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.serial: str | None = "fake-1"
        self.clock_offset_ms = 0
        self.state = 0
        self.log: list[CallLogRow] = []
        self.dialled: list[str] = []
        self.phases_at_dial: list[CallPhase] = []
        self.answer = True
        self.talk_s = 0.05
        self.log_delay = 0.05
        self.refuse: str | None = None
        self.log_denied = False
        self.cause: Cause | None = None
        self.hung_up = 0
        self.write_log = True
        self.max_concurrent = 0
        #: How far the phone's clock really is from ours (its offset as known is
        #: `clock_offset_ms`, measured when it was attached): a phone's clock can be moved.
        self.true_offset_ms = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def phone_now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms

    async def dial(self, number: str) -> DialAttempt:
        self.phases_at_dial.append(
            self.store.open_calls()[0].phase if self.store.open_calls() else CallPhase.RESOLVED
        )
        self.dialled.append(number)
        if self.serial is None:
            raise PhoneUnavailable(NO_PHONE)
        if self.refuse:
            return DialAttempt(False, Reason.DIAL_NOT_STARTED, self.refuse)
        self.max_concurrent = max(self.max_concurrent, 1 + (self.state != 0))
        self.state = 2
        created = int(time.time() * 1000) + self.true_offset_ms
        task = asyncio.get_running_loop().create_task(self._call(number, created))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.clock_offset_ms = self.true_offset_ms  # read with the dial, as the bridge does
        return DialAttempt(True, phone_ms=created)

    async def _call(self, number: str, created: int) -> None:
        await asyncio.sleep(self.talk_s)
        self.state = 0
        await asyncio.sleep(self.log_delay)
        if self.write_log:
            self.log.append(
                CallLogRow(
                    id=len(self.log) + 1,
                    number=number,
                    date_ms=created,
                    duration_s=3 if self.answer else 0,
                    type=CallLogType.OUTGOING,
                )
            )

    async def call_state(self) -> int:
        if self.serial is None:
            raise PhoneUnavailable(NO_PHONE)
        return self.state

    async def end_call(self) -> Problem | None:
        self.state = 0
        self.hung_up += 1
        return None

    async def call_log_since(self, since_ms: int) -> list[CallLogRow]:
        if self.log_denied:
            raise CallLogUnreadable(
                Problem(ProblemKind.CALL_LOG_DENIED, "Permission Denial: requires READ_CALL_LOG")
            )
        return [r for r in self.log if r.date_ms >= since_ms]

    async def disconnect_cause(self, dial_ms: int, end_ms: int | None) -> Cause | None:
        return self.cause


class Reporter:
    def __init__(self) -> None:
        self.busy: list[bool] = []
        self.kicks = 0

    def outbox_changed(self) -> None:
        self.kicks += 1

    def set_phone_busy(self, busy: bool) -> None:
        self.busy.append(busy)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "flow.db")


@pytest.fixture
def phone(store: Store) -> FakePhone:
    return FakePhone(store)


@pytest.fixture
def reporter() -> Reporter:
    return Reporter()


def make_flow(
    store: Store, phone: FakePhone, reporter: Reporter, **settings: object
) -> tuple[CallFlow, list[HistoryEntry]]:
    changes: list[HistoryEntry] = []
    merged = {"call_log_wait_s": 1.0, **settings}
    flow = CallFlow(
        store,
        phone,
        reporter,
        Settings(**merged),  # type: ignore[arg-type]
        on_change=changes.append,
        poll_interval=0.01,
    )
    return flow, changes


@contextlib.asynccontextmanager
async def started(flow: CallFlow) -> AsyncIterator[CallFlow]:
    """The flow's worker running for the duration of the block, cancelled cleanly after."""
    task = asyncio.create_task(flow.run())
    try:
        yield flow
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def resolved(store: Store, call_id: int, timeout: float = 5.0) -> HistoryEntry:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = store.call(call_id)
        if entry.phase is CallPhase.RESOLVED:
            return entry
        await asyncio.sleep(0.01)
    raise AssertionError(f"call {call_id} not resolved: {store.call(call_id)}")


def cmd(id_: str, phone: str = "8 (912) 345-67-89") -> CallCommand:
    return CallCommand(id=id_, phone=phone)


async def run_one(flow: CallFlow, store: Store, command: CallCommand) -> HistoryEntry:
    """Hand the running flow a new command and wait for its call to be resolved."""
    entry = await flow.receive(command)
    assert entry is not None, f"command {command.id} was ignored"
    return await resolved(store, entry.id)


async def test_answered_command_is_dialled_once_and_reported_connected(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, changes = make_flow(store, phone, reporter)
    async with started(flow):
        done = await run_one(flow, store, cmd("c1"))
        assert phone.dialled == ["+79123456789"]
        assert phone.phases_at_dial == [CallPhase.DIALLING]  # committed before `am start`
        assert done.status is CallStatus.CONNECTED and done.duration_s == 3
        assert done.call_log_id == 1 and done.report_state is ReportState.QUEUED
        [item] = store.due()
        assert item.body["call_request_id"] == "c1"
        assert item.body["call_status"] == "connected"
        assert item.body["action_source"] == "crm_ui"
        assert item.body["resolve_method"] == "observer"
        assert reporter.busy[:2] == [True, False] and reporter.kicks == 1
        phases = [c.phase for c in changes if c.id == done.id]
        assert phases[:4] == [
            CallPhase.RECEIVED,
            CallPhase.DIALLING,
            CallPhase.IN_CALL,
            CallPhase.ENDED,
        ]
        assert phases[-1] is CallPhase.RESOLVED


async def test_a_call_is_dated_by_the_phones_clock_read_at_the_dial(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    # The phone's clock was set five minutes ahead since it was attached: the row it writes is
    # dated in its new time, far outside a window placed by the old offset.
    phone.true_offset_ms = 5 * 60_000
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        done = await run_one(flow, store, cmd("c1"))
        assert done.status is CallStatus.CONNECTED and done.duration_s == 3
        assert done.dial_phone_ms == phone.log[0].date_ms


async def test_a_repeated_command_id_is_ignored(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        first = await flow.receive(cmd("c1"))
        assert first is not None
        assert await flow.receive(cmd("c1")) is None
        await resolved(store, first.id)
        await asyncio.sleep(0.1)
        assert phone.dialled == ["+79123456789"]


async def test_two_commands_are_dialled_one_after_the_other(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        phone.talk_s = 0.2
        a = await flow.receive(cmd("a", "+79990000001"))
        b = await flow.receive(cmd("b", "+79990000002"))
        assert a is not None and b is not None
        first, second = await resolved(store, a.id), await resolved(store, b.id)
        assert phone.dialled == ["+79990000001", "+79990000002"]
        assert phone.max_concurrent == 1
        assert first.dialled_at is not None and second.dialled_at is not None
        assert second.dialled_at >= first.dialled_at
        assert first.status is second.status is CallStatus.CONNECTED


async def test_an_undialable_number_is_never_dialled_and_reported_with_its_reason(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        entry = await flow.receive(cmd("bad", "+7912; reboot"))
        assert entry is not None and entry.phase is CallPhase.RESOLVED
        assert entry.status is CallStatus.NO_ACTION and entry.reason == Reason.INVALID_NUMBER
        assert entry.reason_detail == "bad_character"
        assert phone.dialled == []
        [item] = store.due()
        assert item.body["call_status"] == "no_action"
        assert item.body["reason_if_unknown"] == "invalid_number"


async def test_a_command_without_a_phone_is_resolved_at_once(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        entry = await flow.receive(CallCommand(id="empty", phone=""))
        assert entry is not None and entry.status is CallStatus.NO_ACTION
        assert entry.reason == Reason.EMPTY_COMMAND


async def test_not_answered_is_no_answer_with_the_logs_limits(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        phone.answer = False
        done = await run_one(flow, store, cmd("c1"))
        assert done.status is CallStatus.NO_ANSWER
        assert done.reason == Reason.NOT_CONNECTED and done.disconnect_cause is None


async def test_a_dial_that_never_starts_is_resolved_with_its_reason(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        phone.refuse = "call state stayed idle (emergency-like number or SIM chooser)"
        done = await run_one(flow, store, cmd("c1"))
        assert done.status is CallStatus.NO_ACTION
        assert done.reason == Reason.DIAL_NOT_STARTED and "stayed idle" in (
            done.reason_detail or ""
        )
        assert phone.dialled == ["+79123456789"]


async def test_an_unreadable_call_log_gives_unknown_with_the_reason(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        phone.log_denied = True
        done = await run_one(flow, store, cmd("c1"))
        assert done.status is CallStatus.UNKNOWN
        assert done.reason == Reason.MISSING_CALLLOG_PERMISSION
        assert "READ_CALL_LOG" in (done.reason_detail or "")
        [item] = store.due()
        assert item.body["reason_if_unknown"] == "missing_calllog_permission"  # the seed's code


async def test_no_row_after_the_wait_gives_unknown(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        phone.write_log = False
        done = await run_one(flow, store, cmd("c1"))
        assert done.status is CallStatus.UNKNOWN
        assert done.reason == Reason.NO_CALLLOG_ROW


async def test_auto_dial_off_waits_for_confirmation_from_the_notification(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter, auto_dial=False)
    task = asyncio.create_task(flow.run())
    try:
        entry = await flow.receive(cmd("c1"))
        assert entry is not None and entry.phase is CallPhase.AWAITING_CONFIRMATION
        await asyncio.sleep(0.1)
        assert phone.dialled == []
        assert [w.id for w in flow.waiting()] == [entry.id]
        flow.confirm(entry.id, from_notification=True)
        done = await resolved(store, entry.id)
        assert done.source is ActionSource.NOTIFICATION
        assert store.due()[0].body["action_source"] == "notification"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_dismissed_command_is_no_action(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter, auto_dial=False)
    entry = await flow.receive(cmd("c1"))
    assert entry is not None
    done = flow.dismiss(entry.id)
    assert done.status is CallStatus.NO_ACTION and done.reason == Reason.DISMISSED


async def test_a_command_never_dialled_becomes_no_action_after_the_limit(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    phone.serial = None  # no phone attached
    now = [time.time()]
    flow, _ = make_flow(store, phone, reporter)
    flow._clock = lambda: now[0]
    entry = await flow.receive(cmd("c1"))
    assert entry is not None
    now[0] += 601
    async with started(flow):
        done = await resolved(store, entry.id)
    assert done.status is CallStatus.NO_ACTION and done.reason == Reason.NOT_DIALLED_IN_TIME
    assert done.reason_detail == "600"
    assert phone.dialled == []


async def test_a_call_in_progress_on_the_phone_is_never_dialled_over(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        phone.state = 2  # the operator is on a call made by hand
        entry = await flow.receive(cmd("c1"))
        assert entry is not None
        await asyncio.sleep(0.3)
        assert phone.dialled == []
        phone.state = 0
        flow.wake()
        await resolved(store, entry.id)
        assert phone.dialled == ["+79123456789"]


async def test_a_call_that_was_being_dialled_is_resumed_never_dialled_again(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    # A previous run committed DIALLING and died right after `am start`.
    entry = store.add_call(
        source=ActionSource.CRM_UI,
        phone="+79123456789",
        command_id="c1",
        report_id="c1",
        report_state=ReportState.PENDING,
        serial="fake-1",
    )
    assert entry is not None
    dial_ms = phone.phone_now_ms()
    store.update_call(entry.id, phase=CallPhase.DIALLING, dial_phone_ms=dial_ms, attempts=1)
    phone.log.append(
        CallLogRow(
            id=9,
            number="+79123456789",
            date_ms=dial_ms + 200,
            duration_s=17,
            type=CallLogType.OUTGOING,
        )
    )
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        done = await resolved(store, entry.id)
    assert phone.dialled == []
    assert done.status is CallStatus.CONNECTED and done.duration_s == 17
    assert done.resolve_method is ResolveMethod.RETRY
    assert store.due()[0].body["attempts_count"] == 1


async def test_manual_calls_stay_local_and_call_backs_report_under_the_crm_id(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        manual = flow.call("+7 912 000 00 01")
        done_manual = await resolved(store, manual.id)
        assert done_manual.source is ActionSource.MANUAL
        assert done_manual.report_state is ReportState.LOCAL_ONLY
        assert store.due() == []

        crm = await flow.receive(cmd("req-1", "+79120000002"))
        assert crm is not None
        await resolved(store, crm.id)
        store.delivered(store.due()[0].id)
        back = flow.call("+79120000002", ActionSource.HISTORY, parent_id=crm.id)
        done_back = await resolved(store, back.id)
        assert done_back.parent_id == crm.id and done_back.id != crm.id
        [item] = store.due()
        assert item.body["call_request_id"] == "req-1"
        assert item.body["action_source"] == "history"
        back_of_manual = flow.call("+79120000001", ActionSource.HISTORY, parent_id=manual.id)
        assert back_of_manual.report_state is ReportState.LOCAL_ONLY


async def test_a_row_is_claimed_by_one_call_only(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        a = await flow.receive(cmd("a"))
        assert a is not None
        done_a = await resolved(store, a.id)
        phone.write_log = False  # the second call leaves no row of its own
        b = await flow.receive(cmd("b"))
        assert b is not None
        done_b = await resolved(store, b.id)
        assert done_a.call_log_id == 1
        assert done_b.call_log_id is None and done_b.status is CallStatus.UNKNOWN


async def test_a_busy_callee_is_busy_when_telecom_says_so(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        phone.answer = False
        phone.cause = Cause("BUSY", "DisconnectCause [ Code: (BUSY) Reason: (BUSY) ]")
        done = await run_one(flow, store, cmd("c1"))
        assert done.status is CallStatus.BUSY and done.reason == Reason.TELECOM_BUSY
        assert done.disconnect_cause == phone.cause.raw
        [item] = store.due()
        assert item.body["call_status"] == "busy"


async def test_a_resumed_call_is_the_current_call_until_it_ends_and_hang_up_ends_it(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    # A previous run dialled and died; the phone is still on that call.
    entry = store.add_call(
        source=ActionSource.CRM_UI,
        phone="+79123456789",
        command_id="c1",
        report_id="c1",
        report_state=ReportState.PENDING,
        serial="fake-1",
    )
    assert entry is not None
    store.update_call(entry.id, phase=CallPhase.IN_CALL, dial_phone_ms=phone.phone_now_ms())
    phone.state = 2
    flow, _ = make_flow(store, phone, reporter)
    async with started(flow):
        deadline = time.monotonic() + 5
        while flow.active_call is None:
            assert time.monotonic() < deadline, "the resumed call never became current"
            await asyncio.sleep(0.01)
        assert flow.active_call.id == entry.id
        assert reporter.busy[-1] is True  # no pulls while the phone is on that call
        assert await flow.hang_up() is None
        done = await resolved(store, entry.id)
    assert phone.hung_up == 1 and phone.dialled == []
    assert flow.active_call is None and done.phase is CallPhase.RESOLVED
    assert reporter.busy[-1] is False


async def test_a_resumed_call_waits_for_a_phone_that_comes_back_late(
    store: Store, phone: FakePhone, reporter: Reporter
) -> None:
    # After a restart the phone is probed again (or plugged back in) only after a while: the
    # resumed call must stay the current call — hang-up-able — rather than be given up.
    entry = store.add_call(
        source=ActionSource.CRM_UI,
        phone="+79123456789",
        command_id="c1",
        report_id="c1",
        report_state=ReportState.PENDING,
        serial="fake-1",
    )
    assert entry is not None
    store.update_call(entry.id, phase=CallPhase.IN_CALL, dial_phone_ms=phone.phone_now_ms())
    phone.serial = None  # not there yet
    phone.state = 2
    flow, _ = make_flow(store, phone, reporter)  # call_log_wait_s = 1 s
    async with started(flow):
        while flow.active_call is None:
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.5)  # longer than the call-log wait
        assert flow.active_call is not None and flow.active_call.id == entry.id
        phone.serial = "fake-1"  # the phone is back, still on the call
        assert await flow.hang_up() is None
        done = await resolved(store, entry.id)
    assert phone.hung_up == 1 and done.phase is CallPhase.RESOLVED

"""The history's and the dial bar's screens for `python -m softphone.ui.screenshots`: the full
history, a search with a filter, a call's details, an export in progress.

The desk's history is given half a year of work first (about 5 000 calls, written through
`softphone.store.Store` on the desk's database, as the benchmark does): a window with only the
three calls the earlier scenes made shows nothing of what an operator sees after a month.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtWidgets import QWidget

from softphone.model import ActionSource, CallPhase, CallStatus, Direction, ReportState
from softphone.problems import Reason
from softphone.store import OutboxKind, Store
from softphone.ui.export import CHUNK
from softphone.ui.historyview import HistoryPane
from softphone.ui.today import TodayFigures

if TYPE_CHECKING:
    from softphone.ui.screenshots import Scene, Stage

_NOTES = (
    "Иванов, заказ 1834",
    "ООО «Север», счёт 2291",
    "Перезвонить после обеда",
    "Петрова, доставка",
    None,
    None,
    None,
)
_OUTCOMES: tuple[tuple[float, CallStatus, str | None, str | None], ...] = (
    (0.55, CallStatus.CONNECTED, None, "REMOTE"),
    (0.22, CallStatus.NO_ANSWER, Reason.TELECOM_NO_ANSWER.value, "LOCAL"),
    (0.09, CallStatus.BUSY, Reason.TELECOM_BUSY.value, "BUSY"),
    (0.08, CallStatus.REJECTED, Reason.TELECOM_REJECTED.value, "REJECTED"),
    (0.04, CallStatus.UNKNOWN, Reason.NO_CALLLOG_ROW.value, None),
    (0.02, CallStatus.NO_ACTION, Reason.DISMISSED.value, None),
)
_SOURCES = (
    (0.72, ActionSource.CRM_UI),
    (0.10, ActionSource.MANUAL),
    (0.10, ActionSource.HISTORY),
    (0.08, ActionSource.NOTIFICATION),
)


_Row = TypeVar("_Row", bound=tuple[Any, ...])


def _draw(rng: random.Random, table: tuple[_Row, ...]) -> _Row:
    pick = rng.random()
    for row in table:
        if pick < row[0]:
            return row
        pick -= row[0]
    return table[0]


def _moments(now: dt.datetime, rng: random.Random, count: int) -> list[float]:
    """Working-hours moments over the half year before today, then today's until now."""
    moments = []
    for _ in range(count):
        day = now.date() - dt.timedelta(days=rng.randrange(1, 180))
        if day.weekday() >= 5:
            day -= dt.timedelta(days=2)
        start = dt.datetime.combine(day, dt.time(9))
        moments.append((start + dt.timedelta(seconds=rng.randrange(10 * 3600))).timestamp())
    first_today = max(
        dt.datetime.combine(now.date(), dt.time(9)), now - dt.timedelta(hours=3)
    ).timestamp()
    moment = now.timestamp() - 400
    while moment > first_today:
        moments.append(moment)
        moment -= rng.uniform(240, 900)
    return sorted(moments)


def seed_history(database: Path, count: int = 5000, seed: int = 11) -> None:
    """Half a year of a desk's calls, with call backs linked to the calls they came from, one
    report the CRM refused and one waiting for its next try."""
    rng = random.Random(seed)
    now = dt.datetime.now()
    clock = [0.0]
    store = Store.open(database, clock=lambda: clock[0])
    customers = [f"+79{rng.randrange(10**9):09d}" for _ in range(400)]
    unanswered: dict[str, tuple[int, str]] = {}
    log_row = 20_000
    try:
        with store.transaction():
            for moment in _moments(now, rng, count):
                clock[0] = moment
                phone = rng.choice(customers)
                _, source = _draw(rng, _SOURCES)
                parent = unanswered.pop(phone, None) if source is ActionSource.HISTORY else None
                if source is ActionSource.HISTORY and parent is None:
                    source = ActionSource.MANUAL
                crm = source in (ActionSource.CRM_UI, ActionSource.NOTIFICATION)
                command = f"{rng.getrandbits(64):016x}" if crm else None
                report = command or (parent[1] if parent else None)
                entry = store.add_call(
                    source=source,
                    phone=phone,
                    command_id=command,
                    report_id=report,
                    parent_id=parent[0] if parent else None,
                    note=rng.choice(_NOTES) if crm else None,
                    extra={"company_id": str(rng.randrange(100, 9000))} if crm else None,
                    report_state=ReportState.SENT if report else ReportState.LOCAL_ONLY,
                    serial="R58N12ABCDE",
                )
                assert entry is not None
                _, status, reason, cause = _draw(rng, _OUTCOMES)
                connected = status is CallStatus.CONNECTED
                logged = status not in (CallStatus.UNKNOWN, CallStatus.NO_ACTION)
                log_row += 1
                talk = rng.randrange(15, 420) if connected else 0
                started = dt.datetime.fromtimestamp(moment + 3, dt.UTC)
                store.update_call(
                    entry.id,
                    phase=CallPhase.RESOLVED,
                    status=status,
                    direction=Direction.OUTGOING,
                    dialled_at=dt.datetime.fromtimestamp(moment + 1, dt.UTC),
                    started_at=started if logged else None,
                    ended_at=started + dt.timedelta(seconds=talk + 20) if logged else None,
                    duration_s=talk,
                    resolve_method="observer" if logged else "unknown",
                    reason=reason,
                    reason_detail="15" if status is CallStatus.UNKNOWN else None,
                    disconnect_cause=(
                        f"DisconnectCause [ Code: ({cause}) Reason: ({cause}) ]" if cause else None
                    ),
                    call_log_id=log_row if logged else None,
                    dial_phone_ms=int(moment * 1000) + 1000,
                    attempts=1 if status is not CallStatus.NO_ACTION else 0,
                    wire_status=status if report else None,
                )
                if command and status in (CallStatus.NO_ANSWER, CallStatus.BUSY):
                    unanswered[phone] = (entry.id, command)
            _report_states(store, clock, now)
    finally:
        store.close()


def _report_states(store: Store, clock: list[float], now: dt.datetime) -> None:
    """Today's two newest CRM calls: one report refused for good, one waiting to be tried."""
    newest = [
        e
        for e in store.history(limit=40)
        if e.command_id and e.report_state is ReportState.SENT and e.phase is CallPhase.RESOLVED
    ]
    if len(newest) < 4:
        return
    clock[0] = now.timestamp()
    refused, waiting = newest[1], newest[3]
    body = {"call_request_id": refused.command_id, "call_status": "no_answer"}
    item = store.enqueue(OutboxKind.RESULT, body, call_id=refused.id)
    store.to_dead(item, "HTTP 404: CallRequest not found or access denied")
    body = {"call_request_id": waiting.command_id, "call_status": "connected"}
    item = store.enqueue(OutboxKind.RESULT, body, call_id=waiting.id, not_before=clock[0] + 40)
    store.retry_later(item, clock[0] + 40, "HTTP 503: Service Unavailable")


def _pane(stage: Stage) -> HistoryPane:
    pane = stage.window.findChild(HistoryPane, "historyPane")
    assert pane is not None
    return pane


async def _full(stage: Stage) -> QWidget:
    seed_history(stage.engine.paths.database)
    pane = _pane(stage)
    pane.clear()
    today = stage.window.findChild(TodayFigures, "todayFigures")
    if today is not None:
        today.refresh()
    await stage.until("the history", lambda: pane.model.rowCount() >= 100)
    pane.table.setFocus()
    pane.table.setCurrentIndex(pane.model.index(2, 0))
    return stage.window


async def _filtered(stage: Stage) -> QWidget:
    """Calls to one operator's numbers, searched as a person types it ("(947)"), and only
    those that did not get through."""
    pane = _pane(stage)
    counts: dict[str, int] = {}
    for row in range(pane.model.rowCount()):
        phone = pane.model.entry(row).phone
        counts[phone] = counts.get(phone, 0) + 1
    phone = max(counts, key=lambda p: counts[p])
    typed = f"({phone[2:5]})"
    pane.outcome.setCurrentIndex(pane.outcome.findData("not_connected"))
    pane.search.setText(typed)
    await stage.until("a search", lambda: pane.model.filters.number_part == typed)
    return stage.window


async def _unfiltered(stage: Stage) -> None:
    _pane(stage).clear()


async def _details(stage: Stage) -> QWidget:
    pane = _pane(stage)
    parent = next(
        (
            pane.model.entry(row)
            for row in range(pane.model.rowCount())
            if pane.model.entry(row).source is ActionSource.HISTORY
            and pane.model.entry(row).parent_id is not None
        ),
        None,
    )
    target = parent.parent_id if parent is not None else pane.model.entry(0).id
    assert target is not None
    dialog = pane.show_details(target)
    dialog.resize(560, 640)
    await stage.until("the details", lambda: dialog.isVisible())
    return dialog


class _HeldWrites(Executor):
    """Writes the export's first chunks, then holds the rest until released: an export
    caught in the middle, for its picture."""

    def __init__(self, let_through: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._left = let_through
        self.release = threading.Event()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._left -= 1
        held = self._left < 0

        def job() -> Any:
            if held:
                self.release.wait(60)
            return fn(*args, **kwargs)

        return self._pool.submit(job)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait, cancel_futures=cancel_futures)


_held: list[tuple[_HeldWrites, Path, Executor | None]] = []


async def _exporting(stage: Stage) -> QWidget:
    pane = _pane(stage)
    chunks = 4
    gate = _HeldWrites(let_through=2 + chunks)  # the file opened, its header, four chunks
    folder = Path(tempfile.mkdtemp(prefix="softphone-export-"))
    _held.append((gate, folder, pane.executor))
    pane.executor = gate
    export = pane.export_to(folder / "calls.csv")
    await stage.until("part of an export", lambda: export.done >= chunks * CHUNK)
    return stage.window


async def _export_done(stage: Stage) -> None:
    pane = _pane(stage)
    gate, folder, executor = _held.pop()
    export = pane.export
    gate.release.set()
    if export is not None:
        await stage.until("the export's end", lambda: not export.running, 60)
    pane.executor = executor
    gate.shutdown()
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    for item in stage.engine.dead_letters():  # the refused report was for the pictures only
        await stage.engine.discard_dead(item.id)
    await asyncio.sleep(0)


def _scenes() -> list[Scene]:
    from softphone.ui.screenshots import Scene  # the script imports this module, not before

    return [
        Scene("history", _full),
        Scene("history-filtered", _filtered, _unfiltered),
        Scene("history-details", _details),
        Scene("history-export", _exporting, _export_done),
    ]


SCENES: list[Scene] = _scenes()

"""store.Store: calls, history queries, the outbox and its dead letters, migrations."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import sqlite3
from pathlib import Path

import pytest

from softphone.model import ActionSource, CallPhase, CallStatus, Direction, ReportState
from softphone.store import (
    MIGRATIONS,
    NOT_CONNECTED,
    HistoryFilter,
    OutboxKind,
    OutboxState,
    Store,
    StoreError,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Store:
    db = Store.open(tmp_path / "s.db", clock=clock)
    yield db
    db.close()


def test_opening_creates_the_schema_in_wal_with_full_sync(tmp_path: Path) -> None:
    db = Store.open(tmp_path / "new" / "s.db")
    assert db.schema_version == len(MIGRATIONS)
    conn = db._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    db.close()


def test_a_database_from_a_newer_softphone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer Softphone"):
        Store.open(path)


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    db = Store.open(tmp_path / "s.db")
    db.set_value("device_id", "abc")
    db.close()
    again = Store.open(tmp_path / "s.db")
    assert again.get_value("device_id") == "abc"
    assert again.schema_version == len(MIGRATIONS)
    again.close()


def test_key_values(store: Store) -> None:
    assert store.get_value("missing") is None
    assert store.get_value("missing", "d") == "d"
    store.set_value("k", "1")
    store.set_value("k", "2")
    assert store.get_value("k") == "2"
    store.delete_value("k")
    assert store.get_value("k") is None


def test_a_repeated_command_id_is_ignored(store: Store) -> None:
    first = store.add_call(
        source=ActionSource.CRM_UI,
        phone="+79123456789",
        command_id="c1",
        report_id="c1",
        report_state=ReportState.PENDING,
    )
    assert first is not None and first.phase is CallPhase.RECEIVED
    assert store.add_call(source=ActionSource.CRM_UI, phone="+70000000000", command_id="c1") is None
    assert store.command_known("c1")
    assert store.call(first.id).phone == "+79123456789"


def test_update_call_changes_only_the_named_fields(store: Store, clock: Clock) -> None:
    entry = store.add_call(source=ActionSource.MANUAL, phone="+79123456789")
    assert entry is not None
    clock.now += 5
    updated = store.update_call(
        entry.id,
        phase=CallPhase.DIALLING,
        dial_phone_ms=123,
        dialled_at=entry.created_at,
        extra={"k": "v"},
    )
    assert updated.phase is CallPhase.DIALLING
    assert updated.dial_phone_ms == 123
    assert updated.extra == {"k": "v"}
    assert updated.source is ActionSource.MANUAL
    with pytest.raises(TypeError):
        store.update_call(entry.id, no_such_field=1)
    with pytest.raises(KeyError):
        store.update_call(9999, phase=CallPhase.ENDED)


def test_open_calls_are_oldest_first_and_exclude_resolved(store: Store, clock: Clock) -> None:
    ids = []
    for n in range(3):
        clock.now += 1
        entry = store.add_call(
            source=ActionSource.CRM_UI, phone=f"+7912345678{n}", command_id=f"c{n}"
        )
        assert entry is not None
        ids.append(entry.id)
    store.update_call(ids[1], phase=CallPhase.RESOLVED)
    assert [c.id for c in store.open_calls()] == [ids[0], ids[2]]


def test_history_filters_and_pages(store: Store, clock: Clock) -> None:
    for n in range(30):
        clock.now += 1
        entry = store.add_call(
            source=ActionSource.CRM_UI if n % 2 else ActionSource.MANUAL, phone=f"+7912000{n:04d}"
        )
        assert entry is not None
        store.update_call(
            entry.id,
            phase=CallPhase.RESOLVED,
            status=CallStatus.CONNECTED if n % 3 == 0 else CallStatus.NO_ANSWER,
            direction=Direction.OUTGOING,
        )
    page1 = store.history(limit=10)
    assert len(page1) == 10 and page1[0].phone == "+79120000029"
    last = page1[-1]
    page2 = store.history(limit=10, before=(last.created_at.timestamp(), last.id))
    assert page2[0].phone == "+79120000019"
    assert store.count_history(HistoryFilter(source=ActionSource.MANUAL)) == 15
    assert store.count_history(HistoryFilter(statuses=frozenset({CallStatus.CONNECTED}))) == 10
    not_connected = HistoryFilter(statuses=NOT_CONNECTED, source=ActionSource.CRM_UI)
    assert store.count_history(not_connected) == 10
    # any part of the number, in any notation
    found = store.history(HistoryFilter(number_part="(912) 000-00-2"))
    assert {e.phone for e in found} >= {"+79120000020", "+79120000029"}
    assert store.count_history(HistoryFilter(number_part="0017")) == 1
    assert store.count_history(HistoryFilter(number_part="%_")) == 30  # no digits: no filter


def test_pages_walk_calls_made_in_the_same_instant_once_each(store: Store, clock: Clock) -> None:
    """The cursor is (created_at, id): calls with one timestamp are split by id, none twice."""
    ids = []
    for n in range(7):
        if n % 3 == 0:
            clock.now += 1  # three calls share each moment
        entry = store.add_call(source=ActionSource.MANUAL, phone=f"+7912000{n:04d}")
        assert entry is not None
        ids.append(entry.id)
    seen: list[int] = []
    before = None
    while page := store.history(limit=2, before=before):
        seen += [e.id for e in page]
        before = (page[-1].created_at.timestamp(), page[-1].id)
    assert seen == sorted(ids, reverse=True)


FILTERS = [
    HistoryFilter(),
    HistoryFilter(number_part="00 1"),
    HistoryFilter(number_part="+7 (912)"),
    HistoryFilter(statuses=NOT_CONNECTED),
    HistoryFilter(statuses=frozenset({CallStatus.CONNECTED}), source=ActionSource.MANUAL),
    HistoryFilter(direction=Direction.OUTGOING, open_only=True),
    HistoryFilter(since=1_700_000_005.0, until=1_700_000_020.0),
]


@pytest.mark.parametrize("filters", FILTERS)
def test_a_filter_matches_exactly_the_entries_its_query_returns(
    store: Store, clock: Clock, filters: HistoryFilter
) -> None:
    statuses = [CallStatus.CONNECTED, CallStatus.NO_ANSWER, CallStatus.BUSY, None]
    for n in range(30):
        clock.now += 1
        entry = store.add_call(
            source=[ActionSource.CRM_UI, ActionSource.MANUAL, ActionSource.HISTORY][n % 3],
            phone=f"+7912000{n:04d}",
        )
        assert entry is not None
        status = statuses[n % 4]
        store.update_call(
            entry.id,
            phase=CallPhase.IN_CALL if status is None else CallPhase.RESOLVED,
            status=status,
            direction=Direction.OUTGOING if n % 5 else None,
        )
    everything = store.history(limit=100)
    queried = {e.id for e in store.history(filters, limit=100)}
    assert queried == {e.id for e in everything if filters.matches(e)}
    assert store.count_history(filters) == len(queried)


def test_rows_are_read_by_column_name_so_an_added_column_breaks_nothing(store: Store) -> None:
    entry = store.add_call(source=ActionSource.MANUAL, phone="+79123456789", note="hello")
    assert entry is not None
    with store.transaction() as conn:
        conn.execute("ALTER TABLE calls ADD COLUMN added_by_a_newer_version TEXT DEFAULT 'x'")
        conn.execute("ALTER TABLE outbox ADD COLUMN added_too INTEGER")
    store.enqueue(OutboxKind.LOG, {"payload": "p"})
    again = store.call(entry.id)
    assert (again.phone, again.note, again.source) == ("+79123456789", "hello", ActionSource.MANUAL)
    [item] = store.due()
    assert item.kind is OutboxKind.LOG and item.state is OutboxState.PENDING
    assert item.body == {"payload": "p"}


def test_a_schema_1_database_is_migrated_and_keeps_its_calls(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO calls(source, phase, phone, digits, created_at, updated_at, "
        "report_state, reason) VALUES('manual', 'resolved', '+79123456789', '79123456789', "
        "1, 1, 'local_only', 'an English reason from an older version')"
    )
    conn.execute("PRAGMA user_version=1")
    conn.close()
    db = Store.open(path)
    [old] = db.history()
    assert old.reason == "an English reason from an older version"
    assert old.reason_detail is None and db.schema_version == len(MIGRATIONS)
    db.close()


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("ALTER TABLE calls ADD COLUMN reason_detail TEXT")  # migration 2 will clash
    conn.execute("PRAGMA user_version=1")
    conn.close()
    with pytest.raises(StoreError, match="schema 2"):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "calls_by_parent" not in indexes  # nothing of the failed migration stayed
    conn.close()


def _open_at_once(
    path: str, start: multiprocessing.synchronize.Barrier, opened: multiprocessing.Queue[str]
) -> None:
    start.wait()
    try:
        opened.put(str(Store.open(path).schema_version))
    except StoreError as err:
        opened.put(str(err))


def test_processes_opening_a_new_database_at_once_migrate_it_once(tmp_path: Path) -> None:
    # `softphone status` beside a starting engine: both find schema 0 and both would apply the
    # same steps ("table calls already exists") unless each step is decided under the lock.
    context = multiprocessing.get_context("spawn")
    for attempt in range(4):
        start, opened = context.Barrier(4), context.Queue()
        path = str(tmp_path / f"race{attempt}.db")
        workers = [
            context.Process(target=_open_at_once, args=(path, start, opened)) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        results = [opened.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
        assert results == [str(len(MIGRATIONS))] * 4


def test_figures_count_the_day(store: Store, clock: Clock) -> None:
    since = clock.now
    for minutes, status, duration in [
        (5, CallStatus.CONNECTED, 60),
        (30, CallStatus.NO_ANSWER, 0),
        (70, CallStatus.CONNECTED, 30),
        (75, CallStatus.BUSY, 0),
        (130, CallStatus.UNKNOWN, 0),
    ]:
        clock.now = since + minutes * 60
        entry = store.add_call(source=ActionSource.CRM_UI, phone="+79123456789")
        assert entry is not None
        store.update_call(entry.id, phase=CallPhase.RESOLVED, status=status, duration_s=duration)
    figures = store.figures(since, since + 3 * 3600)
    assert (figures.calls, figures.connected, figures.not_connected) == (5, 2, 2)
    assert figures.talk_s == 90
    assert figures.per_hour == (2, 2, 1)
    assert figures.hourly_rate == round(5 / ((3 * 3600 - 300) / 3600), 1)


def test_call_backs_are_found_from_their_parent(store: Store) -> None:
    parent = store.add_call(source=ActionSource.CRM_UI, phone="+79123456789", command_id="c1")
    assert parent is not None
    first = store.add_call(source=ActionSource.HISTORY, phone=parent.phone, parent_id=parent.id)
    second = store.add_call(source=ActionSource.HISTORY, phone=parent.phone, parent_id=parent.id)
    assert first and second
    assert [c.id for c in store.children(parent.id)] == [first.id, second.id]


def test_result_and_history_are_written_in_one_transaction(store: Store) -> None:
    entry = store.add_call(
        source=ActionSource.CRM_UI,
        phone="+79123456789",
        command_id="c1",
        report_id="c1",
        report_state=ReportState.PENDING,
    )
    assert entry is not None
    resolved = store.resolve_and_enqueue(
        entry.id,
        {"phase": CallPhase.RESOLVED, "status": CallStatus.CONNECTED},
        {"call_request_id": "c1", "call_status": "connected"},
    )
    assert resolved.report_state is ReportState.QUEUED
    [item] = store.due()
    assert item.kind == OutboxKind.RESULT and item.call_id == entry.id
    assert item.body == {"call_request_id": "c1", "call_status": "connected"}
    assert store.integrity_errors() == []


def test_a_failing_transaction_leaves_nothing(store: Store) -> None:
    entry = store.add_call(source=ActionSource.CRM_UI, phone="+79123456789", command_id="c1")
    assert entry is not None
    with pytest.raises(TypeError):
        store.resolve_and_enqueue(entry.id, {"bogus": 1}, {"x": 1})
    assert store.due() == []
    assert store.call(entry.id).phase is CallPhase.RECEIVED


def test_outbox_orders_by_priority_then_age(store: Store, clock: Clock) -> None:
    store.enqueue(OutboxKind.LOG, {"n": 1})
    clock.now += 1
    store.enqueue(OutboxKind.TELEMETRY, {"n": 2})
    clock.now += 1
    store.enqueue(OutboxKind.RESULT, {"n": 3})
    store.enqueue(OutboxKind.HEARTBEAT, {"n": 4})
    assert [i.body["n"] for i in store.due()] == [3, 4, 2, 1]
    assert [i.body["n"] for i in store.due(kinds=[OutboxKind.LOG])] == [1]


def test_dedupe_key_replaces_the_older_item(store: Store) -> None:
    first = store.enqueue(OutboxKind.RESULT, {"v": 1}, dedupe_key="result:1")
    store.retry_later(first, 1e12, "503")
    second = store.enqueue(OutboxKind.RESULT, {"v": 2}, dedupe_key="result:1")
    assert first == second
    [item] = store.due()
    assert item.body == {"v": 2} and item.attempts == 0 and item.last_error is None


def test_retry_later_hides_an_item_until_its_time(store: Store, clock: Clock) -> None:
    item_id = store.enqueue(OutboxKind.RESULT, {})
    store.retry_later(item_id, clock.now + 30, "HTTP 503")
    assert store.due() == []
    assert store.next_attempt_at() == clock.now + 30
    clock.now += 31
    [item] = store.due()
    assert item.attempts == 1 and item.last_error == "HTTP 503"


def test_dead_letters_keep_their_reason_and_mark_the_call(store: Store) -> None:
    entry = store.add_call(source=ActionSource.CRM_UI, phone="+79123456789", command_id="c1")
    assert entry is not None
    item_id = store.enqueue(OutboxKind.RESULT, {"x": 1}, call_id=entry.id)
    store.to_dead(item_id, "404 CallRequest not found or access denied")
    assert store.due() == []
    [dead] = store.dead_letters()
    assert dead.last_error == "404 CallRequest not found or access denied" and dead.is_dead
    call = store.call(entry.id)
    assert call.report_state is ReportState.DEAD
    assert call.report_error == "404 CallRequest not found or access denied"
    stats = store.outbox_stats()
    assert stats.dead == 1 and stats.pending == 0
    store.revive(item_id)
    assert [i.id for i in store.due()] == [item_id]
    assert store.call(entry.id).report_state is ReportState.QUEUED
    store.delivered(item_id, wire_status="unknown")
    call = store.call(entry.id)
    assert call.report_state is ReportState.SENT and call.wire_status is CallStatus.UNKNOWN
    assert store.outbox_stats().pending == 0


def test_discard_drops_a_dead_letter(store: Store) -> None:
    item_id = store.enqueue(OutboxKind.TELEMETRY, {"x": 1})
    store.to_dead(item_id, "400")
    store.discard(item_id)
    assert store.dead_letters() == [] and store.outbox_item(item_id) is None


def test_outbox_stats(store: Store, clock: Clock) -> None:
    store.enqueue(OutboxKind.RESULT, {})
    clock.now += 100
    store.enqueue(OutboxKind.TELEMETRY, {})
    stats = store.outbox_stats()
    assert stats.pending == 2
    assert stats.pending_by_kind == {"result": 1, "telemetry": 1}
    assert stats.oldest_pending_age_s == 100


def test_claimed_call_log_rows_are_per_phone_and_unique(store: Store) -> None:
    a = store.add_call(source=ActionSource.MANUAL, phone="+79123456789", serial="A")
    b = store.add_call(source=ActionSource.MANUAL, phone="+79123456789", serial="A")
    c = store.add_call(source=ActionSource.MANUAL, phone="+79123456789", serial="B")
    assert a and b and c
    store.update_call(a.id, call_log_id=7)
    store.update_call(c.id, call_log_id=7)
    assert store.claimed_log_ids("A") == {7}
    with pytest.raises(sqlite3.IntegrityError):
        store.update_call(b.id, call_log_id=7)


def test_the_outbox_items_of_calls_are_found_by_call_waiting_or_dead(
    store: Store, clock: Clock
) -> None:
    calls = []
    for n in range(4):
        entry = store.add_call(source=ActionSource.CRM_UI, phone="+79123456789", command_id=f"c{n}")
        assert entry is not None
        calls.append(entry.id)
    waiting = store.enqueue(OutboxKind.RESULT, {"n": 0}, call_id=calls[0])
    store.retry_later(waiting, clock.now + 12, "HTTP 503")
    dead = store.enqueue(OutboxKind.RESULT, {"n": 1}, call_id=calls[1])
    store.to_dead(dead, "HTTP 404: gone")
    sent = store.enqueue(OutboxKind.RESULT, {"n": 2}, call_id=calls[2])
    store.delivered(sent)
    store.enqueue(OutboxKind.HEARTBEAT, {})  # no call: never among a call's items
    found = store.outbox_for_calls([*calls, 9999])
    assert set(found) == {calls[0], calls[1]}
    assert found[calls[0]].next_attempt_at == clock.now + 12
    assert found[calls[0]].last_error == "HTTP 503" and found[calls[0]].attempts == 1
    assert found[calls[1]].is_dead and found[calls[1]].id == dead
    assert store.outbox_for_calls([]) == {}
    store.discard(dead)
    assert calls[1] not in store.outbox_for_calls(calls)


def test_a_search_walks_the_time_index_alone_and_a_schema_2_database_gets_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in (*MIGRATIONS[0], *MIGRATIONS[1]):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO calls(source, phase, phone, digits, created_at, updated_at, report_state) "
        "VALUES('manual', 'resolved', '+79123456789', '79123456789', 1, 1, 'local_only')"
    )
    conn.execute("PRAGMA user_version=2")
    conn.close()
    db = Store.open(path)
    assert db.schema_version == len(MIGRATIONS)
    assert db.count_history(HistoryFilter(number_part="4567")) == 1
    filters = HistoryFilter(
        number_part="4567", source=ActionSource.MANUAL, direction=Direction.OUTGOING
    )
    where, args = Store._history_where(filters)
    plan = " ".join(
        str(row[3])
        for row in db._conn.execute(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM calls WHERE "  # noqa: S608 - placeholders
            + " AND ".join(where),
            args,
        )
    )
    assert "COVERING INDEX calls_by_time" in plan  # no row is read to decide a match
    db.close()


def test_keyset_pages_never_repeat_a_row_whose_time_is_finer_than_a_microsecond(
    store: Store, clock: Clock
) -> None:
    clock.now = 1_700_000_000.1234567  # time.time() has more digits than a datetime keeps
    for _ in range(60):
        clock.now += 0.3333333
        store.add_call(source=ActionSource.MANUAL, phone="+79123456789")
    seen: list[int] = []
    before = None
    while page := store.history(limit=7, before=before):
        seen += [e.id for e in page]
        before = (page[-1].created_at.timestamp(), page[-1].id)
    assert sorted(seen, reverse=True) == seen and len(seen) == len(set(seen)) == 60

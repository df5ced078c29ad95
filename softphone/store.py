"""The durable store: calls (pending and history), the outbox with its dead letters, key/values.

One SQLite file (stdlib `sqlite3`) in WAL mode with `synchronous=FULL`: a commit that returned
is on disk, even if the process is killed or the machine loses power right after. The store
is what makes at-most-once delivery from the CRM safe: a command is committed here before
anything is done with it, a dial is committed before `am start`, and a result enters the outbox
in the same transaction that writes it into the history.

Every method is short and synchronous; it runs on the event-loop thread. Other processes (the
CLI's `history` and `status`) may read the same file concurrently: WAL allows that.

The schema is versioned with `PRAGMA user_version`; `MIGRATIONS` only ever grows at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from softphone.model import (
    ActionSource,
    CallPhase,
    CallStatus,
    Direction,
    HistoryEntry,
    ReportState,
    ResolveMethod,
    from_epoch,
)
from softphone.numbers import digits_of

log = logging.getLogger("softphone.store")

__all__ = [
    "MIGRATIONS",
    "NOT_CONNECTED",
    "Figures",
    "HistoryFilter",
    "OutboxItem",
    "OutboxKind",
    "OutboxState",
    "OutboxStats",
    "Store",
    "StoreError",
]


def _use_wal(conn: sqlite3.Connection, patience: float = 10.0) -> None:
    """Put the file in WAL mode (it stays so). Switching takes an exclusive lock and SQLite
    answers "locked" at once, without waiting, while another process opens the same new file;
    so wait here, as the busy timeout does for everything else."""
    deadline = time.monotonic() + patience
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class StoreError(RuntimeError):
    """The database cannot be used (newer schema, corrupt file, locked for too long)."""


#: Each migration is a tuple of single SQL statements, run in order inside one transaction
#: (SQLite's DDL is transactional: a migration applies whole or not at all). Statements are
#: kept apart here rather than split on ";" at run time, which a trigger or a string breaks.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    # 1: calls (pending and history in one table), outbox, key/values.
    (
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            phase TEXT NOT NULL,
            phone TEXT NOT NULL,
            digits TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            command_id TEXT UNIQUE,
            report_id TEXT,
            parent_id INTEGER REFERENCES calls(id),
            serial TEXT,
            dialled_at REAL,
            dial_phone_ms INTEGER,
            status TEXT,
            direction TEXT,
            started_at REAL,
            ended_at REAL,
            duration_s INTEGER,
            resolve_method TEXT,
            reason TEXT,
            report_state TEXT NOT NULL,
            wire_status TEXT,
            report_error TEXT,
            note TEXT,
            extra TEXT NOT NULL DEFAULT '{}',
            call_log_id INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX calls_by_time ON calls(created_at DESC, id DESC)",
        "CREATE INDEX calls_open ON calls(phase) WHERE phase != 'resolved'",
        """CREATE UNIQUE INDEX calls_log_row ON calls(serial, call_log_id)
            WHERE call_log_id IS NOT NULL""",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            priority INTEGER NOT NULL,
            body TEXT NOT NULL,
            call_id INTEGER REFERENCES calls(id),
            dedupe_key TEXT UNIQUE,
            created_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            last_error TEXT,
            dead_at REAL
        )""",
        "CREATE INDEX outbox_due ON outbox(state, priority, next_attempt_at)",
        "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    # 2: outcome reasons became codes (problems.Reason): the outside world's words beside them,
    # and telecom's disconnect cause when the phone gave one. A call back remembers its parent
    # by index for the details view's "called back as".
    (
        "ALTER TABLE calls ADD COLUMN reason_detail TEXT",
        "ALTER TABLE calls ADD COLUMN disconnect_cause TEXT",
        "CREATE INDEX calls_by_parent ON calls(parent_id) WHERE parent_id IS NOT NULL",
    ),
    # 3: the history's time index also carries what its filters look at (digits, status,
    # source, direction), so a search that matches few of 200 000 calls walks the index alone
    # instead of every row (about 45 ms → 17 ms): the window searches as the operator types.
    (
        "DROP INDEX calls_by_time",
        "CREATE INDEX calls_by_time ON calls(created_at DESC, id DESC, digits, status, source, "
        "direction)",
    ),
)


class OutboxKind(enum.StrEnum):
    """What an outbox item carries. Lower `priority` is sent first."""

    RESULT = "result"
    HEARTBEAT = "heartbeat"
    TELEMETRY = "telemetry"
    LOG = "log"
    #: A kind this version does not know (written by a newer one): it becomes a dead letter.
    UNKNOWN = "unknown"

    @property
    def priority(self) -> int:
        return _PRIORITY[self]


_PRIORITY: Final[dict[OutboxKind, int]] = {
    OutboxKind.RESULT: 0,
    OutboxKind.HEARTBEAT: 10,
    OutboxKind.TELEMETRY: 20,
    OutboxKind.LOG: 30,
    OutboxKind.UNKNOWN: 50,
}


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # waiting for its turn (or its next try)
    DEAD = "dead"  # refused for good, or given up: the operator decides (retry or discard)


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    kind: OutboxKind
    priority: int
    body: dict[str, Any]
    call_id: int | None
    dedupe_key: str | None
    created_at: float
    attempts: int
    next_attempt_at: float
    state: OutboxState
    last_error: str | None
    dead_at: float | None

    @property
    def is_dead(self) -> bool:
        return self.state is OutboxState.DEAD


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    dead: int
    pending_by_kind: dict[str, int]
    dead_by_kind: dict[str, int]
    oldest_pending_age_s: float | None
    next_attempt_at: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryFilter:
    """What the history list asks for. Every field narrows; None (or empty) means "any".

    `matches(entry)` answers the same question as the store's query for one entry, so a live
    change can be placed in (or kept out of) a filtered view without asking the store again.
    """

    number_part: str | None = None  # any part of the number, in any notation
    statuses: frozenset[CallStatus] = frozenset()  # any of these
    direction: Direction | None = None
    source: ActionSource | None = None
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, exclusive
    open_only: bool = False

    @property
    def digits(self) -> str:
        """The digits searched for (a search with no digits in it narrows nothing)."""
        return digits_of(self.number_part)

    def matches(self, entry: HistoryEntry) -> bool:
        digits = self.digits
        if digits and digits not in digits_of(entry.phone):
            return False
        if self.statuses and entry.status not in self.statuses:
            return False
        if self.direction is not None and entry.direction is not self.direction:
            return False
        if self.source is not None and entry.source is not self.source:
            return False
        created = entry.created_at.timestamp()
        if self.since is not None and created < self.since:
            return False
        if self.until is not None and created >= self.until:
            return False
        return not (self.open_only and not entry.phase.is_open)


@dataclasses.dataclass(frozen=True, slots=True)
class Figures:
    """A day's work at a glance (the window's footer): what `Store.figures` counts."""

    calls: int
    connected: int
    #: Resolved as no_answer, busy, rejected or missed.
    not_connected: int
    talk_s: int
    #: Calls started in each local hour since `since` (index 0 = the hour `since` falls in).
    per_hour: tuple[int, ...]
    #: Calls per hour over the hours since the first call of the period (0.0 without calls).
    hourly_rate: float


NOT_CONNECTED: Final = frozenset(
    {CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.REJECTED, CallStatus.MISSED}
)
_TIME_FIELDS: Final = frozenset({"created_at", "dialled_at", "started_at", "ended_at"})
_ENTRY_FIELDS: Final = tuple(f.name for f in dataclasses.fields(HistoryEntry))
_UPDATABLE: Final = frozenset(_ENTRY_FIELDS) - {"id", "created_at"}


def _enum_or_none(kind: Callable[[str], Any], value: str | None) -> Any:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        return None


def _entry(row: sqlite3.Row) -> HistoryEntry:
    """A history entry from a row, by column name: columns added later (or unknown to this
    version) never shift what is read."""
    names = set(row.keys())
    data = {name: row[name] for name in _ENTRY_FIELDS if name in names}
    for name in _TIME_FIELDS:
        if data.get(name) is not None:
            data[name] = from_epoch(data[name])
    data["source"] = _enum_or_none(ActionSource, data["source"]) or ActionSource.UNKNOWN
    data["phase"] = _enum_or_none(CallPhase, data["phase"]) or CallPhase.RESOLVED
    data["status"] = _enum_or_none(CallStatus, data.get("status"))
    data["wire_status"] = _enum_or_none(CallStatus, data.get("wire_status"))
    data["direction"] = _enum_or_none(Direction, data.get("direction"))
    data["resolve_method"] = _enum_or_none(ResolveMethod, data.get("resolve_method"))
    data["report_state"] = (
        _enum_or_none(ReportState, data.get("report_state")) or ReportState.LOCAL_ONLY
    )
    try:
        extra = json.loads(data.get("extra") or "{}")
    except ValueError:
        extra = {}
    data["extra"] = extra if isinstance(extra, dict) else {}
    return HistoryEntry(**data)


def _sql_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _TIME_FIELDS and isinstance(value, dt.datetime):
        return value.timestamp()
    if name == "extra":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, enum.Enum):
        return value.value
    return value


class Store:
    """The database. Open it with `Store.open(path)`; close it with `close()`."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path | None, clock: Callable[[], float] = time.time
    ) -> None:
        self._conn = conn
        self.path = path
        self._clock = clock
        self._depth = 0

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, clock: Callable[[], float] = time.time) -> Store:
        """Open (creating or migrating) the database at `path`."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(target, isolation_level=None, timeout=10.0)
            _use_wal(conn)
            # FULL: commands and results must survive a crash the moment commit returns.
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.row_factory = sqlite3.Row
        except sqlite3.DatabaseError as err:
            raise StoreError(f"cannot open the database {target.name}: {err}") from err
        store = cls(conn, target, clock)
        store._migrate()
        return store

    @classmethod
    def memory(cls, *, clock: Callable[[], float] = time.time) -> Store:
        """An in-memory database (unit tests of code that needs a store)."""
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute("PRAGMA foreign_keys=ON")
        conn.row_factory = sqlite3.Row
        store = cls(conn, None, clock)
        store._migrate()
        return store

    def close(self) -> None:
        self._conn.close()

    def _migrate(self) -> None:
        # One step at a time, each deciding what to do under the write lock: another process
        # (`softphone status` beside a starting engine) may be migrating the same file, and a
        # version read before the lock would have both apply the same step.
        version = self.schema_version
        while True:
            try:
                with self.transaction() as conn:
                    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                    if version > len(MIGRATIONS):
                        raise StoreError(
                            f"the database was written by a newer Softphone (schema {version},"
                            f" this one knows {len(MIGRATIONS)}); update Softphone"
                        )
                    if version == len(MIGRATIONS):
                        return
                    number = version + 1
                    log.info("migrating the database to schema %d", number)
                    for statement in MIGRATIONS[version]:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version={number}")
            except sqlite3.DatabaseError as err:
                raise StoreError(
                    f"cannot update the database to schema {version + 1}: {err}"
                ) from err

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic, durable unit of work. Nested uses join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self._conn
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self._conn
        except BaseException:
            self._depth = 0
            self._conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self._conn.execute("COMMIT")

    def integrity_errors(self) -> list[str]:
        """`PRAGMA integrity_check` and our own invariants; empty when all is well."""
        errors = [r[0] for r in self._conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        errors += [
            f"outbox item {r[0]} points at missing call {r[1]}"
            for r in self._conn.execute(
                "SELECT o.id, o.call_id FROM outbox o LEFT JOIN calls c ON c.id = o.call_id "
                "WHERE o.call_id IS NOT NULL AND c.id IS NULL"
            )
        ]
        errors += [
            f"call {r[0]} is queued for the CRM but has no outbox item"
            for r in self._conn.execute(
                "SELECT c.id FROM calls c WHERE c.report_state = 'queued' AND NOT EXISTS "
                "(SELECT 1 FROM outbox o WHERE o.call_id = c.id)"
            )
        ]
        return errors

    # -- key/values ------------------------------------------------------------------------

    def get_value(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_value(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO kv(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def delete_value(self, key: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM kv WHERE key = ?", (key,))

    # -- calls -----------------------------------------------------------------------------

    def add_call(
        self,
        *,
        source: ActionSource,
        phone: str,
        phase: CallPhase = CallPhase.RECEIVED,
        command_id: str | None = None,
        report_id: str | None = None,
        parent_id: int | None = None,
        note: str | None = None,
        extra: dict[str, Any] | None = None,
        report_state: ReportState = ReportState.LOCAL_ONLY,
        serial: str | None = None,
    ) -> HistoryEntry | None:
        """Insert a call and commit it. Returns None if `command_id` is already known."""
        now = self._clock()
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO calls(source, phase, phone, digits, created_at, updated_at, "
                "command_id, report_id, parent_id, note, extra, report_state, serial) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(command_id) DO NOTHING",
                (
                    source.value,
                    phase.value,
                    phone,
                    digits_of(phone),
                    now,
                    now,
                    command_id,
                    report_id,
                    parent_id,
                    note,
                    json.dumps(extra or {}, ensure_ascii=False, sort_keys=True),
                    report_state.value,
                    serial,
                ),
            )
            if cursor.rowcount == 0:
                return None
            call_id = cursor.lastrowid
        assert call_id is not None
        return self.call(call_id)

    def command_known(self, command_id: str) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM calls WHERE command_id = ?", (command_id,)).fetchone()
            is not None
        )

    def call(self, call_id: int) -> HistoryEntry:
        row = self._conn.execute("SELECT * FROM calls WHERE id = ?", (call_id,)).fetchone()
        if row is None:
            raise KeyError(call_id)
        return _entry(row)

    def calls(self, call_ids: Iterable[int]) -> dict[int, HistoryEntry]:
        """The calls with these ids (those that exist), by id: one query per 500."""
        wanted = list(dict.fromkeys(call_ids))
        found: dict[int, HistoryEntry] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT * FROM calls WHERE id IN ({marks})"  # noqa: S608 - placeholders only
            for row in self._conn.execute(query, chunk):
                entry = _entry(row)
                found[entry.id] = entry
        return found

    def call_by_command(self, command_id: str) -> HistoryEntry | None:
        row = self._conn.execute(
            "SELECT * FROM calls WHERE command_id = ?", (command_id,)
        ).fetchone()
        return None if row is None else _entry(row)

    def update_call(self, call_id: int, **fields: Any) -> HistoryEntry:
        """Change some fields of a call and commit. Unknown field names are a programming error."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise TypeError(f"not call fields: {sorted(unknown)}")
        if not fields:
            return self.call(call_id)
        names = list(fields)
        assignments = ", ".join(f"{name} = ?" for name in names)
        values = [_sql_value(name, fields[name]) for name in names]
        if "phone" in fields:
            assignments += ", digits = ?"
            values.append(digits_of(fields["phone"]))
        with self.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE calls SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608
                (*values, self._clock(), call_id),
            )
            if cursor.rowcount == 0:
                raise KeyError(call_id)
        return self.call(call_id)

    def open_calls(self) -> list[HistoryEntry]:
        """Calls not resolved yet, oldest first: what the flow resumes after a restart."""
        # Through the partial index of open calls: left to itself, SQLite walks the whole
        # history in time order to save a sort of a handful of rows (20 ms at 200 000 calls,
        # and the flow asks at every step of every call).
        rows = self._conn.execute(
            "SELECT * FROM calls INDEXED BY calls_open WHERE phase != 'resolved' "
            "ORDER BY created_at, id"
        ).fetchall()
        return [_entry(r) for r in rows]

    def claimed_log_ids(self, serial: str | None) -> set[int]:
        """Call-log row ids already matched to a call on this phone (each is claimed once)."""
        rows = self._conn.execute(
            "SELECT call_log_id FROM calls WHERE call_log_id IS NOT NULL AND serial IS ?",
            (serial,),
        ).fetchall()
        return {int(r[0]) for r in rows}

    def history(
        self,
        filters: HistoryFilter | None = None,
        *,
        limit: int = 100,
        before: tuple[float, int] | None = None,
    ) -> list[HistoryEntry]:
        """Newest first. `before=(created_at, id)` of the last row shown gives the next page."""
        where, args = self._history_where(filters or HistoryFilter())
        if before is not None:
            moment, last_id = before
            # An entry's time is a datetime (microseconds); the column keeps the clock's whole
            # float. Page from the row's own value, or the row itself comes back on the next page.
            row = self._conn.execute(
                "SELECT created_at FROM calls WHERE id = ?", (last_id,)
            ).fetchone()
            if row is not None and abs(float(row[0]) - moment) < 1e-5:
                moment = float(row[0])
            # A row value, so the index seeks to the cursor; the equivalent OR made SQLite walk
            # the index from the newest row down (page 1 000 took ten times page 1).
            where.append("(created_at, id) < (?, ?)")
            args += [moment, last_id]
        sql = "SELECT * FROM calls"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        rows = self._conn.execute(sql, (*args, max(0, limit))).fetchall()
        return [_entry(r) for r in rows]

    def count_history(self, filters: HistoryFilter | None = None) -> int:
        where, args = self._history_where(filters or HistoryFilter())
        sql = "SELECT COUNT(*) FROM calls"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return int(self._conn.execute(sql, args).fetchone()[0])

    def children(self, call_id: int) -> list[HistoryEntry]:
        """The calls made back from this one, oldest first (the details view's "called back as")."""
        rows = self._conn.execute(
            "SELECT * FROM calls WHERE parent_id = ? ORDER BY created_at, id", (call_id,)
        ).fetchall()
        return [_entry(r) for r in rows]

    def figures(
        self,
        since: float,
        until: float | None = None,
        *,
        hour_of: Callable[[float], int] | None = None,
    ) -> Figures:
        """Counts for calls created in [since, until): the footer's "today".

        `hour_of(epoch)` gives a moment's hour index from `since` (local hours; the default
        counts whole hours of elapsed time, which is the same thing for a period starting at a
        local midnight on a day without a clock change).
        """
        until = self._clock() if until is None else until
        rows = self._conn.execute(
            "SELECT created_at, status, duration_s FROM calls "
            "WHERE created_at >= ? AND created_at < ? ORDER BY created_at",
            (since, until),
        ).fetchall()
        bucket = hour_of or (lambda moment: int((moment - since) // 3600))
        hours = max(1, bucket(until - 1e-6) + 1) if until > since else 1
        per_hour = [0] * hours
        connected = not_connected = talk = 0
        for created, status, duration in rows:
            index = bucket(created)
            if 0 <= index < hours:
                per_hour[index] += 1
            if status == CallStatus.CONNECTED.value:
                connected += 1
                talk += int(duration or 0)
            elif status in NOT_CONNECTED:
                not_connected += 1
        rate = 0.0
        if rows:
            elapsed_h = max((until - float(rows[0][0])) / 3600.0, 1.0)
            rate = round(len(rows) / elapsed_h, 1)
        return Figures(len(rows), connected, not_connected, talk, tuple(per_hour), rate)

    @staticmethod
    def _history_where(f: HistoryFilter) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        args: list[Any] = []
        digits = f.digits
        if digits:
            where.append("instr(digits, ?) > 0")
            args.append(digits)
        if f.statuses:
            where.append("status IN (" + ",".join("?" * len(f.statuses)) + ")")
            args += sorted(s.value for s in f.statuses)
        for column, value in (("direction", f.direction), ("source", f.source)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value.value)
        if f.since is not None:
            where.append("created_at >= ?")
            args.append(f.since)
        if f.until is not None:
            where.append("created_at < ?")
            args.append(f.until)
        if f.open_only:
            where.append("phase != 'resolved'")
        return where, args

    # -- outbox ----------------------------------------------------------------------------

    def enqueue(
        self,
        kind: OutboxKind,
        body: dict[str, Any] | list[Any],
        *,
        priority: int | None = None,
        call_id: int | None = None,
        dedupe_key: str | None = None,
        not_before: float | None = None,
    ) -> int:
        """Add an item to the outbox and commit. A `dedupe_key` already present is replaced
        (last write wins, attempts reset), so a re-resolved call is reported once, newest."""
        now = self._clock()
        with self.transaction() as conn:
            row = conn.execute(
                "INSERT INTO outbox(kind, priority, body, call_id, dedupe_key, created_at, "
                "next_attempt_at) VALUES(?,?,?,?,?,?,?) ON CONFLICT(dedupe_key) DO UPDATE SET "
                "body = excluded.body, priority = excluded.priority, attempts = 0, "
                "next_attempt_at = excluded.next_attempt_at, state = 'pending', "
                "last_error = NULL, dead_at = NULL RETURNING id",
                (
                    kind.value,
                    kind.priority if priority is None else priority,
                    json.dumps(body, ensure_ascii=False),
                    call_id,
                    dedupe_key,
                    now,
                    now if not_before is None else not_before,
                ),
            ).fetchone()
            if call_id is not None:
                conn.execute(
                    "UPDATE calls SET report_state = 'queued', report_error = NULL, "
                    "updated_at = ? WHERE id = ?",
                    (now, call_id),
                )
        return int(row[0])

    def resolve_and_enqueue(
        self,
        call_id: int,
        fields: dict[str, Any],
        report: dict[str, Any] | None,
    ) -> HistoryEntry:
        """Write a call's final fields and (if there is one) its report, in one transaction."""
        with self.transaction():
            self.update_call(call_id, **fields)
            if report is not None:
                self.enqueue(
                    OutboxKind.RESULT, report, call_id=call_id, dedupe_key=f"result:{call_id}"
                )
        return self.call(call_id)

    def due(
        self,
        now: float | None = None,
        *,
        limit: int = 50,
        kinds: Sequence[OutboxKind] | None = None,
    ) -> list[OutboxItem]:
        """Pending items whose time has come, in priority order, oldest first within one."""
        now = self._clock() if now is None else now
        sql = "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?"
        args: list[Any] = [now]
        if kinds:
            sql += " AND kind IN (" + ",".join("?" * len(kinds)) + ")"
            args += [kind.value for kind in kinds]
        sql += " ORDER BY priority, next_attempt_at, id LIMIT ?"
        return [self._item(r) for r in self._conn.execute(sql, (*args, limit)).fetchall()]

    def outbox_item(self, item_id: int) -> OutboxItem | None:
        row = self._conn.execute("SELECT * FROM outbox WHERE id = ?", (item_id,)).fetchone()
        return None if row is None else self._item(row)

    def outbox_for_calls(self, call_ids: Iterable[int]) -> dict[int, OutboxItem]:
        """The outbox items carrying these calls' reports (waiting or dead), by call id. A call
        whose report was sent, discarded or never queued has none."""
        wanted = sorted(set(call_ids))
        found: dict[int, OutboxItem] = {}
        for start in range(0, len(wanted), 500):  # within SQLite's limit on parameters
            chunk = wanted[start : start + 500]
            rows = self._conn.execute(
                "SELECT * FROM outbox WHERE call_id IN ("  # noqa: S608 - placeholders only
                + ",".join("?" * len(chunk))
                + ") ORDER BY id",
                chunk,
            ).fetchall()
            for row in rows:
                item = self._item(row)
                if item.call_id is not None:
                    found[item.call_id] = item
        return found

    def next_attempt_at(self) -> float | None:
        row = self._conn.execute(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'"
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def delivered(self, item_id: int, *, wire_status: str | None = None) -> None:
        """The server accepted the item: it leaves the outbox; its call is marked sent."""
        with self.transaction() as conn:
            row = conn.execute("SELECT call_id FROM outbox WHERE id = ?", (item_id,)).fetchone()
            conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))
            if row is not None and row[0] is not None:
                conn.execute(
                    "UPDATE calls SET report_state = 'sent', report_error = NULL, "
                    "wire_status = COALESCE(?, wire_status), updated_at = ? WHERE id = ?",
                    (wire_status, self._clock(), row[0]),
                )

    def retry_later(self, item_id: int, next_attempt_at: float, error: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                "WHERE id = ?",
                (next_attempt_at, error, item_id),
            )

    def to_dead(self, item_id: int, reason: str) -> None:
        """Refused for good: kept as a dead letter with the reason, shown to the operator."""
        now = self._clock()
        with self.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'dead', dead_at = ?, last_error = ?, "
                "attempts = attempts + 1 WHERE id = ?",
                (now, reason, item_id),
            )
            conn.execute(
                "UPDATE calls SET report_state = 'dead', report_error = ?, updated_at = ? "
                "WHERE id = (SELECT call_id FROM outbox WHERE id = ?)",
                (reason, now, item_id),
            )

    def dead_letters(self) -> list[OutboxItem]:
        rows = self._conn.execute(
            "SELECT * FROM outbox WHERE state = 'dead' ORDER BY dead_at, id"
        ).fetchall()
        return [self._item(r) for r in rows]

    def revive(self, item_id: int) -> None:
        """Retry a dead letter now (the operator asked for it)."""
        now = self._clock()
        with self.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'pending', dead_at = NULL, next_attempt_at = ?, "
                "created_at = ? WHERE id = ? AND state = 'dead'",
                (now, now, item_id),
            )
            conn.execute(
                "UPDATE calls SET report_state = 'queued', updated_at = ? "
                "WHERE id = (SELECT call_id FROM outbox WHERE id = ?)",
                (now, item_id),
            )

    def discard(self, item_id: int) -> None:
        """Drop an item for good (a dead letter the operator gave up on)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def outbox_stats(self, now: float | None = None) -> OutboxStats:
        now = self._clock() if now is None else now
        pending: dict[str, int] = {}
        dead: dict[str, int] = {}
        for kind, state, count in self._conn.execute(
            "SELECT kind, state, COUNT(*) FROM outbox GROUP BY kind, state"
        ):
            (dead if state == "dead" else pending)[kind] = int(count)
        oldest, next_at = self._conn.execute(
            "SELECT MIN(created_at), MIN(next_attempt_at) FROM outbox WHERE state = 'pending'"
        ).fetchone()
        return OutboxStats(
            pending=sum(pending.values()),
            dead=sum(dead.values()),
            pending_by_kind=pending,
            dead_by_kind=dead,
            oldest_pending_age_s=None if oldest is None else max(0.0, now - float(oldest)),
            next_attempt_at=None if next_at is None else float(next_at),
        )

    @staticmethod
    def _item(row: sqlite3.Row) -> OutboxItem:
        try:
            payload = json.loads(row["body"])
        except ValueError:
            payload = {}
        return OutboxItem(
            id=int(row["id"]),
            kind=_enum_or_none(OutboxKind, row["kind"]) or OutboxKind.UNKNOWN,
            priority=int(row["priority"]),
            body=payload,
            call_id=row["call_id"],
            dedupe_key=row["dedupe_key"],
            created_at=float(row["created_at"]),
            attempts=int(row["attempts"]),
            next_attempt_at=float(row["next_attempt_at"]),
            state=_enum_or_none(OutboxState, row["state"]) or OutboxState.DEAD,
            last_error=row["last_error"],
            dead_at=row["dead_at"],
        )

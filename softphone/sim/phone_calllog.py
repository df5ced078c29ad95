"""The simulated phone's call log: `content://call_log/calls` and what `content query` prints.

Rows live in an in-memory SQLite table with Android's column names, so `--where` and `--sort`
are evaluated by a real SQL engine (NULLs, text-vs-integer comparisons) after the same strict
checks Android 11+ applies (`Invalid token LIMIT`, unknown columns). The output is the
`Row: N col=val, …` / `No result found.` format of AOSP's `Content.java`. It must never
import the client's parsers: it has to be an independent witness of the format.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from typing import Any

#: The columns of CallLog.Calls, in the provider's order (what a query without --projection
#: returns). Integers are integers, everything else is text, as in the real table.
COLUMNS: dict[str, str] = {
    "_id": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "number": "TEXT",
    "presentation": "INTEGER NOT NULL DEFAULT 1",
    "post_dial_digits": "TEXT NOT NULL DEFAULT ''",
    "via_number": "TEXT NOT NULL DEFAULT ''",
    "date": "INTEGER",
    "duration": "INTEGER",
    "data_usage": "INTEGER",
    "type": "INTEGER",
    "features": "INTEGER NOT NULL DEFAULT 0",
    "subscription_component_name": "TEXT",
    "subscription_id": "TEXT",
    "phone_account_address": "TEXT",
    "phone_account_hidden": "INTEGER NOT NULL DEFAULT 0",
    "new": "INTEGER",
    "name": "TEXT",
    "numbertype": "INTEGER",
    "numberlabel": "TEXT",
    "countryiso": "TEXT",
    "voicemail_uri": "TEXT",
    "is_read": "INTEGER",
    "geocoded_location": "TEXT",
    "lookup_uri": "TEXT",
    "matched_number": "TEXT",
    "normalized_number": "TEXT",
    "photo_id": "INTEGER NOT NULL DEFAULT 0",
    "photo_uri": "TEXT",
    "formatted_number": "TEXT",
    "add_for_all_users": "INTEGER NOT NULL DEFAULT 1",
    "last_modified": "INTEGER DEFAULT 0",
    "transcription": "TEXT",
    "transcription_state": "INTEGER NOT NULL DEFAULT 0",
    "block_reason": "INTEGER NOT NULL DEFAULT 0",
    "call_screening_component_name": "TEXT",
    "call_screening_app_name": "TEXT",
}

#: Android's telecom component for SIM calls, as the real rows carry it.
TELEPHONY_COMPONENT = "com.android.phone/com.android.services.telephony.TelephonyConnectionService"

#: Words the strict grammar lets through in --where/--sort besides column names.
_SQL_WORDS = {
    "AND", "OR", "NOT", "NULL", "IS", "IN", "LIKE", "GLOB", "BETWEEN", "ESCAPE",
    "ASC", "DESC", "COLLATE", "NOCASE", "CASE", "WHEN", "THEN", "ELSE", "END",
}  # fmt: skip
#: Words SQLiteQueryBuilder's strict grammar rejects with `Invalid token X`.
_FORBIDDEN = {
    "LIMIT", "OFFSET", "SELECT", "UNION", "INSERT", "UPDATE", "DELETE", "DROP", "FROM",
    "WHERE", "GROUP", "HAVING", "ORDER", "JOIN", "ATTACH", "DETACH", "PRAGMA", "WITH",
}  # fmt: skip
_TOKEN = re.compile(r"""\s+|'(?:[^']|'')*'|"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|.""")

_TRACE_DENIED = (
    "\tat android.os.Parcel.createExceptionOrNull(Parcel.java:3011)\n"
    "\tat android.os.Parcel.createException(Parcel.java:2995)\n"
    "\tat android.os.Parcel.readException(Parcel.java:2978)\n"
    "\tat android.os.Parcel.readException(Parcel.java:2920)\n"
    "\tat android.app.IActivityManager$Stub$Proxy.getContentProviderExternal"
    "(IActivityManager.java:7553)\n"
    "\tat com.android.commands.content.Content$Command.execute(Content.java:521)\n"
    "\tat com.android.commands.content.Content.main(Content.java:735)\n"
    "\tat com.android.internal.os.RuntimeInit.nativeFinishInit(Native Method)\n"
    "\tat com.android.internal.os.RuntimeInit.main(RuntimeInit.java:355)\n"
)
_TRACE_QUERY = (
    "\tat android.database.sqlite.SQLiteQueryBuilder.enforceStrictToken"
    "(SQLiteQueryBuilder.java:1055)\n"
    "\tat android.database.sqlite.SQLiteQueryBuilder.lambda$enforceStrictGrammar$0"
    "(SQLiteQueryBuilder.java:857)\n"
    "\tat android.database.sqlite.SQLiteTokenizer.tokenize(SQLiteTokenizer.java:152)\n"
    "\tat android.database.sqlite.SQLiteQueryBuilder.enforceStrictGrammar"
    "(SQLiteQueryBuilder.java:856)\n"
    "\tat android.database.sqlite.SQLiteQueryBuilder.query(SQLiteQueryBuilder.java:586)\n"
    "\tat com.android.providers.contacts.CallLogProvider.queryInternal"
    "(CallLogProvider.java:474)\n"
    "\tat com.android.providers.contacts.CallLogProvider.query(CallLogProvider.java:375)\n"
    "\tat android.content.ContentProvider.query(ContentProvider.java:1379)\n"
    "\tat android.content.ContentProviderNative.onTransact(ContentProviderNative.java:112)\n"
    "\tat android.os.Binder.execTransactInternal(Binder.java:1285)\n"
    "\tat android.os.Binder.execTransact(Binder.java:1244)\n"
)


class ProviderError(Exception):
    """A query the provider refuses; the message is the Java exception line Android prints."""

    def __init__(self, java_line: str, trace: str = _TRACE_QUERY) -> None:
        super().__init__(java_line)
        self.java_line = java_line
        self.trace = trace


def denial_text(pid: int) -> str:
    """The exception Android prints when the shell user may not read the call log."""
    return (
        "java.lang.SecurityException: Permission Denial: opening provider "
        "com.android.providers.contacts.CallLogProvider from ProcessRecord{"
        f"{pid * 2654435761 % 2**28:07x} {pid}:com.android.commands.content/2000}} "
        f"(pid={pid}, uid=2000) requires android.permission.READ_CALL_LOG or "
        "android.permission.WRITE_CALL_LOG"
    )


class CallLog:
    """The rows, and `content query` over them. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        columns = ", ".join(f'"{name}" {kind}' for name, kind in COLUMNS.items())
        self._db.execute(f"CREATE TABLE calls ({columns})")
        self._closed = False

    def close(self) -> None:
        """The phone is off: the rows are gone and later calls see an empty log."""
        with self._lock:
            self._closed = True
            self._db.close()

    def insert(self, values: dict[str, Any]) -> int:
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown call-log columns: {sorted(unknown)}")
        names = ", ".join(f'"{name}"' for name in values)
        marks = ", ".join("?" for _ in values)
        with self._lock:
            if self._closed:
                return 0
            cursor = self._db.execute(
                f"INSERT INTO calls ({names}) VALUES ({marks})",  # noqa: S608 - names checked above
                list(values.values()),
            )
            self._db.commit()
            return int(cursor.lastrowid or 0)

    def rows(self) -> list[dict[str, Any]]:
        """Every row, oldest first, with every column."""
        with self._lock:
            if self._closed:
                return []
            cursor = self._db.execute("SELECT * FROM calls ORDER BY _id")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def query(
        self, projection: list[str] | None, where: str | None, sort: str | None
    ) -> list[list[tuple[str, Any]]]:
        """Rows as (column, value) pairs, or ProviderError with Android's exception text."""
        columns = projection or list(COLUMNS)
        for name in columns:
            if name not in COLUMNS:
                raise ProviderError(f"java.lang.IllegalArgumentException: Invalid column {name}")
        for clause in (where, sort):
            if clause:
                _check_strict(clause)
        sql = "SELECT " + ", ".join(f'"{name}"' for name in columns) + " FROM calls"  # noqa: S608
        if where:
            sql += f" WHERE ({where})"
        sql += f" ORDER BY {sort}" if sort else " ORDER BY date DESC"
        with self._lock:
            if self._closed:
                return []
            try:
                cursor = self._db.execute(sql)
            except sqlite3.Error as exc:
                raise ProviderError(
                    f"android.database.sqlite.SQLiteException: {exc} (code 1 SQLITE_ERROR): , "
                    f"while compiling: {sql}"
                ) from None
            return [list(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _check_strict(clause: str) -> None:
    """SQLiteQueryBuilder's strict grammar (Android 11+): no keywords that widen a query."""
    for token in _TOKEN.findall(clause):
        if not token or not (token[0].isalpha() or token[0] == "_"):
            if token == ";":
                raise ProviderError("java.lang.IllegalArgumentException: Invalid token ;")
            continue
        upper = token.upper()
        if upper in _FORBIDDEN:
            raise ProviderError(f"java.lang.IllegalArgumentException: Invalid token {token}")
        if upper not in _SQL_WORDS and token not in COLUMNS:
            raise ProviderError(f"java.lang.IllegalArgumentException: Invalid column {token}")


def format_rows(rows: list[list[tuple[str, Any]]]) -> str:
    """AOSP Content.java's output: `Row: N a=1, b=NULL` per row, or `No result found.`."""
    if not rows:
        return "No result found.\n"
    lines = []
    for index, row in enumerate(rows):
        cells = ", ".join(f"{name}={_cell(value)}" for name, value in row)
        lines.append(f"Row: {index} {cells}\n")
    return "".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "BLOB"
    return str(value)

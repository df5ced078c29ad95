"""Exporting the filtered history to a CSV file that Excel opens as it should.

UTF-8 with a byte-order mark (Excel takes the file for UTF-8 only with it); the list separator
of the operator's language (";" where the decimal point is a comma, as Russian Excel expects,
else ","); numbers written as `="+79123456789"` so Excel keeps the "+" and every digit instead
of reading a large number; free text that would start a formula (=, +, -, @) is quoted with an
apostrophe, so a note from the CRM can never run in someone's spreadsheet.

The rows come from the engine's keyset pages in chunks on the loop thread (SQLite stays there,
each chunk is short), the file is written through the injected executor, and the loop gets a
turn between chunks: 200 000 rows never freeze the window. The file appears only when it is
complete (written as NAME.part, then renamed); a cancel or a failure leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import os
from concurrent.futures import Executor
from pathlib import Path
from typing import IO, Final

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Signal

from softphone.model import HistoryEntry, ReportState
from softphone.store import HistoryFilter
from softphone.ui.bridge import EngineBridge
from softphone.ui.words import (
    delivery_text,
    direction_text,
    reason_text,
    source_text,
    status_text,
)

log = logging.getLogger("softphone.ui")
translate = QCoreApplication.translate

__all__ = ["CHUNK", "CsvExport", "csv_number", "csv_text", "list_separator"]

#: Rows read and formatted per turn of the loop (about 15 ms of work on a desk PC: reading a
#: row into an entry costs more than writing it out).
CHUNK: Final = 500
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def list_separator(locale: QLocale | None = None) -> str:
    """ ";" where numbers are written with a decimal comma (Excel's list separator there)."""
    return ";" if (locale or QLocale()).decimalPoint() == "," else ","


def csv_number(number: str) -> str:
    """A phone number as Excel keeps it: text, with its "+" and all its digits."""
    return f'="{number}"' if number else ""


def csv_text(text: str | None) -> str:
    """Free text that cannot start a formula in a spreadsheet."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _local_time(entry: HistoryEntry) -> str:
    """2024-03-12 14:02:31, local: a cell Excel reads as a date and time."""
    t = entry.created_at.astimezone()
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


class CsvExport(QObject):
    """One export of the rows matching `filters` into `target`. Start it with `run()` (a
    coroutine: the caller runs it as a task); `cancel()` stops it between two chunks.

    Signals:
        progressed(done: int, total: int): rows written so far, of the rows there were when
            the export began (calls arriving meanwhile are newer: not part of it).
        finished(path: str, rows: int): the file is complete at `path`.
        failed(message: str): it could not be written (the system's words); nothing is left.
        cancelled(): the operator cancelled it; nothing is left.
    """

    progressed = Signal(int, int)
    finished = Signal(str, int)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        bridge: EngineBridge,
        filters: HistoryFilter,
        target: Path,
        executor: Executor | None = None,
        *,
        chunk: int = CHUNK,
        separator: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.filters = filters
        self.target = target
        self._executor = executor
        self._chunk = chunk
        self._separator = separator or list_separator()
        self._cancelled = False
        self._words: dict[tuple[object, ...], tuple[str, str, str]] = {}
        self._reasons: dict[tuple[str | None, str | None], str] = {}
        self._deliveries: dict[ReportState, str] = {}
        self.running = False
        self.done = 0
        self.total = 0

    def cancel(self) -> None:
        self._cancelled = True

    def header(self) -> list[str]:
        return [
            translate("CsvExport", "Call"),
            translate("CsvExport", "Time"),
            translate("CsvExport", "Number"),
            translate("CsvExport", "Outcome"),
            translate("CsvExport", "Duration, s"),
            translate("CsvExport", "Direction"),
            translate("CsvExport", "Source"),
            translate("CsvExport", "CRM delivery"),
            translate("CsvExport", "Reason"),
            translate("CsvExport", "CRM command"),
            translate("CsvExport", "Called back from"),
            translate("CsvExport", "Note"),
        ]

    def row(self, entry: HistoryEntry) -> list[str]:
        words = self._words
        key = (entry.status, entry.phase, entry.direction, entry.source, entry.report_state)
        said = words.get(key)
        if said is None:  # a few dozen combinations in 200 000 rows: each is worded once
            said = words[key] = (
                status_text(entry.status, entry.phase),
                direction_text(entry.direction),
                source_text(entry.source),
            )
        reason = (entry.reason, entry.reason_detail)
        why = self._reasons.get(reason)
        if why is None:
            why = self._reasons[reason] = csv_text(reason_text(*reason))
        return [
            str(entry.id),
            _local_time(entry),
            csv_number(entry.phone),
            said[0],
            "" if entry.duration_s is None else str(entry.duration_s),
            said[1],
            said[2],
            csv_text(delivery_text(entry)) if entry.report_error else self._delivery(entry),
            why,
            csv_text(entry.command_id),
            "" if entry.parent_id is None else str(entry.parent_id),
            csv_text(entry.note),
        ]

    def _delivery(self, entry: HistoryEntry) -> str:
        said = self._deliveries.get(entry.report_state)
        if said is None:
            said = self._deliveries[entry.report_state] = csv_text(delivery_text(entry))
        return said

    def _lines(self, rows: list[list[str]]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self._separator, lineterminator="\r\n")
        writer.writerows(rows)
        return buffer.getvalue()

    async def run(self) -> None:
        """Write the file; says how it ended with one of the signals. Never raises."""
        loop = asyncio.get_running_loop()
        engine = self._bridge.engine
        part = self.target.with_name(self.target.name + ".part")
        handle: IO[str] | None = None
        self.running = True
        try:
            self.total = engine.count(self.filters)
            self.progressed.emit(0, self.total)
            handle = await loop.run_in_executor(self._executor, _open, part)
            await loop.run_in_executor(self._executor, handle.write, self._lines([self.header()]))
            cursor: str | None = None
            while not self._cancelled:
                page = engine.history(self.filters, cursor, limit=self._chunk)
                text = self._lines([self.row(entry) for entry in page.entries])
                await loop.run_in_executor(self._executor, handle.write, text)
                self.done += len(page.entries)
                self.progressed.emit(self.done, self.total)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
                await asyncio.sleep(0)  # the window's turn between two chunks
            if self._cancelled:
                await loop.run_in_executor(self._executor, _discard, handle, part)
                self.cancelled.emit()
                return
            await loop.run_in_executor(self._executor, _complete, handle, part, self.target)
            log.info("exported %d calls to a CSV file", self.done)
            self.finished.emit(str(self.target), self.done)
        except OSError as err:
            log.info("the export failed: %s", err)
            if handle is not None:
                with contextlib.suppress(OSError):
                    await loop.run_in_executor(self._executor, _discard, handle, part)
            self.failed.emit(err.strerror or str(err))
        except asyncio.CancelledError:
            if handle is not None:
                _discard(handle, part)
            raise
        finally:
            self.running = False


def _open(path: Path) -> IO[str]:
    return path.open("w", encoding="utf-8-sig", newline="")


def _complete(handle: IO[str], part: Path, target: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    os.replace(part, target)


def _discard(handle: IO[str], part: Path) -> None:
    handle.close()
    part.unlink(missing_ok=True)

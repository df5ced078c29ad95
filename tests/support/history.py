"""A history of some volume for the window's tests, written through `softphone.store.Store`
before the desk's engine starts (never through the engine's insides).

`seed_history(path, count)` writes `count` resolved calls over the last days — every source,
outcome, direction and delivery state in turn — and returns what it wrote as `Seeded` records,
so a test can say which rows a search or a filter must leave, without asking the code it tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from softphone.model import ActionSource, CallPhase, CallStatus, Direction, ReportState
from softphone.store import Store

SOURCES = (
    ActionSource.CRM_UI,
    ActionSource.MANUAL,
    ActionSource.HISTORY,
    ActionSource.NOTIFICATION,
)
STATUSES = (
    CallStatus.CONNECTED,
    CallStatus.NO_ANSWER,
    CallStatus.BUSY,
    CallStatus.REJECTED,
    CallStatus.NO_ACTION,
    CallStatus.UNKNOWN,
    CallStatus.CONNECTED,
)
DIRECTIONS = (Direction.OUTGOING, Direction.OUTGOING, Direction.INCOMING)


@dataclasses.dataclass(frozen=True)
class Seeded:
    id: int
    phone: str
    created_at: float
    source: ActionSource
    status: CallStatus
    direction: Direction
    duration_s: int

    @property
    def day(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.created_at).date()


def seed_history(path: Path, count: int, *, days: int = 6) -> list[Seeded]:
    """`count` calls spread over the last `days` local days (at 09:00 onwards each day),
    oldest first; returns them newest first, as the history lists them."""
    today = dt.date.today()
    per_day = max(1, -(-count // days))
    moment = [0.0]
    store = Store.open(path, clock=lambda: moment[0])
    seeded: list[Seeded] = []
    try:
        with store.transaction():
            for n in range(count):
                day = today - dt.timedelta(days=days - 1 - n // per_day)
                start = dt.datetime.combine(day, dt.time(9)).timestamp()
                moment[0] = start + (n % per_day) * 137.0
                source = SOURCES[n % len(SOURCES)]
                status = STATUSES[n % len(STATUSES)]
                direction = DIRECTIONS[n % len(DIRECTIONS)]
                phone = f"+7912{n % 7:03d}{n:04d}"
                crm = source in (ActionSource.CRM_UI, ActionSource.NOTIFICATION)
                entry = store.add_call(
                    source=source,
                    phone=phone,
                    command_id=f"seed-{n}" if crm else None,
                    report_id=f"seed-{n}" if crm else None,
                    report_state=ReportState.SENT if crm else ReportState.LOCAL_ONLY,
                )
                assert entry is not None
                duration = 30 + n % 90 if status is CallStatus.CONNECTED else 0
                store.update_call(
                    entry.id,
                    phase=CallPhase.RESOLVED,
                    status=status,
                    direction=direction,
                    duration_s=duration,
                )
                seeded.append(
                    Seeded(entry.id, phone, moment[0], source, status, direction, duration)
                )
    finally:
        store.close()
    return sorted(seeded, key=lambda s: (s.created_at, s.id), reverse=True)

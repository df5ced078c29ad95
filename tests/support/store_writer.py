"""A child process for the crash test: writes commands and results, reports each commit.

Usage: python -m tests.support.store_writer DB START
Prints `cmd ID` after a received command is committed and `res ID` after its result and
outbox item are committed, flushing each line, forever (until killed).
"""

from __future__ import annotations

import sys

from softphone.model import ActionSource, CallPhase, CallStatus, ReportState
from softphone.store import Store


def main() -> None:
    db = Store.open(sys.argv[1])
    n = int(sys.argv[2])
    out = sys.stdout
    while True:
        command_id = f"cmd-{n}"
        entry = db.add_call(
            source=ActionSource.CRM_UI,
            phone=f"+7912{n:07d}",
            command_id=command_id,
            report_id=command_id,
            report_state=ReportState.PENDING,
        )
        if entry is None:
            n += 1
            continue
        out.write(f"cmd {command_id}\n")
        out.flush()
        db.update_call(entry.id, phase=CallPhase.DIALLING)
        db.resolve_and_enqueue(
            entry.id,
            {"phase": CallPhase.RESOLVED, "status": CallStatus.CONNECTED, "duration_s": n % 90},
            {"call_request_id": command_id, "call_status": "connected"},
        )
        out.write(f"res {command_id}\n")
        out.flush()
        n += 1


if __name__ == "__main__":
    main()

"""The store survives SIGKILL: every commit a writer reported is there, and nothing is torn."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from softphone.model import CallPhase, ReportState
from softphone.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _run_and_kill(db: Path, start: int, lines_before_kill: int) -> list[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.store_writer", str(db), str(start)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    assert child.stdout is not None
    reported: list[str] = []
    deadline = time.monotonic() + 30
    while len(reported) < lines_before_kill and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        reported.append(line.strip())
    # Kill it while it is still writing: it never stops between commits by itself.
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    # Lines it wrote before dying are commits too; read what is left in the pipe.
    reported += [line.strip() for line in child.stdout.read().splitlines() if line.strip()]
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return reported


@pytest.mark.slow
def test_every_reported_commit_survives_sigkill(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.db"
    rng = random.Random(7)
    all_reported: list[str] = []
    for round_no in range(5):
        all_reported += _run_and_kill(db_path, round_no * 100_000, rng.randint(20, 400))

        db = Store.open(db_path)
        try:
            assert db.integrity_errors() == []
            for line in all_reported:
                kind, command_id = line.split()
                call = db.call_by_command(command_id)
                assert call is not None, f"{command_id} was reported committed but is missing"
                if kind == "res":
                    assert call.phase is CallPhase.RESOLVED
                    assert call.report_state is ReportState.QUEUED
            # Results and history move together: no resolved-and-queued call lacks its item.
            queued = {i.call_id for i in db.due(limit=10**6)}
            for call in db.history(limit=10**6):
                if call.phase is CallPhase.RESOLVED:
                    assert call.id in queued
                else:
                    assert call.id not in queued
        finally:
            db.close()
    assert sum(1 for line in all_reported if line.startswith("res")) >= 5

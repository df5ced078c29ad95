"""The outbox survives SIGKILL: every result reaches the CRM, none lost, duplicates bounded.

The test queues results in a store, then runs a real `CrmLink` in a child process against the
simulated CRM and kills it (SIGKILL) again and again while it drains, until the outbox is
empty. Delivery is at-least-once: a result whose answer was lost in the kill may be sent once
more, so there may be at most one duplicate per kill — never a lost result.

Run as `python -m tests.reliability.test_outbox_sigkill DB URL` it is the child: it reads a QR
token from stdin, signs in, drains, and says `ready` and `drained` on stdout.
"""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from softphone.config import Settings
from softphone.model import (
    ActionSource,
    CallCommand,
    CallPhase,
    CallReport,
    CallStatus,
    ReportState,
)
from softphone.sim.crm import CrmOptions, start_in_thread
from softphone.store import Store
from softphone.sync import CrmLink

ROOT = Path(__file__).resolve().parents[2]
RESULTS = 40
STATUSES = [CallStatus.CONNECTED, CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.REJECTED]


async def _child(db: Path, url: str) -> None:
    token = sys.stdin.readline().strip()
    store = Store.open(db)

    async def keep(command: CallCommand) -> None:
        store.add_call(source=ActionSource.CRM_UI, phone=command.phone, command_id=command.id)

    settings = Settings(server_url=url, rate_limit_requests=100_000, heartbeat_minutes=60)
    link = CrmLink(store, settings, on_command=keep)
    await link.login_qr(url, token)
    await link.start()
    print("ready", flush=True)
    while store.outbox_stats().pending_by_kind.get("result", 0):
        await asyncio.sleep(0.02)
    print("drained", flush=True)
    await asyncio.sleep(3600)  # the parent kills it


def _run_child(db: Path, url: str, token: str, kill_after: float) -> bool:
    """One child run, killed `kill_after` s after it signed in; True if it said `drained`."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.test_outbox_sigkill", str(db), url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=env,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(token + "\n")
    child.stdin.close()
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(kill_after)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    rest = child.stdout.read()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return "drained" in rest


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_results_survive_repeated_sigkill_with_no_loss_and_bounded_duplicates(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # caplog: the simulated CRM's server logs an error when a killed client leaves mid-request.
    rng = random.Random(5)
    options = CrmOptions(profile="production", users=[("op1", "pw1", False)], ip_limit=100_000)
    with start_in_thread(options, port=0) as crm:
        crm.set_faults(latency_ms=40)  # each update takes a while: kills land mid-drain
        db_path = tmp_path / "desk.db"
        store = Store.open(db_path)
        ids = []
        for n in range(RESULTS):
            cid = crm.create_command("op1", f"+7912{n:07d}")
            ids.append(cid)
            entry = store.add_call(
                source=ActionSource.CRM_UI,
                phone=f"+7912{n:07d}",
                command_id=cid,
                report_id=cid,
                report_state=ReportState.PENDING,
            )
            assert entry is not None
            report = CallReport(call_request_id=cid, call_status=STATUSES[n % len(STATUSES)])
            store.resolve_and_enqueue(
                entry.id, {"phase": CallPhase.RESOLVED, "status": report.call_status}, report.wire()
            )
        store.close()

        kills = 0
        interrupted = 0
        drained = False
        for _round in range(25):
            drained = _run_child(db_path, crm.url, crm.create_qr("op1"), rng.uniform(0.05, 0.6))
            kills += 1
            check = Store.open(db_path)
            left = check.outbox_stats().pending_by_kind.get("result", 0)
            check.close()
            if left:
                interrupted += 1
            if drained or not left:
                break
        assert drained or left == 0
        assert interrupted >= 1, "no kill landed while results were still being sent"

        accepted: collections.Counter[str] = collections.Counter()
        for cid in ids:
            updates = crm.command(cid)["updates"]
            accepted[cid] = sum(1 for u in updates if u["status"] == 200)
        assert all(accepted[cid] >= 1 for cid in ids), "a result was lost"
        duplicates = sum(n - 1 for n in accepted.values())
        assert duplicates <= kills

    final = Store.open(db_path)
    try:
        assert final.integrity_errors() == []
        assert final.dead_letters() == []
        for cid in ids:
            entry = final.call_by_command(cid)
            assert entry is not None and entry.report_state is ReportState.SENT
    finally:
        final.close()


if __name__ == "__main__":
    asyncio.run(_child(Path(sys.argv[1]), sys.argv[2]))

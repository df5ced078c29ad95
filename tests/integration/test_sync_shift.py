"""A simulated operator shift against the production profile: the planner never trips the wall.

Ten simulated minutes at ten times speed: the per-IP window is 6 s on both sides (the CRM's
60 s / 10), pull pacing and call lengths are scaled the same way. The test plays the operator:
it queues commands in the CRM, takes each call (phone busy) for a few seconds, writes the
result into the store and lets the outbox deliver it.
"""

from __future__ import annotations

import asyncio
import random
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

SPEED = 10.0
SHIFT_S = 600 / SPEED


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_a_shift_paced_by_the_planner_gets_no_per_ip_429_and_every_command_once(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261127)
    options = CrmOptions(
        profile="production",
        users=[("op1", "pw1", False)],
        ip_limit=60,
        ip_window=60 / SPEED,
        scope_window=60 / SPEED,
    )
    with start_in_thread(options, port=0) as crm:
        store = Store.open(tmp_path / "shift.db")
        received: dict[str, int] = {}
        arrived = asyncio.Event()

        async def persist(command: CallCommand) -> None:
            store.add_call(
                source=ActionSource.CRM_UI,
                phone=command.phone,
                command_id=command.id,
                report_id=command.id,
                report_state=ReportState.PENDING,
            )
            received[command.id] = received.get(command.id, 0) + 1
            arrived.set()

        settings = Settings(
            server_url=crm.url,
            rate_limit_requests=60,
            rate_window_s=60 / SPEED,
            poll_min_interval_s=2.0 / SPEED,
            poll_max_interval_s=15.0 / SPEED,
            heartbeat_minutes=0.5,
        )
        link = CrmLink(store, settings, on_command=persist)
        await link.login_qr(crm.url, crm.create_qr("op1"))
        await link.start()
        created: list[str] = []
        try:
            end = time.monotonic() + SHIFT_S
            while time.monotonic() < end:
                await asyncio.sleep(rng.expovariate(SPEED / 20))  # the operator's think time
                arrived.clear()
                cid = crm.create_command("op1", f"+7912{len(created):07d}")
                created.append(cid)
                # A generous guard against a hang, not a latency figure (see benchmarks/).
                async with asyncio.timeout(90 / SPEED + 10):
                    await arrived.wait()
                link.set_phone_busy(True)
                # Mostly short calls (10–60 s): the hardest case for the budget, since a call
                # shorter than the window does not reset the server's count.
                length = rng.uniform(10, 60) if rng.random() < 0.8 else rng.uniform(60, 180)
                length /= SPEED
                await asyncio.sleep(length)
                entry = store.call_by_command(cid)
                assert entry is not None
                report = CallReport(
                    call_request_id=cid, call_status=CallStatus.CONNECTED, call_duration_seconds=1
                )
                store.resolve_and_enqueue(
                    entry.id,
                    {"phase": CallPhase.RESOLVED, "status": CallStatus.CONNECTED},
                    report.wire(),
                )
                link.outbox_changed()
                link.set_phone_busy(False)
            async with asyncio.timeout(30):
                while store.outbox_stats().pending_by_kind.get("result", 0):
                    await asyncio.sleep(0.1)
            status = link.status()
        finally:
            await link.stop()
            store.close()

    requests = crm.requests()
    ip_limited = [r for r in requests if r.get("limited_by") == "ip"]
    assert ip_limited == []
    assert status.count_429 == 0
    assert len(created) >= 8
    assert received == dict.fromkeys(created, 1)
    for cid in created:
        assert crm.command(cid)["result"].get("call_status") == "connected"

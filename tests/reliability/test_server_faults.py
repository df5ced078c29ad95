"""A shift against a CRM that misbehaves in every way at once, then recovers.

The clock is accelerated: the CRM's minute (its per-IP window, its throttles' window and the
access token's lifetime) lasts 60 / SPEED real seconds, and the desk's pacing is scaled the
same way. Throughout the shift 30 % of requests fail with a 5xx (or, during a 429 storm, a 429
with or without `Retry-After`), access tokens expire every (accelerated) minute and the refresh
token rotates each time; in turn the CRM also answers slowly (up to past the desk's 15 s
timeout), drops connections, or does all of it together. The operator's calls go on.

Afterwards: every command's result was accepted by the CRM (none lost, no dead letter), the
session was never ended, and once the faults stop the desk is back to normal — results sent,
a new command dialled and reported, no server problem left — within seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from softphone.engine import Engine, EngineEvent, SessionChanged
from softphone.model import ReportState
from softphone.problems import Area
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer
from tests.support.engines import desk_engine
from tests.support.figures import record, spread
from tests.support.invariants import accepted, dials, unexpected_lines
from tests.support.waiting import eventually

pytestmark = [pytest.mark.adb, pytest.mark.slow]

SPEED = 5.0
MINUTE = 60 / SPEED
#: "Back to normal within seconds": the bound on each recovery figure, in real seconds.
RECOVERY_S = 10.0
FIVE_XX = (500, 502, 503, 504)
PULL = "/api/phone/calls/pull/"
#: What comes on top of the steady 30 % 5xx, in turn (a 429 storm replaces the 5xx).
PHASES: dict[str, dict[str, Any]] = {
    "5xx": {},
    "slow": {"latency_jitter_ms": 16_000},
    "drops": {"drop_rate": 0.3},
    "429_without_retry_after": {"error_rate": 0.6, "error_status": 429},
    "429_with_retry_after": {"error_rate": 0.6, "error_status": 429, "error_retry_after": 2},
    "everything": {"latency_jitter_ms": 5_000, "drop_rate": 0.1},
}
CALM = {
    "error_rate": 0.0,
    "drop_rate": 0.0,
    "latency_ms": 0,
    "latency_jitter_ms": 0,
    "error_retry_after": None,
}
SIZES = [
    # (accelerated minutes, real seconds per phase)
    pytest.param(2.5, 5.0, id="ci", marks=pytest.mark.timeout(150)),
    pytest.param(10.0, 20.0, id="soak", marks=[pytest.mark.soak, pytest.mark.timeout(600)]),
]


@pytest.fixture
def crm() -> Iterator[RunningCrm]:
    options = CrmOptions(
        profile="production",
        users=[("op1", "pw1", False)],
        ip_window=MINUTE,
        scope_window=MINUTE,
        access_ttl=MINUTE,
    )
    server = start_in_thread(options, port=0)
    try:
        yield server
    finally:
        server.stop()


def resolved(engine: Engine, command_id: str) -> bool:
    entry = engine.entry_for_command(command_id)
    return entry is not None and entry.status is not None


def faults_for(phase: str, rng: random.Random) -> dict[str, Any]:
    faults = {**CALM, "error_rate": 0.3, "error_status": rng.choice(FIVE_XX)}
    return {**faults, **PHASES[phase]}


def send(crm: RunningCrm, phone: SimPhone, rng: random.Random, n: int) -> tuple[str, str]:
    outcome = rng.choice(["answered", "answered", "no_answer", "busy", "rejected"])
    phone.push_scripts(CallScript(ring_s=rng.uniform(0.1, 0.8), outcome=outcome, talk_s=1.1))
    number = f"+7912{n:07d}"
    return crm.create_command("op1", number), number


@pytest.mark.parametrize(("minutes", "phase_s"), SIZES)
async def test_a_shift_of_server_faults_loses_nothing_and_recovers_in_seconds(
    minutes: float,
    phase_s: float,
    crm: RunningCrm,
    adb_server: AdbServer,
    sim_phone: SimPhone,
    caplog: pytest.LogCaptureFixture,  # every fault is worth a warning in the desk's log
) -> None:
    rng = random.Random(int(minutes * 1000))
    engine = desk_engine(
        adb_server.port,
        rate_limit_requests=60,
        rate_window_s=MINUTE,
        poll_min_interval_s=2 / SPEED,
        poll_max_interval_s=15 / SPEED,
        heartbeat_minutes=0.5,
    )
    sign_outs: list[SessionChanged] = []

    def watch(event: EngineEvent) -> None:
        if isinstance(event, SessionChanged) and not event.signed_in:
            sign_outs.append(event)

    engine.subscribe(watch)
    numbers: dict[str, str] = {}
    phases_run: list[str] = []
    try:
        await engine.start()
        await engine.login_qr(crm.url, crm.create_qr("op1"))
        await eventually(lambda: engine.status().ready, 15, "a ready engine")
        shift_end = time.monotonic() + minutes * MINUTE
        next_command: float | None = time.monotonic()
        current: str | None = None
        order = list(PHASES)
        while time.monotonic() < shift_end:
            # In turn, and the mixture last: the faults stop while all of them are on.
            left = shift_end - time.monotonic()
            phase = "everything" if left <= phase_s else order[len(phases_run) % len(order)]
            phases_run.append(phase)
            crm.set_faults(**faults_for(phase, rng))
            phase_end = min(shift_end, time.monotonic() + phase_s)
            while time.monotonic() < phase_end:
                # The operator: the next command a think time after the last call ended.
                if current is not None and resolved(engine, current):
                    current, next_command = None, time.monotonic() + rng.uniform(0.5, 3.0)
                if next_command is not None and time.monotonic() >= next_command:
                    current, number = send(crm, sim_phone, rng, len(numbers))
                    numbers[current] = number
                    next_command = None
                await asyncio.sleep(0.1)
        during = engine.status().sync

        crm.set_faults(**CALM)
        calm_at = time.monotonic()
        calm_wall = time.time()
        waiting_then = [
            cid
            for cid in numbers
            if (e := engine.entry_for_command(cid)) is not None
            and e.report_state is not ReportState.SENT
        ]
        last, number = send(crm, sim_phone, rng, len(numbers))
        numbers[last] = number

        def results_sent() -> bool:
            return all(
                (e := engine.entry_for_command(cid)) is not None
                and e.report_state is ReportState.SENT
                for cid in numbers
                if cid != last
            )

        await eventually(results_sent, 120, "every result of the shift sent")
        results_at = time.monotonic() - calm_at
        # Results may all be through before the first calm pull (the budget can hold pulls
        # a while after the faults, and results go first): wait for that pull too.
        first_pull = await eventually(
            lambda: min(
                (
                    r["t"]
                    for r in crm.requests()
                    if r["path"] == PULL and r["t"] >= calm_wall and r["status"] in (200, 204)
                ),
                default=None,
            ),
            120,
            "a pull answered after the faults",
        )
        await eventually(lambda: accepted(crm, last), 120, "the first calm command reported")
        new_command_at = time.monotonic() - calm_at
        await eventually(
            lambda: not [p for p in engine.status().problems if p.area is Area.SERVER],
            120,
            "no server problem left",
        )
        clear_at = time.monotonic() - calm_at
        status = engine.status()
    finally:
        await engine.stop()

    requests = crm.requests()
    by_status: dict[str, int] = {}
    for r in requests:
        key = str(r["status"] if r["status"] is not None else "dropped")
        by_status[key] = by_status.get(key, 0) + 1
    refreshes = [r for r in requests if r["path"] == "/api/token/refresh/"]
    delivery = [
        (c_time(crm.command(cid)["consumed_at"]) - c_time(crm.command(cid)["created_at"]))
        for cid in numbers
        if crm.command(cid)["consumed_at"]
    ]
    figures = {
        "accelerated_minutes": minutes,
        "speed": SPEED,
        "phases": phases_run,
        "commands": len(numbers),
        "results_accepted": sum(1 for cid in numbers if accepted(crm, cid)),
        "dead_letters": len(status.dead_letters),
        "sign_outs": len(sign_outs),
        "requests": len(requests),
        "requests_by_status": by_status,
        "ip_wall_429": sum(1 for r in requests if r.get("limited_by") == "ip"),
        "injected_faults": sum(1 for r in requests if r.get("fault")),
        "refreshes_ok": sum(1 for r in refreshes if r["status"] == 200),
        "refreshes_failed": sum(1 for r in refreshes if r["status"] != 200),
        "desk_count_429": during.count_429,
        "desk_locked_out_s": round(during.locked_out_total_s, 1),
        "delivery_s": spread(delivery),
        "results_waiting_when_calm": len(waiting_then),
        "recovery_s": {
            "first_pull_answered": round(first_pull - calm_wall, 2),
            "results_sent": round(results_at, 2),
            "new_command_reported": round(new_command_at, 2),
            "no_server_problem": round(clear_at, 2),
        },
    }
    record(f"2_server_faults_{minutes:g}min", figures)

    assert sign_outs == [] and status.sync.signed_in
    # The access token expired and was replaced, the refresh token rotating each time (a desk
    # that kept the old one would have been signed out at its next refresh).
    # (In the short run, 30 % of refreshes fail and storms hold the desk back for a third of
    # it: one rotation is what it can promise; the soak's ten minutes see several.)
    assert figures["refreshes_ok"] >= (1 if minutes < 5 else 2)
    assert [cid for cid in numbers if not accepted(crm, cid)] == []
    assert status.dead_letters == ()
    assert max(dials(sim_phone).values()) == 1
    assert unexpected_lines(sim_phone) == []
    assert results_at <= RECOVERY_S, figures["recovery_s"]
    assert new_command_at <= RECOVERY_S, figures["recovery_s"]
    assert clear_at <= RECOVERY_S, figures["recovery_s"]


def c_time(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()

"""A shift in which the phone misbehaves: the cable is pulled in the middle of a call and put
back, the phone stops trusting this computer (unauthorized) in the middle of a call, the call
log becomes unreadable (denied, or garbage), the phone's clock jumps by minutes.

The engine must say what happened (typed problems in its status while it lasts, a reason on
every call it could not resolve), resolve each call with what the phone can still tell, and
carry on when the phone is back: every command answered at the CRM, nothing dialled twice,
nothing stuck (no open call, nothing waiting, no result unsent).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from softphone.engine import Engine, EngineEvent, PhoneChanged
from softphone.model import CallStatus, HistoryEntry, ReportState
from softphone.problems import ProblemKind, Reason
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer
from tests.support.engines import desk_engine
from tests.support.figures import record
from tests.support.invariants import accepted, dials, unexpected_lines
from tests.support.waiting import eventually

pytestmark = [pytest.mark.adb, pytest.mark.slow]

TALK_S = 4.0
MINUTES_MS = 60_000


@pytest.fixture
def crm() -> Iterator[RunningCrm]:
    # The seed profile keeps `reason_if_unknown`: the CRM itself shows why a call is unknown.
    server = start_in_thread(CrmOptions(profile="seed", users=[("op1", "pw1", False)]), port=0)
    try:
        yield server
    finally:
        server.stop()


@dataclasses.dataclass
class Shift:
    crm: RunningCrm
    phone: SimPhone
    engine: Engine
    problems_seen: set[ProblemKind] = dataclasses.field(default_factory=set)
    numbers: dict[str, str] = dataclasses.field(default_factory=dict)  # command id → number
    #: What each scenario expects of its calls: command id → (status, reason) wanted.
    expected: dict[str, tuple[set[CallStatus], Reason | None]] = dataclasses.field(
        default_factory=dict
    )

    def send(self, script: CallScript, statuses: set[CallStatus], reason: Reason | None) -> str:
        self.phone.push_scripts(script)
        number = f"+7912{len(self.numbers):07d}"
        command_id = self.crm.create_command("op1", number)
        self.numbers[command_id] = number
        self.expected[command_id] = (statuses, reason)
        return command_id

    async def resolved(self, command_id: str, timeout: float = 60) -> HistoryEntry:
        def done() -> HistoryEntry | None:
            entry = self.engine.entry_for_command(command_id)
            return entry if entry is not None and entry.status is not None else None

        return await eventually(done, timeout, f"command {command_id} resolved")

    async def on_the_line(self) -> None:
        await eventually(
            lambda: (self.phone.state()["current_call"] or {}).get("status") == "active",
            30,
            "the call answered",
        )

    async def says(self, kind: ProblemKind, timeout: float = 20) -> None:
        await eventually(
            lambda: kind in {p.kind for p in self.engine.status().problems},
            timeout,
            f"the engine saying {kind}",
        )

    async def ready_again(self) -> None:
        await eventually(lambda: self.engine.status().ready, 30, "the phone back")


def answered() -> CallScript:
    return CallScript(ring_s=0.2, outcome="answered", talk_s=TALK_S)


CONNECTED = {CallStatus.CONNECTED}


async def cable_pulled_mid_call(shift: Shift) -> None:
    """Pulled while the operator talks, put back after the call ended on the phone."""
    first = shift.send(answered(), CONNECTED, None)
    await shift.on_the_line()
    shift.phone.drop_connections()
    shift.phone.set_reachable(False)
    await shift.says(ProblemKind.PHONE_OFFLINE)
    waiting = shift.send(CallScript(ring_s=0.2, talk_s=1.1), CONNECTED, None)
    await eventually(lambda: shift.phone.state()["call_state"] == 0, 30, "the call over")
    await eventually(lambda: shift.engine.status().waiting, 30, "the next command waiting")
    shift.phone.set_reachable(True)
    await shift.ready_again()
    entry = await shift.resolved(first)
    assert entry.duration_s == TALK_S, "the call log's duration, read once the phone was back"
    await shift.resolved(waiting)


async def unauthorized_mid_call(shift: Shift) -> None:
    """The phone revokes this computer's key in the middle of a call, then trusts it again."""
    first = shift.send(answered(), CONNECTED, None)
    await shift.on_the_line()
    shift.phone.set_auth("reject")
    await shift.says(ProblemKind.PHONE_UNAUTHORIZED)
    waiting = shift.send(CallScript(ring_s=0.2, talk_s=1.1), CONNECTED, None)
    await eventually(lambda: shift.engine.status().waiting, 30, "the next command waiting")
    await eventually(lambda: shift.phone.state()["call_state"] == 0, 30, "the call over")
    shift.phone.set_auth("none")
    await shift.ready_again()
    entry = await shift.resolved(first)
    assert entry.duration_s == TALK_S
    await shift.resolved(waiting)


async def call_log_denied(shift: Shift) -> None:
    """An update takes the shell's call-log permission away; a later one gives it back."""
    shift.phone.set_calllog("denied")
    denied = shift.send(
        CallScript(ring_s=0.2, talk_s=1.1),
        {CallStatus.UNKNOWN},
        Reason.MISSING_CALLLOG_PERMISSION,
    )
    await shift.resolved(denied)
    await shift.says(ProblemKind.CALL_LOG_DENIED)
    shift.phone.set_calllog("ok")
    await shift.resolved(shift.send(CallScript(ring_s=0.2, talk_s=1.1), CONNECTED, None))
    await eventually(
        lambda: ProblemKind.CALL_LOG_DENIED not in {p.kind for p in shift.engine.status().problems},
        20,
        "the call log readable again",
    )


async def call_log_garbage(shift: Shift) -> None:
    """The provider prints something that is not a call log at all."""
    shift.phone.set_calllog_output("java.lang.NullPointerException\n\tat ContentProvider.query\n")
    broken = shift.send(
        CallScript(ring_s=0.2, talk_s=1.1), {CallStatus.UNKNOWN}, Reason.CALLLOG_UNREADABLE
    )
    await shift.resolved(broken)
    await shift.says(ProblemKind.CALL_LOG_BROKEN)
    shift.phone.set_calllog_output(None)
    await shift.resolved(shift.send(CallScript(ring_s=0.2, talk_s=1.1), CONNECTED, None))


async def clock_jumps(shift: Shift, rng: random.Random) -> None:
    """The phone's clock is set minutes ahead or behind (by hand, by a bad network time)."""
    skew = rng.choice([-1, 1]) * rng.randint(2, 10) * MINUTES_MS
    shift.phone.set_clock_skew_ms(shift.phone.state()["clock_skew_ms"] + skew)
    entry = await shift.resolved(shift.send(answered(), CONNECTED, None))
    assert entry.duration_s == TALK_S


Scenario = Callable[[Shift], Awaitable[None]]
SCENARIOS: dict[str, Callable[[Shift, random.Random], Awaitable[None]]] = {
    "cable_pulled_mid_call": lambda s, _r: cable_pulled_mid_call(s),
    "unauthorized_mid_call": lambda s, _r: unauthorized_mid_call(s),
    "call_log_denied": lambda s, _r: call_log_denied(s),
    "call_log_garbage": lambda s, _r: call_log_garbage(s),
    "clock_jumps": clock_jumps,
}
SIZES = [
    pytest.param(1, id="ci", marks=pytest.mark.timeout(180)),
    pytest.param(4, id="soak", marks=[pytest.mark.soak, pytest.mark.timeout(900)]),
]


@pytest.mark.parametrize("rounds", SIZES)
async def test_phone_faults_mid_shift_are_said_resolved_and_outlived(
    rounds: int,
    crm: RunningCrm,
    adb_server: AdbServer,
    sim_phone: SimPhone,
    caplog: pytest.LogCaptureFixture,  # the phone's troubles are warnings in the desk's log
) -> None:
    rng = random.Random(3 + rounds)
    engine = desk_engine(adb_server.port, long_poll_wait_s=5)
    shift = Shift(crm, sim_phone, engine)

    def watch(event: EngineEvent) -> None:
        if isinstance(event, PhoneChanged):
            shift.problems_seen.update(p.kind for p in event.phone.problems)

    engine.subscribe(watch)
    order: list[str] = []
    started = time.monotonic()
    try:
        await engine.start()
        await engine.login_password(crm.url, "op1", "pw1")
        await shift.ready_again()
        for _ in range(rounds):
            names = list(SCENARIOS)
            rng.shuffle(names)
            for name in names:
                order.append(name)
                await SCENARIOS[name](shift, rng)
        await eventually(
            lambda: all(accepted(crm, cid) for cid in shift.numbers), 60, "every result sent"
        )
        status = engine.status()
        entries = {cid: engine.entry_for_command(cid) for cid in shift.numbers}
    finally:
        await engine.stop()

    outcomes: dict[str, Any] = {}
    for cid, entry in entries.items():
        assert entry is not None
        statuses, reason = shift.expected[cid]
        outcomes[cid] = (entry.status, entry.reason, entry.duration_s)
        assert entry.status in statuses, (cid, entry)
        assert entry.reason == reason or reason is None, (cid, entry)
        assert entry.report_state is ReportState.SENT
        sent = accepted(crm, cid)[-1]["body"]
        assert sent["call_status"] == entry.status.value
        if entry.status is CallStatus.UNKNOWN:
            assert sent["reason_if_unknown"] == entry.reason
    record(
        f"3_phone_faults_{rounds}_rounds",
        {
            "scenarios": order,
            "seconds": round(time.monotonic() - started, 1),
            "commands": len(shift.numbers),
            "problems_said": sorted(shift.problems_seen),
            "statuses": sorted({str(o[0]) for o in outcomes.values()}),
            "unknown_with_reason": sorted(
                {str(o[1]) for o in outcomes.values() if o[0] is CallStatus.UNKNOWN}
            ),
            "dialled_twice": sorted(n for n, c in dials(sim_phone).items() if c > 1),
            "stuck": {
                "current_call": status.current_call is not None,
                "waiting": len(status.waiting),
                "results_unsent": sum(
                    1 for e in entries.values() if e and e.report_state is not ReportState.SENT
                ),
            },
        },
    )
    assert {
        ProblemKind.PHONE_OFFLINE,
        ProblemKind.PHONE_UNAUTHORIZED,
        ProblemKind.CALL_LOG_DENIED,
        ProblemKind.CALL_LOG_BROKEN,
    } <= shift.problems_seen
    assert dials(sim_phone) == {number: 1 for number in shift.numbers.values()}
    assert unexpected_lines(sim_phone) == []
    assert status.current_call is None and status.waiting == ()
    assert status.dead_letters == ()

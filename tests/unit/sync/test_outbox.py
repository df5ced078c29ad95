"""The outbox drainer: fallbacks, status degradation, dead letters, retries bounded by age."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from softphone.model import ActionSource, CallPhase, CallReport, CallStatus, Direction, ReportState
from softphone.store import OutboxKind, Store
from softphone.sync.api import CrmApi
from softphone.sync.auth import Session, TokenVault
from softphone.sync.budget import BudgetConfig, RateBudget, RequestKind
from softphone.sync.clock import Clock
from softphone.sync.outbox import Outbox, Outcome, result_attempts
from tests.unit.sync.fake_crm import FakeCrm

URL = "https://crm.example.com"
UPDATE = "/api/phone/calls/update/"
REQ_ID = "6f1c1a2e-0a9b-4a53-9b3e-0d2f7f6a1c11"


class Times:
    def __init__(self) -> None:
        self.wall = 1_700_000_000.0
        self.mono = 500.0


@pytest.fixture
def times() -> Times:
    return Times()


@pytest.fixture
def store(times: Times) -> Store:
    return Store.memory(clock=lambda: times.wall)


async def drainer(
    crm: FakeCrm,
    store: Store,
    times: Times,
    max_age_s: float = 86_400,
    on_change: Callable[[int | None], None] | None = None,
) -> Outbox:
    session = Session(TokenVault(1.0), lambda url: CrmApi(url, transport=crm.transport))
    await session.login_password(URL, "op1", "pw1")
    budget = RateBudget(BudgetConfig(), lambda: times.mono)
    clock = Clock(monotonic=lambda: times.mono, wall=lambda: times.wall)
    return Outbox(store, session, budget, clock=clock, max_age_s=max_age_s, on_change=on_change)


def production_results(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
    """Production: no_action is refused in both forms; unknown extended values are dropped."""
    if request.url.path != UPDATE:
        return None
    if body.get("call_status") == "no_action":
        return httpx.Response(400, json={"call_status": ['"no_action" is not a valid choice.']})
    return None


_serial = itertools.count()


def add_result(store: Store, status: CallStatus, **extended: Any) -> int:
    entry = store.add_call(
        source=ActionSource.CRM_UI,
        phone="+79123456789",
        command_id=f"{REQ_ID}-{next(_serial)}",
        report_id=REQ_ID,
        report_state=ReportState.PENDING,
    )
    assert entry is not None
    report = CallReport(call_request_id=REQ_ID, call_status=status, **extended)
    store.resolve_and_enqueue(
        entry.id, {"phase": CallPhase.RESOLVED, "status": status}, report.wire()
    )
    return entry.id


def sent_bodies(crm: FakeCrm, path: str = UPDATE) -> list[dict[str, Any]]:
    return [b for p, b in crm.bodies if p == path]


async def test_no_action_reaches_production_as_unknown_and_stays_precise_locally(
    store: Store, times: Times
) -> None:
    crm = FakeCrm()
    crm.override = production_results
    outbox = await drainer(crm, store, times)
    call_id = add_result(store, CallStatus.NO_ACTION, direction=Direction.OUTGOING)
    await outbox.drain_once()
    assert [b["call_status"] for b in sent_bodies(crm)] == ["no_action", "unknown"]
    entry = store.call(call_id)
    assert entry.status is CallStatus.NO_ACTION
    assert entry.wire_status is CallStatus.UNKNOWN
    assert entry.report_state is ReportState.SENT
    # The server taught us: the next no_action goes as unknown the first time.
    add_result(store, CallStatus.NO_ACTION, direction=Direction.OUTGOING)
    await outbox.drain_once()
    assert [b["call_status"] for b in sent_bodies(crm)][2:] == ["unknown"]


async def test_a_refused_status_is_learnt_even_when_its_fallback_cannot_go_yet(
    store: Store, times: Times
) -> None:
    # The 400 arrives, then the fallback meets a 429: the item waits — and what the 400 taught
    # is kept already, so the next run (same store) pays no 400 again.
    crm = FakeCrm()

    def refuse_then_limit(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
        if request.url.path == UPDATE and body.get("call_status") == "unknown":
            return httpx.Response(429, json={"detail": "Превышен лимит запросов."})
        return production_results(request, body)

    crm.override = refuse_then_limit
    outbox = await drainer(crm, store, times)
    add_result(store, CallStatus.NO_ACTION)
    assert await outbox.deliver(store.due()[0]) is Outcome.RETRY
    crm.override = production_results
    restarted = await drainer(crm, store, times)  # a new run on the same desk
    times.wall += 3600
    times.mono += 3600
    await restarted.drain_once()
    assert [b["call_status"] for b in sent_bodies(crm)] == ["no_action", "unknown", "unknown"]


async def test_what_one_server_refused_is_not_assumed_of_another(
    store: Store, times: Times
) -> None:
    crm = FakeCrm()
    crm.override = production_results
    outbox = await drainer(crm, store, times)
    add_result(store, CallStatus.NO_ACTION)
    await outbox.drain_once()
    other = FakeCrm()  # the seed's server takes no_action
    session = Session(TokenVault(1.0), lambda url: CrmApi(url, transport=other.transport))
    await session.login_password("https://other-crm.example.com", "op1", "pw1")
    clock = Clock(monotonic=lambda: times.mono, wall=lambda: times.wall)
    elsewhere = Outbox(
        store, session, RateBudget(BudgetConfig(), lambda: times.mono), clock=clock, max_age_s=1e6
    )
    add_result(store, CallStatus.NO_ACTION)
    await elsewhere.drain_once()
    assert [b["call_status"] for b in sent_bodies(other)] == ["no_action"]


async def test_an_extended_body_refused_as_a_form_falls_back_to_legacy(
    store: Store, times: Times
) -> None:
    crm = FakeCrm()
    crm.override = lambda req, body: (
        httpx.Response(415, json={"detail": "unsupported"})
        if req.url.path == UPDATE and "direction" in body
        else None
    )
    outbox = await drainer(crm, store, times)
    add_result(store, CallStatus.CONNECTED, direction=Direction.OUTGOING, attempts_count=1)
    await outbox.drain_once()
    bodies = sent_bodies(crm)
    assert len(bodies) == 2
    assert set(bodies[1]) == {"call_request_id", "call_status"}
    assert store.outbox_stats().pending == 0


async def test_a_404_result_becomes_a_dead_letter_with_the_reason_and_is_not_retried(
    store: Store, times: Times, caplog: pytest.LogCaptureFixture
) -> None:
    crm = FakeCrm()
    crm.override = lambda req, _b: (
        httpx.Response(404, json={"detail": "CallRequest not found or access denied"})
        if req.url.path == UPDATE
        else None
    )
    outbox = await drainer(crm, store, times)
    call_id = add_result(store, CallStatus.CONNECTED)
    await outbox.drain_once()
    times.wall += 10 * 86_400
    await outbox.drain_once()
    assert len(sent_bodies(crm)) == 1
    dead = store.dead_letters()
    assert len(dead) == 1 and "CallRequest not found" in (dead[0].last_error or "")
    entry = store.call(call_id)
    assert entry.report_state is ReportState.DEAD
    assert entry.report_error == "HTTP 404: CallRequest not found or access denied"
    assert "refused for good" in caplog.text


async def test_a_dead_letter_can_be_retried_or_discarded(
    store: Store, times: Times, caplog: pytest.LogCaptureFixture
) -> None:
    crm = FakeCrm()
    refuse = True
    crm.override = lambda req, _b: (
        httpx.Response(404, json={"detail": "gone"}) if refuse and req.url.path == UPDATE else None
    )
    outbox = await drainer(crm, store, times)
    call_id = add_result(store, CallStatus.BUSY)
    await outbox.drain_once()
    (dead,) = store.dead_letters()
    refuse = False
    store.revive(dead.id)
    await outbox.drain_once()
    assert store.call(call_id).report_state is ReportState.SENT
    refuse = True
    add_result(store, CallStatus.REJECTED)
    await outbox.drain_once()
    (dead,) = store.dead_letters()
    store.discard(dead.id)
    assert store.outbox_stats().dead == 0


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_transient_failures_are_retried_with_growing_delays(
    store: Store, times: Times, status: int
) -> None:
    crm = FakeCrm()
    crm.override = lambda req, _b: httpx.Response(status) if req.url.path == UPDATE else None
    outbox = await drainer(crm, store, times)
    add_result(store, CallStatus.CONNECTED)
    delays = []
    for _ in range(4):
        item = store.due(times.wall + 10**6)[0]
        times.wall = item.next_attempt_at
        times.mono += 3600  # past any lockout
        assert await outbox.deliver(item) is Outcome.RETRY
        delays.append(store.outbox_item(item.id).next_attempt_at - times.wall)  # type: ignore[union-attr]
    assert store.dead_letters() == []
    if status != 429:
        assert delays[0] < delays[2] < delays[3]


async def test_a_put_off_result_announces_its_call_so_the_history_shows_the_next_try(
    store: Store, times: Times
) -> None:
    crm = FakeCrm()
    crm.override = lambda req, _b: httpx.Response(503) if req.url.path == UPDATE else None
    announced: list[int | None] = []
    outbox = await drainer(crm, store, times, on_change=announced.append)
    call_id = add_result(store, CallStatus.CONNECTED)
    await outbox.drain_once()
    assert announced == [call_id]
    item = store.outbox_for_calls([call_id])[call_id]
    assert item.attempts == 1 and item.next_attempt_at > times.wall
    assert store.call(call_id).report_state is ReportState.QUEUED


async def test_an_item_older_than_the_age_limit_becomes_a_dead_letter_saying_why(
    store: Store, times: Times, caplog: pytest.LogCaptureFixture
) -> None:
    crm = FakeCrm()
    crm.override = lambda req, _b: httpx.Response(503) if req.url.path == UPDATE else None
    outbox = await drainer(crm, store, times, max_age_s=3 * 86_400)
    add_result(store, CallStatus.CONNECTED)
    await outbox.drain_once()
    times.wall += 3 * 86_400 + 1
    await outbox.drain_once()
    (dead,) = store.dead_letters()
    assert "not delivered in 3 days" in (dead.last_error or "")
    assert "503" in (dead.last_error or "")


async def test_a_signed_out_session_leaves_items_waiting_untouched(
    store: Store, times: Times
) -> None:
    crm = FakeCrm()
    outbox = await drainer(crm, store, times)
    crm.refresh_fault = 401
    crm.expire_access_now = True
    add_result(store, CallStatus.CONNECTED)
    assert await outbox.drain_once() is None
    (item,) = store.due()
    assert item.attempts == 0 and store.dead_letters() == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(403, json={"detail": "forbidden"}),
        httpx.Response(400, json={"refresh": ["This field is required."]}),
        httpx.Response(200, text="<html>proxy page</html>"),
    ],
    ids=["403", "400", "not-json"],
)
async def test_a_refresh_refused_on_the_way_is_no_refusal_of_the_result(
    store: Store, times: Times, caplog: pytest.LogCaptureFixture, answer: httpx.Response
) -> None:
    # The access token ran out as the result went; the refresh came back refused or garbled.
    # That says nothing about the result: it waits for a later try, never a dead letter.
    crm = FakeCrm()
    outbox = await drainer(crm, store, times)
    crm.expire_access_now = True
    crm.override = lambda req, _b: answer if req.url.path == "/api/token/refresh/" else None
    call_id = add_result(store, CallStatus.CONNECTED)
    await outbox.drain_once()
    assert store.dead_letters() == []
    assert store.call(call_id).report_state is ReportState.QUEUED
    crm.override = None
    times.wall += 3600
    times.mono += 3600
    await outbox.drain_once()
    assert store.call(call_id).report_state is ReportState.SENT
    assert "refused for good" not in caplog.text


async def test_results_are_sent_before_heartbeats_and_logs(store: Store, times: Times) -> None:
    crm = FakeCrm()
    outbox = await drainer(crm, store, times)
    store.enqueue(OutboxKind.LOG, {"payload": "x"})
    store.enqueue(OutboxKind.HEARTBEAT, {"device_id": "d"})
    add_result(store, CallStatus.CONNECTED)
    await outbox.drain_once()
    paths = [p for _m, p in crm.calls if p.startswith("/api/phone/")]
    assert paths == [UPDATE, "/api/phone/devices/heartbeat/", "/api/phone/logs/"]


async def test_items_wait_when_the_budget_is_spent(store: Store, times: Times) -> None:
    crm = FakeCrm()
    outbox = await drainer(crm, store, times)
    budget = outbox._budget
    for _ in range(budget.config.ceiling):
        budget.note_sent(RequestKind.PULL, times.mono)
    add_result(store, CallStatus.CONNECTED)
    wait = await outbox.drain_once()
    assert wait is not None and wait > 50
    assert sent_bodies(crm) == []


def test_result_attempts_try_the_status_before_the_form() -> None:
    body = CallReport(
        call_request_id=REQ_ID, call_status=CallStatus.NO_ACTION, direction=Direction.OUTGOING
    ).wire()
    order = [(a.status, a.legacy) for a in result_attempts(body)]
    assert order == [
        ("no_action", False),
        ("unknown", False),
        ("no_action", True),
        ("unknown", True),
    ]
    legacy_only = result_attempts(body, legacy_only=True, refused=frozenset({"no_action"}))
    assert [(a.status, a.legacy) for a in legacy_only] == [("unknown", True)]
    plain = CallReport(call_request_id=REQ_ID, call_status=CallStatus.CONNECTED).wire()
    assert len(result_attempts(plain)) == 1

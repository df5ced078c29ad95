"""Hostile input: whatever a broken or malicious CRM or phone sends, the desk neither crashes
nor obeys it, says why in its log, and still answers what can be answered.

Generated with hypothesis (`tests/support/hostile.py`): pull answers (wrong types, huge strings,
missing and extra fields, text that is not JSON, shell and control characters in `phone`, ids
shaped like paths or SQL), sign-in and refresh answers, and call-log outputs.

- fast, many examples: the API client and the call-log parser on their own — every answer is
  a command, a session, rows, or a typed error with a short text; a command is the one the
  contract says (`usable_id`), and its number only ever becomes the one dial line there is;
- end to end, fewer examples: the engine against the simulated CRM and phone, with the garbled
  answer standing in for a real command the CRM hands out. A command with an id the CRM issued
  gets its result there; one with an id it never issued is refused and kept as a dead letter
  with the reason; one without a usable id is a warning that says why. The phone never
  receives anything but the expected command lines, and nothing is dialled twice.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from softphone.adb.commands import call_log_check, dial_command
from softphone.adb.parse import parse_call_log
from softphone.engine import Engine
from softphone.model import CallStatus, ReportState
from softphone.numbers import InvalidNumber, normalize
from softphone.problems import ProblemKind, Reason
from softphone.sim.crm import COMMAND_ID_MARK, CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from softphone.sync import CrmError, SignedOut
from softphone.sync.api import BadResponse, CrmApi, Refreshed
from softphone.sync.auth import Session, TokenVault
from tests.support.adb import AdbServer
from tests.support.engines import desk_engine
from tests.support.figures import record
from tests.support.hostile import call_log_outputs, pull_bodies, token_answers, usable_id
from tests.support.invariants import EXPECTED_LINES, accepted, dials, unexpected_lines
from tests.support.waiting import eventually

PULL = "/api/phone/calls/pull/"
REFRESH = "/api/token/refresh/"
EXCHANGE = "/api/phone/qr/exchange/"
#: Hypothesis runs every example of a test inside one engine (set up once per test): the
#: function-scoped fixture is the point, not an accident.
SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=SHARED)


def _expected_dial(phone: str) -> None:
    """A number is dialled only as the one line a desk sends, whatever text it came from."""
    try:
        number = normalize(phone)
    except InvalidNumber:
        return
    line = dial_command(number)
    assert any(pattern.fullmatch(line) for pattern in EXPECTED_LINES), line


def _fit_for_a_person(err: Exception) -> None:
    text = str(err)
    assert text and len(text) <= 400 and "\n" not in text and "\x00" not in text, text


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name.startswith("softphone") and r.levelno >= logging.WARNING
    ]


def errors_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors the desk logged (a traceback means something was not expected)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("softphone") and r.levelno >= logging.ERROR
    ]


# ---- fast: the client's own pieces --------------------------------------------------------------


class Canned:
    """An HTTP stand-in that answers every request with the status and text it was given."""

    def __init__(self) -> None:
        self.status, self.body = 200, ""

    def reply(self, status: int, body: str) -> None:
        self.status, self.body = status, body

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            self.status,
            content=self.body.encode("utf-8", "surrogatepass"),
            headers={"Content-Type": "application/json"},
        )


@pytest.fixture
async def api() -> AsyncIterator[tuple[CrmApi, Canned]]:
    canned = Canned()
    client = CrmApi("http://127.0.0.1:9", transport=httpx.MockTransport(canned))
    try:
        yield client, canned
    finally:
        await client.aclose()


@FAST
@given(body=pull_bodies(COMMAND_ID_MARK))
async def test_any_pull_answer_is_the_contracts_command_or_a_clear_error(
    api: tuple[CrmApi, Canned], caplog: pytest.LogCaptureFixture, body: str
) -> None:
    client, canned = api
    canned.reply(200, body)
    said = len(warnings_of(caplog))
    try:
        result = await client.pull("access", "desk", 25)
    except CrmError as err:
        refused: CrmError = err
    else:
        refused = CrmError()
    if str(refused):
        assert type(refused) is BadResponse
        assert usable_id(body) is None
        _fit_for_a_person(refused)
        return
    if result.command is None:
        # The server said 200 and handed out nothing readable: that is worth a line.
        assert len(warnings_of(caplog)) > said
        assert usable_id(body) is None
        return
    assert result.command.id == usable_id(body)
    assert len(result.command.phone) <= 256
    _expected_dial(result.command.phone)


@FAST
@given(answer=token_answers(), how=st.sampled_from(["password", "qr", "refresh"]))
async def test_any_sign_in_or_refresh_answer_is_tokens_or_a_clear_error(
    api: tuple[CrmApi, Canned], answer: tuple[int, str], how: str
) -> None:
    client, canned = api
    status, body = answer
    canned.reply(status, body)
    got: Any = None
    refused: CrmError | None = None
    try:
        if how == "password":
            got = await client.obtain_token("op1", "pw1")
        elif how == "qr":
            got = await client.qr_exchange("qr-token")
        else:
            got = await client.refresh("refresh-token")
    except CrmError as err:
        refused = err
    if refused is not None:
        _fit_for_a_person(refused)
        # A success status with a body that is not tokens is the answer's fault, said so.
        assert not 200 <= status < 300 or type(refused) is BadResponse, refused
        return
    assert 200 <= status < 300
    assert isinstance(got.access, str)
    assert isinstance(got.refresh, str) or (isinstance(got, Refreshed) and got.refresh is None)


GOOD_PAIR = json.dumps({"access": "a" * 20, "refresh": "r" * 20, "username": "op1"})


@FAST
@given(answer=token_answers())
async def test_only_a_401_to_a_refresh_ends_the_session(
    api: tuple[CrmApi, Canned],
    caplog: pytest.LogCaptureFixture,  # a refused refresh is worth a warning
    answer: tuple[int, str],
) -> None:
    client, canned = api
    session = Session(TokenVault(), lambda _url: client)
    canned.reply(200, GOOD_PAIR)
    await session.login_qr("http://127.0.0.1:9", "qr-token")
    status, body = answer
    canned.reply(status, body)
    try:
        fresh = await session.refreshed_access("a" * 20)
    except SignedOut:
        assert status == 401 and not session.signed_in
        assert session.ended is not None and session.ended.kind is ProblemKind.SESSION_ENDED
        return
    except CrmError as err:
        _fit_for_a_person(err)
        assert session.signed_in and session.access() == "a" * 20  # kept as it was
        return
    assert 200 <= status < 300 and isinstance(fresh, str) and session.signed_in


@FAST
@given(text=call_log_outputs())
def test_any_call_log_output_is_rows_or_a_failure_with_its_words(text: str) -> None:
    parsed = parse_call_log(text)
    check = call_log_check(text)
    for row in parsed.rows:
        assert isinstance(row.id, int) and isinstance(row.date_ms, int)
        assert row.duration_s >= 0
    if parsed.error is None:
        assert check.ok
    else:
        assert not check.ok and check.problem is not None
        assert check.problem.kind in (ProblemKind.CALL_LOG_DENIED, ProblemKind.CALL_LOG_BROKEN)


# ---- end to end: the engine between the simulated CRM and phone ---------------------------------


class Desk:
    def __init__(self, engine: Engine, crm: RunningCrm, phone: SimPhone) -> None:
        self.engine, self.crm, self.phone = engine, crm, phone
        self.numbers = 0
        #: What became of the examples, for the figures.
        self.tally: collections.Counter[str] = collections.Counter()

    def served(self, path: str) -> int:
        return sum(1 for r in self.crm.requests() if r["path"] == path and r.get("fault"))

    def pulled_since(self, since: float) -> bool:
        """Whether a pull was answered as the contract says (200 or 204) since then."""
        return any(
            r["path"] == PULL
            and r["t"] >= since
            and r["status"] in (200, 204)
            and not r.get("fault")
            for r in self.crm.requests()
        )

    def real_command(self) -> tuple[str, str]:
        self.numbers += 1
        number = f"+7913{self.numbers:07d}"
        return self.crm.create_command("op1", number), number

    async def sign_in(self) -> None:
        await self.engine.login_qr(self.crm.url, self.crm.create_qr("op1"))
        await eventually(lambda: self.engine.status().ready, 15, "a ready engine")


@contextlib.asynccontextmanager
async def desk_running(
    name: str,
    adb_server: AdbServer,
    phone: SimPhone,
    rate_window_s: float = 60.0,
    **crm_options: Any,
) -> AsyncIterator[Desk]:
    # Limits lifted: these desks pull fast, to meet many hostile answers in little time.
    options = CrmOptions(
        profile="production",
        users=[("op1", "pw1", False)],
        ip_limit=100_000,
        pull_per_min=100_000,
        login_per_min=100_000,
        **crm_options,
    )
    crm = start_in_thread(options, port=0)
    # Every call ends soon: these tests are about what reaches the phone, not the talk. It
    # rings a second: a call already over when the desk first looks at the phone after
    # `am start` is taken for one that never started (`dial_not_started`), which is not what
    # these tests are about.
    phone.set_default_script(CallScript(ring_s=1.0, outcome="busy"))
    engine = desk_engine(
        adb_server.port,
        rate_limit_requests=100_000,
        poll_min_interval_s=0.1,
        call_log_wait_s=1.5,
        heartbeat_minutes=30,
        rate_window_s=rate_window_s,
    )
    desk = Desk(engine, crm, phone)
    try:
        await engine.start()
        await desk.sign_in()
        yield desk
    finally:
        await engine.stop()
        crm.stop()
    lines = phone.commands()
    desk.tally["phone_lines"] = len(lines)
    desk.tally["phone_lines_unexpected"] = len(unexpected_lines(phone))
    record(f"4_hostile_{name.removeprefix('test_hostile_')}", dict(desk.tally))
    assert unexpected_lines(phone) == []


@pytest.fixture
async def desk(
    request: pytest.FixtureRequest, adb_server: AdbServer, sim_phone: SimPhone
) -> AsyncIterator[Desk]:
    async with desk_running(request.node.name, adb_server, sim_phone) as running:
        yield running


@pytest.fixture
async def refreshing_desk(
    request: pytest.FixtureRequest, adb_server: AdbServer, sim_phone: SimPhone
) -> AsyncIterator[Desk]:
    # Access tokens live 2 s: the desk refreshes every second or two. A hostile 429 without
    # Retry-After locks the desk out for a window: 2 s here, not the production minute.
    async with desk_running(
        request.node.name, adb_server, sim_phone, rate_window_s=2.0, access_ttl=2.0
    ) as running:
        yield running


async def hostile_pull(desk: Desk, caplog: pytest.LogCaptureFixture, body: str) -> None:
    said = len(warnings_of(caplog))
    dialled = sum(dials(desk.phone).values())
    served = desk.served(PULL)
    desk.crm.set_faults(reply_next={"path": PULL, "body": body, "consume": "next"})
    command_id, _ = desk.real_command()
    await eventually(lambda: desk.served(PULL) > served, 20, "the garbled answer served")
    usable = usable_id(body.replace(COMMAND_ID_MARK, command_id))
    desk.tally["examples"] += 1
    if usable == command_id:
        await eventually(lambda: accepted(desk.crm, command_id), 30, "the result at the CRM")
        desk.tally["answered_at_the_crm"] += 1
    elif usable is not None:
        # An id the CRM never issued: the desk answers it, the CRM refuses, the desk keeps the
        # refusal as a dead letter with the reason (or knew that id already and ignored it).
        entry = await eventually(
            lambda: (
                (e := desk.engine.entry_for_command(usable))
                and e.report_state in (ReportState.DEAD, ReportState.SENT)
                and e
            ),
            30,
            "the refused result kept with its reason",
        )
        assert entry.report_state is ReportState.DEAD and entry.report_error
        desk.tally["refused_by_the_crm_kept_as_dead_letter"] += 1
    else:
        await eventually(lambda: len(warnings_of(caplog)) > said, 10, "a warning saying why")
        await eventually(lambda: desk.engine.status().current_call is None, 10, "no call")
        desk.tally["unreadable_said_in_the_log"] += 1
    desk.tally["dialled"] += sum(dials(desk.phone).values()) - dialled
    assert sum(dials(desk.phone).values()) - dialled <= 1
    if usable is None:
        assert sum(dials(desk.phone).values()) == dialled
    assert unexpected_lines(desk.phone) == []
    assert errors_of(caplog) == []
    # And it goes on pulling (after a short back-off: a server that garbles is not hammered).
    since = time.time()
    await eventually(lambda: desk.pulled_since(since), 90, "the desk pulling on")


#: End to end, an example runs against the state the ones before it left: no shrinking (a
#: failure is reported as found, with the examples before it in the log).
E2E: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": SHARED,
    "phases": (Phase.explicit, Phase.reuse, Phase.generate),
    "report_multiple_bugs": False,
}


MARK = COMMAND_ID_MARK
#: Every kind of outcome, whatever the generator draws: answered (dialled or not), refused by
#: the CRM (an id it never issued), unreadable.
PULL_EXAMPLES = (
    json.dumps({"id": MARK, "phone": "+7 912 345-67-89; reboot", "note": "\x1b[2J"}),
    json.dumps({"id": MARK, "phone": "8 (912) 345-67-89", "extra": {"a": [1, None]}}),
    json.dumps({"id": f"  {MARK} ", "phone": 79123456788, "company_id": [1]}),
    json.dumps({"id": MARK, "phone": "9" * 5000}),
    json.dumps({"id": "1; DROP TABLE calls;--", "phone": "+79123456787"}),
    json.dumps({"id": "../../etc/passwd", "phone": "$(reboot)"}),
    '{"id": "' + MARK + '", "phone": "+7912',
)


def with_examples(test: Any) -> Any:
    for body in PULL_EXAMPLES:
        test = example(body=body)(test)
    return test


@pytest.mark.adb
@pytest.mark.slow
@pytest.mark.timeout(150)
@settings(max_examples=12, derandomize=True, **E2E)
@given(body=pull_bodies(MARK))
@with_examples
async def test_hostile_pull_answers_end_to_end(
    desk: Desk, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    await hostile_pull(desk, caplog, body)


@pytest.mark.adb
@pytest.mark.slow
@pytest.mark.soak
@pytest.mark.timeout(900)
@settings(max_examples=150, **E2E)
@given(body=pull_bodies(MARK))
@with_examples
async def test_hostile_pull_answers_end_to_end_soak(
    desk: Desk, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    await hostile_pull(desk, caplog, body)


async def hostile_session_answer(
    desk: Desk, caplog: pytest.LogCaptureFixture, answer: tuple[int, str], how: str
) -> None:
    status, body = answer
    if not desk.engine.status().sync.signed_in:
        await desk.sign_in()
    path = REFRESH if how == "refresh" else EXCHANGE
    served = desk.served(path)
    desk.crm.set_faults(reply_next={"path": path, "status": status, "body": body})
    if how == "qr":
        with contextlib.suppress(CrmError):
            await desk.engine.login_qr(desk.crm.url, "a-qr-token-the-crm-never-made")
    await eventually(lambda: desk.served(path) > served, 20, "the hostile answer served")
    since = time.time()

    def carried_on() -> bool:
        if not desk.engine.status().sync.signed_in:
            return True  # judged below
        return desk.pulled_since(since)

    await eventually(carried_on, 30, "the desk pulling again (or signed out, saying why)")
    now = desk.engine.status()
    desk.tally["examples"] += 1
    desk.tally[f"{how}: " + ("session kept" if now.sync.signed_in else "signed out, said")] += 1
    if not now.sync.signed_in:
        # Only the server's own word ends a session: a 401, or tokens it gave that it then
        # refuses. The desk says so, with a typed problem.
        assert status == 401 or 200 <= status < 300, (status, body)
        assert ProblemKind.SESSION_ENDED in {p.kind for p in now.problems}
    assert errors_of(caplog) == []


BLACKLISTED = json.dumps({"detail": "Token is blacklisted", "code": "token_not_valid"})


@pytest.mark.adb
@pytest.mark.slow
@pytest.mark.timeout(150)
@settings(max_examples=8, derandomize=True, **E2E)
@given(answer=token_answers(), how=st.sampled_from(["refresh", "qr"]))
@example(answer=(401, BLACKLISTED), how="refresh")
@example(answer=(200, json.dumps({"access": "x", "refresh": "y"})), how="refresh")
@example(answer=(200, "<html>proxy</html>"), how="qr")
@example(answer=(429, ""), how="refresh")
async def test_hostile_refresh_and_sign_in_answers_end_to_end(
    refreshing_desk: Desk, caplog: pytest.LogCaptureFixture, answer: tuple[int, str], how: str
) -> None:
    await hostile_session_answer(refreshing_desk, caplog, answer, how)


@pytest.mark.adb
@pytest.mark.slow
@pytest.mark.soak
@pytest.mark.timeout(900)
@settings(max_examples=60, **E2E)
@given(answer=token_answers(), how=st.sampled_from(["refresh", "qr"]))
async def test_hostile_refresh_and_sign_in_answers_end_to_end_soak(
    refreshing_desk: Desk, caplog: pytest.LogCaptureFixture, answer: tuple[int, str], how: str
) -> None:
    await hostile_session_answer(refreshing_desk, caplog, answer, how)


UNKNOWN_REASONS = {
    Reason.CALLLOG_UNREADABLE,
    Reason.MISSING_CALLLOG_PERMISSION,
    Reason.NO_CALLLOG_ROW,
}


async def hostile_call_log(desk: Desk, caplog: pytest.LogCaptureFixture, text: str) -> None:
    desk.phone.set_calllog_output(text)
    try:
        command_id, number = desk.real_command()
        entry = await eventually(
            lambda: (e := desk.engine.entry_for_command(command_id)) and e.status and e,
            30,
            "the call resolved",
        )
        await eventually(lambda: accepted(desk.crm, command_id), 30, "its result at the CRM")
    finally:
        desk.phone.set_calllog_output(None)
    desk.tally["examples"] += 1
    desk.tally[f"{entry.status}: {entry.reason}"] += 1
    assert dials(desk.phone)[number] == 1
    assert entry.status is CallStatus.UNKNOWN, entry
    assert entry.reason in UNKNOWN_REASONS, entry
    assert unexpected_lines(desk.phone) == []
    assert errors_of(caplog) == []


@pytest.mark.adb
@pytest.mark.slow
@pytest.mark.timeout(120)
@settings(max_examples=5, derandomize=True, **E2E)
@given(text=call_log_outputs())
@example(text="Row: 0 _id=1, number=$(reboot), date=x, duration=-5, type=2, subscription_id=1")
@example(
    text="Error while accessing provider:call_log\njava.lang.SecurityException: Permission "
    "Denial: opening provider com.android.providers.contacts.CallLogProvider requires "
    "android.permission.READ_CALL_LOG"
)
async def test_hostile_call_log_outputs_end_to_end(
    desk: Desk, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    await hostile_call_log(desk, caplog, text)


@pytest.mark.adb
@pytest.mark.slow
@pytest.mark.soak
@pytest.mark.timeout(900)
@settings(max_examples=40, **E2E)
@given(text=call_log_outputs())
async def test_hostile_call_log_outputs_end_to_end_soak(
    desk: Desk, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    await hostile_call_log(desk, caplog, text)

"""Sessions: sign-in, the keyring with a timeout, and the single-flight rotating refresh."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend

from softphone.sync.api import CrmApi, Rejected, Unavailable
from softphone.sync.auth import (
    KEYRING_SERVICE,
    Session,
    SessionTokens,
    SignedOut,
    TokenVault,
    token_lifetime,
)
from tests.support.memory_keyring import MemoryKeyring
from tests.unit.sync.fake_crm import FakeCrm

URL = "https://crm.example.com"
QR = "qr-token-" + "z" * 40


def make_session(crm: FakeCrm, vault: TokenVault | None = None) -> tuple[Session, list[bool]]:
    changes: list[bool] = []
    apis: dict[str, CrmApi] = {}

    def api_for(url: str) -> CrmApi:
        return apis.setdefault(url, CrmApi(url, transport=crm.transport))

    session = Session(
        vault or TokenVault(1.0), api_for, lambda signed_in, _r: changes.append(signed_in)
    )
    return session, changes


def stored(backend: MemoryKeyring) -> SessionTokens | None:
    text = backend.secrets.get((KEYRING_SERVICE, "session"))
    return None if text is None else SessionTokens.from_json(text)


async def test_qr_login_keeps_the_session_in_the_keyring(memory_keyring: MemoryKeyring) -> None:
    crm = FakeCrm()
    session, changes = make_session(crm)
    await session.login_qr(URL, f"  {QR}\n")
    tokens = stored(memory_keyring)
    assert tokens is not None
    assert (tokens.username, tokens.refresh) == ("op1", crm.refresh)
    assert changes == [True]
    assert not session.session_only


async def test_a_refused_password_login_surfaces_the_servers_detail() -> None:
    crm = FakeCrm()
    detail = "JWT вход по логину и паролю отключён. Используйте QR-вход."
    crm.override = lambda req, _b: (
        httpx.Response(403, json={"detail": detail}) if req.url.path == "/api/token/" else None
    )
    session, _ = make_session(crm)
    with pytest.raises(Rejected) as caught:
        await session.login_password(URL, "op1", "pw1")
    assert str(caught.value) == detail
    assert not session.signed_in


async def test_ten_concurrent_401s_cause_exactly_one_refresh(memory_keyring: MemoryKeyring) -> None:
    crm = FakeCrm()
    session, _ = make_session(crm)
    await session.login_password(URL, "op1", "pw1")
    crm.expire_access_now = True
    crm.refresh_delay = 0.05
    results = await asyncio.gather(
        *(
            session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
            for _ in range(10)
        )
    )
    assert results == [{"ok": True}] * 10
    assert crm.count("/api/token/refresh/") == 1
    assert session.refresh_count == 1


async def test_the_rotated_refresh_token_is_stored_and_used_next_time(
    memory_keyring: MemoryKeyring,
) -> None:
    crm = FakeCrm()
    session, changes = make_session(crm)
    await session.login_password(URL, "op1", "pw1")
    for _ in range(20):
        crm.expire_access_now = True
        await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
        tokens = stored(memory_keyring)
        assert tokens is not None and tokens.refresh == crm.refresh
    assert crm.count("/api/token/refresh/") == 20
    assert changes == [True]  # never signed out on the way


async def test_a_401_on_refresh_ends_the_session_and_clears_the_keyring(
    memory_keyring: MemoryKeyring,
) -> None:
    crm = FakeCrm()
    session, changes = make_session(crm)
    await session.login_password(URL, "op1", "pw1")
    crm.refresh_fault = 401
    crm.expire_access_now = True
    with pytest.raises(SignedOut):
        await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert not session.signed_in
    assert stored(memory_keyring) is None
    assert changes == [True, False]
    with pytest.raises(SignedOut):
        await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert crm.calls[-1] == ("POST", "/api/token/refresh/")  # nothing sent after that


@pytest.mark.parametrize("status", [500, 502, 429])
async def test_server_trouble_during_refresh_keeps_the_session(status: int) -> None:
    crm = FakeCrm()
    session, changes = make_session(crm)
    await session.login_password(URL, "op1", "pw1")
    crm.refresh_fault = status
    crm.expire_access_now = True
    with pytest.raises(Exception) as caught:
        await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert not isinstance(caught.value, SignedOut)
    assert session.signed_in and changes == [True]
    crm.refresh_fault = None
    assert await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {})) == {
        "ok": True
    }


async def test_a_network_error_during_refresh_keeps_the_session() -> None:
    crm = FakeCrm()
    session, _ = make_session(crm)
    await session.login_password(URL, "op1", "pw1")

    def drop(request: httpx.Request, _body: object) -> httpx.Response | None:
        if request.url.path == "/api/token/refresh/":
            raise httpx.ConnectError("network down")
        return None

    crm.override = drop
    crm.expire_access_now = True
    with pytest.raises(Unavailable):
        await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert session.signed_in


async def test_a_cancelled_caller_does_not_abandon_the_refresh(
    memory_keyring: MemoryKeyring,
) -> None:
    crm = FakeCrm()
    session, _ = make_session(crm)
    await session.login_password(URL, "op1", "pw1")
    crm.expire_access_now = True
    crm.refresh_delay = 0.1
    caller = asyncio.ensure_future(
        session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    )
    await asyncio.sleep(0.03)
    caller.cancel()
    await session.aclose()  # waits for the refresh in flight
    tokens = stored(memory_keyring)
    assert tokens is not None and tokens.refresh == crm.refresh
    assert session.access() == crm.access


async def test_a_new_process_resumes_the_saved_session(memory_keyring: MemoryKeyring) -> None:
    crm = FakeCrm()
    first, _ = make_session(crm)
    await first.login_password(URL, "op1", "pw1")
    second, _ = make_session(crm)
    assert await second.resume()
    assert second.access() == crm.access
    assert second.tokens is not None and second.tokens.username == "op1"


class LockedKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(5)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(5)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(5)


async def test_a_locked_keyring_does_not_hang_and_the_session_goes_session_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    locked = LockedKeyring()
    keyring.set_keyring(locked)
    try:
        crm = FakeCrm()
        session, _ = make_session(crm, TokenVault(0.2))
        async with asyncio.timeout(3):
            assert not await session.resume()
            await session.login_qr(URL, QR)
        assert session.signed_in and session.session_only
        assert "keyring" in caplog.text
    finally:
        locked.release.set()


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringError("no backend")


async def test_without_a_working_keyring_tokens_live_in_memory_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = BrokenKeyring()
    keyring.set_keyring(broken)
    crm = FakeCrm()
    session, _ = make_session(crm)
    await session.login_password(URL, "op1", "pw1")
    assert session.session_only and session.signed_in
    assert broken.secrets == {}
    assert crm.access not in caplog.text and crm.refresh not in caplog.text


async def test_logout_tells_the_server_and_forgets_the_tokens(
    memory_keyring: MemoryKeyring,
) -> None:
    crm = FakeCrm()
    session, _ = make_session(crm)
    await session.login_password(URL, "op1", "pw1")
    refresh = crm.refresh
    await session.logout("dev-123456789")
    assert ("POST", "/api/phone/logout/") in crm.calls
    body = next(b for p, b in crm.bodies if p == "/api/phone/logout/")
    assert body == {"refresh": refresh, "device_id": "dev-123456789"}
    assert stored(memory_keyring) is None and not session.signed_in


def test_session_tokens_never_show_in_their_repr() -> None:
    tokens = SessionTokens(URL, "op1", "acc-secret", "ref-secret")
    assert "secret" not in repr(tokens)
    assert json.loads(tokens.to_json())["refresh"] == "ref-secret"


async def test_a_refresh_rotated_by_another_process_is_taken_up_not_a_sign_out(
    memory_keyring: MemoryKeyring,
) -> None:
    crm = FakeCrm()
    window, changes = make_session(crm)
    await window.login_password(URL, "op1", "pw1")
    cli, _ = make_session(crm)
    assert await cli.resume()
    crm.expire_access_now = True
    await cli.call(lambda a: cli.api.post("/api/phone/telemetry/", a, {}))  # the CLI rotates
    # The window's access token is now stale too (the fake accepts only the newest).
    answer = await window.call(lambda a: window.api.post("/api/phone/telemetry/", a, {}))
    assert answer == {"ok": True}
    assert window.signed_in and changes == [True]
    assert window.tokens is not None and window.tokens.refresh == crm.refresh
    # The window re-read the stored session under the lock: it never presented the refresh
    # token the CLI had already rotated (a blacklisted token, on the production server).
    presented = [b["refresh"] for p, b in crm.bodies if p == "/api/token/refresh/"]
    assert len(presented) == 1 and not (set(presented[1:]) & crm.used_refresh)


def jwt_like(**claims: float) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part(dict(claims))}.signature"


def test_a_tokens_lifetime_comes_from_its_own_claims() -> None:
    assert token_lifetime(jwt_like(iat=1000, exp=4600), just_issued=True) == 3600
    assert token_lifetime("not-a-jwt", just_issued=True) is None
    assert token_lifetime(jwt_like(iat=1), just_issued=True) is None  # no exp
    left = token_lifetime(jwt_like(exp=time.time() + 120), just_issued=False)
    assert left is not None and 118 < left <= 120


async def test_the_access_token_is_refreshed_before_it_expires_not_after_a_401(
    memory_keyring: MemoryKeyring,
) -> None:
    crm = FakeCrm()
    now = [1000.0]

    def issue(request: httpx.Request, body: dict[str, object]) -> httpx.Response | None:
        if request.url.path in ("/api/token/", "/api/token/refresh/"):
            n = crm.count("/api/token/refresh/")
            crm.access = jwt_like(iat=now[0], exp=now[0] + 100, n=n)
            crm.refresh = f"ref-{n}-" + "y" * 20
            return httpx.Response(200, json={"access": crm.access, "refresh": crm.refresh})
        return None

    crm.override = issue
    session = Session(
        TokenVault(1.0),
        lambda url: CrmApi(url, transport=crm.transport),
        clock=lambda: now[0],
    )
    await session.login_password(URL, "op1", "pw1")
    first = crm.access
    now[0] += 70  # 30 s left of 100: still inside the token's life, outside the margin
    await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert crm.count("/api/token/refresh/") == 0
    now[0] += 15  # 15 s left: within the margin (20 % of the lifetime)
    await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert crm.count("/api/token/refresh/") == 1 and session.early_refreshes == 1
    assert session.access() == crm.access != first
    sent = [r for r in crm.calls if r[1] == "/api/phone/telemetry/"]
    assert len(sent) == 2  # no request had to be retried after a 401


async def test_a_keyring_that_never_answers_does_not_hold_up_exit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    locked = LockedKeyring()
    keyring.set_keyring(locked)
    try:
        vault = TokenVault(0.1)
        assert await vault.load() is None and vault.session_only
        workers = [t for t in threading.enumerate() if t.name == "keyring"]
        assert workers and all(t.daemon for t in workers)  # never joined at exit
        assert "cannot be read" in caplog.text
    finally:
        locked.release.set()


async def test_a_failed_early_refresh_is_not_tried_again_at_every_request(
    memory_keyring: MemoryKeyring,
) -> None:
    # The CRM limits sign-in requests per address: a desk whose early refresh was refused must
    # not ask again with each of its next requests.
    crm = FakeCrm()
    now = [1000.0]

    def issue(request: httpx.Request, body: dict[str, object]) -> httpx.Response | None:
        if request.url.path == "/api/token/":
            crm.access = jwt_like(iat=now[0], exp=now[0] + 100)
            return httpx.Response(200, json={"access": crm.access, "refresh": crm.refresh})
        if request.url.path == "/api/token/refresh/":
            return httpx.Response(429, headers={"Retry-After": "20"}, json={"detail": "limit"})
        return None

    crm.override = issue
    session = Session(
        TokenVault(1.0), lambda url: CrmApi(url, transport=crm.transport), clock=lambda: now[0]
    )
    await session.login_password(URL, "op1", "pw1")
    now[0] += 85  # 15 s left: the early refresh is due
    for _ in range(5):
        await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert crm.count("/api/token/refresh/") == 1
    now[0] += 8  # half of what was left: try again once
    await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert crm.count("/api/token/refresh/") == 2


async def test_a_limited_refresh_is_no_lockout_of_the_phone_api(
    memory_keyring: MemoryKeyring,
) -> None:
    # /api/token/ has a limiter of its own; a 429 there must not reach the pull loop as a
    # RateLimited, which it would take for the per-IP wall and lock the whole desk out.
    crm = FakeCrm()
    crm.refresh_fault = 429
    session, _ = make_session(crm)
    await session.login_password(URL, "op1", "pw1")
    crm.expire_access_now = True
    with pytest.raises(Unavailable):
        await session.call(lambda a: session.api.post("/api/phone/telemetry/", a, {}))
    assert session.signed_in

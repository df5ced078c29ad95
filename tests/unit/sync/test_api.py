"""The typed API client: addresses, headers, answers and errors, over an injected transport."""

from __future__ import annotations

import httpx
import pytest

from softphone import __version__
from softphone.sync.api import (
    AuthExpired,
    BadResponse,
    CrmApi,
    InsecureServer,
    RateLimited,
    Rejected,
    Unavailable,
    check_server_url,
)


def api_answering(response: httpx.Response | Exception, seen: list[httpx.Request]) -> CrmApi:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(response, Exception):
            raise response
        return response

    return CrmApi("https://crm.example.com/", transport=httpx.MockTransport(handle))


def test_plain_http_is_refused_except_loopback_and_allowed_hosts() -> None:
    with pytest.raises(InsecureServer):
        check_server_url("http://crm.example.com")
    assert check_server_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert check_server_url("http://localhost:1") == "http://localhost:1"
    assert check_server_url("http://[::1]:9") == "http://[::1]:9"
    assert check_server_url("http://crm.lan", ["CRM.lan"]) == "http://crm.lan"
    assert check_server_url("https://crm.example.com/") == "https://crm.example.com"


def test_garbage_addresses_are_refused_clearly() -> None:
    with pytest.raises(Exception, match="https://"):
        check_server_url("crm.example.com")


async def test_user_agent_names_softphone_and_its_version() -> None:
    seen: list[httpx.Request] = []
    api = api_answering(httpx.Response(204), seen)
    await api.pull("tok", "dev", 25)
    await api.aclose()
    assert f"Softphone/{__version__}" in seen[0].headers["user-agent"]
    assert seen[0].url.params["wait_seconds"] == "25"
    assert seen[0].headers["authorization"] == "Bearer tok"


async def test_a_command_keeps_unknown_fields_and_a_204_is_none() -> None:
    seen: list[httpx.Request] = []
    body = {"id": "12345", "phone": "+79123456789", "note": "n", "priority": 3}
    api = api_answering(httpx.Response(200, json=body), seen)
    result = await api.pull("tok", "dev", 25)
    assert result.command is not None
    assert result.command.id == "12345"
    assert result.command.extras()["priority"] == 3
    api = api_answering(httpx.Response(204), seen)
    assert (await api.pull("tok", "dev", 25)).command is None


async def test_a_command_without_an_id_is_a_bad_response_not_a_crash() -> None:
    api = api_answering(httpx.Response(200, json={"phone": "+79123456789"}), [])
    with pytest.raises(BadResponse, match="id"):
        await api.pull("tok", "dev", 25)


@pytest.mark.parametrize(
    ("response", "error", "check"),
    [
        (httpx.Response(401, json={"detail": "x", "code": "token_not_valid"}), AuthExpired, None),
        (httpx.Response(429, headers={"Retry-After": "17"}), RateLimited, ("retry_after", 17.0)),
        (
            httpx.Response(429, json={"detail": "Превышен лимит"}),
            RateLimited,
            ("retry_after", None),
        ),
        (
            httpx.Response(403, json={"detail": "JWT вход по логину и паролю отключён"}),
            Rejected,
            ("detail", "JWT вход по логину и паролю отключён"),
        ),
        (httpx.Response(404, json={"detail": "CallRequest not found"}), Rejected, ("status", 404)),
        (httpx.Response(500, text="<html>oops</html>"), Unavailable, ("status", 500)),
        (httpx.ConnectError("refused"), Unavailable, ("status", None)),
        (httpx.ReadTimeout("slow"), Unavailable, ("status", None)),
    ],
)
async def test_answers_map_to_the_error_hierarchy(
    response: httpx.Response | Exception, error: type[Exception], check: tuple[str, object] | None
) -> None:
    api = api_answering(response, [])
    with pytest.raises(error) as caught:
        await api.post("/api/phone/calls/update/", "tok", {"call_request_id": "x"})
    if check is not None:
        assert getattr(caught.value, check[0]) == check[1]


async def test_field_errors_become_a_readable_detail() -> None:
    api = api_answering(
        httpx.Response(400, json={"call_started_at": ["Неправильный формат datetime."]}), []
    )
    with pytest.raises(Rejected) as caught:
        await api.post("/api/phone/calls/update/", "tok", {})
    assert caught.value.detail == "call_started_at: Неправильный формат datetime."
    assert caught.value.errors == {"call_started_at": ["Неправильный формат datetime."]}


async def test_errors_never_carry_the_secrets_sent() -> None:
    api = api_answering(httpx.Response(400, json={"detail": "bad token qr-SECRET-1234567890"}), [])
    with pytest.raises(Rejected) as caught:
        await api.qr_exchange("qr-SECRET-1234567890")
    assert "SECRET" not in str(caught.value)
    assert caught.value.detail == "bad token ***"


async def test_register_never_sends_an_empty_fcm_token() -> None:
    seen: list[httpx.Request] = []
    api = api_answering(httpx.Response(200, json={"ok": True}), seen)
    await api.register_device("tok", "dev-1", "Desk", fcm_token="")
    await api.register_device("tok", "dev-1", "Desk", fcm_token="abc")
    assert b"fcm_token" not in seen[0].content
    assert b'"fcm_token": "abc"' in seen[1].content


async def test_every_request_is_reported_before_it_leaves_and_when_answered() -> None:
    sent: list[str] = []
    answered: list[tuple[str, int]] = []
    api = CrmApi(
        "https://crm.example.com",
        transport=httpx.MockTransport(lambda r: httpx.Response(429)),
        on_send=sent.append,
        on_answer=lambda path, status, _s: answered.append((path, status)),
    )
    with pytest.raises(RateLimited):
        await api.pull("tok", "dev", 1)
    assert sent == ["/api/phone/calls/pull/"]
    assert answered == [("/api/phone/calls/pull/", 429)]

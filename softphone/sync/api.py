"""The CRM's phone API as typed calls: one method per endpoint, one small error hierarchy.

`CrmApi` turns HTTP into values and `CrmError`s; it keeps no session state (the access token is
an argument) and makes no decision about retrying, pacing or logging out — `auth`, `poll` and
`outbox` decide that. Every request is reported to `on_send` just before it leaves (the rate
budget counts them) and to `on_answer` when its answer arrives.

It must never put a token, a password or a QR token into an exception or a log line, and it
must never talk plain HTTP to a host other than loopback unless the user allowed that host.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from softphone import __version__
from softphone.masking import mask, register_secret
from softphone.model import CallCommand

log = logging.getLogger("softphone.sync")

__all__ = [
    "USER_AGENT",
    "AuthExpired",
    "BadResponse",
    "CrmApi",
    "CrmError",
    "InsecureServer",
    "PullResult",
    "QrLogin",
    "RateLimited",
    "Refreshed",
    "Rejected",
    "TokenPair",
    "Unavailable",
    "UserInfo",
    "check_server_url",
]

USER_AGENT: Final = f"Softphone/{__version__} (+desktop; python-httpx)"
#: Above this many characters a server's error text is cut (it is shown to people and logged).
_DETAIL_MAX: Final = 300
_PHONE_PREFIX: Final = "/api/phone/"
_M = TypeVar("_M", bound=BaseModel)


# -- errors ------------------------------------------------------------------------------------


class CrmError(Exception):
    """Anything that went wrong talking to the CRM. `str(err)` is fit for a person (no secrets)."""

    status: int | None = None


class InsecureServer(CrmError):
    """The address is plain HTTP to a host that is neither loopback nor allowed by the user."""


class AuthExpired(CrmError):
    """401: the bearer (or, from the refresh endpoint, the refresh token) is not valid."""

    status = 401

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "the session has expired")
        self.detail = detail


class RateLimited(CrmError):
    """429. `retry_after` is the server's `Retry-After` in seconds, or None when it sent none
    (the production per-IP limiter never does)."""

    status = 429

    def __init__(self, retry_after: float | None, detail: str | None = None) -> None:
        text = "the server is limiting requests"
        if retry_after is not None:
            text += f" (retry after {retry_after:g} s)"
        super().__init__(text)
        self.retry_after = retry_after
        self.detail = detail


class Rejected(CrmError):
    """A 4xx other than 401/429: the server refused this request as it is. `detail` is the
    server's own text (shown verbatim), `errors` its per-field messages if it sent them."""

    def __init__(self, status: int, detail: str | None, errors: Mapping[str, Any] | None = None):
        super().__init__(detail or f"the server refused the request (HTTP {status})")
        self.status = status
        self.detail = detail
        self.errors: dict[str, Any] = dict(errors or {})


class Unavailable(CrmError):
    """The server could not be reached, timed out, or failed (5xx). Always transient."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class BadResponse(CrmError):
    """The server answered success with a body that does not follow the contract."""


# -- responses ---------------------------------------------------------------------------------


class _Answer(BaseModel):
    # Unknown response fields are tolerated: the server may grow.
    model_config = ConfigDict(extra="ignore", frozen=True)


class TokenPair(_Answer):
    access: str
    refresh: str


class Refreshed(_Answer):
    access: str
    #: Absent when the server does not rotate refresh tokens (the seed's server).
    refresh: str | None = None


class QrLogin(TokenPair):
    username: str = ""
    is_admin: bool = False


class UserInfo(_Answer):
    username: str
    is_admin: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class PullResult:
    """One pull: a command, or None for 204; `elapsed_s` is how long the server held it."""

    command: CallCommand | None
    elapsed_s: float


# -- addresses ---------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, allow_plain_http: Sequence[str] = ()) -> str:
    """The server's base address without a trailing slash, or `InsecureServer`/`CrmError`.

    HTTPS is required, except for loopback and for hosts the user explicitly allowed.
    """
    text = url.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CrmError("the server address must look like https://crm.example.com")
    if parts.scheme == "http":
        host = parts.hostname
        allowed = {h.strip().lower() for h in allow_plain_http}
        if not _is_loopback(host) and host.lower() not in allowed:
            raise InsecureServer(
                f"{host} is not using HTTPS; allow plain HTTP for it in the settings to go on"
            )
    return text.rstrip("/")


# -- the client --------------------------------------------------------------------------------


#: Characters that must not reach a log line or a label from a server's text: line breaks
#: (a forged log line), terminal escapes, and the bidirectional overrides that reorder text.
_UNPRINTABLE: Final = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def _words(text: str) -> str:
    """A server's words as one printable line, masked and cut to a readable length."""
    return mask(_UNPRINTABLE.sub(" ", text).strip()[:_DETAIL_MAX])


def _detail_of(response: httpx.Response) -> tuple[str | None, dict[str, Any]]:
    """The server's `detail` (masked, one line, trimmed) and its per-field errors, from any
    body."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        text = response.text.strip()
        if not text or text.lstrip().startswith("<"):
            return None, {}  # an HTML error page says nothing a person can use
        return _words(text) or None, {}
    if isinstance(data, dict):
        detail = data.get("detail")
        errors = {k: v for k, v in data.items() if k not in ("detail", "code", "messages")}
        if isinstance(detail, str):
            return _words(detail) or None, errors
        if errors:
            parts = []
            for key, value in errors.items():
                text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
                parts.append(f"{key}: {text}")
            return _words("; ".join(parts)) or None, errors
    return None, {}


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw.strip())
    except ValueError:
        return None  # HTTP-date form: no server of ours sends it; treat as absent
    return max(0.0, min(seconds, 3600.0))


def error_for(response: httpx.Response) -> CrmError:
    """The `CrmError` that a non-success answer means."""
    status = response.status_code
    detail, errors = _detail_of(response)
    if status == 401:
        return AuthExpired(detail)
    if status == 429:
        return RateLimited(_retry_after(response), detail)
    if 400 <= status < 500:
        return Rejected(status, detail, errors)
    return Unavailable(f"the server failed (HTTP {status})", status)


class CrmApi:
    """Typed calls to one CRM server.

    `transport` is for tests and benchmarks (an `httpx.MockTransport`, or None for the network).
    `on_send(path)` runs just before each request leaves; `on_answer(path, status, seconds)`
    when its answer (or failure, status 0) is known.
    """

    def __init__(
        self,
        server_url: str,
        *,
        allow_plain_http: Sequence[str] = (),
        transport: httpx.AsyncBaseTransport | None = None,
        on_send: Callable[[str], None] | None = None,
        on_answer: Callable[[str, int, float], None] | None = None,
        timeout_s: float = 15.0,
    ) -> None:
        self.base_url = check_server_url(server_url, allow_plain_http)
        self._timeout_s = timeout_s
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
        )
        self._on_send = on_send
        self._on_answer = on_answer

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        access: str | None = None,
        body: Any = None,
        params: Mapping[str, str | int] | None = None,
        read_timeout_s: float | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {access}"} if access else {}
        read = self._timeout_s if read_timeout_s is None else read_timeout_s
        timeout = httpx.Timeout(self._timeout_s, read=read)
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        if self._on_send is not None:
            self._on_send(path)
        started = time.monotonic()
        status = 0
        try:
            # The outer deadline guards against a server trickling bytes past every phase timeout.
            async with asyncio.timeout(read + self._timeout_s + 5.0):
                response = await self._client.request(
                    method, path, content=content, params=params, headers=headers, timeout=timeout
                )
            status = response.status_code
        except (httpx.TimeoutException, TimeoutError) as err:
            raise Unavailable(f"the server did not answer in time ({type(err).__name__})") from None
        except httpx.HTTPError as err:
            raise Unavailable(f"cannot reach the server ({type(err).__name__})") from None
        finally:
            if self._on_answer is not None:
                self._on_answer(path, status, time.monotonic() - started)
        if status >= 300:
            raise error_for(response)
        return response

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            raise BadResponse(
                f"the server answered HTTP {response.status_code} without JSON"
            ) from None

    def _model(self, model: type[_M], response: httpx.Response) -> _M:
        try:
            return model.model_validate(self._json(response))
        except ValidationError as err:
            fields = ", ".join(sorted({str(e["loc"][0]) for e in err.errors() if e["loc"]}))
            raise BadResponse(f"the server's answer lacks or garbles: {fields or 'body'}") from None

    # -- auth --------------------------------------------------------------------------------

    async def obtain_token(self, username: str, password: str) -> TokenPair:
        register_secret(password)  # masked wherever a server might echo it back
        response = await self._request(
            "POST", "/api/token/", body={"username": username, "password": password}
        )
        return self._model(TokenPair, response)

    async def qr_exchange(self, token: str) -> QrLogin:
        register_secret(token)
        response = await self._request("POST", "/api/phone/qr/exchange/", body={"token": token})
        return self._model(QrLogin, response)

    async def refresh(self, refresh: str) -> Refreshed:
        response = await self._request("POST", "/api/token/refresh/", body={"refresh": refresh})
        return self._model(Refreshed, response)

    async def user_info(self, access: str) -> UserInfo:
        response = await self._request("GET", "/api/phone/user/info/", access=access)
        return self._model(UserInfo, response)

    async def logout(self, access: str, refresh: str | None, device_id: str | None) -> None:
        body = {k: v for k, v in (("refresh", refresh), ("device_id", device_id)) if v}
        await self._request("POST", "/api/phone/logout/", access=access, body=body)

    # -- device ------------------------------------------------------------------------------

    async def register_device(
        self, access: str, device_id: str, device_name: str, fcm_token: str | None = None
    ) -> None:
        body = {"device_id": device_id, "device_name": device_name}
        if fcm_token:  # the contract: never an empty fcm_token
            body["fcm_token"] = fcm_token
        await self._request("POST", "/api/phone/devices/register/", access=access, body=body)

    # -- commands ----------------------------------------------------------------------------

    async def pull(self, access: str, device_id: str, wait_seconds: int) -> PullResult:
        started = time.monotonic()
        response = await self._request(
            "GET",
            "/api/phone/calls/pull/",
            access=access,
            params={"device_id": device_id, "wait_seconds": wait_seconds},
            # The read timeout sits above the long-poll hold, or every long-poll would time out.
            read_timeout_s=wait_seconds + 15.0,
        )
        elapsed = time.monotonic() - started
        if response.status_code == 204:
            return PullResult(None, elapsed)
        if not response.content.strip():
            # Not the contract's "nothing queued" (204): if the server handed a command out
            # with this answer, it is lost, and only this line can say so.
            log.warning(
                "the server answered a pull with HTTP %d and nothing in it: a command it "
                "handed out with it could not be read",
                response.status_code,
            )
            return PullResult(None, elapsed)
        try:
            return PullResult(self._model(CallCommand, response), elapsed)
        except BadResponse:
            # Consumed on the server already: keep whatever has an id, so it gets answered.
            salvaged = CallCommand.salvage(self._json(response))
            if salvaged is None:
                raise
            log.warning("the server's command %s was partly unreadable; kept", salvaged.id)
            return PullResult(salvaged, elapsed)

    # -- reports -----------------------------------------------------------------------------

    async def post(self, path: str, access: str, body: Any) -> Any:
        """POST a JSON body to one of the reporting endpoints; the answer's JSON (or None)."""
        if not path.startswith(_PHONE_PREFIX):
            raise ValueError(f"not a phone API path: {path}")
        response = await self._request("POST", path, access=access, body=body)
        return self._json(response) if response.content.strip() else None

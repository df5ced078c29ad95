"""The simulated CRM's HTTP face: every `/api/*` endpoint of the contract, plus `/sim/` routes.

An ASGI application (Starlette routes inside one outer wrapper). The wrapper does what sits in
front of the production views: injected faults (a flaky proxy), the production per-IP limiter,
the request log, and recording every posted call result. Handlers then authenticate, throttle,
validate and answer with the production server's (or the seed document's) shapes and texts.
The `/sim/` control API and the operator page live in `crm_control.py`.

Must never import from the rest of `softphone/`, and must never block its event loop: state
calls are short and in memory; a long-poll waits on an event, not in a loop with sleeps.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from softphone.sim.crm_control import Control
from softphone.sim.crm_limits import IpLimiter, SlidingThrottle
from softphone.sim.crm_state import CrmState, TokenError, User, utc
from softphone.sim.crm_wire import NOT_INT, NOT_OBJECT, Errors, Form, Reply, iso, json_kind

LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})
UPDATE_PATH: Final = "/api/phone/calls/update/"

PROD_STATUSES: Final = ("connected", "no_answer", "busy", "rejected", "missed", "unknown")
SEED_STATUSES: Final = (*PROD_STATUSES, "no_action")
DIRECTIONS: Final = ("outgoing", "incoming", "missed", "unknown")
RESOLVE_METHODS: Final = ("observer", "retry", "unknown")
PROD_SOURCES: Final = ("crm_ui", "notification", "history", "unknown")
SEED_SOURCES: Final = (*PROD_SOURCES, "manual")
TELEMETRY_TYPES: Final = ("latency", "error", "auth", "queue", "other")

PASSWORD_LOGIN_OFF: Final = (
    "JWT вход по логину и паролю отключён. Используйте вход по QR-коду из CRM."
)
BAD_CREDENTIALS: Final = "Неверные учетные данные."
LOCKED: Final = "Учетная запись заблокирована. Обратитесь к администратору."
NO_CREDENTIALS: Final = "Учетные данные не были предоставлены."
BAD_QR: Final = "Неверный или истекший токен"
IP_LIMITED: Final = "Превышен лимит запросов. Попробуйте позже."
NO_DEVICE: Final = "Device not found or access denied"
NO_CALL_REQUEST: Final = "CallRequest not found or access denied"

#: What Django answers for an unhandled exception with DEBUG off.
DJANGO_500: Final = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n'
    "<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"
)
DJANGO_404: Final = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n'
    "<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n"
    "</body>\n</html>\n"
)


class DeliberateDrop(Exception):
    """Raised to make uvicorn cut a connection mid-response (an injected fault, not a bug)."""


class _HideDeliberateDrops(logging.Filter):
    """uvicorn logs every exception out of the app as an error; injected drops are expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DeliberateDrop)


def install_drop_filter() -> None:
    target = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDeliberateDrops) for f in target.filters):
        target.addFilter(_HideDeliberateDrops())


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _detail(status: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return _json(status, {"detail": text}, headers)


def _throttled(wait: int) -> JSONResponse:
    unit = "секунду" if wait % 10 == 1 and wait % 100 != 11 else "секунд"
    text = f"Запрос был проигнорирован. Ожидается через {wait} {unit}."
    return _detail(429, text, {"Retry-After": str(wait)})


Handler = Callable[[Request], Awaitable[Response]]


class CrmApp:
    """The ASGI application. `bind_loop` must be called from the serving loop before use."""

    def __init__(self, state: CrmState) -> None:
        self.state = state
        opts = state.options
        self.production = opts.profile == "production"
        self.ip_limiter = IpLimiter(opts.ip_limit, opts.ip_window)
        self.login_throttle = SlidingThrottle(opts.login_per_min, opts.scope_window)
        self.scoped = {
            "pull": SlidingThrottle(opts.pull_per_min, opts.scope_window),
            "heartbeat": SlidingThrottle(opts.heartbeat_per_min, opts.scope_window),
            "telemetry": SlidingThrottle(opts.telemetry_per_min, opts.scope_window),
        }
        self.seed_throttle = (
            SlidingThrottle(opts.seed_rate, opts.scope_window) if opts.seed_rate else None
        )
        self.qr_throttle = SlidingThrottle(1, opts.qr_create_interval)
        self.loop: asyncio.AbstractEventLoop | None = None
        # Its own dice for the injected faults: the process's shared `random` belongs to whoever
        # runs the server (a test drawing examples must not see it move under its feet).
        self._rng = random.Random()
        # Replaced by a fresh event at every wake-up; every held long-poll waits on the current one.
        self._wakeup = asyncio.Event()
        self.closing = False
        state.on_command = self._command_queued
        install_drop_filter()
        api: list[tuple[str, str, Handler]] = [
            ("/api/token/", "POST", self.token),
            ("/api/token/refresh/", "POST", self.token_refresh),
            ("/api/phone/qr/exchange/", "POST", self.qr_exchange),
            ("/api/phone/qr/create/", "POST", self.qr_create),
            ("/api/phone/qr/status/", "GET", self.qr_status),
            ("/api/phone/user/info/", "GET", self.user_info),
            ("/api/phone/logout/", "POST", self.logout),
            ("/api/phone/logout/all/", "POST", self.logout_all),
            ("/api/phone/devices/register/", "POST", self.register),
            ("/api/phone/devices/heartbeat/", "POST", self.heartbeat),
            ("/api/phone/calls/pull/", "GET", self.pull),
            (UPDATE_PATH, "POST", self.update),
            ("/api/phone/telemetry/", "POST", self.telemetry),
            ("/api/phone/logs/", "POST", self.logs),
        ]
        api += Control(self).routes()
        routes = [Route(p, self._guard(h), methods=[m]) for p, m, h in api]
        self.router = Starlette(
            routes=routes,
            exception_handlers={404: self._not_found, 405: self._not_allowed},
        )
        # Django answers 404 to a missing trailing slash on POST; never redirect silently.
        self.router.router.redirect_slashes = False

    # ---- loop binding and long-poll wake-ups -----------------------------------------------

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def _command_queued(self) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        event, self._wakeup = self._wakeup, asyncio.Event()
        event.set()

    def begin_shutdown(self) -> None:
        """Release held long-polls (they answer 204) so the server can stop at once."""
        self.closing = True
        self._command_queued()

    # ---- the outer wrapper -----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        path: str = scope["path"]
        ip = (scope.get("client") or ("", 0))[0]
        if path == "/" or path.startswith("/sim/"):
            if ip not in LOOPBACK:
                await _detail(403, "the /sim/ control API is for loopback only")(
                    scope, receive, send
                )
                return

            async def send_flushed(message: Message) -> None:
                # Changes reach the state file before the caller hears they were made.
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    self.state.flush()
                await send(message)

            await self.router(scope, receive, send_flushed)
            return
        await self._serve_logged(scope, receive, send, path, ip)

    async def _serve_logged(
        self, scope: Scope, receive: Receive, send: Send, path: str, ip: str
    ) -> None:
        started = time.perf_counter()
        entry: dict[str, Any] = {
            "t": self.state.clock(),
            "time": utc(self.state.clock()),
            "method": scope["method"],
            "path": path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": None,
            "client": ip,
            "user": None,
        }
        scope["sim.log"] = entry
        body: bytes | None = None
        if path == UPDATE_PATH:
            # Read the body up front so the result is recorded even when a limiter refuses it.
            body, receive = await _buffer_body(receive)

        finished = False

        def finish() -> None:
            # Runs before the last byte goes out, so a test that just got its answer already
            # finds the request (and a posted result) in the log.
            nonlocal finished
            if finished:
                return
            finished = True
            entry["ms"] = round((time.perf_counter() - started) * 1000, 2)
            if entry.get("fault") == "drop":
                entry["status"] = None
            self.state.log_request(entry)
            if body is not None:
                self._record_update(body, entry["status"])
            self.state.flush()

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finish()
            await send(message)

        try:
            await self._serve_api(scope, receive, send_logged, path, ip, entry)
        finally:
            finish()

    async def _serve_api(
        self, scope: Scope, receive: Receive, send: Send, path: str, ip: str, entry: dict[str, Any]
    ) -> None:
        latency = self.state.latency_s(self._rng.random)
        if latency:
            entry["latency_ms"] = round(latency * 1000, 1)
            await asyncio.sleep(latency)
        device_id = _query_value(entry["query"], "device_id")
        fault = self.state.take_fault(path, self._rng.random, device_id)
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind == "drop":
                await send({"type": "http.response.start", "status": 200, "headers": []})
                raise DeliberateDrop(path)
            if fault.kind == "reply":
                if fault.consumed is not None:
                    entry["handed_out"] = fault.consumed
                await Response(
                    fault.body.encode("utf-8", "surrogatepass"),
                    status_code=fault.status,
                    media_type=fault.content_type,
                )(scope, receive, send)
                return
            headers = None
            if fault.retry_after is not None:
                headers = {"Retry-After": f"{fault.retry_after:g}"}
            page = f"<html><body><h1>{fault.status} Injected fault</h1></body></html>"
            await HTMLResponse(page, status_code=fault.status, headers=headers)(
                scope, receive, send
            )
            return
        # The wall counts every /api/phone/* request from the address — qr/exchange and
        # qr/status included (the spec names no exception), unauthenticated ones too, since it
        # sits in front of the views; /api/token/* has its own login limit instead.
        counted = self.production and path.startswith("/api/phone/")
        if counted and not self.ip_limiter.admit(ip, self.state.clock()):
            entry["limited_by"] = "ip"
            # The view never runs, but the log still says whose request it was (many desks
            # behind one address: whose probes came back when).
            entry["user"] = self._bearer_user(scope)
            await _detail(429, IP_LIMITED)(scope, receive, send)
            return
        await self.router(scope, receive, send)

    def _bearer_user(self, scope: Scope) -> str | None:
        """The user a request's valid access token names, if it has one (for the log only)."""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                parts = value.decode("latin-1").split()
                if len(parts) == 2 and parts[0] == "Bearer":
                    try:
                        return self.state.decode(parts[1], "access")[0].username
                    except TokenError:
                        return None
        return None

    def _record_update(self, body: bytes, status: int | None) -> None:
        try:
            parsed: Any = json.loads(body) if body else None
        except (ValueError, RecursionError):
            parsed = body.decode("utf-8", "replace")
        raw = parsed.get("call_request_id") if isinstance(parsed, dict) else None
        key = str(raw)
        if isinstance(raw, str):
            try:
                key = str(uuid.UUID(raw.strip()))
            except ValueError:
                key = raw
        self.state.record_update(key, parsed, status)

    # ---- handler plumbing ------------------------------------------------------------------

    def _guard(self, handler: Handler) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except Reply as reply:
                return reply.response
            except ClientDisconnect:
                # The client went away mid-request (it stopped, or timed out): nobody hears
                # the answer, and it is no server error to log.
                return Response(status_code=499)

        return run

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return HTMLResponse(DJANGO_404, status_code=404)

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return _detail(405, f'Метод "{request.method}" не разрешен.')

    @staticmethod
    def _entry(request: Request) -> dict[str, Any]:
        entry: dict[str, Any] = request.scope.get("sim.log", {})
        return entry

    async def _data(self, request: Request) -> Any:
        raw = await request.body()
        if not raw.strip():
            return {}
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise Reply(_detail(415, f'Неподдерживаемый тип данных "{media}" в запросе.'))
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise Reply(_detail(400, f"Ошибка разбора JSON - {exc}")) from exc

    async def _object(self, request: Request) -> dict[str, Any]:
        data = await self._data(request)
        if not isinstance(data, dict):
            message = NOT_OBJECT.format(kind=json_kind(data))
            raise Reply(_json(400, {"non_field_errors": [message]}))
        return data

    @staticmethod
    def _check(errors: Errors) -> None:
        if errors:
            raise Reply(_json(400, errors))

    def _auth(self, request: Request) -> User:
        header = request.headers.get("authorization", "")
        parts = header.split()
        if not parts or parts[0] != "Bearer":
            raise Reply(_detail(401, NO_CREDENTIALS, {"WWW-Authenticate": 'Bearer realm="api"'}))
        if len(parts) != 2:
            body = {
                "detail": "Authorization header must contain two space-delimited values",
                "code": "bad_authorization_header",
            }
            raise Reply(_json(401, body, {"WWW-Authenticate": 'Bearer realm="api"'}))
        try:
            user, _claims = self.state.decode(parts[1], "access")
        except TokenError as exc:
            error: dict[str, Any]
            if exc.detail == "User not found":
                error = {"detail": exc.detail, "code": "user_not_found"}
            else:
                error = {
                    "detail": "Given token not valid for any token type",
                    "code": "token_not_valid",
                    "messages": [
                        {
                            "token_class": "AccessToken",
                            "token_type": "access",
                            "message": exc.detail,
                        }
                    ],
                }
            raise Reply(_json(401, error, {"WWW-Authenticate": 'Bearer realm="api"'})) from exc
        self._entry(request)["user"] = user.username
        return user

    def _throttle(self, request: Request, user: User, scope: str | None) -> None:
        now = self.state.clock()
        if self.production:
            throttle = self.scoped.get(scope or "")
            limiter = "scope"
        else:
            throttle = self.seed_throttle
            limiter = "seed"
        if throttle is None:
            return
        wait = throttle.admit(user.username, now)
        if wait is not None:
            self._entry(request)["limited_by"] = limiter
            raise Reply(_throttled(wait))

    def _login_limit(self, request: Request) -> None:
        # Production only: the seed document names no login limit; seed_rate covers the API.
        if not self.production:
            return
        ip = request.client.host if request.client else ""
        wait = self.login_throttle.admit(ip, self.state.clock())
        if wait is not None:
            self._entry(request)["limited_by"] = "login"
            raise Reply(_throttled(wait))

    # ---- auth ------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        self._login_limit(request)
        form = Form(await self._object(request))
        username = form.string("username", required=True)
        password = form.string("password", required=True)
        self._check(form.errors)
        assert username is not None
        assert password is not None
        user = self.state.check_password(username, password)
        if user is None:
            return _detail(401, BAD_CREDENTIALS)
        self._entry(request)["user"] = user.username
        if user.locked:
            return _detail(423, LOCKED)
        if self.production:
            return _detail(403, PASSWORD_LOGIN_OFF)
        access, refresh = self.state.issue_pair(user)
        return _json(200, {"access": access, "refresh": refresh, "is_admin": user.is_admin})

    async def token_refresh(self, request: Request) -> Response:
        self._login_limit(request)
        form = Form(await self._object(request))
        token = form.string("refresh", required=True)
        self._check(form.errors)
        assert token is not None
        try:
            access, refresh = self.state.refresh(token)
        except TokenError as exc:
            return _json(401, {"detail": exc.detail, "code": "token_not_valid"})
        body = {"access": access} if refresh is None else {"access": access, "refresh": refresh}
        return _json(200, body)

    async def qr_exchange(self, request: Request) -> Response:
        form = Form(await self._object(request))
        token = form.string("token", required=True, max_length=128)
        self._check(form.errors)
        assert token is not None
        user = self.state.exchange_qr(token)
        if user is None:
            return _detail(400, BAD_QR)
        self._entry(request)["user"] = user.username
        access, refresh = self.state.issue_pair(user)
        return _json(
            200,
            {
                "access": access,
                "refresh": refresh,
                "username": user.username,
                "is_admin": user.is_admin,
            },
        )

    async def qr_create(self, request: Request) -> Response:
        user = self._auth(request)
        if self.production:
            ip = request.client.host if request.client else ""
            wait = self.qr_throttle.admit(ip, self.state.clock())
            if wait is not None:
                self._entry(request)["limited_by"] = "qr"
                return _throttled(wait)
        else:
            self._throttle(request, user, None)
        qr = self.state.create_qr(user.username)
        return _json(200, {"token": qr.token, "expires_at": utc(qr.expires_at)})

    async def qr_status(self, request: Request) -> Response:
        token = request.query_params.get("token")
        if not token:
            return _json(400, {"token": ["Обязательное поле."]})
        return _json(200, {"status": self.state.qr_status(token)})

    async def user_info(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, None)
        return _json(200, {"username": user.username, "is_admin": user.is_admin})

    async def logout(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, None)
        form = Form(await self._object(request))
        refresh = form.string("refresh")
        form.string("device_id", max_length=64)
        self._check(form.errors)
        if refresh:
            self.state.blacklist_refresh(user, refresh)
        return _json(200, {"ok": True, "message": "Выход выполнен."})

    async def logout_all(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, None)
        count = self.state.blacklist_all(user)
        return _json(
            200,
            {"ok": True, "message": "Выполнен выход на всех устройствах.", "blacklisted": count},
        )

    # ---- devices ---------------------------------------------------------------------------

    async def register(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, None)
        form = Form(await self._object(request))
        device_id = form.string("device_id", required=True, max_length=64)
        device_name = form.string("device_name", max_length=120)
        fcm_token = form.string("fcm_token", max_length=255)
        self._check(form.errors)
        assert device_id is not None
        self.state.register_device(user, device_id, device_name or "", fcm_token or None)
        return _json(200, {"ok": True, "device_id": device_id})

    async def heartbeat(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, "heartbeat")
        body = await self._object(request)
        form = Form(body)
        device_id = form.string("device_id", required=True, max_length=64)
        device_name = form.string("device_name", max_length=120)
        app_version = form.string("app_version", max_length=64)
        form.integer("last_poll_code")
        form.datetime("last_poll_at")
        form.boolean("encryption_enabled")
        form.boolean("queue_stuck")
        form.integer("stuck_count", min_value=0)
        form.integer("oldest_stuck_age_sec", min_value=0)
        form.mapping("stuck_by_type")
        form.listing("stuck_items")
        self._check(form.errors)
        assert device_id is not None
        seen = self.state.heartbeat(user, device_id, device_name, body)
        if seen is None:
            if self.production:
                # The production view dereferences a device it never found: an HTML 500.
                return HTMLResponse(DJANGO_500, status_code=500)
            # The seed names no answer for this; a clean JSON refusal, as pull gives.
            return _detail(403, NO_DEVICE)
        return _json(
            200,
            {
                "ok": True,
                "device_id": device_id,
                "app_version": app_version,
                "last_seen_at": utc(seen),
            },
        )

    # ---- commands --------------------------------------------------------------------------

    async def pull(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, "pull")
        device_id = (request.query_params.get("device_id") or "").strip()
        if not device_id:
            return _detail(400, "device_id is required")
        wait = 0.0
        if not self.production:
            raw_wait = request.query_params.get("wait_seconds", "0").strip() or "0"
            try:
                wait = min(max(float(int(raw_wait)), 0.0), self.state.options.max_wait)
            except ValueError:
                return _json(400, {"wait_seconds": [NOT_INT]})
        if not self.state.has_device(user, device_id):
            return _detail(403, NO_DEVICE)
        if self.production:
            command = self.state.pop_command(user, device_id)
            return _json(200, command) if command else Response(status_code=204)
        started = time.perf_counter()
        command = await self._hold(request, user, device_id, wait)
        self._entry(request)["long_poll_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return _json(200, command) if command else Response(status_code=204)

    async def _hold(
        self, request: Request, user: User, device_id: str, wait: float
    ) -> dict[str, Any] | None:
        """The seed's long-poll: the user's next command the moment it is queued, or None after
        `wait` seconds, at shutdown, or when the client has gone (never consume for a dead one)."""
        assert self.loop is not None
        deadline = self.loop.time() + wait
        gone = asyncio.ensure_future(_until_disconnect(request.receive))
        try:
            while True:
                event = self._wakeup
                command = self.state.pop_command(user, device_id)
                if command is not None:
                    return command
                remaining = deadline - self.loop.time()
                if remaining <= 0 or self.closing or gone.done():
                    return None
                woken = asyncio.ensure_future(event.wait())
                await asyncio.wait({woken, gone}, timeout=remaining, return_when="FIRST_COMPLETED")
                woken.cancel()
        finally:
            gone.cancel()

    async def update(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, None)
        form = Form(await self._object(request))
        fields: dict[str, Any] = {}
        if self.production:
            cid = form.uuid("call_request_id", required=True)
            fields["call_status"] = form.choice("call_status", PROD_STATUSES, required=True)
        else:
            cid = form.string("call_request_id", required=True, max_length=64)
            fields["call_status"] = form.choice("call_status", SEED_STATUSES, required=True)
        started = form.datetime("call_started_at")
        ended = form.datetime("call_ended_at")
        fields["call_started_at"] = None if started is None else iso(started)
        fields["call_ended_at"] = None if ended is None else iso(ended)
        fields["call_duration_seconds"] = form.integer("call_duration_seconds", min_value=0)
        fields["attempts_count"] = form.integer("attempts_count", min_value=0)
        # Production drops unknown values of these three (e.g. "manual") instead of refusing.
        lenient = self.production
        fields["direction"] = form.choice("direction", DIRECTIONS, drop_unknown=lenient)
        fields["resolve_method"] = form.choice(
            "resolve_method", RESOLVE_METHODS, drop_unknown=lenient
        )
        sources = PROD_SOURCES if self.production else SEED_SOURCES
        fields["action_source"] = form.choice("action_source", sources, drop_unknown=lenient)
        if not self.production:
            # Production has no columns for these and drops them.
            fields["resolve_reason"] = form.string("resolve_reason", max_length=255)
            fields["reason_if_unknown"] = form.string("reason_if_unknown", max_length=255)
        self._check(form.errors)
        assert cid is not None
        if not self.state.owned_command(user, cid):
            return _detail(404, NO_CALL_REQUEST)
        changes = {k: v for k, v in fields.items() if v is not None}
        result = self.state.apply_result(cid, changes)
        duration = result.get("call_duration_seconds") or 0
        if "call_ended_at" not in changes and result.get("call_started_at") and duration > 0:
            begun = _parse_iso(result["call_started_at"])
            result = self.state.apply_result(cid, {"call_ended_at": utc(begun + duration)})
        return _json(
            200, {"ok": True, "call_request_id": cid, "call_status": result["call_status"]}
        )

    # ---- telemetry and logs ----------------------------------------------------------------

    async def telemetry(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, "telemetry")
        form = Form(await self._object(request))
        device_id = form.string("device_id", required=True, max_length=64)
        items = form.listing("items", required=True, max_items=100)
        item_errors: list[Errors] = []
        clean: list[dict[str, Any]] = []
        for item in items or []:
            if not isinstance(item, dict):
                item_errors.append({"non_field_errors": [NOT_OBJECT.format(kind=json_kind(item))]})
                continue
            one = Form(item)
            ts = one.datetime("ts")  # optional on the real server too
            kind = one.choice("type", TELEMETRY_TYPES)
            endpoint = one.string("endpoint", max_length=255)
            http_code = one.integer("http_code")
            value_ms = one.integer("value_ms")
            extra = one.mapping("extra")
            item_errors.append(one.errors)
            clean.append(
                {
                    "ts": None if ts is None else iso(ts),
                    "type": kind,
                    "endpoint": endpoint,
                    "http_code": http_code,
                    "value_ms": value_ms,
                    "extra": extra or {},
                }
            )
        if any(item_errors):
            form.errors["items"] = item_errors
        self._check(form.errors)
        assert device_id is not None
        self.state.add_telemetry(user, device_id, clean)
        return _json(200, {"ok": True, "saved": len(clean)})

    async def logs(self, request: Request) -> Response:
        user = self._auth(request)
        self._throttle(request, user, None)
        data = await self._data(request)
        many = isinstance(data, list)
        entries = data if isinstance(data, list) else [data]
        errors: list[Errors] = []
        clean: list[dict[str, Any]] = []
        for entry in entries:
            if not isinstance(entry, dict):
                errors.append({"non_field_errors": [NOT_OBJECT.format(kind=json_kind(entry))]})
                continue
            form = Form(entry)
            device_id = form.string("device_id", max_length=64)
            ts = form.datetime("ts")
            level = form.string("level_summary", max_length=64)
            source = form.string("source", max_length=64)
            payload = form.string("payload", required=True, max_length=50_000)
            errors.append(form.errors)
            clean.append(
                {
                    "device_id": device_id,
                    "ts": None if ts is None else iso(ts),
                    "level_summary": level,
                    "source": source,
                    "payload": payload,
                }
            )
        if any(errors):
            return _json(400, errors if many else errors[0])
        self.state.add_logs(user, clean)
        return _json(200, {"ok": True, "saved": len(clean)})

    def reset(self) -> None:
        self.state.reset()
        self.ip_limiter.clear()
        throttles = [self.login_throttle, self.qr_throttle, *self.scoped.values()]
        if self.seed_throttle is not None:
            throttles.append(self.seed_throttle)
        for throttle in throttles:
            throttle.clear()


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body; return it and a receive that replays it once."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            # The client left before sending its body: nothing to replay.
            return b"".join(chunks), receive
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _query_value(query: str, name: str) -> str | None:
    values = urllib.parse.parse_qs(query).get(name)
    return values[0] if values else None


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _parse_iso(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()

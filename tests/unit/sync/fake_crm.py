"""A tiny CRM behind `httpx.MockTransport`, for unit tests that need no real server.

It speaks just enough of the contract (crm-api.md) for one test at a time, counts what it was
asked, and can be told to fail. The integration tests use the real simulated CRM instead.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

import httpx

Handler = Callable[[httpx.Request, dict[str, Any]], httpx.Response | None]


class FakeCrm:
    def __init__(self) -> None:
        self._serial = itertools.count(1)
        self.access = "acc-0-" + "x" * 20
        self.refresh = "ref-0-" + "y" * 20
        self.used_refresh: set[str] = set()
        self.calls: list[tuple[str, str]] = []  # (method, path)
        self.bodies: list[tuple[str, Any]] = []  # (path, json body)
        self.refresh_delay = 0.0
        self.refresh_fault: int | None = None  # status to answer refresh with
        self.override: Handler | None = None  # path-specific behaviour for one test
        self.expire_access_now = False

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def count(self, path: str) -> int:
        return sum(1 for _m, p in self.calls if p == path)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append((request.method, path))
        body: dict[str, Any] = json.loads(request.content) if request.content else {}
        self.bodies.append((path, body))
        if self.override is not None:
            answer = self.override(request, body)
            if answer is not None:
                return answer
        if path == "/api/token/refresh/":
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
            if self.refresh_fault is not None:
                return httpx.Response(self.refresh_fault, json={"detail": "fault"})
            if body.get("refresh") != self.refresh:
                return httpx.Response(
                    401, json={"detail": "Token is blacklisted", "code": "token_not_valid"}
                )
            n = next(self._serial)
            self.used_refresh.add(self.refresh)
            self.access, self.refresh = f"acc-{n}-" + "x" * 20, f"ref-{n}-" + "y" * 20
            self.expire_access_now = False
            return httpx.Response(200, json={"access": self.access, "refresh": self.refresh})
        if path == "/api/token/":
            if body.get("password") != "pw1":
                return httpx.Response(401, json={"detail": "Неверные учетные данные."})
            return httpx.Response(200, json={"access": self.access, "refresh": self.refresh})
        if path == "/api/phone/qr/exchange/":
            if body.get("token") != "qr-token-" + "z" * 40:
                return httpx.Response(400, json={"detail": "Неверный или истекший токен"})
            return httpx.Response(
                200,
                json={
                    "access": self.access,
                    "refresh": self.refresh,
                    "username": "op1",
                    "is_admin": False,
                    "extra_field": 1,
                },
            )
        bearer = request.headers.get("authorization", "")
        if bearer != f"Bearer {self.access}" or self.expire_access_now:
            return httpx.Response(401, json={"detail": "bad token", "code": "token_not_valid"})
        if path == "/api/phone/calls/pull/":
            return httpx.Response(204)
        return httpx.Response(200, json={"ok": True})

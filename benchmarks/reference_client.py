"""A minimal poller that paces like the CRM's reference Android client, for comparison only.

What it copies (`shared/spec/reference-client.md`, "pull pacing", "429", "offline queue"):

- against a server that answers at once it settles into SLOW mode: one pull every 10 s, whether
  the operator is on a call or not (its BURST mode after start and after a command is not
  modelled: the spec's own model and the issue compare against the steady 10 s);
- a 429 changes nothing: its backoff formulas are never used and `Retry-After` is ignored, so
  it keeps pulling every 10 s through a lockout (refused pulls are not counted by the server,
  so the lockout still ends a window after the last counted request);
- an access token that expires (401) is refreshed, keeping the rotated refresh token (the
  shipped app keeps the old one and is signed out an hour later: not modelled, so that a
  shift measures its pacing and not that bug);
- one result per call (the spec's model of a shift counts one; the shipped app has
  `LOCAL_ONLY` set and sends none), tried at once and then 5, 15 and 45 s later, then "stuck".

It is not Softphone code and shares none: plain httpx, no budget, no store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["ReferencePoller"]

PULL_EVERY_S = 10.0
RESULT_RETRIES_S = (5.0, 15.0, 45.0)


class ReferencePoller:
    """`login_qr`, then `run()` as a task; `on_command(command)` is called for each command."""

    def __init__(
        self,
        base_url: str,
        transport: httpx.AsyncBaseTransport,
        on_command: Callable[[dict[str, Any]], None],
        *,
        device_id: str = "reference-android",
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=15.0)
        self._on_command = on_command
        self._device_id = device_id
        self._headers: dict[str, str] = {}
        self._refresh = ""
        self.stuck = 0

    async def login_qr(self, token: str) -> None:
        answer = await self._http.post("/api/phone/qr/exchange/", json={"token": token})
        answer.raise_for_status()
        self._keep(answer.json())
        registered = await self._http.post(
            "/api/phone/devices/register/",
            json={"device_id": self._device_id, "device_name": "Reference"},
            headers=self._headers,
        )
        registered.raise_for_status()

    def _keep(self, pair: dict[str, Any]) -> None:
        self._headers = {"Authorization": f"Bearer {pair['access']}"}
        self._refresh = pair.get("refresh") or self._refresh

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        answer = await self._http.request(method, path, headers=self._headers, **kwargs)
        if answer.status_code == 401:
            fresh = await self._http.post("/api/token/refresh/", json={"refresh": self._refresh})
            fresh.raise_for_status()
            self._keep(fresh.json())
            answer = await self._http.request(method, path, headers=self._headers, **kwargs)
        return answer

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            with contextlib.suppress(httpx.HTTPError):
                answer = await self._send(
                    "GET",
                    "/api/phone/calls/pull/",
                    params={"device_id": self._device_id, "wait_seconds": "25"},
                )
                if answer.status_code == 200:
                    self._on_command(answer.json())
            await asyncio.sleep(max(0.0, started + PULL_EVERY_S - loop.time()))

    async def report(self, body: dict[str, Any]) -> None:
        """Send one result: at once, then after 5, 15 and 45 s; after that it is "stuck"."""
        for pause in (0.0, *RESULT_RETRIES_S):
            await asyncio.sleep(pause)
            with contextlib.suppress(httpx.HTTPError):
                answer = await self._send("POST", "/api/phone/calls/update/", json=body)
                if answer.status_code < 300:
                    return
        self.stuck += 1

    async def aclose(self) -> None:
        await self._http.aclose()

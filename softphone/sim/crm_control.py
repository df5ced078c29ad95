"""The simulated CRM's control side: the `/sim/` API and the operator page at `/`.

What tests, benchmarks and the demo use to play the CRM's staff: create operators and call
commands, mint QR codes, inject faults, read back what the client posted. Served on loopback
only (the outer wrapper refuses other addresses) and kept out of the request log and the rate
limits, so it never disturbs what it observes. Must never import from the rest of `softphone/`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from softphone.sim.crm_page import PAGE_HTML, qr_png
from softphone.sim.crm_state import normalise_phone, utc
from softphone.sim.crm_wire import Reply

if TYPE_CHECKING:
    from softphone.sim.crm_app import CrmApp

Handler = Callable[[Request], Awaitable[Response]]


def _json(status: int, body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def _detail(status: int, text: str) -> JSONResponse:
    return _json(status, {"detail": text})


class Control:
    """Handlers of the control API, bound to one running app."""

    def __init__(self, app: CrmApp) -> None:
        self.app = app
        self.state = app.state

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("/", "GET", self.page),
            ("/sim/users", "POST", self.sim_users),
            ("/sim/users", "GET", self.sim_user_list),
            ("/sim/commands", "POST", self.sim_create_command),
            ("/sim/commands", "GET", self.sim_commands),
            ("/sim/commands/{cid}", "GET", self.sim_command),
            ("/sim/qr", "POST", self.sim_qr),
            ("/sim/qr/status", "GET", self.sim_qr_status),
            ("/sim/qr/image", "GET", self.sim_qr_image),
            ("/sim/devices", "GET", self.sim_devices),
            ("/sim/requests", "GET", self.sim_requests),
            ("/sim/faults", "GET", self.sim_faults),
            ("/sim/faults", "POST", self.sim_set_faults),
            ("/sim/reset", "POST", self.sim_reset),
            ("/sim/telemetry", "GET", self.sim_telemetry),
            ("/sim/logs", "GET", self.sim_logs),
        ]

    async def page(self, request: Request) -> Response:
        return HTMLResponse(PAGE_HTML)

    async def _sim_object(self, request: Request) -> dict[str, Any]:
        try:
            data = json.loads(await request.body() or b"{}")
        except (ValueError, RecursionError) as exc:
            raise Reply(_detail(400, f"body is not JSON: {exc}")) from exc
        if not isinstance(data, dict):
            raise Reply(_detail(400, "body must be a JSON object"))
        return data

    async def sim_users(self, request: Request) -> Response:
        data = await self._sim_object(request)
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not username or not isinstance(password, str):
            return _detail(400, "username and password (strings) are required")
        user = self.state.add_user(
            username, password, bool(data.get("is_admin")), bool(data.get("locked"))
        )
        return _json(200, user)

    async def sim_user_list(self, request: Request) -> Response:
        return _json(200, self.state.users_view())

    async def sim_create_command(self, request: Request) -> Response:
        data = await self._sim_object(request)
        username, phone, note = data.get("username"), data.get("phone"), data.get("note")
        company, contact = data.get("company_id"), data.get("contact_id")
        if not isinstance(username, str) or not isinstance(phone, str) or not phone.strip():
            return _detail(400, "username and phone (strings) are required")
        if note is not None and not isinstance(note, str):
            return _detail(400, "note must be a string")
        if not all(
            v is None or (isinstance(v, int) and not isinstance(v, bool))
            for v in (company, contact)
        ):
            return _detail(400, "company_id and contact_id must be integers")
        try:
            cid, duplicate = self.state.create_command(username, phone, note, company, contact)
        except KeyError:
            return _detail(404, f"no user {username!r}")
        return _json(200, {"id": cid, "deduplicated": duplicate, "phone": normalise_phone(phone)})

    async def sim_commands(self, request: Request) -> Response:
        return _json(200, self.state.command_views())

    async def sim_command(self, request: Request) -> Response:
        view = self.state.command_view(request.path_params["cid"])
        return _json(200, view) if view else _detail(404, "no such command")

    async def sim_qr(self, request: Request) -> Response:
        data = await self._sim_object(request)
        username = data.get("username")
        if not isinstance(username, str):
            return _detail(400, "username (string) is required")
        try:
            qr = self.state.create_qr(username)
        except KeyError:
            return _detail(404, f"no user {username!r}")
        return _json(200, {"token": qr.token, "expires_at": utc(qr.expires_at)})

    async def sim_qr_status(self, request: Request) -> Response:
        return _json(200, {"status": self.state.qr_status(request.query_params.get("token", ""))})

    async def sim_qr_image(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        if not token:
            return _detail(400, "token is required")
        return Response(qr_png(token), media_type="image/png")

    async def sim_devices(self, request: Request) -> Response:
        return _json(200, self.state.devices_view())

    async def sim_requests(self, request: Request) -> Response:
        return _json(200, self.state.requests_view())

    async def sim_faults(self, request: Request) -> Response:
        return _json(200, self.state.faults_view())

    async def sim_set_faults(self, request: Request) -> Response:
        try:
            return _json(200, self.state.set_faults(await self._sim_object(request)))
        except ValueError as exc:
            return _detail(400, str(exc))

    async def sim_reset(self, request: Request) -> Response:
        self.app.reset()
        return _json(200, {"ok": True})

    async def sim_telemetry(self, request: Request) -> Response:
        return _json(200, self.state.copy_telemetry())

    async def sim_logs(self, request: Request) -> Response:
        return _json(200, self.state.copy_logs())

"""The simulated phone's control API: JSON over HTTP, one route per SimPhone method.

What tests, benchmarks and demos in other processes use to play the far end and the phone's
owner: script calls, ring the phone, switch faults on, read back state, call log and commands.
It only translates requests into SimPhone calls and answers as JSON; it must never change the
phone by any other way, nor import anything from the rest of `softphone/`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from softphone.sim.phone_calls import CallScript

if TYPE_CHECKING:
    from softphone.sim.phone import SimPhone


class ControlError(ValueError):
    """A control request the phone cannot act on; the HTTP API answers 400 with the text."""


def control_handler(phone: SimPhone) -> type[BaseHTTPRequestHandler]:
    """JSON over HTTP, one route per SimPhone method, for tests and demos in other processes."""

    def body_script(body: dict[str, Any]) -> CallScript:
        return CallScript.from_dict(body)

    posts: dict[str, Callable[[dict[str, Any]], Any]] = {
        "/commands/clear": lambda b: phone.clear_commands(),
        "/call-log": lambda b: {"_id": phone.add_call_log_row(**b)},
        "/scripts": lambda b: phone.push_scripts(
            *(CallScript.from_dict(s) for s in _list(b.get("scripts")))
        ),
        "/default-script": lambda b: phone.set_default_script(body_script(b)),
        "/auth": lambda b: phone.set_auth(str(b.get("auth"))),
        "/calllog": lambda b: phone.set_calllog(str(b.get("calllog"))),
        "/calllog-output": lambda b: phone.set_calllog_output(_opt_str(b.get("text"))),
        "/input": lambda b: phone.set_input(str(b.get("input"))),
        "/telecom": lambda b: phone.set_telecom(str(b.get("telecom"))),
        "/default-sim": lambda b: phone.set_default_sim(_opt_int(b.get("slot"))),
        "/drop": lambda b: phone.drop_connections(),
        "/reachable": lambda b: phone.set_reachable(bool(b.get("reachable"))),
        "/latency": lambda b: phone.set_latency(float(b.get("seconds", 0))),
        "/log-delay": lambda b: phone.set_log_delay(float(b.get("seconds", 0))),
        "/clock-skew": lambda b: phone.set_clock_skew_ms(int(b.get("ms", 0))),
        "/incoming": lambda b: {"id": phone.incoming_call(**b)},
        "/end-call": lambda b: {"ended": phone.end_current_call()},
        "/wait-idle": lambda b: {"idle": phone.wait_idle(float(b.get("timeout", 10)))},
    }
    gets: dict[str, Callable[[], Any]] = {
        "/state": phone.state,
        "/call-log": phone.call_log,
        "/commands": phone.commands,
    }

    class Handler(BaseHTTPRequestHandler):
        server_version = "sim-phone"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a test's output is not the place for an access log."""

        def _answer(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            route = gets.get(self.path.split("?", 1)[0])
            if route is None:
                self._answer(404, {"error": f"no such route: GET {self.path}"})
                return
            self._answer(200, route())

        def do_POST(self) -> None:
            route = posts.get(self.path.split("?", 1)[0])
            if route is None:
                self._answer(404, {"error": f"no such route: POST {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                body = json.loads(raw or b"{}")
                if not isinstance(body, dict):
                    raise ControlError("the body must be a JSON object")
                result = route(body)
            except (ValueError, TypeError, KeyError) as exc:
                self._answer(400, {"error": str(exc)})
                return
            self._answer(200, result if result is not None else {"ok": True})

    return Handler


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ControlError("'scripts' must be a list of call scripts")
    return value


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ControlError("'text' must be a string or null")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)

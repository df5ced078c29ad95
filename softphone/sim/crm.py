"""The simulated CRM: a real HTTP server speaking the CRM phone API, for tests and demos.

`softphone sim-crm --profile {production,seed}` runs it from the command line; tests start it
in-process with `start_in_thread(CrmOptions(...), port=0)` and drive it over loopback HTTP.
The `production` profile behaves as the production CRM does today (password login refused,
instant 204 pulls, UUID command ids, the per-IP wall); `seed` behaves as the seed document
describes (password login, long-poll, numeric ids, every seed status accepted).
See `/work/shared/spec/crm-api.md` for the contract and the rules copied here.

Must never import from the rest of `softphone/`: a stand-in that shared the client's code would
share its bugs and hide them.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import uvicorn

from softphone.sim.crm_app import CrmApp
from softphone.sim.crm_state import COMMAND_ID_MARK, CrmOptions, CrmState

__all__ = ["COMMAND_ID_MARK", "CrmOptions", "RunningCrm", "main", "start_in_thread"]

#: How long start/stop may take before something is clearly wrong.
STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class RunningCrm:
    """A simulated CRM serving in its own thread and event loop.

    Every method is thread-safe and returns quickly (state is in memory behind a lock), so tests
    may call them from the test thread or from inside an async test while the server runs.
    """

    def __init__(
        self, app: CrmApp, server: Any, thread: threading.Thread, host: str, port: int
    ) -> None:
        self._app = app
        self._state = app.state
        self._server = server
        self._thread = thread
        self.host = host
        self.port = port
        self._stopped = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def options(self) -> CrmOptions:
        return self._state.options

    def add_user(self, username: str, password: str, is_admin: bool = False) -> None:
        self._state.add_user(username, password, is_admin)

    def lock_user(self, username: str) -> None:
        """Lock an existing account (password login then answers 423)."""
        self._state.lock_user(username)

    def create_command(
        self,
        username: str,
        phone: str,
        note: str | None = None,
        company_id: int | None = None,
        contact_id: int | None = None,
    ) -> str:
        """Queue a command as the CRM's "call" button does (same 60 s dedupe); its id."""
        try:
            cid, _duplicate = self._state.create_command(
                username, phone, note, company_id, contact_id
            )
        except KeyError:
            raise ValueError(f"no user {username!r} on the simulated CRM") from None
        return cid

    def create_qr(self, username: str) -> str:
        """A fresh one-time QR login token for `username` (the raw string the QR code holds)."""
        try:
            return self._state.create_qr(username).token
        except KeyError:
            raise ValueError(f"no user {username!r} on the simulated CRM") from None

    def qr_status(self, token: str) -> str:
        """`pending`, `used` or `expired`, as the CRM's page polls it."""
        return self._state.qr_status(token)

    def command(self, cid: str) -> dict[str, Any]:
        view = self._state.command_view(cid)
        if view is None:
            raise KeyError(cid)
        return view

    def commands(self) -> list[dict[str, Any]]:
        return self._state.command_views()

    def requests(self) -> list[dict[str, Any]]:
        return self._state.requests_view()

    def devices(self) -> list[dict[str, Any]]:
        return self._state.devices_view()

    def telemetry(self) -> list[dict[str, Any]]:
        return self._state.copy_telemetry()

    def logs(self) -> list[dict[str, Any]]:
        return self._state.copy_logs()

    def issued_tokens(self) -> list[str]:
        """Every access, refresh and QR token this server minted so far, oldest first."""
        return self._state.issued_tokens()

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Same keys as POST /sim/faults: latency_ms, latency_jitter_ms, error_rate,
        error_status, error_retry_after, drop_rate, fail_next=[{path, status, count,
        retry_after}], reply_next=[{path, status, body, content_type, count, consume}],
        access_ttl, refresh_ttl, qr_ttl."""
        return self._state.set_faults(changes)

    def reset(self) -> None:
        self._app.reset()

    def stop(self) -> None:
        """Stop serving and free the port; held long-polls answer 204 first. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        self._app.begin_shutdown()
        self._thread.join(STOP_TIMEOUT)
        self._state.flush()
        if self._thread.is_alive():
            raise RuntimeError("the simulated CRM did not stop in time")

    def __enter__(self) -> RunningCrm:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_in_thread(options: CrmOptions, host: str = "127.0.0.1", port: int = 0) -> RunningCrm:
    """Serve a new simulated CRM on host:port (0: any free port) in a thread of its own."""
    app = CrmApp(CrmState(options))
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        # No logging set-up of uvicorn's own: its records reach the root logger, so a test
        # fails loudly on a server error instead of it vanishing into a private handler.
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=int(STOP_TIMEOUT / 2),
    )
    server = uvicorn.Server(config)
    failures: list[BaseException] = []

    async def serve() -> None:
        app.bind_loop(asyncio.get_running_loop())
        await server.serve()

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # uvicorn exits with SystemExit when it cannot bind
            failures.append(exc)

    thread = threading.Thread(target=run, name=f"sim-crm-{options.profile}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(STOP_TIMEOUT)
            reason = failures[0] if failures else "timed out"
            raise RuntimeError(f"the simulated CRM did not start on {host}:{port}: {reason!r}")
        time.sleep(0.005)
    bound = server.servers[0].sockets[0].getsockname()
    return RunningCrm(app, server, thread, host, int(bound[1]))


def _user(text: str) -> tuple[str, str, bool]:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or (len(parts) == 3 and parts[2] != "admin"):
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD[:admin], got {text!r}")
    return parts[0], parts[1], len(parts) == 3


def _parser() -> argparse.ArgumentParser:
    defaults = CrmOptions()
    p = argparse.ArgumentParser(
        prog="softphone sim-crm",
        description="Run the simulated CRM (phone API, /sim/ control API, operator page at /).",
    )
    p.add_argument("--profile", choices=("production", "seed"), default="production")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--user",
        type=_user,
        action="append",
        default=[],
        metavar="NAME:PASSWORD[:admin]",
        help="an operator account (repeatable; default op1:pw1)",
    )
    p.add_argument("--access-ttl", type=float, default=defaults.access_ttl, metavar="S")
    p.add_argument("--refresh-ttl", type=float, default=defaults.refresh_ttl, metavar="S")
    p.add_argument("--qr-ttl", type=float, default=defaults.qr_ttl, metavar="S")
    p.add_argument("--ip-limit", type=int, default=defaults.ip_limit)
    p.add_argument("--ip-window", type=float, default=defaults.ip_window, metavar="S")
    p.add_argument("--scope-window", type=float, default=defaults.scope_window, metavar="S")
    p.add_argument("--seed-rate", type=int, default=None, help="seed: per-user requests/window")
    p.add_argument("--max-wait", type=float, default=defaults.max_wait, metavar="S")
    p.add_argument("--state", type=Path, default=None, metavar="FILE", help="keep state in FILE")
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    options = CrmOptions(
        profile=args.profile,
        users=args.user or [("op1", "pw1", False)],
        access_ttl=args.access_ttl,
        refresh_ttl=args.refresh_ttl,
        qr_ttl=args.qr_ttl,
        ip_limit=args.ip_limit,
        ip_window=args.ip_window,
        scope_window=args.scope_window,
        seed_rate=args.seed_rate,
        max_wait=args.max_wait,
        state_file=args.state,
    )
    try:
        crm = start_in_thread(options, host=args.host, port=args.port)
    except (RuntimeError, ValueError) as exc:
        print(f"sim-crm: {exc}", file=sys.stderr)
        return 1
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    users = ", ".join(f"{name}:{password}" for name, password, _ in options.users)
    print(f"simulated CRM ({options.profile}) at {crm.url}/  users: {users}", flush=True)
    while not done.wait(0.5):
        pass
    crm.stop()
    return 0

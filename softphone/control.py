"""The running instance's door for the command line: `softphone call`, `status`, `stop`.

A running engine listens on a loopback TCP port and writes `instance.json` (pid, port and a
random token, readable by this user only) in the data folder. A client sends one JSON line
`{"door_token", "op", ...}` and reads one JSON line back. Only loopback, only with the token:
another user of the machine cannot drive this desk's phone. The door's own field is named so
that no request's argument can take its place (`login_qr` has a `token` of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

log = logging.getLogger("softphone.engine")

__all__ = ["ControlServer", "NoInstance", "request"]

MAX_LINE: Final = 64 * 1024
#: The field of a request line that carries the instance's secret.
_DOOR_TOKEN: Final = "door_token"  # noqa: S105 (a field name, not a secret)
Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class NoInstance(RuntimeError):
    """No running Softphone answers on this machine (for this SOFTPHONE_HOME)."""


class ControlServer:
    """Serves `handler(request) -> reply` on 127.0.0.1 for clients holding the token."""

    def __init__(self, file: Path, handler: Handler) -> None:
        self._file = file
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._token = secrets.token_urlsafe(32)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_LINE)
        port = int(self._server.sockets[0].getsockname()[1])
        self._file.parent.mkdir(parents=True, exist_ok=True)
        temp = self._file.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"pid": os.getpid(), "port": port, "token": self._token}, out)
        os.replace(temp, self._file)
        return port

    async def stop(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            data = json.loads(self._file.read_text(encoding="utf-8"))
            if data.get("pid") == os.getpid():
                self._file.unlink()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(10):
                line = await reader.readline()
            reply = await self._answer(line)
        except (TimeoutError, ValueError, ConnectionError) as err:
            reply = {"ok": False, "error": f"bad request: {type(err).__name__}"}
        try:
            writer.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, line: bytes) -> dict[str, Any]:
        request_data = json.loads(line)
        if not isinstance(request_data, dict):
            return {"ok": False, "error": "bad request"}
        token = str(request_data.pop(_DOOR_TOKEN, ""))
        if not hmac.compare_digest(token, self._token):
            return {"ok": False, "error": "not allowed"}
        try:
            return await self._handler(request_data)
        except Exception as err:
            log.exception("control request %s failed", request_data.get("op"))
            return {"ok": False, "error": str(err)}


#: Names the door itself uses in a request line: an argument must never take one over.
RESERVED: Final = frozenset({_DOOR_TOKEN, "op"})


def request(file: Path, op: str, *, timeout: float = 30.0, **args: Any) -> dict[str, Any]:
    """Send one request to the running instance (blocking; for the command line).

    `args` travel beside the door's own secret and `op`, so they may not be named so (a QR
    sign-in token named like the secret once replaced it, and the engine said "not
    allowed"): TypeError before anything is sent.
    """
    clash = RESERVED & set(args)
    if clash:
        raise TypeError(f"request arguments may not be named {', '.join(sorted(clash))}")
    try:
        info = json.loads(file.read_text(encoding="utf-8"))
        port, token = int(info["port"]), str(info["token"])
    except (FileNotFoundError, ValueError, KeyError, TypeError) as err:
        raise NoInstance("no running Softphone") from err
    payload = json.dumps({**args, "op": op, _DOOR_TOKEN: token}).encode() + b"\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(payload)
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as err:
        raise NoInstance(f"the running Softphone does not answer ({err.strerror})") from err
    reply = json.loads(data or b"{}")
    if not isinstance(reply, dict):
        raise NoInstance("the running Softphone gave a bad answer")
    return reply

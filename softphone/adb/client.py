"""adbutils, adjusted: our server address only, no hidden server starts, no leaked sockets.

`Client` and `Connection` subclass adbutils' `AdbClient` and `AdbConnection` and override some of
their *private* parts (`AdbConnection._safe_connect`, which `AdbConnection.__init__` calls;
`BaseClient.make_connection`, which `BaseDevice.open_transport` calls with `timeout=`;
`BaseClient.server_version`, which `open_transport` calls before every shell by serial since
adbutils 2.10). Those parts are the same in adbutils 2.8.0 to 2.12.0; pyproject.toml pins the
range, and a new adbutils release must be read against this file before the pin moves.

Everything here blocks: the bridge runs it in worker threads. Nothing here knows about calls,
call logs or people; it moves bytes to and from the adb server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any, Final

import adbutils
from adbutils.errors import AdbConnectionError

from softphone.adb import parse

__all__ = ["CONNECT_TIMEOUT_S", "Client", "Connection"]

CONNECT_TIMEOUT_S: Final = 3.0  # adbutils' own; the server is local or on a LAN


class Connection(adbutils.AdbConnection):  # type: ignore[misc]
    """adbutils' connection without its fallback of running a bare `adb start-server`.

    That fallback starts a server on the default port, not the one this bridge uses (the
    bridge restarts the right server itself, `ensure_server`); and adbutils leaves the socket
    of a refused connection open.
    """

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        super().__init__(host, port)

    def _safe_connect(self) -> socket.socket:
        try:
            return socket.create_connection(self._address, timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:  # refused, unreachable, or no answer in time: nothing was sent
            raise AdbConnectionError(f"connect to adb server failed: {exc}") from exc


class Client(adbutils.AdbClient):  # type: ignore[misc]
    """An AdbClient on our address that never starts servers and remembers the server version.

    adbutils asks for the version before every shell by serial (a second connection each time);
    a server keeps its version for life, and a restarted one gets a fresh `Client`.
    """

    def __init__(self, host: str, port: int, timeout: float) -> None:
        super().__init__(host=host, port=port, socket_timeout=timeout)
        self._timeout = timeout
        self._version: int | None = None
        self._local = threading.local()

    def make_connection(self, timeout: float | None = None) -> Any:
        connection = Connection(self.host, self.port)
        connection.conn.settimeout(timeout or self._timeout)
        opened: list[Any] | None = getattr(self._local, "opened", None)
        if opened is not None:
            opened.append(connection)
        return connection

    @contextlib.contextmanager
    def _closing_all(self) -> Iterator[None]:
        """Close every connection opened inside: adbutils leaks the one whose OKAY check fails
        (an unauthorised or missing phone), which would pile up as open sockets."""
        self._local.opened = []
        try:
            yield
        finally:
            for connection in self._local.opened:
                connection.close()
            self._local.opened = None

    def make_blocking_connection(self) -> Any:
        """For track-devices, which waits for news as long as it must."""
        connection = Connection(self.host, self.port)
        connection.conn.settimeout(None)
        return connection

    def server_version(self) -> int:
        if self._version is None:
            self._version = int(super().server_version())
        return self._version

    def devices_l(self) -> list[parse.DeviceLine]:
        with self.make_connection() as connection:
            connection.send_command("host:devices-l")
            connection.check_okay()
            return parse.parse_devices(connection.read_string_block())

    def shell(self, serial: str, command: str) -> str:
        with self._closing_all():
            device = adbutils.AdbDevice(self, serial=serial)
            raw = device.shell(command, timeout=self._timeout, encoding=None)
        return bytes(raw).decode("utf-8", "replace")

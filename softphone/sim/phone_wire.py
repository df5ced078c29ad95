"""The device side of the ADB wire protocol over TCP, for the simulated phone.

A real adb server reaches this listener with `adb connect HOST:PORT` and treats it as a phone:
CNXN (or an AUTH prompt that is never accepted), then `shell:` streams answered by a callback.
This module knows packets, streams and flow control only; what a command prints is the phone's
business (`phone_android.py`). It must never import the client's code (`softphone.adb` and
friends): a stand-in that shares the client's code would share its bugs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("softphone.sim.phone")

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_AUTH = 0x48545541
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3

#: The only protocol version we speak; at this version nobody checks `data_check`.
VERSION = 0x01000001
#: What we offer as the largest payload; the server's own limit wins when it is smaller.
MAX_PAYLOAD = 256 * 1024
#: How long a stream waits for the host's OKAY before it gives up on a dead link.
ACK_TIMEOUT_S = 30.0

_HEADER = struct.Struct("<6I")

#: Runs one shell command line; returns what the phone prints (stdout and stderr merged).
ShellHandler = Callable[[str], bytes]


@dataclass(eq=False)
class _Stream:
    local_id: int
    remote_id: int
    acked: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)
    #: What the host typed (interactive `shell:` only); None when the stream ends.
    stdin: queue.Queue[bytes | None] = field(default_factory=queue.Queue)


class _Link:
    """One TCP connection from the adb server: a reader thread and a stream per OPEN."""

    def __init__(self, server: AdbDeviceServer, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._streams: dict[int, _Stream] = {}
        self._next_id = 1
        self.max_payload = 4096
        self.online = False  # True once we answered CNXN: the server shows `device`
        self.awaiting_auth = False  # True while the server waits for the user to accept the key
        self.dead = threading.Event()

    # -- sending ---------------------------------------------------------------------------

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> bool:
        header = _HEADER.pack(
            command, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF, command ^ 0xFFFFFFFF
        )
        try:
            with self._send_lock:
                self.sock.sendall(header + data)
        except OSError:
            self.close()
            return False
        return True

    def send_cnxn(self) -> None:
        self.online = True
        self.awaiting_auth = False
        self.send(A_CNXN, VERSION, MAX_PAYLOAD, self.server.banner().encode())

    def send_auth_token(self) -> None:
        self.awaiting_auth = True
        self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))

    # -- receiving -------------------------------------------------------------------------

    def run(self) -> None:
        try:
            while not self.dead.is_set():
                header = self._read_exact(_HEADER.size)
                if header is None:
                    return
                command, arg0, arg1, length, _check, magic = _HEADER.unpack(header)
                if magic != command ^ 0xFFFFFFFF or length > 16 * 1024 * 1024:
                    log.info("bad packet from the adb server; dropping the link")
                    return
                data = self._read_exact(length) if length else b""
                if data is None:
                    return
                self._dispatch(command, arg0, arg1, data)
        finally:
            self.close()

    def _read_exact(self, n: int) -> bytes | None:
        chunks = bytearray()
        while len(chunks) < n:
            try:
                chunk = self.sock.recv(n - len(chunks))
            except OSError:
                return None
            if not chunk:
                return None
            chunks += chunk
        return bytes(chunks)

    def _dispatch(self, command: int, arg0: int, arg1: int, data: bytes) -> None:
        if command == A_CNXN:
            self.max_payload = max(256, min(arg1, MAX_PAYLOAD))
            if self.server.authorized():
                self.send_cnxn()
            else:
                self.send_auth_token()
        elif command == A_AUTH:
            if self.server.authorized():
                self.send_cnxn()
            elif arg0 == AUTH_SIGNATURE:
                # No key the server holds is accepted: ask again until it offers its public key.
                self.send_auth_token()
            # AUTH_RSAPUBLICKEY: the prompt "Allow USB debugging?" is now shown and never
            # answered while auth is "reject", so the server keeps the phone `unauthorized`.
        elif command == A_OPEN and self.online:
            self._open(arg0, data)
        elif command == A_OKAY:
            stream = self._stream(arg1)
            if stream is not None:
                stream.acked.set()
        elif command == A_WRTE:
            stream = self._stream(arg1)
            if stream is not None:
                stream.stdin.put(data)
                self.send(A_OKAY, stream.local_id, stream.remote_id)
        elif command == A_CLSE:
            stream = self._stream(arg1)
            if stream is not None:
                stream.closed.set()
                stream.acked.set()
                stream.stdin.put(None)
                self._forget(stream)
        elif command == A_OPEN:
            self.send(A_CLSE, 0, arg0)

    def _stream(self, local_id: int) -> _Stream | None:
        with self._lock:
            return self._streams.get(local_id)

    def _forget(self, stream: _Stream) -> None:
        with self._lock:
            self._streams.pop(stream.local_id, None)

    def _open(self, remote_id: int, data: bytes) -> None:
        service = data.split(b"\0", 1)[0].decode("utf-8", errors="replace")
        # `exec:` is `adb exec-out`: the same command, raw output; both are shell v1 for us.
        for prefix in ("shell:", "exec:"):
            if service.startswith(prefix):
                command = service[len(prefix) :]
                break
        else:
            log.info("sim phone refuses service %r", service.split(":", 1)[0])
            self.send(A_CLSE, 0, remote_id)
            return
        with self._lock:
            local_id = self._next_id
            self._next_id += 1
            stream = _Stream(local_id, remote_id)
            self._streams[local_id] = stream
        self.send(A_OKAY, local_id, remote_id)
        threading.Thread(
            target=self._serve_shell, args=(stream, command), name="sim-phone-shell", daemon=True
        ).start()

    def _serve_shell(self, stream: _Stream, command: str) -> None:
        if command:
            self._write(stream, self._run(command))
        else:
            self._serve_interactive(stream)
        if not stream.closed.is_set() and not self.dead.is_set():
            self.send(A_CLSE, stream.local_id, stream.remote_id)
        self._forget(stream)

    def _serve_interactive(self, stream: _Stream) -> None:
        """`adb shell` with no command and no pty: sh reads lines, prints no prompt."""
        pending = b""
        while True:
            chunk = stream.stdin.get()
            if chunk is None:
                return
            pending += chunk
            while b"\n" in pending:
                raw, pending = pending.split(b"\n", 1)
                line = raw.decode("utf-8", errors="replace").rstrip("\r")
                output = self._run(line)
                if line.split()[:1] == ["exit"] or not self._write(stream, output):
                    return

    def _run(self, command: str) -> bytes:
        try:
            return self.server.run_shell(command)
        except Exception:
            # The stand-in must answer even when it has a bug; the log says where.
            log.exception("sim phone shell failed on a command")
            return b""

    def _write(self, stream: _Stream, output: bytes) -> bool:
        """Send output in WRTE packets, each after the host's OKAY; False if the stream died."""
        step = self.max_payload
        for start in range(0, len(output), step):
            if stream.closed.is_set() or self.dead.is_set():
                return False
            stream.acked.clear()
            chunk = output[start : start + step]
            if not self.send(A_WRTE, stream.local_id, stream.remote_id, chunk):
                return False
            if not stream.acked.wait(ACK_TIMEOUT_S):
                self.close()
                return False
        return not (stream.closed.is_set() or self.dead.is_set())

    def close(self) -> None:
        if self.dead.is_set():
            return
        self.dead.set()
        self.online = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        with self._lock:
            streams = list(self._streams.values())
            self._streams.clear()
        for stream in streams:
            stream.closed.set()
            stream.acked.set()
            stream.stdin.put(None)
        self.server.forget(self)


class AdbDeviceServer:
    """Listens on TCP and serves every adb-server link as one phone.

    `banner` gives the CNXN identity, `authorized` says whether links may go online,
    `run_shell` answers `shell:` commands (called on a thread per stream).
    """

    def __init__(
        self,
        banner: Callable[[], str],
        authorized: Callable[[], bool],
        run_shell: ShellHandler,
    ) -> None:
        self.banner = banner
        self.authorized = authorized
        self.run_shell = run_shell
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._reachable = True
        self._stopping = threading.Event()

    def start(self, host: str, port: int) -> int:
        listener = socket.create_server((host, port), reuse_port=False)
        listener.settimeout(0.2)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name="sim-phone-accept", daemon=True)
        self._thread.start()
        return int(listener.getsockname()[1])

    def _accept(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                sock, _addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.reachable:
                # As if the phone's network went away: the TCP handshake completes, the link dies.
                sock.close()
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, sock)
            with self._lock:
                self._links.add(link)
            threading.Thread(target=link.run, name="sim-phone-link", daemon=True).start()

    @property
    def reachable(self) -> bool:
        with self._lock:
            return self._reachable

    def set_reachable(self, reachable: bool) -> None:
        with self._lock:
            self._reachable = reachable

    def links(self) -> list[_Link]:
        with self._lock:
            return list(self._links)

    def forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def drop(self) -> None:
        for link in self.links():
            link.close()

    def auth_changed(self) -> None:
        """The user answered the prompt (or it came back): links waiting for it follow."""
        for link in self.links():
            if self.authorized() and link.awaiting_auth:
                link.send_cnxn()

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self.drop()

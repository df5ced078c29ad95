"""A private adb server: the adb binary from the adbutils wheel, on a port of its own.

For the demo, the benchmarks and the tests: they never touch the operator's (or developer's)
own adb server on 5037, nor its keys. The server runs on a free port with USB scanning off
(`ADB_USB=0`) and its own HOME, so `~/.android/adbkey` is a throw-away key. Every `adb` call
passes the port explicitly (`-P`); nothing sets ANDROID_ADB_SERVER_PORT globally. Blocking
calls: run them in a thread from async code.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import adbutils

__all__ = ["AdbServer", "free_port"]


def free_port() -> int:
    """A TCP port nobody listens on right now, never 5037 nor the emulator range."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port != 5037 and not 5554 <= port <= 5585:
            return port


class AdbServer:
    """`adb -P PORT …` with a server of our own; start() it, kill() it when done."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port if port is not None else free_port()
        if self.port == 5037:
            raise ValueError("tests must not use the developer's adb server port 5037")
        self.binary = str(adbutils.adb_path())
        self._home = tempfile.TemporaryDirectory(prefix="adb-home-")
        self.env = {
            **os.environ,
            "ADB_USB": "0",
            "ADB_MDNS": "0",
            "HOME": self._home.name,
            "ANDROID_USER_HOME": str(Path(self._home.name) / ".android"),
        }
        self.env.pop("ANDROID_ADB_SERVER_PORT", None)
        self.env.pop("ADB_VENDOR_KEYS", None)

    def adb(self, *args: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
        """Run `adb -P PORT ARGS…` and return what it printed (never raises on a non-zero exit)."""
        return subprocess.run(
            [self.binary, "-P", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            check=False,
        )

    def start(self) -> None:
        result = self.adb("start-server", timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"adb start-server failed: {result.stderr.strip()}")

    def devices(self) -> dict[str, str]:
        """serial → state, as `adb devices` lists them."""
        result = self.adb("devices")
        found: dict[str, str] = {}
        for line in result.stdout.splitlines()[1:]:
            serial, sep, state = line.partition("\t")
            if sep:
                found[serial.strip()] = state.strip()
        return found

    def state(self, serial: str) -> str | None:
        return self.devices().get(serial)

    def wait_state(self, serial: str, wanted: str | None, timeout: float = 10) -> str | None:
        """Poll until the server shows `wanted` for serial (None: gone); returns the last seen."""
        deadline = time.monotonic() + timeout
        seen = self.state(serial)
        while seen != wanted and time.monotonic() < deadline:
            time.sleep(0.05)
            seen = self.state(serial)
        return seen

    def connect(self, serial: str, timeout: float = 10, wanted: str = "device") -> None:
        """`adb connect`, then wait for `wanted` (`device`, or `unauthorized` for a phone that
        asks); raise with the state seen if it never comes."""
        result = self.adb("connect", serial, timeout=timeout)
        # A phone that asks for authorisation is connected too: adb says it failed to
        # authenticate, and lists it as `unauthorized`.
        asks = wanted == "unauthorized" and "failed to authenticate" in result.stdout
        if "connected to" not in result.stdout and not asks:
            raise RuntimeError(f"adb connect {serial}: {result.stdout.strip()} {result.stderr}")
        seen = self.wait_state(serial, wanted, timeout)
        if seen != wanted:
            raise RuntimeError(f"{serial} did not become `{wanted}`; last state seen: {seen}")

    def disconnect(self, serial: str) -> None:
        self.adb("disconnect", serial)

    def client(self) -> adbutils.AdbClient:
        return adbutils.AdbClient(host="127.0.0.1", port=self.port)

    def kill(self) -> None:
        self.adb("kill-server")
        self._home.cleanup()

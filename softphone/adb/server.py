"""Finding and starting the adb server the bridge talks to.

The server lives where adb itself looks for it (`ANDROID_ADB_SERVER_HOST` /
`ANDROID_ADB_SERVER_PORT`, else 127.0.0.1:5037). When none answers there and the address is on
this machine, one is started with the adb binary that `adb_executable` finds (the one named by
`ADBUTILS_ADB_PATH`, else `adb` on PATH, else the one bundled in the adbutils wheel). Every
failure is an `AdbUnavailable` whose message says what is wrong and what to do.

This module never kills or restarts a server that is already running (it may belong to another
tool, or to Android Studio), and never talks to a phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Final

from softphone.adb.parse import parse_server_version
from softphone.masking import mask

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "AdbUnavailable",
    "adb_executable",
    "ensure_server",
    "query_server_version",
    "server_address",
]

log = logging.getLogger("softphone.adb")

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 5037
START_TIMEOUT: Final = 30.0  # adb start-server waits for its first USB scan
QUERY_TIMEOUT: Final = 3.0
_LOCAL_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


class AdbUnavailable(RuntimeError):
    """No usable adb server; `str(err)` says what is wrong and what to do about it."""


def server_address() -> tuple[str, int]:
    """Where adb itself looks for its server: the ANDROID_ADB_SERVER_* variables, or the default."""
    host = os.environ.get("ANDROID_ADB_SERVER_HOST", "").strip() or DEFAULT_HOST
    raw = os.environ.get("ANDROID_ADB_SERVER_PORT", "").strip()
    if not raw:
        return host, DEFAULT_PORT
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise AdbUnavailable(
            f"ANDROID_ADB_SERVER_PORT is {raw[:20]!r}, which is not a TCP port: set it to a "
            "number between 1 and 65535, or unset it to use adb's default 5037."
        )
    return host, int(raw)


def _bundled_adb() -> Path | None:
    """The adb binary inside the installed adbutils wheel, if this platform has one."""
    spec = importlib.util.find_spec("adbutils")
    if spec is None or spec.origin is None:
        return None
    name = "adb.exe" if sys.platform.startswith("win") else "adb"
    return Path(spec.origin).parent / "binaries" / name


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def adb_executable() -> str:
    """The adb to start a server with: `ADBUTILS_ADB_PATH` (checked), then PATH, then bundled."""
    configured = os.environ.get("ADBUTILS_ADB_PATH", "").strip()
    if configured:
        if not _is_executable(Path(configured)):
            raise AdbUnavailable(
                f"ADBUTILS_ADB_PATH points to {configured}, which is not an executable file: "
                "point it at an adb binary, or unset it to use the adb that comes with Softphone."
            )
        return configured
    on_path = shutil.which("adb")
    if on_path:
        return on_path
    bundled = _bundled_adb()
    if bundled is not None and _is_executable(bundled):
        return str(bundled)
    raise AdbUnavailable(
        "No adb program was found (none on PATH, and none bundled for this platform): install "
        "Android platform-tools and make sure `adb` is on PATH, or set ADBUTILS_ADB_PATH."
    )


async def query_server_version(host: str, port: int) -> int:
    """The running server's protocol version (`host:version`); raises OSError if none answers.

    Raises `AdbUnavailable` when something answers that is not an adb server.
    """
    try:
        async with asyncio.timeout(QUERY_TIMEOUT):
            reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError as exc:
        raise OSError(f"no answer from {host}:{port} within {QUERY_TIMEOUT:g} s") from exc
    try:
        async with asyncio.timeout(QUERY_TIMEOUT):
            request = b"host:version"
            writer.write(b"%04x%s" % (len(request), request))
            await writer.drain()
            status = await reader.readexactly(4)
            length = parse_server_version((await reader.readexactly(4)).decode("latin-1"))
            if status != b"OKAY" or length is None:
                raise AdbUnavailable(_not_adb(host, port))
            version = parse_server_version((await reader.readexactly(length)).decode("latin-1"))
    except (asyncio.IncompleteReadError, TimeoutError) as exc:
        raise AdbUnavailable(_not_adb(host, port)) from exc
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    if version is None:
        raise AdbUnavailable(_not_adb(host, port))
    return version


def _not_adb(host: str, port: int) -> str:
    return (
        f"Something listens on {host}:{port} but it is not an adb server: stop that program, or "
        "set ANDROID_ADB_SERVER_PORT to a free port for adb."
    )


def _version_text(version: int) -> str:
    return f"1.0.{version}"


async def ensure_server(host: str | None = None, port: int | None = None) -> str:
    """Make sure an adb server answers at the address (starting one here if needed).

    Returns its version (`1.0.41`). A server on another machine is never started: if it does
    not answer, that is an `AdbUnavailable` saying so.
    """
    if host is None or port is None:
        env_host, env_port = server_address()
        host = host or env_host
        port = port or env_port
    try:
        return _version_text(await query_server_version(host, port))
    except OSError as exc:
        first_error: OSError = exc
    if host not in _LOCAL_HOSTS:
        raise AdbUnavailable(
            f"No adb server answers at {host}:{port} ({first_error.strerror or first_error}): "
            "start it on that machine (`adb -a start-server`) or unset ANDROID_ADB_SERVER_HOST."
        )
    await _start_server(adb_executable(), port)
    try:
        return _version_text(await query_server_version(host, port))
    except OSError as exc:
        raise AdbUnavailable(
            f"adb was started but its server does not answer at {host}:{port} ({exc}): "
            "check that a firewall or another program is not holding that port."
        ) from exc


async def _start_server(executable: str, port: int) -> None:
    log.info("starting the adb server on port %d with %s", port, executable)
    try:
        process = await asyncio.create_subprocess_exec(
            executable,
            "-P",
            str(port),
            "start-server",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise AdbUnavailable(
            f"Could not run {executable} ({exc.strerror or exc}): reinstall Android "
            "platform-tools, or set ADBUTILS_ADB_PATH to a working adb."
        ) from exc
    try:
        async with asyncio.timeout(START_TIMEOUT):
            out, err = await process.communicate()
    except TimeoutError as exc:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise AdbUnavailable(
            f"`adb start-server` did not finish within {START_TIMEOUT:.0f} s: unplug and replug "
            "the phone, or restart the computer if adb is stuck."
        ) from exc
    if process.returncode != 0:
        said = (err or out).decode("utf-8", "replace").strip().splitlines()
        detail = mask(said[-1]) if said else f"exit code {process.returncode}"
        raise AdbUnavailable(
            f"adb could not start its server on port {port}: {detail}. If another program "
            "holds that port, close it or set ANDROID_ADB_SERVER_PORT to a free port."
        )

"""Finding adb and its server: addresses, executables, and every way it can be unavailable."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from softphone.adb import server
from softphone.adb.server import AdbUnavailable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


async def _serve(handler: Handler) -> tuple[asyncio.Server, int]:
    tcp = await asyncio.start_server(handler, "127.0.0.1", 0)
    return tcp, int(tcp.sockets[0].getsockname()[1])


async def _fake_adb(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    length = int(await reader.readexactly(4), 16)
    request = await reader.readexactly(length)
    writer.write(b"OKAY00040029" if request == b"host:version" else b"FAIL0004nope")
    await writer.drain()
    writer.close()


async def _not_adb(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    await writer.drain()
    writer.close()


@pytest.fixture
async def closed_port() -> int:
    """A port that was just free: connecting to it is refused at once."""
    tcp, port = await _serve(_fake_adb)
    tcp.close()
    await tcp.wait_closed()
    return port


def test_server_address_defaults_to_adbs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDROID_ADB_SERVER_HOST", raising=False)
    monkeypatch.delenv("ANDROID_ADB_SERVER_PORT", raising=False)
    assert server.server_address() == ("127.0.0.1", 5037)


def test_server_address_honours_adbs_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANDROID_ADB_SERVER_HOST", "10.0.0.5")
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", "5039")
    assert server.server_address() == ("10.0.0.5", 5039)


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1"])
def test_a_bad_port_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", port)
    with pytest.raises(AdbUnavailable, match=r"ANDROID_ADB_SERVER_PORT .* not a TCP port"):
        server.server_address()


def test_adbutils_adb_path_is_checked_before_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-adb"
    monkeypatch.setenv("ADBUTILS_ADB_PATH", str(missing))
    with pytest.raises(AdbUnavailable, match="not an executable file") as caught:
        server.adb_executable()
    assert str(missing) in str(caught.value)


def test_adbutils_adb_path_wins_when_it_is_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    adb = _script(tmp_path / "adb", "exit 0")
    monkeypatch.setenv("ADBUTILS_ADB_PATH", str(adb))
    assert server.adb_executable() == str(adb)


def test_adb_on_path_comes_before_the_bundled_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    adb = _script(tmp_path / "adb", "exit 0")
    monkeypatch.delenv("ADBUTILS_ADB_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert server.adb_executable() == str(adb)


def test_the_bundled_adb_is_used_when_none_is_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ADBUTILS_ADB_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    found = Path(server.adb_executable())
    assert found.parent.name == "binaries"
    assert os.access(found, os.X_OK)


async def test_a_running_server_reports_its_version() -> None:
    tcp, port = await _serve(_fake_adb)
    async with tcp:
        assert await server.ensure_server("127.0.0.1", port) == "1.0.41"


async def test_something_else_on_the_port_is_named_as_such() -> None:
    tcp, port = await _serve(_not_adb)
    async with tcp:
        with pytest.raises(AdbUnavailable, match="not an adb server"):
            await server.ensure_server("127.0.0.1", port)


async def test_a_server_on_another_machine_is_never_started(closed_port: int) -> None:
    # 127.0.0.2 is loopback on Linux, but for the bridge it is "another host": refused at once.
    with pytest.raises(AdbUnavailable, match=r"No adb server answers at 127\.0\.0\.2"):
        await server.ensure_server("127.0.0.2", closed_port)


async def test_adb_that_cannot_start_its_server_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, closed_port: int
) -> None:
    adb = _script(
        tmp_path / "adb", "echo 'error: could not install *smartsocket* listener' >&2; exit 1"
    )
    monkeypatch.setenv("ADBUTILS_ADB_PATH", str(adb))
    with pytest.raises(AdbUnavailable, match="could not install \\*smartsocket\\* listener"):
        await server.ensure_server("127.0.0.1", closed_port)


async def test_adb_that_starts_nothing_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, closed_port: int
) -> None:
    adb = _script(tmp_path / "adb", f'[ "$1 $2 $3" = "-P {closed_port} start-server" ] || exit 3')
    monkeypatch.setenv("ADBUTILS_ADB_PATH", str(adb))
    with pytest.raises(AdbUnavailable, match="was started but its server does not answer"):
        await server.ensure_server("127.0.0.1", closed_port)

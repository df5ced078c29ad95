"""control: the running engine's door for the command line, over real loopback sockets — one
JSON line in, one out, only with the instance's secret."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from softphone.control import ControlServer, NoInstance, request


async def test_arguments_arrive_beside_the_doors_own_names_and_may_not_take_them_over(
    tmp_path: Path,
) -> None:
    seen: list[dict[str, Any]] = []

    async def answer(line: dict[str, Any]) -> dict[str, Any]:
        seen.append(line)
        return {"ok": True}

    file = tmp_path / "instance.json"
    server = ControlServer(file, answer)
    await server.start()
    try:
        reply = await asyncio.to_thread(
            request, file, "login_qr", server="https://crm.example", qr_token="-x1"
        )
        assert reply == {"ok": True}
        assert seen == [{"op": "login_qr", "server": "https://crm.example", "qr_token": "-x1"}]
        # A QR sign-in token named like the door's own secret once replaced it: refused.
        for name in ("door_token", "op"):
            with pytest.raises(TypeError, match=name):
                request(file, "login_qr", **{name: "x"})
        assert len(seen) == 1
    finally:
        await server.stop()
    assert not file.exists()
    with pytest.raises(NoInstance):
        request(file, "status")


async def test_a_request_reaches_the_handler_with_all_its_arguments(tmp_path: Path) -> None:
    seen: list[dict[str, Any]] = []

    async def handler(asked: dict[str, Any]) -> dict[str, Any]:
        seen.append(asked)
        return {"ok": True}

    door = ControlServer(tmp_path / "instance.json", handler)
    await door.start()
    try:
        # `softphone login --qr-token` asks a running engine with an argument named `token`:
        # it must reach the engine as the QR token, not be taken for the door's own secret.
        reply = await asyncio.to_thread(
            request, tmp_path / "instance.json", "login_qr", server="https://crm", token="qr-1"
        )
    finally:
        await door.stop()
    assert reply == {"ok": True}
    assert seen == [{"op": "login_qr", "server": "https://crm", "token": "qr-1"}]


async def test_a_request_without_the_instances_secret_is_not_allowed(tmp_path: Path) -> None:
    async def handler(asked: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("must not be reached")

    file = tmp_path / "instance.json"
    door = ControlServer(file, handler)
    await door.start()
    try:
        info = json.loads(file.read_text())
        file.write_text(json.dumps({**info, "token": "guessed"}))
        reply = await asyncio.to_thread(request, file, "stop")
    finally:
        await door.stop()
    assert reply == {"ok": False, "error": "not allowed"}


def test_no_instance_file_means_no_instance(tmp_path: Path) -> None:
    with pytest.raises(NoInstance):
        request(tmp_path / "instance.json", "status")

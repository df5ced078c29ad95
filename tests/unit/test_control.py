"""control: the running engine's door for the command line, over real loopback sockets."""

from __future__ import annotations

import asyncio
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
        # A QR sign-in token named `token` once replaced the door's own: refused before sending.
        for name in ("token", "op"):
            with pytest.raises(TypeError, match=name):
                request(file, "login_qr", **{name: "x"})
        assert len(seen) == 1
    finally:
        await server.stop()
    assert not file.exists()
    with pytest.raises(NoInstance):
        request(file, "status")

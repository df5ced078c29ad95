"""The CRM goes away in the middle of a call and comes back minutes later (a deploy, a network
cut): the call's result waits in the outbox, reaches the CRM when it is back, the session is
never dropped, and the next command is dialled as usual."""

from __future__ import annotations

from pathlib import Path

import pytest

from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer
from tests.support.engines import desk_engine
from tests.support.waiting import eventually

pytestmark = [pytest.mark.adb, pytest.mark.slow]


def reported(crm: RunningCrm, command_id: str) -> str | None:
    command = crm.command(command_id)
    return command["updates"] and command["result"].get("call_status")


@pytest.mark.parametrize("profile", ["seed", "production"])
async def test_a_result_waits_out_a_crm_outage_and_the_session_survives(
    profile: str,
    tmp_path: Path,
    adb_server: AdbServer,
    sim_phone: SimPhone,
    caplog: pytest.LogCaptureFixture,
) -> None:
    options = CrmOptions(
        profile=profile, users=[("op1", "pw1", False)], state_file=tmp_path / "crm.json"
    )
    crm = start_in_thread(options, port=0)
    port = crm.port
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=3.0))
    engine = desk_engine(adb_server.port)
    try:
        await engine.start()
        await engine.login_qr(crm.url, crm.create_qr("op1"))
        await eventually(lambda: engine.status().ready, 15, "a ready engine")
        first = crm.create_command("op1", "+79123450201")
        await eventually(
            lambda: sim_phone.state()["call_state"] != 0, 30, "the first call on the line"
        )
        crm.stop()  # the CRM goes down while the operator talks
        await eventually(
            lambda: (entry := engine.entry_for_command(first)) and entry.status,
            30,
            "the call resolved while the CRM is away",
        )
        await eventually(lambda: engine.status().sync.outbox_pending >= 1, 10, "the result waiting")
        assert engine.status().sync.signed_in

        crm = start_in_thread(options, port=port)  # back, with everything it knew
        assert await eventually(lambda: reported(crm, first), 60, "the result") == "connected"
        second = crm.create_command("op1", "+79123450202")
        assert await eventually(lambda: reported(crm, second), 90, "the next call") == ("connected")
        assert engine.status().sync.signed_in
    finally:
        await engine.stop()
        crm.stop()
    assert crm.command(first)["result"]["call_duration_seconds"] == 3
    assert "signed out" not in caplog.text.lower()

"""`softphone doctor`'s checks when something is wrong: each failure named, with its fix."""

from __future__ import annotations

import socket

import pytest

from softphone.config import Settings, paths
from softphone.doctor import DoctorLine, run_checks
from softphone.sim.phone import SimPhone
from tests.support.adb import AdbServer, SimPhoneFactory

pytestmark = pytest.mark.adb


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def by_name(lines: list[DoctorLine]) -> dict[str, DoctorLine]:
    return {line.name: line for line in lines}


@pytest.fixture(autouse=True)
def private_adb(adb_server: AdbServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_server.port))


async def test_no_phone_and_no_server_address_each_say_what_to_do() -> None:
    lines = by_name(await run_checks(paths().ensure(), Settings()))
    assert lines["adb server"].ok
    assert not lines["phone"].ok and "USB" in (lines["phone"].fix or "")
    assert not lines["CRM server"].ok and "softphone login" in (lines["CRM server"].fix or "")


async def test_a_server_that_does_not_answer_and_a_denied_call_log(
    sim_phone_factory: SimPhoneFactory,
) -> None:
    phone: SimPhone = sim_phone_factory(calllog="denied", input="blocked")
    settings = Settings(server_url=f"http://127.0.0.1:{closed_port()}")
    lines = by_name(await run_checks(paths().ensure(), settings))
    assert lines["phone"].ok and phone.serial in lines["phone"].detail
    assert not lines["call log"].ok and lines["call log"].fix
    assert not lines["keys (hang up)"].ok and lines["keys (hang up)"].fix
    assert not lines["CRM server"].ok and "does not answer" in lines["CRM server"].detail
    assert "session" not in lines  # nothing to ask a server that is not there


async def test_plain_http_to_a_remote_host_is_refused_before_any_request() -> None:
    lines = by_name(await run_checks(paths().ensure(), Settings(server_url="http://crm.example")))
    assert not lines["CRM server"].ok and "https" in (lines["CRM server"].fix or "")


async def test_two_sims_with_a_default_for_calls_are_fine(
    sim_phone_factory: SimPhoneFactory,
) -> None:
    sim_phone_factory(sims=2)
    lines = by_name(await run_checks(paths().ensure(), Settings()))
    assert lines["SIM cards"].ok and "default for calls set" in lines["SIM cards"].detail


async def test_two_sims_without_a_default_for_calls_say_where_to_set_it(
    sim_phone_factory: SimPhoneFactory,
) -> None:
    phone = sim_phone_factory(sims=2)
    phone.set_default_sim(None)
    lines = by_name(await run_checks(paths().ensure(), Settings()))
    assert not lines["SIM cards"].ok
    assert "no default SIM for calls" in lines["SIM cards"].detail
    assert "SIM cards > Calls" in (lines["SIM cards"].fix or "")

"""`softphone` with no arguments, as an operator starts it: the window (offscreen here) with its
engine; one per desk — a second `softphone` brings it forward, `softphone tel:…` and
`softphone call …` hand it the number; `softphone stop` ends it cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from tests.support.adb import AdbServer
from tests.support.desk import ROOT, desk_env, run_softphone, softphone
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.adb, pytest.mark.slow]


@pytest.fixture
def crm() -> Iterator[RunningCrm]:
    server = start_in_thread(CrmOptions(profile="production", users=[("op1", "pw1", False)]))
    try:
        yield server
    finally:
        server.stop()


def status(env: dict[str, str]) -> dict[str, Any]:
    done = run_softphone(env, "status", "--json")
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_softphone_opens_the_window_and_is_one_per_desk(
    tmp_path: Path, adb_server: AdbServer, sim_phone: SimPhone, crm: RunningCrm
) -> None:
    sim_phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1.0))
    env = {
        **desk_env(tmp_path, adb_server.port, server_url=crm.url),
        "QT_QPA_PLATFORM": "offscreen",
        "SOFTPHONE_LANG": "en",
    }
    window = subprocess.Popen(
        softphone(), env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        first = wait_until(
            lambda: (
                (s := status(env)).get("running")
                and s.get("phone", {}).get("state") == "device"
                and s
            ),
            60,
            "the window's engine running",
        )
        assert first["sync"]["signed_in"] is False  # no session: the sign-in page
        # A second `softphone` finds the first: a window answers "show", and it leaves.
        second = run_softphone(env)
        assert second.returncode == 0, second.stderr
        assert "brought forward" in second.stderr
        # Signing in reaches the running window's engine (no second session, no second budget).
        token = crm.create_qr("op1")
        login = run_softphone(env, "login", "--server", crm.url, "--qr-token", token)
        assert login.returncode == 0, login.stderr
        wait_until(lambda: status(env).get("ready"), 30, "ready after sign-in")
        # A tel: link hands the number over: the running window places the call.
        link = run_softphone(env, "tel:+7%20912%20345-67-89")
        assert link.returncode == 0, link.stderr
        wait_until(
            lambda: any(c.endswith("tel:+79123456789") for c in sim_phone.commands()),
            30,
            "the tel: number dialled",
        )
        stop = run_softphone(env, "stop")
        assert stop.returncode == 0, stop.stderr
        window.wait(timeout=30)
    finally:
        if window.poll() is None:
            window.send_signal(signal.SIGKILL)
            window.wait(timeout=10)
    _out, errors = window.communicate(timeout=10)
    assert window.returncode == 0, errors
    assert "Traceback" not in errors
    am_starts = [c for c in sim_phone.commands() if c.startswith("am start")]
    assert am_starts == ["am start -a android.intent.action.CALL -d tel:+79123456789"]


def test_without_a_display_softphone_says_so_instead_of_crashing(tmp_path: Path) -> None:
    env = {**desk_env(tmp_path, 1), "SOFTPHONE_LANG": "en"}
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    done = run_softphone(env)
    assert done.returncode == 1
    assert "no display" in done.stderr and "--headless" in done.stderr
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr

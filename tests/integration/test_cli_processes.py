"""The command line as operators and scripts use it: every piece a separate process.

`softphone sim-crm` and `softphone sim-phone` run as processes (the phone behind the real, private
adb server), `softphone login` signs in, `softphone run --headless` runs the engine, and
`softphone status/history/call/doctor/logout` are checked for what they print and exit with.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from tests.support.adb import AdbServer
from tests.support.desk import ROOT, desk_env, run_softphone, softphone
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.adb, pytest.mark.slow]


def serve(args: list[str], pattern: str) -> tuple[subprocess.Popen[str], re.Match[str]]:
    """Start a stand-in process and read its address from the line it prints when ready."""
    process = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(pattern, line)
    if found is None:
        process.kill()
        raise AssertionError(f"{args[3]} did not start: {line!r}")
    return process, found


def end(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    finally:
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


@dataclass
class Desk:
    env: dict[str, str]
    crm_url: str
    phone_control: str
    profile: str

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_softphone(self.env, *args, stdin=stdin)

    def json(self, *args: str) -> Any:
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def crm(self, method: str, path: str, body: Any = None) -> Any:
        answer = httpx.request(method, f"{self.crm_url}{path}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def phone(self, path: str, body: Any = None) -> Any:
        method = "POST" if body is not None else "GET"
        answer = httpx.request(method, f"{self.phone_control}{path}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def am_starts(self) -> list[str]:
        return [c for c in self.phone("/commands") if c.startswith("am start")]


@pytest.fixture(params=["seed", "production"])
def desk(request: pytest.FixtureRequest, tmp_path: Path, adb_server: AdbServer) -> Iterator[Desk]:
    profile = request.param
    crm, crm_found = serve(
        softphone("sim-crm", "--profile", profile, "--port", "0", "--user", "op1:pw1"),
        r"at (http://127\.0\.0\.1:\d+)/",
    )
    phone, phone_found = serve(
        softphone(
            "sim-phone", "--port", "0", "--control-port", "0", "--ring", "0.2", "--talk", "1"
        ),
        r"adb connect (\S+); control (\S+)",
    )
    serial = phone_found.group(1)
    try:
        adb_server.connect(serial)
        env = desk_env(tmp_path, adb_server.port)
        yield Desk(env, crm_found.group(1), phone_found.group(2).rstrip("/"), profile)
    finally:
        adb_server.disconnect(serial)
        assert end(phone) == 0
        assert end(crm) == 0


def sign_in(desk: Desk) -> None:
    if desk.profile == "seed":
        done = desk.run("login", "--server", desk.crm_url, "--username", "op1", stdin="pw1\n")
    else:  # the production server takes QR codes only: read it from a picture of the page
        token = desk.crm("POST", "/sim/qr", {"username": "op1"})["token"]
        picture = httpx.get(f"{desk.crm_url}/sim/qr/image", params={"token": token}, timeout=10)
        picture.raise_for_status()
        path = Path(desk.env["SOFTPHONE_HOME"]) / "qr.png"
        path.write_bytes(picture.content)
        done = desk.run("login", "--server", desk.crm_url, "--qr-image", str(path))
    assert done.returncode == 0, done.stderr
    assert "Signed in as op1" in done.stdout  # success is a result: stdout
    assert token_free(done.stdout + done.stderr)


def token_free(text: str) -> bool:
    return not re.search(r"eyJ[\w-]+\.[\w-]+", text) and "pw1" not in text


def test_a_whole_shift_through_the_command_line(desk: Desk) -> None:
    sign_in(desk)
    engine = subprocess.Popen(
        softphone("run", "--headless"),
        env=desk.env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = wait_until(
            lambda: (s := desk.json("status", "--json")).get("running") and s.get("ready") and s,
            60,
            "the running engine ready",
        )
        assert ready["sync"]["signed_in"] is True
        assert ready["sync"]["username"] == "op1"
        assert ready["phone"]["state"] == "device"
        assert ready["phone"]["model"] == "Pixel 7"
        assert ready["current_call"] is None and ready["waiting"] == []
        shown = desk.run("status").stdout
        assert ": ready" in shown and "signed in as op1" in shown, shown
        assert "phone: device Pixel 7" in shown, shown

        command_id = desk.crm(
            "POST", "/sim/commands", {"username": "op1", "phone": "+79123456701"}
        )["id"]
        result = wait_until(
            lambda: (
                (c := desk.crm("GET", f"/sim/commands/{command_id}"))["updates"]
                and c["result"].get("call_status")
                and c["result"]
            ),
            60,
            "the CRM call's result",
        )
        assert result["call_status"] == "connected"
        assert result["call_duration_seconds"] == 1

        placed = desk.json("call", "8 (912) 345-67-02", "--json")
        assert placed["phone"] == "+79123456702"
        assert placed["source"] == "manual"
        wait_until(
            lambda: desk.json("history", "--json", "--limit", "1")[0]["phase"] == "resolved",
            60,
            "the manual call resolved",
        )
        refused = desk.run("call", "+7 912 ABC")
        assert refused.returncode != 0
        assert "not placed" in refused.stderr

        twin = desk.run("run", "--headless")  # a second engine on this desk
        assert twin.returncode == 1 and "already running" in twin.stderr
        requests_before = len(desk.crm("GET", "/sim/requests"))
        doctor = desk.run("doctor")
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "FAIL" not in doctor.stdout
        for line in ("call log: readable", "keys (hang up): allowed", "session: signed in as op1"):
            assert f"OK   {line}" in doctor.stdout, doctor.stdout
        assert "is reachable" in doctor.stdout and "HTTP 401" not in doctor.stdout
        assert token_free(doctor.stdout)
        # Asked through the engine: doctor spent none of the desk's request budget. Nothing
        # in the CRM's log meanwhile but the running engine's own pulls, with its device id.
        [device] = desk.crm("GET", "/sim/devices")
        during = desk.crm("GET", "/sim/requests")[requests_before:]
        assert {(r["method"], r["path"]) for r in during} <= {("GET", "/api/phone/calls/pull/")}
        assert all(f"device_id={device['device_id']}" in r["query"] for r in during), during
    finally:
        engine.send_signal(signal.SIGTERM)
        _, engine_output = engine.communicate(timeout=20)
    assert engine.returncode == 0, engine_output
    assert token_free(engine_output)
    assert "+79123456701" not in engine_output  # numbers are masked in logs

    history = desk.json("history", "--json")
    assert [(h["phone"], h["source"], h["status"]) for h in history] == [
        ("+79123456702", "manual", "connected"),
        ("+79123456701", "crm_ui", "connected"),
    ]
    assert [h["report_state"] for h in history] == ["local_only", "sent"]
    assert desk.am_starts() == [
        "am start -a android.intent.action.CALL -d tel:+79123456701",
        "am start -a android.intent.action.CALL -d tel:+79123456702",
    ]

    offline = desk.json("status", "--json")
    assert offline["running"] is False
    assert offline["username"] == "op1"
    assert offline["open_calls"] == [] and offline["dead_letters"] == 0

    done = desk.run("logout")
    assert done.returncode == 0, done.stderr
    doctor = desk.run("doctor")
    assert doctor.returncode != 0
    assert re.search(r"FAIL .*session", doctor.stdout, re.IGNORECASE), doctor.stdout


def test_call_without_a_running_instance_places_it_directly(desk: Desk) -> None:
    done = desk.run("call", "+7 912 345 67 03", "--json")
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)
    assert (entry["phone"], entry["source"], entry["status"]) == (
        "+79123456703",
        "manual",
        "connected",
    )
    assert desk.am_starts() == ["am start -a android.intent.action.CALL -d tel:+79123456703"]
    [saved] = desk.json("history", "--json")
    assert saved["id"] == entry["id"] and saved["report_state"] == "local_only"


def test_history_limit_and_an_empty_home(desk: Desk) -> None:
    assert desk.json("history", "--json") == []
    assert desk.json("history", "--json", "--limit", "0") == []
    status = desk.json("status", "--json")
    assert status["running"] is False and status["username"] in ("", None)


# -- a new user against the production server, and stopping the engine ---------------------------


@pytest.fixture
def production_crm() -> Iterator[RunningCrm]:
    with start_in_thread(
        CrmOptions(profile="production", users=[("op1", "pw1", False)]), port=0
    ) as crm:
        yield crm


@contextlib.contextmanager
def headless(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`softphone run --headless` until the block ends (then SIGTERM, if it still runs)."""
    engine = subprocess.Popen(
        softphone("run", "--headless"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(
            lambda: run_softphone(env, "status").stdout.startswith("Softphone 0"),
            60,
            "the engine answering",
        )
        yield engine
    finally:
        if engine.poll() is None:
            engine.send_signal(signal.SIGTERM)
        engine.communicate(timeout=20)


def qr_only_words(done: subprocess.CompletedProcess[str]) -> None:
    """A refused password sign-in: the server's words, then what to do instead."""
    assert done.returncode != 0 and done.stdout == ""
    server_words = "JWT вход по логину и паролю отключён"
    assert server_words in done.stderr, done.stderr
    after = done.stderr[done.stderr.index(server_words) :]
    assert "This server signs in by QR code only" in after
    assert "--qr-token" in after and "--qr-image" in after and "QR sign-in" in after
    assert "wrong password" not in done.stderr.lower() and "pw1" not in done.stderr


def test_a_qr_only_server_refusing_a_password_is_worded_for_a_new_user(
    tmp_path: Path, adb_server: AdbServer, production_crm: RunningCrm
) -> None:
    env = desk_env(tmp_path, adb_server.port)  # a new desk: no server saved yet
    url = production_crm.url
    qr_only_words(run_softphone(env, "login", "--server", url, "--username", "op1", stdin="pw1\n"))

    doctor = run_softphone(env, "doctor")
    assert doctor.returncode != 0
    assert f"OK   CRM server: {url} is reachable" in doctor.stdout, doctor.stdout
    assert "HTTP 401" not in doctor.stdout
    assert re.search(r"FAIL session: not signed in\n\s+fix: .*--qr-token", doctor.stdout)
    assert "--username" not in doctor.stdout
    offline = run_softphone(env, "status").stdout
    assert "Softphone is not running." in offline and "signed in as" not in offline

    with headless(env):
        shown = run_softphone(env, "status").stdout
        assert "  not signed in\n" in shown and "signed in as" not in shown, shown
        doctor = run_softphone(env, "doctor")
        assert "asked the running Softphone" in doctor.stdout
        assert re.search(r"FAIL session: .*not signed in", doctor.stdout, re.IGNORECASE)
        assert "--username" not in doctor.stdout and "HTTP 401" not in doctor.stdout
        # Through the running engine's door, the same words.
        qr_only_words(
            run_softphone(env, "login", "--server", url, "--username", "op1", stdin="pw1\n")
        )
    # Only the two password attempts reached the sign-in endpoint; doctor sent none of its own
    # while the engine ran.
    assert [r["status"] for r in production_crm.requests() if r["path"] == "/api/token/"] == [
        403,
        403,
    ]


def test_softphone_stop_ends_a_headless_engine_cleanly(
    tmp_path: Path, adb_server: AdbServer
) -> None:
    env = desk_env(tmp_path, adb_server.port)
    with headless(env) as engine:
        done = run_softphone(env, "stop")
        assert done.returncode == 0, done.stderr
        assert "stopping" in done.stderr
        assert engine.wait(timeout=20) == 0
    assert not (Path(env["SOFTPHONE_HOME"]) / "data" / "instance.json").exists()
    again = run_softphone(env, "stop")
    assert again.returncode == 1 and "not running" in again.stderr
    assert run_softphone(env, "status", "--json").stdout.count('"running": false') == 1

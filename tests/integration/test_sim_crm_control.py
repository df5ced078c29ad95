"""The simulated CRM's control side: /sim/ API, faults, reset, state file, page, CLI, lifecycle."""

from __future__ import annotations

import ast
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from softphone.sim.crm import COMMAND_ID_MARK, CrmOptions, start_in_thread
from tests.integration.sim_crm_helpers import (
    DEVICE,
    Sim,
    bearer,
    pull,
    qr_login,
    running,
    signed_in_device,
)

SIM_DIR = Path(__file__).resolve().parents[2] / "softphone" / "sim"
INFO = "/api/phone/user/info/"
PULL = "/api/phone/calls/pull/"


@pytest.fixture
def prod() -> Iterator[Sim]:
    with running("production") as sim:
        yield sim


# ---- the /sim/ API ------------------------------------------------------------------------


def test_sim_users_creates_an_operator_who_can_sign_in() -> None:
    with running("seed") as sim:
        made = sim.http.post("/sim/users", json={"username": "op9", "password": "pw9"})
        login = sim.http.post("/api/token/", json={"username": "op9", "password": "pw9"})
        users = sim.http.get("/sim/users").json()
    assert made.status_code == 200
    assert login.status_code == 200
    assert {u["username"] for u in users} == {"op1", "op9"}
    assert all("password" not in u for u in users)


def test_sim_users_refuses_a_body_without_credentials(prod: Sim) -> None:
    response = prod.http.post("/sim/users", json={"username": "x"})
    assert response.status_code == 400


def test_sim_commands_get_shows_state_result_and_every_update(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    cid = prod.http.post("/sim/commands", json={"username": "op1", "phone": "+79123456789"}).json()[
        "id"
    ]
    pending = prod.http.get(f"/sim/commands/{cid}").json()
    pull(prod.http, headers)
    prod.http.post(
        "/api/phone/calls/update/",
        json={"call_request_id": cid, "call_status": "busy"},
        headers=headers,
    )
    done = prod.http.get(f"/sim/commands/{cid}").json()
    assert (pending["state"], pending["consumed_at"], pending["updates"]) == ("pending", None, [])
    assert (done["state"], done["device_id"]) == ("consumed", DEVICE)
    assert done["result"] == {"call_status": "busy"}
    [update] = done["updates"]
    assert update["status"] == 200
    assert update["body"] == {"call_request_id": cid, "call_status": "busy"}
    assert update["time"]
    assert prod.http.get("/sim/commands").json()[0]["id"] == cid


def test_sim_command_of_an_unknown_id_is_404(prod: Sim) -> None:
    assert prod.http.get("/sim/commands/nope").status_code == 404


def test_sim_qr_answers_a_token_that_signs_in(prod: Sim) -> None:
    made = prod.http.post("/sim/qr", json={"username": "op1"}).json()
    assert set(made) == {"token", "expires_at"}
    exchange = prod.http.post("/api/phone/qr/exchange/", json={"token": made["token"]})
    assert exchange.status_code == 200
    assert prod.http.get("/sim/qr/status", params={"token": made["token"]}).json() == {
        "status": "used"
    }


def test_the_qr_image_encodes_the_raw_token(prod: Sim) -> None:
    token = prod.crm.create_qr("op1")
    response = prod.http.get("/sim/qr/image", params={"token": token})
    assert response.headers["content-type"] == "image/png"
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert found.text == token


def test_sim_devices_lists_registered_devices(prod: Sim) -> None:
    signed_in_device(prod.crm, prod.http)
    [device] = prod.http.get("/sim/devices").json()
    assert (device["username"], device["device_id"], device["last_heartbeat"]) == (
        "op1",
        DEVICE,
        None,
    )


def test_sim_requests_logs_each_api_request_with_user_and_timing(prod: Sim) -> None:
    headers = bearer(qr_login(prod.crm, prod.http)["access"])
    prod.http.get(INFO, headers=headers)
    entries = prod.http.get("/sim/requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/api/phone/qr/exchange/", 200),
        ("GET", INFO, 200),
    ]
    last = entries[-1]
    assert (last["client"], last["user"]) == ("127.0.0.1", "op1")
    assert last["ms"] >= 0
    assert last["time"]


def test_the_control_api_is_not_in_the_request_log(prod: Sim) -> None:
    prod.http.get("/sim/devices")
    prod.http.get("/")
    assert prod.crm.requests() == []


def test_reset_forgets_commands_devices_and_limits() -> None:
    with running("production", ip_limit=2, ip_window=60.0) as sim:
        headers = signed_in_device(sim.crm, sim.http)
        cid = sim.crm.create_command("op1", "+79123456789")
        assert sim.http.get(INFO, headers=headers).status_code == 429
        assert sim.http.post("/sim/reset").json() == {"ok": True}
        users = sim.http.get("/sim/users").json()
        again = bearer(qr_login(sim.crm, sim.http)["access"])
        after = sim.http.get(INFO, headers=again).status_code
        with pytest.raises(KeyError):
            sim.crm.command(cid)
        assert sim.crm.devices() == []
    assert [u["username"] for u in users] == ["op1"]
    assert after == 200


# ---- faults -------------------------------------------------------------------------------


def test_fail_next_answers_the_status_then_recovers(prod: Sim) -> None:
    headers = bearer(qr_login(prod.crm, prod.http)["access"])
    faults = prod.http.post(
        "/sim/faults", json={"fail_next": [{"path": INFO, "status": 502, "count": 2}]}
    )
    assert faults.status_code == 200
    codes = [prod.http.get(INFO, headers=headers).status_code for _ in range(3)]
    assert codes == [502, 502, 200]


def test_a_dropped_connection_is_a_transport_error_for_the_client(prod: Sim) -> None:
    headers = bearer(qr_login(prod.crm, prod.http)["access"])
    prod.crm.set_faults(fail_next=[{"path": INFO, "status": 0}])
    with pytest.raises(httpx.TransportError):
        prod.http.get(INFO, headers=headers)
    assert prod.http.get(INFO, headers=headers).status_code == 200
    dropped = [e for e in prod.crm.requests() if e.get("fault") == "drop"]
    assert [(e["path"], e["status"]) for e in dropped] == [(INFO, None)]


def test_an_error_share_of_one_fails_every_api_request(prod: Sim) -> None:
    headers = bearer(qr_login(prod.crm, prod.http)["access"])
    prod.crm.set_faults(error_rate=1.0, error_status=503)
    codes = {prod.http.get(INFO, headers=headers).status_code for _ in range(5)}
    prod.crm.set_faults(error_rate=0.0)
    assert codes == {503}
    assert prod.http.get(INFO, headers=headers).status_code == 200


def test_a_drop_share_of_one_drops_every_api_request(prod: Sim) -> None:
    prod.crm.set_faults(drop_rate=1.0)
    with pytest.raises(httpx.TransportError):
        prod.http.get(INFO)
    assert prod.http.get("/sim/devices").status_code == 200  # the control API stays reachable


def test_latency_delays_every_api_request(prod: Sim) -> None:
    prod.crm.set_faults(latency_ms=200)
    started = time.perf_counter()
    prod.http.get(INFO)
    assert time.perf_counter() - started >= 0.19


def test_latency_jitter_spreads_the_delay_of_each_request(prod: Sim) -> None:
    prod.crm.set_faults(latency_ms=50, latency_jitter_ms=300)
    for _ in range(6):
        prod.http.get(INFO)
    held = [e["latency_ms"] for e in prod.crm.requests() if e["path"] == INFO]
    assert all(50 <= ms <= 350 for ms in held)
    assert max(held) - min(held) > 20  # not one fixed delay


def test_injected_errors_carry_retry_after_when_asked(prod: Sim) -> None:
    prod.crm.set_faults(error_rate=1.0, error_status=429, error_retry_after=7)
    with_header = prod.http.get(INFO)
    prod.crm.set_faults(error_retry_after=None)
    without = prod.http.get(INFO)
    prod.crm.set_faults(error_rate=0.0, fail_next=[{"path": INFO, "status": 429, "retry_after": 2}])
    ruled = prod.http.get(INFO)
    assert (with_header.status_code, with_header.headers["retry-after"]) == (429, "7")
    assert without.status_code == 429 and "retry-after" not in without.headers
    assert (ruled.status_code, ruled.headers["retry-after"]) == (429, "2")


def test_reply_next_answers_any_text_then_the_real_server_again(prod: Sim) -> None:
    headers = bearer(qr_login(prod.crm, prod.http)["access"])
    garbage = '{"username": [1, 2' + "\x00\u202e" + "я" * 3
    prod.crm.set_faults(reply_next=[{"path": INFO, "status": 200, "body": garbage, "count": 2}])
    answers = [prod.http.get(INFO, headers=headers) for _ in range(3)]
    assert [a.text for a in answers[:2]] == [garbage, garbage]
    assert answers[0].headers["content-type"].startswith("application/json")
    assert answers[2].json()["username"] == "op1"
    assert [e.get("fault") for e in prod.crm.requests() if e["path"] == INFO] == [
        "reply",
        "reply",
        None,
    ]


def test_a_canned_pull_answer_can_hand_a_real_command_out(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    cid = prod.crm.create_command("op1", "+79123456789")
    body = json.dumps({"id": cid, "phone": ["not", "text"]})
    prod.crm.set_faults(reply_next={"path": "/api/phone/calls/pull/", "body": body, "consume": cid})
    garbled = pull(prod.http, headers)
    assert garbled.text == body
    command = prod.crm.command(cid)
    assert (command["state"], command["device_id"]) == ("consumed", DEVICE)
    assert pull(prod.http, headers).status_code == 204  # handed out once, never again


def test_a_canned_pull_answer_can_wait_for_the_next_command_and_name_it(prod: Sim) -> None:
    headers = signed_in_device(prod.crm, prod.http)
    body = json.dumps({"id": COMMAND_ID_MARK, "phone": "+7912; reboot"})
    prod.crm.set_faults(reply_next={"path": PULL, "body": body, "consume": "next"})
    assert pull(prod.http, headers).status_code == 204  # nothing pending: the rule waits
    cid = prod.crm.create_command("op1", "+79123456789")
    garbled = pull(prod.http, headers)
    assert garbled.json() == {"id": cid, "phone": "+7912; reboot"}
    assert prod.crm.command(cid)["state"] == "consumed"
    [served] = [r for r in prod.crm.requests() if r.get("fault") == "reply"]
    assert served["handed_out"] == cid
    assert pull(prod.http, headers).status_code == 204


def test_the_server_remembers_every_token_it_minted(prod: Sim) -> None:
    qr = prod.crm.create_qr("op1")
    pair = prod.http.post("/api/phone/qr/exchange/", json={"token": qr}).json()
    rotated = prod.http.post("/api/token/refresh/", json={"refresh": pair["refresh"]}).json()
    issued = prod.crm.issued_tokens()
    assert [qr, pair["access"], pair["refresh"], rotated["access"], rotated["refresh"]] == issued


@pytest.mark.parametrize(
    "faults",
    [
        {"error_rate": 2},
        {"latency_ms": -1},
        {"fail_next": [{"path": "x", "status": 500}]},
        {"fail_next": [{"path": "/a/", "status": 200}]},
        {"fail_next": [{"path": "/a/", "status": 429, "retry_after": -1}]},
        {"reply_next": [{"path": "/a/", "status": 99}]},
        {"reply_next": [{"path": "/a/", "body": 5}]},
        {"reply_next": [{"path": "/a/", "consume": 5}]},
        {"error_retry_after": "soon"},
        {"latency_jitter_ms": -5},
        {"error_rate": 0.5, "drop_rate": 3},
        {"access_ttl": 0},
        {"nonsense": 1},
    ],
)
def test_bad_fault_settings_are_400(prod: Sim, faults: dict[str, object]) -> None:
    response = prod.http.post("/sim/faults", json=faults)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_refused_fault_setting_changes_nothing(prod: Sim) -> None:
    response = prod.http.post("/sim/faults", json={"error_rate": 0.5, "drop_rate": 3})
    assert response.status_code == 400
    assert prod.http.get("/sim/faults").json()["error_rate"] == 0


def test_reset_clears_faults(prod: Sim) -> None:
    prod.crm.set_faults(error_rate=1.0)
    prod.crm.reset()
    assert prod.http.get(INFO).status_code == 401
    assert prod.http.get("/sim/faults").json()["error_rate"] == 0


# ---- the operator page --------------------------------------------------------------------


def test_the_operator_page_has_the_call_form_qr_panel_and_commands_table(prod: Sim) -> None:
    page = prod.http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for element in ('id="call-form"', 'id="qr-show"', 'id="qr-state"', 'id="commands"'):
        assert element in page.text
    # The page spends none of the desk's per-IP budget: it only calls the control API.
    assert "/api/phone/" not in page.text


# ---- state file, lifecycle, CLI -----------------------------------------------------------


def test_the_state_file_keeps_users_commands_and_tokens_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "crm.json"
    options = CrmOptions(profile="production", users=[("op1", "pw1", False)], state_file=state)
    first = start_in_thread(options)
    try:
        with httpx.Client(base_url=first.url) as http:
            pair = qr_login(first, http)
            cid = first.create_command("op1", "+79123456789", note="keep me")
    finally:
        first.stop()
    second = start_in_thread(options)
    try:
        with httpx.Client(base_url=second.url) as http:
            info = http.get(INFO, headers=bearer(pair["access"]))
            view = second.command(cid)
    finally:
        second.stop()
    assert info.status_code == 200
    assert (view["state"], view["note"]) == ("pending", "keep me")


def test_the_state_file_is_written_as_soon_as_the_control_api_changes_something(
    tmp_path: Path,
) -> None:
    state = tmp_path / "crm.json"
    crm = start_in_thread(CrmOptions(users=[("op1", "pw1", False)], state_file=state))
    try:
        with httpx.Client(base_url=crm.url) as http:
            made = http.post("/sim/commands", json={"username": "op1", "phone": "+79123456789"})
            written = state.read_text(encoding="utf-8")
    finally:
        crm.stop()
    assert made.json()["id"] in written


def test_a_corrupt_state_file_is_a_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "crm.json"
    state.write_text("{broken", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot read the state file"):
        start_in_thread(CrmOptions(state_file=state))


def test_an_unwritable_state_file_is_a_clear_error_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot write the state file"):
        start_in_thread(CrmOptions(state_file=tmp_path / "missing-dir" / "crm.json"))


def test_a_state_file_that_becomes_unwritable_is_a_warning_not_a_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    crm = start_in_thread(CrmOptions(users=[("op1", "pw1", False)], state_file=folder / "s.json"))
    try:
        (folder / "s.json").unlink()
        folder.rmdir()
        with httpx.Client(base_url=crm.url) as http:
            made = http.post("/sim/commands", json={"username": "op1", "phone": "+79123456789"})
        view = crm.command(made.json()["id"])
    finally:
        crm.stop()
    assert made.status_code == 200
    assert view["state"] == "pending"
    assert "cannot write the state file" in caplog.text


def test_stop_is_idempotent_and_frees_the_port() -> None:
    crm = start_in_thread(CrmOptions())
    port = crm.port
    crm.stop()
    crm.stop()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_a_busy_port_is_a_clear_error(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(RuntimeError, match="did not start"):
            start_in_thread(CrmOptions(), port=sock.getsockname()[1])
    assert "address already in use" in caplog.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_cli_serves_until_sigint_and_prints_its_url(tmp_path: Path) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "softphone", "sim-crm", "--profile", "production"]
    command += ["--port", str(port), "--user", "alice:secret:admin", "--ip-window", "5"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            users = http.get("/sim/users").json()
            page = http.get("/")
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert [(u["username"], u["is_admin"]) for u in users] == [("alice", True)]
    assert page.status_code == 200


def test_the_cli_refuses_a_malformed_user() -> None:
    from softphone.sim.crm import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--user", "no-password"])
    assert exit_info.value.code == 2


def test_the_sim_imports_nothing_from_the_rest_of_softphone() -> None:
    offenders = []
    for path in SIM_DIR.glob("crm*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith("softphone") and not n.startswith("softphone.sim")
            ]
    assert offenders == []

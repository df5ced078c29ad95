"""Secrets: after a full run, no number, token, password, QR token or device id is anywhere it
should not be, and the desk talks to no CRM it cannot trust.

The run: sign-in by QR (after a refused, already used QR token), calls, sign-out, a refused
password, sign-in by password, more calls with access tokens that expire every two seconds (so
refresh tokens rotate all along), a result the CRM refuses with a detail that echoes secrets
back, an attempt at a plain-HTTP server, a support report sent and one saved, a restart that
delivers the telemetry. Then every log file, the saved report, the log bundles and telemetry
the CRM received, the status, the dead letters and the text of every exception the engine
raised are searched for every raw number, token, password, QR token and device id used: none
is found. The whole data folder (database and all) is searched for tokens and passwords: none.

Apart: plain HTTP to a host that is not loopback is refused unless allowed for that very host,
and an HTTPS server whose certificate this machine does not trust is refused (verification on).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import ipaddress
import json
import secrets
import ssl
import threading
import traceback
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from softphone import logs
from softphone.adb.bridge import PhoneBridge
from softphone.config import Settings, paths
from softphone.engine import Engine
from softphone.model import ReportState
from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread
from softphone.sim.phone import CallScript, SimPhone
from softphone.sync import CrmError, InsecureServer, Rejected
from tests.support.adb import AdbServer
from tests.support.engines import desk_engine
from tests.support.figures import record
from tests.support.invariants import accepted
from tests.support.waiting import eventually

pytestmark = [pytest.mark.adb, pytest.mark.slow]

UPDATE = "/api/phone/calls/update/"
SOURCE = Path(__file__).resolve().parents[2] / "softphone"


@pytest.fixture
def password() -> str:
    return "pw-" + secrets.token_urlsafe(12)


@pytest.fixture
def crm(password: str) -> Iterator[RunningCrm]:
    # The seed profile allows password sign-in; QR sign-in works on it too.
    server = start_in_thread(CrmOptions(profile="seed", users=[("op1", password, False)]), port=0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def log_file() -> Iterator[Path]:
    """The desk's log file, as `softphone run` writes it, at DEBUG (the most it ever says)."""
    target = paths().log_file
    logs.setup(target, level="DEBUG", console=False)
    try:
        yield target
    finally:
        logs.setup(None, level="INFO", console=False)


def forms(number: str) -> list[str]:
    """The ways a number may be written out raw: +7XXXXXXXXXX, 7XXXXXXXXXX, XXXXXXXXXX."""
    digits = number.lstrip("+")
    return [number, digits, digits[1:]]


def found_in(text: str, needles: dict[str, str]) -> list[str]:
    return sorted({what for needle, what in needles.items() if needle and needle in text})


class Run:
    """Everything a run leaves that someone else may read, collected."""

    def __init__(self) -> None:
        self.exceptions: list[str] = []
        self.texts: dict[str, str] = {}

    @contextlib.asynccontextmanager
    async def expecting(self, kind: type[BaseException]) -> Any:
        try:
            yield
        except kind as err:
            self.exceptions.append("".join(traceback.format_exception(err)) + repr(err))
        else:
            raise AssertionError(f"{kind.__name__} was expected")


async def a_call(crm: RunningCrm, phone: SimPhone, number: str, outcome: str = "answered") -> str:
    phone.push_scripts(CallScript(ring_s=0.2, outcome=outcome, talk_s=1.1))
    command_id = crm.create_command("op1", number)
    await eventually(lambda: accepted(crm, command_id), 30, f"the result for {number}")
    return command_id


SIZES = [
    pytest.param(2, id="ci", marks=pytest.mark.timeout(120)),
    pytest.param(20, id="soak", marks=[pytest.mark.soak, pytest.mark.timeout(600)]),
]


@pytest.mark.parametrize("calls", SIZES)
async def test_no_secret_is_left_anywhere_after_a_full_run(
    calls: int,
    tmp_path: Path,
    crm: RunningCrm,
    password: str,
    adb_server: AdbServer,
    sim_phone: SimPhone,
    log_file: Path,
    caplog: pytest.LogCaptureFixture,  # refusals and a dead letter are warnings
) -> None:
    run = Run()
    numbers: list[str] = []
    wrong_password = "wrong-" + secrets.token_urlsafe(12)
    crm.set_faults(access_ttl=2.0)  # refresh tokens rotate all along the run
    engine = desk_engine(adb_server.port, heartbeat_minutes=0.5, long_poll_wait_s=2)
    report = tmp_path / "support.zip"
    try:
        await engine.start()
        qr = crm.create_qr("op1")
        await engine.login_qr(crm.url, qr)
        async with run.expecting(Rejected):  # a QR token is good once
            await engine.login_qr(crm.url, qr)
        await eventually(lambda: engine.status().ready, 15, "a ready engine")
        for n in range(calls):
            numbers.append(f"+7912{secrets.randbelow(10**7):07d}")
            await a_call(crm, sim_phone, numbers[-1], "answered" if n % 2 else "busy")

        await engine.logout()
        async with run.expecting(Rejected):
            await engine.login_password(crm.url, "op1", wrong_password)
        await engine.login_password(crm.url, "op1", password)
        for _ in range(calls):
            numbers.append(f"+7913{secrets.randbelow(10**7):07d}")
            await a_call(crm, sim_phone, numbers[-1])

        # A result the CRM refuses for good, its words echoing what it was sent and more.
        device_id = crm.devices()[0]["device_id"]
        numbers.append(f"+7914{secrets.randbelow(10**7):07d}")
        echo = (
            f"CallRequest not found for {numbers[-1]}, device {device_id}, "
            f"token {crm.issued_tokens()[-2]}, password {password}"
        )
        crm.set_faults(
            reply_next={
                "path": UPDATE,
                "status": 404,
                "body": json.dumps({"detail": echo}),
                "count": 4,
            }
        )
        sim_phone.push_scripts(CallScript(ring_s=0.2, outcome="answered", talk_s=1.1))
        refused = crm.create_command("op1", numbers[-1])
        await eventually(
            lambda: (e := engine.entry_for_command(refused)) and e.report_state is ReportState.DEAD,
            30,
            "the refused result kept as a dead letter",
        )

        async with run.expecting(InsecureServer):
            await engine.login_qr("http://crm.example.com", crm.create_qr("op1"))
        await engine.send_support_report(f"the call to {numbers[0]} dropped at 10:40")
        await eventually(crm.logs, 30, "the support report at the CRM")
        engine.save_support_report(report, comment=f"again {numbers[1]}")
        run.texts["dead letters"] = repr(engine.dead_letters())
        run.texts["support report text"] = engine.support_report_text()
    finally:
        await engine.stop()

    # The telemetry of the run waits in the outbox at stop: the next start delivers it (when
    # its planner lets background requests go: a long run may have to wait out a window).
    engine = desk_engine(adb_server.port, heartbeat_minutes=0.5, long_poll_wait_s=2)
    try:
        await engine.start()
        await eventually(crm.telemetry, 240, "the telemetry at the CRM")
    finally:
        await engine.stop()

    tokens = crm.issued_tokens()
    needles: dict[str, str] = {t: "a token" for t in tokens}
    needles |= {password: "the password", wrong_password: "the wrong password"}
    for number in numbers:
        needles |= dict.fromkeys(forms(number), f"the number {number}")
    needles |= {device_id: "the desk's device id", sim_phone.serial: "the phone's serial"}

    with zipfile.ZipFile(report) as archive:
        for name in archive.namelist():
            run.texts[f"saved report: {name}"] = archive.read(name).decode("utf-8")
    for path in sorted(log_file.parent.iterdir()):
        run.texts[f"log file {path.name}"] = path.read_text(encoding="utf-8", errors="replace")
    # What was sent in them: the contract's own `device_id` field names the desk to the CRM.
    run.texts["log bundles sent"] = "\n".join(str(b["payload"]) for b in crm.logs())
    run.texts["telemetry sent"] = json.dumps(
        [{k: v for k, v in item.items() if k != "device_id"} for item in crm.telemetry()],
        ensure_ascii=False,
    )
    run.texts["exceptions"] = "\n".join(run.exceptions)

    leaks = {where: found_in(text, needles) for where, text in run.texts.items()}
    home = log_file.parents[1]
    token_needles = {t: w for t, w in needles.items() if "token" in w or "password" in w}
    on_disk = {
        str(path.relative_to(home)): found_in(path.read_bytes().decode("latin-1"), token_needles)
        for path in sorted(home.rglob("*"))
        if path.is_file()
    }
    record(
        f"5_secrets_{calls}_calls",
        {
            "calls": len(numbers),
            "tokens_minted": len(tokens),
            "places_searched": sorted(run.texts),
            "files_searched_for_tokens": sorted(on_disk),
            "exceptions_searched": len(run.exceptions),
            "log_lines": run.texts[f"log file {log_file.name}"].count("\n"),
            "found": {k: v for k, v in {**leaks, **on_disk}.items() if v},
        },
    )
    assert len(tokens) >= 6  # two QR tokens, and access and refresh tokens rotated
    assert "***" in run.texts["log bundles sent"] and run.texts["telemetry sent"] != "[]"
    assert {where: what for where, what in leaks.items() if what} == {}
    assert {where: what for where, what in on_disk.items() if what} == {}


# ---- plain HTTP and TLS -------------------------------------------------------------------------


def other_engine(home: Path, adb_port: int, handler: Any, **settings: Any) -> Engine:
    return Engine(
        paths(home),
        Settings(**settings),
        bridge=PhoneBridge("127.0.0.1", adb_port),
        transport=httpx.MockTransport(handler),
        control=False,
    )


async def test_plain_http_goes_only_to_loopback_and_hosts_allowed_one_by_one(
    tmp_path: Path, adb_server: AdbServer, caplog: pytest.LogCaptureFixture
) -> None:
    reached: list[str] = []

    def crm_answer(request: httpx.Request) -> httpx.Response:
        reached.append(str(request.url))
        return httpx.Response(400, json={"detail": "Неверный или истекший токен"})

    token = secrets.token_urlsafe(64)
    engine = other_engine(
        tmp_path / "desk", adb_server.port, crm_answer, allow_plain_http=["crm.lan"]
    )
    refusals: list[str] = []
    for url in ("http://crm.example.com", "http://crm.lan.example.com", "http://10.0.0.5"):
        with pytest.raises(InsecureServer) as refused:
            await engine.login_qr(url, token)
        refusals.append(str(refused.value))
    with pytest.raises(Rejected):  # allowed: it went, over plain HTTP, and the CRM answered
        await engine.login_qr("http://crm.lan", token)
    with pytest.raises(Rejected):  # loopback needs no permission
        await engine.login_qr("http://127.0.0.1:8765", token)
    assert reached == [
        "http://crm.lan/api/phone/qr/exchange/",
        "http://127.0.0.1:8765/api/phone/qr/exchange/",
    ]
    assert all("HTTPS" in text and token not in text for text in refusals)


def untrusted_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 that no CA this machine trusts has signed."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crm.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_a_crm_whose_certificate_is_not_trusted_is_never_talked_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cert_file, key_file = untrusted_certificate(tmp_path)
    served: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    class TlsServer(http.server.ThreadingHTTPServer):
        def get_request(self) -> tuple[Any, Any]:
            sock, address = self.socket.accept()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_file, key_file)
            try:
                return context.wrap_socket(sock, server_side=True), address
            except (ssl.SSLError, OSError) as err:
                sock.close()
                raise OSError("the client refused the handshake") from err

    server = TlsServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    token = secrets.token_urlsafe(64)

    async def sign_in(home: Path) -> CrmError:
        engine = Engine(paths(home), Settings(), control=False)
        with pytest.raises(CrmError) as failed:
            await engine.login_qr(url, token)
        return failed.value

    try:
        refused = await sign_in(tmp_path / "desk")
        untrusted_served = list(served)
        # The control: once this machine trusts that certificate, the same desk talks to it.
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        await sign_in(tmp_path / "trusting-desk")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert untrusted_served == []  # not one request (the QR token in it) crossed
    assert served == ["/api/phone/qr/exchange/"]
    assert token not in str(refused)
    # Nothing in the client turns verification off.
    sources = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE.rglob("*.py"))
    assert "verify=False" not in sources and "CERT_NONE" not in sources
    assert "check_hostname = False" not in sources

"""`softphone doctor`: each part a desk depends on, checked in order, with the fix when it fails.

adb server → the phone (authorised, call log readable, input allowed, SIMs, clock) → the CRM
server (reachable, HTTPS) → the session (saved, and accepted by the server). Nothing here
changes state: no command is pulled, nothing is dialled.
"""

from __future__ import annotations

import dataclasses

import httpx

from softphone.adb.bridge import PhoneBridge
from softphone.adb.server import AdbUnavailable, ensure_server, server_address
from softphone.config import Paths, Settings
from softphone.phone import DeskPhone
from softphone.store import Store

LOGIN_FIX = "sign in: softphone login --server URL --qr-token TOKEN (or --username NAME)"


@dataclasses.dataclass(frozen=True, slots=True)
class DoctorLine:
    name: str
    ok: bool
    detail: str
    fix: str | None = None


async def run_checks(where: Paths, settings: Settings) -> list[DoctorLine]:
    lines = await _phone_checks(settings)
    lines += await _server_checks(where, settings)
    return lines


async def _phone_checks(settings: Settings) -> list[DoctorLine]:
    host, port = server_address()
    try:
        version = await ensure_server(host, port)
    except AdbUnavailable as err:
        return [DoctorLine("adb server", False, str(err), "install adb or check its address")]
    lines = [DoctorLine("adb server", True, f"adb {version} at {host}:{port}")]
    bridge = PhoneBridge(host, port)
    phone = DeskPhone(bridge, preferred_serial=settings.phone_serial)
    try:
        status = await phone.check_now()
    finally:
        await bridge.close()
    if not status.ready:
        lines.append(DoctorLine("phone", False, status.state, status.problem))
        return lines
    lines.append(
        DoctorLine(
            "phone", True, f"{status.serial} {status.model or ''} Android {status.android or '?'}"
        )
    )
    checks = (
        ("call log", status.call_log, "readable"),
        ("keys (hang up)", status.input, "allowed"),
    )
    for name, check, fine in checks:
        if check is not None:
            detail = (check.reason or fine) if check.ok else (check.reason or "refused")
            lines.append(DoctorLine(name, check.ok, detail, check.fix))
    sims = status.sim_count or 0
    lines.append(
        DoctorLine(
            "SIM cards",
            sims >= 1,
            f"{sims} ready"
            + (
                "; set a default SIM for calls on the phone, or Android asks which SIM to use"
                " and the call never starts"
                if sims > 1
                else ""
            ),
            None if sims >= 1 else "insert a SIM card or check the phone's network",
        )
    )
    if status.clock_offset_ms is not None:
        lines.append(DoctorLine("phone clock", True, f"offset {status.clock_offset_ms} ms"))
    return lines


async def _server_checks(where: Paths, settings: Settings) -> list[DoctorLine]:
    from softphone.sync import CrmError, CrmLink, refuse_commands
    from softphone.sync.api import check_server_url

    url = settings.server_url
    if not url:
        return [DoctorLine("CRM server", False, "no server address saved", LOGIN_FIX)]
    try:
        check_server_url(url, settings.allow_plain_http)
    except CrmError as err:
        return [
            DoctorLine(
                "CRM server",
                False,
                str(err),
                "use https://, or allow plain HTTP for this host at sign-in",
            )
        ]
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            answer = await client.get(url.rstrip("/") + "/api/phone/user/info/")
        lines = [DoctorLine("CRM server", True, f"{url} answers (HTTP {answer.status_code})")]
    except httpx.HTTPError as err:
        return [
            DoctorLine(
                "CRM server",
                False,
                f"{url} does not answer: {type(err).__name__}",
                "check the address and the network",
            )
        ]

    store = Store.open(where.database)
    link = CrmLink(store, settings, on_command=refuse_commands)
    try:
        if not await link.session.resume():
            lines.append(DoctorLine("session", False, "not signed in", LOGIN_FIX))
            return lines
        session = link.session
        try:
            info = await session.call(lambda access: session.api.user_info(access))
        except CrmError as err:
            lines.append(DoctorLine("session", False, str(err), LOGIN_FIX))
            return lines
        where_kept = "this process only (no keyring)" if session.session_only else "the keyring"
        lines.append(
            DoctorLine(
                "session", True, f"signed in as {info.username}; tokens kept in {where_kept}"
            )
        )
        return lines
    finally:
        await link.stop()
        store.close()

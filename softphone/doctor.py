"""`softphone doctor`: each part a desk depends on, checked in order, with the fix when it fails.

adb server → the phone (authorised, call log readable, input allowed, SIMs, clock) → the CRM
server (reachable, HTTPS) → the session (saved, and accepted by the server). Nothing here
changes state: no command is pulled, nothing is dialled.

While an engine runs, doctor asks it (`lines_from_status`) and sends nothing to the CRM itself:
the engine already knows how the server answers, and the desk's request budget is one. Only
without an engine does `run_checks` look for itself (two requests to the CRM).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from softphone.adb.bridge import PhoneBridge
from softphone.adb.server import AdbUnavailable, ensure_server, server_address
from softphone.config import Paths, Settings
from softphone.console import describe, fix_for
from softphone.phone import CheckStatus, DeskPhone, PhoneState, PhoneStatus
from softphone.problems import Problem, ProblemKind
from softphone.store import Store

QR_LOGIN_FIX = "sign in: softphone login --server URL --qr-token TOKEN (or --qr-image FILE)"
LOGIN_FIX = QR_LOGIN_FIX + ", or --username NAME where the server allows passwords"


@dataclasses.dataclass(frozen=True, slots=True)
class DoctorLine:
    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _problem_line(name: str, problem: Problem) -> DoctorLine:
    return DoctorLine(name, False, describe(problem), fix_for(problem))


# -- without an engine -------------------------------------------------------------------------


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
    return lines + phone_lines(status)


def phone_lines(status: PhoneStatus) -> list[DoctorLine]:
    """The phone's lines, from what the desk knows about it."""
    if not status.ready:
        problem = status.problems[0] if status.problems else Problem(ProblemKind.PHONE_NONE)
        return [_problem_line("phone", problem)]
    lines = [
        DoctorLine(
            "phone",
            True,
            f"{status.serial} {status.model or ''} Android {status.android or '?'}".strip(),
        )
    ]
    for name, check, fine in (
        ("call log", status.call_log, "readable"),
        ("keys (hang up)", status.input, "allowed"),
    ):
        if check is None:
            continue
        if check.ok or check.problem is None:
            lines.append(DoctorLine(name, check.ok, fine if check.ok else "refused"))
        else:
            lines.append(_problem_line(name, check.problem))
    sims = status.sim_count or 0
    sim_problem = next(
        (p for p in status.problems if p.kind in (ProblemKind.NO_SIM, ProblemKind.NO_DEFAULT_SIM)),
        None,
    )
    if sim_problem is not None:
        lines.append(_problem_line("SIM cards", sim_problem))
    else:
        default = "" if status.default_call_sim is None else ", default for calls set"
        lines.append(DoctorLine("SIM cards", True, f"{sims} ready{default}"))
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
            await client.get(url.rstrip("/") + "/api/phone/user/info/")
        lines = [DoctorLine("CRM server", True, f"{url} is reachable")]
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
    link = CrmLink(
        store, settings, on_command=refuse_commands, lock_path=where.data_dir / "session.lock"
    )
    fix = QR_LOGIN_FIX if link.qr_only(url) else LOGIN_FIX
    try:
        if not await link.session.resume():
            lines.append(DoctorLine("session", False, "not signed in", fix))
            return lines
        session = link.session
        try:
            info = await session.call(lambda access: session.api.user_info(access))
        except CrmError as err:
            lines.append(DoctorLine("session", False, str(err), fix))
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


# -- from a running engine ---------------------------------------------------------------------


def lines_from_status(status: dict[str, Any]) -> list[DoctorLine]:
    """Doctor's lines from a running engine's status (`softphone status --json`'s shape)."""
    sync, phone = status.get("sync", {}), status.get("phone", {})
    problems = [p for p in map(Problem.from_json, status.get("problems", [])) if p is not None]
    lines = [DoctorLine("engine", True, f"Softphone {status.get('version')} is running")]
    lines += phone_lines(_phone_from_json(phone))
    server = sync.get("server_url") or "-"
    unreachable = next((p for p in problems if p.kind is ProblemKind.SERVER_UNREACHABLE), None)
    if unreachable is not None:
        lines.append(_problem_line("CRM server", unreachable))
    else:
        code = sync.get("last_poll_code")
        seen = f" (last pull answered {code})" if code else ""
        lines.append(DoctorLine("CRM server", True, f"{server} is reachable{seen}"))
    if sync.get("signed_in"):
        kept = "this process only (no keyring)" if sync.get("session_only") else "the keyring"
        lines.append(
            DoctorLine(
                "session", True, f"signed in as {sync.get('username')}; tokens kept in {kept}"
            )
        )
    else:
        ended = next(
            (
                p
                for p in problems
                if p.kind in (ProblemKind.NOT_SIGNED_IN, ProblemKind.SESSION_ENDED)
            ),
            Problem(ProblemKind.NOT_SIGNED_IN),
        )
        lines.append(_problem_line("session", ended))
    for problem in problems:
        if problem.kind in (
            ProblemKind.RATE_LIMITED,
            ProblemKind.RATE_LIMIT_SHARED,
            ProblemKind.RESULTS_REFUSED,
            ProblemKind.COMMAND_NOT_SAVED,
        ):
            lines.append(_problem_line("CRM conversation", problem))
    return lines


def _phone_from_json(data: dict[str, Any]) -> PhoneStatus:
    """The phone's status back from the engine's JSON (what doctor needs of it)."""

    def check(value: Any) -> CheckStatus | None:
        if not isinstance(value, dict):
            return None
        return CheckStatus(bool(value.get("ok")), Problem.from_json(value.get("problem")))

    try:
        state = PhoneState(str(data.get("state")))
    except ValueError:
        state = PhoneState.NONE
    return PhoneStatus(
        serial=data.get("serial"),
        state=state,
        model=data.get("model"),
        android=data.get("android"),
        call_log=check(data.get("call_log")),
        input=check(data.get("input")),
        sim_count=data.get("sim_count"),
        default_call_sim=data.get("default_call_sim"),
        clock_offset_ms=data.get("clock_offset_ms"),
        problems=tuple(p for p in map(Problem.from_json, data.get("problems", [])) if p),
    )

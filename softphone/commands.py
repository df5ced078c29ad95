"""What each `softphone` subcommand does (the parsing is in `cli.py`).

Kept apart from `cli.py` so that `softphone --version` and the stand-ins start without
importing the engine, httpx or adbutils.

One engine per desk, one request budget per desk: while an engine runs, `status`, `call`,
`login`, `logout`, `doctor` and `stop` go through its control door and make no request to the
CRM of their own (the production CRM limits requests per address, and a second process
refreshing the shared session would present a token the engine already rotated).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any
from urllib.parse import urlsplit

from softphone import logs
from softphone.config import Paths, Settings, load_settings, paths, save_settings
from softphone.console import (
    EXIT_FAIL,
    EXIT_OK,
    describe,
    fix_for,
    number_problem,
    print_json,
    read_password,
    reason_text,
    run_async,
    say,
)
from softphone.control import NoInstance, request
from softphone.engine import CallChanged, Engine, EngineEvent, jsonable
from softphone.instance import AlreadyRunning
from softphone.model import CallPhase, HistoryEntry
from softphone.numbers import InvalidNumber, NumberProblem, format_display
from softphone.problems import Problem
from softphone.store import Store


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(paths().ensure())
    serial = getattr(args, "serial", None)
    if serial:
        settings = settings.model_copy(update={"phone_serial": serial})
    return settings


def _ask(where: Paths, op: str, *, timeout: float = 30.0, **args: Any) -> dict[str, Any]:
    """One request to the running engine; NoInstance when none runs."""
    return request(where.control_file, op, timeout=timeout, **args)


# -- run ---------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    if not args.headless:
        from softphone.ui.main import run_window  # Qt only when a window is wanted

        return int(run_window(args))
    where = paths().ensure()
    settings = _settings(args)
    logs.setup(where.log_file, level=settings.log_level, console=True)

    async def main(stop: asyncio.Event) -> int:
        engine = Engine(where, settings)
        try:
            await engine.start()
        except AlreadyRunning as err:
            say(str(err))
            return EXIT_FAIL
        say(f"Softphone {engine.status().version} is running; stop it with Ctrl+C.")
        asked = asyncio.ensure_future(engine.wait_stop_requested())
        signalled = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({asked, signalled}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            asked.cancel()
            signalled.cancel()
            await engine.stop()
        return EXIT_OK

    return int(run_async(main))


def cmd_stop(_args: argparse.Namespace) -> int:
    try:
        _ask(paths().ensure(), "stop", timeout=10)
    except NoInstance:
        say("Softphone is not running.")
        return EXIT_FAIL
    say("Softphone is stopping.")
    return EXIT_OK


# -- session -----------------------------------------------------------------------------------


def _qr_token(args: argparse.Namespace) -> str | None:
    """The QR token from --qr-token or the picture in --qr-image (None after saying why not)."""
    if not args.qr_image:
        return str(args.qr_token)
    from softphone.ui.qr import QrError, tokens_in_file

    try:
        tokens = tokens_in_file(args.qr_image)
    except QrError as err:
        say(f"Sign-in failed: {err}")
        return None
    if len(tokens) > 1:
        say("Sign-in failed: the picture holds several QR codes; crop it to the CRM's one.")
        return None
    return tokens[0]


def cmd_login(args: argparse.Namespace) -> int:
    where = paths().ensure()
    settings = load_settings(where)
    if args.allow_http:
        host = (urlsplit(args.server).hostname or "").lower()
        if host and host not in settings.allow_plain_http:
            settings = settings.model_copy(
                update={"allow_plain_http": [*settings.allow_plain_http, host]}
            )
            save_settings(where, settings)
    password = read_password() if args.username else None
    token = None if args.username else _qr_token(args)
    if not args.username and token is None:
        return EXIT_FAIL
    logs.setup(where.log_file, level=settings.log_level, console=False)
    try:
        if args.username:
            reply = _ask(
                where,
                "login_password",
                server=args.server,
                username=args.username,
                password=password,
            )
        else:
            reply = _ask(where, "login_qr", server=args.server, qr_token=token)
    except NoInstance:
        return _login_here(where, settings, args, password, token)
    if not reply.get("ok"):
        return _login_refused(where, args, reply.get("error", ""), reply.get("status_code"))
    sync = reply.get("status", {}).get("sync", {})
    print(f"Signed in as {sync.get('username', '?')} (the running Softphone took the session).")
    return EXIT_OK


def _login_here(
    where: Paths,
    settings: Settings,
    args: argparse.Namespace,
    password: str | None,
    token: str | None,
) -> int:
    """No engine runs: sign in with a link of this process's own (its session is shared with
    the engine that starts next, through the keyring)."""

    async def main(_stop: asyncio.Event) -> int:
        from softphone.sync import CrmError, CrmLink, refuse_commands

        store = Store.open(where.database)
        link = CrmLink(
            store,
            settings,
            on_command=refuse_commands,
            lock_path=where.data_dir / "session.lock",
        )
        try:
            if args.username:
                assert password is not None
                await link.login_password(args.server, args.username, password)
            else:
                assert token is not None
                await link.login_qr(args.server, token)
            status = link.status()
        except CrmError as err:
            if args.username and link.qr_only(args.server):
                # A CRM that signs in by QR only: where this desk signs in next (doctor looks
                # at it, and stops suggesting a password).
                save_settings(where, settings.model_copy(update={"server_url": _base(args.server)}))
            return _login_refused(where, args, str(err), err.status)
        finally:
            await link.stop()
            store.close()
        save_settings(
            where,
            settings.model_copy(
                update={"server_url": _base(args.server), "username": status.username}
            ),
        )
        print(f"Signed in as {status.username}.")
        if status.session_only:
            say("No keyring works here: the session lasts only as long as this process.")
        return EXIT_OK

    return int(run_async(main))


def _base(url: str) -> str:
    return url.strip().rstrip("/")


def _login_refused(where: Paths, args: argparse.Namespace, words: str, status: Any) -> int:
    say(f"Sign-in failed: {words}")
    if args.username and status == 403:
        say(
            "This server signs in by QR code only. Open the CRM's sign-in QR code and use the "
            "window's QR sign-in, or: softphone login --server URL --qr-token TOKEN "
            "(or --qr-image SCREENSHOT.png)."
        )
    return EXIT_FAIL


def cmd_logout(_args: argparse.Namespace) -> int:
    where = paths().ensure()
    try:
        _ask(where, "logout")
    except NoInstance:
        settings = load_settings(where)

        async def main(_stop: asyncio.Event) -> int:
            from softphone.sync import CrmLink, refuse_commands

            store = Store.open(where.database)
            link = CrmLink(
                store,
                settings,
                on_command=refuse_commands,
                lock_path=where.data_dir / "session.lock",
            )
            try:
                await link.session.resume()
                await link.logout()
            finally:
                await link.stop()
                store.close()
            return EXIT_OK

        run_async(main)
    print("Signed out.")
    return EXIT_OK


# -- status and history ------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    where = paths().ensure()
    try:
        status = _ask(where, "status", timeout=10).get("status", {})
        status["running"] = True
    except NoInstance:
        status = _offline_status()
    if args.json:
        print_json(status)
    else:
        _print_status(status)
    return EXIT_OK


def _offline_status() -> dict[str, Any]:
    """What can be known without a running instance: the store and the saved settings."""
    where = paths()
    settings = load_settings(where)
    store = Store.open(where.database)
    try:
        stats = store.outbox_stats()
        return {
            "running": False,
            "server_url": settings.server_url,
            "username": settings.username,
            "outbox": jsonable(stats),
            "open_calls": [jsonable(c) for c in store.open_calls()],
            "dead_letters": len(store.dead_letters()),
        }
    finally:
        store.close()


def _print_status(status: dict[str, Any]) -> None:
    if not status.get("running"):
        print("Softphone is not running.")
        print(f"  server: {status.get('server_url') or '-'}  user: {status.get('username') or '-'}")
        print(
            f"  open calls: {len(status.get('open_calls', []))}  "
            f"results waiting: {status.get('outbox', {}).get('pending', 0)}  "
            f"dead letters: {status.get('dead_letters', 0)}"
        )
        return
    sync, phone = status.get("sync", {}), status.get("phone", {})
    print(f"Softphone {status.get('version')}: {status.get('readiness', 'not_ready')}")
    if sync.get("signed_in"):
        kept = "  (session not kept: no keyring)" if sync.get("session_only") else ""
        print(f"  signed in as {sync.get('username')} at {sync.get('server_url')}{kept}")
    else:
        print("  not signed in")
    line = f"  server: {sync.get('server_mode')}"
    if sync.get("budget_limit"):
        line += f", requests {sync.get('budget_used')}/{sync.get('budget_limit')} this window"
    if sync.get("last_error"):
        line += f", last error: {sync['last_error']}"
    print(line)
    model = " ".join(str(p) for p in (phone.get("model"), phone.get("android")) if p)
    print(f"  phone: {phone.get('state')}{' ' + model if model else ''}")
    current = status.get("current_call")
    if current:
        print(f"  on a call: {_shown(current.get('phone', ''))} ({current.get('phase')})")
    print(
        f"  waiting: {len(status.get('waiting', []))}  results to send: "
        f"{sync.get('outbox_pending', 0)}  dead letters: {len(status.get('dead_letters', []))}"
    )
    for problem in filter(None, map(Problem.from_json, status.get("problems", []))):
        print(f"  ! {describe(problem)}")
        fix = fix_for(problem)
        if fix:
            print(f"    fix: {fix}")


def cmd_history(args: argparse.Namespace) -> int:
    where = paths().ensure()
    store = Store.open(where.database)
    try:
        entries = store.history(limit=max(0, args.limit))
    finally:
        store.close()
    if args.json:
        print_json([jsonable(e) for e in entries])
        return EXIT_OK
    for e in entries:
        print(
            f"{e.created_at:%Y-%m-%d %H:%M:%S}  {_shown(e.phone):<20} {e.source.value:<12} "
            f"{(e.status.value if e.status else e.phase.value):<10} "
            f"{e.duration_s if e.duration_s is not None else '-':>4}s  {e.report_state.value}"
        )
    return EXIT_OK


def _shown(number: str) -> str:
    try:
        return format_display(number)
    except InvalidNumber:
        return number


# -- calling -----------------------------------------------------------------------------------


def cmd_call(args: argparse.Namespace) -> int:
    where = paths().ensure()
    try:
        reply = _ask(where, "call", number=args.number, timeout=15)
    except NoInstance:
        if args.window:  # a tel: link: the window opens and dials it
            from softphone.ui.main import run_window

            return int(run_window(args))
        return _call_directly(args)
    if args.window:
        _ask(where, "show", timeout=5)
    if not reply.get("ok"):
        try:
            why = number_problem(NumberProblem(str(reply.get("number_problem"))))
        except ValueError:
            why = str(reply.get("error"))
        say(f"The call was not placed: {why}.")
        return EXIT_FAIL
    call = reply.get("call", {})
    if args.json:
        print_json(call)
    else:
        say(f"Calling {_shown(call.get('phone', args.number))} (through the running Softphone).")
    return EXIT_OK


def _call_directly(args: argparse.Namespace) -> int:
    """No running instance: an engine of this process's own places the call, without the CRM
    (nothing pulled, nothing sent), and the command waits for its result."""
    where = paths().ensure()
    settings = _settings(args)
    logs.setup(where.log_file, level=settings.log_level, console=False)

    async def main(stop: asyncio.Event) -> int:
        engine = Engine(where, settings, control=False, crm=False)
        try:
            await engine.start()
        except AlreadyRunning as err:
            say(f"The call was not placed: {err}")
            return EXIT_FAIL
        try:
            try:
                entry = await engine.call(args.number)
            except InvalidNumber as err:
                say(f"Cannot call that: {number_problem(err.problem)}.")
                return EXIT_FAIL
            result = await _wait_resolved(engine, entry.id, stop)
        finally:
            await engine.stop()
        if result is None:
            return EXIT_FAIL
        if args.json:
            print_json(jsonable(result))
        else:
            how = reason_text(result.reason, result.reason_detail)
            say(f"{_shown(result.phone)}: {result.status}{f' ({how})' if how else ''}")
        return EXIT_OK

    return int(run_async(main))


async def _wait_resolved(engine: Engine, call_id: int, stop: asyncio.Event) -> HistoryEntry | None:
    """The call once resolved (from the engine's events), or None when stopped or when no
    usable phone turns up within 15 s."""
    done: asyncio.Future[HistoryEntry] = asyncio.get_running_loop().create_future()

    def watch(event: EngineEvent) -> None:
        if (
            isinstance(event, CallChanged)
            and event.entry.id == call_id
            and event.entry.phase is CallPhase.RESOLVED
            and not done.done()
        ):
            done.set_result(event.entry)

    unsubscribe = engine.subscribe(watch)
    stopped = asyncio.ensure_future(stop.wait())
    either: set[asyncio.Future[Any]] = {done, stopped}
    try:
        waited = await asyncio.wait(either, timeout=15, return_when="FIRST_COMPLETED")
        if not waited[0]:
            status = engine.status()
            if engine.entry(call_id).phase is CallPhase.RECEIVED and not status.phone.ready:
                for problem in status.phone.problems:
                    say(f"No usable phone: {describe(problem)}")
                    fix = fix_for(problem)
                    if fix:
                        say(f"  fix: {fix}")
                return None
            await asyncio.wait(either, return_when="FIRST_COMPLETED")
        return done.result() if done.done() else None
    finally:
        stopped.cancel()
        unsubscribe()


# -- demo --------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        from softphone.demo import DemoOptions, run_demo
    except ImportError as err:  # the simulated CRM's server is in the `sim` extra
        say(f"The demo needs the simulated CRM: pip install 'softphone[sim]' ({err.name}).")
        return EXIT_FAIL

    logs.setup(None, level="WARNING", console=True)
    options = DemoOptions(
        profile=args.profile,
        every_s=max(0.1, args.every),
        calls=args.calls,
        crm_port=args.port,
        seed=args.seed,
    )
    if not args.headless:
        from softphone.ui.main import display_problem  # Qt only when a window is wanted

        problem = display_problem()
        if problem is None:
            from softphone.ui.demo_app import run_demo_window

            return int(run_demo_window(options))
        say(f"{problem} The demo runs in the terminal instead.")
    return int(run_async(lambda stop: run_demo(options, stop)))


# -- doctor ------------------------------------------------------------------------------------


def cmd_doctor(args: argparse.Namespace) -> int:
    where = paths().ensure()
    settings = _settings(args)
    from softphone.doctor import DoctorLine, lines_from_status, run_checks

    try:
        reply = _ask(where, "status", timeout=10)
        lines: list[DoctorLine] = lines_from_status(reply.get("status", {}))
        print("(asked the running Softphone: no request of its own to the CRM)")
    except NoInstance:

        async def main(_stop: asyncio.Event) -> list[DoctorLine]:
            return await run_checks(where, settings)

        lines = run_async(main)
    bad = 0
    for line in lines:
        mark = "OK  " if line.ok else "FAIL"
        print(f"{mark} {line.name}: {line.detail}")
        if not line.ok and line.fix:
            print(f"     fix: {line.fix}")
        bad += 0 if line.ok else 1
    return EXIT_OK if bad == 0 else EXIT_FAIL


# -- installing ----------------------------------------------------------------------------------


def cmd_install_desktop(args: argparse.Namespace) -> int:
    import sys

    from softphone import desktop

    if not sys.platform.startswith("linux"):
        say("install-desktop is for Linux; see README for Windows and macOS.")
        return EXIT_FAIL
    if args.remove:
        for path in desktop.uninstall():
            print(f"removed {path}")
        return EXIT_OK
    done = desktop.install()
    print(f"menu entry: {done.entry}")
    print(f"icon:       {done.icon}")
    print(f"tel: links: {done.mimeapps} (x-scheme-handler/tel = {desktop.DESKTOP_ID})")
    return EXIT_OK

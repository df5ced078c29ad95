"""What each `softphone` subcommand does (the parsing is in `cli.py`).

Kept apart from `cli.py` so that `softphone --version` and the stand-ins start without
importing the engine, httpx or adbutils.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from softphone import logs
from softphone.cli import EXIT_FAIL, EXIT_OK, print_json, read_password, run_async
from softphone.config import Settings, load_settings, paths, save_settings
from softphone.control import NoInstance, request
from softphone.engine import Engine, jsonable
from softphone.instance import AlreadyRunning, InstanceLock
from softphone.model import ActionSource, CallPhase, HistoryEntry
from softphone.numbers import InvalidNumber, format_display
from softphone.store import Store


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(paths().ensure())
    serial = getattr(args, "serial", None)
    if serial:
        settings = settings.model_copy(update={"phone_serial": serial})
    return settings


def _say(text: str) -> None:
    print(text, file=sys.stderr)


# -- run ---------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    if not args.headless:
        _say("The window is not there yet: use `softphone run --headless`.")
        return EXIT_FAIL
    where = paths().ensure()
    settings = _settings(args)
    logs.setup(where.log_file, level=settings.log_level, console=True)

    async def main(stop: asyncio.Event) -> int:
        engine = Engine(where, settings)
        try:
            await engine.start()
        except AlreadyRunning as err:
            _say(str(err))
            return EXIT_FAIL
        _say(f"Softphone {engine.status().version} is running; stop it with Ctrl+C.")
        try:
            await stop.wait()
        finally:
            await engine.stop()
        return EXIT_OK

    return int(run_async(main))


# -- session -----------------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> int:
    where = paths().ensure()
    settings = load_settings(where)
    if args.allow_http:
        from urllib.parse import urlsplit

        host = urlsplit(args.server).hostname or ""
        if host and host not in settings.allow_plain_http:
            settings = settings.model_copy(
                update={"allow_plain_http": [*settings.allow_plain_http, host]}
            )
    password = read_password() if args.username else None
    qr_token = args.qr_token
    if args.qr_image:
        from softphone.ui.qr import QrError, tokens_in_file

        try:
            tokens = tokens_in_file(args.qr_image)
        except QrError as err:
            _say(f"Sign-in failed: {err}")
            return EXIT_FAIL
        if len(tokens) > 1:
            _say("Sign-in failed: the picture holds several QR codes; crop it to the CRM's one.")
            return EXIT_FAIL
        qr_token = tokens[0]
    logs.setup(where.log_file, level=settings.log_level, console=False)

    async def main(_stop: asyncio.Event) -> int:
        from softphone.sync import CrmError, CrmLink, refuse_commands

        store = Store.open(where.database)
        link = CrmLink(store, settings, on_command=refuse_commands)
        try:
            if args.username:
                assert password is not None
                await link.login_password(args.server, args.username, password)
            else:
                await link.login_qr(args.server, qr_token)
            status = link.status()
        except CrmError as err:
            _say(f"Sign-in failed: {err}")
            return EXIT_FAIL
        finally:
            await link.stop()
            store.close()
        save_settings(
            where,
            settings.model_copy(update={"server_url": args.server, "username": status.username}),
        )
        _say(f"Signed in as {status.username}.")
        if status.session_only:
            _say("No keyring works here: the session lasts only as long as this process.")
        return EXIT_OK

    return int(run_async(main))


def cmd_logout(_args: argparse.Namespace) -> int:
    where = paths().ensure()
    settings = load_settings(where)

    async def main(_stop: asyncio.Event) -> int:
        from softphone.sync import CrmLink, refuse_commands

        store = Store.open(where.database)
        link = CrmLink(store, settings, on_command=refuse_commands)
        try:
            await link.logout()
        finally:
            await link.stop()
            store.close()
        _say("Signed out.")
        return EXIT_OK

    return int(run_async(main))


# -- status and history ------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    where = paths().ensure()
    try:
        reply = request(where.control_file, "status", timeout=10)
        status = reply.get("status", {})
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
        waiting = [c for c in store.open_calls()]
        return {
            "running": False,
            "server_url": settings.server_url,
            "username": settings.username,
            "outbox": jsonable(stats),
            "open_calls": [jsonable(c) for c in waiting],
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
    print(f"Softphone {status.get('version')}: {'ready' if status.get('ready') else 'not ready'}")
    print(
        f"  signed in: {'yes' if sync.get('signed_in') else 'no'} as {sync.get('username') or '-'}"
        f"{'  (session not kept: no keyring)' if sync.get('session_only') else ''}"
    )
    line = f"  server: {sync.get('server_mode')}"
    if sync.get("budget_limit"):
        line += f", requests {sync.get('budget_used')}/{sync.get('budget_limit')} this window"
    if sync.get("rate_limited"):
        line += ", the server is limiting us"
    if sync.get("last_error"):
        line += f", last error: {sync['last_error']}"
    print(line)
    print(
        "  phone: "
        + " ".join(
            str(p) for p in (phone.get("state"), phone.get("model"), phone.get("problem")) if p
        )
    )
    current = status.get("current_call")
    if current:
        print(f"  on a call: {_shown(current.get('phone', ''))} ({current.get('phase')})")
    print(
        f"  waiting: {len(status.get('waiting', []))}  results to send: "
        f"{sync.get('outbox_pending', 0)}  dead letters: {len(status.get('dead_letters', []))}"
    )


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
        reply = request(where.control_file, "call", number=args.number, timeout=15)
    except NoInstance:
        return _call_directly(args)
    if not reply.get("ok"):
        _say(f"The call was not placed: {reply.get('error')}")
        return EXIT_FAIL
    call = reply.get("call", {})
    if args.json:
        print_json(call)
    else:
        _say(f"Calling {_shown(call.get('phone', args.number))} (through the running Softphone).")
    return EXIT_OK


def _call_directly(args: argparse.Namespace) -> int:
    """No running instance: place the call with the phone alone and wait for its result."""
    where = paths().ensure()
    settings = _settings(args)
    logs.setup(where.log_file, level=settings.log_level, console=False)

    async def main(stop: asyncio.Event) -> int:
        from softphone.adb.bridge import PhoneBridge
        from softphone.flow import CallFlow
        from softphone.phone import DeskPhone

        # This process drives the phone itself: never while an engine does.
        instance = InstanceLock(where.data_dir / "engine.lock")
        try:
            instance.acquire()
        except AlreadyRunning as err:
            _say(f"The call was not placed: {err}")
            return EXIT_FAIL
        store = Store.open(where.database)
        bridge = PhoneBridge()
        phone = DeskPhone(
            bridge,
            preferred_serial=settings.phone_serial,
            dial_start_timeout=settings.dial_start_timeout_s,
        )
        flow = CallFlow(store, phone, _NoCrm(), settings)
        try:
            try:
                entry = flow.call(args.number, ActionSource.MANUAL)
            except InvalidNumber as err:
                _say(f"Cannot call that: {err}")
                return EXIT_FAIL
            await phone.start()
            worker = asyncio.get_running_loop().create_task(flow.run())
            result = await _wait_resolved(store, entry.id, stop, phone)
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        finally:
            await phone.stop()
            await bridge.close()
            store.close()
            instance.release()
        if result is None:
            return EXIT_FAIL
        if args.json:
            print_json(jsonable(result))
        else:
            _say(f"{_shown(result.phone)}: {result.status} {result.reason or ''}".rstrip())
        return EXIT_OK

    return int(run_async(main))


async def _wait_resolved(
    store: Store, call_id: int, stop: asyncio.Event, phone: Any
) -> HistoryEntry | None:
    waited = 0.0
    while not stop.is_set():
        entry = store.call(call_id)
        if entry.phase is CallPhase.RESOLVED:
            return entry
        if entry.phase is CallPhase.RECEIVED and waited > 15 and not phone.status.ready:
            _say(f"No usable phone: {phone.status.problem}")
            return None
        await asyncio.sleep(0.2)
        waited += 0.2
    return None


class _NoCrm:
    """The reporter of a direct manual call: nothing goes to the CRM."""

    def outbox_changed(self) -> None:
        return None

    def set_phone_busy(self, busy: bool) -> None:
        return None


# -- demo --------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        from softphone.demo import DemoOptions, run_demo
    except ImportError as err:  # the simulated CRM's server is in the `sim` extra
        _say(f"The demo needs the simulated CRM: pip install 'softphone[sim]' ({err.name}).")
        return EXIT_FAIL

    logs.setup(None, level="WARNING", console=True)
    options = DemoOptions(
        profile=args.profile,
        every_s=max(0.1, args.every),
        calls=args.calls,
        crm_port=args.port,
        seed=args.seed,
    )
    return int(run_async(lambda stop: run_demo(options, stop)))


# -- doctor ------------------------------------------------------------------------------------


def cmd_doctor(args: argparse.Namespace) -> int:
    where = paths().ensure()
    settings = _settings(args)

    async def main(_stop: asyncio.Event) -> int:
        from softphone.doctor import run_checks

        lines = await run_checks(where, settings)
        bad = 0
        for line in lines:
            mark = "OK  " if line.ok else "FAIL"
            print(f"{mark} {line.name}: {line.detail}")
            if not line.ok and line.fix:
                print(f"     fix: {line.fix}")
            bad += 0 if line.ok else 1
        return EXIT_OK if bad == 0 else EXIT_FAIL

    return int(run_async(main))

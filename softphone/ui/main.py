"""`softphone` with no arguments: the window, with its engine, in one qasync event loop.

One per desk: a second `softphone` brings the first one's window forward (through the running
engine's control door) and leaves; `softphone call NUMBER` and `softphone tel:+7…` hand the
number to the running one. Quitting (menu, tray, Ctrl+Q, SIGTERM, `softphone stop`) saves the
window's state and stops the engine cleanly before the process ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes.util
import os
import signal
import sys

import qasync
from PySide6.QtWidgets import QApplication

from softphone import logs
from softphone.config import load_settings, paths
from softphone.console import EXIT_FAIL, EXIT_OK, say
from softphone.control import NoInstance, request
from softphone.engine import Engine
from softphone.instance import AlreadyRunning
from softphone.ui import i18n
from softphone.ui.app import build_window

__all__ = ["display_problem", "qt_loop", "run_window"]


def _hand_over(number: str | None) -> int | None:
    """If a Softphone already runs on this desk: give it the number / bring it forward and
    return the exit code; None when none runs."""
    where = paths().ensure()
    try:
        if number:
            reply = request(where.control_file, "call", number=number, timeout=10)
            if not reply.get("ok"):
                say(f"The call was not placed: {reply.get('error')}")
                return EXIT_FAIL
        shown = request(where.control_file, "show", timeout=5)
    except NoInstance:
        return None
    if shown.get("ok"):
        say("Softphone is already running: its window was brought forward.")
        return EXIT_OK
    say("Softphone already runs here without a window (softphone run --headless).")
    return EXIT_OK if number else EXIT_FAIL


def display_problem() -> str | None:
    """Why no window can open here (None when one can). Checked before Qt is started: on Linux
    Qt aborts the whole process when its platform plugin cannot load."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not os.environ.get("DISPLAY"):
        return "There is no display here: run `softphone run --headless` for the engine alone."
    if ctypes.util.find_library("xcb-cursor") is None:
        return (
            "Qt needs the libxcb-cursor0 package to open a window on X11: install it "
            "(sudo apt install libxcb-cursor0), or run `softphone run --headless`."
        )
    return None


def run_window(args: argparse.Namespace) -> int:
    """Run the window until the operator quits. `args`: server, serial, number (all optional)."""
    number = getattr(args, "number", None)
    handed = _hand_over(number)
    if handed is not None:
        return handed
    problem = display_problem()
    if problem is not None:
        say(problem)
        return EXIT_FAIL
    where = paths().ensure()
    settings = load_settings(where)
    serial = getattr(args, "serial", None)
    if serial:
        settings = settings.model_copy(update={"phone_serial": serial})
    logs.setup(where.log_file, level=settings.log_level, console=False)
    loop = qt_loop(settings.language)
    with loop:
        return int(loop.run_until_complete(_run(args, settings, number)))


def qt_loop(language: str = "") -> qasync.QEventLoop:
    """The application and its qasync event loop (set as asyncio's), in the chosen language."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Softphone")
    app.setDesktopFileName("softphone")
    app.setQuitOnLastWindowClosed(False)
    i18n.install(i18n.choose_language(language))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return loop


async def _run(args: argparse.Namespace, settings: object, number: str | None) -> int:
    engine = Engine(paths(), settings)  # type: ignore[arg-type]
    try:
        await engine.start()
    except AlreadyRunning as err:
        say(str(err))
        return EXIT_FAIL
    quit_now = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, quit_now.set)
    window = build_window(engine)
    window.quitRequested.connect(quit_now.set)
    server = getattr(args, "server", None)
    if server:
        window.sign_in.set_server(server)
    if not (engine.settings.start_minimised and window.tray.available):
        window.show()
    if number:
        window.call_number(number)
    stop_asked = asyncio.ensure_future(engine.wait_stop_requested())
    quitting = asyncio.ensure_future(quit_now.wait())
    try:
        await asyncio.wait({stop_asked, quitting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_asked.cancel()
        quitting.cancel()
        window.save_state()
        window.hide()
        window.tray.icon.hide()
        window.bridge.detach()
        await engine.stop()
    return EXIT_OK

"""`softphone demo` with a display: the real window against the demo's world, beside a small
"Demo CRM" window — the newcomer signs in by letting Softphone find the QR code on the screen,
presses "Call", and watches the call placed, answered or not, and reported.

Everything is the demo's own (simulated CRM and phone, a private adb server, a throw-away home,
an in-memory keyring): a real phone or session on this machine is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
from typing import Any

from softphone.console import EXIT_OK, say
from softphone.demo import USER, DemoOptions, World
from softphone.engine import Engine
from softphone.ui.app import build_window
from softphone.ui.demo_crm import DemoCrmWindow
from softphone.ui.main import qt_loop
from softphone.ui.mainwindow import MainWindow

__all__ = ["DemoSession", "open_demo", "run_demo_window"]


def run_demo_window(options: DemoOptions) -> int:
    loop = qt_loop()
    with loop:
        return int(loop.run_until_complete(_demo(options)))


@dataclasses.dataclass
class DemoSession:
    """The demo, open: its world, the desk's engine, Softphone's window and the Demo CRM."""

    world: World
    engine: Engine
    window: MainWindow
    crm_window: DemoCrmWindow

    async def close(self) -> None:
        self.crm_window.close()
        self.window.save_state()
        self.window.hide()
        self.window.bridge.detach()
        await self.engine.stop()
        await self.world.stop()


async def open_demo(options: DemoOptions, **window: Any) -> DemoSession:
    """Start the world, the engine and both windows (shown). RuntimeError when the simulated
    CRM cannot start (its port is taken)."""
    world = World(options.profile, options.crm_port)
    try:
        await world.start()
        assert world.crm is not None
        phone = await world.add_phone()
        engine = world.engine()
        await engine.start()
    except BaseException:
        await world.stop()
        raise
    softphone = build_window(engine, **window)
    softphone.move(40, 40)
    softphone.show()
    crm_window = DemoCrmWindow(world.crm, phone, USER)
    screen = softphone.screen().availableGeometry()
    # Beside Softphone where the screen allows, else over its right side: the QR code must be
    # on the screen for Softphone to find it.
    left = min(softphone.frameGeometry().right() + 30, screen.right() - crm_window.width())
    crm_window.move(max(screen.left(), left), 40)
    crm_window.show()
    return DemoSession(world, engine, softphone, crm_window)


async def _demo(options: DemoOptions) -> int:
    try:
        session = await open_demo(options)
    except RuntimeError as err:
        say(f"The demo cannot start its simulated CRM: {err}")
        return 1
    quit_now = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, quit_now.set)
    session.window.quitRequested.connect(quit_now.set)
    say(
        f"Demo: Softphone and a Demo CRM ({options.profile} profile, also at "
        f"{session.world.crm_url}/). Softphone signs in by itself from the QR code on the "
        'screen; press "Call" in the Demo CRM. Quit Softphone to end.'
    )
    try:
        await quit_now.wait()
    finally:
        await session.close()
    return EXIT_OK

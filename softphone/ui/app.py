"""Building the window around an engine: what `softphone` itself does, and what tests and a
host program use.

    window = build_window(engine)   # a started Engine, inside a running qasync loop
    window.show()

Everything the window needs from outside is injected here with a real default: the executor
that decodes QR codes off the GUI thread (tests pass one that runs inline), how the screens are
grabbed, whether the desktop has a tray.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

from PySide6.QtGui import QImage

from softphone.engine import Engine
from softphone.ui.bridge import EngineBridge
from softphone.ui.dialogs import install_dialogs
from softphone.ui.history import install_history
from softphone.ui.mainwindow import MainWindow, ui_state_file
from softphone.ui.signin import SignInPage
from softphone.ui.tray import Tray

__all__ = ["build_window"]


def build_window(
    engine: Engine,
    *,
    executor: Executor | None = None,
    grab: Callable[[], list[QImage]] | None = None,
    tray_available: bool | None = None,
) -> MainWindow:
    """The main window (not yet shown) for a started `engine`, with every screen attached."""
    bridge = EngineBridge(engine)
    sign_in = SignInPage(bridge, executor, grab=grab)
    tray = Tray(available=tray_available)
    window = MainWindow(bridge, sign_in, tray, ui_state_file(engine.paths.config_dir))
    install_history(window, executor)
    bridge.setParent(window)
    tray.setParent(window)
    install_dialogs(window)
    window.restore_state()
    engine.on_show_request(window.bring_forward)
    tray.show()
    return window

"""A screenshot through the desktop's portal, where a program may not read the screen itself.

On Wayland (and in sandboxes) `QScreen.grabWindow` returns nothing useful; the desktop offers
`org.freedesktop.portal.Screenshot` instead: the program asks, the desktop may ask the person,
and answers with the URI of a picture it wrote. Softphone reads the sign-in code from it and
deletes the file at once (nothing of the screen is kept).

The request/response dance (a method returning a request object path, then that object's
`Response(uint response, a{sv} results)` signal) is the portal's documented protocol.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import urllib.parse
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage
from PySide6.QtGui import QImage

log = logging.getLogger("softphone.ui")

__all__ = ["PortalScreenshot"]

_SERVICE = "org.freedesktop.portal.Desktop"
_PATH = "/org/freedesktop/portal/desktop"
_INTERFACE = "org.freedesktop.portal.Screenshot"
_REQUEST = "org.freedesktop.portal.Request"


class PortalScreenshot(QObject):
    """Asks the desktop for a screenshot.

    Signals:
        taken(image: QImage): the desktop handed a picture over (its file is already deleted).
        failed(reason: str): "unavailable" (no portal on this desktop), "refused" (the person
            or the desktop said no) or "error".
    """

    taken = Signal(QImage)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus = QDBusConnection.sessionBus()

    @staticmethod
    def available() -> bool:
        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            return False
        names = bus.interface()
        return names is not None and bool(names.isServiceRegistered(_SERVICE).value())

    def request(self) -> None:
        if not self.available():
            self.failed.emit("unavailable")
            return
        portal = QDBusInterface(_SERVICE, _PATH, _INTERFACE, self._bus)
        token = "softphone" + secrets.token_hex(4)
        reply = portal.call("Screenshot", "", {"handle_token": token, "interactive": False})
        arguments = reply.arguments()
        if reply.type() == QDBusMessage.MessageType.ErrorMessage or not arguments:
            log.info("the screenshot portal refused the request: %s", reply.errorName())
            self.failed.emit("error")
            return
        handle = str(arguments[0].path() if hasattr(arguments[0], "path") else arguments[0])
        connected = self._bus.connect(
            _SERVICE, handle, _REQUEST, "Response", self, b"1on_response(QDBusMessage)"
        )
        if not connected:
            self.failed.emit("error")

    @Slot(QDBusMessage)
    def on_response(self, message: QDBusMessage) -> None:
        arguments = message.arguments()
        code = int(arguments[0]) if arguments else 2
        results = arguments[1] if len(arguments) > 1 and isinstance(arguments[1], dict) else {}
        if code != 0 or "uri" not in results:
            self.failed.emit("refused")
            return
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(str(results["uri"])).path))
        image = QImage(str(path))
        with contextlib.suppress(OSError):
            path.unlink()  # the screen is never kept
        if image.isNull():
            self.failed.emit("error")
        else:
            self.taken.emit(image)

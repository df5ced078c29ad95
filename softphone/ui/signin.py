"""Sign-in: the CRM's QR code found on the screen, with the fallbacks beside it.

While the page is shown it looks at every screen about every 1.5 s (decoding off the GUI
thread, through the injected executor) and at images put on the clipboard; the first
token-shaped code is used to sign in (a URL or Wi-Fi code on the same screen is not one). Where
the screen cannot be read (Wayland, a grab that comes back blank) it says so and offers the
desktop's screenshot portal. Fallbacks: an image file (button or drag-and-drop), the token
typed or pasted, user name and password. A refusal is shown in the server's own words, with
the next step. Nothing of the screen is kept or logged.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QGuiApplication,
    QImage,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone.engine import CrmError, InsecureServer, RateLimited, Rejected, Unavailable
from softphone.ui.bridge import EngineBridge
from softphone.ui.portal import PortalScreenshot
from softphone.ui.qr import QrError, is_blank, tokens_in_file, tokens_in_image

log = logging.getLogger("softphone.ui")
translate = QCoreApplication.translate

__all__ = ["SCAN_INTERVAL_MS", "ScanState", "SignInPage"]

SCAN_INTERVAL_MS = 1500
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


class ScanState(enum.Enum):
    LOOKING = "looking"  # scanning the screens
    SIGNING_IN = "signing_in"  # a code was found; the server is asked
    UNREADABLE = "unreadable"  # the screen gives nothing back: the portal or the fallbacks
    PAUSED = "paused"  # the page is hidden


class SignInPage(QWidget):
    """The page. `start()` when shown, `stop()` when hidden (no scanning in the background).

    Signals:
        scanStateChanged(state: ScanState)
    """

    scanStateChanged = Signal(object)

    def __init__(
        self,
        bridge: EngineBridge,
        executor: Executor | None = None,
        *,
        grab: Callable[[], list[QImage]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInPage")
        self.setAcceptDrops(True)
        self._bridge = bridge
        self._executor = executor
        self._grab = grab or _grab_screens
        self._tried: set[str] = set()
        self._decoding = False
        self._state = ScanState.PAUSED
        self._busy = False
        self._portal = PortalScreenshot(self)
        self._portal.taken.connect(lambda image: self._decode_then_sign_in(image, "portal"))
        self._portal.failed.connect(self._portal_failed)

        self._title = QLabel(self)
        title_font = QFont(self._title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._server_label = QLabel(self)
        self._server = QLineEdit(self)
        self._server.setObjectName("serverInput")
        self._server.setText(bridge.engine.settings.server_url)
        self._server.setInputMethodHints(Qt.InputMethodHint.ImhUrlCharactersOnly)
        self._server_label.setBuddy(self._server)

        self._qr_box = QFrame(self)
        self._qr_box.setFrameShape(QFrame.Shape.StyledPanel)
        self._qr_title = QLabel(self._qr_box)
        self._qr_title.setWordWrap(True)
        qr_font = QFont(self._qr_title.font())
        qr_font.setBold(True)
        self._qr_title.setFont(qr_font)
        self._qr_status = QLabel(self._qr_box)
        self._qr_status.setObjectName("qrScanStatus")
        self._qr_status.setWordWrap(True)
        self._portal_button = QPushButton(self._qr_box)
        self._portal_button.setObjectName("portalButton")
        self._portal_button.clicked.connect(self._ask_portal)
        self._portal_button.hide()
        self._file_button = QPushButton(self._qr_box)
        self._file_button.setObjectName("qrFileButton")
        self._file_button.clicked.connect(self._choose_file)
        qr_column = QVBoxLayout(self._qr_box)
        qr_column.addWidget(self._qr_title)
        qr_column.addWidget(self._qr_status)
        qr_row = QHBoxLayout()
        qr_row.addWidget(self._file_button)
        qr_row.addWidget(self._portal_button)
        qr_row.addStretch(1)
        qr_column.addLayout(qr_row)

        self._other = QLabel(self)
        self._token = QLineEdit(self)
        self._token.setObjectName("tokenInput")
        self._token.returnPressed.connect(self._sign_in)
        self._username = QLineEdit(self)
        self._username.setObjectName("usernameInput")
        self._password = QLineEdit(self)
        self._password.setObjectName("passwordInput")
        self._password.setEchoMode(QLineEdit.EchoMode.Password)
        self._password.returnPressed.connect(self._sign_in)
        self._token_label = QLabel(self)
        self._token_label.setBuddy(self._token)
        self._username_label = QLabel(self)
        self._username_label.setBuddy(self._username)
        self._password_label = QLabel(self)
        self._password_label.setBuddy(self._password)
        self._button = QPushButton(self)
        self._button.setObjectName("signInButton")
        self._button.clicked.connect(self._sign_in)
        self._message = QLabel(self)
        self._message.setObjectName("signInMessage")
        self._message.setWordWrap(True)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self._token_label, self._token)
        form.addRow(self._username_label, self._username)
        form.addRow(self._password_label, self._password)
        server = QFormLayout()
        server.addRow(self._server_label, self._server)
        content = QWidget(self)
        content.setMaximumWidth(620)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(content, 1)  # as wide as the window, up to its maximum
        outer.addStretch(0)
        column = QVBoxLayout(content)
        column.setContentsMargins(16, 12, 16, 12)
        column.addWidget(self._title)
        column.addLayout(server)
        column.addWidget(self._qr_box)
        column.addWidget(self._other)
        column.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self._button)
        column.addLayout(buttons)
        column.addWidget(self._message)
        column.addStretch(1)

        self._timer = QTimer(self)
        self._timer.setInterval(SCAN_INTERVAL_MS)
        self._timer.timeout.connect(self.scan_now)
        clipboard = QGuiApplication.clipboard()
        clipboard.dataChanged.connect(self._clipboard_changed)
        self.retranslate()

    # -- words -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._title.setText(translate("SignInPage", "Sign in to the CRM"))
        self._server_label.setText(translate("SignInPage", "CRM &address:"))
        self._server.setPlaceholderText("https://crm.example.ru")
        self._server.setAccessibleName(translate("SignInPage", "CRM address"))
        self._qr_title.setText(
            translate(
                "SignInPage",
                "Open the CRM's sign-in QR code on this computer: Softphone finds it on the "
                "screen by itself.",
            )
        )
        self._file_button.setText(translate("SignInPage", "Choose a picture of the code…"))
        self._file_button.setAccessibleName(translate("SignInPage", "Choose a picture of the code"))
        self._portal_button.setText(translate("SignInPage", "Ask the desktop for a screenshot"))
        self._other.setText(translate("SignInPage", "Or sign in another way:"))
        self._token_label.setText(translate("SignInPage", "&Code (token):"))
        self._token.setPlaceholderText(translate("SignInPage", "paste the code from the CRM"))
        self._token.setAccessibleName(translate("SignInPage", "Sign-in code"))
        self._username_label.setText(translate("SignInPage", "&User name:"))
        self._username.setAccessibleName(translate("SignInPage", "User name"))
        self._password_label.setText(translate("SignInPage", "&Password:"))
        self._password.setAccessibleName(translate("SignInPage", "Password"))
        self._button.setText(translate("SignInPage", "Sign in"))
        self._button.setAccessibleName(translate("SignInPage", "Sign in"))
        self._show_state(self._state)

    def message(self) -> str:
        return self._message.text()

    def scan_status(self) -> str:
        return self._qr_status.text()

    @property
    def state(self) -> ScanState:
        return self._state

    def set_server(self, url: str) -> None:
        if url:
            self._server.setText(url)

    def _say(self, text: str, *, error: bool = False) -> None:
        self._message.setText(text)
        self._message.setProperty("error", error)

    def _show_state(self, state: ScanState) -> None:
        changed = state is not self._state
        self._state = state
        texts = {
            ScanState.LOOKING: translate("SignInPage", "Looking for the code on the screen…"),
            ScanState.SIGNING_IN: translate("SignInPage", "Code found: signing in…"),
            ScanState.UNREADABLE: translate(
                "SignInPage",
                "This desktop does not let programs read the screen. Ask the desktop for a "
                "screenshot, or choose a picture of the code, or paste the code below.",
            ),
            ScanState.PAUSED: "",
        }
        self._qr_status.setText(texts[state])
        self._portal_button.setVisible(state is ScanState.UNREADABLE)
        if changed:
            self.scanStateChanged.emit(state)

    # -- scanning ----------------------------------------------------------------------------

    def start(self) -> None:
        """Begin looking (the page is shown); looking already, it goes on as it was."""
        if self._timer.isActive():
            return
        self._tried.clear()
        self._show_state(ScanState.LOOKING)
        self._timer.start()
        self._clipboard_changed()

    def stop(self) -> None:
        """Stop looking (the page is hidden); what was tried is forgotten."""
        self._timer.stop()
        self._tried.clear()
        self._show_state(ScanState.PAUSED)

    def scan_now(self) -> None:
        if self._decoding or self._busy or self._state is ScanState.PAUSED:
            log.debug("screen not looked at (decoding %s, busy %s)", self._decoding, self._busy)
            return
        images = self._grab()
        if not images or all(is_blank(image) for image in images):
            if self._state is ScanState.LOOKING:
                self._show_state(ScanState.UNREADABLE)
            return
        if self._state is ScanState.UNREADABLE:
            self._show_state(ScanState.LOOKING)
        for image in images:
            self._decode_then_sign_in(image, "screen")

    def _decode_then_sign_in(self, image: QImage, where: str) -> None:
        self._decoding = True
        loop = asyncio.get_event_loop()
        future = loop.run_in_executor(self._executor, _tokens_or_none, image)
        future.add_done_callback(lambda done: self._decoded(done, where))

    def _decoded(self, done: asyncio.Future[list[str]], where: str) -> None:
        self._decoding = False
        tokens = [] if done.cancelled() or done.exception() else done.result()
        log.debug("%d sign-in code(s) on the %s", len(tokens), where)
        fresh = [token for token in tokens if token not in self._tried]
        if fresh and not self._busy:
            log.info("a sign-in code was found (%s)", where)
            self._login_qr(fresh[0])

    def _clipboard_changed(self) -> None:
        if self._state is ScanState.PAUSED:
            return
        data: QMimeData | None = QGuiApplication.clipboard().mimeData()
        if data is not None and data.hasImage():
            image = QImage(data.imageData())
            if not image.isNull():
                self._decode_then_sign_in(image, "clipboard")

    def _ask_portal(self) -> None:
        self._portal.request()

    def _portal_failed(self, reason: str) -> None:
        texts = {
            "unavailable": translate(
                "SignInPage",
                "This desktop offers no screenshot service. Choose a picture of the code, or "
                "paste the code below.",
            ),
            "refused": translate("SignInPage", "The desktop did not give a screenshot."),
        }
        self._say(
            texts.get(reason, translate("SignInPage", "The screenshot could not be taken.")),
            error=True,
        )

    # -- files and drops ---------------------------------------------------------------------

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            translate("SignInPage", "A picture of the CRM's QR code"),
            str(Path.home()),
            translate("SignInPage", "Pictures (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"),
        )
        if name:
            self.use_file(Path(name))

    def use_file(self, path: Path) -> None:
        """Sign in with the code in a picture file (the button and drag-and-drop)."""
        try:
            tokens = tokens_in_file(path)
        except QrError as err:
            self._say(_qr_problem(err.kind, path.name), error=True)
            return
        if len(tokens) > 1:
            self._say(
                translate(
                    "SignInPage", "The picture shows several codes: crop it to the CRM's one."
                ),
                error=True,
            )
            return
        self._login_qr(tokens[0])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        data = event.mimeData()
        if data.hasImage() or any(
            url.isLocalFile() and url.toLocalFile().lower().endswith(_IMAGE_SUFFIXES)
            for url in data.urls()
        ):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        data = event.mimeData()
        files = [url.toLocalFile() for url in data.urls() if url.isLocalFile()]
        if files:
            self.use_file(Path(files[0]))
        elif data.hasImage():
            self._decode_then_sign_in(QImage(data.imageData()), "drop")
        event.acceptProposedAction()

    # -- signing in --------------------------------------------------------------------------

    def _server_url(self) -> str | None:
        url = self._server.text().strip()
        if not url:
            self._say(translate("SignInPage", "Type the CRM's address first."), error=True)
            self._server.setFocus()
            return None
        if "://" not in url:
            url = "https://" + url
        return url

    def _sign_in(self) -> None:
        token = self._token.text().strip()
        if token:
            self._login_qr(token)
            return
        username, password = self._username.text().strip(), self._password.text()
        if not username or not password:
            self._say(
                translate(
                    "SignInPage",
                    "Show the CRM's QR code on the screen, or type the code, or a user name "
                    "and password.",
                ),
                error=True,
            )
            return
        server = self._server_url()
        if server is None:
            return
        self._busy = True
        self._say(translate("SignInPage", "Signing in…"))
        self._button.setEnabled(False)
        task = self._bridge.run(
            self._bridge.engine.login_password(server, username, password), "sign-in"
        )
        task.add_done_callback(lambda done: self._finished(done, password=True))

    def _login_qr(self, token: str) -> None:
        server = self._server_url()
        if server is None:
            return
        self._tried.add(token)
        self._busy = True
        self._show_state(ScanState.SIGNING_IN)
        self._say(translate("SignInPage", "Signing in…"))
        self._button.setEnabled(False)
        task = self._bridge.run(self._bridge.engine.login_qr(server, token), "sign-in")
        task.add_done_callback(lambda done: self._finished(done, password=False))

    def _finished(self, task: asyncio.Task[Any], *, password: bool) -> None:
        self._busy = False
        self._button.setEnabled(True)
        if self._state is ScanState.SIGNING_IN:
            self._show_state(ScanState.LOOKING if self._timer.isActive() else ScanState.PAUSED)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            self._password.clear()
            self._token.clear()
            self._say("")
            return
        self._say(refusal_text(error, password=password), error=True)


def refusal_text(error: BaseException, *, password: bool) -> str:
    """The server's own words when it refused, then the next step."""
    if isinstance(error, Rejected):
        words = error.detail or translate("SignInPage", "The server refused (HTTP %1).").replace(
            "%1", str(error.status)
        )
        if password and error.status == 403:
            step = translate(
                "SignInPage",
                "This server signs in by QR code only: open the sign-in QR code in the CRM on "
                "this screen, and Softphone finds it.",
            )
        elif password and error.status == 401:
            step = translate("SignInPage", "Check the user name and the password.")
        elif error.status == 423:
            step = translate("SignInPage", "Ask the CRM's administrator to unlock the account.")
        elif not password:
            step = translate(
                "SignInPage",
                "The code has expired or was used already: show a fresh QR code in the CRM.",
            )
        else:
            step = ""
        return f"«{words}» {step}".strip()
    if isinstance(error, RateLimited):
        return translate("SignInPage", "Too many sign-in attempts: wait a minute, then try again.")
    if isinstance(error, InsecureServer):
        return translate(
            "SignInPage",
            "The address is not HTTPS. Use https://, or allow plain HTTP for this host in "
            "the settings (only on a trusted local network).",
        )
    if isinstance(error, Unavailable):
        return translate(
            "SignInPage", "The CRM cannot be reached: check the address and the network."
        )
    if isinstance(error, CrmError):
        return translate("SignInPage", "The CRM's answer could not be used: %1").replace(
            "%1", str(error)
        )
    return translate("SignInPage", "Signing in failed: %1").replace("%1", type(error).__name__)


def _qr_problem(kind: str, name: str) -> str:
    texts = {
        "no_file": translate("SignInPage", "There is no file %1."),
        "not_picture": translate("SignInPage", "%1 is not a picture Softphone can read."),
        "no_code": translate("SignInPage", "There is no sign-in QR code in %1."),
    }
    return texts.get(kind, translate("SignInPage", "%1 cannot be used.")).replace("%1", name)


def _tokens_or_none(image: QImage) -> list[str]:
    try:
        return tokens_in_image(image)
    except QrError:
        return []


def _grab_screens() -> list[QImage]:
    """What every screen shows now (the offscreen platform: what the app's windows show)."""
    images = []
    for screen in QGuiApplication.screens():
        pixmap = screen.grabWindow(0)
        if not pixmap.isNull():
            images.append(pixmap.toImage())
    return images

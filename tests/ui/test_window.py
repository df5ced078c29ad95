"""The operator's window against the real engine, the simulated CRM and a simulated phone behind
a real adb server: sign-in (the QR code found on the screen, the clipboard, the server's own
words), phone guidance, the current call, confirm mode, the tray."""

from __future__ import annotations

import io
from typing import Any

import pytest
import segno
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from softphone.engine import Readiness
from softphone.model import ActionSource, CallPhase, CallStatus
from softphone.problems import ProblemKind
from softphone.sim.phone import CallScript
from softphone.ui.signin import ScanState
from softphone.ui.statusstrip import StripAction
from tests.support.adb import SimPhoneFactory
from tests.support.qt import Desk, run

pytestmark = [pytest.mark.adb, pytest.mark.slow]

_LEFT = Qt.MouseButton.LeftButton
_ENTER = Qt.Key.Key_Return


def qr_picture(text: str) -> QImage:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=5, border=4)
    image = QImage()
    assert image.loadFromData(buffer.getvalue())
    return image


def show_on_screen(qtbot: QtBot, image: QImage, top: int = 40) -> QLabel:
    """A window beside Softphone's showing a picture (what the CRM's page would be)."""
    label = QLabel()
    label.setPixmap(QPixmap.fromImage(image))
    # Placed and sized before it is shown: the offscreen screen keeps the first geometry.
    label.setGeometry(480, top, image.width(), image.height())
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    return label


def result_of(desk: Desk, command_id: str) -> dict[str, Any] | None:
    command = desk.crm.command(command_id)
    return (
        command["result"] if command["result"].get("call_status") and command["updates"] else None
    )


def test_without_a_session_the_window_opens_on_the_sign_in_page(desk: Desk, qtbot: QtBot) -> None:
    window = desk.window
    assert window.page == "sign_in"
    assert window.findChild(QLineEdit, "serverInput").text() == desk.crm.url
    assert window.sign_in.state is ScanState.LOOKING
    assert window.strip.state is not None
    assert window.strip.state.readiness is Readiness.NOT_READY
    assert "Not signed in" in window.strip.text()


def test_the_qr_code_on_the_screen_signs_in_by_itself(desk: Desk, qtbot: QtBot) -> None:
    token = desk.crm.create_qr("op1")
    # A web address's QR code on the same screen is not taken for the sign-in code.
    with qtbot.waitSignal(desk.window.bridge.sessionChanged, timeout=15_000) as signed:
        # The page's own timer looks at the screen every 1.5 s: nothing else is done here.
        url = show_on_screen(qtbot, qr_picture("https://crm.example.ru/login"))
        code = show_on_screen(qtbot, qr_picture(token), top=420)
    assert url.isVisible() and code.isVisible()  # (kept: a dropped window leaves the screen)
    assert signed.args[:2] == [True, "op1"]
    qtbot.waitUntil(lambda: desk.window.page != "sign_in", timeout=5000)
    assert desk.crm.qr_status(token) == "used"
    assert desk.window.sign_in.state is ScanState.PAUSED  # no scanning once signed in


def test_a_qr_image_on_the_clipboard_signs_in(desk: Desk, qtbot: QtBot) -> None:
    data = QMimeData()
    data.setImageData(qr_picture(desk.crm.create_qr("op1")))
    with qtbot.waitSignal(desk.window.bridge.sessionChanged, timeout=15_000) as signed:
        QGuiApplication.clipboard().setMimeData(data)
    assert signed.args[0] is True


@pytest.mark.parametrize("crm_profile", ["production"])
def test_the_production_servers_403_for_a_password_is_shown_in_its_words(
    desk: Desk, qtbot: QtBot
) -> None:
    window = desk.window
    window.findChild(QLineEdit, "usernameInput").setText("op1")
    window.findChild(QLineEdit, "passwordInput").setText("pw1")
    with qtbot.waitSignal(window.bridge.failed, timeout=10_000):
        qtbot.mouseClick(window.findChild(QPushButton, "signInButton"), _LEFT)
    message = window.sign_in.message()
    assert "JWT вход по логину и паролю отключён" in message  # the server's own words
    assert "QR code only" in message  # and the next step
    assert window.page == "sign_in"
    assert window.findChild(QLineEdit, "passwordInput").text() == "pw1"  # nothing lost


def test_an_expired_or_used_qr_token_says_so_with_the_next_step(desk: Desk, qtbot: QtBot) -> None:
    token = desk.crm.create_qr("op1")
    run(qtbot, desk.engine.login_qr(desk.crm.url, token))
    run(qtbot, desk.engine.logout())
    qtbot.waitUntil(lambda: desk.window.page == "sign_in")
    desk.window.findChild(QLineEdit, "tokenInput").setText(token)  # used already
    with qtbot.waitSignal(desk.window.bridge.failed, timeout=10_000):
        qtbot.mouseClick(desk.window.findChild(QPushButton, "signInButton"), _LEFT)
    assert "Неверный или истекший токен" in desk.window.sign_in.message()
    assert "fresh QR code" in desk.window.sign_in.message()


def test_the_phone_asking_to_allow_usb_debugging_is_worded_with_its_fix(
    desk: Desk, qtbot: QtBot, sim_phone_factory: SimPhoneFactory
) -> None:
    desk.sign_in(qtbot)
    asking = sim_phone_factory(auth="reject")
    run(qtbot, desk.engine.choose_phone(asking.serial))
    qtbot.waitUntil(lambda: desk.window.page == "phone", timeout=15_000)
    qtbot.waitUntil(
        lambda: desk.window.phone_page.headline == "The phone has not allowed USB debugging yet",
        timeout=15_000,
    )
    assert "tap Allow" in desk.window.phone_page.next_step
    assert desk.window.bridge.status.readiness is Readiness.NOT_READY
    # Accepted on the phone: the guidance goes away by itself.
    run(qtbot, desk.engine.choose_phone(desk.phone.serial))
    qtbot.waitUntil(lambda: desk.window.page == "history", timeout=15_000)


def test_several_phones_are_chosen_from_on_the_guidance_page(
    desk: Desk, qtbot: QtBot, sim_phone_factory: SimPhoneFactory
) -> None:
    desk.sign_in(qtbot)
    second = sim_phone_factory(model="Redmi Note 12")
    qtbot.waitUntil(lambda: desk.window.page == "phone", timeout=15_000)
    assert desk.window.phone_page.headline == "2 phones are attached"
    choice = desk.window.phone_page.findChild(QPushButton, "phoneUseButton")
    combo = desk.window.phone_page._choose
    combo.setCurrentIndex(combo.findData(second.serial))
    assert "Redmi Note 12" in combo.currentText()
    with qtbot.waitSignal(desk.window.bridge.settingsChanged, timeout=10_000):
        qtbot.mouseClick(choice, _LEFT)
    qtbot.waitUntil(
        lambda: (
            desk.window.bridge.status.ready
            and desk.window.bridge.status.phone.serial == second.serial
        ),
        timeout=15_000,
    )
    assert desk.window.page == "history"


def test_a_phone_that_will_not_show_its_call_log_is_worded_with_its_fix(
    desk: Desk, qtbot: QtBot, sim_phone_factory: SimPhoneFactory
) -> None:
    desk.sign_in(qtbot)
    denied = sim_phone_factory(calllog="denied", input="blocked", manufacturer="Xiaomi")
    run(qtbot, desk.engine.choose_phone(denied.serial))
    qtbot.waitUntil(
        lambda: (
            desk.window.bridge.status.phone.serial == denied.serial
            and bool(desk.window.bridge.status.phone.problems)
        ),
        timeout=15_000,
    )
    # Calls still work: the strip says what is wrong and offers the guidance.
    assert desk.window.bridge.status.readiness is Readiness.DEGRADED
    assert desk.window.strip.state is not None
    assert desk.window.strip.state.action is StripAction.PHONE
    assert "does not let Softphone read its call log" in desk.window.strip.text()
    desk.window.strip._button.click()
    assert desk.window.page == "phone"
    checklist = dict(desk.window.phone_page.checklist())
    assert checklist["Read the call log (call results)"].startswith("✗")
    assert checklist["Press keys (hang up)"].startswith("✗")
    assert "USB debugging (Security settings)" in desk.window.phone_page.fixes()
    desk.window.phone_page.findChild(QPushButton, "phoneBackButton").click()
    assert desk.window.page == "history"


def test_a_crm_command_is_the_current_call_with_a_timer_until_hang_up(
    desk: Desk, qtbot: QtBot
) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=120))
    command_id = desk.crm.create_command("op1", "+79123456789")
    panel = desk.window.current_call
    qtbot.waitUntil(lambda: panel.isVisible() and panel.entry is not None, timeout=15_000)
    assert panel.entry is not None and panel.entry.source is ActionSource.CRM_UI
    assert "+7 (912) 345-67-89" in panel.findChild(QLabel, "currentCallNumber").text()
    first = panel.elapsed_text()
    qtbot.waitUntil(lambda: panel.elapsed_text() != first, timeout=3000)  # the timer runs
    qtbot.waitUntil(lambda: panel.entry.phase is CallPhase.IN_CALL, timeout=5000)  # type: ignore[union-attr]
    with qtbot.waitSignal(desk.window.bridge.callChanged, timeout=15_000):
        qtbot.mouseClick(panel.findChild(QPushButton, "hangUpButton"), _LEFT)
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=15_000)
    qtbot.waitUntil(lambda: result_of(desk, command_id) is not None, timeout=30_000)
    assert "input keyevent KEYCODE_ENDCALL" in desk.phone.commands()


def test_confirm_mode_dismisses_one_command_and_calls_the_next_as_a_notification(
    desk: Desk, qtbot: QtBot
) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=1))
    run(qtbot, desk.engine.set_auto_dial(False))
    card = desk.window.confirm_card
    first = desk.crm.create_command("op1", "+79123456701")
    qtbot.waitUntil(lambda: card.isVisible(), timeout=15_000)
    assert "+7 (912) 345-67-01" in card.findChild(QLabel, "confirmQuestion").text()
    assert desk.window.tray.last_message is not None  # the notification went out too
    qtbot.mouseClick(card.findChild(QPushButton, "dismissButton"), _LEFT)
    qtbot.waitUntil(lambda: result_of(desk, first) is not None, timeout=15_000)
    assert desk.crm.command(first)["result"]["call_status"] == "no_action"
    second = desk.crm.create_command("op1", "+79123456702")
    qtbot.waitUntil(lambda: card.isVisible() and card.entry is not None, timeout=15_000)
    entry = card.entry
    assert entry is not None
    qtbot.keyClick(card.findChild(QPushButton, "callNowButton"), _ENTER)
    qtbot.waitUntil(lambda: result_of(desk, second) is not None, timeout=30_000)
    assert desk.crm.command(second)["result"]["action_source"] == "notification"
    assert desk.engine.entry(entry.id).source is ActionSource.NOTIFICATION
    am_starts = [c for c in desk.phone.commands() if c.startswith("am start")]
    assert am_starts == ["am start -a android.intent.action.CALL -d tel:+79123456702"]


def test_the_notifications_call_action_confirms_with_the_notification_source(
    desk: Desk, qtbot: QtBot
) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="no_answer"))
    run(qtbot, desk.engine.set_auto_dial(False))
    command_id = desk.crm.create_command("op1", "+79123456703")
    qtbot.waitUntil(lambda: desk.window.tray.last_message is not None, timeout=15_000)
    desk.window.tray.icon.messageClicked.emit()  # the operator clicks the notification
    qtbot.waitUntil(lambda: result_of(desk, command_id) is not None, timeout=30_000)
    assert desk.crm.command(command_id)["result"]["action_source"] == "notification"
    entry = desk.engine.entry_for_command(command_id)
    assert entry is not None and entry.status is CallStatus.NO_ANSWER


def test_the_tray_icon_follows_readiness(desk: Desk, qtbot: QtBot) -> None:
    tray = desk.window.tray
    assert tray.readiness is Readiness.NOT_READY
    desk.sign_in(qtbot)
    qtbot.waitUntil(lambda: tray.readiness is Readiness.READY, timeout=10_000)
    desk.phone.set_reachable(False)
    desk.phone.drop_connections()
    qtbot.waitUntil(lambda: tray.readiness is Readiness.NOT_READY, timeout=20_000)
    problems = [p.kind for p in desk.window.bridge.status.problems]
    assert ProblemKind.PHONE_OFFLINE in problems or ProblemKind.PHONE_NONE in problems
    desk.phone.set_reachable(True)
    qtbot.waitUntil(lambda: tray.readiness is Readiness.READY, timeout=30_000)


def test_closing_the_window_keeps_softphone_in_the_tray_and_says_so_once(
    desk: Desk, qtbot: QtBot
) -> None:
    window = desk.window
    window.close()
    assert not window.isVisible() and window.bridge.engine.running
    assert window.tray.last_message is not None and "tray" in window.tray.last_message[1]
    window.tray.last_message = None
    window.tray.showRequested.emit()
    assert window.isVisible()
    window.close()
    assert window.tray.last_message is None  # said once


def test_every_interactive_widget_has_an_accessible_name(desk: Desk, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QAbstractButton, QComboBox

    missing = [
        widget.objectName() or type(widget).__name__
        for kind in (QAbstractButton, QLineEdit, QComboBox)
        for widget in desk.window.findChildren(kind)
        if widget.isVisibleTo(desk.window) and not widget.accessibleName()
    ]
    assert missing == []

"""`softphone demo` with a window, as a newcomer meets it: Softphone signs in from the QR code
on the Demo CRM window (found on the screen), a customer's "Call" is pressed, and the result
shows in Softphone's history and in the Demo CRM's table."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from softphone.demo import DemoOptions
from softphone.model import CallPhase, ReportState
from softphone.ui.demo_app import open_demo
from softphone.ui.demo_crm import CUSTOMERS
from tests.support.qt import InlineExecutor, run

pytestmark = [pytest.mark.adb, pytest.mark.slow]


def test_the_demo_signs_in_from_the_screen_and_a_call_reaches_both_windows(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop
) -> None:
    session = run(qtbot, open_demo(DemoOptions(), executor=InlineExecutor()))
    try:
        window, crm_window = session.window, session.crm_window
        qtbot.addWidget(window)
        qtbot.addWidget(crm_window)
        assert window.page == "sign_in"
        # Nothing is typed: the page finds the Demo CRM's QR code on the screen.
        qtbot.waitUntil(lambda: window.bridge.status.ready, timeout=30_000)
        assert CUSTOMERS[0].script.outcome == "answered"
        with qtbot.waitSignal(crm_window.commandQueued) as queued:
            qtbot.mouseClick(crm_window.call_buttons[0], Qt.MouseButton.LeftButton)
        command_id = queued.args[0]
        qtbot.waitUntil(
            lambda: crm_window.result_of(command_id).get("call_status") == "connected",
            timeout=40_000,
        )
        qtbot.waitUntil(
            lambda: (
                crm_window.results.item(0, 2) is not None
                and crm_window.results.item(0, 2).text() == "Connected"
            ),
            timeout=5000,
        )
        entry = session.engine.entry_for_command(command_id)
        assert entry is not None and entry.phase is CallPhase.RESOLVED
        qtbot.waitUntil(
            lambda: session.engine.entry(entry.id).report_state is ReportState.SENT, timeout=10_000
        )
    finally:
        run(qtbot, session.close())

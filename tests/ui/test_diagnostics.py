"""Diagnostics and the support report against the real engine, the simulated CRM and phones: a
result the CRM refuses for good is shown with its reason and sent again into the CRM; the rate
budget counts down while the production CRM's limit holds the desk back; the phone's
capabilities with their fixes; the masked log tail; a support report saved and sent, holding the
status and the log lines and none of the run's numbers, tokens or device ids."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QTreeWidget
from pytestqt.qtbot import QtBot

from softphone.engine import PacingChanged
from softphone.sim.phone import CallScript
from softphone.ui.diagnostics import DiagnosticsDialog, DiagnosticsTab
from softphone.ui.dialogs import Dialogs
from tests.support.adb import SimPhoneFactory
from tests.support.memory_keyring import MemoryKeyring
from tests.support.qt import Desk, run
from tests.ui.dialog_checks import unnamed_controls

pytestmark = [pytest.mark.adb, pytest.mark.slow]

_LEFT = Qt.MouseButton.LeftButton
RESULTS = "/api/phone/calls/update/"


def dialogs_of(desk: Desk) -> Dialogs:
    found = desk.window.findChild(Dialogs, "dialogs")
    assert found is not None
    return found


def open_diagnostics(desk: Desk, tab: DiagnosticsTab | None = None) -> DiagnosticsDialog:
    dialogs_of(desk).diagnostics_action.trigger()  # F1
    dialog = desk.window.findChild(DiagnosticsDialog, "diagnosticsDialog")
    assert dialog is not None and dialog.isVisible()
    if tab is not None:
        dialog.tabs.setCurrentIndex(tab)
    return dialog


def a_call_reported(desk: Desk, qtbot: QtBot, number: str = "+79123456789") -> str:
    """A CRM command called and answered; its result on its way (the id of the command)."""
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="answered", talk_s=0.5))
    command_id = desk.crm.create_command("op1", number)
    qtbot.waitUntil(lambda: desk.engine.entry_for_command(command_id) is not None, timeout=15_000)
    return command_id


def reported(desk: Desk, command_id: str) -> bool:
    command = desk.crm.command(command_id)
    return bool(command["updates"]) and bool(command["result"].get("call_status"))


@pytest.mark.parametrize("crm_options", [{"max_wait": 2.0}])  # the seed holds pulls 2 s
def test_f1_opens_diagnostics_on_the_crm_conversation(desk: Desk, qtbot: QtBot) -> None:
    desk.sign_in(qtbot)
    action = dialogs_of(desk).diagnostics_action
    assert action.shortcut() == QKeySequence(Qt.Key.Key_F1)
    assert action in desk.window.help_menu.actions()
    dialog = open_diagnostics(desk)
    assert dialog.tabs.currentIndex() == DiagnosticsTab.CRM
    mode = dialog.findChild(QLabel, "diagServerMode")
    # The seed profile holds pulls: the desk learns it from the first empty answer.
    qtbot.waitUntil(lambda: mode.text().startswith("Long-poll"), timeout=20_000)
    requests = dialog.findChild(QTreeWidget, "recentRequests")
    qtbot.waitUntil(lambda: requests.topLevelItemCount() > 0, timeout=10_000)
    answers = {requests.topLevelItem(i).text(1) for i in range(requests.topLevelItemCount())}
    assert "Sign in by QR code" in answers
    # The plot follows the pulls while the dialog is open.
    qtbot.waitUntil(lambda: dialog.plot.summary().startswith("Recent pulls:"), timeout=5000)
    for tab in DiagnosticsTab:
        dialog.tabs.setCurrentIndex(tab)
        assert unnamed_controls(dialog) == [], tab


def test_a_result_the_crm_refuses_for_good_is_shown_and_sent_again_into_the_crm(
    desk: Desk, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    desk.sign_in(qtbot)
    desk.crm.set_faults(fail_next=[{"path": RESULTS, "status": 404, "count": 1}])
    command_id = a_call_reported(desk, qtbot)
    qtbot.waitUntil(lambda: bool(desk.window.bridge.status.dead_letters), timeout=30_000)
    assert not reported(desk, command_id)
    # The strip offers diagnostics, which opens on the refused results.
    strip_button = desk.window.strip.findChild(QPushButton, "statusAction")
    qtbot.waitUntil(lambda: strip_button.isVisible() and strip_button.text() == "Diagnostics")
    qtbot.mouseClick(strip_button, _LEFT)
    dialog = desk.window.findChild(DiagnosticsDialog, "diagnosticsDialog")
    assert dialog.isVisible() and dialog.tabs.currentIndex() == DiagnosticsTab.RESULTS
    view = dialog.findChild(QTreeWidget, "deadLettersView")
    assert view.topLevelItemCount() == 1
    row = view.topLevelItem(0)
    assert "+7 (912) 345-67-89" in row.text(1)  # which call's result
    assert "HTTP 404" in row.text(1)  # and why the CRM refused it
    retry = dialog.findChild(QPushButton, "deadRetryButton")
    assert not retry.isEnabled()  # nothing chosen yet
    row.setSelected(True)
    with qtbot.waitSignal(desk.window.bridge.outboxChanged, timeout=15_000):
        qtbot.mouseClick(retry, _LEFT)
    qtbot.waitUntil(lambda: reported(desk, command_id), timeout=30_000)
    qtbot.waitUntil(lambda: view.topLevelItemCount() == 0, timeout=10_000)
    entry = desk.engine.entry_for_command(command_id)
    assert entry is not None and entry.status is not None
    assert desk.crm.command(command_id)["result"]["call_status"] == entry.status.value
    assert "Nothing was refused" in dialog.findChild(QLabel, "deadLettersTitle").text()


def test_a_discarded_dead_letter_leaves_the_list_and_never_reaches_the_crm(
    desk: Desk, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    desk.sign_in(qtbot)
    desk.crm.set_faults(fail_next=[{"path": RESULTS, "status": 404, "count": 1}])
    command_id = a_call_reported(desk, qtbot)
    qtbot.waitUntil(lambda: bool(desk.window.bridge.status.dead_letters), timeout=30_000)
    dialog = open_diagnostics(desk, DiagnosticsTab.RESULTS)
    view = dialog.findChild(QTreeWidget, "deadLettersView")
    qtbot.waitUntil(lambda: view.topLevelItemCount() == 1)
    view.topLevelItem(0).setSelected(True)
    qtbot.mouseClick(dialog.findChild(QPushButton, "deadDiscardButton"), _LEFT)
    qtbot.waitUntil(lambda: view.topLevelItemCount() == 0, timeout=10_000)
    assert desk.engine.dead_letters() == []
    assert "refused for good" in caplog.text
    assert not reported(desk, command_id)


@pytest.mark.parametrize("crm_profile", ["production"])
@pytest.mark.parametrize("crm_options", [{"ip_limit": 10, "ip_window": 2.0}])
@pytest.mark.parametrize(
    "desk_settings",
    # Pulls as fast as the planner allows (its slowest pace capped too: with a budget this
    # small it would otherwise stretch each pull past the 2 s window and never be held).
    [
        {
            "rate_limit_requests": 10,
            "rate_window_s": 2.0,
            "poll_min_interval_s": 0.05,
            "poll_max_interval_s": 0.1,
        }
    ],
)
def test_the_rate_budget_counts_down_while_the_production_crm_holds_the_desk_back(
    desk: Desk, qtbot: QtBot
) -> None:
    dialog = open_diagnostics(desk)
    budget = dialog.findChild(QLabel, "budgetLeft")
    bar = dialog.findChild(QProgressBar, "budgetCountdown")
    assert dialog.findChild(type(dialog.budget), "rateBudget") is dialog.budget
    assert "of 8" in budget.text()  # the limit of 10, less the one kept spare and the last
    assert not bar.isVisible()

    def held(event: PacingChanged) -> bool:
        return event.held

    with qtbot.waitSignal(desk.window.bridge.pacingChanged, check_params_cb=held, timeout=30_000):
        desk.sign_in(qtbot)
    assert bar.isVisible()
    assert "Requests go again in" in dialog.findChild(QLabel, "budgetHeld").text()
    first = bar.value()
    assert 0 < first <= bar.maximum()
    qtbot.waitUntil(lambda: bar.value() < first, timeout=3000)  # counting down
    with qtbot.waitSignal(
        desk.window.bridge.pacingChanged, check_params_cb=lambda e: not e.held, timeout=15_000
    ):
        pass
    qtbot.waitUntil(lambda: not bar.isVisible())
    # Held back by the desk's own planner, before the CRM refused anything.
    assert dialog.findChild(QLabel, "budget429").text().endswith("since Softphone started: 0")


def test_the_phone_tab_shows_each_capability_with_its_fix_and_checks_again(
    desk: Desk, qtbot: QtBot, sim_phone_factory: SimPhoneFactory
) -> None:
    desk.sign_in(qtbot)
    xiaomi = sim_phone_factory(
        calllog="denied", input="blocked", manufacturer="Xiaomi", model="Redmi Note 12"
    )
    run(qtbot, desk.engine.choose_phone(xiaomi.serial))
    dialog = open_diagnostics(desk, DiagnosticsTab.PHONE)
    checks = dialog.findChild(QLabel, "diagPhoneChecks")
    qtbot.waitUntil(lambda: "✗ Read the call log" in checks.text(), timeout=15_000)
    assert "✗ Press keys (hang up)" in checks.text()
    assert "USB debugging (Security settings)" in checks.text()  # the fix, beside it
    assert dialog.findChild(QLabel, "diagPhone_serial").text() == xiaomi.serial
    assert dialog.findChild(QLabel, "diagPhone_model").text() == "Redmi Note 12"
    assert dialog.findChild(QLabel, "diagPhone_android").text() not in ("", "—")
    asked = len(xiaomi.commands())
    qtbot.mouseClick(dialog.findChild(QPushButton, "diagRecheckButton"), _LEFT)
    qtbot.waitUntil(lambda: len(xiaomi.commands()) > asked, timeout=15_000)


def test_the_log_tail_is_masked_filtered_by_level_and_copied(desk: Desk, qtbot: QtBot) -> None:
    desk.sign_in(qtbot)
    command_id = a_call_reported(desk, qtbot, "+79161234567")
    qtbot.waitUntil(lambda: reported(desk, command_id), timeout=30_000)
    dialog = open_diagnostics(desk, DiagnosticsTab.LOG)
    tail = dialog.log
    qtbot.waitUntil(lambda: any("4567" in line for line in tail.shown_lines()), timeout=5000)
    text = tail.text.toPlainText()
    assert "9161234567" not in text and "916 123" not in text  # the number, masked
    everything = len(tail.shown_lines())
    tail.level.setCurrentIndex(tail.level.findData(40))  # errors only
    assert len(tail.shown_lines()) < everything
    tail.level.setCurrentIndex(tail.level.findData(20))
    qtbot.mouseClick(dialog.findChild(QPushButton, "logCopyButton"), _LEFT)
    assert QGuiApplication.clipboard().text() == "\n".join(tail.shown_lines())


def secrets_of_the_run(desk: Desk, keyring: MemoryKeyring, number: str) -> list[str]:
    """Everything that must never be in a report: the number called (in the ways it is
    written), the session's tokens, the raw device id and the phone's serial."""
    found = [number, number.lstrip("+"), number[2:], desk.phone.serial]
    for stored in keyring.secrets.values():
        try:
            data = json.loads(stored)
        except ValueError:
            found.append(stored)
            continue
        if isinstance(data, dict):
            found += [str(data[k]) for k in ("access", "refresh") if data.get(k)]
    found += [str(d["device_id"]) for d in desk.crm.devices()]
    assert len(found) >= 7  # tokens and the device id were there to look for
    return found


def test_a_saved_support_report_holds_the_status_and_the_log_and_no_secrets(
    desk: Desk, qtbot: QtBot, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    number = "+79123456789"
    desk.sign_in(qtbot)
    command_id = a_call_reported(desk, qtbot, number)
    qtbot.waitUntil(lambda: reported(desk, command_id), timeout=30_000)
    asked: list[Path] = []

    def choose(_parent: Any, suggested: Path) -> Path:
        asked.append(suggested)
        return tmp_path / "for-support"

    dialogs_of(desk).choose_path = choose
    dialog = open_diagnostics(desk, DiagnosticsTab.SUPPORT)
    contents = dialog.findChild(QLabel, "supportContents").text()
    assert "settings" in contents and "log line" in contents and "masked" in contents
    dialog.support.comment.setPlainText(f"Calls to {number} fail")
    with qtbot.waitSignal(dialog.support.saved, timeout=10_000) as saved:
        qtbot.mouseClick(dialog.findChild(QPushButton, "supportSaveButton"), _LEFT)
    target = tmp_path / "for-support.zip"
    assert saved.args[0] == str(target) and asked[0].name.startswith("softphone-support-")
    assert "for-support.zip" in dialog.findChild(QLabel, "supportResult").text()
    with zipfile.ZipFile(target) as archive:
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    assert {"report.txt", "status.json", "settings.json", "log.txt", "versions.txt"} <= set(texts)
    status = json.loads(texts["status.json"])
    assert status["sync"]["signed_in"] is True and status["phone"]["state"] == "device"
    assert "Softphone 0.1.0 starting" in texts["log.txt"]
    assert "call_log" in texts["status.json"]  # the capability probe
    everything = "\n".join(texts.values())
    assert [s for s in secrets_of_the_run(desk, memory_keyring, number) if s in everything] == []


def test_a_support_report_sent_to_the_crm_reaches_it_masked(
    desk: Desk, qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    number = "+79123456788"
    desk.sign_in(qtbot)
    command_id = a_call_reported(desk, qtbot, number)
    qtbot.waitUntil(lambda: reported(desk, command_id), timeout=30_000)
    dialog = open_diagnostics(desk, DiagnosticsTab.SUPPORT)
    qtbot.mouseClick(dialog.findChild(QPushButton, "supportPreviewButton"), _LEFT)
    preview = dialog.support.preview.toPlainText()
    assert "support report" in preview and number not in preview  # shown before it goes
    send = dialog.findChild(QPushButton, "supportSendButton")
    with qtbot.waitSignals([dialog.support.sent, dialog.support.delivered], timeout=30_000):
        qtbot.mouseClick(send, _LEFT)
    assert "reached the CRM" in dialog.findChild(QLabel, "supportResult").text()
    payload = "\n".join(str(entry.get("payload", "")) for entry in desk.crm.logs())
    assert "support report" in payload
    assert [s for s in secrets_of_the_run(desk, memory_keyring, number) if s in payload] == []

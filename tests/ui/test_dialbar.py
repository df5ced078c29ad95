"""The dial bar against the real engine and a simulated phone behind a real adb server: what is
typed is formatted as it comes, what is pasted in any notation dials the normalised number,
an invalid number is explained and dials nothing, and the history completes what is typed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from pytestqt.qtbot import QtBot

from softphone.model import ActionSource, CallPhase
from softphone.sim.phone import CallScript
from softphone.ui.dialbar import DialBar
from tests.support.history import seed_history
from tests.support.qt import Desk

pytestmark = [pytest.mark.adb, pytest.mark.slow]


@pytest.fixture
def history_rows() -> int:
    return 0


@pytest.fixture
def desk_history(history_rows: int) -> Callable[[Path], object] | None:
    if not history_rows:
        return None
    return lambda path: seed_history(path, history_rows)


def dial_bar(desk: Desk) -> DialBar:
    bar = desk.window.findChild(DialBar, "dialBar")
    assert bar is not None
    return bar


def am_starts(desk: Desk) -> list[str]:
    return [c for c in desk.phone.commands() if c.startswith("am start")]


def paste(qtbot: QtBot, bar: DialBar, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    bar.input.setFocus()
    bar.input.selectAll()
    qtbot.keySequence(bar.input, QKeySequence(QKeySequence.StandardKey.Paste))


def test_typing_is_formatted_as_it_comes(desk: Desk, qtbot: QtBot) -> None:
    bar = dial_bar(desk)
    shown = []
    for digit in "89123456789":
        qtbot.keyClicks(bar.input, digit)
        shown.append(bar.input.text())
    assert shown[1:] == [
        "+7 (9",
        "+7 (91",
        "+7 (912)",
        "+7 (912) 3",
        "+7 (912) 34",
        "+7 (912) 345",
        "+7 (912) 345-6",
        "+7 (912) 345-67",
        "+7 (912) 345-67-8",
        "+7 (912) 345-67-89",
    ]
    assert bar.problem_text() == ""  # typing a number is not a mistake on the way
    assert bar.input.cursorPosition() == len(bar.input.text())


@pytest.mark.parametrize(
    "pasted",
    [
        "8 912 345 67 89",
        "+7-912-345-67-89",
        "8\u00a0912\u00a0345\u00a067\u00a089",
        "тел.: 8 (912) 345-67-89, Иван",
        "+7 (912) 345-67-89",
        "9123456789",
    ],
)
def test_a_pasted_number_in_any_notation_dials_the_normalised_number(
    desk: Desk, qtbot: QtBot, pasted: str
) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="no_answer"))
    bar = dial_bar(desk)
    paste(qtbot, bar, pasted)
    assert bar.input.text() == "+7 (912) 345-67-89"
    qtbot.keyClick(bar.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(am_starts(desk)) == 1, timeout=15_000)
    assert am_starts(desk) == ["am start -a android.intent.action.CALL -d tel:+79123456789"]
    [entry] = desk.engine.history().entries
    assert entry.source is ActionSource.MANUAL and entry.phone == "+79123456789"
    assert bar.input.text() == ""  # ready for the next one
    qtbot.waitUntil(lambda: desk.engine.entry(entry.id).phase is CallPhase.RESOLVED, timeout=30_000)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("1234 5678", "Incomplete: add the area code"),
        ("8 912 345", "After +7 come exactly 10 digits"),
        ("*100#", "Codes with “*” or “#” cannot be dialled from here"),
        ("call me", "A number has no letters"),
        ("+7 912 345 67 89 0", "After +7 come exactly 10 digits"),
    ],
)
def test_an_invalid_number_is_explained_beside_the_field_and_dials_nothing(
    desk: Desk, qtbot: QtBot, typed: str, said: str
) -> None:
    desk.sign_in(qtbot)
    bar = dial_bar(desk)
    qtbot.keyClicks(bar.input, typed)
    qtbot.keyClick(bar.input, Qt.Key.Key_Return)
    assert bar.problem_text() == "⚠ " + said
    assert bar.problem.isVisible()
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)  # the button does not dial it either
    assert bar.problem_text() == "⚠ " + said
    assert desk.engine.count() == 0 and am_starts(desk) == []
    # Mending the number takes the explanation away.
    bar.input.clear()
    qtbot.keyClicks(bar.input, "89123456789")
    assert bar.problem_text() == ""


def test_a_paste_without_a_number_is_explained_and_dials_nothing(desk: Desk, qtbot: QtBot) -> None:
    desk.sign_in(qtbot)
    bar = dial_bar(desk)
    paste(qtbot, bar, "Иван Петров, перезвонить завтра")
    qtbot.keyClick(bar.input, Qt.Key.Key_Return)
    assert bar.problem_text() == "⚠ A number has no letters"
    assert desk.engine.count() == 0 and am_starts(desk) == []


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")  # the popup
@pytest.mark.parametrize("history_rows", [40])
def test_numbers_from_the_history_complete_what_is_typed_most_recent_first(
    desk: Desk, qtbot: QtBot
) -> None:
    bar = dial_bar(desk)
    desk.window.activateWindow()
    qtbot.waitUntil(lambda: desk.window.isActiveWindow())
    bar.input.setFocus()
    qtbot.keyClicks(bar.input, "8912 003")
    expected = [
        e.phone for e in desk.engine.history().entries if "912003" in e.phone
    ]  # newest first, as the history lists them
    assert len(expected) >= 2
    model = bar.completer.model()
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=5000)
    offered = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert offered == ["+7 (912) 003-" + p[-4:-2] + "-" + p[-2:] for p in expected[:8]]


def test_call_from_clipboard_takes_the_number_out_of_the_text(desk: Desk, qtbot: QtBot) -> None:
    desk.sign_in(qtbot)
    desk.phone.set_default_script(CallScript(ring_s=0.2, outcome="no_answer"))
    QGuiApplication.clipboard().setText("Клиент: Иванов, тел. +7\u00a0912\u00a0345-67-10")
    desk.window.clipboard_action.trigger()  # Ctrl+Shift+V, in the menu and the tray
    qtbot.waitUntil(lambda: len(am_starts(desk)) == 1, timeout=15_000)
    assert am_starts(desk) == ["am start -a android.intent.action.CALL -d tel:+79123456710"]
    [entry] = desk.engine.history().entries
    qtbot.waitUntil(lambda: desk.engine.entry(entry.id).phase is CallPhase.RESOLVED, timeout=30_000)

"""The dial bar (Ctrl+L): type or paste a number, Enter calls it (source `manual`).

What is typed is formatted as it comes (`+7 (912) 345-67-89`, `numbers.format_as_typed`); what
is pasted — in any notation, with no-break spaces, inside other text ("тел.: 8 (912)…") — is
reduced to the number in it (`numbers.find_number`). A number that cannot be dialled is
explained beside the field (`words.number_problem_text`) and never dialled. Numbers from the
history complete what is typed, most recent first (`engine.numbers_like`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from PySide6.QtCore import QCoreApplication, QEvent, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QContextMenuEvent, QDropEvent, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from softphone.numbers import (
    InvalidNumber,
    NumberProblem,
    digits_of,
    find_number,
    format_as_typed,
    normalize,
)
from softphone.ui.bridge import EngineBridge
from softphone.ui.words import number_problem_text, shown_number

translate = QCoreApplication.translate

__all__ = ["DialBar"]

#: Problems that only mean "not finished yet" while typing: said on Enter, not before.
_UNFINISHED: Final = frozenset(
    {
        NumberProblem.EMPTY,
        NumberProblem.NO_DIGITS,
        NumberProblem.INCOMPLETE,
        NumberProblem.PLUS7_LENGTH,
        NumberProblem.INTERNATIONAL_TOO_SHORT,
    }
)
_COMPLETIONS: Final = 8


def _digits_before(text: str, position: int) -> int:
    return len(digits_of(text[:position]))


def _position_after_digits(text: str, count: int) -> int:
    """The cursor position just after the `count`-th digit of `text` (keeps the cursor where
    it was among the digits when the text is reformatted around it)."""
    if count <= 0:
        return 0
    seen = 0
    for position, char in enumerate(text):
        if char.isdigit():
            seen += 1
            if seen == count:
                return position + 1
    return len(text)


class NumberField(QLineEdit):
    """A line edit that knows when its text came from a paste (keys, the context menu, the
    middle button, a drop): pasted text is searched for a number, typed text is taken as is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pasting = False

    def _pasted(self, handler: Callable[[Any], None], event: Any) -> None:
        self.pasting = True
        try:
            handler(event)
        finally:
            self.pasting = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self._pasted(super().keyPressEvent, event)
        else:
            super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pasted(super().mouseReleaseEvent, event)
        else:
            super().mouseReleaseEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._pasted(super().dropEvent, event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self._pasted(super().contextMenuEvent, event)


class DialBar(QWidget):
    """The number field, the Call button and, when needed, why the number cannot be called.

    Signals:
        callRequested(number: str): Enter or Call with a dialable number (normalised).
    """

    callRequested = Signal(str)

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialBar")
        self._bridge = bridge
        self.input = NumberField(self)
        self.input.setObjectName("dialInput")
        self.input.setClearButtonEnabled(True)
        self.input.setMaxLength(200)
        self.button = QPushButton(self)
        self.button.setObjectName("dialButton")
        self.button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.problem = QLabel(self)
        self.problem.setObjectName("dialProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self._completions = QStringListModel(self)
        self.completer = QCompleter(self._completions, self)
        self.completer.setObjectName("dialCompleter")
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(_COMPLETIONS)
        self.input.setCompleter(self.completer)
        self.completer.activated.connect(lambda _text: self._check(final=False))
        self._complete_soon = QTimer(self)
        self._complete_soon.setSingleShot(True)
        self._complete_soon.setInterval(120)
        self._complete_soon.timeout.connect(self._complete)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.input, 1)
        row.addWidget(self.button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 2, 0, 2)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.problem)

        self.input.textEdited.connect(self._edited)
        self.input.returnPressed.connect(self.dial)
        self.button.clicked.connect(self.dial)
        self.retranslate()

    def retranslate(self) -> None:
        self.input.setPlaceholderText(translate("DialBar", "Number to call (Ctrl+L)"))
        self.input.setAccessibleName(translate("DialBar", "Number to call"))
        self.button.setText(translate("DialBar", "Call ⏎"))
        self.button.setAccessibleName(translate("DialBar", "Call"))
        self.button.setToolTip(translate("DialBar", "Call this number (Enter)"))
        self._check(final=False)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- what the operator does ---------------------------------------------------------------

    def focus(self) -> None:
        """Ctrl+L: the field, its text selected to be typed over."""
        self.input.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.input.selectAll()

    def set_text(self, text: str) -> None:
        """Put text into the field as if it were pasted there."""
        self.input.setText(text)
        self._edited(text, pasted=True)

    def dial(self) -> None:
        """Call the number in the field, or say why it cannot be called."""
        popup = self.completer.popup()
        if popup is not None and popup.isVisible():
            popup.hide()
        number = self._check(final=True)
        if number is None:
            return
        self.callRequested.emit(number)
        self.input.clear()
        self._check(final=False)

    def problem_text(self) -> str:
        """What the bar says is wrong with the number ("" when nothing is)."""
        return self.problem.text() if self.problem.isVisibleTo(self) else ""

    # -- inside ------------------------------------------------------------------------------

    def _edited(self, text: str, *, pasted: bool = False) -> None:
        cursor = self.input.cursorPosition()
        pasted = pasted or self.input.pasting
        shown = text
        if pasted:
            found = find_number(text)
            if found is not None:
                shown = shown_number(found)
                cursor = len(shown)
        if shown == text:
            digits = _digits_before(text, cursor)
            shown = format_as_typed(text)
            if shown != text:
                cursor = _position_after_digits(shown, digits)
        if shown != text:
            self.input.setText(shown)
            self.input.setCursorPosition(cursor)
        self._check(final=False)
        self._complete_soon.start()

    def _check(self, *, final: bool) -> str | None:
        """The dialable number in the field (None: and say why, if it is worth saying now)."""
        text = self.input.text()
        try:
            number = normalize(text)
        except InvalidNumber as err:
            quiet = not final and err.problem in _UNFINISHED
            self._say(None if quiet or (not final and not text) else err.problem)
            return None
        self._say(None)
        return number

    def _say(self, problem: NumberProblem | None) -> None:
        if problem is None:
            self.problem.hide()
            self.problem.setText("")
            self.input.setToolTip("")
            return
        text = number_problem_text(problem)
        self.problem.setText("⚠ " + text)
        self.problem.show()
        self.input.setToolTip(text)

    def _complete(self) -> None:
        digits = digits_of(self.input.text())
        if len(digits) < 3 or not self.input.hasFocus():
            self._completions.setStringList([])
            return
        part = digits[1:] if digits[0] in "78" and len(digits) > 3 else digits
        numbers = self._bridge.engine.numbers_like(part, limit=_COMPLETIONS)
        shown = [shown_number(n) for n in numbers]
        if shown == [self.input.text()]:
            shown = []  # the field holds it already
        self._completions.setStringList(shown)
        if shown:
            self.completer.complete()

"""The Qt binding itself: a day of an operator's window must not wear out Python's singletons.

PySide6 6.12.0 on Python 3.11 took a reference from None at every void call (`setText`,
`QTimer.start`…) and one from True/False at every bool signal: after a few thousand, Python
aborts with "deallocating None". pyproject.toml keeps that release out; this proves it.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLineEdit


class _Flag(QObject):
    changed = Signal(bool)


def test_void_calls_and_bool_signals_leave_none_and_true_alone(qapp: QApplication) -> None:
    edit = QLineEdit()
    flag = _Flag()
    seen: list[bool] = []
    flag.changed.connect(seen.append)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        edit.setText("+7 (912) 345-67-89")
        flag.changed.emit(True)
    seen.clear()
    assert sys.getrefcount(None) - none_before < 50
    assert sys.getrefcount(True) - true_before > -50

"""Checks every dialog's test shares."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
)


def unnamed_controls(root: QWidget) -> list[str]:
    """Interactive widgets shown in `root` with no accessible name (the parts of a named
    control — a spin box's line, a tab bar's arrows, a list's header — are named by it)."""
    missing = []
    for kind in INTERACTIVE:
        for widget in root.findChildren(kind):
            parent = widget.parentWidget()
            if isinstance(parent, (QAbstractSpinBox, QComboBox, QTabBar, QAbstractItemView)):
                continue
            if widget.isVisibleTo(root) and not widget.accessibleName():
                missing.append(widget.objectName() or type(widget).__name__)
    return missing

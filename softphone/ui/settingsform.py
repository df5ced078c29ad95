"""The settings form, generated from the one settings model (`softphone.config.Settings`).

Every option is declared once in `config.py` — its default, title, help, group and bounds
(Picard's option registry). This module makes each option's row from that declaration: a check
box for a yes/no, a spin box within the bounds for a number, a list for a fixed set of values, a
line for text or a list of hosts; the title and help are shown translated (context "Settings",
catalogued from config.py's QT_TRANSLATE_NOOP marks), and a line under the editor says what is
wrong when a value is refused. A screen that needs a richer editor for one option (which phone)
passes it in; everything else comes from the model, so a new option appears here by itself.

The form only shows and collects values: saving them (all at once, through the engine) is the
dialog's job.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Protocol

from pydantic.fields import FieldInfo
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from softphone.config import Group, Settings

translate = QCoreApplication.translate

__all__ = ["Editor", "OptionRow", "SettingsForm", "settings_text"]

#: The widest a number's spin box is drawn (a number is short; a whole line looks odd).
_SPIN_WIDTH = 160
_CHOICE = re.compile(r"^\^\(([^()]*)\)\$$")
#: What is wrong is red on a light or a dark background (and starts with ⚠: never colour only).
ERROR_COLOUR = QColor("#d32f2f")
#: A risk the operator chose (plain HTTP) is amber, with ⚠ too.
WARNING_COLOUR = QColor("#b26a00")


def settings_text(text: str) -> str:
    """An option's title or help in the operator's language (declared in config.py)."""
    return QCoreApplication.translate("Settings", text) if text else ""


class Editor(Protocol):
    """What the form needs of an option's editor (a QWidget)."""

    def value(self) -> Any: ...

    def set_value(self, value: Any) -> None: ...


def _bounds(field: FieldInfo) -> tuple[float | None, float | None, bool]:
    """(lowest, highest, lowest excluded) from the option's constraints."""
    low = high = None
    exclusive = False
    for item in field.metadata:
        if getattr(item, "ge", None) is not None:
            low = float(item.ge)
        if getattr(item, "gt", None) is not None:
            low, exclusive = float(item.gt), True
        if getattr(item, "le", None) is not None:
            high = float(item.le)
        if getattr(item, "lt", None) is not None:
            high = float(item.lt)
    return low, high, exclusive


def _max_length(field: FieldInfo) -> int | None:
    for item in field.metadata:
        if getattr(item, "max_length", None) is not None:
            return int(item.max_length)
    return None


def _choices(field: FieldInfo) -> list[str] | None:
    """The values a text option may take, when its pattern lists them: `^(a|b|c)$`."""
    for item in field.metadata:
        pattern = getattr(item, "pattern", None)
        if isinstance(pattern, str) and (found := _CHOICE.match(pattern)):
            return found.group(1).split("|")
    return None


class _Check(QCheckBox):
    def value(self) -> bool:
        return self.isChecked()

    def set_value(self, value: Any) -> None:
        self.setChecked(bool(value))


class _Whole(QSpinBox):
    def value(self) -> int:
        return int(super().value())

    def set_value(self, value: Any) -> None:
        self.setValue(int(value))


class _Number(QDoubleSpinBox):
    def value(self) -> float:
        return float(super().value())

    def set_value(self, value: Any) -> None:
        self.setValue(float(value))


class _Choice(QComboBox):
    """A fixed set of values, each shown by a label that follows the language."""

    def __init__(self, values: list[str], label: Callable[[str], str], parent: QWidget) -> None:
        super().__init__(parent)
        self._label = label
        for value in values:
            self.addItem(label(value), value)

    def value(self) -> str:
        return str(self.currentData())

    def set_value(self, value: Any) -> None:
        index = self.findData(str(value))
        self.setCurrentIndex(max(0, index))

    def relabel(self) -> None:
        for index in range(self.count()):
            self.setItemText(index, self._label(str(self.itemData(index))))


class _Text(QLineEdit):
    def value(self) -> str:
        return self.text().strip()

    def set_value(self, value: Any) -> None:
        self.setText(str(value))


class _Hosts(QLineEdit):
    """A list of host names, written with commas between them."""

    def value(self) -> list[str]:
        return [part.strip() for part in re.split(r"[,;\s]+", self.text()) if part.strip()]

    def set_value(self, value: Any) -> None:
        self.setText(", ".join(value))


def _choice_label(name: str) -> Callable[[str], str]:
    def label(value: str) -> str:
        if name == "language":
            # Each language in its own words, as language lists do; the system's translated.
            return {"": translate("SettingsForm", "The system's language"), "en": "English"}.get(
                value, "Русский" if value == "ru" else value
            )
        if name == "log_level":
            return {
                "DEBUG": translate("SettingsForm", "Everything (DEBUG)"),
                "INFO": translate("SettingsForm", "Normal (INFO)"),
                "WARNING": translate("SettingsForm", "Warnings and errors (WARNING)"),
                "ERROR": translate("SettingsForm", "Errors only (ERROR)"),
            }.get(value, value)
        return value

    return label


def make_editor(name: str, field: FieldInfo, parent: QWidget) -> QWidget:
    """The editor an option's type and constraints call for."""
    kind = field.annotation
    if kind is bool:
        return _Check(parent)
    if kind in (int, float):
        low, high, exclusive = _bounds(field)
        spin: QSpinBox | QDoubleSpinBox
        if kind is int:
            spin = _Whole(parent)
            step = 1.0
        else:
            spin = _Number(parent)
            # Whole numbers unless the option's default or its lowest value has a fraction
            # (or its lowest value is excluded: "more than 0" needs tenths).
            fraction = exclusive or any(
                isinstance(v, float) and not v.is_integer() for v in (field.default, low)
            )
            spin.setDecimals(1 if fraction else 0)
            step = 0.1 if fraction else 1.0
        lowest = (low + step if exclusive else low) if low is not None else -1e9
        spin.setRange(lowest, high if high is not None else 1e9)  # type: ignore[arg-type]
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        spin.setMaximumWidth(_SPIN_WIDTH)
        return spin
    choices = _choices(field)
    if choices is not None:
        return _Choice(choices, _choice_label(name), parent)
    if kind == list[str]:
        return _Hosts(parent)
    line = _Text(parent)
    if (longest := _max_length(field)) is not None:
        line.setMaxLength(longest)
    return line


class OptionRow(QWidget):
    """One option on the form: its title, editor, help and a line for what is wrong.

    Signals:
        edited(): the operator changed the value (its error line is cleared).
    """

    edited = Signal()

    def __init__(
        self, name: str, field: FieldInfo, parent: QWidget, editor: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"option_{name}")
        self.name = name
        self.field = field
        self.editor = editor or make_editor(name, field, self)
        self.editor.setParent(self)
        self.editor.setObjectName(f"{name}Editor")
        self._is_check = isinstance(self.editor, QCheckBox)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setBuddy(self.editor)
        self.title.setVisible(not self._is_check)
        self.help = QLabel(self)
        self.help.setObjectName(f"{name}Help")
        self.help.setWordWrap(True)
        self.help.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        small = QFont(self.help.font())
        small.setPointSizeF(small.pointSizeF() * 0.92)
        self.help.setFont(small)
        self.error = QLabel(self)
        self.error.setObjectName(f"{name}Error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOUR)
        self.error.setPalette(palette)
        self.error.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.title)
        column.addWidget(self.editor)
        column.addWidget(self.help)
        column.addWidget(self.error)
        if self._is_check:  # the help lines up with the box's text, not with the box
            style = self.editor.style()
            self.help.setIndent(style.pixelMetric(style.PixelMetric.PM_IndicatorWidth) + 6)
        for signal in ("toggled", "valueChanged", "currentIndexChanged", "textChanged"):
            if hasattr(self.editor, signal):
                getattr(self.editor, signal).connect(self._edited)
                break
        self.retranslate()

    def retranslate(self) -> None:
        title = settings_text(self.field.title or self.name)
        if isinstance(self.editor, QCheckBox):
            self.editor.setText(title)
        else:
            self.title.setText(title)
        self.editor.setAccessibleName(title)
        help_text = settings_text(self.field.description or "")
        self.help.setText(help_text)
        self.help.setVisible(bool(help_text))
        self.editor.setAccessibleDescription(help_text)
        if isinstance(self.editor, _Choice):
            self.editor.relabel()

    def value(self) -> Any:
        return self.editor.value()  # type: ignore[attr-defined]

    def set_value(self, value: Any) -> None:
        self.editor.blockSignals(True)
        try:
            self.editor.set_value(value)  # type: ignore[attr-defined]
        finally:
            self.editor.blockSignals(False)

    def show_error(self, text: str | None) -> None:
        """Say beside the field why its value was refused (None: nothing is wrong)."""
        self.error.setText(f"⚠ {text}" if text else "")
        self.error.setVisible(bool(text))

    @property
    def error_text(self) -> str:
        return self.error.text().removeprefix("⚠ ")

    def _edited(self, *_args: object) -> None:
        self.show_error(None)
        self.edited.emit()


def explain(row: OptionRow, message: str) -> str:
    """Why a value was refused, in the operator's words (the validator's text, in English,
    when there is nothing better to say)."""
    name = row.name
    if name == "server_url":
        return translate(
            "SettingsForm", "Write the whole address with http:// or https://, e.g. %1"
        ).replace("%1", "https://crm.example.com")
    if name == "allow_plain_http":
        return translate(
            "SettingsForm",
            "Write host names only, separated by commas: no http://, no port, no path.",
        )
    low, high, exclusive = _bounds(row.field)
    if low is not None and high is not None:
        text = (
            translate("SettingsForm", "More than %1, at most %2.")
            if exclusive
            else translate("SettingsForm", "From %1 to %2.")
        )
        return text.replace("%1", _number(low)).replace("%2", _number(high))
    if "at least 1 character" in message:
        return translate("SettingsForm", "Cannot be empty.")
    if (longest := _max_length(row.field)) is not None and "at most" in message:
        return translate("SettingsForm", "At most %n characters.", "", longest)
    return message


def _number(value: float) -> str:
    return str(int(value)) if math.isclose(value, round(value)) else f"{value:g}"


class SettingsForm(QWidget):
    """Every option of the model that the dialog shows, grouped into pages.

    `rows[name]` is each option's row; `page(group)` the scrollable page of a group (built on
    first use; `insert(group, widget)` puts a screen's own widget at the top of one).

    Signals:
        edited(): any value was changed by the operator.
    """

    edited = Signal()

    def __init__(
        self,
        groups: tuple[Group, ...],
        custom: dict[str, QWidget] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rows: dict[str, OptionRow] = {}
        self._pages: dict[Group, QScrollArea] = {}
        self._columns: dict[Group, QVBoxLayout] = {}
        custom = custom or {}
        for group in groups:
            area = QScrollArea(self)
            area.setObjectName(f"{group.value}Page")
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            holder = QWidget(area)
            content = QWidget(holder)
            content.setMaximumWidth(720)  # as wide as the dialog, up to a readable line
            column = QVBoxLayout(content)
            column.setContentsMargins(12, 12, 12, 12)
            column.setSpacing(14)
            column.addStretch(1)
            outer = QHBoxLayout(holder)
            outer.setContentsMargins(0, 0, 0, 0)
            outer.addWidget(content, 1)
            outer.addStretch(0)
            area.setWidget(holder)
            self._pages[group] = area
            self._columns[group] = column
        for name, field in Settings.model_fields.items():
            group = Settings.group_of(name)
            if group not in self._columns:
                continue
            row = OptionRow(name, field, self, custom.get(name))
            row.edited.connect(self.edited)
            column = self._columns[group]
            column.insertWidget(column.count() - 1, row)  # above the closing stretch
            self.rows[name] = row

    def page(self, group: Group) -> QScrollArea:
        return self._pages[group]

    def insert(self, group: Group, widget: QWidget, index: int = 0) -> None:
        """A screen's own widget on a group's page (at the top unless told where)."""
        self._columns[group].insertWidget(index, widget)

    def retranslate(self) -> None:
        for row in self.rows.values():
            row.retranslate()

    def load(self, settings: Settings, names: frozenset[str] | None = None) -> None:
        """Show these settings (only `names`, when given), and no errors for them."""
        for name, row in self.rows.items():
            if names is None or name in names:
                row.set_value(getattr(settings, name))
                row.show_error(None)

    def changes(self, settings: Settings) -> dict[str, Any]:
        """The values on the form that differ from `settings`."""
        found = {}
        for name, row in self.rows.items():
            value = row.value()
            current = getattr(settings, name)
            if isinstance(row.editor, QDoubleSpinBox) and isinstance(current, (int, float)):
                # What the box can show of the saved value is no change.
                shown = round(float(current), row.editor.decimals())
                if math.isclose(value, shown, abs_tol=1e-9):
                    continue
            elif isinstance(value, list) and isinstance(current, list):
                if sorted(v.lower() for v in value) == sorted(current):
                    continue
            elif value == current:
                continue
            found[name] = value
        return found

    def show_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """Each refusal beside its field; returns those that belong to no field shown."""
        elsewhere: dict[str, str] = {}
        for row in self.rows.values():
            row.show_error(None)
        for name, message in errors.items():
            refused = self.rows.get(name)
            if refused is None:
                elsewhere[name] = message
                continue
            refused.show_error(explain(refused, message))
            refused.error.setToolTip(message)
        return elsewhere

    def group_of_first_error(self) -> Group | None:
        for name, row in self.rows.items():
            if row.error.isVisibleTo(self) or row.error_text:
                return Settings.group_of(name)
        return None

"""Phone guidance: while no phone is usable, what state it is in and the exact next step.

Replaces the history while the phone cannot place calls (none attached, the USB-debugging
prompt waiting, offline, no USB permission, several attached, adb failing); for a phone that
works but with a problem (the Xiaomi key setting, no default SIM, a call log it will not show)
the status strip offers it. A checklist shows what the probe found; "Check again" probes the
phone anew (the operator changed a setting on it); with several phones, one is chosen here.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone.phone import CheckStatus, PhoneState, PhoneStatus
from softphone.problems import Problem, ProblemKind
from softphone.ui.words import problem_fix, problem_text

translate = QCoreApplication.translate

__all__ = ["PhonePage"]


class PhonePage(QWidget):
    """The guidance. `show_phone(phone)` redraws it.

    Signals:
        recheckRequested(): "Check again".
        phoneChosen(serial: str): a phone chosen among several.
        backRequested(): "Back to the history" (shown while the phone can place calls).
    """

    recheckRequested = Signal()
    phoneChosen = Signal(str)
    backRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phonePage")
        self._phone = PhoneStatus()
        self._headline = QLabel(self)
        self._headline.setObjectName("phoneHeadline")
        self._headline.setWordWrap(True)
        font = QFont(self._headline.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self._headline.setFont(font)
        self._step = QLabel(self)
        self._step.setObjectName("phoneNextStep")
        self._step.setWordWrap(True)
        self._detail = QLabel(self)
        self._detail.setObjectName("phoneDetail")
        self._detail.setWordWrap(True)
        self._detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._detail.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._checks_title = QLabel(self)
        self._fixes = QLabel(self)
        self._fixes.setObjectName("phoneFixes")
        self._fixes.setWordWrap(True)
        self._checks = QFormLayout()
        self._checks.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._choose_label = QLabel(self)
        self._choose = QComboBox(self)
        self._choose.setObjectName("phoneChoice")
        self._use = QPushButton(self)
        self._use.setObjectName("phoneUseButton")
        self._use.clicked.connect(self._chosen)
        self._recheck = QPushButton(self)
        self._recheck.setObjectName("phoneRecheckButton")
        self._recheck.clicked.connect(self.recheckRequested)
        self._back = QPushButton(self)
        self._back.setObjectName("phoneBackButton")
        self._back.clicked.connect(self.backRequested)
        choose = QHBoxLayout()
        choose.addWidget(self._choose, 1)
        choose.addWidget(self._use)
        buttons = QHBoxLayout()
        buttons.addWidget(self._recheck)
        buttons.addStretch(1)
        buttons.addWidget(self._back)
        content = QWidget(self)
        content.setMaximumWidth(640)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(content, 1)  # as wide as the window, up to its maximum
        outer.addStretch(0)
        column = QVBoxLayout(content)
        column.setContentsMargins(16, 16, 16, 16)
        column.addWidget(self._headline)
        column.addWidget(self._step)
        column.addWidget(self._detail)
        column.addWidget(self._choose_label)
        column.addLayout(choose)
        column.addSpacing(8)
        column.addWidget(self._checks_title)
        column.addLayout(self._checks)
        column.addSpacing(6)
        column.addWidget(self._fixes)
        column.addStretch(1)
        column.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self._recheck.setText(translate("PhonePage", "Check again"))
        self._recheck.setAccessibleName(translate("PhonePage", "Check the phone again"))
        self._back.setText(translate("PhonePage", "Back to the history"))
        self._use.setText(translate("PhonePage", "Use this phone"))
        self._choose.setAccessibleName(translate("PhonePage", "Phone to use"))
        self._choose_label.setText(translate("PhonePage", "Which phone should Softphone use?"))
        self._checks_title.setText(translate("PhonePage", "What the phone allows:"))
        self.show_phone(self._phone)

    @property
    def headline(self) -> str:
        return self._headline.text()

    @property
    def next_step(self) -> str:
        return self._step.text()

    def checklist(self) -> list[tuple[str, str]]:
        """(item, result) pairs as shown, for tests and screen readers."""
        rows = []
        for row in range(self._checks.rowCount()):
            label = self._checks.itemAt(row, QFormLayout.ItemRole.LabelRole)
            value = self._checks.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label is not None and value is not None:
                rows.append((label.widget().text(), value.widget().text()))  # type: ignore[union-attr]
        return rows

    def show_phone(self, phone: PhoneStatus) -> None:
        self._phone = phone
        problem = phone.problems[0] if phone.problems else None
        if problem is None and not phone.ready:
            problem = Problem(ProblemKind.PHONE_NONE)
        if problem is None:
            name = phone.model or translate("PhonePage", "The phone")
            self._headline.setText(translate("PhonePage", "%1 is ready").replace("%1", name))
            self._step.setText("")
        else:
            self._headline.setText(problem_text(problem))
            self._step.setText(problem_fix(problem))
        self._detail.setText(
            translate("PhonePage", "The phone says: %1").replace("%1", problem.detail)
            if problem is not None and problem.detail
            else ""
        )
        self._detail.setVisible(bool(self._detail.text()))
        several = phone.state is PhoneState.SEVERAL or (
            problem is not None and problem.kind is ProblemKind.PHONE_CHOSEN_MISSING
        )
        self._choose_label.setVisible(several)
        self._choose.setVisible(several)
        self._use.setVisible(several)
        if several:
            self._choose.clear()
            for serial in phone.attached:
                model = phone.models.get(serial)
                name = model.replace("_", " ") if model else ""  # adb lists "Redmi_Note_12"
                self._choose.addItem(f"{name} ({serial})" if name else serial, serial)
        self._back.setVisible(phone.ready)
        self._fill_checks(phone)

    def fixes(self) -> str:
        """The steps shown under the checklist (for the checks that failed)."""
        return self._fixes.text()

    def _fill_checks(self, phone: PhoneStatus) -> None:
        while self._checks.rowCount():
            self._checks.removeRow(0)
        shown = phone.ready
        self._checks_title.setVisible(shown)
        steps: list[str] = []
        headline = phone.problems[0] if phone.problems else None

        def add(item: str, check: CheckStatus | None) -> None:
            if check is None:
                return
            if check.ok:
                result = "✓ " + translate("PhonePage", "yes")
            else:
                result = "✗ " + translate("PhonePage", "no")
                if check.problem is not None and check.problem != headline:
                    steps.append(f"• {problem_text(check.problem)}. {problem_fix(check.problem)}")
            self._checks.addRow(QLabel(item), QLabel(result))

        if shown:
            add(translate("PhonePage", "Read the call log (call results)"), phone.call_log)
            add(translate("PhonePage", "Press keys (hang up)"), phone.input)
            sim_problem = next(
                (
                    p
                    for p in phone.problems
                    if p.kind in (ProblemKind.NO_SIM, ProblemKind.NO_DEFAULT_SIM)
                ),
                None,
            )
            add(
                translate("PhonePage", "A SIM card for calls"),
                CheckStatus(sim_problem is None, sim_problem),
            )
        self._fixes.setText("\n".join(steps))
        self._fixes.setVisible(bool(steps))

    def _chosen(self) -> None:
        serial = self._choose.currentData()
        if serial:
            self.phoneChosen.emit(str(serial))

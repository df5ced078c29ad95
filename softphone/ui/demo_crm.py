"""The demo's "Demo CRM" window: the CRM side of the demo, in a window beside Softphone.

It shows what a real CRM would show the operator: the sign-in QR code (Softphone finds it on the
screen by itself), a few sample customers with a "Call" button each (pressing one queues the
command, as the CRM's own button does), and the results the CRM has received. It talks to the
simulated CRM in-process (never over `/api/phone/*`, so it spends none of the desk's request
budget) and is not part of Softphone: only the demo opens it.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from softphone.model import CallStatus
from softphone.sim.crm import RunningCrm
from softphone.sim.crm_page import qr_png
from softphone.sim.phone import CallScript, SimPhone
from softphone.ui.words import duration_text, shown_number, status_text

translate = QCoreApplication.translate

__all__ = ["CUSTOMERS", "Customer", "DemoCrmWindow"]

#: A QR token lives 5 minutes; a fresh one is shown well before.
QR_REFRESH_MS = 240_000
RESULTS_REFRESH_MS = 1000


@dataclasses.dataclass(frozen=True)
class Customer:
    name: str
    phone: str
    #: What the far end does when called (the simulated phone plays it).
    script: CallScript


CUSTOMERS: tuple[Customer, ...] = (
    Customer("Ivanova Anna", "+79123456701", CallScript(ring_s=2.0, outcome="answered", talk_s=6)),
    Customer("Petrov Oleg", "+79123456702", CallScript(ring_s=4.0, outcome="no_answer")),
    Customer("Smirnova Olga", "+79123456703", CallScript(ring_s=1.5, outcome="busy")),
    Customer("Kuznetsov Ivan", "+79123456704", CallScript(ring_s=2.0, outcome="rejected")),
    Customer("Popova Maria", "+79123456705", CallScript(ring_s=1.0, outcome="answered", talk_s=3)),
)


class DemoCrmWindow(QWidget):
    """The Demo CRM.

    Signals:
        commandQueued(command_id: str): a customer's "Call" was pressed.
    """

    commandQueued = Signal(str)

    def __init__(self, crm: RunningCrm, phone: SimPhone, username: str) -> None:
        super().__init__()
        self.setObjectName("demoCrmWindow")
        self._crm = crm
        self._phone = phone
        self._username = username
        self._asked: list[tuple[str, Customer]] = []
        self._token = ""
        self._rng = random.Random()

        self._title = QLabel(self)
        font = QFont(self._title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self._title.setFont(font)
        self._qr_box = QGroupBox(self)
        self._qr = QLabel(self._qr_box)
        self._qr.setObjectName("demoQrCode")
        self._qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._qr_state = QLabel(self._qr_box)
        self._qr_state.setWordWrap(True)
        qr_column = QVBoxLayout(self._qr_box)
        qr_column.addWidget(self._qr)
        qr_column.addWidget(self._qr_state)

        self._customers_box = QGroupBox(self)
        grid = QGridLayout(self._customers_box)
        self.call_buttons: list[QPushButton] = []
        for row, customer in enumerate(CUSTOMERS):
            grid.addWidget(QLabel(customer.name), row, 0)
            grid.addWidget(QLabel(shown_number(customer.phone)), row, 1)
            button = QPushButton(self._customers_box)
            button.setObjectName(f"demoCall{row}")
            button.clicked.connect(lambda _=False, c=customer: self.call(c))
            grid.addWidget(button, row, 2)
            self.call_buttons.append(button)

        self._results_box = QGroupBox(self)
        self.results = QTableWidget(0, 4, self._results_box)
        self.results.setObjectName("demoResults")
        self.results.verticalHeader().hide()
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.results.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        results_column = QVBoxLayout(self._results_box)
        results_column.addWidget(self.results)

        top = QHBoxLayout()
        top.addWidget(self._qr_box)
        top.addWidget(self._customers_box, 1)
        column = QVBoxLayout(self)
        column.addWidget(self._title)
        column.addLayout(top)
        column.addWidget(self._results_box, 1)

        self._qr_timer = QTimer(self)
        self._qr_timer.setInterval(QR_REFRESH_MS)
        self._qr_timer.timeout.connect(self.new_qr)
        self._results_timer = QTimer(self)
        self._results_timer.setInterval(RESULTS_REFRESH_MS)
        self._results_timer.timeout.connect(self.refresh)
        self.retranslate()
        self.new_qr()
        self._qr_timer.start()
        self._results_timer.start()
        self.resize(620, 560)

    def retranslate(self) -> None:
        self.setWindowTitle(translate("DemoCrmWindow", "Demo CRM"))
        self._title.setText(translate("DemoCrmWindow", "Demo CRM — a stand-in for your CRM"))
        self._qr_box.setTitle(translate("DemoCrmWindow", "Sign in to Softphone"))
        self._customers_box.setTitle(translate("DemoCrmWindow", "Customers"))
        self._results_box.setTitle(translate("DemoCrmWindow", "Results the CRM received"))
        for button in self.call_buttons:
            button.setText(translate("DemoCrmWindow", "Call"))
            button.setAccessibleName(translate("DemoCrmWindow", "Call this customer"))
        self.results.setHorizontalHeaderLabels(
            [
                translate("DemoCrmWindow", "Customer"),
                translate("DemoCrmWindow", "Number"),
                translate("DemoCrmWindow", "Result"),
                translate("DemoCrmWindow", "Talk time"),
            ]
        )
        self._show_qr_state()

    # -- the sign-in code --------------------------------------------------------------------

    def new_qr(self) -> None:
        self._token = self._crm.create_qr(self._username)
        image = QImage()
        image.loadFromData(qr_png(self._token))
        self._qr.setPixmap(QPixmap.fromImage(image))
        self._show_qr_state()

    def _show_qr_state(self) -> None:
        if not self._token:
            return
        used = self._crm.qr_status(self._token) == "used"
        self._qr_state.setText(
            translate("DemoCrmWindow", "Softphone signed in with this code.")
            if used
            else translate(
                "DemoCrmWindow", "Softphone finds this code on the screen and signs in by itself."
            )
        )

    # -- commands and results ----------------------------------------------------------------

    def call(self, customer: Customer) -> str:
        """Queue a call to `customer`, as the CRM's "Call" button does."""
        self._phone.push_scripts(customer.script)
        command_id = self._crm.create_command(self._username, customer.phone, note=customer.name)
        self._asked.append((command_id, customer))
        self.refresh()
        self.commandQueued.emit(command_id)
        return command_id

    def result_of(self, command_id: str) -> dict[str, Any]:
        return dict(self._crm.command(command_id)["result"])

    def refresh(self) -> None:
        self._show_qr_state()
        self.results.setRowCount(len(self._asked))
        for row, (command_id, customer) in enumerate(reversed(self._asked)):
            result = self.result_of(command_id)
            wire = result.get("call_status")
            status = _status_words(wire) if wire else translate("DemoCrmWindow", "waiting…")
            talk = result.get("call_duration_seconds")
            cells = [
                customer.name,
                shown_number(customer.phone),
                str(status),
                duration_text(talk) if talk else "",
            ]
            for column, text in enumerate(cells):
                item = self.results.item(row, column)
                if item is None:
                    self.results.setItem(row, column, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)


def _status_words(wire: str) -> str:
    try:
        return status_text(CallStatus(wire))
    except ValueError:
        return wire

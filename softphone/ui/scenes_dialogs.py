"""The dialogs' screens for `python -m softphone.ui.screenshots`: settings (a group, a refused
value, the window's options, the advanced ones), diagnostics (the CRM conversation, held back by
the CRM's limit, a refused result, the phone, the log), the support report and about.

Each scene opens its dialog through the window's own actions and returns the dialog to save.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from softphone.demo import USER
from softphone.ui.about import AboutDialog
from softphone.ui.diagnostics import DiagnosticsDialog, DiagnosticsTab
from softphone.ui.dialogs import Dialogs
from softphone.ui.screenshots import Scene, Stage
from softphone.ui.settingsdialog import GROUPS, SettingsDialog

Enter = Callable[[Stage], Awaitable[QWidget]]

RESULTS = "/api/phone/calls/update/"
PULLS = "/api/phone/calls/pull/"


def _dialogs(stage: Stage) -> Dialogs:
    found = stage.window.findChild(Dialogs, "dialogs")
    assert found is not None
    return found


def _settings_on(tab: int) -> Enter:
    async def enter(stage: Stage) -> QWidget:
        await stage.until("ready", lambda: stage.window.bridge.status.ready)
        _dialogs(stage).settings_action.trigger()
        dialog = stage.window.findChild(SettingsDialog, "settingsDialog")
        assert dialog is not None
        dialog.tabs.setCurrentIndex(tab)
        return dialog

    return enter


async def _settings_refused(stage: Stage) -> QWidget:
    _dialogs(stage).settings_action.trigger()
    dialog = stage.window.findChild(SettingsDialog, "settingsDialog")
    assert dialog is not None
    dialog.tabs.setCurrentIndex(0)
    _child(dialog, QLineEdit, "server_urlEditor").setText("crm.example.ru")
    _child(dialog, QLineEdit, "allow_plain_httpEditor").setText("crm.office.lan")
    dialog.form.rows["allow_plain_http"].edited.emit()
    dialog.save()
    await stage.until(
        "the address refused", lambda: dialog.form.rows["server_url"].error.isVisible()
    )
    return dialog


async def _settings_cancel(stage: Stage) -> None:
    dialog = stage.window.findChild(SettingsDialog, "settingsDialog")
    if dialog is not None:
        dialog.reject()


def _diagnostics_on(tab: DiagnosticsTab) -> Enter:
    async def enter(stage: Stage) -> QWidget:
        await stage.until("ready", lambda: stage.window.bridge.status.ready)
        return _open_diagnostics(stage, tab)

    return enter


def _open_diagnostics(stage: Stage, tab: DiagnosticsTab) -> DiagnosticsDialog:
    _dialogs(stage).diagnostics_action.trigger()
    dialog = stage.window.findChild(DiagnosticsDialog, "diagnosticsDialog")
    assert dialog is not None
    dialog.tabs.setCurrentIndex(tab)
    return dialog


async def _held_back(stage: Stage) -> QWidget:
    assert stage.world.crm is not None
    dialog = _open_diagnostics(stage, DiagnosticsTab.CRM)
    stage.world.crm.set_faults(fail_next=[{"path": PULLS, "status": 429, "count": 1}])
    await stage.until("held back", lambda: stage.window.bridge.status.sync.rate_limited, 40)
    await stage.until("a countdown", lambda: dialog.budget.seconds_left() > 1, 10)
    return dialog


async def _limit_over(stage: Stage) -> None:
    await stage.until(
        "requests again", lambda: not stage.window.bridge.status.sync.rate_limited, 90
    )


async def _refused_result(stage: Stage) -> QWidget:
    assert stage.world.crm is not None
    stage.world.crm.set_faults(fail_next=[{"path": RESULTS, "status": 404, "count": 1}])
    stage.world.crm.create_command(USER, "+79123456704")
    await stage.until("a refused result", lambda: bool(stage.window.bridge.status.dead_letters), 60)
    dialog = _open_diagnostics(stage, DiagnosticsTab.RESULTS)
    view = dialog.outbox.dead
    await stage.until("the refused result listed", lambda: view.topLevelItemCount() > 0)
    first = view.topLevelItem(0)
    assert first is not None
    first.setSelected(True)
    return dialog


async def _discard_refused(stage: Stage) -> None:
    for item in stage.engine.dead_letters():
        await stage.engine.discard_dead(item.id)


async def _support(stage: Stage) -> QWidget:
    dialog = _open_diagnostics(stage, DiagnosticsTab.SUPPORT)
    dialog.support.comment.setPlainText("The 10:40 call dropped after a minute.")
    _child(dialog.support, QPushButton, "supportPreviewButton").click()
    return dialog


async def _support_close(stage: Stage) -> None:
    dialog = stage.window.findChild(DiagnosticsDialog, "diagnosticsDialog")
    if dialog is not None:
        _child(dialog.support, QPushButton, "supportPreviewButton").click()
        dialog.support.comment.clear()


async def _about(stage: Stage) -> QWidget:
    _dialogs(stage).about_action.trigger()
    dialog = stage.window.findChild(AboutDialog, "aboutDialog")
    assert dialog is not None
    return dialog


SCENES: list[Scene] = [
    *(
        Scene(f"settings-{group.value}", _settings_on(index), _settings_cancel)
        for index, group in enumerate(GROUPS)
    ),
    Scene("settings-refused", _settings_refused, _settings_cancel),
    Scene("diagnostics-held-back", _held_back, _limit_over),
    Scene("diagnostics-refused-result", _refused_result, _discard_refused),
    Scene("diagnostics-crm", _diagnostics_on(DiagnosticsTab.CRM)),  # pulls to show by now
    Scene("diagnostics-phone", _diagnostics_on(DiagnosticsTab.PHONE)),
    Scene("diagnostics-log", _diagnostics_on(DiagnosticsTab.LOG)),
    Scene("support-report", _support, _support_close),
    Scene("about", _about),
]


_W = TypeVar("_W", bound=QWidget)


def _child(parent: QWidget, kind: type[_W], name: str) -> _W:
    found = parent.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} {name}"
    return found

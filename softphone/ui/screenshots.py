"""Pictures of every screen, for people to look at: `python -m softphone.ui.screenshots DIR`.

Runs the real window against the demo's world (simulated CRM and phones behind a private adb
server, a throw-away home), brings it into each state a screen has — sign-in, phone guidance,
ready, on a call, the confirm card, held back by the CRM's limit, and what other modules add to
`SCENES` — and saves each in English and Russian, at the window's default size and at
1366×768. Offscreen unless a display is given (`xvfb-run -a python -m softphone.ui.screenshots`).

It also checks what a picture can hide: any label or button whose text does not fit its widget
(by font metrics) is reported, and the command exits non-zero when there is one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ADB_USB", "0")

import qasync
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from softphone.demo import USER, World
from softphone.engine import Engine
from softphone.sim.phone import CallScript, SimPhone
from softphone.ui import i18n
from softphone.ui.app import build_window
from softphone.ui.mainwindow import DEFAULT_SIZE, MainWindow

__all__ = ["SCENES", "Scene", "Stage", "overflows"]

SIZES = {"default": DEFAULT_SIZE, "1366x768": (1366, 768)}


@dataclasses.dataclass
class Stage:
    """What a scene works with: the world, the desk's engine, its window, the main phone."""

    world: World
    engine: Engine
    window: MainWindow
    phone: SimPhone

    async def until(self, what: str, check: Callable[[], Any], within: float = 20) -> Any:
        deadline = time.monotonic() + within
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"the window never reached: {what}")
            await asyncio.sleep(0.05)


@dataclasses.dataclass(frozen=True)
class Scene:
    """One screen: `enter` brings the window (or a dialog) into it and returns what to save;
    `leave` puts things back for the next scene."""

    name: str
    enter: Callable[[Stage], Awaitable[QWidget]]
    leave: Callable[[Stage], Awaitable[None]] | None = None


async def _sign_in(stage: Stage) -> QWidget:
    await stage.until("the sign-in page", lambda: stage.window.page == "sign_in")
    return stage.window


async def _signed_in(stage: Stage) -> None:
    assert stage.world.crm is not None
    await stage.engine.login_qr(stage.world.crm_url, stage.world.crm.create_qr(USER))
    await stage.until("ready", lambda: stage.window.bridge.status.ready)


async def _phone_state(stage: Stage, **phone: Any) -> SimPhone:
    wanted = "unauthorized" if phone.get("auth") == "reject" else "device"
    other = await stage.world.add_phone(wanted=wanted, model="Redmi Note 12", **phone)
    await stage.engine.choose_phone(other.serial)
    return other


async def _back_to_main_phone(stage: Stage) -> None:
    await stage.engine.choose_phone(stage.phone.serial)
    for other in [p for p in stage.world.phones if p is not stage.phone]:
        await stage.world.remove_phone(other)
    await stage.until("the main phone again", lambda: stage.window.bridge.status.ready)
    stage.window._phone_back()


async def _unauthorized(stage: Stage) -> QWidget:
    await _phone_state(stage, auth="reject")
    await stage.until(
        "the USB debugging prompt",
        lambda: (
            stage.window.bridge.status.phone.state == "unauthorized"
            and stage.window.page == "phone"
        ),
    )
    return stage.window


async def _several(stage: Stage) -> QWidget:
    await stage.world.add_phone(model="Redmi Note 12")
    await stage.engine.choose_phone("")
    await stage.until(
        "two phones to choose from", lambda: stage.window.bridge.status.phone.state == "several"
    )
    return stage.window


async def _call_log_denied(stage: Stage) -> QWidget:
    await _phone_state(stage, calllog="denied", input="blocked", manufacturer="Xiaomi")
    await stage.until(
        "the phone's problems",
        lambda: stage.window.bridge.status.ready and stage.window.bridge.status.phone.problems,
    )
    stage.window.strip._act()  # the strip's "How to fix"
    await stage.until("phone guidance", lambda: stage.window.page == "phone")
    return stage.window


async def _ready(stage: Stage) -> QWidget:
    await stage.until("ready", lambda: stage.window.bridge.status.ready)
    return stage.window


async def _on_a_call(stage: Stage) -> QWidget:
    assert stage.world.crm is not None
    stage.phone.push_scripts(CallScript(ring_s=0.5, outcome="answered", talk_s=30.0))
    stage.world.crm.create_command(USER, "+79123456701")
    stage.world.crm.create_command(USER, "+79123456702")
    await stage.until("on the call", lambda: stage.window.current_call.isVisible())
    await asyncio.sleep(2.2)  # the timer shows a few seconds
    return stage.window


async def _hang_up(stage: Stage) -> None:
    stage.window.hang_up()
    await stage.until(
        "the queue done",
        lambda: (
            not stage.window.bridge.status.current_call and not stage.window.bridge.status.waiting
        ),
        60,
    )


async def _confirm(stage: Stage) -> QWidget:
    assert stage.world.crm is not None
    await stage.engine.set_auto_dial(False)
    stage.world.crm.create_command(USER, "+79123456703", note="Ivanov, order 1834")
    await stage.until("the confirm card", lambda: stage.window.confirm_card.isVisible())
    return stage.window


async def _dismiss(stage: Stage) -> None:
    entry = stage.window.confirm_card.entry
    if entry is not None:
        await stage.engine.dismiss(entry.id)
    await stage.engine.set_auto_dial(True)


async def _rate_limited(stage: Stage) -> QWidget:
    assert stage.world.crm is not None
    stage.world.crm.set_faults(
        fail_next=[{"path": "/api/phone/calls/pull/", "status": 429, "count": 3}]
    )
    await stage.until("held back", lambda: stage.window.bridge.status.sync.rate_limited, 30)
    return stage.window


async def _limit_over(stage: Stage) -> None:
    await stage.until(
        "requests again", lambda: not stage.window.bridge.status.sync.rate_limited, 90
    )


#: The screens, in the order they are taken: the window's own, then the history's and the
#: dialogs' (each list lives beside the screens it shows).
SCENES: list[Scene] = [
    Scene("sign-in", _sign_in),
    Scene("ready", _ready),
    Scene("phone-unauthorized", _unauthorized, _back_to_main_phone),
    Scene("phone-several", _several, _back_to_main_phone),
    Scene("phone-call-log-denied", _call_log_denied, _back_to_main_phone),
    Scene("on-a-call", _on_a_call, _hang_up),
    Scene("confirm-card", _confirm, _dismiss),
    Scene("rate-limited", _rate_limited, _limit_over),
]


def _all_scenes() -> list[Scene]:
    from softphone.ui import scenes_dialogs, scenes_history

    return [*SCENES, *scenes_history.SCENES, *scenes_dialogs.SCENES]


#: Scenes after which the desk is signed in (the rest need no session, or make their own).
_SIGN_IN_AFTER = "sign-in"


def overflows(root: QWidget) -> list[str]:
    """Visible labels and buttons whose text does not fit their widget (by font metrics)."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 1:
            continue
        text = ""
        needed = 0
        metrics = widget.fontMetrics()
        if isinstance(widget, QLabel) and not widget.wordWrap() and widget.text():
            if widget.textFormat() == widget.textFormat().RichText or "<" in widget.text():
                continue
            text = widget.text()
            if widget.buddy() is not None:  # "&Name:" shows as "Name:" with a mnemonic
                text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
            lines = text.splitlines() or [""]
            needed = max(metrics.horizontalAdvance(line) for line in lines)
            needed += widget.contentsMargins().left() + widget.contentsMargins().right()
            needed += 2 * widget.margin() + (widget.indent() if widget.indent() > 0 else 0)
        elif isinstance(widget, (QPushButton, QToolButton, QCheckBox)) and widget.text():
            text = widget.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            needed = _button_width(widget, text)
        if text and needed > widget.width() + 1:
            name = widget.objectName() or type(widget).__name__
            found.append(f"{name}: {text!r} needs {needed}px, has {widget.width()}px")
    return found


def _button_width(button: QAbstractButton, text: str) -> int:
    """What the button needs to show its whole text: its style's size hint for that text."""
    return int(button.sizeHint().width())


async def _save(widget: QWidget, folder: Path, language: str, scene: str) -> list[str]:
    problems = []
    for label, (width, height) in SIZES.items():
        if isinstance(widget, MainWindow) or widget.isWindow():
            widget.resize(width, height)
        # Let Qt lay out and paint (never processEvents() inside a task: it would run other
        # tasks from within this one).
        await asyncio.sleep(0.15)
        target = folder / f"{language}-{scene}-{label}.png"
        widget.grab().save(str(target))
        problems += [f"{target.name}: {line}" for line in overflows(widget)]
    return problems


async def take(folder: Path, languages: tuple[str, ...] = ("en", "ru")) -> list[str]:
    """Save every scene in each language; returns the overflow reports."""
    problems: list[str] = []
    for language in languages:
        i18n.install(language)
        world = World("seed")
        await world.start()
        engine: Engine | None = None
        try:
            phone = await world.add_phone()
            engine = world.engine()
            await engine.start()
            window = build_window(engine, tray_available=False)
            window.show()
            stage = Stage(world, engine, window, phone)
            for scene in _all_scenes():
                widget = await scene.enter(stage)
                problems += await _save(widget, folder, language, scene.name)
                print(f"{language}: {scene.name}", flush=True)
                if scene.leave is not None:
                    await scene.leave(stage)
                if widget is not window:
                    widget.close()
                if scene.name == _SIGN_IN_AFTER:
                    await _signed_in(stage)
            window.bridge.detach()
            window.hide()
        finally:
            if engine is not None:
                await engine.stop()
            await world.stop()
    return problems


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        problems = loop.run_until_complete(take(folder))
    for line in problems:
        print(f"does not fit: {line}")
    print(f"{len(list(folder.glob('*.png')))} pictures in {folder}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

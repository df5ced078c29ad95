"""The history's and the dial bar's screens for `python -m softphone.ui.screenshots` (issue 11
fills this list: the full history, filtered, a call's details, an export in progress)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softphone.ui.screenshots import Scene

SCENES: list[Scene] = []

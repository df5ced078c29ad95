"""The dialogs' screens for `python -m softphone.ui.screenshots` (issue 12 fills this list:
settings, diagnostics, the support report, about)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softphone.ui.screenshots import Scene

SCENES: list[Scene] = []

"""The architecture's seams, checked on the source: Qt only in `softphone/ui/`, simulators alone."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "softphone"
QT = ("PySide6", "shiboken6", "qasync")


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def test_qt_is_imported_only_in_the_ui_package() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        for name in imported_modules(path)
        if name.split(".")[0] in QT
    ]
    assert offenders == []


def test_simulators_import_nothing_from_the_client() -> None:
    # A stand-in that shared the client's code would share its bugs and hide them.
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "sim").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] == "softphone" and not name.startswith("softphone.sim")
    ]
    assert offenders == []

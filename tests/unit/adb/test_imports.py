"""The adb package's seam, checked on the source: it never reaches up into the desk."""

from __future__ import annotations

import ast
from pathlib import Path

ADB = Path(__file__).resolve().parents[3] / "softphone" / "adb"
ALLOWED_MODULES = (
    "softphone.adb",
    "softphone.problems",
    "softphone.model",
    "softphone.numbers",
    "softphone.masking",
)


def softphone_imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return [name for name in names if name.split(".")[0] in ("softphone", "PySide6", "qasync")]


def test_adb_imports_only_the_vocabulary_below_it() -> None:
    offenders = [
        f"{path.name}: {name}"
        for path in sorted(ADB.glob("*.py"))
        for name in softphone_imports(path)
        if not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED_MODULES)
    ]
    assert offenders == []


def test_the_seam_check_sees_the_imports_it_guards() -> None:
    assert "softphone.masking" in softphone_imports(ADB / "bridge.py")

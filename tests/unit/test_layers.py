"""The architecture's seams (`shared/design/architecture.md`), checked on the source.

- the pure core (vocabulary and rules) imports no I/O, no asyncio, no Qt;
- `sync/` and `adb/` never import each other, the flow, the engine or the UI;
- `sim/` imports nothing of softphone outside `sim/` (a stand-in that shared the client's code
  would share its bugs);
- Qt only in `ui/`;
- the engine's parts are private: nothing outside `engine.py` reaches `engine._store`,
  `._link`, `._phone`, `._flow` or `._bridge`, and the engine has no public attribute by
  those names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from softphone.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "softphone"
QT = ("PySide6", "shiboken6", "qasync")
PURE_CORE = ("model.py", "numbers.py", "correlate.py", "masking.py", "problems.py")
#: What a pure module may not import: anything that does I/O, waits, or draws.
IMPURE = (
    "asyncio",
    "socket",
    "sqlite3",
    "subprocess",
    "httpx",
    "adbutils",
    "keyring",
    "platformdirs",
    "os",
    "pathlib",
    "softphone.store",
    "softphone.sync",
    "softphone.adb",
    "softphone.engine",
    "softphone.flow",
    "softphone.ui",
    *QT,
)
ENGINE_PARTS = ("_store", "_link", "_phone", "_flow", "_bridge")


def imported_modules(path: Path) -> list[str]:
    """Absolute names of everything a file imports (relative imports resolved)."""
    names: list[str] = []
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def sources(folder: Path = PACKAGE) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
    ]


def test_qt_is_imported_only_in_the_ui_package() -> None:
    outside_ui = [p for p in sources() if p.relative_to(PACKAGE).parts[0] != "ui"]
    assert offenders(outside_ui, QT) == []


@pytest.mark.parametrize("module", PURE_CORE)
def test_the_pure_core_does_no_io(module: str) -> None:
    assert offenders([PACKAGE / module], IMPURE) == []


def test_sync_and_adb_never_import_each_other_or_anything_above_them() -> None:
    above = ("softphone.flow", "softphone.engine", "softphone.phone", "softphone.ui")
    sync = sources(PACKAGE / "sync")
    adb = sources(PACKAGE / "adb")
    assert offenders(sync, ("softphone.adb", *above, *QT)) == []
    assert offenders(adb, ("softphone.sync", *above, *QT)) == []


def test_the_stand_ins_import_nothing_of_the_client() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources(PACKAGE / "sim")
        for name in imported_modules(path)
        if name.startswith("softphone") and not name.startswith("softphone.sim")
    ]
    assert found == []


def test_nothing_outside_the_engine_reaches_its_parts() -> None:
    reached = []
    for path in [
        *sources(),
        *sorted((ROOT / "tests").rglob("*.py")),
        *sources(ROOT / "benchmarks"),
    ]:
        if path == PACKAGE / "engine.py" or path == Path(__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ENGINE_PARTS:
                target = ast.unparse(node.value)
                if "engine" in target.lower():
                    reached.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert reached == []


def test_the_engine_has_no_public_parts() -> None:
    public = {name.lstrip("_") for name in ENGINE_PARTS} | {"settings_", "paths_"}
    exposed = {name for name in dir(Engine) if not name.startswith("_")}
    assert exposed & public == set()

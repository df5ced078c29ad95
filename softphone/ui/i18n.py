"""The window's languages: which one to use, loading its translation, and keeping the catalogue.

English is the source language (the strings in the code); Russian is the operators' language.
Every visible string goes through Qt's translation (`self.tr(…)` in widgets,
`translate("Context", …)` elsewhere). The catalogue is one `.ts` file per UI module under
`softphone/resources/i18n/` (so two people translating two screens never edit the same file),
compiled together into `softphone_ru.qm`, which ships in the package. The settings' titles and
help live in `softphone/config.py` (which may not import Qt) marked with `QT_TRANSLATE_NOOP`
calls found by name; they are catalogued into `config_ru.ts` (context "Settings").

    python -m softphone.ui.i18n update    # add new strings to the .ts files (own extractor)
    python -m softphone.ui.i18n release   # lrelease: compile them into softphone_ru.qm
    python -m softphone.ui.i18n check     # what a test checks: nothing new, nothing unfinished

Which language: `SOFTPHONE_LANG` (ru|en) if set, else the settings' `language`, else the
system's (Russian on a Russian system, English otherwise).
"""

from __future__ import annotations

import ast
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Final

import PySide6
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

__all__ = [
    "CATALOGUE",
    "LANGUAGES",
    "QM_FILE",
    "check",
    "choose_language",
    "fill",
    "install",
    "release",
    "update",
]

LANGUAGES: Final = ("en", "ru")
PACKAGE: Final = Path(__file__).resolve().parents[1]
UI: Final = PACKAGE / "ui"
CATALOGUE: Final = PACKAGE / "resources" / "i18n"
QM_FILE: Final = CATALOGUE / "softphone_ru.qm"
#: Modules outside `ui/` whose strings are marked with QT_TRANSLATE_NOOP (the settings' titles).
MARKED_ELSEWHERE: Final = (PACKAGE / "config.py",)
#: UI modules with no strings of their own (tools, not screens).
_NO_STRINGS: Final = frozenset(
    {"__init__", "i18n", "main", "screenshots", "scenes_history", "scenes_dialogs"}
)

_installed: list[QTranslator] = []


def choose_language(setting: str = "") -> str:
    """ru or en: `SOFTPHONE_LANG`, else the setting, else the system's language."""
    for wish in (os.environ.get("SOFTPHONE_LANG", ""), setting):
        wish = wish.strip().lower()[:2]
        if wish in LANGUAGES:
            return wish
    return "ru" if QLocale.system().language() == QLocale.Language.Russian else "en"


def install(language: str) -> str:
    """Load the translation for `language` into the application (none for English), and make
    dates, numbers and list separators follow that language too (the system's own locale when
    it speaks it: its date order and separators)."""
    app = QCoreApplication.instance()
    assert app is not None, "create the QApplication first"
    QLocale.setDefault(_locale(language))
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if language == "ru":
        translator = QTranslator(app)
        if translator.load(str(QM_FILE)):
            app.installTranslator(translator)
            _installed.append(translator)
        qt_base = QTranslator(app)  # Qt's own dialogs' buttons (OK, Cancel…)
        translations = Path(PySide6.__file__).parent / "Qt" / "translations"
        if qt_base.load("qtbase_ru", str(translations)):
            app.installTranslator(qt_base)
            _installed.append(qt_base)
    return language


def _locale(language: str) -> QLocale:
    system = QLocale.system()
    wanted = QLocale.Language.Russian if language == "ru" else QLocale.Language.English
    if system.language() == wanted:
        return system
    if language == "ru":
        return QLocale(QLocale.Language.Russian, QLocale.Country.Russia)
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


# -- the catalogue -----------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = Path(PySide6.__file__).parent / name
    if found.exists():
        return str(found)
    on_path = shutil.which(f"pyside6-{name}")
    if on_path is None:
        raise FileNotFoundError(f"Qt's {name} is not installed (it comes with PySide6)")
    return on_path


def modules() -> list[Path]:
    """The modules whose strings are translated: the UI's, and the settings' titles."""
    return [*sorted(p for p in UI.glob("*.py") if p.stem not in _NO_STRINGS), *MARKED_ELSEWHERE]


def ts_file(module: Path, folder: Path = CATALOGUE) -> Path:
    return folder / f"{module.stem}_ru.ts"


@dataclasses.dataclass(frozen=True)
class Message:
    """One string to translate: its context, its English source, and whether it has plurals."""

    context: str
    source: str
    numerus: bool


def extract(module: Path) -> list[Message]:
    """The strings a module marks for translation, in order, each once.

    Our own reading of the source (not Qt's lupdate, whose Python parser differs between Qt
    releases — 6.11's sees no plural forms): `translate("Context", "text"[, disambiguation,
    n])`, `QT_TRANSLATE_NOOP("Context", "text")` and `self.tr("text"[, disambiguation, n])`
    (context: the class). Only literal strings count; anything else is no catalogue entry.
    """
    found: dict[tuple[str, str], Message] = {}

    def literal(node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    def visit(node: ast.AST, cls: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Call):
                func = child.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                plural = any(k.arg == "n" for k in child.keywords)
                message: Message | None = None
                if name in ("translate", "QT_TRANSLATE_NOOP") and len(child.args) >= 2:
                    context, source = literal(child.args[0]), literal(child.args[1])
                    if context is not None and source is not None:
                        message = Message(context, source, plural or len(child.args) >= 4)
                elif name == "tr" and cls is not None and child.args:
                    source = literal(child.args[0])
                    if source is not None:
                        message = Message(cls, source, plural or len(child.args) >= 3)
                if message is not None:
                    found.setdefault((message.context, message.source), message)
            visit(child, cls)

    visit(ast.parse(module.read_text(encoding="utf-8")), None)
    return list(found.values())


def _read(ts: Path) -> dict[tuple[str, str], ET.Element]:
    """(context, source) → the <translation> element of an existing catalogue file."""
    if not ts.exists():
        return {}
    root = ET.parse(ts).getroot()  # noqa: S314 - our own catalogue
    known = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is not None:
                known[(name, message.findtext("source") or "")] = translation
    return known


def write_ts(target: Path, messages: list[Message]) -> None:
    """The catalogue file for these messages, keeping every translation it already had (a
    string gone from the code leaves it)."""
    old = _read(target)
    root = ET.Element("TS", {"version": "2.1", "language": "ru", "sourcelanguage": "en"})
    contexts: dict[str, ET.Element] = {}
    for message in messages:
        context = contexts.get(message.context)
        if context is None:
            context = ET.SubElement(root, "context")
            ET.SubElement(context, "name").text = message.context
            contexts[message.context] = context
        element = ET.SubElement(context, "message", {"numerus": "yes"} if message.numerus else {})
        ET.SubElement(element, "source").text = message.source
        had = old.get((message.context, message.source))
        translation = ET.SubElement(element, "translation")
        forms = [f.text or "" for f in had.findall("numerusform")] if had is not None else []
        text = (had.text or "") if had is not None else ""
        if message.numerus:
            forms = forms or ([text] * 3 if text else [])
            for form in forms or ["", "", ""]:
                ET.SubElement(translation, "numerusform").text = form
            finished = len(forms) == 3 and all(f.strip() for f in forms)
        else:
            translation.text = text or (forms[0] if forms else "")
            finished = bool((translation.text or "").strip())
        if not finished or (had is not None and had.get("type") == "unfinished"):
            translation.set("type", "unfinished")
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    target.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )


def update(folder: Path = CATALOGUE) -> list[Path]:
    """Write each module's .ts file from its source (new strings are added unfinished; strings
    gone from the code are dropped). Returns the .ts files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for module in modules():
        target = ts_file(module, folder)
        messages = extract(module)
        if messages:
            write_ts(target, messages)
            written.append(target)
        elif target.exists():
            target.unlink()
    return written


def release(folder: Path = CATALOGUE, target: Path = QM_FILE) -> Path:
    """Compile every .ts file into the one .qm the app loads."""
    files = sorted(str(p) for p in folder.glob("*_ru.ts"))
    subprocess.run([_tool("lrelease"), "-silent", *files, "-qm", str(target)], check=True)
    return target


def _messages(ts: Path) -> list[ET.Element]:
    if not ts.exists():
        return []
    return list(ET.parse(ts).getroot().iter("message"))  # noqa: S314 - our own catalogue


def unfinished(ts: Path) -> list[str]:
    """Source strings of `ts` without a finished translation."""
    missing = []
    for message in _messages(ts):
        translation = message.find("translation")
        source = message.findtext("source") or ""
        if translation is None or translation.get("type") in ("unfinished", "vanished"):
            missing.append(source)
            continue
        forms = translation.findall("numerusform")
        texts = [f.text for f in forms] if forms else [translation.text]
        if not all(text and text.strip() for text in texts):
            missing.append(source)
    return missing


def fill(ts: Path, translations: dict[str, str | list[str]]) -> int:
    """Write translations into a .ts file (source → text, or the three Russian plural forms
    for a `%n` string); returns how many were filled. For translators and helper scripts."""
    tree = ET.parse(ts)  # noqa: S314 - our own catalogue
    filled = 0
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        if source not in translations:
            continue
        wanted = translations[source]
        translation = message.find("translation")
        if translation is None:
            translation = ET.SubElement(message, "translation")
        translation.attrib.pop("type", None)
        for child in list(translation):
            translation.remove(child)
        if message.get("numerus") == "yes":
            forms = wanted if isinstance(wanted, list) else [wanted] * 3
            translation.text = None
            for form in forms:
                ET.SubElement(translation, "numerusform").text = form
        else:
            translation.text = wanted if isinstance(wanted, str) else wanted[0]
        filled += 1
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return filled


def check() -> list[str]:
    """What is wrong with the catalogue: strings in the code that it lacks or has unfinished,
    files of modules that no longer have strings, and a .qm that does not say what the .ts
    files say (compared by what it translates, not by its bytes: lrelease's output differs
    between Qt releases). Empty when all is well."""
    problems: list[str] = []
    expected = {ts_file(m).name: extract(m) for m in modules()}
    expected = {name: found for name, found in expected.items() if found}
    for name, messages in expected.items():
        committed = CATALOGUE / name
        if not committed.exists():
            problems.append(f"{name}: missing (run `python -m softphone.ui.i18n update`)")
            continue
        have = _read(committed)
        left = set(unfinished(committed))
        for message in messages:
            key = (message.context, message.source)
            if key not in have:
                problems.append(f"{name}: not in the catalogue: {message.source!r}")
            elif message.source in left:
                problems.append(f"{name}: not translated: {message.source!r}")
            elif message.numerus != bool(have[key].findall("numerusform")):
                problems.append(f"{name}: plural forms wrong for {message.source!r}")
    for stray in sorted(p.name for p in CATALOGUE.glob("*_ru.ts")):
        if stray not in expected:
            problems.append(f"{stray}: its module has no strings (run `update`)")
    with tempfile.TemporaryDirectory() as scratch:
        compiled = release(CATALOGUE, Path(scratch) / "check.qm")
        problems += _differences(QM_FILE, compiled, expected)
    return problems


def _differences(shipped: Path, fresh: Path, expected: dict[str, list[Message]]) -> list[str]:
    ours, theirs = QTranslator(), QTranslator()
    if not shipped.exists() or not ours.load(str(shipped)) or not theirs.load(str(fresh)):
        return [f"{QM_FILE.name} is missing or unreadable (run `release`)"]
    for messages in expected.values():
        for message in messages:
            for n in (1, 2, 5, 21) if message.numerus else (-1,):
                got = ours.translate(message.context, message.source, None, n)
                want = theirs.translate(message.context, message.source, None, n)
                if got != want:
                    return [f"{QM_FILE.name} is not the compiled catalogue (run `release`)"]
    return []


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        for path in update():
            left = unfinished(path)
            print(f"{path.name}: {len(left)} to translate" if left else f"{path.name}: complete")
        return 0
    if command == "release":
        print(release())
        return 0
    problems = check()
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

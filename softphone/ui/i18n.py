"""The window's languages: which one to use, loading its translation, and keeping the catalogue.

English is the source language (the strings in the code); Russian is the operators' language.
Every visible string goes through Qt's translation (`self.tr(…)` in widgets,
`translate("Context", …)` elsewhere). The catalogue is one `.ts` file per UI module under
`softphone/resources/i18n/` (so two people translating two screens never edit the same file),
compiled together into `softphone_ru.qm`, which ships in the package.

    python -m softphone.ui.i18n update    # lupdate: add new strings to the .ts files
    python -m softphone.ui.i18n release   # lrelease: compile them into softphone_ru.qm
    python -m softphone.ui.i18n check     # what a test checks: nothing new, nothing unfinished

Which language: `SOFTPHONE_LANG` (ru|en) if set, else the settings' `language`, else the
system's (Russian on a Russian system, English otherwise).
"""

from __future__ import annotations

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
    """The UI modules whose strings are translated."""
    return sorted(p for p in UI.glob("*.py") if p.stem not in _NO_STRINGS)


def ts_file(module: Path, folder: Path = CATALOGUE) -> Path:
    return folder / f"{module.stem}_ru.ts"


def update(folder: Path = CATALOGUE) -> list[Path]:
    """Run lupdate for each module into its .ts file (new strings are added unfinished;
    strings gone from the code are dropped). Returns the .ts files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for module in modules():
        target = ts_file(module, folder)
        subprocess.run(
            [
                _tool("lupdate"),
                str(module),
                "-ts",
                str(target),
                "-target-language",
                "ru",
                "-source-language",
                "en",
                "-locations",
                "none",
                "-no-obsolete",
                "-silent",
            ],
            check=True,
        )
        if _messages(target):
            written.append(target)
        else:
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
    """What is wrong with the catalogue: strings in the code that it lacks, strings it has
    unfinished, and a .qm that is not the compiled .ts. Empty when all is well."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch)
        for ts in CATALOGUE.glob("*_ru.ts"):
            shutil.copy(ts, fresh / ts.name)
        update(fresh)
        for ts in sorted(fresh.glob("*_ru.ts")):
            committed = CATALOGUE / ts.name
            if not committed.exists():
                problems.append(f"{ts.name}: missing (run `python -m softphone.ui.i18n update`)")
                continue
            new = {m.findtext("source") or "" for m in _messages(ts)} - {
                m.findtext("source") or "" for m in _messages(committed)
            }
            problems += [f"{ts.name}: not in the catalogue: {text!r}" for text in sorted(new)]
            problems += [f"{ts.name}: not translated: {text!r}" for text in unfinished(ts)]
        compiled = release(CATALOGUE, fresh / "check.qm")
        if not QM_FILE.exists() or QM_FILE.read_bytes() != compiled.read_bytes():
            problems.append(f"{QM_FILE.name} is not the compiled catalogue (run `release`)")
    return problems


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

"""Putting Softphone on a Linux desk: the desktop entry, the icon and the `tel:` link handler,
for this user only (no root): `softphone install-desktop`.

It follows the freedesktop specifications: the entry goes to `$XDG_DATA_HOME/applications`, the
icon to the hicolor theme under `$XDG_DATA_HOME/icons`, and `tel:` links are sent to Softphone
by a `x-scheme-handler/tel` line in `$XDG_CONFIG_HOME/mimeapps.list` (what `xdg-mime default`
writes). Whatever else the user's mimeapps.list holds is kept.

No Qt here: the files are text and one SVG shipped in the package.
"""

from __future__ import annotations

import configparser
import io
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["DESKTOP_ID", "Installed", "desktop_entry", "install", "launcher", "uninstall"]

DESKTOP_ID: Final = "softphone.desktop"
RESOURCES: Final = Path(__file__).resolve().parent / "resources"
TEL_SCHEME: Final = "x-scheme-handler/tel"


@dataclass(frozen=True)
class Installed:
    entry: Path
    icon: Path
    mimeapps: Path


def _xdg(name: str, default: str) -> Path:
    value = os.environ.get(name, "")
    return Path(value) if value else Path.home() / default


def launcher() -> str:
    """The command that starts this installation's Softphone (its `softphone` script beside
    this interpreter, else on PATH, else `python -m softphone`)."""
    beside = Path(sys.executable).with_name("softphone")
    if beside.exists():
        return str(beside)
    found = shutil.which("softphone")
    if found:
        return found
    return f"{shlex.quote(sys.executable)} -m softphone"


def desktop_entry(command: str, *, extra_args: str = "%u") -> str:
    """The shipped desktop entry, with its Exec pointing at `command`."""
    template = (RESOURCES / "softphone.desktop").read_text(encoding="utf-8")
    exec_line = f"Exec={command} {extra_args}".rstrip()
    return (
        "\n".join(exec_line if line.startswith("Exec=") else line for line in template.splitlines())
        + "\n"
    )


def install(command: str | None = None) -> Installed:
    """Write the entry and the icon and make Softphone the user's `tel:` handler."""
    data = _xdg("XDG_DATA_HOME", ".local/share")
    config = _xdg("XDG_CONFIG_HOME", ".config")
    entry = data / "applications" / DESKTOP_ID
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(command or launcher()), encoding="utf-8")
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "softphone.svg"
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RESOURCES / "icons" / "softphone.svg", icon)
    mimeapps = config / "mimeapps.list"
    _set_default(mimeapps, TEL_SCHEME, DESKTOP_ID)
    _refresh(entry.parent)
    return Installed(entry, icon, mimeapps)


def uninstall() -> list[Path]:
    """Remove what `install` wrote (the handler line only if it still names Softphone)."""
    data = _xdg("XDG_DATA_HOME", ".local/share")
    config = _xdg("XDG_CONFIG_HOME", ".config")
    removed = []
    for path in (
        data / "applications" / DESKTOP_ID,
        data / "icons" / "hicolor" / "scalable" / "apps" / "softphone.svg",
    ):
        if path.exists():
            path.unlink()
            removed.append(path)
    mimeapps = config / "mimeapps.list"
    if _set_default(mimeapps, TEL_SCHEME, None, only_if=DESKTOP_ID):
        removed.append(mimeapps)
    return removed


def _set_default(
    mimeapps: Path, mime: str, desktop_id: str | None, *, only_if: str | None = None
) -> bool:
    """Set (or, with None, remove) `mime`'s default application; True if the file changed."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    if mimeapps.exists():
        parser.read(mimeapps, encoding="utf-8")
    section = "Default Applications"
    if not parser.has_section(section):
        parser.add_section(section)
    current = parser.get(section, mime, fallback=None)
    if only_if is not None and current != only_if:
        return False
    if desktop_id is None:
        if current is None:
            return False
        parser.remove_option(section, mime)
    else:
        parser.set(section, mime, desktop_id)
    mimeapps.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    parser.write(buffer, space_around_delimiters=False)
    mimeapps.write_text(buffer.getvalue(), encoding="utf-8")
    return True


def _refresh(applications: Path) -> None:
    """Let the desktop notice the new entry now (best effort: the tool may be absent)."""
    tool = shutil.which("update-desktop-database")
    if tool:
        subprocess.run([tool, str(applications)], check=False, capture_output=True, timeout=30)

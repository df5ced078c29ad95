"""Starting Softphone when the operator signs in to the computer (the `start_at_login` setting).

- Linux and other XDG desktops: an autostart entry, `$XDG_CONFIG_HOME/autostart/softphone.desktop`
  (`~/.config/autostart/` when the variable is unset or not absolute), as the XDG Autostart
  specification says; removing the file turns it off.
- Windows: the value `Softphone` under `HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\
  CurrentVersion\\Run`, holding the command line.
- macOS: not done by the program (a login item needs a signed app bundle and the Service
  Management framework). The operator adds Softphone in System Settings → General → Login
  Items; `supported()` is False there, and the settings dialog says so instead of offering a
  box that would do nothing.

What starts is the window (`python -m softphone`, or the frozen executable), minimised to the
tray if the settings say so. No Qt here: the settings dialog calls `apply` when the setting
changes.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = [
    "ENTRY_NAME",
    "apply",
    "command",
    "desktop_entry",
    "is_enabled",
    "linux_entry",
    "supported",
]

ENTRY_NAME: Final = "softphone.desktop"
RUN_KEY: Final = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE: Final = "Softphone"
_RESERVED: Final = " \t\n\"'\\><~|&;$*?#()`"


def supported(platform: str = sys.platform) -> bool:
    """Whether the program can turn starting at login on and off here (not on macOS)."""
    return platform != "darwin"


def command() -> list[str]:
    """The command line that starts the window: the frozen executable, or this Python with
    `-m softphone` (right for a virtualenv as for a system install)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "softphone"]


def linux_entry(env: Mapping[str, str] | None = None) -> Path:
    """Where the XDG autostart entry goes: `$XDG_CONFIG_HOME/autostart/softphone.desktop`."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME", "")
    config = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return config / "autostart" / ENTRY_NAME


def _exec_quoted(argument: str) -> str:
    """One argument of a desktop entry's Exec key, quoted as the Desktop Entry specification
    says: reserved characters inside double quotes, `"`, `` ` `` and `$` escaped with a
    backslash, a backslash written as four (the string escape applies before the quoting
    rule), and `%` doubled (it starts a field code)."""
    argument = argument.replace("%", "%%")
    if argument and not any(c in argument for c in _RESERVED):
        return argument
    quoted = argument.replace("\\", "\\\\\\\\")
    for char in '"`$':
        quoted = quoted.replace(char, "\\" + char)
    return f'"{quoted}"'


def desktop_entry(argv: list[str]) -> str:
    """The autostart entry's text for this command line."""
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Name=Softphone",
            "Comment=Takes the CRM's call commands and places them on the phone",
            "Exec=" + " ".join(_exec_quoted(a) for a in argv),
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
            "",
        ]
    )


def apply(on: bool, *, platform: str = sys.platform, env: Mapping[str, str] | None = None) -> None:
    """Turn starting at login on or off. OSError when the entry cannot be written;
    NotImplementedError on macOS (see the module's docstring)."""
    if platform == "darwin":
        raise NotImplementedError("macOS: add Softphone in System Settings → Login Items")
    if platform == "win32":
        _windows_run_key(on, command())
        return
    entry = linux_entry(env)
    if on:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temp = entry.with_suffix(".tmp")
        temp.write_text(desktop_entry(command()), encoding="utf-8")
        os.replace(temp, entry)
    else:
        entry.unlink(missing_ok=True)


def is_enabled(*, platform: str = sys.platform, env: Mapping[str, str] | None = None) -> bool:
    """Whether Softphone starts at login now (what the computer says, not the setting)."""
    if platform == "darwin":
        return False
    if platform == "win32":
        return _windows_run_value() is not None
    return linux_entry(env).is_file()


def _windows_run_key(on: bool, argv: list[str]) -> None:
    if sys.platform == "win32":
        import winreg

        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            if on:
                winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, subprocess.list2cmdline(argv))
            else:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, RUN_VALUE)
    else:
        raise OSError("the Run key is a Windows registry key")


def _windows_run_value() -> str | None:
    if sys.platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _kind = winreg.QueryValueEx(key, RUN_VALUE)
        except FileNotFoundError:
            return None
        return str(value)
    raise OSError("the Run key is a Windows registry key")

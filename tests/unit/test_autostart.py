"""Starting at login on Linux: the XDG autostart entry written, read back and removed; where it
goes; how its command line is quoted. (Windows' Run key cannot run here; macOS is documented.)"""

from __future__ import annotations

import configparser
import shlex
import sys
from pathlib import Path

import pytest

from softphone import autostart


def exec_line(text: str) -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser["Desktop Entry"]["Exec"]


def test_the_entry_goes_under_xdg_config_home(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert autostart.linux_entry(env) == tmp_path / "cfg" / "autostart" / "softphone.desktop"


@pytest.mark.parametrize("value", ["", "relative/config"])
def test_without_an_absolute_xdg_config_home_it_is_dot_config(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".config" / "autostart" / "softphone.desktop"
    assert autostart.linux_entry({"XDG_CONFIG_HOME": value}) == expected


def test_turning_it_on_writes_an_entry_that_starts_the_window_and_off_removes_it(
    tmp_path: Path,
) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert not autostart.is_enabled(platform="linux", env=env)
    autostart.apply(True, platform="linux", env=env)
    entry = tmp_path / "autostart" / "softphone.desktop"
    text = entry.read_text(encoding="utf-8")
    assert "Type=Application" in text and "Name=Softphone" in text
    assert shlex.split(exec_line(text)) == [sys.executable, "-m", "softphone"]
    assert autostart.is_enabled(platform="linux", env=env)
    autostart.apply(True, platform="linux", env=env)  # again: still one entry, no leftovers
    assert sorted(p.name for p in entry.parent.iterdir()) == ["softphone.desktop"]
    autostart.apply(False, platform="linux", env=env)
    assert not entry.exists() and not autostart.is_enabled(platform="linux", env=env)
    autostart.apply(False, platform="linux", env=env)  # off when already off is no error


def test_arguments_with_spaces_and_reserved_characters_are_quoted_for_the_exec_key() -> None:
    line = exec_line(autostart.desktop_entry(["/opt/My Apps/python3", "-m", "softphone", "50%"]))
    assert line == '"/opt/My Apps/python3" -m softphone 50%%'
    quoted = exec_line(autostart.desktop_entry(['/home/o"k/$x`y`/py']))
    assert quoted == '"/home/o\\"k/\\$x\\`y\\`/py"'


def test_macos_is_not_done_by_the_program() -> None:
    assert not autostart.supported("darwin")
    assert autostart.supported("linux") and autostart.supported("win32")
    assert not autostart.is_enabled(platform="darwin")
    with pytest.raises(NotImplementedError, match="Login Items"):
        autostart.apply(True, platform="darwin")

"""desktop: the Linux menu entry, the icon and the tel: handler, written for one user."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from softphone import desktop


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    data, config = tmp_path / "data", tmp_path / "config"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return data, config


def read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser


def test_the_entry_runs_this_softphone_and_takes_tel_links(xdg: tuple[Path, Path]) -> None:
    data, config = xdg
    done = desktop.install("/opt/softphone/bin/softphone")
    entry = read_ini(done.entry)["Desktop Entry"]
    assert entry["Exec"] == "/opt/softphone/bin/softphone %u"
    assert entry["MimeType"] == "x-scheme-handler/tel;"
    assert entry["Icon"] == "softphone" and done.icon.read_text().startswith("<?xml")
    assert done.entry == data / "applications" / "softphone.desktop"
    handler = read_ini(config / "mimeapps.list")["Default Applications"]
    assert handler["x-scheme-handler/tel"] == "softphone.desktop"


def test_the_users_other_handlers_are_kept_and_removal_takes_only_ours(
    xdg: tuple[Path, Path],
) -> None:
    _data, config = xdg
    config.mkdir(parents=True)
    (config / "mimeapps.list").write_text(
        "[Default Applications]\ntext/html=firefox.desktop\n\n[Added Associations]\n"
        "image/png=gimp.desktop;\n",
        encoding="utf-8",
    )
    desktop.install("softphone")
    ini = read_ini(config / "mimeapps.list")
    assert ini["Default Applications"]["text/html"] == "firefox.desktop"
    assert ini["Added Associations"]["image/png"] == "gimp.desktop;"
    removed = desktop.uninstall()
    assert len(removed) == 3
    ini = read_ini(config / "mimeapps.list")
    assert "x-scheme-handler/tel" not in ini["Default Applications"]
    assert ini["Default Applications"]["text/html"] == "firefox.desktop"


def test_removal_leaves_another_programs_tel_handler_alone(xdg: tuple[Path, Path]) -> None:
    _data, config = xdg
    config.mkdir(parents=True)
    (config / "mimeapps.list").write_text(
        "[Default Applications]\nx-scheme-handler/tel=microsip.desktop\n", encoding="utf-8"
    )
    desktop.uninstall()
    ini = read_ini(config / "mimeapps.list")
    assert ini["Default Applications"]["x-scheme-handler/tel"] == "microsip.desktop"

"""config: paths under SOFTPHONE_HOME, settings with defaults, a bad file never stops us."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from softphone.config import Settings, load_settings, paths, save_settings


def test_softphone_home_holds_everything(softphone_home: Path) -> None:
    where = paths()
    assert where.settings_file == softphone_home / "config" / "settings.json"
    assert where.database.parent == softphone_home / "data"
    assert where.log_file.parent == softphone_home / "logs"


def test_platform_dirs_without_softphone_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOFTPHONE_HOME")
    where = paths()
    assert "Softphone" in str(where.config_dir)
    assert "Softphone" in str(where.data_dir)


def test_every_option_has_a_default_and_a_title() -> None:
    defaults = Settings()
    for name, field in Settings.model_fields.items():
        assert field.title, name
        assert getattr(defaults, name) is not None


def test_settings_round_trip() -> None:
    where = paths().ensure()
    settings = Settings(server_url="https://crm.example", auto_dial=False, heartbeat_minutes=2)
    save_settings(where, settings)
    assert load_settings(where) == settings


def test_missing_file_gives_defaults() -> None:
    assert load_settings(paths()) == Settings()


def test_old_files_with_unknown_options_still_load() -> None:
    where = paths().ensure()
    where.settings_file.write_text(json.dumps({"auto_dial": False, "retired_option": 1}))
    assert load_settings(where).auto_dial is False


def test_a_corrupt_file_is_set_aside_and_defaults_used(caplog: pytest.LogCaptureFixture) -> None:
    where = paths().ensure()
    where.settings_file.write_text("{not json")
    assert load_settings(where) == Settings()
    assert (where.config_dir / "settings.json.bad").read_text() == "{not json"
    assert "unreadable" in caplog.text


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(heartbeat_minutes=0)
    with pytest.raises(ValidationError):
        Settings(log_level="LOUD")

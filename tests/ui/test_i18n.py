"""Two languages from the first string: every string in the code is in the Russian catalogue,
translated, and compiled into the .qm that ships."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from softphone.ui import i18n


def test_the_russian_catalogue_is_complete_and_compiled() -> None:
    # lupdate is run on the code: a string added without a translation fails here.
    assert i18n.check() == []


def test_russian_is_loaded_and_english_is_the_source(qapp: QApplication) -> None:
    try:
        i18n.install("ru")
        assert QCoreApplication.translate("Words", "Busy") == "Занято"
        assert QCoreApplication.translate("Words", "%n phones are attached", "", 5) == (
            "Подключено 5 телефонов"
        )
        i18n.install("en")
        assert QCoreApplication.translate("Words", "Busy") == "Busy"
    finally:
        i18n.install("en")


@pytest.mark.parametrize(
    ("env", "setting", "chosen"), [("ru", "en", "ru"), ("", "ru", "ru"), ("", "en", "en")]
)
def test_the_language_is_the_environments_then_the_settings(
    monkeypatch: pytest.MonkeyPatch, env: str, setting: str, chosen: str
) -> None:
    monkeypatch.setenv("SOFTPHONE_LANG", env)
    assert i18n.choose_language(setting) == chosen


def test_the_settings_titles_from_config_py_are_catalogued_and_translated(
    qapp: QApplication,
) -> None:
    from softphone.config import Settings

    try:
        i18n.install("ru")
        title = Settings.model_fields["server_url"].title
        assert title == "CRM server address"  # written once, in config.py
        assert QCoreApplication.translate("Settings", title) == "Адрес сервера CRM"
    finally:
        i18n.install("en")

"""Settings and where files live.

One pydantic model, `Settings`: every option once, with its default and a human title (the
settings screen and the JSON file both come from it). It is stored as JSON in the platform's
config directory; history, outbox and logs go to the platform's data and log directories.
`SOFTPHONE_HOME` puts all of them under one folder (tests, the demo, portable use).

A settings file that cannot be read never stops the program: the bad file is set aside and the
defaults are used, with a warning in the log.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
from pathlib import Path
from typing import Final

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger("softphone.config")

APP_NAME: Final = "Softphone"
HOME_ENV: Final = "SOFTPHONE_HOME"
SETTINGS_FILE: Final = "settings.json"
DATABASE_FILE: Final = "softphone.db"
LOG_FILE: Final = "softphone.log"


@dataclasses.dataclass(frozen=True, slots=True)
class Paths:
    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / SETTINGS_FILE

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def log_file(self) -> Path:
        return self.log_dir / LOG_FILE

    @property
    def control_file(self) -> Path:
        """Where a running instance says how to reach it (`softphone call` uses it)."""
        return self.data_dir / "instance.json"

    def ensure(self) -> Paths:
        for folder in (self.config_dir, self.data_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """The folders to use: `home`, else `$SOFTPHONE_HOME`, else the platform's own."""
    root = home if home is not None else os.environ.get(HOME_ENV)
    if root:
        base = Path(root).expanduser()
        return Paths(base / "config", base / "data", base / "logs")
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Paths(Path(dirs.user_config_dir), Path(dirs.user_data_dir), Path(dirs.user_log_dir))


def _default_device_name() -> str:
    return f"Softphone ({socket.gethostname()})"[:120]


class Settings(BaseModel):
    """Every option of Softphone, with its default and its title."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    server_url: str = Field(default="", title="CRM server address", max_length=2048)
    allow_plain_http: list[str] = Field(
        default_factory=list,
        title="Hosts allowed without HTTPS (loopback is always allowed)",
    )
    username: str = Field(default="", title="Last signed-in user", max_length=150)
    device_name: str = Field(
        default_factory=_default_device_name,
        title="Name of this desk in the CRM",
        min_length=1,
        max_length=120,
    )
    auto_dial: bool = Field(default=True, title="Dial CRM commands at once")
    phone_serial: str = Field(default="", title="Phone to use when several are attached")
    heartbeat_minutes: float = Field(
        default=5.0, title="Heartbeat interval (minutes)", ge=0.5, le=60
    )
    no_action_after_s: float = Field(
        default=600.0,
        title="A command never dialled becomes no_action after (seconds)",
        ge=10,
        le=86_400,
    )
    call_log_wait_s: float = Field(
        default=12.0,
        title="How long to wait for the call-log row after a call (seconds)",
        ge=1,
        le=120,
    )
    dial_start_timeout_s: float = Field(
        default=8.0,
        title="How long a dial may take to show on the phone (seconds)",
        ge=1,
        le=60,
    )
    long_poll_wait_s: int = Field(
        default=25, title="Long-poll hold to ask for (seconds)", ge=1, le=60
    )
    outbox_max_age_days: float = Field(
        default=7.0,
        title="Give up re-sending a result after (days)",
        gt=0,
        le=90,
    )
    notifications: bool = Field(default=True, title="Desktop notifications")
    language: str = Field(
        default="", title="Interface language (empty: the system's)", max_length=16
    )
    log_level: str = Field(
        default="INFO", title="Log level", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$"
    )
    # The CRM's per-IP limiter and how the pull loop paces itself against it (crm-api.md).
    rate_limit_requests: int = Field(
        default=60, title="Server's per-IP request limit", ge=8, le=100_000
    )
    rate_window_s: float = Field(
        default=60.0, title="Silence that resets the server's count (seconds)", gt=0, le=3600
    )
    poll_min_interval_s: float = Field(
        default=2.0, title="Fastest pull pace against an instant server (seconds)", gt=0, le=60
    )
    poll_max_interval_s: float = Field(
        default=15.0, title="Slowest pull pace before waiting out the limit (seconds)", gt=0, le=600
    )
    long_poll_detect_s: float = Field(
        default=1.0, title="An empty answer held this long means long-poll (seconds)", gt=0, le=30
    )
    telemetry_enabled: bool = Field(default=True, title="Send diagnostics telemetry to the CRM")


def load_settings(where: Paths) -> Settings:
    """The saved settings, or the defaults if there are none or they cannot be read."""
    file = where.settings_file
    try:
        raw = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as err:
        log.warning("cannot read the settings (%s); using the defaults", err.strerror)
        return Settings()
    try:
        return Settings.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as err:
        aside = file.with_suffix(".json.bad")
        try:
            os.replace(file, aside)
        except OSError:
            aside = file
        log.warning(
            "the settings file is unreadable (%s); kept as %s, using the defaults",
            type(err).__name__,
            aside.name,
        )
        return Settings()


def save_settings(where: Paths, settings: Settings) -> None:
    """Write the settings atomically (a crash leaves the old file or the new one, whole)."""
    where.config_dir.mkdir(parents=True, exist_ok=True)
    target = where.settings_file
    temp = target.with_suffix(".json.tmp")
    temp.write_text(settings.model_dump_json(indent=2), encoding="utf-8")
    os.replace(temp, target)

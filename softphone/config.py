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
import enum
import json
import logging
import os
import socket
import urllib.parse
from pathlib import Path
from typing import Any, Final

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks a title or help text for Qt's translation tools and returns it unchanged: the
    catalogue (`softphone.ui.i18n`) finds these calls by name in this file, and the settings
    dialog shows `translate("Settings", text)`. No Qt is imported here."""
    return text


def _default_device_name() -> str:
    return f"Softphone ({socket.gethostname()})"[:120]


class Group(enum.StrEnum):
    """Where an option shows in the settings dialog."""

    CONNECTION = "connection"
    PHONE = "phone"
    CALLS = "calls"
    WINDOW = "window"
    ADVANCED = "advanced"  # pacing and timeouts: support and IT change these, operators need not
    HIDDEN = "hidden"  # remembered by the program, never edited by hand


def _option(default: Any = ..., *, title: str, help: str, group: Group, **kw: Any) -> Any:
    """One option: its default, its title and help (each written once; the window translates
    them) and its group in the settings dialog."""
    return Field(default, title=title, description=help, json_schema_extra={"group": group}, **kw)


def _is_url(value: str) -> str:
    value = value.strip()
    if not value:
        return value
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the address must look like https://crm.example.com")
    return value.rstrip("/")


class Settings(BaseModel):
    """Every option of Softphone, with its default, title, help and group."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    server_url: str = _option(
        "",
        title=QT_TRANSLATE_NOOP("Settings", "CRM server address"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "The address of your CRM, e.g. https://crm.example.com (IT can preset it)."
        ),
        group=Group.CONNECTION,
        max_length=2048,
    )
    allow_plain_http: list[str] = _option(
        default_factory=list,
        title=QT_TRANSLATE_NOOP("Settings", "Hosts allowed without HTTPS"),
        help=QT_TRANSLATE_NOOP(
            "Settings",
            "Plain HTTP sends the session unencrypted: allow it only for a CRM on a trusted "
            "local network. Loopback is always allowed.",
        ),
        group=Group.CONNECTION,
    )
    username: str = _option(
        "", title="Last signed-in user", help="", group=Group.HIDDEN, max_length=150
    )
    device_name: str = _option(
        default_factory=_default_device_name,
        title=QT_TRANSLATE_NOOP("Settings", "Name of this desk in the CRM"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "How this computer is listed among your devices in the CRM."
        ),
        group=Group.CONNECTION,
        min_length=1,
        max_length=120,
    )
    phone_serial: str = _option(
        "",
        title=QT_TRANSLATE_NOOP("Settings", "Phone to use"),
        help=QT_TRANSLATE_NOOP(
            "Settings",
            "Which phone to use when several are attached (empty: the only one attached).",
        ),
        group=Group.PHONE,
        max_length=128,
    )
    auto_dial: bool = _option(
        True,
        title=QT_TRANSLATE_NOOP("Settings", "Dial CRM commands at once"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "Off: each command from the CRM waits for you to confirm it."
        ),
        group=Group.CALLS,
    )
    no_action_after_s: float = _option(
        600.0,
        title=QT_TRANSLATE_NOOP("Settings", "Give up an undialled command after (seconds)"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "A command not dialled by then is reported to the CRM as not dialled."
        ),
        group=Group.CALLS,
        ge=10,
        le=86_400,
    )
    language: str = _option(
        "",
        title=QT_TRANSLATE_NOOP("Settings", "Interface language"),
        help=QT_TRANSLATE_NOOP(
            "Settings",
            "Applies at once. Unless chosen here, the system's language; the SOFTPHONE_LANG "
            "environment variable, when set, overrides both.",
        ),
        group=Group.WINDOW,
        pattern=r"^(|ru|en)$",
    )
    start_minimised: bool = _option(
        False,
        title=QT_TRANSLATE_NOOP("Settings", "Start minimised to the tray"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "Softphone starts in the tray, without showing its window."
        ),
        group=Group.WINDOW,
    )
    start_at_login: bool = _option(
        False,
        title=QT_TRANSLATE_NOOP("Settings", "Start when I sign in to this computer"),
        help=QT_TRANSLATE_NOOP(
            "Settings",
            "Softphone starts when you sign in to this computer, so commands are taken from the "
            "start of the day.",
        ),
        group=Group.WINDOW,
    )
    close_to_tray: bool = _option(
        True,
        title=QT_TRANSLATE_NOOP("Settings", "Closing the window keeps Softphone in the tray"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "Off: closing the window quits Softphone (commands are then not taken)."
        ),
        group=Group.WINDOW,
    )
    notifications: bool = _option(
        True,
        title=QT_TRANSLATE_NOOP("Settings", "Desktop notifications"),
        help=QT_TRANSLATE_NOOP("Settings", "A notification for each command and each result."),
        group=Group.WINDOW,
    )
    heartbeat_minutes: float = _option(
        5.0,
        title=QT_TRANSLATE_NOOP("Settings", "Heartbeat interval (minutes)"),
        help=QT_TRANSLATE_NOOP("Settings", "How often this desk tells the CRM it is alive."),
        group=Group.ADVANCED,
        ge=0.5,
        le=60,
    )
    call_log_wait_s: float = _option(
        12.0,
        title=QT_TRANSLATE_NOOP("Settings", "Wait for the call-log row after a call (seconds)"),
        help=QT_TRANSLATE_NOOP(
            "Settings",
            "How long to wait for the phone to write a call to its call log before the result is "
            "reported as unknown.",
        ),
        group=Group.ADVANCED,
        ge=1,
        le=120,
    )
    dial_start_timeout_s: float = _option(
        8.0,
        title=QT_TRANSLATE_NOOP(
            "Settings", "A dial may take this long to show on the phone (seconds)"
        ),
        help=QT_TRANSLATE_NOOP(
            "Settings", "A dial that has not shown on the phone by then is reported as not started."
        ),
        group=Group.ADVANCED,
        ge=1,
        le=60,
    )
    long_poll_wait_s: int = _option(
        25,
        title=QT_TRANSLATE_NOOP("Settings", "Long-poll hold to ask for (seconds)"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "How long a server that holds pulls may keep each one waiting."
        ),
        group=Group.ADVANCED,
        ge=1,
        le=60,
    )
    outbox_max_age_days: float = _option(
        7.0,
        title=QT_TRANSLATE_NOOP("Settings", "Give up re-sending a result after (days)"),
        help=QT_TRANSLATE_NOOP(
            "Settings",
            "A result the CRM could not be reached for is tried again for this long, then shown "
            "under Diagnostics.",
        ),
        group=Group.ADVANCED,
        gt=0,
        le=90,
    )
    log_level: str = _option(
        "INFO",
        title=QT_TRANSLATE_NOOP("Settings", "Log level"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "How much goes into the log: DEBUG for support, INFO normally."
        ),
        group=Group.ADVANCED,
        pattern=r"^(DEBUG|INFO|WARNING|ERROR)$",
    )
    # The CRM's per-IP limiter and how the pull loop paces itself against it (crm-api.md).
    rate_limit_requests: int = _option(
        60,
        title=QT_TRANSLATE_NOOP("Settings", "Server's per-address request limit"),
        help=QT_TRANSLATE_NOOP(
            "Settings",
            "The CRM refuses requests from one network address after this many in a row; "
            "Softphone stays below it.",
        ),
        group=Group.ADVANCED,
        ge=8,
        le=100_000,
    )
    rate_window_s: float = _option(
        60.0,
        title=QT_TRANSLATE_NOOP("Settings", "Silence that resets the server's count (seconds)"),
        help=QT_TRANSLATE_NOOP(
            "Settings", "How long without requests the CRM takes to forget the count."
        ),
        group=Group.ADVANCED,
        gt=0,
        le=3600,
    )
    poll_min_interval_s: float = _option(
        2.0,
        title=QT_TRANSLATE_NOOP(
            "Settings", "Fastest pull pace against an instant server (seconds)"
        ),
        help=QT_TRANSLATE_NOOP(
            "Settings", "The shortest pause between two pulls while the budget is full."
        ),
        group=Group.ADVANCED,
        gt=0,
        le=60,
    )
    poll_max_interval_s: float = _option(
        # A pull interval is also how long a command may wait for it: past 8 s the budget is
        # better saved by finishing a silence at a call's end (sync/budget.py).
        8.0,
        title=QT_TRANSLATE_NOOP(
            "Settings", "Slowest pull pace before waiting out the limit (seconds)"
        ),
        help=QT_TRANSLATE_NOOP(
            "Settings", "The longest pause between two pulls before Softphone waits the limit out."
        ),
        group=Group.ADVANCED,
        gt=0,
        le=600,
    )
    long_poll_detect_s: float = _option(
        1.0,
        title=QT_TRANSLATE_NOOP(
            "Settings", "An empty answer held this long means long-poll (seconds)"
        ),
        help=QT_TRANSLATE_NOOP(
            "Settings",
            "Softphone learns whether the CRM holds pulls from how long an empty answer takes.",
        ),
        group=Group.ADVANCED,
        gt=0,
        le=30,
    )
    telemetry_enabled: bool = _option(
        True,
        title=QT_TRANSLATE_NOOP("Settings", "Send diagnostics telemetry to the CRM"),
        help=QT_TRANSLATE_NOOP("Settings", "Timings and error counts; never numbers or tokens."),
        group=Group.ADVANCED,
    )

    @field_validator("server_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _is_url(value)

    @field_validator("allow_plain_http")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        hosts = [h.strip().lower() for h in value if h.strip()]
        for host in hosts:
            if "/" in host or " " in host or ":" in host.strip("[]"):
                raise ValueError(f"{host!r} is not a host name (no scheme, port or path)")
        return sorted(set(hosts))

    @classmethod
    def group_of(cls, name: str) -> Group:
        extra = cls.model_fields[name].json_schema_extra
        group = extra.get("group") if isinstance(extra, dict) else None
        return Group(str(group)) if group else Group.ADVANCED


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

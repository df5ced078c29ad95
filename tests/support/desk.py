"""The environment of a desk's `softphone` processes in tests: a home of its own, a file keyring
that `login` and `run` share, and the private adb server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def desk_env(folder: Path, adb_port: int, **settings: Any) -> dict[str, str]:
    """Write `settings` as the desk's settings.json and return the environment to run it with."""
    home = folder / "desk"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(
        json.dumps({"call_log_wait_s": 5, "dial_start_timeout_s": 3, **settings})
    )
    return {
        **os.environ,
        "SOFTPHONE_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(folder / "xdg-data"),
        "ANDROID_ADB_SERVER_PORT": str(adb_port),
        "ADB_USB": "0",
    }


ROOT = Path(__file__).resolve().parents[2]


def softphone(*args: str) -> list[str]:
    """The command line of `softphone ARGS` with this interpreter."""
    return [sys.executable, "-m", "softphone", *args]


def start_headless(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`softphone run --headless` for this desk, its output thrown away (its log file stays)."""
    return subprocess.Popen(
        softphone("run", "--headless"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_softphone(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one `softphone` command to its end (at most a minute), its output captured."""
    return subprocess.run(
        softphone(*args),
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

"""The one-folder bundle `make bundle` builds (PyInstaller): it answers --version and runs the
terminal demo for one call — with the adb binary, translations and icons inside. Run by
`make bundle-test` (after `make bundle`), not by `make test`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from softphone import __version__
from tests.support.desk import ROOT

pytestmark = [pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(300)]

APP = ROOT / "build" / "dist" / "softphone"


@pytest.fixture
def executable() -> Path:
    path = APP / ("softphone.exe" if os.name == "nt" else "softphone")
    if not path.exists():
        pytest.fail(f"no bundle at {APP}: run `make bundle` first")
    return path


def test_the_bundle_answers_its_version(executable: Path) -> None:
    done = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"softphone {__version__}"


def test_the_bundle_carries_adb_translations_and_icons() -> None:
    inside = APP / "_internal"
    assert list(inside.glob("adbutils/binaries/adb*"))
    assert (inside / "softphone/resources/i18n/softphone_ru.qm").exists()
    assert (inside / "softphone/resources/icons/softphone.svg").exists()


def test_the_bundle_runs_the_demo_for_one_call(executable: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ADB_USB": "0", "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(executable), "demo", "--headless", "--calls", "1"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 calls placed and reported" in done.stdout

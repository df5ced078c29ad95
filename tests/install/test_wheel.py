"""Installing Softphone as an operator's IT would (`pipx install`, which is pip into a venv of
its own): the built wheel installs into a fresh virtual environment and answers --version, and
building it prints no deprecation wall."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from softphone import __version__
from tests.support.desk import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_the_wheel_installs_into_a_fresh_venv_and_answers_its_version(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    assert "Deprecat" not in build.stdout + build.stderr
    [wheel] = (tmp_path / "dist").glob("softphone-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "softphone/resources/i18n/softphone_ru.qm",
        "softphone/resources/icons/softphone.svg",
        "softphone/resources/softphone.desktop",
        "softphone/py.typed",
    ):
        assert shipped in names
    assert not any(name.startswith("tests/") for name in names)
    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    python = fresh / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    version = subprocess.run(
        [str(fresh / "bin" / "softphone"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"softphone {__version__}"

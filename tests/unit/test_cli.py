"""The `softphone` command's entry points."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from softphone import __version__
from softphone.cli import _glue_values, _parser, main


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"softphone {__version__}"


def test_python_dash_m_runs_the_same_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "softphone", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == f"softphone {__version__}"


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    # (No command at all opens the window: tests/ui/test_window_process.py.)
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "COMMAND" in capsys.readouterr().out


@pytest.mark.parametrize("token", ["-Xy_9", "--weird", "plain"])
def test_a_qr_token_starting_with_a_dash_is_still_the_token(token: str) -> None:
    # QR tokens are URL-safe base64: about one in 64 starts with "-".
    args = _glue_values(["login", "--server", "http://127.0.0.1:1", "--qr-token", token])
    parsed = _parser().parse_args(args)
    assert parsed.qr_token == token and parsed.username is None


def test_only_the_token_option_is_glued() -> None:
    args = ["history", "--json", "--limit", "5"]
    assert _glue_values(args) == args


def test_a_damaged_database_is_a_clear_error_and_stays_as_it_was(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from softphone.config import paths

    database = paths().ensure().database
    database.write_bytes(b"not a database at all" * 100)
    assert main(["history", "--json"]) == 1
    err = capsys.readouterr().err
    assert "cannot use its database" in err and str(database) in err
    assert "Traceback" not in err
    assert database.read_bytes() == b"not a database at all" * 100


def test_login_from_a_picture_without_a_code_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = tmp_path / "screen.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert main(["login", "--server", "http://127.0.0.1:1", "--qr-image", str(picture)]) == 1
    assert "Sign-in failed: screen.png is not a picture" in capsys.readouterr().err

"""`softphone demo` as README's demo command runs it: its own CRM, phone and adb server."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.desk import ROOT, softphone

pytestmark = [pytest.mark.adb, pytest.mark.slow]


@pytest.mark.parametrize("profile", ["seed", "production"])
def test_the_demo_places_calls_and_reports_them(profile: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        # If the demo used the keyring of the machine, this file keyring would get the session.
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "SOFTPHONE_HOME": str(tmp_path / "operator-home"),
    }
    env.pop("ANDROID_ADB_SERVER_PORT", None)
    done = subprocess.run(
        softphone(
            "demo",
            "--headless",
            "--profile",
            profile,
            "--calls",
            "2",
            "--every",
            "0.2",
            "--seed",
            "3",
        ),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert re.search(rf"simulated CRM \({profile}\) at http://127\.0\.0\.1:\d+/", out)
    asked = re.findall(r"call (\d+): the CRM asks to call \+7 \(912\) \d{3}-\d{2}-\d{2}", out)
    assert asked == ["1", "2"]
    assert len(re.findall(r"call \d+: dialling", out)) == 2
    assert "call 1: connected, 4 s" in out  # seed 3: the first far end answers
    assert "the CRM has the result" in out
    assert out.rstrip().endswith("2 calls placed and reported; the demo ends")
    assert done.stderr == ""  # no warnings, no tracebacks
    # The operator's own things are untouched: no keyring entry, no home folder.
    assert not (tmp_path / "xdg-data").exists()
    assert not (tmp_path / "operator-home").exists()


def test_ctrl_c_stops_the_demo_and_its_adb_server(tmp_path: Path) -> None:
    import signal
    import socket

    demo = subprocess.Popen(
        softphone("demo", "--headless", "--every", "0.5"),
        env={**os.environ, "SOFTPHONE_HOME": str(tmp_path / "operator-home")},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert demo.stdout is not None
    seen: list[str] = []
    try:
        for line in demo.stdout:
            seen.append(line)
            if "dialling" in line:
                break
        demo.send_signal(signal.SIGINT)
        _, err = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()
    assert demo.returncode == 0, "".join(seen) + err
    [adb_port] = re.findall(r"adb port (\d+)", "".join(seen))
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", int(adb_port))) != 0, "the adb server still runs"
    assert "Traceback" not in err


def test_a_taken_port_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = subprocess.run(
            softphone("demo", "--headless", "--port", str(taken.getsockname()[1]), "--calls", "1"),
            env={**os.environ, "SOFTPHONE_HOME": str(tmp_path / "home")},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert "The demo cannot start its simulated CRM" in done.stderr
    assert "Traceback" not in done.stderr

"""instance: one engine per data folder, and no stale lock after a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from softphone.instance import AlreadyRunning, InstanceLock


def test_a_second_holder_is_refused_until_the_first_lets_go(tmp_path: Path) -> None:
    first, second = InstanceLock(tmp_path / "engine.lock"), InstanceLock(tmp_path / "engine.lock")
    first.acquire()
    with pytest.raises(AlreadyRunning, match=f"process {os.getpid()}"):
        second.acquire()
    assert not second.held
    first.release()
    second.acquire()
    assert second.held
    second.release()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    path = tmp_path / "engine.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from softphone.instance import "
            "InstanceLock; lock = InstanceLock(Path(sys.argv[1])); lock.acquire();"
            " print('held', flush=True);"
            " time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning, match=f"process {holder.pid}"):
            InstanceLock(path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        holder.stdout.close()
    lock = InstanceLock(path)
    lock.acquire()  # the OS dropped the dead process's lock
    lock.release()

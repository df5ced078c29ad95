"""One engine per desk: an OS file lock held for as long as the engine runs.

Two engines on the same data (a headless one and the window, two windows) would both pull
commands and both dial: the phone could be asked to call over a call in progress. The lock is
the operating system's (`flock` on POSIX, `msvcrt.locking` on Windows), so it is released when
the process dies in any way, SIGKILL included: a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO, Any

__all__ = ["AlreadyRunning", "InstanceLock", "try_lock", "unlock"]


class AlreadyRunning(RuntimeError):
    """Another Softphone already runs on this data folder."""


class InstanceLock:
    """`acquire()` or raise AlreadyRunning; `release()` (also on process exit, by the OS)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> None:
        if self._file is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 — held while running
        if not try_lock(handle):
            holder = ""
            with contextlib.suppress(OSError):  # Windows locks are mandatory: may be unreadable
                handle.seek(0)
                holder = handle.read().strip()[:20]
            handle.close()
            where = f" (process {holder})" if holder.isdigit() else ""
            raise AlreadyRunning(
                f"Softphone is already running on this computer{where}: use that one, or stop "
                "it first."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            self._file.seek(0)
            self._file.truncate()
            unlock(self._file)
        self._file.close()
        self._file = None


def try_lock(handle: IO[Any]) -> bool:
    """Take the OS's exclusive lock on an open file without waiting; False if another holds it.
    The OS releases it when the holder dies, however it dies."""
    try:
        _lock(handle)
    except OSError:
        return False
    return True


def unlock(handle: IO[Any]) -> None:
    _unlock(handle)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle: IO[Any]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[Any]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[Any]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[Any]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

"""What can go wrong talking to a phone: `PhoneError`, and adbutils' refusals read as one.

A `PhoneError` carries a `kind` (gone, offline, unauthorized, no_permissions, timeout, server,
unreadable or adb), which callers branch on, and a `softphone.problems.Problem`, which the CLI
and the window word for the operator. `str(err)` is a short English line for logs and
developers, never for a person: nothing in this package writes sentences for the operator.

`phone_error` reads what adbutils or the adb server said (an exception and its text).
"""

from __future__ import annotations

import socket
from typing import Final, Literal

from softphone.masking import mask
from softphone.problems import Problem, ProblemKind

__all__ = ["CallLogDenied", "ErrorKind", "PhoneError", "detail_of", "phone_error"]

ErrorKind = Literal[
    "gone", "offline", "unauthorized", "no_permissions", "timeout", "server", "unreadable", "adb"
]

#: The problem each kind of failure is, where the kind alone says it (`unreadable` depends on
#: what could not be read: the call log is CALL_LOG_BROKEN, anything else ADB_ERROR).
PROBLEM_OF_KIND: Final[dict[ErrorKind, ProblemKind]] = {
    "gone": ProblemKind.PHONE_NONE,
    "offline": ProblemKind.PHONE_OFFLINE,
    "unauthorized": ProblemKind.PHONE_UNAUTHORIZED,
    "no_permissions": ProblemKind.PHONE_NO_PERMISSIONS,
    "timeout": ProblemKind.PHONE_TIMEOUT,
    "server": ProblemKind.ADB_ERROR,
    "unreadable": ProblemKind.ADB_ERROR,
    "adb": ProblemKind.ADB_ERROR,
}

_DETAIL_CHARS: Final = 300


def detail_of(text: object) -> str | None:
    """Outside words fit to travel as a Problem's detail: masked, trimmed, None when empty."""
    shown = mask(str(text)).strip()[:_DETAIL_CHARS]
    return shown or None


class PhoneError(RuntimeError):
    """The phone could not be reached or did not answer.

    `kind` says which way (see `ErrorKind`; `unreadable`: it answered something we cannot
    read, `adb`: any other refusal by the adb server); `problem` is what to tell the operator.
    """

    def __init__(self, problem: Problem, kind: ErrorKind, *, message: str | None = None) -> None:
        if message is None:
            message = kind if problem.detail is None else f"{kind}: {problem.detail}"
        super().__init__(message)
        self.problem = problem
        self.kind: ErrorKind = kind


class CallLogDenied(PhoneError):
    """The call-log provider refused to answer (a permission denial): results become unknown."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            Problem(ProblemKind.CALL_LOG_DENIED, detail_of(detail)),
            "unreadable",
            message=f"call log denied: {detail_of(detail)}",
        )


def _error(kind: ErrorKind, detail: str | None) -> PhoneError:
    return PhoneError(Problem(PROBLEM_OF_KIND[kind], detail), kind)


def phone_error(exc: BaseException) -> PhoneError:
    """What adbutils or the adb server said, as a PhoneError of the right kind."""
    text = str(exc)
    detail = detail_of(text)
    if isinstance(exc, TimeoutError | socket.timeout) or "timeout" in type(exc).__name__.lower():
        return _error("timeout", detail)
    lowered = text.lower()
    if "unauthorized" in lowered:
        return _error("unauthorized", detail)
    if "offline" in lowered:
        return _error("offline", detail)
    if "permission" in lowered:
        return _error("no_permissions", detail)
    if "not found" in lowered or "no devices" in lowered or "closed" in lowered:
        return _error("gone", detail)
    if isinstance(exc, EOFError | OSError):
        return _error("offline", detail or type(exc).__name__)
    return _error("adb", detail)

"""What can go wrong talking to a phone: `PhoneError`, and adbutils' refusals read as one.

`phone_error` reads what adbutils or the adb server said (an exception and its text) and says
which `kind` of failure it is: gone, offline, unauthorized, no_permissions, timeout, server,
unreadable or adb. Callers branch on the kind.
"""

from __future__ import annotations

import socket
from typing import Final, Literal

from softphone.masking import mask

__all__ = ["CallLogDenied", "ErrorKind", "PhoneError", "phone_error"]

ErrorKind = Literal[
    "gone", "offline", "unauthorized", "no_permissions", "timeout", "server", "unreadable", "adb"
]

FIX_GONE: Final = (
    "Connect the phone with a data USB cable (not a charge-only one) and turn on USB debugging "
    "in Developer options."
)
FIX_OFFLINE: Final = (
    "Unplug the USB cable and plug it in again; if the phone stays offline, restart it."
)
FIX_UNAUTHORIZED: Final = (
    "Unlock the phone and tap Allow on the “Allow USB debugging?” prompt (tick “Always allow "
    "from this computer”). No prompt? Replug the cable, or revoke USB debugging authorisations "
    "in Developer options and replug."
)
FIX_NO_PERMISSIONS: Final = (
    "This computer's user may not open the phone's USB device: on Linux add a udev rule for "
    "the phone (package android-sdk-platform-tools-common) and join the plugdev group."
)
FIX_TIMEOUT: Final = "The phone did not answer in time: unlock it, then try again."
FIX_INPUT: Final = (
    "Turn on Developer options → “USB debugging (Security settings)” on the phone "
    "(Xiaomi/Redmi/POCO and some OPPO/realme phones), then reconnect the cable."
)
FIX_CALL_LOG_DENIED: Final = (
    "This phone's software does not let USB debugging read the call log, so call results will "
    "be reported as unknown. Update the phone's software, or use another phone."
)
FIX_CALL_LOG_BROKEN: Final = (
    "The phone could not answer a call-log query: restart the phone; if it persists, send a "
    "support bundle."
)


class PhoneError(RuntimeError):
    """The phone could not be reached or did not answer: `str(err)` and `fix` are for a person.

    `kind` says which: gone, offline, unauthorized, no_permissions, timeout, server, unreadable
    (it answered something we cannot read) or adb (any other refusal by the adb server).
    """

    def __init__(self, message: str, *, kind: ErrorKind, fix: str | None = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.fix = fix


class CallLogDenied(PhoneError):
    """The call-log provider refused to answer (a permission denial): results become unknown."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The phone refused to show its call log: {reason}",
            kind="unreadable",
            fix=FIX_CALL_LOG_DENIED,
        )
        self.reason = reason


def phone_error(exc: BaseException) -> PhoneError:
    """A person's sentence for what adbutils or the adb server said."""
    if isinstance(exc, TimeoutError | socket.timeout) or "timeout" in type(exc).__name__.lower():
        return PhoneError("The phone did not answer in time.", kind="timeout", fix=FIX_TIMEOUT)
    text = str(exc)
    lowered = text.lower()
    if "unauthorized" in lowered:
        return PhoneError(
            "The phone has not allowed USB debugging from this computer yet.",
            kind="unauthorized",
            fix=FIX_UNAUTHORIZED,
        )
    if "offline" in lowered:
        return PhoneError("The phone is offline.", kind="offline", fix=FIX_OFFLINE)
    if "permission" in lowered:
        return PhoneError(
            "This computer may not open the phone's USB connection.",
            kind="no_permissions",
            fix=FIX_NO_PERMISSIONS,
        )
    if "not found" in lowered or "no devices" in lowered or "closed" in lowered:
        return PhoneError("The phone is not connected.", kind="gone", fix=FIX_GONE)
    if isinstance(exc, EOFError | OSError):
        return PhoneError("The connection to the phone was lost.", kind="offline", fix=FIX_OFFLINE)
    return PhoneError(f"adb refused the request: {mask(text)[:300]}", kind="adb", fix=FIX_OFFLINE)

"""How adbutils' and the adb server's refusals are read (no phone needed)."""

from __future__ import annotations

import pytest
from adbutils.errors import AdbError, AdbTimeout

from softphone.adb import errors


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (
            AdbError("device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set"),
            "unauthorized",
        ),
        (AdbError("device offline"), "offline"),
        (AdbError("device '127.0.0.1:40000' not found"), "gone"),
        (AdbError("insufficient permissions for device"), "no_permissions"),
        (AdbTimeout("adb read timeout"), "timeout"),
        (TimeoutError(), "timeout"),
        (EOFError("Expected 4 bytes, got 0"), "offline"),
        (AdbError("Unknown data: b'WHAT'"), "adb"),
    ],
)
def test_adb_refusals_become_phone_errors_with_a_fix(error: Exception, kind: str) -> None:
    phone_error = errors.phone_error(error)
    assert phone_error.kind == kind
    assert phone_error.fix
    assert str(phone_error)

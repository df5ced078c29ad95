"""How adbutils' and the adb server's refusals are read (no phone needed)."""

from __future__ import annotations

from typing import get_args

import pytest
from adbutils.errors import AdbError, AdbTimeout

from softphone.adb import errors
from softphone.problems import Problem, ProblemKind

UDEV = (
    "insufficient permissions for device: user in plugdev group; are your udev rules wrong?\n"
    "See [http://developer.android.com/tools/device.html] for more information"
)


@pytest.mark.parametrize(
    ("error", "kind", "problem"),
    [
        (
            AdbError("device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set"),
            "unauthorized",
            ProblemKind.PHONE_UNAUTHORIZED,
        ),
        (AdbError("device offline"), "offline", ProblemKind.PHONE_OFFLINE),
        (AdbError("device '127.0.0.1:40000' not found"), "gone", ProblemKind.PHONE_NONE),
        (AdbError(UDEV), "no_permissions", ProblemKind.PHONE_NO_PERMISSIONS),
        (AdbTimeout("adb read timeout"), "timeout", ProblemKind.PHONE_TIMEOUT),
        (TimeoutError(), "timeout", ProblemKind.PHONE_TIMEOUT),
        (EOFError("Expected 4 bytes, got 0"), "offline", ProblemKind.PHONE_OFFLINE),
        (AdbError("Unknown data: b'WHAT'"), "adb", ProblemKind.ADB_ERROR),
    ],
)
def test_adb_refusals_become_phone_errors_of_the_right_kind_and_problem(
    error: Exception, kind: str, problem: ProblemKind
) -> None:
    phone_error = errors.phone_error(error)
    assert phone_error.kind == kind
    assert phone_error.problem.kind is problem
    assert not hasattr(phone_error, "fix")


def test_an_adb_refusal_keeps_adbs_own_words_as_the_detail() -> None:
    phone_error = errors.phone_error(AdbError("Unknown data: b'WHAT'"))
    assert phone_error.problem == Problem(ProblemKind.ADB_ERROR, "Unknown data: b'WHAT'")
    assert "Unknown data" in str(phone_error)  # the log line says it too


def test_numbers_and_serials_in_adbs_words_are_masked_in_the_detail() -> None:
    phone_error = errors.phone_error(AdbError("closed while calling +79991234567"))
    assert phone_error.problem.detail is not None
    assert "79991234567" not in phone_error.problem.detail
    assert "79991234567" not in str(phone_error)


def test_a_denied_call_log_is_its_own_problem_with_the_providers_line() -> None:
    line = "java.lang.SecurityException: Permission Denial: requires READ_CALL_LOG"
    denied = errors.CallLogDenied(line)
    assert denied.kind == "unreadable"
    assert denied.problem == Problem(ProblemKind.CALL_LOG_DENIED, line)
    assert isinstance(denied, errors.PhoneError)


def test_every_error_kind_has_a_problem() -> None:
    assert set(errors.PROBLEM_OF_KIND) == set(get_args(errors.ErrorKind))

"""masking.mask: the reference client's cases, hostile input, JSON validity and speed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softphone.masking import mask, mask_device_id, register_device_id, register_secret

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoiNDIiLCJleHAiOjE3MDAwMDB9.c2lnbmF0dXJl"
QR = "kP3x_9aZ-QwErTyUiOpAsDfGhJkLzXcVbNm1234567890abcdefghijKLMNOPQRSTUVWXYZ_-abcdEFGH12xy"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the reference client's categories: Bearer tokens, token/password values,
        # device ids first4***last4, phones ***last4
        ("Authorization: Bearer " + JWT, "Authorization: Bearer ***"),
        ("header Bearer abc.def-ghi", "header Bearer ***"),
        ("token=abc123def", "token=***"),
        ("password: hunter2", "password: ***"),
        ("refresh_token=xyz&x=1", "refresh_token=***&x=1"),
        ("device_id=ab12cd34ef56gh78", "device_id=ab12***gh78"),
        ("device_id=short", "device_id=***"),
        ("call to +79991234567 failed", "call to ***4567 failed"),
        ("call to 8 (999) 123-45-67", "call to ***4567"),
        ("call to 89991234567", "call to ***4567"),
        ("call to 9991234567", "call to ***4567"),
        ("+7 999 123 45 67", "***4567"),
        ("+44 20 7946 0958", "***0958"),
        (f"jwt {JWT} seen", "jwt *** seen"),
        (f"qr {QR} used", "qr *** used"),
        (
            "GET /api/phone/calls/pull/?device_id=abcdef1234567890&wait_seconds=25",
            "GET /api/phone/calls/pull/?device_id=abcd***7890&wait_seconds=25",
        ),
        ("{'refresh': 'abcdefgh', 'x': 1}", "{'refresh': '***', 'x': 1}"),
    ],
)
def test_masks_what_the_reference_client_masks(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ts=1700000000 ms=1700000000123 duration=42 type=2",
        "id 12345678-1234-1234-1234-123456789012",
        "adb at 127.0.0.1:5037, 2026-02-10T10:00:00Z",
        "Starting: Intent { act=android.intent.action.CALL dat=tel:xxxxxxxxxxxx }",
        "pull answered 204 in 12 ms; mode=instant next in 2.0 s",
        "no access to the phone",
        "test_rotated_refresh_token_is_kept_after_a_restart_of_the_engine",
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert mask(text) == text


def test_json_stays_valid_and_masked() -> None:
    body = json.dumps(
        {
            "access": JWT,
            "refresh": "r" * 40,
            "token": QR,
            "password": 'p@ss "quoted"',
            "device_id": "dev-0123456789abcdef",
            "phone": "+79123456789",
            "n": 79123456789,
            "pin": 1234,
            "note": "call +7 912 345-67-89 tomorrow",
            "ok": True,
            "qr_token": None,
            "nested": {"refresh_token": "abc", "list": ["89123456789"]},
        }
    )
    out = mask(body)
    data = json.loads(out)
    assert data["access"] == data["refresh"] == data["token"] == data["password"] == "***"
    assert data["device_id"] == "dev-***cdef"
    assert data["phone"] == "***6789" and data["n"] == "***6789"
    assert data["note"] == "call ***6789 tomorrow"
    assert data["nested"] == {"refresh_token": "***", "list": ["***6789"]}
    assert data["ok"] is True and data["qr_token"] is None
    for secret in (JWT, QR, "79123456789", "0123456789abcdef", "quoted"):
        assert secret not in out


def test_registered_values_are_masked_without_a_key() -> None:
    register_secret("s3cr3t-value-xyz")
    register_device_id("installation-7f3a9c")
    assert mask("got s3cr3t-value-xyz from installation-7f3a9c") == "got *** from inst***3a9c"
    assert mask_device_id("installation-7f3a9c") == "inst***3a9c"


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "\x00\x01\x02",
        "(" * 10_000,
        "+" * 10_000,
        "9" * 50_000,
        "\ud800",
        "Bearer ",
        "token=",
        '{"token": "\\',
        "password:" * 5000,
        "🙂" * 1000,
        "=" * 1000,
    ],
)
def test_hostile_input_never_raises(hostile: str) -> None:
    assert isinstance(mask(hostile), str)


def test_non_text_is_masked_through_str() -> None:
    assert mask({"password": "x1"}) == "{'password': '***'}"
    assert mask(None) == "None"


@given(st.text(max_size=300))
def test_mask_never_raises_and_never_grows_secrets(text: str) -> None:
    out = mask(text)
    assert isinstance(out, str)


@given(st.from_regex(r"\A\+7 ?\(?9\d\d\)? ?\d{3}-?\d\d-?\d\d\Z"))
def test_no_full_russian_number_survives(number: str) -> None:
    out = mask(f"calling {number} now")
    assert "".join(c for c in number if c.isdigit()) not in "".join(c for c in out if c.isdigit())
    assert out.endswith(number[-2:] + " now")


def test_a_50k_bundle_is_masked_whole() -> None:
    # Its speed is measured by benchmarks/masking.py, not asserted here.
    line = (
        '{"device_id": "ab12cd34ef56gh78", "phone": "+79123456789"} call 8 (912) 345-67-89 '
        f"Bearer {JWT} ts=1700000000123 ok\n"
    )
    bundle = (line * (50_000 // len(line) + 1))[:50_000]
    out = mask(bundle)
    assert "79123456789" not in out and JWT not in out and "cd34ef56" not in out
    assert out.count("***6789") == 2 * bundle.count("\n") + (0 if bundle.endswith("\n") else 1)

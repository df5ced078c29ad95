"""How adb's device states become events, without a server."""

from __future__ import annotations

import pytest

from softphone.adb import tracker
from softphone.adb.parse import DeviceLine, DeviceState, parse_devices

#: What adb 29..36 print on Linux for a phone this user may not open (udev), verbatim.
NO_PERMISSIONS = (
    "no permissions (user in plugdev group; are your udev rules wrong?); "
    "see [http://developer.android.com/tools/device.html]"
)


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        ("device", "attached"),
        ("unauthorized", "unauthorized"),
        ("offline", "offline"),
        ("recovery", "offline"),
        ("no permissions (missing udev rules? user is in the plugdev group)", "no_permissions"),
        (NO_PERMISSIONS, "no_permissions"),
        ("no_permissions", "no_permissions"),
        ("bootloader", "offline"),
        ("connecting", None),
        ("authorizing", None),
    ],
)
def test_each_adb_state_maps_to_its_event(state: str, kind: str | None) -> None:
    assert tracker.event_kind(state) == kind


def test_device_events_follow_a_phone_through_its_states() -> None:
    known: dict[str, DeviceState] = {}
    steps = [
        [DeviceLine("A", "authorizing")],
        [DeviceLine("A", "unauthorized")],
        [DeviceLine("A", "device"), DeviceLine("B", "device")],
        [DeviceLine("A", "device"), DeviceLine("B", "device")],
        [DeviceLine("A", "offline"), DeviceLine("B", "device")],
        [DeviceLine("B", "device")],
    ]
    seen = [
        [(e.serial, e.kind, e.state) for e in tracker.device_events(known, step)] for step in steps
    ]
    assert seen == [
        [],
        [("A", "unauthorized", "unauthorized")],
        [("A", "attached", "device"), ("B", "attached", "device")],
        [],
        [("A", "offline", "offline")],
        [("A", "detached", "absent")],
    ]
    assert known == {"B": "device"}


def test_a_phone_without_usb_permissions_is_an_event_with_our_word_not_adbs_sentence() -> None:
    known: dict[str, DeviceState] = {}
    lines = parse_devices(f"1-1.2\t{NO_PERMISSIONS}\n")
    (event,) = tracker.device_events(known, lines)
    assert (event.serial, event.kind, event.state) == ("1-1.2", "no_permissions", "no_permissions")
    assert known == {"1-1.2": "no_permissions"}

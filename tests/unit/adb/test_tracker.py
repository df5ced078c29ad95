"""How adb's device states become events, without a server."""

from __future__ import annotations

import pytest

from softphone.adb import tracker
from softphone.adb.parse import DeviceLine


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        ("device", "attached"),
        ("unauthorized", "unauthorized"),
        ("offline", "offline"),
        ("recovery", "offline"),
        ("no permissions (missing udev rules? user is in the plugdev group)", "no_permissions"),
        ("connecting", None),
        ("authorizing", None),
    ],
)
def test_each_adb_state_maps_to_its_event(state: str, kind: str | None) -> None:
    assert tracker.event_kind(state) == kind


def test_device_events_follow_a_phone_through_its_states() -> None:
    known: dict[str, str] = {}
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

"""phone.DeskPhone on its own, over a small fake bridge that answers as the real one does.

The fake takes the adb server's device list as adb prints it (`adb devices -l`) and each phone's
answers to the probe commands as Android prints them, and goes through the same parsers as
`PhoneBridge` (`parse.parse_devices`, `capabilities_from`): what DeskPhone sees is what it
would see behind a real adb server. The end-to-end proofs (real adb server, simulated phone)
are in tests/integration.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import cast

import pytest

from softphone.adb import parse
from softphone.adb.bridge import (
    Capabilities,
    DeviceEvent,
    DeviceInfo,
    PhoneBridge,
    PhoneError,
    ProbeAnswers,
    capabilities_from,
)
from softphone.config import Settings
from softphone.console import describe, fix_for
from softphone.engine import jsonable
from softphone.flow import PhoneUnavailable
from softphone.phone import DeskPhone, PhoneState, PhoneStatus, phone_state
from softphone.problems import Problem, ProblemKind

#: What adb 36 prints on Linux for a phone this user may not open (udev rules missing).
NO_PERMISSIONS = (
    "no permissions (user in plugdev group; are your udev rules wrong?); "
    "see [http://developer.android.com/tools/device.html]"
)

PROPS = """[ro.build.version.release]: [14]
[ro.build.version.sdk]: [34]
[ro.product.manufacturer]: [Google]
[ro.product.model]: [{model}]
[gsm.sim.state]: [{sims}]
"""
ONE_SIM_STATE = "    mCallState=0\n"
TWO_SIM_STATE = "    mCallState=0\n    mCallState=0\n"
CALL_LOG_OK = "No result found.\n"
CALL_LOG_DENIED = (
    "Error while accessing provider:call_log\njava.lang.SecurityException: Permission Denial: "
    "opening provider com.android.providers.contacts.CallLogProvider from ProcessRecord{1 "
    "1234:com.android.shell/2000} (pid=1234, uid=2000) requires "
    "android.permission.READ_CALL_LOG or android.permission.WRITE_CALL_LOG\n"
)


def answers(
    *,
    model: str = "Pixel 7",
    sims: int = 1,
    call_log: str = CALL_LOG_OK,
    default_call_sim: str | None = None,
) -> ProbeAnswers:
    """A phone's answers to the probe, as Android prints them (`default_call_sim`: the
    `settings get global multi_sim_voice_call` line, asked only with two SIMs)."""
    states = ",".join(["READY"] * sims + ["ABSENT"] * (2 - sims))
    return ProbeAnswers(
        props=PROPS.format(model=model, sims=states),
        call_log=call_log,
        input="",
        call_state=TWO_SIM_STATE if sims == 2 else ONE_SIM_STATE,
        default_call_sim=default_call_sim if sims >= 2 else None,
    )


class FakeBridge:
    """The part of `PhoneBridge` DeskPhone uses: the device list, the probe, events."""

    def __init__(self) -> None:
        self.devices_text = "List of devices attached\n"
        self.phones: dict[str, ProbeAnswers] = {}
        self.start_error: BaseException | None = None
        self.probed: list[str] = []
        self.events_sent: asyncio.Queue[DeviceEvent] = asyncio.Queue()

    def attach(self, *lines: str) -> None:
        """The device list as `adb devices -l` prints it, one line per phone."""
        self.devices_text = "List of devices attached\n" + "".join(f"{line}\n" for line in lines)

    async def start(self) -> None:
        if self.start_error is not None:
            raise self.start_error

    async def devices(self) -> list[DeviceInfo]:
        return [
            DeviceInfo(line.serial, line.state, line.tags.get("model"), line.detail)
            for line in parse.parse_devices(self.devices_text)
        ]

    async def probe(self, serial: str) -> Capabilities:
        self.probed.append(serial)
        return capabilities_from(serial, self.phones[serial], clock_offset_ms=12)

    async def events(self) -> AsyncIterator[DeviceEvent]:
        while True:
            yield await self.events_sent.get()


def desk_phone(bridge: FakeBridge, **kwargs: object) -> tuple[DeskPhone, list[PhoneStatus]]:
    changes: list[PhoneStatus] = []
    phone = DeskPhone(
        cast(PhoneBridge, bridge),
        on_change=changes.append,
        **kwargs,  # type: ignore[arg-type]
    )
    return phone, changes


def kinds(status: PhoneStatus) -> list[ProblemKind]:
    return [p.kind for p in status.problems]


# -- what adb says, as a state -----------------------------------------------------------------


async def test_an_attached_authorised_phone_is_probed_once_and_ready() -> None:
    bridge = FakeBridge()
    bridge.attach("R58M12345 device product:p7 model:Pixel_7 device:panther transport_id:3")
    bridge.phones["R58M12345"] = answers()
    phone, changes = desk_phone(bridge)
    status = await phone.check_now()
    assert status.state is PhoneState.DEVICE and status.ready
    assert (status.serial, status.model, status.android) == ("R58M12345", "Pixel 7", "14")
    assert status.problems == () and status.sim_count == 1
    assert status.clock_offset_ms == 12 and phone.clock_offset_ms == 12
    assert phone.serial == "R58M12345"
    await phone.check_now()  # looked at again: nothing moved, nothing probed again
    assert bridge.probed == ["R58M12345"]
    assert changes == [status]


@pytest.mark.parametrize(
    ("adb_state", "state", "problem"),
    [
        ("unauthorized", PhoneState.UNAUTHORIZED, ProblemKind.PHONE_UNAUTHORIZED),
        ("offline", PhoneState.OFFLINE, ProblemKind.PHONE_OFFLINE),
        ("recovery", PhoneState.OFFLINE, ProblemKind.PHONE_OFFLINE),
        (NO_PERMISSIONS, PhoneState.NO_PERMISSIONS, ProblemKind.PHONE_NO_PERMISSIONS),
    ],
    ids=["unauthorized", "offline", "recovery", "no-permissions"],
)
async def test_a_phone_that_cannot_be_used_has_its_state_and_problem_and_is_not_probed(
    adb_state: str, state: PhoneState, problem: ProblemKind
) -> None:
    bridge = FakeBridge()
    bridge.attach(f"R58M12345 {adb_state} usb:1-1 transport_id:3")
    phone, _ = desk_phone(bridge)
    status = await phone.check_now()
    assert status.state is state and not status.ready
    assert kinds(status) == [problem]
    assert status.serial == "R58M12345" and status.attached == ("R58M12345",)
    assert bridge.probed == []
    assert phone.serial is None
    with pytest.raises(PhoneUnavailable) as refused:
        await phone.dial("+79123456789")
    assert refused.value.problem.kind is problem


async def test_adbs_own_no_permissions_text_never_reaches_the_operator() -> None:
    assert phone_state(NO_PERMISSIONS) is PhoneState.NO_PERMISSIONS
    bridge = FakeBridge()
    bridge.attach(f"0123456789ABCDEF {NO_PERMISSIONS}")
    phone, changes = desk_phone(bridge)
    status = await phone.check_now()
    assert status.state is PhoneState.NO_PERMISSIONS
    shown = [
        json.dumps(jsonable(status)),
        repr(status),
        *(describe(p) for p in status.problems),
        *(json.dumps(jsonable(c)) for c in changes),
    ]
    for text in shown:
        assert "no permissions" not in text and "rules wrong" not in text
        assert "developer.android.com" not in text
    assert status.problems == (Problem(ProblemKind.PHONE_NO_PERMISSIONS),)
    # The CLI words it, and its fix says what to do, in its own words.
    assert describe(status.problems[0]) == "This computer may not open the phone's USB connection."
    assert "udev rule" in (fix_for(status.problems[0]) or "")


async def test_several_phones_and_none_chosen_is_its_own_state() -> None:
    bridge = FakeBridge()
    bridge.attach("AAA device model:Pixel_7", "BBB device model:Redmi_Note_12")
    phone, _ = desk_phone(bridge)
    status = await phone.check_now()
    assert status.state is PhoneState.SEVERAL and not status.ready
    assert status.problems == (Problem(ProblemKind.PHONE_SEVERAL, params={"count": 2}),)
    assert set(status.attached) == {"AAA", "BBB"}
    assert bridge.probed == []


async def test_of_several_phones_the_only_authorised_one_is_used() -> None:
    bridge = FakeBridge()
    bridge.attach("AAA unauthorized", "BBB device model:Redmi_Note_12")
    bridge.phones["BBB"] = answers(model="Redmi Note 12")
    phone, _ = desk_phone(bridge)
    status = await phone.check_now()
    assert status.state is PhoneState.DEVICE and status.serial == "BBB"
    assert set(status.attached) == {"AAA", "BBB"}


async def test_the_chosen_phone_missing_is_not_the_same_as_no_phone() -> None:
    bridge = FakeBridge()
    bridge.attach("AAA device")
    phone, _ = desk_phone(bridge, preferred_serial="CCC")
    status = await phone.check_now()
    assert status.state is PhoneState.NONE and status.serial is None
    assert kinds(status) == [ProblemKind.PHONE_CHOSEN_MISSING]
    assert status.attached == ("AAA",)
    bridge.attach()
    status = await phone.check_now()
    assert kinds(status) == [ProblemKind.PHONE_NONE] and status.attached == ()
    assert bridge.probed == []


async def test_nothing_attached_is_state_none() -> None:
    phone, _ = desk_phone(FakeBridge())
    status = await phone.check_now()
    assert status.state is PhoneState.NONE
    assert kinds(status) == [ProblemKind.PHONE_NONE]


async def test_an_adb_server_that_refuses_is_adb_error_with_its_words() -> None:
    bridge = FakeBridge()
    refusal = Problem(ProblemKind.ADB_ERROR, "cannot connect to daemon at tcp:5037")
    bridge.start_error = PhoneError(refusal, "server")
    phone, _ = desk_phone(bridge)
    status = await phone.check_now()
    assert status.state is PhoneState.ADB_ERROR
    assert status.problems == (refusal,)


async def test_an_unexpected_adb_failure_is_adb_error_and_its_traceback_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bridge = FakeBridge()
    bridge.start_error = FileNotFoundError("adb")  # a bad ADBUTILS_ADB_PATH
    phone, _ = desk_phone(bridge)
    status = await phone.check_now()
    assert status.state is PhoneState.ADB_ERROR
    assert kinds(status) == [ProblemKind.ADB_ERROR]
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "adb server cannot be used" in record.getMessage()
    assert record.exc_info is not None  # the traceback, for support


# -- looking again -----------------------------------------------------------------------------


async def test_reprobe_looks_at_an_already_probed_phone_again_and_shows_what_changed() -> None:
    bridge = FakeBridge()
    bridge.attach("AAA device")
    bridge.phones["AAA"] = answers(call_log=CALL_LOG_DENIED)
    phone, changes = desk_phone(bridge)
    before = await phone.check_now()
    assert kinds(before) == [ProblemKind.CALL_LOG_DENIED]
    assert before.call_log is not None and not before.call_log.ok
    # The operator updated the phone's software: the call log is readable now.
    bridge.phones["AAA"] = answers(call_log=CALL_LOG_OK)
    assert await phone.check_now() == before  # an ordinary look does not probe again
    after = await phone.reprobe()
    assert bridge.probed == ["AAA", "AAA"]
    assert after.problems == () and after.call_log is not None and after.call_log.ok
    assert changes == [before, after]


async def test_a_dual_sim_phone_without_a_default_sim_for_calls_is_flagged_not_refused() -> None:
    bridge = FakeBridge()
    bridge.attach("AAA device")
    bridge.phones["AAA"] = answers(sims=2, default_call_sim="null")
    phone, _ = desk_phone(bridge)
    status = await phone.check_now()
    assert status.problems == (Problem(ProblemKind.NO_DEFAULT_SIM, params={"sims": 2}),)
    assert status.sim_count == 2 and status.default_call_sim is None
    assert status.ready  # Android will ask which SIM: said, with its fix, never a refusal
    assert "SIM cards > Calls" in (fix_for(status.problems[0]) or "")
    # The operator chose SIM 1 for calls and asks Softphone to look again.
    bridge.phones["AAA"] = answers(sims=2, default_call_sim="1")
    status = await phone.reprobe()
    assert status.problems == () and status.default_call_sim == 1


@pytest.mark.parametrize(
    "answer", ["/system/bin/sh: settings: inaccessible or not found", "-1", "2147483647"]
)
async def test_a_dual_sim_phone_that_cannot_say_or_asks_each_time(answer: str) -> None:
    bridge = FakeBridge()
    bridge.attach("AAA device")
    bridge.phones["AAA"] = answers(sims=2, default_call_sim=answer)
    phone, _ = desk_phone(bridge)
    status = await phone.check_now()
    cannot_say = "not found" in answer
    # A phone that cannot say is unknown, not a problem; -1 ("ask every time") and the
    # placeholder id are "none set".
    assert kinds(status) == ([] if cannot_say else [ProblemKind.NO_DEFAULT_SIM])


# -- settings ----------------------------------------------------------------------------------


async def test_apply_settings_switches_the_chosen_phone() -> None:
    bridge = FakeBridge()
    bridge.attach("AAA device", "BBB device")
    bridge.phones["AAA"] = answers(model="Pixel 7")
    bridge.phones["BBB"] = answers(model="Redmi Note 12")
    phone, changes = desk_phone(bridge, preferred_serial="AAA")
    first = await phone.check_now()
    assert (first.serial, first.model) == ("AAA", "Pixel 7")
    phone.apply_settings(Settings(phone_serial="BBB"))
    assert phone.preferred_serial == "BBB"
    second = await phone.check_now()
    assert (second.serial, second.model, second.state) == (
        "BBB",
        "Redmi Note 12",
        PhoneState.DEVICE,
    )
    assert phone.serial == "BBB" and bridge.probed == ["AAA", "BBB"]
    phone.apply_settings(Settings(phone_serial=""))  # back to "the one attached"
    assert (await phone.check_now()).state is PhoneState.SEVERAL
    assert [c.serial for c in changes] == ["AAA", "BBB", None]


async def test_the_watcher_looks_again_on_a_device_event_and_on_new_settings() -> None:
    bridge = FakeBridge()
    bridge.attach("AAA unauthorized", "BBB device")
    bridge.phones["AAA"] = answers(model="Pixel 7")
    bridge.phones["BBB"] = answers(model="Redmi Note 12")
    changed = asyncio.Queue[PhoneStatus]()
    phone = DeskPhone(cast(PhoneBridge, bridge), on_change=changed.put_nowait)
    await phone.start()
    try:
        assert (await asyncio.wait_for(changed.get(), 10)).serial == "BBB"
        # The operator tapped Allow on the first phone: adb reports it, the watcher looks.
        bridge.attach("AAA device", "BBB device")
        await bridge.events_sent.put(DeviceEvent("AAA", "attached", "device"))
        several = await asyncio.wait_for(changed.get(), 10)
        assert several.state is PhoneState.SEVERAL and not several.ready
        phone.apply_settings(Settings(phone_serial="AAA"))
        chosen = await asyncio.wait_for(changed.get(), 10)
        assert (chosen.serial, chosen.model, chosen.ready) == ("AAA", "Pixel 7", True)
    finally:
        await phone.stop()

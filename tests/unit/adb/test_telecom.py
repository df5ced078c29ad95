"""Telecom's analytics blocks, read from `dumpsys telecom` as Android 7 to 14 print them.

The fixtures are written from AOSP's own printing code (see softphone/adb/telecom.py for the
files): `Analytics.CallInfoImpl.toString`, `DisconnectCause.toString`, and the two-space
IndentingPrintWriter of `TelecomServiceImpl.dump` (which also indents the blank line after each
block). The values (times, ids, causes) are made up; the shapes are not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softphone.adb.telecom import TelecomCall, disconnect_outcome, parse_telecom_calls

DUMPS = Path(__file__).parent / "dumps"
TELEPHONY = "com.android.phone/com.android.services.telephony.TelephonyConnectionService"
DIALER = "com.google.android.dialer/com.android.incallui.InCallServiceImpl"


def dump(name: str) -> str:
    return (DUMPS / f"telecom_{name}.txt").read_text(encoding="utf-8")


#: Android 7.0: the first Analytics.java, eight fields; a call the callee rejected.
ANDROID_7 = dump("android_7")
#: Android 8.1: Analytics.java as in an Android 8.1 BSP (isVideoCall, inCallServices,
#: callProperties); the old DisconnectCause (`Tone: (n) ]`). An outgoing call the network
#: reported busy, a missed incoming call, and the parts of the dump around the analytics (the
#: event history after them names the same call and cause, and must not count twice).
ANDROID_8 = dump("android_8")
#: Android 11: Analytics.java as in LineageOS 18.1 (isEmergency, callSource); DisconnectCause
#: still ends with `Tone: (n) ]`. The callee hung up after talking; then a call the operator
#: hung up before it connected.
ANDROID_11 = dump("android_11")
#: Android 12–14: Analytics.java as in GrapheneOS (missedReason; inCallServices with crash and
#: binding time), DisconnectCause with TelephonyCause and ImsReasonInfo. A busy callee, a
#: network failure whose Reason lists two causes and whose ImsReasonInfo has braces and commas,
#: and a call still in progress (`endTime: 0`, `NOT SET`).
ANDROID_14 = dump("android_14")


def summary(calls: list[TelecomCall]) -> list[tuple[object, ...]]:
    return [(c.call_id, c.start_ms, c.end_ms, c.direction, c.code, c.reason) for c in calls]


def test_android_8_blocks_are_read_and_the_event_history_after_them_is_not() -> None:
    calls = parse_telecom_calls(ANDROID_8)
    assert summary(calls) == [
        ("TC@3", 1_700_000_000_123, 1_700_000_009_456, "OUTGOING", "BUSY", "BUSY"),
        ("TC@4", 1_700_000_100_000, 1_700_000_130_000, "INCOMING", "MISSED", "INCOMING_MISSED"),
    ]
    assert calls[0].raw == (
        "DisconnectCause [ Code: (BUSY) Label: (Busy) Description: () Reason: (BUSY) Tone: (17) ]"
    )


def test_android_11_blocks_with_is_emergency_and_call_source_are_read() -> None:
    assert summary(parse_telecom_calls(ANDROID_11)) == [
        ("TC@11", 1_700_001_000_500, 1_700_001_031_900, "OUTGOING", "REMOTE", "NORMAL"),
        ("TC@12", 1_700_001_200_000, 1_700_001_204_000, "OUTGOING", "LOCAL", "LOCAL"),
    ]


def test_android_14_blocks_with_telephony_cause_and_a_live_call_are_read() -> None:
    calls = parse_telecom_calls(ANDROID_14)
    assert summary(calls) == [
        ("TC@21", 1_700_002_000_250, 1_700_002_006_750, "OUTGOING", "BUSY", "BUSY"),
        (
            "TC@22",
            1_700_002_100_000,
            1_700_002_101_000,
            "OUTGOING",
            "ERROR",
            "CM_SER_UNAVAILABLE, ERROR_UNSPECIFIED",
        ),
        ("TC@23", 1_700_002_200_000, None, "OUTGOING", None, None),  # endTime 0, NOT SET
    ]
    assert calls[0].raw.endswith("Tone: (17)  TelephonyCause: 4/-1 ImsReasonInfo: null]")
    assert "CODE_SIP_TEMPRARILY_UNAVAILABLE, 480" in calls[1].raw
    assert calls[2].raw == "NOT SET"


def test_android_7_blocks_with_an_empty_reason_are_read() -> None:
    (call,) = parse_telecom_calls(ANDROID_7)
    assert (call.direction, call.code, call.reason) == ("OUTGOING", "REJECTED", None)


def test_the_block_in_phone_adb_md_parses_as_the_simulated_phone_prints_it() -> None:
    text = (
        "Call TC@12: {\n"
        "    startTime: 1764425836123\n"
        "    endTime: 1764425851456\n"
        "    direction: OUTGOING\n"
        "    isAdditionalCall: false\n"
        "    isInterrupted: false\n"
        "    callTechnologies: [GSM ]\n"
        "    callTerminationReason: DisconnectCause [ Code: (BUSY) Label: () Description: () "
        "Reason: (BUSY) Tone: (95) ]\n"
        "    connectionService: …\n"
        "    …\n"
        "}\n"
    )
    assert summary(parse_telecom_calls(text)) == [
        ("TC@12", 1_764_425_836_123, 1_764_425_851_456, "OUTGOING", "BUSY", "BUSY")
    ]


def test_a_real_sized_dump_with_a_hundred_calls_is_read_whole() -> None:
    block = ANDROID_14[ANDROID_14.index("  Call TC@21") : ANDROID_14.index("  Call TC@22")]
    noise = "  22:13:20.130 - CREATED:PCR.oR@AAA (a line of the event history)\n" * 4_000
    text = noise + "Analytics:\n" + block * 100 + noise
    calls = parse_telecom_calls(text)
    assert len(text) > 500_000
    assert len(calls) == 100 and {c.code for c in calls} == {"BUSY"}


def test_windows_line_ends_and_nul_bytes_change_nothing() -> None:
    mangled = ANDROID_14.replace("\n", "\r\n").replace("Code:", "Code:\x00")
    assert summary(parse_telecom_calls(mangled)) == summary(parse_telecom_calls(ANDROID_14))


def test_a_dump_cut_in_the_middle_of_a_block_keeps_what_was_printed() -> None:
    cut = ANDROID_14[: ANDROID_14.index("missedReason", ANDROID_14.index("TC@22"))]
    calls = parse_telecom_calls(cut)
    assert [c.call_id for c in calls] == ["TC@21", "TC@22"]
    assert calls[1].code == "ERROR"


def test_a_block_cut_before_its_cause_has_no_code() -> None:
    cut = ANDROID_11[: ANDROID_11.index("isAdditionalCall")]
    (call,) = parse_telecom_calls(cut)
    assert (call.start_ms, call.code, call.reason, call.raw) == (1_700_001_000_500, None, None, "")


def test_an_oem_code_telecom_does_not_know_is_kept_as_printed() -> None:
    text = (
        "Call TC@5: {\n    direction: OUTGOING\n    startTime: 1700000000000\n"
        "    callTerminationReason: DisconnectCause [ Code: (invalid code: 42) Label: () "
        "Description: () Reason: (WFC_CALL_ERROR) Tone: (-1) ]\n}\n"
    )
    (call,) = parse_telecom_calls(text)
    assert (call.code, call.reason) == ("invalid code: 42", "WFC_CALL_ERROR")


def test_a_phone_number_in_a_carriers_words_is_masked() -> None:
    text = (
        "Call TC@6: {\n    direction: OUTGOING\n    startTime: 1700000000000\n"
        "    callTerminationReason: DisconnectCause [ Code: (ERROR) Label: () "
        "Description: (Cannot call +79991234567) Reason: (BARRED +79991234567) Tone: (-1) ]\n}\n"
    )
    (call,) = parse_telecom_calls(text)
    assert "79991234567" not in call.raw
    assert call.reason is not None and "79991234567" not in call.reason


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Can't find service: telecom\n",
        "/system/bin/sh: dumpsys: inaccessible or not found\n",
        "Call TC@1: {\n}\n",  # a block with nothing we know
        "Call TC@1 [2023-11-14 22:13:20.123](MO - outgoing)\n    startTime: 1700000000000\n",
        "startTime: 1700000000000\ndirection: OUTGOING\n",  # fields outside any block
    ],
)
def test_text_without_analytics_blocks_gives_no_calls(text: str) -> None:
    assert parse_telecom_calls(text) == []


# -- our call among telecom's -----------------------------------------------------------------

DIAL_MS = 1_700_002_000_000
OURS = TelecomCall(DIAL_MS + 250, DIAL_MS + 6_750, "OUTGOING", "BUSY", "BUSY", "…", "TC@21")
EARLIER = TelecomCall(DIAL_MS - 60_000, DIAL_MS - 50_000, "OUTGOING", "REMOTE", "NORMAL", "…")
LATER = TelecomCall(DIAL_MS + 30_000, DIAL_MS + 40_000, "OUTGOING", "LOCAL", "LOCAL", "…")
INCOMING_NEARER = TelecomCall(DIAL_MS + 10, DIAL_MS + 900, "INCOMING", "MISSED", None, "…")


def test_our_call_is_the_outgoing_one_that_started_nearest_the_dial() -> None:
    calls = [LATER, INCOMING_NEARER, OURS, EARLIER]
    assert disconnect_outcome(calls, dial_ms=DIAL_MS, end_ms=DIAL_MS + 7_000) == OURS


@given(st.permutations([LATER, INCOMING_NEARER, OURS, EARLIER]))
def test_the_order_telecom_printed_the_blocks_in_never_matters(calls: list[TelecomCall]) -> None:
    assert disconnect_outcome(calls, dial_ms=DIAL_MS, end_ms=None) == OURS


def test_no_outgoing_call_near_the_dial_is_no_outcome() -> None:
    others = [EARLIER, LATER, INCOMING_NEARER]
    assert disconnect_outcome(others, dial_ms=DIAL_MS, end_ms=None) is None
    assert disconnect_outcome([], dial_ms=DIAL_MS, end_ms=None) is None


def test_the_slack_bounds_how_far_the_start_may_be_from_the_dial() -> None:
    assert disconnect_outcome([OURS], dial_ms=DIAL_MS + 3_250, end_ms=None) == OURS
    assert disconnect_outcome([OURS], dial_ms=DIAL_MS + 3_251, end_ms=None) is None
    assert disconnect_outcome([OURS], dial_ms=DIAL_MS - 1_000, end_ms=None, slack_ms=1_000) is None


def test_a_call_still_in_progress_is_returned_with_no_code() -> None:
    live = TelecomCall(DIAL_MS + 100, None, "OUTGOING", None, None, "NOT SET", "TC@23")
    assert disconnect_outcome([live], dial_ms=DIAL_MS, end_ms=None) == live


def test_a_call_that_ended_well_after_ours_did_is_not_ours() -> None:
    assert disconnect_outcome([OURS], dial_ms=DIAL_MS, end_ms=DIAL_MS + 1_000) is None
    assert disconnect_outcome([OURS], dial_ms=DIAL_MS, end_ms=DIAL_MS + 4_000) == OURS


def test_the_end_time_settles_two_calls_that_started_equally_near() -> None:
    short = TelecomCall(DIAL_MS + 250, DIAL_MS + 1_000, "OUTGOING", "ERROR", None, "…")
    calls = [OURS, short]
    assert disconnect_outcome(calls, dial_ms=DIAL_MS, end_ms=DIAL_MS + 6_700) == OURS
    assert disconnect_outcome(calls, dial_ms=DIAL_MS, end_ms=DIAL_MS + 1_100) == short


def test_two_indistinguishable_calls_with_different_causes_give_no_outcome() -> None:
    twin = TelecomCall(DIAL_MS + 250, DIAL_MS + 6_750, "OUTGOING", "REMOTE", "NORMAL", "…")
    assert disconnect_outcome([OURS, twin], dial_ms=DIAL_MS, end_ms=None) is None
    same = TelecomCall(DIAL_MS + 250, DIAL_MS + 6_750, "OUTGOING", "BUSY", "BUSY", "…", "TC@21_1")
    assert disconnect_outcome([OURS, same], dial_ms=DIAL_MS, end_ms=None) in (OURS, same)


def test_the_fixtures_own_busy_call_is_found_by_its_dial_time() -> None:
    calls = parse_telecom_calls(ANDROID_14)
    found = disconnect_outcome(calls, dial_ms=1_700_002_000_000, end_ms=1_700_002_007_000)
    assert found is not None and (found.call_id, found.code) == ("TC@21", "BUSY")


# -- never raising, and reading back what Android prints ----------------------------------------

_TELECOMISH = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(
            [
                "Call TC@1: {",
                "  Call TC@2: {\n",
                "}",
                "\n  }\n",
                "startTime: ",
                "    endTime: ",
                "direction: OUTGOING",
                "callTerminationReason: ",
                "DisconnectCause [ Code: (",
                ") Label: (",
                ") Reason: (",
                ") Tone: (",
                ") ]",
                "NOT SET",
                "1700000000000",
                "99999999999999999999999",
                "(",
                ")",
                "\r\n",
                "\n",
                "\x00",
            ]
        ),
    ),
    max_size=40,
).map("".join)


@given(text=st.one_of(st.text(), _TELECOMISH))
def test_parse_telecom_calls_never_raises_on_any_text(text: str) -> None:
    for call in parse_telecom_calls(text):
        assert call.direction in ("OUTGOING", "INCOMING", "UNKNOWN")
        assert call.start_ms is None or call.start_ms > 0
        assert call.end_ms is None or call.end_ms > 0
        assert len(call.raw) <= 2_100
    disconnect_outcome(parse_telecom_calls(text), dial_ms=1_700_000_000_000, end_ms=None)


@pytest.mark.parametrize("value", [None, b"Call TC@1: {", 42, ["x"]])
def test_non_text_is_no_calls(value: object) -> None:
    assert parse_telecom_calls(value) == []


_CODES = st.sampled_from(["BUSY", "REJECTED", "REMOTE", "LOCAL", "MISSED", "ERROR", "OTHER"])
_WORDS = st.text(
    # Letters only: digits could make a phone number, which masking rightly hides.
    alphabet=st.characters(whitelist_categories=("Lu", "Ll"), whitelist_characters="_ ,"),
    max_size=30,
).map(str.strip)


def render(version: int, call_id: str, start: int, end: int, direction: str, cause: str) -> str:
    """One block as `Analytics.dump` prints it on that Android version (two-space indent)."""
    fields = [
        f"startTime: {start}",
        f"endTime: {end}",
        f"direction: {direction}",
        "isAdditionalCall: false",
        "isInterrupted: false",
        *(["isEmergency: false"] if version >= 11 else []),
        "callTechnologies: [GSM IMS ]",
        f"callTerminationReason: {cause}",
        *(["missedReason: []"] if version >= 12 else []),
        f"connectionService: {TELEPHONY}",
        "isVideoCall: false",
        "inCallServices: [",
        f"name: {DIALER} type: 1",
    ]
    after = ["callProperties: []", *(["callSource: UNSPECIFIED"] if version >= 11 else [])]
    lines = [f"  Call {call_id}: {{", *(f"      {f}" for f in fields), "  ]"]
    lines += [f"      {f}" for f in after]
    return "\n".join([*lines, "  }", "  ", ""])


def cause_text(version: int, code: str, reason: str) -> str:
    tail = ")  TelephonyCause: 4/-1 ImsReasonInfo: null]" if version >= 12 else ") ]"
    return (
        f"DisconnectCause [ Code: ({code}) Label: () Description: () Reason: ({reason}) "
        f"Tone: (17{tail}"
    )


@given(
    version=st.sampled_from([8, 11, 12, 14]),
    start=st.integers(1_000_000_000_000, 9_999_999_999_999),
    duration=st.integers(0, 10_000_000),
    direction=st.sampled_from(["OUTGOING", "INCOMING", "UNKNOWN"]),
    code=_CODES,
    reason=_WORDS,
)
def test_what_each_android_version_prints_reads_back(
    version: int, start: int, duration: int, direction: str, code: str, reason: str
) -> None:
    text = "Analytics:\n" + render(
        version, "TC@7", start, start + duration, direction, cause_text(version, code, reason)
    )
    (call,) = parse_telecom_calls(text)
    assert (call.call_id, call.start_ms, call.end_ms, call.direction) == (
        "TC@7",
        start,
        start + duration,
        direction,
    )
    assert call.code == code
    assert call.reason == (reason or None)


def test_a_call_that_never_connected_is_found_by_its_end_start_time_is_zero() -> None:
    # Telecom sets startTime only when a call goes active: busy, declined and unanswered calls
    # print `startTime: 0`, and are placed by when they ended.
    busy = TelecomCall(0, DIAL_MS + 6_600, "OUTGOING", "BUSY", "BUSY", "…(BUSY)…")
    earlier = TelecomCall(0, DIAL_MS - 60_000, "OUTGOING", "LOCAL", "LOCAL", "…(LOCAL)…")
    found = disconnect_outcome([earlier, busy], dial_ms=DIAL_MS, end_ms=DIAL_MS + 6_700)
    assert found == busy
    assert disconnect_outcome([busy], dial_ms=DIAL_MS, end_ms=None) is None

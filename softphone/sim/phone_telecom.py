"""`dumpsys telecom` for the simulated phone: Telecom's analytics of recent calls.

The one part of a real phone that says *why* a call ended (busy, declined, hung up here or
there) is Telecom's `Analytics`: one block per recent call, printed by `dumpsys telecom`. This
module prints those blocks as Android does; the calls themselves come from `phone_calls`.
It only formats: it must never decide what happened to a call, and never import anything
from the rest of `softphone/` (it has to be an independent witness of Android's format).

Where each text was copied from (AOSP sources, read through public mirrors):

- The block, `Call TC@N: {` … `}`: `Analytics.CallInfoImpl.toString()` and `Analytics.dump()`
  in packages/services/Telecomm/src/com/android/server/telecom/Analytics.java, Android 14
  (`isEmergency`, `missedReason`, `inCallServices` with crash state and bound time, then
  `Hardware Version:` and `Past analytics dumps:`; the same in Android 15), and Android 11
  (LineageOS 18.1: no `missedReason`, shorter `inCallServices`, no trailing lines).
- The indentation: TelecomServiceImpl.dump() writes through an IndentingPrintWriter with a
  two-space indent under `Analytics:`; it indents every line the block's toString() prints,
  the blank one after each block included (so that line is two spaces).
- `callTerminationReason`: `android.telecom.DisconnectCause.toString()` in
  frameworks/base/telecomm/java/android/telecom/DisconnectCause.java: Android 11 ends with
  `Tone: (N) ]`; Android 14 appends `  TelephonyCause: N/N ImsReasonInfo: null]`. While the
  call is up: `NOT SET` (CallInfoImpl.getCallDisconnectReasonString()).
- The cause of each ending: packages/services/Telephony DisconnectCauseUtil (code, reason
  string = android.telephony.DisconnectCause.toString(), tone), with the telephony causes of
  GsmCdmaConnection; precise causes are -1 (NOT_VALID) unless the carrier config shows them.
- `startTime`: set only when the call goes ACTIVE (Call.setState in Telecom), so a call that
  never connected keeps `startTime: 0`; `endTime` is set at DISCONNECTED. Both are the phone's
  wall clock in ms.

Android 12 and 13 are printed in the Android 14 shape (not checked against their sources);
Android 10 and older in the Android 11 shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from softphone.sim.phone_calllog import TELEPHONY_COMPONENT
from softphone.sim.phone_calls import Call, Ending

TELECOM_CHOICES = ("ok", "absent")

#: The dialer's in-call UI, the one InCallService a Pixel binds for a SIM call (type 1:
#: IN_CALL_SERVICE_TYPE_DEFAULT_DIALER_UI).
_DIALER_UI = "com.google.android.dialer/com.android.incallui.InCallServiceImpl"

# ToneGenerator constants.
_TONE_SUP_BUSY = 17
_TONE_SUP_CONGESTION = 18
_TONE_PROP_PROMPT = 27

#: CallFailCause.NOT_VALID: Telephony passes no precise cause unless the carrier shows them.
_NO_PRECISE_CAUSE = -1


@dataclass(frozen=True)
class DisconnectCause:
    """android.telecom.DisconnectCause, with Telephony's telephony cause behind it."""

    code: str
    reason: str
    tone: int
    telephony_cause: int
    label: str = ""  # localised UI text (English here): show it, never parse it

    def text(self, modern: bool) -> str:
        """toString() as Android 14 (`modern`) or Android 11 prints it."""
        head = (
            f"DisconnectCause [ Code: ({self.code}) Label: ({self.label}) Description: ()"
            f" Reason: ({self.reason}) Tone: ({self.tone})"
        )
        if not modern:
            return head + " ]"
        return (
            f"{head}  TelephonyCause: {self.telephony_cause}/{_NO_PRECISE_CAUSE}"
            " ImsReasonInfo: null]"
        )


#: How Android words each ending, for a GSM call on an AOSP (Pixel-like) phone.
CAUSES: dict[Ending, DisconnectCause] = {
    # DisconnectCause.LOCAL (3): this phone hung up.
    Ending.LOCAL: DisconnectCause("LOCAL", "LOCAL", _TONE_PROP_PROMPT, 3),
    # NORMAL (2): the network cleared the call normally, i.e. the other side hung up.
    Ending.REMOTE: DisconnectCause("REMOTE", "NORMAL", _TONE_PROP_PROMPT, 2),
    # BUSY (4), from 3GPP cause 17 "user busy".
    Ending.BUSY: DisconnectCause("BUSY", "BUSY", _TONE_SUP_BUSY, 4, label="Line busy"),
    # Not AOSP: Telephony maps only INCOMING_REJECTED (16) to REJECTED, and a declined outgoing
    # call arrives as BUSY (cause 17) or as ERROR/OTHER (cause 21). The sim says REJECTED so a
    # client can be tested on it; the reason names 3GPP cause 21.
    Ending.CALLEE_REJECTED: DisconnectCause("REJECTED", "CALL_REJECTED", _TONE_PROP_PROMPT, 16),
    # 3GPP cause 19 "no answer" falls to ERROR_UNSPECIFIED (36) in AOSP's GsmCdmaConnection.
    Ending.NO_ANSWER: DisconnectCause("ERROR", "ERROR_UNSPECIFIED", _TONE_PROP_PROMPT, 36),
    # CONGESTION (5): the network could not complete the call.
    Ending.NETWORK_FAILURE: DisconnectCause(
        "ERROR", "CONGESTION", _TONE_SUP_CONGESTION, 5, label="Network busy"
    ),
    # INCOMING_MISSED (1).
    Ending.MISSED: DisconnectCause("MISSED", "INCOMING_MISSED", _TONE_PROP_PROMPT, 1),
    # INCOMING_REJECTED (16): rejected on this phone.
    Ending.USER_REJECTED: DisconnectCause("REJECTED", "INCOMING_REJECTED", _TONE_PROP_PROMPT, 16),
}


def dump(
    calls: Sequence[Call],
    now: float,
    phone_ms: Callable[[float], int],
    sdk: int,
    analytics: bool = True,
) -> str:
    """`dumpsys telecom`: its section headers, and the analytics with one block per call.

    `calls` oldest first, as of monotonic time `now`; `analytics` False prints the dump as it
    is after the platform collected and cleared the analytics: no call blocks at all.
    Telecom's other sections (the calls manager, the phone accounts, the event history) are
    reduced to their headers: the client has no business in them.
    """
    modern = sdk >= 31
    lines = ["CallsManager: ", "PhoneAccountRegistrar: ", "Analytics:"]
    if analytics:
        for call in calls:
            lines += [f"  {line}" for line in _block(call, now, phone_ms, modern)]
    if modern:
        lines += ["  Hardware Version: ", "  Past analytics dumps: "]
    return "\n".join(lines) + "\n"


def _block(call: Call, now: float, phone_ms: Callable[[float], int], modern: bool) -> list[str]:
    """CallInfoImpl.toString() after `Call TC@N: `, then the blank line println() adds."""
    ending = call.ending
    if ending is None:
        connect_at = call.connect_at
        start_ms = phone_ms(connect_at) if connect_at is not None and now >= connect_at else 0
        end_ms = 0
        reason = "NOT SET"
        services: list[str] = []  # Telecom records a service when it unbinds, after the call
    else:
        start_ms, end_ms = call.connect_ms, call.end_ms
        reason = CAUSES[ending].text(modern)
        service = f"    name: {_DIALER_UI} type: 1"
        if modern:
            bound_ms = max(end_ms - call.date_ms, 0)
            service += f" is crashed: false service last time in ms: {bound_ms}"
        services = [service]
    fields = [
        f"    startTime: {start_ms}",
        f"    endTime: {end_ms}",
        f"    direction: {call.direction.upper()}",
        f"    isAdditionalCall: {_java(call.additional)}",
        f"    isInterrupted: {_java(call.interrupted)}",
        "    isEmergency: false",
        "    callTechnologies: [GSM ]",
        f"    callTerminationReason: {reason}",
    ]
    if modern:
        fields.append("    missedReason: []")
    fields += [
        f"    connectionService: {TELEPHONY_COMPONENT}",
        "    isVideoCall: false",
        "    inCallServices: [",
        *services,
        "]",
        "    callProperties: []",
        "    callSource: UNSPECIFIED",
        "}",
    ]
    return [f"Call TC@{call.id}: {{", *fields, ""]


def _java(value: bool) -> str:
    return "true" if value else "false"

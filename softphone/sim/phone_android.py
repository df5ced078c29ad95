"""The simulated phone's Android commands, and the exact texts Android prints for them.

`am start … CALL/DIAL`, `input keyevent`, `dumpsys telephony.registry` and `dumpsys telecom`,
`content query` on the call log, `settings`, `getprop`, `date` and `cmd`, answered as Android
12–14 answers them (the texts are copied from AOSP and from real phones; see
/work/shared/spec/phone-adb.md; the longer ones live in `phone_telecom`, `phone_settings` and
`phone_calllog`). The fault switches that change those answers (a denied call log, blocked input
injection, cleared telecom analytics…) live here too. What a command does to a call is
`phone_calls`' business: this module only parses and prints.

It must never import anything from the rest of `softphone/` (the client's parsers, numbers,
masking): it has to be an independent witness of Android's formats.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

from softphone.sim.phone_calllog import ProviderError, denial_text, format_rows
from softphone.sim.phone_calls import OFFHOOK, RINGING, Calls
from softphone.sim.phone_settings import Settings
from softphone.sim.phone_shell import Command, Result
from softphone.sim.phone_telecom import dump as telecom_dump
from softphone.sim.phone_toybox import TOYBOX

#: Numbers Telecom may treat as emergency numbers (it then downgrades CALL to DIAL). Like
#: `isPotentialLocalEmergencyNumber`, a number *starting* with one of these counts, unless it is
#: written in international form.
EMERGENCY_NUMBERS = ("112", "911", "999", "000", "08", "110", "118", "119", "101", "102", "103")

AUTH_CHOICES = ("none", "reject")
CALLLOG_CHOICES = ("ok", "denied")
INPUT_CHOICES = ("ok", "blocked")


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """`value` if it is one of `allowed`; a ValueError naming the choices otherwise."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


@dataclass
class Faults:
    """The phone's fault switches; read and written under the phone's lock."""

    auth: str = "none"
    calllog: str = "ok"
    input: str = "ok"
    latency_s: float = 0.0
    telecom: str = "ok"  # "absent": the platform collected and cleared Telecom's analytics
    #: Printed instead of the call log's answer to every `content query` on it (None: the
    #: real answer): a broken OEM build, a provider that prints garbage.
    calllog_output: str | None = None


class Handset(Protocol):
    """Who the phone says it is: what getprop and the ADB banner print."""

    @property
    def model(self) -> str: ...
    @property
    def manufacturer(self) -> str: ...
    @property
    def release(self) -> str: ...
    @property
    def sdk(self) -> int: ...
    @property
    def sims(self) -> int: ...
    @property
    def port(self) -> int: ...


class Android:
    """The phone's command table: Android's commands over one phone's calls, log and faults."""

    def __init__(self, handset: Handset, calls: Calls, faults: Faults) -> None:
        self._handset = handset
        self._calls = calls
        self._log = calls.log
        self._faults = faults
        self._lock = calls.lock
        self._pid = 4000 + os.getpid() % 20000
        self._settings = Settings(lambda: handset.sims, lambda: calls.default_sim)

    def commands(self) -> dict[str, Command]:
        return {
            "am": self._am,
            "input": self._input,
            "dumpsys": self._dumpsys,
            "content": self._content,
            "getprop": self._getprop,
            "date": self._date,
            "cmd": self._cmd,
            "settings": self._settings.command,
            **TOYBOX,
        }

    def props(self) -> dict[str, str]:
        """Every system property getprop knows."""
        phone = self._handset
        product = product_name(phone.model)
        props = {
            "ro.product.model": phone.model,
            "ro.product.manufacturer": phone.manufacturer,
            "ro.product.brand": phone.manufacturer.lower(),
            "ro.product.name": product,
            "ro.product.device": product,
            "ro.build.version.release": phone.release,
            "ro.build.version.sdk": str(phone.sdk),
            "ro.serialno": f"SIM{phone.port:05d}",
            "ro.build.type": "user",
            "persist.sys.timezone": "UTC",
            "gsm.sim.state": ",".join(["READY"] * phone.sims),
            "persist.radio.multisim.config": "dsds" if phone.sims == 2 else "ssss",
            "sys.boot_completed": "1",
        }
        if phone.manufacturer.lower() == "xiaomi":
            props["ro.miui.ui.version.name"] = "V140"
        return props

    def _cmd(self, argv: list[str], stdin: str) -> Result:
        services: dict[str, Command] = {
            "activity": self._am,
            "input": self._input,
            "settings": self._settings.command,
        }
        if len(argv) < 2:
            return Result(err="cmd: No service specified; use -l to list all services\n", code=20)
        service = services.get(argv[1])
        if service is None:
            return Result(err=f"cmd: Can't find service: {argv[1]}\n", code=20)
        return service(argv[1:], stdin)

    def _am(self, argv: list[str], stdin: str) -> Result:
        if len(argv) < 2 or argv[1] not in ("start", "start-activity"):
            sub = argv[1] if len(argv) > 1 else ""
            return Result(err=f"Unknown command: {sub}\n", code=255)
        action: str | None = None
        data: str | None = None
        args = argv[2:]
        i = 0
        while i < len(args):
            opt = args[i]
            width = _AM_OPTIONS.get(opt)
            if width is None and opt.startswith("-"):
                return Result(err=_am_exception(f"Unknown option: {opt}"), code=255)
            if width is None:
                # A bare argument is a URI (with a ':'), else a component or package name.
                if ":" in opt:
                    data = opt
                i += 1
                continue
            if i + width >= len(args):
                return Result(err=_am_exception(f'Argument expected after "{opt}"'), code=255)
            if opt == "-a":
                action = args[i + 1]
            elif opt == "-d":
                data = args[i + 1]
            i += 1 + width
        intent = "Intent {"
        if action:
            intent += f" act={action}"
        if data is not None:
            intent += f" dat={_safe_uri(data)}"
        out = f"Starting: {intent} }}\n"
        if action not in (_CALL_ACTION, _DIAL_ACTION) or data is None:
            return Result(out)
        scheme, _, rest = data.partition(":")
        number = unquote(rest)
        if scheme.lower() != "tel" or not _well_formed(number):
            return Result(
                out,
                f"Error: Activity not started, unable to resolve {intent} flg=0x10000000 }}\n",
                code=1,
            )
        if action == _DIAL_ACTION or _may_be_emergency(number):
            # DIAL only opens the dialer; Telecom turns a CALL to a possible emergency
            # number into a DIAL too, and emergency calls are never logged.
            self._calls.dial_intent()
            return Result(out)
        dialled, post_dial = _split_post_dial(_strip_separators(number))
        self._calls.place(dialled, post_dial)
        return Result(out)

    def _input(self, argv: list[str], stdin: str) -> Result:
        args = argv[1:]
        # An optional input source comes first: `input keyboard keyevent 6`.
        if args and args[0] in ("keyboard", "touchscreen", "dpad", "gamepad", "trackball"):
            args = args[1:]
        if not args:
            return Result(err=_INPUT_USAGE, code=1)
        with self._lock:
            blocked = self._faults.input == "blocked"
        if blocked:
            where = args[0]
            return Result(
                err=f"Exception occurred while executing '{where}':\n{_INJECT_DENIED}", code=255
            )
        if args[0] == "keyevent":
            keys = [key for key in args[1:] if not key.startswith("--")]
            if not keys:
                return Result(err=_INPUT_USAGE, code=1)
            for key in keys:
                if key in _ENDCALL_KEYS:
                    self._calls.end_key()
        elif args[0] not in ("tap", "swipe", "text", "draganddrop", "press", "roll", "motionevent"):
            return Result(err=f"Error: Unknown command: {args[0]}\n{_INPUT_USAGE}", code=1)
        return Result()

    def _dumpsys(self, argv: list[str], stdin: str) -> Result:
        if len(argv) < 2:
            return Result("Currently running services:\n  telecom\n  telephony.registry\n")
        if argv[1] == "telecom":
            # Any further argument (`analytics`, `timeline`…) is taken as none.
            with self._lock:
                now = self._calls.advance()
                text = telecom_dump(
                    self._calls.recent(),
                    now,
                    self._calls.phone_ms,
                    self._handset.sdk,
                    analytics=self._faults.telecom == "ok",
                )
            return Result(text)
        if argv[1] != "telephony.registry":
            return Result(err=f"Can't find service: {argv[1]}\n")
        with self._lock:
            now = self._calls.advance()
            states = self._calls.sim_call_states(now)
            default = self._calls.default_sim
        return Result(_registry_dump(states, default))

    def _content(self, argv: list[str], stdin: str) -> Result:
        if len(argv) < 2 or argv[1] != "query":
            return Result(err=_CONTENT_USAGE, code=1)
        options: dict[str, str] = {}
        args = argv[2:]
        i = 0
        while i < len(args):
            opt = args[i]
            if opt not in ("--uri", "--projection", "--where", "--sort", "--user", "--arg"):
                return Result(err=f"Unsupported argument: {opt}\n{_CONTENT_USAGE}", code=1)
            if i + 1 >= len(args):
                return Result(err=f"Unsupported argument: {opt}\n{_CONTENT_USAGE}", code=1)
            options[opt] = args[i + 1]
            i += 2
        uri = options.get("--uri")
        if uri is None:
            return Result(err=f"Content provider URI not specified\n{_CONTENT_USAGE}", code=1)
        authority = uri.removeprefix("content://").split("/", 1)[0]
        head = f"Error while accessing provider:{authority}\n"
        if authority != "call_log":
            return Result(
                err=head
                + f"java.lang.IllegalStateException: Could not find provider: {authority}\n"
            )
        with self._lock:
            now = self._calls.advance()
            denied = self._faults.calllog == "denied"
            canned = self._faults.calllog_output
        if canned is not None:
            return Result(canned)
        if denied:
            pid = self._pid + int(now * 1000) % 997
            trace = "\tat android.os.Parcel.createExceptionOrNull(Parcel.java:3011)\n"
            return Result(err=head + denial_text(pid) + "\n" + trace)
        if uri.rstrip("/") not in ("content://call_log/calls", "content://call_log/calls/filter"):
            return Result(err=head + f"java.lang.IllegalArgumentException: Unknown URL {uri}\n")
        projection = options.get("--projection")
        try:
            rows = self._log.query(
                projection.split(":") if projection else None,
                options.get("--where"),
                options.get("--sort"),
            )
        except ProviderError as exc:
            return Result(err=head + exc.java_line + "\n" + exc.trace)
        return Result(format_rows(rows))

    def _getprop(self, argv: list[str], stdin: str) -> Result:
        props = self.props()
        if len(argv) > 1:
            return Result(props.get(argv[1], argv[2] if len(argv) > 2 else "") + "\n")
        return Result("".join(f"[{key}]: [{value}]\n" for key, value in sorted(props.items())))

    def _date(self, argv: list[str], stdin: str) -> Result:
        ms = self._calls.phone_ms(self._calls.advance())
        fmt = next((arg[1:] for arg in argv[1:] if arg.startswith("+")), "%a %b %e %H:%M:%S %Z %Y")
        return Result(_strftime(fmt, ms) + "\n")


_CALL_ACTION = "android.intent.action.CALL"
_DIAL_ACTION = "android.intent.action.DIAL"
_ENDCALL_KEYS = ("6", "KEYCODE_ENDCALL")
_INJECT_DENIED = (
    "java.lang.SecurityException: Injecting to another application requires INJECT_EVENTS "
    "permission\n"
    "\tat android.os.Parcel.createExceptionOrNull(Parcel.java:2425)\n"
    "\tat android.os.Parcel.createException(Parcel.java:2409)\n"
    "\tat android.os.Parcel.readException(Parcel.java:2392)\n"
    "\tat android.os.Parcel.readException(Parcel.java:2334)\n"
    "\tat android.hardware.input.IInputManager$Stub$Proxy.injectInputEvent"
    "(IInputManager.java:1015)\n"
    "\tat android.hardware.input.InputManager.injectInputEvent(InputManager.java:1030)\n"
    "\tat com.android.server.input.InputShellCommand.injectKeyEvent"
    "(InputShellCommand.java:165)\n"
)

#: `am start` options → how many arguments follow each (Intent.parseCommandArgs and am's own).
_AM_OPTIONS: dict[str, int] = {
    **dict.fromkeys(("-a", "-d", "-t", "-i", "-c", "-n", "-f", "-p", "--esn", "--selector"), 1),
    **dict.fromkeys(("--user", "--display", "--windowingMode", "--activityType", "--task"), 1),
    **dict.fromkeys(("-P", "--start-profiler", "--sampling", "-R", "--attach-agent"), 1),
    **dict.fromkeys(("-e", "--es", "--ei", "--el", "--ef", "--ez", "--eu", "--ecn"), 2),
    **dict.fromkeys(("--eia", "--eial", "--ela", "--elal", "--efa", "--efal", "--esa"), 2),
    **dict.fromkeys(("--esal",), 2),
    **dict.fromkeys(("-W", "-S", "-D", "-N", "--streaming", "--track-allocation"), 0),
    **dict.fromkeys(("--grant-read-uri-permission", "--grant-write-uri-permission"), 0),
    **dict.fromkeys(("--exclude-stopped-packages", "--include-stopped-packages"), 0),
    **dict.fromkeys(("--activity-clear-top", "--activity-new-task", "--activity-single-top"), 0),
    **dict.fromkeys(("--activity-no-history", "--activity-clear-task", "--receiver-foreground"), 0),
}


def _am_exception(message: str) -> str:
    """How `am` (a shell command since Android 8) reports a bad argument: no `Starting:` line."""
    return (
        "Exception occurred while executing 'start':\n"
        f"java.lang.IllegalArgumentException: {message}\n"
        "\tat android.content.Intent.parseCommandArgs(Intent.java:11896)\n"
        "\tat com.android.server.am.ActivityManagerShellCommand.makeIntent"
        "(ActivityManagerShellCommand.java:513)\n"
    )


def product_name(model: str) -> str:
    """ro.product.name from a model name: `Pixel 7` → `pixel_7`."""
    return re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_") or "phone"


def _safe_uri(data: str) -> str:
    """Uri.toSafeString: for tel: every character but `-@.` of the number becomes `x`."""
    scheme, sep, rest = data.partition(":")
    if not sep:
        return data
    if scheme.lower() in ("tel", "sip", "sms", "smsto", "mailto", "nfc"):
        masked = "".join(c if c in "-@." else "x" for c in unquote(rest))
        return f"{scheme}:{masked}"
    return data


_SEPARATORS = " -().\t/"


def _strip_separators(number: str) -> str:
    return "".join(c for c in number if c not in _SEPARATORS)


def _well_formed(number: str) -> bool:
    """A dialable number: digits with an optional leading +, `*#`, and pauses (`,` `;`)."""
    return re.fullmatch(r"\+?[0-9*#]+[0-9*#,;]*", _strip_separators(number)) is not None


def _split_post_dial(number: str) -> tuple[str, str]:
    for i, c in enumerate(number):
        if c in ",;":
            return number[:i], number[i:]
    return number, ""


def _may_be_emergency(number: str) -> bool:
    digits = _strip_separators(number)
    if digits.startswith("+"):
        return False
    return any(digits.startswith(code) for code in EMERGENCY_NUMBERS)


def _registry_dump(states: list[int], default_sim: int | None) -> str:
    """`dumpsys telephony.registry` as Android 12–14 prints it, one block per SIM."""
    sub = (default_sim or 0) + 1
    lines = ["last known state:"]
    for phone_id, state in enumerate(states):
        lines += [
            f"  Phone Id={phone_id}",
            f"    mCallState={state}",
            f"    mRingingCallState={1 if state == RINGING else 0}",
            f"    mForegroundCallState={1 if state == OFFHOOK else 0}",
            "    mBackgroundCallState=0",
            "    mPreciseCallState=Ringing call state: 0, Foreground call state: 0, "
            "Background call state: 0, Disconnect cause: -1, Precise disconnect cause: -1",
            "    mCallDisconnectCause=-1",
            "    mCallIncomingNumber=",
            "    mServiceState={mVoiceRegState=0(IN_SERVICE), mDataRegState=0(IN_SERVICE)}",
            "    mVoiceActivationState=0",
            "    mDataActivationState=0",
            "    mUserMobileDataState=true",
            "    mSignalStrength=SignalStrength:{mLte=CellSignalStrengthLte: rssi=-67 rsrp=-96}",
            "    mMessageWaiting=false",
            "    mCallForwarding=false",
            "    mDataActivity=0",
            "    mDataConnectionState=2",
            "    mSrvccState=-1",
            "    mCallPreciseDisconnectCause=-1",
            "    mCallNetworkType=0",
            "    mOutgoingCallEmergencyNumber=null",
            "    mOutgoingSmsEmergencyNumber=null",
        ]
    lines += [
        "  mCarrierNetworkChangeState=false",
        f"  mActiveDataSubId={sub}",
        "  mRadioPowerState=1",
        f"  mDefaultSubId={sub}",
        f"  mDefaultPhoneId={default_sim or 0}",
        "local logs:",
        "  (none)",
    ]
    return "\n".join(lines) + "\n"


def _strftime(fmt: str, ms: int) -> str:
    """toybox `date +FMT` for the phone's clock in UTC, with `%s`, `%N` and `%3N`."""
    seconds, millis = divmod(ms, 1000)
    fmt = fmt.replace("%s", str(seconds))
    fmt = re.sub(r"%(\d)N", lambda m: f"{millis * 1_000_000:09d}"[: int(m.group(1))], fmt)
    fmt = fmt.replace("%N", f"{millis * 1_000_000:09d}")
    return time.strftime(fmt, time.gmtime(seconds))


_INPUT_USAGE = (
    "Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]\n\n"
    "The commands and default sources are:\n"
    "      text <string> (Default: touchscreen)\n"
    "      keyevent [--longpress|--doubletap] <key code number or name> ... (Default: keyboard)\n"
    "      tap <x> <y> (Default: touchscreen)\n"
)
_CONTENT_USAGE = (
    "usage: adb shell content query --uri <URI> [--user <USER_ID>]"
    " [--projection <PROJECTION>] [--where <WHERE>] [--sort <SORT_ORDER>]\n"
)

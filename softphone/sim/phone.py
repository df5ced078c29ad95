"""A simulated Android phone behind a real adb server: `softphone sim-phone`, or in-process.

It speaks the ADB device protocol on TCP (`adb connect 127.0.0.1:PORT` adds it), runs a small
shell, and answers the commands a call-centre client sends (`am start … CALL`, `input keyevent`,
`dumpsys telephony.registry`, `content query … call_log`, `getprop`, `date`) with Android's own
texts. Calls follow scripts (ring, then answered / not answered / busy / rejected / failed) and
leave call-log rows by Telecom's rules. Every command line received is kept, verbatim. Faults
(unauthorised, call log denied, input blocked, dropped links, slow answers) are switched on by
methods or by a small JSON-over-HTTP control API.

It must never import anything from the rest of `softphone/` (model, numbers, masking, adb…):
a stand-in that shares the client's code would share its bugs and hide them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from softphone.sim.phone_calllog import (
    TELEPHONY_COMPONENT,
    CallLog,
    ProviderError,
    denial_text,
    format_rows,
)
from softphone.sim.phone_shell import Command, Result, Shell
from softphone.sim.phone_wire import AdbDeviceServer

OUTCOMES = ("answered", "no_answer", "busy", "rejected", "failed")

# Call-log types (CallLog.Calls.*_TYPE).
INCOMING_TYPE = 1
OUTGOING_TYPE = 2
MISSED_TYPE = 3
REJECTED_TYPE = 5

# TelephonyManager.CALL_STATE_*.
IDLE, RINGING, OFFHOOK = 0, 1, 2

#: Numbers Telecom may treat as emergency numbers (it then downgrades CALL to DIAL). Like
#: `isPotentialLocalEmergencyNumber`, a number *starting* with one of these counts, unless it is
#: written in international form.
EMERGENCY_NUMBERS = ("112", "911", "999", "000", "08", "110", "118", "119", "101", "102", "103")

DEFAULT_PORT = 15555  # off 5555–5585, which an adb server scans for emulators at start-up
DEFAULT_CONTROL_PORT = 15556

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


@dataclass(frozen=True)
class CallScript:
    """What the far end does with one call.

    `answered`: rings for `ring_s`, then talks for `talk_s`. Every other outcome rings for
    `ring_s` and ends without connecting (for `failed`, `ring_s` is how long the network tried).
    """

    ring_s: float = 1.0
    outcome: str = "answered"
    talk_s: float = 1.0

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}")
        if not (self.ring_s >= 0 and self.talk_s >= 0):
            raise ValueError("ring_s and talk_s must be ≥ 0")

    @classmethod
    def from_dict(cls, data: Any) -> CallScript:
        if not isinstance(data, dict):
            raise ValueError("a call script is a JSON object")
        unknown = set(data) - {"ring_s", "outcome", "talk_s"}
        if unknown:
            raise ValueError(f"unknown call-script fields: {sorted(unknown)}")
        return cls(
            ring_s=float(data.get("ring_s", 1.0)),
            outcome=str(data.get("outcome", "answered")),
            talk_s=float(data.get("talk_s", 1.0)),
        )


@dataclass
class _Call:
    id: int
    direction: str  # "outgoing" | "incoming"
    number: str
    post_dial: str
    slot: int
    date_ms: int  # the phone's clock when the call was created
    outcome: str
    connect_at: float | None  # when it is (or will be) connected; None: never
    end_at: float  # when the far end (or the network) ends it
    end_reason: str = ""  # set when the call ended early: "local_hangup", "user_rejected"

    def status(self, now: float) -> str:
        if self.connect_at is not None and now >= self.connect_at:
            return "active"
        return "dialing" if self.direction == "outgoing" else "ringing"

    def call_state(self, now: float) -> int:
        return RINGING if self.status(now) == "ringing" else OFFHOOK

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "direction": self.direction,
            "number": self.number,
            "status": self.status(now),
            "outcome": self.outcome,
            "date_ms": self.date_ms,
            "sim_slot": self.slot,
        }


@dataclass
class _PendingRow:
    due: float
    values: dict[str, Any]


@dataclass
class _Faults:
    auth: str = "none"
    calllog: str = "ok"
    input: str = "ok"
    latency_s: float = 0.0
    clock_skew_ms: int = 0


@dataclass
class _Counters:
    calls_started: int = 0
    calls_ended: int = 0
    dial_intents: int = 0  # DIAL, or CALL downgraded to DIAL (emergency): the dialer opened
    sim_choosers: int = 0  # CALL with two SIMs and no default: a chooser waits for a tap
    end_keys: int = 0


class SimPhone:
    """One simulated phone. All public methods are thread-safe."""

    def __init__(
        self,
        model: str = "Pixel 7",
        manufacturer: str = "Google",
        release: str = "14",
        sdk: int = 34,
        sims: int = 1,
        auth: str = "none",
        calllog: str = "ok",
        input: str = "ok",
        log_delay_s: float = 0.3,
        clock_skew_ms: int = 0,
        default_sim: int | None = 0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if sims not in (1, 2):
            raise ValueError("sims must be 1 or 2")
        if default_sim is not None and not 0 <= default_sim < sims:
            raise ValueError("default_sim must be a SIM slot (0 or 1) or None")
        self.model = model
        self.manufacturer = manufacturer
        self.release = release
        self.sdk = sdk
        self.sims = sims
        self.log_delay_s = log_delay_s
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._clock = clock
        self._mono0 = clock()
        self._wall0 = wall_clock()
        self._faults = _Faults(
            auth=_choice("auth", auth, _AUTH),
            calllog=_choice("calllog", calllog, _CALLLOG),
            input=_choice("input", input, _INPUT),
            clock_skew_ms=clock_skew_ms,
        )
        self._default_sim = default_sim
        self._default_script = CallScript()
        self._scripts: list[CallScript] = []
        self._call: _Call | None = None
        self._next_call_id = 1
        self._pending: list[_PendingRow] = []
        self._counters = _Counters()
        self._commands: list[str] = []
        self._log = CallLog()
        self._pid = 4000 + os.getpid() % 20000
        self._shell = Shell(self._command_table())
        self._wire = AdbDeviceServer(self._banner, self._authorized, self._serve_shell)
        self._http: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.control_url: str | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0, control_port: int | None = None) -> int:
        """Listen for adb servers (and the control API when asked); returns the ADB port."""
        self.host = host
        self.port = self._wire.start(host, port)
        if control_port is not None:
            try:
                self._http = ThreadingHTTPServer((host, control_port), _control_handler(self))
            except OSError:
                self._wire.stop()  # all or nothing: no half-started phone left listening
                raise
            self._http.daemon_threads = True
            self._http_thread = threading.Thread(
                target=self._http.serve_forever,
                kwargs={"poll_interval": 0.05},  # so stop() returns at once
                name="sim-phone-control",
                daemon=True,
            )
            self._http_thread.start()
            self.control_url = f"http://{host}:{self._http.server_address[1]}"
        return self.port

    def set_log_delay(self, seconds: float) -> None:
        """How long after a disconnect its call-log row appears (Telecom writes it late)."""
        if seconds < 0:
            raise ValueError("the log delay must be ≥ 0")
        with self._lock:
            self.log_delay_s = seconds

    @property
    def serial(self) -> str:
        """The name an adb server gives this phone after `adb connect`."""
        return f"{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop serving and free everything; safe to call twice, or without start()."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        self._wire.stop()
        self._log.close()

    # -- the far end and the user ----------------------------------------------------------

    def set_default_script(self, script: CallScript) -> None:
        with self._lock:
            self._default_script = script

    def push_scripts(self, *scripts: CallScript) -> None:
        """Scripts for the next outgoing calls, in order; then the default script again."""
        with self._lock:
            self._scripts.extend(scripts)

    def incoming_call(
        self, number: str, ring_s: float = 1.0, answered: bool = False, talk_s: float = 0.0
    ) -> int:
        """Someone calls the phone: it rings (state 1), maybe is answered (2), then ends."""
        if not (ring_s >= 0 and talk_s >= 0):
            raise ValueError("ring_s and talk_s must be ≥ 0")
        with self._lock:
            now = self._advance()
            self._end_call_locked(now, "local_hangup")
            slot = self._default_sim or 0
            connect_at = now + ring_s if answered else None
            call = self._new_call(
                now, "incoming", number, "", slot, "answered" if answered else "no_answer"
            )
            call.connect_at = connect_at
            call.end_at = now + ring_s + (talk_s if answered else 0.0)
            self._call = call
            self._changed.notify_all()
            return call.id

    def end_current_call(self) -> bool:
        """The other side hangs up now. Returns whether there was a call."""
        with self._lock:
            now = self._advance()
            had = self._call is not None
            self._end_call_locked(now, "remote_hangup")
            return had

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no call is up and every call-log row has been written."""
        deadline = self._clock() + timeout
        with self._lock:
            while True:
                now = self._advance()
                if self._call is None and not self._pending:
                    return True
                remaining = deadline - now
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.02))

    # -- reading ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        with self._lock:
            now = self._advance()
            per_sim = self._sim_call_states(now)
            return {
                "call_state": max(per_sim),
                "sim_call_states": per_sim,
                "current_call": self._call.describe(now) if self._call else None,
                "calls_started": self._counters.calls_started,
                "calls_ended": self._counters.calls_ended,
                "dial_intents": self._counters.dial_intents,
                "sim_choosers": self._counters.sim_choosers,
                "end_keys": self._counters.end_keys,
                "pending_log_rows": len(self._pending),
                "phone_time_ms": self._phone_ms(now),
                "links": len(self._wire.links()),
                "online_links": sum(1 for link in self._wire.links() if link.online),
                "reachable": self._wire.reachable,
                "auth": self._faults.auth,
                "calllog": self._faults.calllog,
                "input": self._faults.input,
                "latency_s": self._faults.latency_s,
                "clock_skew_ms": self._faults.clock_skew_ms,
                "default_sim": self._default_sim,
                "scripts_queued": [asdict(s) for s in self._scripts],
                "default_script": asdict(self._default_script),
                "model": self.model,
                "manufacturer": self.manufacturer,
                "release": self.release,
                "sdk": self.sdk,
                "sims": self.sims,
            }

    def call_log(self) -> list[dict[str, Any]]:
        """Every row written so far (not the ones still waiting for their delay), oldest first."""
        with self._lock:
            self._advance()
            return self._log.rows()

    def add_call_log_row(
        self,
        number: str,
        date_ms: int | None = None,
        duration: int = 0,
        type: int = OUTGOING_TYPE,
        subscription_id: str | int | None = "1",
        name: str | None = None,
        **columns: Any,
    ) -> int:
        """A row for a call the phone made or got without us (by hand, incoming); its _id."""
        with self._lock:
            now = self._advance()
            values: dict[str, Any] = {
                "number": number,
                "date": self._phone_ms(now) if date_ms is None else int(date_ms),
                "duration": int(duration),
                "type": int(type),
                "subscription_id": None if subscription_id is None else str(subscription_id),
                "subscription_component_name": TELEPHONY_COMPONENT,
                "name": name,
                "new": 1,
                "is_read": 0,
                "countryiso": "RU",
                "last_modified": self._phone_ms(now),
                **columns,
            }
            return self._log.insert(values)

    def commands(self) -> list[str]:
        """Every shell command line received over ADB, verbatim, in order."""
        with self._lock:
            return list(self._commands)

    def clear_commands(self) -> None:
        with self._lock:
            self._commands.clear()

    # -- faults ----------------------------------------------------------------------------

    def set_auth(self, auth: str) -> None:
        """Auth "none": the key is accepted; "reject": the RSA prompt is never answered."""
        _choice("auth", auth, _AUTH)
        with self._lock:
            before = self._faults.auth
            self._faults.auth = auth
        if before == auth:
            return
        if auth == "reject":
            # Revoking debugging authorisations cuts the links; they come back unauthorised.
            self._wire.drop()
        else:
            self._wire.auth_changed()

    def set_calllog(self, calllog: str) -> None:
        _choice("calllog", calllog, _CALLLOG)
        with self._lock:
            self._faults.calllog = calllog

    def set_input(self, value: str) -> None:
        _choice("input", value, _INPUT)
        with self._lock:
            self._faults.input = value

    def set_default_sim(self, slot: int | None) -> None:
        """The SIM used for calls; None with two SIMs means a chooser appears on each CALL."""
        if slot is not None and not 0 <= slot < self.sims:
            raise ValueError("no such SIM slot")
        with self._lock:
            self._default_sim = slot

    def drop_connections(self) -> None:
        """Cut every TCP link to the adb server now (a cable pulled, Wi-Fi lost)."""
        self._wire.drop()

    def set_reachable(self, reachable: bool) -> None:
        """False: new links are closed at once, so the server keeps the phone offline."""
        self._wire.set_reachable(reachable)

    def set_latency(self, seconds: float) -> None:
        """Every shell command answers this much later (a busy or slow phone)."""
        if seconds < 0:
            raise ValueError("latency must be ≥ 0")
        with self._lock:
            self._faults.latency_s = seconds

    def set_clock_skew_ms(self, ms: int) -> None:
        """The phone's clock runs this far ahead (negative: behind) of the host's."""
        with self._lock:
            self._faults.clock_skew_ms = int(ms)

    # -- the timeline ----------------------------------------------------------------------

    def _phone_ms(self, now: float) -> int:
        wall = self._wall0 + (now - self._mono0)
        return int(wall * 1000) + self._faults.clock_skew_ms

    def _advance(self) -> float:
        """Bring the phone up to now: end calls whose time came, write rows whose delay passed."""
        now = self._clock()
        call = self._call
        if call is not None and now >= call.end_at:
            self._finish(call, call.end_at)
        due = [row for row in self._pending if row.due <= now]
        if due:
            self._pending = [row for row in self._pending if row.due > now]
            for row in due:
                self._log.insert(row.values)
            self._changed.notify_all()
        return now

    def _new_call(
        self, now: float, direction: str, number: str, post_dial: str, slot: int, outcome: str
    ) -> _Call:
        call = _Call(
            id=self._next_call_id,
            direction=direction,
            number=number,
            post_dial=post_dial,
            slot=slot,
            date_ms=self._phone_ms(now),
            outcome=outcome,
            connect_at=None,
            end_at=now,
        )
        self._next_call_id += 1
        self._counters.calls_started += 1
        return call

    def _end_call_locked(self, now: float, reason: str) -> None:
        call = self._call
        if call is None:
            return
        call.end_reason = reason
        self._finish(call, min(now, call.end_at))

    def _finish(self, call: _Call, at: float) -> None:
        """Disconnect: Telecom's CallLogManager writes the row a little later."""
        connected = call.connect_at is not None and call.connect_at <= at
        # Telecom: duration is whole seconds active (truncated); 0 if it never connected.
        duration = int(at - call.connect_at) if connected and call.connect_at is not None else 0
        if call.direction == "outgoing":
            kind = OUTGOING_TYPE  # whatever the cause: busy, no answer and rejected look alike
        elif connected:
            kind = INCOMING_TYPE
        elif call.end_reason == "user_rejected":
            kind = REJECTED_TYPE
        else:
            kind = MISSED_TYPE
        values: dict[str, Any] = {
            "number": call.number,
            "post_dial_digits": call.post_dial,
            "date": call.date_ms,
            "duration": duration,
            "type": kind,
            "subscription_id": str(call.slot + 1),
            "subscription_component_name": TELEPHONY_COMPONENT,
            "phone_account_address": "",
            "new": 1,
            "is_read": 0 if kind == MISSED_TYPE else 1,
            "countryiso": "RU",
            "last_modified": self._phone_ms(at + self.log_delay_s),
        }
        self._pending.append(_PendingRow(at + self.log_delay_s, values))
        self._call = None
        self._counters.calls_ended += 1
        self._changed.notify_all()

    def _sim_call_states(self, now: float) -> list[int]:
        states = [IDLE] * self.sims
        if self._call is not None:
            states[self._call.slot] = self._call.call_state(now)
        return states

    def _place_call(self, number: str, post_dial: str) -> None:
        with self._lock:
            now = self._advance()
            if self._default_sim is None:
                self._counters.sim_choosers += 1
                return
            # A new CALL during a call: hold is not modelled, the old call ends first.
            self._end_call_locked(now, "local_hangup")
            script = self._scripts.pop(0) if self._scripts else self._default_script
            call = self._new_call(now, "outgoing", number, post_dial, self._default_sim, "")
            call.outcome = script.outcome
            if script.outcome == "answered":
                call.connect_at = now + script.ring_s
                call.end_at = now + script.ring_s + script.talk_s
            else:
                call.end_at = now + script.ring_s
            self._call = call
            self._changed.notify_all()

    def _end_key(self) -> None:
        with self._lock:
            now = self._advance()
            self._counters.end_keys += 1
            call = self._call
            if call is None:
                return
            ringing_in = call.direction == "incoming" and call.status(now) == "ringing"
            self._end_call_locked(now, "user_rejected" if ringing_in else "local_hangup")

    # -- ADB -------------------------------------------------------------------------------

    def _banner(self) -> str:
        product = _product_name(self.model)
        return (
            f"device::ro.product.name={product};ro.product.model={self.model};"
            f"ro.product.device={product};features=cmd"
        )

    def _authorized(self) -> bool:
        with self._lock:
            return self._faults.auth == "none"

    def _serve_shell(self, line: str) -> bytes:
        with self._lock:
            self._commands.append(line)
            latency = self._faults.latency_s
        if latency:
            time.sleep(latency)
        text, _code = self._shell.merged(line)
        return text.encode("utf-8")

    def run_shell(self, line: str) -> tuple[str, int]:
        """Run a command line as `adb shell` would, without ADB (not recorded in commands())."""
        return self._shell.merged(line)

    # -- the commands ----------------------------------------------------------------------

    def _command_table(self) -> dict[str, Command]:
        return {
            "am": self._am,
            "input": self._input,
            "dumpsys": self._dumpsys,
            "content": self._content,
            "getprop": self._getprop,
            "date": self._date,
            "cmd": self._cmd,
            "echo": _echo,
            "true": lambda argv, stdin: Result(),
            "false": lambda argv, stdin: Result(code=1),
            "grep": _grep,
            "cat": lambda argv, stdin: Result(stdin),
            "sleep": _sleep,
            "id": lambda argv, stdin: Result(_ID_LINE),
            "whoami": lambda argv, stdin: Result("shell\n"),
        }

    def _cmd(self, argv: list[str], stdin: str) -> Result:
        services: dict[str, Command] = {"activity": self._am, "input": self._input}
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
        with self._lock:
            if action == _DIAL_ACTION or _may_be_emergency(number):
                # DIAL only opens the dialer; Telecom turns a CALL to a possible emergency
                # number into a DIAL too, and emergency calls are never logged.
                self._counters.dial_intents += 1
                return Result(out)
        dialled, post_dial = _split_post_dial(_strip_separators(number))
        self._place_call(dialled, post_dial)
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
                    self._end_key()
        elif args[0] not in ("tap", "swipe", "text", "draganddrop", "press", "roll", "motionevent"):
            return Result(err=f"Error: Unknown command: {args[0]}\n{_INPUT_USAGE}", code=1)
        return Result()

    def _dumpsys(self, argv: list[str], stdin: str) -> Result:
        if len(argv) < 2:
            return Result("Currently running services:\n  telephony.registry\n")
        if argv[1] != "telephony.registry":
            return Result(err=f"Can't find service: {argv[1]}\n")
        with self._lock:
            now = self._advance()
            states = self._sim_call_states(now)
            default = self._default_sim
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
            now = self._advance()
            denied = self._faults.calllog == "denied"
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
        props = self._props()
        if len(argv) > 1:
            return Result(props.get(argv[1], argv[2] if len(argv) > 2 else "") + "\n")
        return Result("".join(f"[{key}]: [{value}]\n" for key, value in sorted(props.items())))

    def _props(self) -> dict[str, str]:
        product = _product_name(self.model)
        props = {
            "ro.product.model": self.model,
            "ro.product.manufacturer": self.manufacturer,
            "ro.product.brand": self.manufacturer.lower(),
            "ro.product.name": product,
            "ro.product.device": product,
            "ro.build.version.release": self.release,
            "ro.build.version.sdk": str(self.sdk),
            "ro.serialno": f"SIM{self.port:05d}",
            "ro.build.type": "user",
            "persist.sys.timezone": "UTC",
            "gsm.sim.state": ",".join(["READY"] * self.sims),
            "persist.radio.multisim.config": "dsds" if self.sims == 2 else "ssss",
            "sys.boot_completed": "1",
        }
        if self.manufacturer.lower() == "xiaomi":
            props["ro.miui.ui.version.name"] = "V140"
        return props

    def _date(self, argv: list[str], stdin: str) -> Result:
        with self._lock:
            ms = self._phone_ms(self._advance())
        fmt = next((arg[1:] for arg in argv[1:] if arg.startswith("+")), "%a %b %e %H:%M:%S %Z %Y")
        return Result(_strftime(fmt, ms) + "\n")


_AUTH = ("none", "reject")
_CALLLOG = ("ok", "denied")
_INPUT = ("ok", "blocked")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


class ControlError(ValueError):
    """A control request the phone cannot act on; the HTTP API answers 400 with the text."""


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


def _product_name(model: str) -> str:
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


def _echo(argv: list[str], stdin: str) -> Result:
    args = argv[1:]
    newline = "\n"
    if args and args[0] == "-n":
        args, newline = args[1:], ""
    return Result(" ".join(args) + newline)


def _grep(argv: list[str], stdin: str) -> Result:
    flags = 0
    invert = quiet = fixed = False
    patterns: list[str] = []
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-e" and i + 1 < len(args):
            patterns.append(args[i + 1])
            i += 2
            continue
        if arg.startswith("-") and len(arg) > 1 and not patterns:
            for letter in arg[1:]:
                if letter == "i":
                    flags |= re.IGNORECASE
                elif letter == "v":
                    invert = True
                elif letter == "q":
                    quiet = True
                elif letter == "F":
                    fixed = True
                elif letter not in "E":
                    return Result(err=f"grep: Unknown option '{letter}'\n", code=2)
        else:
            patterns.append(arg)
            i += 1
            break
        i += 1
    if not patterns:
        return Result(err="grep: Need 1 argument\n", code=2)
    try:
        regexes = [re.compile(re.escape(p) if fixed else p, flags) for p in patterns]
    except re.error:
        return Result(err="grep: bad regex\n", code=2)
    lines = [
        line
        for line in stdin.splitlines(keepends=True)
        if any(r.search(line) for r in regexes) != invert
    ]
    return Result("" if quiet else "".join(lines), code=0 if lines else 1)


def _sleep(argv: list[str], stdin: str) -> Result:
    try:
        seconds = float(argv[1]) if len(argv) > 1 else -1.0
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        return Result(err="sleep: Need 1 argument\n", code=1)
    time.sleep(min(seconds, 30.0))  # a stand-in must never hang a test for long
    return Result()


_ID_LINE = (
    "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),"
    "1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats)"
    " context=u:r:shell:s0\n"
)
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


# -- the control API ---------------------------------------------------------------------


def _control_handler(phone: SimPhone) -> type[BaseHTTPRequestHandler]:
    """JSON over HTTP, one route per SimPhone method, for tests and demos in other processes."""

    def body_script(body: dict[str, Any]) -> CallScript:
        return CallScript.from_dict(body)

    posts: dict[str, Callable[[dict[str, Any]], Any]] = {
        "/commands/clear": lambda b: phone.clear_commands(),
        "/call-log": lambda b: {"_id": phone.add_call_log_row(**b)},
        "/scripts": lambda b: phone.push_scripts(
            *(CallScript.from_dict(s) for s in _list(b.get("scripts")))
        ),
        "/default-script": lambda b: phone.set_default_script(body_script(b)),
        "/auth": lambda b: phone.set_auth(str(b.get("auth"))),
        "/calllog": lambda b: phone.set_calllog(str(b.get("calllog"))),
        "/input": lambda b: phone.set_input(str(b.get("input"))),
        "/default-sim": lambda b: phone.set_default_sim(_opt_int(b.get("slot"))),
        "/drop": lambda b: phone.drop_connections(),
        "/reachable": lambda b: phone.set_reachable(bool(b.get("reachable"))),
        "/latency": lambda b: phone.set_latency(float(b.get("seconds", 0))),
        "/log-delay": lambda b: phone.set_log_delay(float(b.get("seconds", 0))),
        "/clock-skew": lambda b: phone.set_clock_skew_ms(int(b.get("ms", 0))),
        "/incoming": lambda b: {"id": phone.incoming_call(**b)},
        "/end-call": lambda b: {"ended": phone.end_current_call()},
        "/wait-idle": lambda b: {"idle": phone.wait_idle(float(b.get("timeout", 10)))},
    }
    gets: dict[str, Callable[[], Any]] = {
        "/state": phone.state,
        "/call-log": phone.call_log,
        "/commands": phone.commands,
    }

    class Handler(BaseHTTPRequestHandler):
        server_version = "sim-phone"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a test's output is not the place for an access log."""

        def _answer(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            route = gets.get(self.path.split("?", 1)[0])
            if route is None:
                self._answer(404, {"error": f"no such route: GET {self.path}"})
                return
            self._answer(200, route())

        def do_POST(self) -> None:
            route = posts.get(self.path.split("?", 1)[0])
            if route is None:
                self._answer(404, {"error": f"no such route: POST {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                body = json.loads(raw or b"{}")
                if not isinstance(body, dict):
                    raise ControlError("the body must be a JSON object")
                result = route(body)
            except (ValueError, TypeError, KeyError) as exc:
                self._answer(400, {"error": str(exc)})
                return
            self._answer(200, result if result is not None else {"ok": True})

    return Handler


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ControlError("'scripts' must be a list of call scripts")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


# -- the command line --------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="softphone sim-phone",
        description="A simulated Android phone for a real adb server: `adb connect HOST:PORT`.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="ADB port (0: any)")
    parser.add_argument(
        "--control-port", type=int, default=DEFAULT_CONTROL_PORT, help="HTTP control port (0: any)"
    )
    parser.add_argument("--model", default="Pixel 7")
    parser.add_argument("--manufacturer", default="Google")
    parser.add_argument("--release", default="14", help="Android release (getprop)")
    parser.add_argument("--sdk", type=int, default=34)
    parser.add_argument("--sims", type=int, choices=(1, 2), default=1)
    parser.add_argument("--auth", choices=("none", "reject"), default="none")
    parser.add_argument("--calllog", choices=("ok", "denied"), default="ok")
    parser.add_argument("--input", choices=("ok", "blocked"), default="ok")
    parser.add_argument("--log-delay", type=float, default=0.3, help="seconds to the call-log row")
    parser.add_argument("--clock-skew-ms", type=int, default=0)
    parser.add_argument("--ring", type=float, default=3.0, help="default script: seconds ringing")
    parser.add_argument("--outcome", choices=OUTCOMES, default="answered")
    parser.add_argument("--talk", type=float, default=5.0, help="default script: seconds talking")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    phone = SimPhone(
        model=args.model,
        manufacturer=args.manufacturer,
        release=args.release,
        sdk=args.sdk,
        sims=args.sims,
        auth=args.auth,
        calllog=args.calllog,
        input=args.input,
        log_delay_s=args.log_delay,
        clock_skew_ms=args.clock_skew_ms,
    )
    phone.set_default_script(CallScript(ring_s=args.ring, outcome=args.outcome, talk_s=args.talk))
    try:
        phone.start(host=args.host, port=args.port, control_port=args.control_port)
    except OSError as exc:
        print(f"sim-phone: cannot listen: {exc}", flush=True)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(
        f"sim-phone {phone.model}: adb connect {phone.serial}; control {phone.control_url}",
        flush=True,
    )
    stop.wait()
    phone.stop()
    return 0

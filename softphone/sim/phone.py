"""A simulated Android phone behind a real adb server: `softphone sim-phone`, or in-process.

It speaks the ADB device protocol on TCP (`adb connect 127.0.0.1:PORT` adds it), runs a small
shell, and answers the commands a call-centre client sends (`am start … CALL`, `input keyevent`,
`dumpsys telephony.registry`, `dumpsys telecom`, `content query … call_log`, `settings get`,
`getprop`, `date`) with Android's own texts. Calls follow scripts (ring, then answered / not
answered / busy / rejected / failed), leave call-log rows by Telecom's rules and Telecom's
analytics of why they ended. Every command line received is kept, verbatim. Faults
(unauthorised, call log denied, input blocked, analytics cleared, dropped links, slow answers)
are switched on by methods or by a small JSON-over-HTTP control API.

This module is the facade, `SimPhone`, and the `softphone sim-phone` command line; the work is
done next door: `phone_calls` (the call timeline), `phone_android` (the commands and their
texts), `phone_telecom` (`dumpsys telecom`), `phone_settings` (`settings`), `phone_toybox`
(echo, grep…), `phone_shell` (sh), `phone_calllog` (the call log), `phone_wire` (the ADB
protocol), `phone_control` (the HTTP control API). Tests import everything they need from here.

It must never import anything from the rest of `softphone/` (model, numbers, masking, adb…):
a stand-in that shares the client's code would share its bugs and hide them.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from http.server import ThreadingHTTPServer
from typing import Any

from softphone.sim.phone_android import (
    AUTH_CHOICES,
    CALLLOG_CHOICES,
    EMERGENCY_NUMBERS,
    INPUT_CHOICES,
    Android,
    Faults,
    choice,
    product_name,
)
from softphone.sim.phone_calllog import TELEPHONY_COMPONENT
from softphone.sim.phone_calls import (
    IDLE,
    INCOMING_TYPE,
    MISSED_TYPE,
    OFFHOOK,
    OUTCOMES,
    OUTGOING_TYPE,
    REJECTED_TYPE,
    RINGING,
    Calls,
    CallScript,
)
from softphone.sim.phone_control import ControlError, control_handler
from softphone.sim.phone_shell import Shell
from softphone.sim.phone_telecom import TELECOM_CHOICES
from softphone.sim.phone_wire import AdbDeviceServer

__all__ = [
    "DEFAULT_CONTROL_PORT",
    "DEFAULT_PORT",
    "EMERGENCY_NUMBERS",
    "IDLE",
    "INCOMING_TYPE",
    "MISSED_TYPE",
    "OFFHOOK",
    "OUTCOMES",
    "OUTGOING_TYPE",
    "REJECTED_TYPE",
    "RINGING",
    "TELECOM_CHOICES",
    "CallScript",
    "ControlError",
    "SimPhone",
    "main",
]

DEFAULT_PORT = 15555  # off 5555–5585, which an adb server scans for emulators at start-up
DEFAULT_CONTROL_PORT = 15556


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
        telecom: str = "ok",
        log_delay_s: float = 0.3,
        clock_skew_ms: int = 0,
        default_sim: int | None = 0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._calls = Calls(sims, default_sim, log_delay_s, clock_skew_ms, clock, wall_clock)
        self.model = model
        self.manufacturer = manufacturer
        self.release = release
        self.sdk = sdk
        self.sims = sims
        self._lock = self._calls.lock
        self._faults = Faults(
            auth=choice("auth", auth, AUTH_CHOICES),
            calllog=choice("calllog", calllog, CALLLOG_CHOICES),
            input=choice("input", input, INPUT_CHOICES),
            telecom=choice("telecom", telecom, TELECOM_CHOICES),
        )
        self._commands: list[str] = []
        self._android = Android(self, self._calls, self._faults)
        self._shell = Shell(self._android.commands())
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
                self._http = ThreadingHTTPServer((host, control_port), control_handler(self))
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

    @property
    def log_delay_s(self) -> float:
        """How long after a disconnect its call-log row appears (Telecom writes it late)."""
        return self._calls.log_delay_s

    @log_delay_s.setter
    def log_delay_s(self, seconds: float) -> None:
        self.set_log_delay(seconds)

    def set_log_delay(self, seconds: float) -> None:
        """How long after a disconnect its call-log row appears (Telecom writes it late)."""
        if seconds < 0:
            raise ValueError("the log delay must be ≥ 0")
        with self._lock:
            self._calls.log_delay_s = seconds

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
        self._calls.log.close()

    # -- the far end and the user ----------------------------------------------------------

    def set_default_script(self, script: CallScript) -> None:
        with self._lock:
            self._calls.default_script = script

    def push_scripts(self, *scripts: CallScript) -> None:
        """Scripts for the next outgoing calls, in order; then the default script again."""
        with self._lock:
            self._calls.scripts.extend(scripts)

    def incoming_call(
        self, number: str, ring_s: float = 1.0, answered: bool = False, talk_s: float = 0.0
    ) -> int:
        """Someone calls the phone: it rings (state 1), maybe is answered (2), then ends."""
        return self._calls.incoming(number, ring_s, answered, talk_s)

    def end_current_call(self) -> bool:
        """The other side hangs up now. Returns whether there was a call."""
        return self._calls.remote_hangup()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no call is up and every call-log row has been written."""
        return self._calls.wait_idle(timeout)

    # -- reading ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        with self._lock:
            now = self._calls.advance()
            return {
                **self._calls.describe(now),
                "links": len(self._wire.links()),
                "online_links": sum(1 for link in self._wire.links() if link.online),
                "reachable": self._wire.reachable,
                "auth": self._faults.auth,
                "calllog": self._faults.calllog,
                "calllog_output": self._faults.calllog_output,
                "input": self._faults.input,
                "telecom": self._faults.telecom,
                "latency_s": self._faults.latency_s,
                "clock_skew_ms": self._calls.clock_skew_ms,
                "default_sim": self._calls.default_sim,
                "scripts_queued": [asdict(s) for s in self._calls.scripts],
                "default_script": asdict(self._calls.default_script),
                "model": self.model,
                "manufacturer": self.manufacturer,
                "release": self.release,
                "sdk": self.sdk,
                "sims": self.sims,
            }

    def call_log(self) -> list[dict[str, Any]]:
        """Every row written so far (not the ones still waiting for their delay), oldest first."""
        with self._lock:
            self._calls.advance()
            return self._calls.log.rows()

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
            now = self._calls.advance()
            phone_ms = self._calls.phone_ms(now)
            values: dict[str, Any] = {
                "number": number,
                "date": phone_ms if date_ms is None else int(date_ms),
                "duration": int(duration),
                "type": int(type),
                "subscription_id": None if subscription_id is None else str(subscription_id),
                "subscription_component_name": TELEPHONY_COMPONENT,
                "name": name,
                "new": 1,
                "is_read": 0,
                "countryiso": "RU",
                "last_modified": phone_ms,
                **columns,
            }
            return self._calls.log.insert(values)

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
        choice("auth", auth, AUTH_CHOICES)
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
        choice("calllog", calllog, CALLLOG_CHOICES)
        with self._lock:
            self._faults.calllog = calllog

    def set_input(self, value: str) -> None:
        choice("input", value, INPUT_CHOICES)
        with self._lock:
            self._faults.input = value

    def set_calllog_output(self, text: str | None) -> None:
        """Every `content query` on the call log prints `text` instead of its real answer
        (None: the real answer again) — whatever a broken provider might print."""
        with self._lock:
            self._faults.calllog_output = text

    def set_telecom(self, telecom: str) -> None:
        """Telecom's analytics: "ok", or "absent" (the platform collected and cleared them).

        Absent, `dumpsys telecom` prints no call block at all, as after a real phone's periodic
        collection: a client must fall back to the call log.
        """
        choice("telecom", telecom, TELECOM_CHOICES)
        with self._lock:
            self._faults.telecom = telecom

    def set_default_sim(self, slot: int | None) -> None:
        """The SIM used for calls; None with two SIMs means a chooser appears on each CALL."""
        if slot is not None and not 0 <= slot < self.sims:
            raise ValueError("no such SIM slot")
        with self._lock:
            self._calls.default_sim = slot

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
            self._calls.clock_skew_ms = int(ms)

    # -- ADB -------------------------------------------------------------------------------

    def _banner(self) -> str:
        product = product_name(self.model)
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
    parser.add_argument("--telecom", choices=TELECOM_CHOICES, default="ok")
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
        telecom=args.telecom,
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

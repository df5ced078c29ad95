"""The simulated phone's calls over time: scripts, the call in progress, its end, its log row.

`Calls` is the phone's one timeline. It holds the phone's lock and clock, the scripts the far
end follows, the call in progress (one at most: hold is not modelled), the call-log rows
Telecom has yet to write, the recent calls with why each ended (an `Ending`, for Telecom's
analytics), and the counters tests read. Time is lazy: nothing runs in the
background, `advance()` brings the phone up to now whenever anyone looks. Call-log rows follow
Telecom's rules (outgoing calls are type 2 whatever happened; duration is whole seconds active).

It must never know how Android prints anything (that is `phone_android`) nor import anything
from the rest of `softphone/`: a stand-in that shares the client's code would share its bugs.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from softphone.sim.phone_calllog import TELEPHONY_COMPONENT, CallLog

OUTCOMES = ("answered", "no_answer", "busy", "rejected", "failed")

# Call-log types (CallLog.Calls.*_TYPE).
INCOMING_TYPE = 1
OUTGOING_TYPE = 2
MISSED_TYPE = 3
REJECTED_TYPE = 5

# TelephonyManager.CALL_STATE_*.
IDLE, RINGING, OFFHOOK = 0, 1, 2

#: Telecom's Analytics keeps this many calls (MAX_NUM_CALLS_TO_STORE), dropping the oldest.
RECENT_CALLS = 100


class Ending(Enum):
    """Why a call ended, in the phone's own terms (`phone_telecom` words it as Android does)."""

    LOCAL = "local"  # this phone hung up: ENDCALL, or a new call replaced it
    REMOTE = "remote"  # the other side hung up (for a scripted answered call: its talk ran out)
    BUSY = "busy"  # outgoing: the callee's line was busy
    CALLEE_REJECTED = "callee_rejected"  # outgoing: the callee declined
    NO_ANSWER = "no_answer"  # outgoing: nobody answered and the network gave up
    NETWORK_FAILURE = "network_failure"  # outgoing: the network could not complete it
    MISSED = "missed"  # incoming: never answered, the caller gave up
    USER_REJECTED = "user_rejected"  # incoming: rejected here with ENDCALL while ringing


#: How an outgoing call ends when its script runs out, by the script's outcome.
_SCRIPT_ENDINGS = {
    "answered": Ending.REMOTE,
    "busy": Ending.BUSY,
    "rejected": Ending.CALLEE_REJECTED,
    "no_answer": Ending.NO_ANSWER,
    "failed": Ending.NETWORK_FAILURE,
}


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
class Call:
    id: int
    direction: str  # "outgoing" | "incoming"
    number: str
    post_dial: str
    slot: int
    date_ms: int  # the phone's clock when the call was created
    outcome: str
    connect_at: float | None  # when it is (or will be) connected; None: never
    end_at: float  # when the far end (or the network) ends it
    ending: Ending | None = None  # None while the call is up
    connect_ms: int = 0  # the phone's clock when it connected, once ended; 0: never connected
    end_ms: int = 0  # the phone's clock when it ended; 0 while it is up
    additional: bool = False  # it started while another call was up
    interrupted: bool = False  # another call started while it was up

    def connected(self, now: float) -> bool:
        return self.connect_at is not None and now >= self.connect_at

    def status(self, now: float) -> str:
        if self.connected(now):
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
class Counters:
    calls_started: int = 0
    calls_ended: int = 0
    dial_intents: int = 0  # DIAL, or CALL downgraded to DIAL (emergency): the dialer opened
    sim_choosers: int = 0  # CALL with two SIMs and no default: a chooser waits for a tap
    end_keys: int = 0


class Calls:
    """The phone's timeline. Thread-safe: every method takes `lock`, which callers may share."""

    def __init__(
        self,
        sims: int,
        default_sim: int | None,
        log_delay_s: float,
        clock_skew_ms: int,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if sims not in (1, 2):
            raise ValueError("sims must be 1 or 2")
        if default_sim is not None and not 0 <= default_sim < sims:
            raise ValueError("default_sim must be a SIM slot (0 or 1) or None")
        #: The phone's one lock: whoever reads several things at once holds it (it is reentrant).
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._clock = clock
        self._mono0 = clock()
        self._wall0 = wall_clock()
        self.sims = sims
        self.default_sim = default_sim
        self.log_delay_s = log_delay_s
        self.clock_skew_ms = clock_skew_ms
        self.default_script = CallScript()
        self.scripts: list[CallScript] = []
        self.counters = Counters()
        #: The call log Telecom writes to; closed with the phone.
        self.log = CallLog()
        self._call: Call | None = None
        self._recent: deque[Call] = deque(maxlen=RECENT_CALLS)
        self._next_call_id = 1
        self._pending: list[_PendingRow] = []

    # -- time ------------------------------------------------------------------------------

    def phone_ms(self, now: float) -> int:
        """The phone's wall clock (with its skew) at monotonic time `now`, in ms."""
        wall = self._wall0 + (now - self._mono0)
        return int(wall * 1000) + self.clock_skew_ms

    def advance(self) -> float:
        """Bring the phone up to now: end calls whose time came, write rows whose delay passed."""
        with self.lock:
            now = self._clock()
            call = self._call
            if call is not None and now >= call.end_at:
                self._finish(call, call.end_at, _natural_ending(call))
            due = [row for row in self._pending if row.due <= now]
            if due:
                self._pending = [row for row in self._pending if row.due > now]
                for row in due:
                    self.log.insert(row.values)
                self._changed.notify_all()
            return now

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no call is up and every call-log row has been written."""
        deadline = self._clock() + timeout
        with self.lock:
            while True:
                now = self.advance()
                if self._call is None and not self._pending:
                    return True
                remaining = deadline - now
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.02))

    # -- what happens ----------------------------------------------------------------------

    def place(self, number: str, post_dial: str) -> None:
        """A CALL intent reached Telecom: the call starts on the default SIM, or a chooser opens."""
        with self.lock:
            now = self.advance()
            if self.default_sim is None:
                self.counters.sim_choosers += 1
                return
            # A new CALL during a call: hold is not modelled, the old call ends first.
            interrupted = self._interrupt(now)
            script = self.scripts.pop(0) if self.scripts else self.default_script
            call = self._new_call(now, "outgoing", number, post_dial, self.default_sim, "")
            call.additional = interrupted
            call.outcome = script.outcome
            if script.outcome == "answered":
                call.connect_at = now + script.ring_s
                call.end_at = now + script.ring_s + script.talk_s
            else:
                call.end_at = now + script.ring_s
            self._call = call
            self._changed.notify_all()

    def dial_intent(self) -> None:
        """The dialer opened instead of a call (DIAL, or a CALL Telecom downgraded)."""
        with self.lock:
            self.counters.dial_intents += 1

    def incoming(self, number: str, ring_s: float, answered: bool, talk_s: float) -> int:
        """Someone calls the phone: it rings (state 1), maybe is answered (2), then ends."""
        if not (ring_s >= 0 and talk_s >= 0):
            raise ValueError("ring_s and talk_s must be ≥ 0")
        with self.lock:
            now = self.advance()
            interrupted = self._interrupt(now)
            slot = self.default_sim or 0
            connect_at = now + ring_s if answered else None
            call = self._new_call(
                now, "incoming", number, "", slot, "answered" if answered else "no_answer"
            )
            call.additional = interrupted
            call.connect_at = connect_at
            call.end_at = now + ring_s + (talk_s if answered else 0.0)
            self._call = call
            self._changed.notify_all()
            return call.id

    def remote_hangup(self) -> bool:
        """The other side hangs up now. Returns whether there was a call."""
        with self.lock:
            now = self.advance()
            had = self._call is not None
            self._end(now, Ending.REMOTE)
            return had

    def end_key(self) -> None:
        """KEYCODE_ENDCALL: hangs up a call, or rejects one that is ringing in."""
        with self.lock:
            now = self.advance()
            self.counters.end_keys += 1
            call = self._call
            if call is None:
                return
            ringing_in = call.direction == "incoming" and call.status(now) == "ringing"
            self._end(now, Ending.USER_REJECTED if ringing_in else Ending.LOCAL)

    # -- reading ---------------------------------------------------------------------------

    def sim_call_states(self, now: float) -> list[int]:
        """TelephonyManager's call state per SIM slot."""
        with self.lock:
            states = [IDLE] * self.sims
            if self._call is not None:
                states[self._call.slot] = self._call.call_state(now)
            return states

    def recent(self) -> list[Call]:
        """The last RECENT_CALLS calls, oldest first, the one still up included.

        The objects are live: read them under `lock`, after `advance()`.
        """
        with self.lock:
            return list(self._recent)

    def describe(self, now: float) -> dict[str, Any]:
        """The timeline's part of the phone's state (see SimPhone.state)."""
        with self.lock:
            per_sim = self.sim_call_states(now)
            return {
                "call_state": max(per_sim),
                "sim_call_states": per_sim,
                "current_call": self._call.describe(now) if self._call else None,
                **asdict(self.counters),
                "pending_log_rows": len(self._pending),
                "phone_time_ms": self.phone_ms(now),
            }

    # -- inside ----------------------------------------------------------------------------

    def _new_call(
        self, now: float, direction: str, number: str, post_dial: str, slot: int, outcome: str
    ) -> Call:
        call = Call(
            id=self._next_call_id,
            direction=direction,
            number=number,
            post_dial=post_dial,
            slot=slot,
            date_ms=self.phone_ms(now),
            outcome=outcome,
            connect_at=None,
            end_at=now,
        )
        self._next_call_id += 1
        self.counters.calls_started += 1
        self._recent.append(call)
        return call

    def _interrupt(self, now: float) -> bool:
        """A new call is starting: the one up (if any) ends here. Whether there was one."""
        call = self._call
        if call is None:
            return False
        call.interrupted = True
        self._end(now, Ending.LOCAL)
        return True

    def _end(self, now: float, ending: Ending) -> None:
        call = self._call
        if call is None:
            return
        self._finish(call, min(now, call.end_at), ending)

    def _finish(self, call: Call, at: float, ending: Ending) -> None:
        """Disconnect: Telecom's CallLogManager writes the row a little later."""
        connected = call.connected(at)
        call.ending = ending
        call.end_ms = self.phone_ms(at)
        if connected and call.connect_at is not None:
            call.connect_ms = self.phone_ms(call.connect_at)
        # Telecom: duration is whole seconds active (truncated); 0 if it never connected.
        duration = int(at - call.connect_at) if connected and call.connect_at is not None else 0
        if call.direction == "outgoing":
            kind = OUTGOING_TYPE  # whatever the cause: busy, no answer and rejected look alike
        elif connected:
            kind = INCOMING_TYPE
        elif ending is Ending.USER_REJECTED:
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
            "last_modified": self.phone_ms(at + self.log_delay_s),
        }
        self._pending.append(_PendingRow(at + self.log_delay_s, values))
        self._call = None
        self.counters.calls_ended += 1
        self._changed.notify_all()


def _natural_ending(call: Call) -> Ending:
    """How a call ends when nobody intervenes: its script (or its ring) ran out."""
    if call.direction == "incoming":
        return Ending.REMOTE if call.connect_at is not None else Ending.MISSED
    return _SCRIPT_ENDINGS[call.outcome]

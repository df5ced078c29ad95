"""Pure parsers for what a phone and an adb server print: call log, call state, `am start`…

Every function here takes text and returns data; none does I/O, and none raises on any input
(garbage, CRLF line ends, NUL bytes, half a line): odd text becomes `None`, an empty result or
a `ShellFailure` describing what the phone said. The texts they read are documented in
`spec/phone-adb.md`. Nothing here may ever build a command line: that is `commands.py`'s job.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Final, Literal

from softphone.model import CallLogRow, CallLogType

__all__ = [
    "CALL_LOG_COLUMNS",
    "CALL_STATES",
    "IDLE",
    "OFFHOOK",
    "RINGING",
    "AmStartResult",
    "DefaultCallSim",
    "DeviceLine",
    "DeviceState",
    "ParsedCallLog",
    "ShellFailure",
    "detect_failure",
    "device_state",
    "parse_am_start",
    "parse_call_log",
    "parse_call_state",
    "parse_default_call_sim",
    "parse_devices",
    "parse_epoch_ms",
    "parse_getprop",
    "parse_input",
    "parse_server_version",
    "parse_sim_states",
    "sim_count",
    "sim_count_from_props",
]

#: The call-log columns the bridge projects, in order (never more: values are not quoted, so
#: an extra free-text column such as a cached name could hide a column separator).
CALL_LOG_COLUMNS: Final = ("_id", "number", "date", "duration", "type", "subscription_id")

#: Call states from `TelephonyManager`: 0 idle, 1 ringing, 2 off-hook.
IDLE: Final = 0
RINGING: Final = 1
OFFHOOK: Final = 2
CALL_STATES: Final = frozenset({IDLE, RINGING, OFFHOOK})

# A plausible phone clock: 2001-09-09 .. 2286-11-20, in milliseconds.
_MIN_EPOCH_MS: Final = 1_000_000_000_000
_MAX_EPOCH_MS: Final = 9_999_999_999_999

FailureKind = Literal["permission_denied", "not_found", "exception", "error"]


@dataclasses.dataclass(frozen=True, slots=True)
class ShellFailure:
    """The phone refused or failed a command; `message` is its most telling line, trimmed."""

    kind: FailureKind
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class ParsedCallLog:
    """Rows of a `content query` on the call log, or the error the provider printed.

    `skipped` counts `Row:` lines that could not be read (missing `_id`/`date`, bad numbers):
    they are reported, never guessed at.
    """

    rows: tuple[CallLogRow, ...] = ()
    error: ShellFailure | None = None
    skipped: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class AmStartResult:
    """What `am start` printed: whether the activity manager accepted the intent, and why not."""

    accepted: bool
    intent: str | None = None  # the `Intent { … }` text (the number in it is masked by Android)
    error: str | None = None
    warning: str | None = None


#: A device's state in our fixed vocabulary (`device_state`): the four that matter, and the two
#: passing states adb shows while a phone connects.
DeviceState = Literal[
    "device", "unauthorized", "offline", "no_permissions", "connecting", "authorizing"
]


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceLine:
    """One line of `adb devices` / `adb devices -l` / track-devices.

    `state` is normalised (`device_state`); `detail` keeps adb's own text when it said more
    than the state (`no permissions (user in plugdev group; …)`, `recovery`).
    """

    serial: str
    state: DeviceState
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    detail: str | None = None


def _lines(text: object) -> list[str]:
    """Lines without their line ends (LF, CRLF, CR CR LF from old Windows adb), NULs dropped."""
    if not isinstance(text, str):
        return []
    return text.replace("\x00", "").splitlines()


# -- failures ---------------------------------------------------------------------------------

_DENIED: Final = re.compile(
    r"Permission Denial|SecurityException|requires android\.permission\.|permission denied",
    re.IGNORECASE,
)
_NOT_FOUND: Final = re.compile(r"inaccessible or not found|: not found\b|command not found")
_EXCEPTION: Final = re.compile(r"\b(?:[a-z]+\.)+[A-Za-z]*(?:Exception|Error)\b|^Exception occurred")
_ERROR_LINE: Final = re.compile(r"^\s*(?:Error|Unsupported argument|usage:)", re.IGNORECASE)


def _telling_line(lines: list[str], pattern: re.Pattern[str]) -> str:
    for line in lines:
        if pattern.search(line):
            return line.strip()[:500]
    return (lines[0].strip() if lines else "")[:500]


def detect_failure(text: object) -> ShellFailure | None:
    """The failure a phone printed instead of an answer, or None when the text looks normal.

    Recognises permission denials (`Permission Denial`, `SecurityException`, `requires
    android.permission.…`), missing commands (`inaccessible or not found`), Java exceptions and
    `Error:` / usage lines.
    """
    lines = [line for line in _lines(text) if line.strip()]
    if not lines:
        return None
    joined = "\n".join(lines)
    if _DENIED.search(joined):
        return ShellFailure("permission_denied", _telling_line(lines, _DENIED))
    if _NOT_FOUND.search(joined):
        return ShellFailure("not_found", _telling_line(lines, _NOT_FOUND))
    if any(_EXCEPTION.search(line) for line in lines):
        return ShellFailure("exception", _telling_line(lines, _EXCEPTION))
    if any(_ERROR_LINE.match(line) for line in lines):
        return ShellFailure("error", _telling_line(lines, _ERROR_LINE))
    return None


# -- the call log -----------------------------------------------------------------------------

_TYPES: Final = {kind.value: kind for kind in CallLogType}
_ROW: Final = re.compile(r"^\s*Row:\s*\d+\s+(.*)$")
_NULL: Final = "NULL"


@functools.lru_cache(maxsize=8)
def _column_starts(columns: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(c) for c in columns)
    return re.compile(rf"(?:^|, )({names})=")


#: A row of our own projection (`CALL_LOG_COLUMNS`) as Android prints it, integers checked by
#: the pattern itself: one match per line, so a 10 000-row log is read in a few tens of ms.
#: Anything else (NULLs, other columns, a value with `, ` inside) takes the general path.
_OUR_ROW: Final = re.compile(
    r"^\s*Row:\s*\d+\s+_id=(\d{1,19}), number=(.*?), date=(-?\d{1,19}), "
    r"duration=(-?\d{1,19}), type=(\d{1,9}), subscription_id=(.*)$",
    re.ASCII,
)


def _split_row(body: str, columns: tuple[str, ...]) -> dict[str, str]:
    """`k=v, k=v…` cut only at `, <known column>=`, so commas inside values survive."""
    starts = list(_column_starts(columns).finditer(body))
    values: dict[str, str] = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        values.setdefault(match.group(1), body[match.end() : end])
    return values


#: ASCII digits only (int() would take other scripts' digits too), at most 19 of them.
_INT: Final = re.compile(r"\s*(-?\d{1,19})\s*", re.ASCII)


def _int(value: str | None) -> int | None:
    found = None if value is None else _INT.fullmatch(value)
    return None if found is None else int(found.group(1))


def _row(values: dict[str, str]) -> CallLogRow | None:
    row_id = _int(values.get("_id"))
    date_ms = _int(values.get("date"))
    if row_id is None or date_ms is None:
        return None
    number = values.get("number")
    subscription = values.get("subscription_id")
    raw_type = _int(values.get("type"))
    kind = CallLogType.UNKNOWN if raw_type is None else _TYPES.get(raw_type, CallLogType.UNKNOWN)
    return CallLogRow(
        id=row_id,
        number=None if number in (None, _NULL) else number,
        date_ms=date_ms,
        duration_s=max(_int(values.get("duration")) or 0, 0),
        type=kind,
        subscription_id=None if subscription in (None, _NULL, "") else subscription,
    )


def _our_row(
    row_id: str, number: str, date: str, duration: str, kind: str, subscription: str
) -> CallLogRow:
    return CallLogRow(
        id=int(row_id),
        number=None if number == _NULL else number,
        date_ms=int(date),
        duration_s=max(int(duration), 0),
        type=_TYPES.get(int(kind), CallLogType.UNKNOWN),
        subscription_id=None if subscription in (_NULL, "") else subscription,
    )


def parse_call_log(text: object, columns: tuple[str, ...] = CALL_LOG_COLUMNS) -> ParsedCallLog:
    """Rows from `content query --uri content://call_log/calls --projection …`.

    `No result found.` and empty output are no rows. An error printed by the provider (denied
    permission, `Invalid token`, unknown command) is returned as `error`, with any rows that
    came before it. Lines that are neither rows nor errors are ignored.
    """
    rows: list[CallLogRow] = []
    skipped = 0
    others: list[str] = []
    fast = columns == CALL_LOG_COLUMNS
    for line in _lines(text):
        found = _OUR_ROW.match(line) if fast else None
        if found is not None:
            row: CallLogRow | None = _our_row(*found.groups())
        else:
            match = _ROW.match(line)
            if match is None:
                if line.strip() and line.strip() != "No result found.":
                    others.append(line)
                continue
            row = _row(_split_row(match.group(1), columns))
        if row is None:
            skipped += 1
        else:
            rows.append(row)
    error = detect_failure("\n".join(others)) if others else None
    return ParsedCallLog(tuple(rows), error, skipped)


# -- call state -------------------------------------------------------------------------------

_CALL_STATE: Final = re.compile(r"^\s*mCallState\s*=\s*(\d+)\s*$")


def parse_call_state(text: object) -> int | None:
    """The phone's call state from `dumpsys telephony.registry | grep mCallState`.

    There is one line per SIM; the phone is as busy as its busiest SIM (2 off-hook beats 1
    ringing beats 0 idle). None when no line could be read.
    """
    states = []
    for line in _lines(text):
        match = _CALL_STATE.match(line)
        if match and len(match.group(1)) < 4 and int(match.group(1)) in CALL_STATES:
            states.append(int(match.group(1)))
    return max(states) if states else None


def parse_sim_states(text: object) -> int:
    """How many per-SIM `mCallState` lines the registry printed (0 if none)."""
    return sum(1 for line in _lines(text) if _CALL_STATE.match(line))


# -- am start ---------------------------------------------------------------------------------

_STARTING: Final = re.compile(r"^\s*Starting:\s*(Intent\s*\{.*\})\s*$")


def parse_am_start(text: object) -> AmStartResult:
    """Whether `am start` accepted the intent (`Starting: Intent { … }` and no error after it)."""
    lines = _lines(text)
    intent = None
    warning = None
    for line in lines:
        match = _STARTING.match(line)
        if match and intent is None:
            intent = match.group(1)
        elif line.strip().startswith("Warning:") and warning is None:
            warning = line.strip()[:500]
    failure = detect_failure("\n".join(line for line in lines if not _STARTING.match(line)))
    if failure is not None:
        return AmStartResult(False, intent, failure.message, warning)
    if intent is None:
        shown = next((line.strip() for line in lines if line.strip()), "")
        return AmStartResult(False, None, shown[:500] or "am start printed nothing", warning)
    return AmStartResult(True, intent, None, warning)


def parse_input(text: object) -> ShellFailure | None:
    """None if `input keyevent …` worked (it prints nothing), else what stopped it."""
    failure = detect_failure(text)
    if failure is not None:
        return failure
    lines = [line.strip() for line in _lines(text) if line.strip()]
    return ShellFailure("error", lines[0][:500]) if lines else None


# -- properties, clock, devices, server -------------------------------------------------------

_PROP: Final = re.compile(r"^\[([^\]]*)\]:\s*\[(.*)$")


def parse_getprop(text: object) -> dict[str, str]:
    """`[key]: [value]` lines of `getprop` as a dict; multi-line values are joined with LF."""
    props: dict[str, str] = {}
    key: str | None = None
    parts: list[str] = []
    for line in _lines(text):
        if key is None:
            match = _PROP.match(line)
            if match is None:
                continue
            key, rest = match.group(1), match.group(2)
            parts = []
        else:
            rest = line
        if rest.endswith("]"):
            parts.append(rest[:-1])
            props[key] = "\n".join(parts)
            key = None
        else:
            parts.append(rest)
    return props


def sim_count_from_props(props: dict[str, str]) -> int | None:
    """SIM cards ready for calls per `gsm.sim.state` (`READY,ABSENT` → 1); None if not printed."""
    states = props.get("gsm.sim.state")
    if states is None:
        return None
    return sum(1 for s in states.split(",") if s.strip().upper() in ("READY", "LOADED"))


def sim_count(props: dict[str, str], call_state_text: object) -> int:
    """SIM cards ready for calls: `gsm.sim.state` when printed, else one per `mCallState` line."""
    counted = sim_count_from_props(props)
    return counted if counted is not None else parse_sim_states(call_state_text)


@dataclasses.dataclass(frozen=True, slots=True)
class DefaultCallSim:
    """What `settings get global multi_sim_voice_call` said about the default SIM for calls.

    `known` is False when the phone could not answer (no `settings` command, an exception, a
    message instead of a value): nothing can be concluded then. Otherwise `subscription_id` is
    the default calling SIM's subscription, or None when none is set (Android asks each time).
    """

    known: bool
    subscription_id: int | None = None


_SUBSCRIPTION_ID: Final = re.compile(r"-?\d{1,10}")
#: SubscriptionManager.DEFAULT_SUBSCRIPTION_ID: a placeholder for "the default", not a SIM.
_DEFAULT_SUBSCRIPTION_PLACEHOLDER: Final = 2**31 - 1


def parse_default_call_sim(text: object) -> DefaultCallSim:
    """The default calling SIM from `settings get global multi_sim_voice_call`.

    The setting is Settings.Global.MULTI_SIM_VOICE_CALL_SUBSCRIPTION, a subscription id.
    `null` (never set), a negative id (SubscriptionManager.INVALID_SUBSCRIPTION_ID, -1: "ask
    every time") and any other single word that is not a number mean none is set. A failure
    (`settings: inaccessible or not found`, a Java exception) or a line with spaces (a message,
    not a value) is unknown.
    """
    if detect_failure(text) is not None:
        return DefaultCallSim(known=False)
    lines = [line.strip() for line in _lines(text) if line.strip()]
    if not lines or " " in lines[-1] or "\t" in lines[-1]:
        return DefaultCallSim(known=False)
    value = lines[-1]
    if not _SUBSCRIPTION_ID.fullmatch(value):
        return DefaultCallSim(known=True)  # `null`, or a word this setting never holds
    number = int(value)
    if number < 0 or number >= _DEFAULT_SUBSCRIPTION_PLACEHOLDER:
        return DefaultCallSim(known=True)
    return DefaultCallSim(known=True, subscription_id=number)


def parse_epoch_ms(text: object) -> int | None:
    """The phone's clock in ms from `date +%s%3N`; None for anything implausible.

    Old shells ignore `%3N` (printing `1700000000%3N`, `17000000003N` or `1700000000N`) or
    print nanoseconds for `%N`: seconds and nanoseconds are converted.
    """
    lines = [line.strip() for line in _lines(text) if line.strip()]
    if len(lines) != 1:
        return None
    value = lines[0]
    match = re.fullmatch(r"(\d{10})(?:%?3?N)?", value)
    if match:
        ms = int(match.group(1)) * 1000
    elif re.fullmatch(r"\d{13}", value):
        ms = int(value)
    elif re.fullmatch(r"\d{19}", value):
        ms = int(value) // 1_000_000
    else:
        return None
    return ms if _MIN_EPOCH_MS <= ms <= _MAX_EPOCH_MS else None


_TAG: Final = re.compile(r"^([a-z_]+):(\S*)$")
_PASSING: Final[dict[str, DeviceState]] = {
    "device": "device",
    "unauthorized": "unauthorized",
    "offline": "offline",
    "connecting": "connecting",
    "authorizing": "authorizing",
}


def device_state(raw: str) -> DeviceState:
    """adb's state text in our vocabulary.

    `no permissions (…); see [http://…]` (Linux udev) is `no_permissions`, whatever adb adds in
    the brackets; `bootloader`, `recovery`, `sideload`, `rescue`, `host`, `detached` and any state
    a future adb invents are `offline`: the phone is there but cannot take calls.
    """
    text = raw.strip()
    if text in _PASSING:
        return _PASSING[text]
    if "permission" in text.lower():
        return "no_permissions"
    return "offline"


def parse_devices(text: object) -> list[DeviceLine]:
    """`adb devices[-l]` or track-devices text as device lines; headers and noise are skipped.

    The state may contain spaces (`no permissions (…); see [http://…]`): it is everything
    between the serial and the trailing `key:value` tags of `-l`. It is normalised
    (`device_state`); adb's text is kept as `detail` when it differs.
    """
    devices: list[DeviceLine] = []
    for line in _lines(text):
        if not line.strip() or line.startswith(("List of devices", "*", "adb ")):
            continue
        if "\t" in line:
            serial, _, rest = line.partition("\t")
        else:
            serial, _, rest = line.strip().partition(" ")
        serial = serial.strip()
        words = rest.split()
        tags: dict[str, str] = {}
        while words and (tag := _TAG.match(words[-1])) is not None:
            tags.setdefault(tag.group(1), tag.group(2))
            words.pop()
        raw = " ".join(words)
        if serial and raw:
            state = device_state(raw)
            detail = None if raw == state else raw[:300]
            devices.append(DeviceLine(serial, state, dict(reversed(tags.items())), detail))
    return devices


def parse_server_version(text: object) -> int | None:
    """The adb server's protocol version from the 4 hex digits `host:version` answers (`0029`)."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9a-fA-F]{1,8}", text.strip()):
        return None
    return int(text.strip(), 16)

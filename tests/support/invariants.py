"""What the reliability proofs check, read from the stand-ins' own records (not the client's).

- the phone: every command line it received is one a desk may send (`unexpected_lines`), and
  how often each number was dialled (`dials`);
- the CRM: which commands it handed out, and which results it accepted (`accepted`).

The lines are written out here, not imported from `softphone.adb`: a witness that shared the
client's constants would approve whatever the client sends.
"""

from __future__ import annotations

import collections
import re
from typing import Any, Final

from softphone.sim.crm import RunningCrm
from softphone.sim.phone import SimPhone

_COLUMNS: Final = "_id:number:date:duration:type:subscription_id"
#: Every command line a desk may send to a phone, whole.
EXPECTED_LINES: Final = tuple(
    re.compile(pattern)
    for pattern in (
        r"getprop",
        r"date \+%s%3N",
        r"dumpsys telephony\.registry \| grep mCallState",
        r"dumpsys telecom",
        r"input keyevent 0",
        r"input keyevent KEYCODE_ENDCALL",
        r"settings get global multi_sim_voice_call",
        # Only the normaliser's output is ever dialled: an optional + and 2–15 digits.
        r"am start -a android\.intent\.action\.CALL -d tel:\+?[0-9]{2,15}",
        r"content query --uri content://call_log/calls --projection "
        + _COLUMNS
        + r' --where "_id<0"',
        r"content query --uri content://call_log/calls --projection "
        + _COLUMNS
        + r' --where "date>=[0-9]{1,16}" --sort "date DESC"',
    )
)
_DIAL: Final = re.compile(r"am start -a android\.intent\.action\.CALL -d tel:(?P<number>\S+)")


def unexpected_lines(phone: SimPhone) -> list[str]:
    """Command lines the phone received that no desk should ever send (should be [])."""
    return [
        line
        for line in phone.commands()
        if not any(pattern.fullmatch(line) for pattern in EXPECTED_LINES)
    ]


def dials(*phones: SimPhone) -> collections.Counter[str]:
    """How many times each number was dialled (`am start … CALL`), over these phones."""
    counts: collections.Counter[str] = collections.Counter()
    for phone in phones:
        for line in phone.commands():
            found = _DIAL.fullmatch(line)
            if found:
                counts[found["number"]] += 1
    return counts


def accepted(crm: RunningCrm, command_id: str) -> list[dict[str, Any]]:
    """The results the CRM accepted (HTTP 200) for this command, oldest first."""
    return [u for u in crm.command(command_id)["updates"] if u["status"] == 200]


def handed_out(crm: RunningCrm) -> list[dict[str, Any]]:
    """Every command the CRM has handed out (consumed), in the order it created them."""
    return [c for c in crm.commands() if c["state"] == "consumed"]

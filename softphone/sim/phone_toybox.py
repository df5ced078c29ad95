"""The simulated phone's small utilities: what toybox and mksh give an adb shell user.

`echo`, `grep`, `cat`, `sleep`, `true`, `false`, `id`, `whoami`: enough for the pipes and exit
markers clients append (`| grep mCallState`, `; echo X4EXIT:$?`), with toybox's own error texts.
They know nothing of calls or Android services (that is `phone_android`). They must never touch
the host: no files, no processes; `sleep` is capped so a stand-in never hangs a test for long.
"""

from __future__ import annotations

import re
import time

from softphone.sim.phone_shell import Command, Result

_ID_LINE = (
    "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),"
    "1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats)"
    " context=u:r:shell:s0\n"
)


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


#: The utilities by name, for the phone's command table.
TOYBOX: dict[str, Command] = {
    "echo": _echo,
    "true": lambda argv, stdin: Result(),
    "false": lambda argv, stdin: Result(code=1),
    "grep": _grep,
    "cat": lambda argv, stdin: Result(stdin),
    "sleep": _sleep,
    "id": lambda argv, stdin: Result(_ID_LINE),
    "whoami": lambda argv, stdin: Result("shell\n"),
}

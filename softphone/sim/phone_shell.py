"""A small `/system/bin/sh -c` for the simulated phone: enough shell for adb clients.

It understands what clients really send: words with '…', "…" and backslash quoting, `$?`,
pipelines (`|`), lists (`;`, `&&`, `||`, newlines), and the redirections people append
(`2>&1`, `2>/dev/null`, `>/dev/null`). Commands come from a table the phone provides; a name
that is not there answers like Android's mksh. It must never run anything on the host: no
subprocess, no file access, no eval.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass
class Result:
    """What one command did: its standard output, standard error and exit status."""

    out: str = ""
    err: str = ""
    code: int = 0
    exit_now: bool = False  # the `exit` builtin ran: stop the whole command line
    #: Both streams as a terminal (or `adb shell` v1) shows them; empty means out + err.
    merged: str | None = None

    def text(self) -> str:
        return self.out + self.err if self.merged is None else self.merged


#: A command: (argv, stdin) → Result. argv[0] is the command's name.
Command = Callable[[list[str], str], Result]


class ShellSyntaxError(ValueError):
    """The command line cannot be parsed (an unmatched quote, an operator out of place)."""


_OPERATORS = ("&&", "||", ";", "|", "&", "\n")


class _Status:
    """Marks where `$?` stood: it is expanded when its list item runs, not when parsed."""


_STATUS = _Status()
_Part = str | _Status


@dataclass
class _Word:
    parts: list[_Part] = field(default_factory=list)
    started: bool = False  # an empty quoted word ('') is still a word

    def add(self, part: _Part) -> None:
        self.parts.append(part)
        self.started = True


@dataclass
class _Redirect:
    """`[fd]>target`, `[fd]>>target`, `[fd]<target`, `[fd]>&fd`, `&>target`."""

    fd: int
    op: str  # ">", ">>", "<", ">&", "<&"
    target: list[_Part] = field(default_factory=list)
    both: bool = False  # `&>`: stdout and stderr


@dataclass
class _Simple:
    argv: list[list[_Part]] = field(default_factory=list)
    redirects: list[_Redirect] = field(default_factory=list)


_Token = list[_Part] | tuple[str] | _Redirect

#: Where a shell user may write on Android (everything else under / is read-only to it).
_WRITABLE = ("/sdcard/", "/storage/emulated/0/", "/data/local/tmp/")


def _tokens(line: str) -> list[_Token]:
    """Split into words (lists of parts), operators (1-tuples) and redirections."""
    tokens: list[_Token] = []
    word = _Word()
    pending: _Redirect | None = None  # a redirection waiting for its target word
    i = 0
    n = len(line)

    def finish() -> None:
        nonlocal word, pending
        if word.started:
            if pending is not None:
                pending.target = word.parts
                tokens.append(pending)
                pending = None
            else:
                tokens.append(word.parts)
        word = _Word()

    def operator(op: str) -> None:
        finish()
        if pending is not None:
            raise ShellSyntaxError(f"'{op.strip() or 'newline'}' unexpected")
        tokens.append((op,))

    def redirect(at: int, both: bool) -> int:
        """Read `>`, `>>`, `<`, `>&N` at `at`; the fd is a digits-only word just before."""
        nonlocal word, pending
        if pending is not None:
            raise ShellSyntaxError(f"'{line[at]}' unexpected")
        fd = 1 if line[at] == ">" else 0
        if word.started and all(isinstance(p, str) for p in word.parts):
            text = "".join(p for p in word.parts if isinstance(p, str))
            if text.isdigit() and not line[at - 1 : at].isspace():
                fd = int(text)
                word = _Word()
        finish()
        op = line[at]
        at += 1
        if line.startswith(op, at) and op == ">":
            op, at = ">>", at + 1
        elif line.startswith("&", at):
            op, at = op + "&", at + 1
            match = re.match(r"\d+|-", line[at:])
            if match is None:
                raise ShellSyntaxError(f"'{op}' unexpected")
            tokens.append(_Redirect(fd, op, [match.group()], both))
            return at + match.end()
        elif line.startswith("|", at):
            at += 1  # `>|`: clobber anyway
        pending = _Redirect(fd, op, both=both)
        return at

    def dollar(at: int) -> tuple[_Part | None, int]:
        """`$?` / `${?}` is the status; `$NAME` is empty (the phone's shell has none of ours)."""
        rest = line[at + 1 :]
        if rest.startswith("?"):
            return _STATUS, at + 2
        if rest.startswith("{?}"):
            return _STATUS, at + 4
        match = re.match(r"[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\}", rest)
        if match:
            return None, at + 1 + match.end()
        return "$", at + 1

    while i < n:
        c = line[i]
        if c in " \t":
            finish()
            i += 1
        elif line.startswith(("&&", "||"), i):
            operator(line[i : i + 2])
            i += 2
        elif line.startswith("&>", i):
            finish()
            i = redirect(i + 1, both=True)
        elif c in "<>":
            i = redirect(i, both=False)
        elif c in ";|&\n":
            operator(c)
            i += 1
        elif c in "()":
            # Subshells and functions are beyond this shell; unquoted, mksh rejects them here.
            raise ShellSyntaxError(f"'{c}' unexpected")
        elif c == "#" and not word.started:
            while i < n and line[i] != "\n":
                i += 1
        elif c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("'\\'' unmatched")
            word.add(line[i + 1 : end])
            i = end + 1
        elif c == '"':
            word.add("")
            i += 1
            while True:
                if i >= n:
                    raise ShellSyntaxError("'\"' unmatched")
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\" and i + 1 < n and line[i + 1] in '"\\$`\n':
                    word.add(line[i + 1])
                    i += 2
                elif c == "$":
                    part, i = dollar(i)
                    if part is not None:
                        word.add(part)
                else:
                    word.add(c)
                    i += 1
        elif c == "\\":
            if i + 1 < n and line[i + 1] != "\n":
                word.add(line[i + 1])
            i += 2
        elif c == "$":
            part, i = dollar(i)
            if part is not None:
                word.add(part)
        else:
            word.add(c)
            i += 1
    finish()
    if pending is not None:
        raise ShellSyntaxError("unexpected end of input")
    return tokens


def _expand(parts: list[_Part], status: int) -> str:
    return "".join(str(status) if isinstance(part, _Status) else part for part in parts)


def _parse(tokens: list[_Token]) -> list[tuple[str, list[_Simple]]]:
    """Group tokens into an and-or list: [(connector, pipeline)], the first connector is ';'."""
    items: list[tuple[str, list[_Simple]]] = []
    connector = ";"
    pipeline: list[_Simple] = []
    simple = _Simple()

    def close_simple(op: str) -> None:
        nonlocal simple
        if not simple.argv:
            raise ShellSyntaxError(f"'{op.strip() or 'newline'}' unexpected")
        pipeline.append(simple)
        simple = _Simple()

    for token in tokens:
        if isinstance(token, tuple):
            op = token[0]
            if op == "|":
                close_simple(op)
                continue
            if not simple.argv and not pipeline:
                if op in (";", "\n", "&") and connector == ";":
                    continue  # empty statements between separators are fine
                raise ShellSyntaxError(f"'{op}' unexpected")
            close_simple(op)
            items.append((connector, pipeline))
            pipeline = []
            connector = op if op in ("&&", "||") else ";"
            continue
        if isinstance(token, _Redirect):
            simple.redirects.append(token)
            continue
        simple.argv.append(token)
    if simple.argv:
        pipeline.append(simple)
    elif pipeline or connector != ";":
        raise ShellSyntaxError("unexpected end of input")
    if pipeline:
        items.append((connector, pipeline))
    return items


class Shell:
    """Runs command lines against a table of commands, like `sh -c LINE` on the phone."""

    def __init__(self, commands: Mapping[str, Command], name: str = "/system/bin/sh") -> None:
        self._commands = commands
        self._name = name

    def run(self, line: str) -> Result:
        """Run one command line; stdout and stderr come back separately, in order within each."""
        try:
            items = _parse(_tokens(line))
        except ShellSyntaxError as exc:
            return Result(err=f"{self._name}: syntax error: {exc}\n", code=1)
        status = 0
        out: list[str] = []
        err: list[str] = []
        merged: list[str] = []
        for connector, pipeline in items:
            if connector == "&&" and status != 0:
                continue
            if connector == "||" and status == 0:
                continue
            result = self._pipeline(pipeline, status)
            out.append(result.out)
            err.append(result.err)
            merged.append(result.text())
            if result.exit_now:
                status = result.code
                break
            status = result.code
        return Result("".join(out), "".join(err), status, merged="".join(merged))

    def merged(self, line: str) -> tuple[str, int]:
        """What `adb shell LINE` prints (v1: both streams on one channel) and the exit status."""
        result = self.run(line)
        return result.text(), result.code

    def _pipeline(self, pipeline: list[_Simple], status: int) -> Result:
        stdin = ""
        err: list[str] = []
        result = Result()
        for simple in pipeline:
            result = self._simple(simple, stdin, status)
            err.append(result.err)
            stdin = result.out
            if result.exit_now:
                break
        # Earlier stages' errors reach the terminal before the last stage's output.
        merged = "".join(err[:-1]) + result.text()
        return Result(result.out, "".join(err), result.code, result.exit_now, merged)

    def _simple(self, simple: _Simple, stdin: str, status: int) -> Result:
        argv = [_expand(parts, status) for parts in simple.argv]
        name = argv[0]
        if name == "exit":
            code = int(argv[1]) & 0xFF if len(argv) > 1 and argv[1].isdigit() else status
            return Result(code=code, exit_now=True)
        # Where fds 1 and 2 lead: the terminal's stdout/stderr, or nowhere.
        sinks = {1: "out", 2: "err"}
        for redirect in simple.redirects:
            target = _expand(redirect.target, status)
            if redirect.op in (">&", "<&"):
                if target == "-":
                    sinks[redirect.fd] = "null"
                elif int(target) in sinks:
                    sinks[redirect.fd] = sinks[int(target)]
                else:
                    return Result(err=f"{self._name}: {target}: bad file descriptor\n", code=1)
            elif redirect.op == "<":
                if target != "/dev/null":
                    return Result(
                        err=f"{self._name}: can't open {target}: No such file or directory\n",
                        code=1,
                    )
                stdin = ""
            elif target == "/dev/null" or target.startswith(_WRITABLE):
                # Written to a file nobody reads back here: the output leaves the terminal.
                for fd in (1, 2) if redirect.both else (redirect.fd,):
                    sinks[fd] = "null"
            else:
                # adb shell starts in /, which is read-only; so is most of the system.
                return Result(
                    err=f"{self._name}: can't create {target}: Read-only file system\n", code=1
                )
        command = self._commands.get(name)
        if command is None:
            result = Result(err=f"{self._name}: {name}: inaccessible or not found\n", code=127)
        else:
            result = command(argv, stdin)
        if sinks == {1: "out", 2: "err"}:
            return result
        routed = {"out": "", "err": "", "null": ""}
        routed[sinks[1]] += result.out
        routed[sinks[2]] += result.err
        return Result(routed["out"], routed["err"], result.code)

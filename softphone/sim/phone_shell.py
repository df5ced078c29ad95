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
class _Simple:
    argv: list[list[_Part]] = field(default_factory=list)
    drop_out: bool = False
    drop_err: bool = False
    err_to_out: bool = False


def _tokens(line: str) -> list[list[_Part] | tuple[str]]:
    """Split into words (lists of parts) and operators (1-tuples)."""
    tokens: list[list[_Part] | tuple[str]] = []
    word = _Word()
    i = 0
    n = len(line)

    def finish() -> None:
        nonlocal word
        if word.started:
            tokens.append(word.parts)
        word = _Word()

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
            finish()
            tokens.append((line[i : i + 2],))
            i += 2
        elif c == "&" and (line.startswith(">", i + 1) or line[i - 1 : i] == ">"):
            word.add(c)  # part of a redirection: `2>&1`, `&>/dev/null`
            i += 1
        elif c in ";|&\n":
            finish()
            tokens.append((c,))
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
    return tokens


def _expand(parts: list[_Part], status: int) -> str:
    return "".join(str(status) if isinstance(part, _Status) else part for part in parts)


def _parse(tokens: list[list[_Part] | tuple[str]]) -> list[tuple[str, list[_Simple]]]:
    """Group tokens into an and-or list: [(connector, pipeline)], the first connector is ';'."""
    items: list[tuple[str, list[_Simple]]] = []
    connector = ";"
    pipeline: list[_Simple] = []
    simple = _Simple()

    def close_simple(op: str) -> None:
        nonlocal simple
        if not simple.argv:
            raise ShellSyntaxError(f"'{op}' unexpected")
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
        if _redirect(token, simple):
            continue
        simple.argv.append(token)
    if simple.argv:
        pipeline.append(simple)
    elif pipeline or connector != ";":
        raise ShellSyntaxError("unexpected end of input")
    if pipeline:
        items.append((connector, pipeline))
    return items


def _redirect(parts: list[_Part], simple: _Simple) -> bool:
    """Apply the redirections clients append; anything else is an ordinary word."""
    word = _expand(parts, 0)
    if any(isinstance(part, _Status) for part in parts):
        return False
    if word in ("2>&1",):
        simple.err_to_out = True
    elif word in ("2>/dev/null",):
        simple.drop_err = True
    elif word in (">/dev/null", "1>/dev/null"):
        simple.drop_out = True
    elif word in ("&>/dev/null", ">&/dev/null"):
        simple.drop_out = simple.drop_err = True
    else:
        return False
    return True


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
        command = self._commands.get(name)
        if command is None:
            result = Result(err=f"{self._name}: {name}: inaccessible or not found\n", code=127)
        else:
            result = command(argv, stdin)
        if simple.err_to_out:
            result = Result(result.text(), "", result.code)
        if simple.drop_out or simple.drop_err:
            out = "" if simple.drop_out else result.out
            err = "" if simple.drop_err else result.err
            result = Result(out, err, result.code)
        return result

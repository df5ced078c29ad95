"""Hostile answers for the hostile-input proofs: hypothesis strategies for what a broken (or
malicious) CRM or phone could send, and the contract's own reading of them.

`usable_id` is the contract's rule, written out here rather than taken from the client: a
command can be answered when its `id` is text (or a whole number) of 1–128 characters without
control characters once stripped; anything else cannot be answered, only reported in the log.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from hypothesis import strategies as st

#: Pieces that mean something to a shell, a terminal, SQL, a path or a URL.
NASTY: Final = (
    "; reboot",
    "$(id)",
    "`id`",
    "&& rm -rf /sdcard",
    "| sh",
    "\n",
    "\r\n",
    "\x00",
    "\x1b[2J",
    "\u202e",
    "' OR '1'='1",
    '"; DROP TABLE calls; --',
    "1 UNION SELECT value FROM kv",
    "../../../etc/passwd",
    "..\\..\\windows\\system32",
    "%2e%2e%2f",
    "file:///etc/passwd",
    "tel:112",
    "*#06#",
    "%s%n%x",
    "\\",
    '"',
    "'",
)
PATH_LIKE: Final = ("../../etc/passwd", "/etc/shadow", "..\\..\\boot.ini", "./.", "~/.ssh/id_rsa")
SQL_LIKE: Final = (
    "1; DROP TABLE calls;--",
    "' OR '1'='1",
    "1 UNION SELECT * FROM kv",
    '"); DELETE FROM outbox;--',
    "0 OR 1=1",
)
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
huge = st.builds(
    lambda piece, n: piece * n, st.sampled_from("9x;$\n\u0436"), st.integers(129, 60_000)
)
number_like = st.from_regex(
    r"\+?[78]?[ (]?9[0-9]{2}[) -]?[0-9]{3}[ -]?[0-9]{2}[ -]?[0-9]{2}", fullmatch=True
)
with_nasty = st.builds(
    lambda a, nasty, b: a + nasty + b,
    number_like | st.just(""),
    st.sampled_from(NASTY),
    st.text(max_size=8),
)
phones = st.one_of(
    number_like,
    with_nasty,
    st.text(max_size=40),
    huge,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(number_like, max_size=2),
    st.dictionaries(st.text(max_size=5), number_like, max_size=2),
)


def ids(real: str) -> st.SearchStrategy[Any]:
    """The `id` of a hostile command: the real one (maybe padded or as a number), or not."""
    return st.one_of(
        st.just(real),
        st.builds(
            lambda pad, pad2: pad + real + pad2,
            st.sampled_from([" ", "\t", "  "]),
            st.sampled_from(["", " "]),
        ),
        st.sampled_from(PATH_LIKE),
        st.sampled_from(SQL_LIKE),
        st.builds(lambda nasty: real + nasty, st.sampled_from(NASTY)),
        st.text(min_size=1, max_size=20),
        huge,
        st.integers(min_value=-(10**40), max_value=10**40),
        st.none(),
        st.booleans(),
        st.floats(allow_nan=False),
        st.lists(st.just(real), max_size=2),
        st.fixed_dictionaries({"id": st.just(real)}),
    )


def command_objects(real: str) -> st.SearchStrategy[dict[str, Any]]:
    """A pull answer's JSON object: fields of every type, missing ones, extra ones."""
    fields = st.fixed_dictionaries(
        {},
        optional={
            "id": ids(real),
            "phone": phones,
            "note": st.one_of(st.text(max_size=50), huge, json_values),
            "company_id": json_values,
            "contact_id": json_values,
            "created_at": st.one_of(
                st.just("2026-11-29T10:00:00+00:00"), st.text(max_size=30), json_values
            ),
        },
    )
    extra = st.dictionaries(st.text(max_size=20), json_values, max_size=3)
    return st.builds(lambda f, e: {**e, **f}, fields, extra)


def pull_bodies(real: str) -> st.SearchStrategy[str]:
    """The text of a hostile 200 answer to a pull that handed out the command `real`."""
    objects = command_objects(real)
    return st.one_of(
        objects.map(json.dumps),
        objects.map(lambda o: json.dumps(o, ensure_ascii=False)),
        st.builds(
            lambda text, share: text[: int(len(text) * share)],
            objects.map(json.dumps),
            st.floats(0, 0.99),
        ),  # cut short
        st.lists(objects, max_size=2).map(json.dumps),
        json_values.map(json.dumps),
        st.text(max_size=200),
        st.just(""),
        st.just("<html><body><h1>Bad Gateway</h1></body></html>"),
        st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
    )


def token_answers() -> st.SearchStrategy[tuple[int, str]]:
    """(status, body) answered to a sign-in or refresh: right shapes with wrong contents,
    wrong shapes, wrong types, not JSON, unexpected statuses."""
    token = st.one_of(st.text(max_size=40), huge, json_values, st.just("a.b.c"))
    objects = st.fixed_dictionaries(
        {},
        optional={
            "access": token,
            "refresh": token,
            "username": st.one_of(st.text(max_size=20), json_values),
            "is_admin": json_values,
            "detail": st.one_of(st.text(max_size=60), huge, json_values),
            "code": st.text(max_size=20),
        },
    )
    bodies = st.one_of(
        objects.map(json.dumps),
        json_values.map(json.dumps),
        st.text(max_size=100),
        st.just(""),
        st.just("<html>502</html>"),
    )
    statuses = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 403, 404, 418, 429, 500, 502])
    return st.tuples(statuses, bodies)


def call_log_outputs() -> st.SearchStrategy[str]:
    """What a broken call-log provider might print: rows with wrong values, stray lines,
    exceptions, shell and terminal characters."""
    value = st.one_of(
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.just("NULL"),
        st.text(max_size=20),
        st.sampled_from(NASTY),
        number_like,
    )
    row = st.builds(
        lambda n, i, num, date, dur, typ, sub, extra: (
            f"Row: {n} _id={i}, number={num}, date={date}, duration={dur}, type={typ}, "
            f"subscription_id={sub}{extra}"
        ),
        st.integers(0, 5),
        value,
        value,
        value,
        value,
        value,
        value,
        st.sampled_from(["", ", name=Smith, John", ", x=1"]),
    )
    line = st.one_of(
        row,
        st.text(max_size=80),
        st.sampled_from(
            [
                "No result found.",
                "Error while accessing provider:call_log",
                "java.lang.SecurityException: Permission Denial: requires READ_CALL_LOG",
                "java.lang.IllegalArgumentException: Invalid token LIMIT",
                "/system/bin/sh: content: inaccessible or not found",
                "\tat android.os.Parcel.createException(Parcel.java:2409)",
            ]
        ),
        st.sampled_from(NASTY),
    )
    return st.lists(line, max_size=6).map("\n".join)


def usable_id(body: str) -> str | None:
    """The command id a desk can answer, from a pull answer's text (the contract's rule)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    raw = data.get("id")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    try:
        text = str(raw).strip()
    except ValueError:  # an integer too long to print
        return None
    if not 1 <= len(text) <= 128 or _CONTROL.search(text):
        return None
    return text

"""Masking: the one function every log line, log bundle, support report and error goes through.

`mask(text)` hides secrets and personal data and keeps everything else readable:

- `Bearer …`, JWT-shaped strings and long opaque tokens (QR tokens) → `***`;
- values of access/refresh/token/password/secret/qr keys, in JSON, Python-repr, query-string
  and `key=value`/`key: value` forms → `***` (JSON stays valid);
- device ids (`device_id`, `serial`, …) → first 4 `***` last 4 (`***` for 8 characters or fewer);
- phone numbers in the usual notations → `***` and the last 4 digits.

It is one pass of one regular expression (no order-dependent chain of substitutions), so it is
fast on large bundles, and it never raises: a logging filter must not be able to break logging.
Values registered at run time (`register_secret`, `register_device_id`) are masked wherever they
appear, even without a key in front of them.
"""

from __future__ import annotations

import collections
import re
import threading
from typing import Final

__all__ = ["MASK", "mask", "mask_device_id", "mask_phone", "register_device_id", "register_secret"]

MASK: Final = "***"

_HIDDEN_KEY = (
    r"[A-Za-z0-9_.\-]*"
    r"(?:access|refresh|token|password|passwd|pwd|secret|qr|authorization|cookie|api_?key)"
    r"[A-Za-z0-9_.\-]*"
)
_DEVICE_KEY = r"(?:device_?id|deviceId|android_?id|serial|installation_?id)"
_VALUE = (
    r"(?P<dq>\"(?:[^\"\\\n]|\\.)*\")"  # "double-quoted", JSON escapes kept whole
    r"|(?P<sq>'(?:[^'\\\n]|\\.)*')"  # 'single-quoted' (Python reprs)
    r"|(?P<scheme>(?:Bearer|Basic|Token|JWT)[ \t]+[^\s&,;'\"}\]]+)"
    r"|(?P<bare>[^\s&,;'\"}\]<>]+)"
)
_DIGIT_SEP = r"[ \u00a0.\-]"

_PATTERN: Final = re.compile(
    # key = value, key: value, "key": "value", 'key': 'value', ?key=value&…
    r"(?P<kq>[\"']?)(?P<key>\b(?:" + _HIDDEN_KEY + "|" + _DEVICE_KEY + r"))(?P=kq)"
    r"(?P<sep>[ \t]*[:=][ \t]*)"
    r"(?:" + _VALUE + r")"
    # Authorization schemes written without a key
    r"|(?P<bearer>\bBearer[ \t]+)[A-Za-z0-9._~+/=\-]+"
    # JWTs: header.payload.signature, base64url
    r"|(?P<jwt>\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*)"
    # Long opaque tokens (QR tokens are ~86 url-safe base64 characters)
    r"|(?P<opaque>(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{40,}(?![A-Za-z0-9_\-]))"
    # International numbers with a plus: +, then 7–15 digits with the usual separators
    r"|(?P<intl>(?<![\w+])\+[ \u00a0]?\d(?:[ \u00a0.\-]?\(?\d{1,4}\)?){2,8}(?![\w]))"
    # Russian numbers without a plus: [7|8] (area) xxx-xx-xx, grouped or not
    r"|(?P<ru>(?<![\w.+])(?<![0-9A-Fa-f]-)(?:[78]" + _DIGIT_SEP + r"?)?"
    r"(?:\([3-9]\d\d\)|[3-9]\d\d)" + _DIGIT_SEP + r"?"
    r"\d\d\d" + _DIGIT_SEP + r"?\d\d" + _DIGIT_SEP + r"?\d\d(?![\w])(?!-[0-9A-Fa-f]))"
)
_HIDDEN_KEY_RE: Final = re.compile(r"(?i)" + _HIDDEN_KEY)
_JSON_VALUE_CONTEXT: Final = re.compile(r"\"[ \t]*:[ \t]*$")
_LITERALS: Final = frozenset({"null", "true", "false", "None", "True", "False", ""})

#: How many registered values are remembered: tokens rotate every hour for weeks, and only
#: the latest few can still appear anywhere, so the oldest are forgotten first.
KNOWN_MAX: Final = 256

_lock = threading.Lock()
_known: collections.OrderedDict[str, str] = collections.OrderedDict()  # value → masked form


def _remember(value: str, masked: str) -> None:
    with _lock:
        _known[value] = masked
        _known.move_to_end(value)
        while len(_known) > KNOWN_MAX:
            _known.popitem(last=False)


def mask_device_id(value: str) -> str:
    """first4***last4; ids of 8 characters or fewer are hidden entirely."""
    return MASK if len(value) <= 8 else f"{value[:4]}{MASK}{value[-4:]}"


def mask_phone(value: str) -> str:
    """*** and the last four digits."""
    digits = [c for c in value if c.isdigit()]
    return MASK + "".join(digits[-4:])


def register_secret(value: str | None) -> None:
    """Mask this exact value wherever it appears (tokens the program holds)."""
    if value and len(value) >= 6:
        _remember(value, MASK)


def register_device_id(value: str | None) -> None:
    """Mask this exact device id wherever it appears, as first4***last4."""
    if value and len(value) >= 4:
        _remember(value, mask_device_id(value))


def _mask_value(match: re.Match[str], device: bool) -> str:
    hide = mask_device_id if device else (lambda _v: MASK)
    if (quoted := match.group("dq") or match.group("sq")) is not None:
        inner = quoted[1:-1]
        if not inner:
            return quoted
        return quoted[0] + hide(inner) + quoted[0]
    if (scheme := match.group("scheme")) is not None:
        return scheme.split(None, 1)[0] + " " + MASK
    bare = match.group("bare") or ""
    if bare in _LITERALS:
        return bare
    masked = hide(bare)
    # A bare JSON value ("password": 1234) must become a string to keep the JSON valid.
    if match.group("kq") == '"' and ":" in match.group("sep"):
        return f'"{masked}"'
    return masked


def _replace(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if match.group("key") is not None:
        key = match.group("key")
        device = _HIDDEN_KEY_RE.fullmatch(key) is None
        return (
            match.group("kq")
            + key
            + match.group("kq")
            + match.group("sep")
            + _mask_value(match, device)
        )
    if kind == "bearer":
        return match.group("bearer") + MASK
    if kind == "jwt":
        return MASK
    if kind == "opaque":
        token = match.group(0)
        has_digit = any(c.isdigit() for c in token)
        has_alpha = any(c.isalpha() for c in token)
        # Long mixed runs are tokens; long digit runs are no number anyone writes, but may be
        # one with garbage around it (untrusted server text): hidden too, as a number would be.
        if has_digit and has_alpha:
            return MASK
        return mask_phone(token) if has_digit else token
    if kind in ("intl", "ru"):
        text = match.group(0)
        digits = sum(c.isdigit() for c in text)
        if kind == "intl" and not 7 <= digits <= 15:
            return text
        if kind == "ru" and digits not in (10, 11):
            return text
        masked = mask_phone(text)
        # A bare number as a JSON value ("phone": 79123456789) must stay valid JSON.
        before = match.string[max(0, match.start() - 12) : match.start()]
        if _JSON_VALUE_CONTEXT.search(before):
            return f'"{masked}"'
        return masked
    return match.group(0)


def _fallback(text: str) -> str:
    """Used only if the main pass fails: hide every digit run and every long word."""
    try:
        return re.sub(r"\d{3,}|[A-Za-z0-9_\-]{20,}", MASK, text)
    except Exception:
        return "[masked text withheld]"


def mask(text: object) -> str:
    """`text` with secrets, device ids and phone numbers hidden. Never raises."""
    try:
        out = text if isinstance(text, str) else str(text)
        if _known:
            with _lock:
                known = sorted(_known.items(), key=lambda kv: -len(kv[0]))
            for value, masked in known:
                if value in out:
                    out = out.replace(value, masked)
        return _PATTERN.sub(_replace, out)
    except Exception:
        try:
            return _fallback(text if isinstance(text, str) else repr(text))
        except Exception:
            return "[masked text withheld]"

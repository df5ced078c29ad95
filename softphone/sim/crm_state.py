"""The simulated CRM's memory: users, tokens, QR codes, devices, the command queue, what was posted.

Everything the HTTP handlers and the test-side `RunningCrm` read or change lives here, behind
one lock, so tests may call it from their own thread while the server runs in its loop. Every
method is short and never blocks on I/O (the optional state file is written by `flush`, outside
the lock). Must never import from the rest of `softphone/`: the stand-in keeps its own rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jwt

from softphone.sim.crm_wire import iso

Profile = Literal["production", "seed"]
TokenType = Literal["access", "refresh"]

log = logging.getLogger("softphone.sim.crm")

#: Request-log entries kept (oldest dropped first).
REQUEST_LOG_SIZE = 20_000


@dataclass
class CrmOptions:
    """How the simulated CRM behaves. Small windows and TTLs make tests fast."""

    profile: Profile = "production"
    users: list[tuple[str, str, bool]] = field(default_factory=list)
    access_ttl: float = 3600.0
    refresh_ttl: float = 7 * 86400.0
    qr_ttl: float = 300.0
    #: Production's per-IP wall over all of /api/phone/*.
    ip_limit: int = 60
    ip_window: float = 60.0
    #: Production's per-user scoped throttles and the per-IP login/refresh limit.
    pull_per_min: int = 120
    heartbeat_per_min: int = 30
    telemetry_per_min: int = 20
    login_per_min: int = 10
    scope_window: float = 60.0
    #: Seed: per-user requests to /api/phone/* per scope_window before 429 (None: unlimited).
    seed_rate: int | None = None
    #: Seed: the longest a pull is held.
    max_wait: float = 60.0
    state_file: Path | None = None
    #: The CRM page's dedupe of the same pending phone from the same creator.
    dedupe_window: float = 60.0
    #: Production mints at most one QR token per this many seconds per IP.
    qr_create_interval: float = 10.0
    #: Whether /api/token/refresh/ rotates the refresh token (None: production yes, seed no —
    #: the seed document shows the refresh answer as `{access}` only).
    rotate_refresh: bool | None = None

    @property
    def rotates(self) -> bool:
        return self.profile == "production" if self.rotate_refresh is None else self.rotate_refresh


@dataclass
class User:
    user_id: str
    username: str
    password: str
    is_admin: bool = False
    locked: bool = False


@dataclass
class Device:
    username: str
    device_id: str
    device_name: str
    fcm_token: str | None
    registered_at: float
    last_seen_at: float | None = None
    last_heartbeat: dict[str, Any] | None = None
    heartbeats: int = 0


@dataclass
class Command:
    id: str
    username: str
    phone: str
    note: str | None
    company_id: int | None
    contact_id: int | None
    created_at: float
    state: Literal["pending", "consumed"] = "pending"
    consumed_at: float | None = None
    device_id: str | None = None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class QrToken:
    token: str
    username: str
    created_at: float
    expires_at: float
    used_at: float | None = None


@dataclass
class Faults:
    """Trouble injected in front of the API, as a flaky proxy (or a broken server) causes it."""

    latency_ms: float = 0.0
    #: Each request waits a further random 0…this many ms (slow answers of every length).
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    #: `Retry-After` seconds sent with the `error_rate` answers (None: no header), so that a
    #: 429 storm can come with or without it.
    error_retry_after: float | None = None
    drop_rate: float = 0.0
    #: [{path, status, count, retry_after?}] — the next `count` requests to `path` answer
    #: `status` (status 0 drops the connection).
    fail_next: list[dict[str, Any]] = field(default_factory=list)
    #: [{path, status, body, content_type, count, consume?}] — the next `count` requests to
    #: `path` get exactly this answer (any text, JSON or not) instead of the real one. With
    #: `consume` a command is handed out with it, as a real pull would hand it out, so a
    #: garbled command is one the server will never hand out again: `consume` is a command id,
    #: or "next" — the oldest pending command of any user, whose id then replaces every
    #: `COMMAND_ID_MARK` in the body (a "next" rule waits, unused, until a command is pending).
    reply_next: list[dict[str, Any]] = field(default_factory=list)


#: In a `reply_next` body that consumes "next": replaced by the id of the command handed out.
COMMAND_ID_MARK = "$COMMAND_ID$"


@dataclass(frozen=True)
class FaultHit:
    """What one request meets in front of the API: a dropped connection, an error status, or
    a canned answer."""

    kind: Literal["drop", "status", "reply"]
    status: int = 0
    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    retry_after: float | None = None
    #: The command handed out with a canned answer, if any.
    consumed: str | None = None


class TokenError(Exception):
    """A JWT the server will not accept; `detail` is simplejwt's text."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def utc(ts: float) -> str:
    return iso(dt.datetime.fromtimestamp(ts, dt.UTC))


def normalise_phone(text: str) -> str:
    """What the CRM's "call" button does to a typed number: +7XXXXXXXXXX when it can, else as is."""
    digits = re.sub(r"[\s()\-.]", "", text.strip())
    if re.fullmatch(r"\+?[78]\d{10}", digits):
        return "+7" + digits[-10:]
    if re.fullmatch(r"9\d{9}", digits):
        return "+7" + digits
    return text.strip()


class CrmState:
    """All mutable state; thread-safe. `on_command` is called (outside the lock) after a
    command is queued, so the server can wake its long-polls."""

    def __init__(self, options: CrmOptions, clock: Callable[[], float] = time.time) -> None:
        self.options = options
        self.clock = clock
        self.on_command: Callable[[], None] | None = None
        self._lock = threading.RLock()
        self._dirty = False
        self._reset_locked()
        if options.state_file is not None:
            if options.state_file.exists():
                self._load(options.state_file)
            # Write once now, so an unwritable path is a clear error at start, not mid-request.
            self._dirty = True
            try:
                self._write(options.state_file)
            except OSError as exc:
                raise ValueError(
                    f"cannot write the state file {options.state_file}: {exc}"
                ) from exc

    # ---- lifecycle -------------------------------------------------------------------------

    def _reset_locked(self) -> None:
        opts = self.options
        self.secret = secrets.token_hex(32)
        self.ttl = {"access": opts.access_ttl, "refresh": opts.refresh_ttl, "qr": opts.qr_ttl}
        self.users: dict[str, User] = {}
        self.next_user_id = 1
        self.next_seed_id = 12345
        self.blacklist: set[str] = set()
        self.outstanding: dict[str, dict[str, float]] = {}  # username -> refresh jti -> exp
        self.qr: dict[str, QrToken] = {}
        self.devices: dict[tuple[str, str], Device] = {}
        self.commands: dict[str, Command] = {}
        self.updates: dict[str, list[dict[str, Any]]] = {}
        self.telemetry: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
        self.request_log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        #: Every access, refresh and QR token this server minted, in order (for tests that
        #: look for leaked secrets: the client must never write one down anywhere).
        self.issued: list[str] = []
        self.faults = Faults()
        for name, password, admin in opts.users:
            self._add_user_locked(name, password, admin, False)

    def reset(self) -> None:
        """Back to the state right after start: option users only, new signing key, no faults."""
        with self._lock:
            self._reset_locked()
            self._dirty = True

    # ---- users and tokens ------------------------------------------------------------------

    def _add_user_locked(self, username: str, password: str, admin: bool, locked: bool) -> User:
        user = self.users.get(username)
        if user is None:
            user = User(str(self.next_user_id), username, password, admin, locked)
            self.next_user_id += 1
            self.users[username] = user
        else:
            user.password, user.is_admin, user.locked = password, admin, locked
        self._dirty = True
        return user

    def add_user(
        self, username: str, password: str, is_admin: bool = False, locked: bool = False
    ) -> dict[str, Any]:
        with self._lock:
            user = self._add_user_locked(username, password, is_admin, locked)
            return {"username": user.username, "user_id": user.user_id, "is_admin": user.is_admin}

    def users_view(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "username": u.username,
                    "user_id": u.user_id,
                    "is_admin": u.is_admin,
                    "locked": u.locked,
                }
                for u in self.users.values()
            ]

    def lock_user(self, username: str) -> None:
        with self._lock:
            self.users[username].locked = True
            self._dirty = True

    def check_password(self, username: str, password: str) -> User | None:
        with self._lock:
            user = self.users.get(username)
            if user is None or not secrets.compare_digest(user.password, password):
                return None
            return user

    def _mint(self, user: User, kind: TokenType, now: float) -> tuple[str, str, float]:
        jti = uuid.uuid4().hex
        # A float `exp` is a legal NumericDate and lets tests use sub-second lifetimes.
        exp = round(now + self.ttl[kind], 3)
        claims = {
            "token_type": kind,
            "exp": exp,
            "iat": int(now),
            "jti": jti,
            "user_id": user.user_id,
        }
        token = jwt.encode(claims, self.secret, algorithm="HS256")
        self.issued.append(token)
        return token, jti, exp

    def issue_pair(self, user: User) -> tuple[str, str]:
        with self._lock:
            now = self.clock()
            access, _, _ = self._mint(user, "access", now)
            refresh, jti, exp = self._mint(user, "refresh", now)
            self.outstanding.setdefault(user.username, {})[jti] = exp
            self._dirty = True
            return access, refresh

    def decode(self, token: str, kind: TokenType) -> tuple[User, dict[str, Any]]:
        """The user and claims of a valid token of `kind`, or TokenError."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                # PyJWT truncates a float `exp` to whole seconds; expiry is checked below instead.
                options={
                    "require": ["exp", "jti", "token_type", "user_id"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise TokenError("Token is invalid") from exc
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise TokenError("Token is invalid")
        if exp <= self.clock():
            raise TokenError("Token is expired")
        if claims["token_type"] != kind:
            raise TokenError("Token has wrong type")
        with self._lock:
            if kind == "refresh" and claims["jti"] in self.blacklist:
                raise TokenError("Token is blacklisted")
            user = next((u for u in self.users.values() if u.user_id == claims["user_id"]), None)
        if user is None:
            raise TokenError("User not found")
        return user, claims

    def refresh(self, token: str) -> tuple[str, str | None]:
        """A new access token and, when rotating, a new refresh token (the old one blacklisted)."""
        with self._lock:
            user, claims = self.decode(token, "refresh")
            now = self.clock()
            access, _, _ = self._mint(user, "access", now)
            if not self.options.rotates:
                return access, None
            self.blacklist.add(claims["jti"])
            self.outstanding.get(user.username, {}).pop(claims["jti"], None)
            refresh, jti, exp = self._mint(user, "refresh", now)
            self.outstanding.setdefault(user.username, {})[jti] = exp
            self._dirty = True
            return access, refresh

    def blacklist_refresh(self, user: User, token: str) -> bool:
        with self._lock:
            try:
                owner, claims = self.decode(token, "refresh")
            except TokenError:
                return False
            if owner.username != user.username:
                return False
            self.blacklist.add(claims["jti"])
            self.outstanding.get(user.username, {}).pop(claims["jti"], None)
            self._dirty = True
            return True

    def blacklist_all(self, user: User) -> int:
        with self._lock:
            now = self.clock()
            live = {j for j, exp in self.outstanding.pop(user.username, {}).items() if exp > now}
            self.blacklist |= live
            self._dirty = True
            return len(live)

    # ---- QR login --------------------------------------------------------------------------

    def create_qr(self, username: str) -> QrToken:
        with self._lock:
            if username not in self.users:
                raise KeyError(username)
            now = self.clock()
            # 64 random bytes, url-safe base64: ~86 characters, as the production CRM mints them.
            qr = QrToken(secrets.token_urlsafe(64), username, now, now + self.ttl["qr"])
            self.qr[qr.token] = qr
            self.issued.append(qr.token)
            self._dirty = True
            return qr

    def qr_status(self, token: str) -> str:
        with self._lock:
            qr = self.qr.get(token)
            if qr is None:
                return "expired"
            if qr.used_at is not None:
                return "used"
            return "expired" if self.clock() >= qr.expires_at else "pending"

    def exchange_qr(self, token: str) -> User | None:
        """The QR token's user, marking it used; None when unknown, used or expired."""
        with self._lock:
            qr = self.qr.get(token)
            now = self.clock()
            if qr is None or qr.used_at is not None or now >= qr.expires_at:
                return None
            qr.used_at = now
            self._dirty = True
            return self.users.get(qr.username)

    # ---- devices ---------------------------------------------------------------------------

    def register_device(
        self, user: User, device_id: str, device_name: str, fcm_token: str | None
    ) -> None:
        with self._lock:
            key = (user.username, device_id)
            device = self.devices.get(key)
            if device is None:
                self.devices[key] = Device(
                    user.username, device_id, device_name, fcm_token, self.clock()
                )
            else:
                device.device_name = device_name or device.device_name
                if fcm_token:
                    device.fcm_token = fcm_token
            self._dirty = True

    def has_device(self, user: User, device_id: str) -> bool:
        with self._lock:
            return (user.username, device_id) in self.devices

    def heartbeat(
        self, user: User, device_id: str, device_name: str | None, body: dict[str, Any]
    ) -> float | None:
        """Record a heartbeat (creating the device when named); None for an unknown, unnamed one."""
        with self._lock:
            key = (user.username, device_id)
            device = self.devices.get(key)
            now = self.clock()
            if device is None:
                if not device_name:
                    return None
                device = Device(user.username, device_id, device_name, None, now)
                self.devices[key] = device
            elif device_name:
                device.device_name = device_name
            device.last_seen_at = now
            device.last_heartbeat = body
            device.heartbeats += 1
            self._dirty = True
            return now

    # ---- commands --------------------------------------------------------------------------

    def create_command(
        self,
        username: str,
        phone: str,
        note: str | None = None,
        company_id: int | None = None,
        contact_id: int | None = None,
    ) -> tuple[str, bool]:
        """Queue a call command as the CRM's button does: (id, whether it was a duplicate)."""
        with self._lock:
            if username not in self.users:
                raise KeyError(username)
            now = self.clock()
            phone = normalise_phone(phone)
            for cmd in self.commands.values():
                if (
                    cmd.state == "pending"
                    and (cmd.username, cmd.phone, cmd.company_id, cmd.contact_id)
                    == (username, phone, company_id, contact_id)
                    and now - cmd.created_at < self.options.dedupe_window
                ):
                    return cmd.id, True
            if self.options.profile == "seed":
                cid = str(self.next_seed_id)
                self.next_seed_id += 1
            else:
                cid = str(uuid.uuid4())
            self.commands[cid] = Command(cid, username, phone, note, company_id, contact_id, now)
            self._dirty = True
        if self.on_command is not None:
            self.on_command()
        return cid, False

    def pop_command(self, user: User, device_id: str) -> dict[str, Any] | None:
        """Hand out the user's oldest pending command, consuming it (at-most-once delivery)."""
        with self._lock:
            cmd = next(
                (
                    c
                    for c in self.commands.values()
                    if c.username == user.username and c.state == "pending"
                ),
                None,
            )
            if cmd is None:
                return None
            cmd.state = "consumed"
            cmd.consumed_at = self.clock()
            cmd.device_id = device_id
            self._dirty = True
            return {
                "id": cmd.id,
                "phone": cmd.phone,
                "company_id": cmd.company_id,
                "contact_id": cmd.contact_id,
                "note": cmd.note,
                "created_at": self._wire_time(cmd.created_at),
            }

    def _consume_locked(self, cid: str | None, device_id: str | None) -> str | None:
        """Mark a pending command handed out (a canned pull answer stood in for it): `cid`, or
        the oldest pending one of any user for None. Its id, or None if there was none."""
        if cid is None:
            cmd = next((c for c in self.commands.values() if c.state == "pending"), None)
        else:
            cmd = self.commands.get(cid)
        if cmd is None or cmd.state != "pending":
            return None
        cmd.state = "consumed"
        cmd.consumed_at = self.clock()
        cmd.device_id = device_id
        self._dirty = True
        return cmd.id

    def _has_pending_locked(self) -> bool:
        return any(c.state == "pending" for c in self.commands.values())

    def _wire_time(self, ts: float) -> str:
        text = utc(ts)
        # The seed document writes times with `Z`; production with `+00:00`. Clients see both.
        return text.replace("+00:00", "Z") if self.options.profile == "seed" else text

    def owned_command(self, user: User, cid: str) -> bool:
        with self._lock:
            cmd = self.commands.get(cid)
            return cmd is not None and cmd.username == user.username

    def apply_result(self, cid: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Last write wins per field; absent fields stay as they were."""
        with self._lock:
            cmd = self.commands[cid]
            cmd.result.update(fields)
            self._dirty = True
            return dict(cmd.result)

    def record_update(self, cid: str, body: Any, status: int | None) -> None:
        with self._lock:
            self.updates.setdefault(cid, []).append(
                {"time": utc(self.clock()), "body": body, "status": status}
            )

    def command_view(self, cid: str) -> dict[str, Any] | None:
        with self._lock:
            cmd = self.commands.get(cid)
            if cmd is None:
                return None
            return {
                "id": cmd.id,
                "username": cmd.username,
                "phone": cmd.phone,
                "note": cmd.note,
                "company_id": cmd.company_id,
                "contact_id": cmd.contact_id,
                "created_at": utc(cmd.created_at),
                "state": cmd.state,
                "consumed_at": None if cmd.consumed_at is None else utc(cmd.consumed_at),
                "device_id": cmd.device_id,
                "result": dict(cmd.result),
                "updates": [dict(u) for u in self.updates.get(cid, [])],
            }

    def command_views(self) -> list[dict[str, Any]]:
        with self._lock:
            views = [self.command_view(cid) for cid in self.commands]
            return [v for v in views if v is not None]

    # ---- telemetry, logs, devices view, request log ----------------------------------------

    def add_telemetry(self, user: User, device_id: str, items: list[dict[str, Any]]) -> None:
        with self._lock:
            stamp = utc(self.clock())
            self.telemetry.extend(
                {"received_at": stamp, "username": user.username, "device_id": device_id, **i}
                for i in items
            )

    def add_logs(self, user: User, entries: list[dict[str, Any]]) -> None:
        with self._lock:
            stamp = utc(self.clock())
            self.logs.extend(
                {"received_at": stamp, "username": user.username, **e} for e in entries
            )

    def devices_view(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "username": d.username,
                    "device_id": d.device_id,
                    "device_name": d.device_name,
                    "fcm_token": d.fcm_token,
                    "registered_at": utc(d.registered_at),
                    "last_seen_at": None if d.last_seen_at is None else utc(d.last_seen_at),
                    "heartbeats": d.heartbeats,
                    "last_heartbeat": d.last_heartbeat,
                }
                for d in self.devices.values()
            ]

    def log_request(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.request_log.append(entry)

    def requests_view(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self.request_log]

    def copy_telemetry(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(t) for t in self.telemetry]

    def copy_logs(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self.logs]

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self.issued)

    # ---- faults ----------------------------------------------------------------------------

    def set_faults(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge fault settings; token lifetimes (access_ttl, refresh_ttl, qr_ttl) apply to new
        tokens. Raises ValueError on an unknown key or a bad value (nothing is changed then)."""
        with self._lock:
            known = {f.name for f in dataclasses.fields(Faults)}
            staged = dataclasses.replace(
                self.faults,
                fail_next=list(self.faults.fail_next),
                reply_next=list(self.faults.reply_next),
            )
            ttl = dict(self.ttl)
            for key, value in changes.items():
                if key in {"access_ttl", "refresh_ttl", "qr_ttl"}:
                    ttl[key.removesuffix("_ttl")] = _positive(key, value)
                elif key == "fail_next":
                    staged.fail_next.extend(_fail_rules(value))
                elif key == "reply_next":
                    staged.reply_next.extend(_reply_rules(value))
                elif key in {"latency_ms", "latency_jitter_ms", "error_rate", "drop_rate"}:
                    number = _non_negative(key, value)
                    if key.endswith("_rate") and number > 1:
                        raise ValueError(f"{key} is a share between 0 and 1")
                    setattr(staged, key, number)
                elif key == "error_retry_after":
                    staged.error_retry_after = None if value is None else _non_negative(key, value)
                elif key == "error_status" and isinstance(value, int) and 400 <= value <= 599:
                    staged.error_status = value
                elif key in known or key == "error_status":
                    raise ValueError(f"bad value for {key}")
                else:
                    raise ValueError(f"unknown fault {key!r}")
            self.faults, self.ttl = staged, ttl
            return self.faults_view()

    def faults_view(self) -> dict[str, Any]:
        with self._lock:
            view = dataclasses.asdict(self.faults)
            view.update({f"{k}_ttl": v for k, v in self.ttl.items()})
            return view

    def latency_s(self, roll: Callable[[], float]) -> float:
        """How long the next request is held before it is served (latency and its jitter)."""
        with self._lock:
            faults = self.faults
            jitter = faults.latency_jitter_ms * roll() if faults.latency_jitter_ms else 0.0
            return (faults.latency_ms + jitter) / 1000

    def take_fault(
        self, path: str, roll: Callable[[], float], device_id: str | None = None
    ) -> FaultHit | None:
        """The fault this request meets, or None. A `reply_next` rule for the path comes first,
        then a `fail_next` rule; then the random shares, rolled with `roll`. `device_id` is the
        request's (a command handed out with a canned answer is handed out to it)."""
        with self._lock:
            faults = self.faults
            for rule in faults.reply_next:
                if rule["path"] != path or rule["count"] <= 0:
                    continue
                consume = rule.get("consume")
                if consume == "next" and not self._has_pending_locked():
                    continue  # waits for a command to stand in for
                rule["count"] -= 1
                faults.reply_next = [r for r in faults.reply_next if r["count"] > 0]
                body = rule["body"]
                consumed = None
                if consume is not None:
                    wanted = None if consume == "next" else consume
                    consumed = self._consume_locked(wanted, device_id)
                    if consumed is not None:
                        body = body.replace(COMMAND_ID_MARK, consumed)
                return FaultHit(
                    "reply", rule["status"], body, rule["content_type"], consumed=consumed
                )
            for rule in faults.fail_next:
                if rule["path"] == path and rule["count"] > 0:
                    rule["count"] -= 1
                    status = int(rule["status"])
                    faults.fail_next = [r for r in faults.fail_next if r["count"] > 0]
                    if status == 0:
                        return FaultHit("drop")
                    return FaultHit("status", status, retry_after=rule.get("retry_after"))
            if faults.drop_rate and roll() < faults.drop_rate:
                return FaultHit("drop")
            if faults.error_rate and roll() < faults.error_rate:
                return FaultHit("status", faults.error_status, retry_after=faults.error_retry_after)
            return None

    # ---- persistence -----------------------------------------------------------------------

    def flush(self) -> None:
        """Write the state file (atomically) if anything changed since the last write."""
        path = self.options.state_file
        if path is None:
            return
        try:
            self._write(path)
        except OSError as exc:
            # The state stays whole in memory and the next change tries again; serving goes on.
            log.warning("cannot write the state file %s: %s", path, exc)

    def _write(self, path: Path) -> None:
        with self._lock:
            if not self._dirty:
                return
            data = self._dump_locked()
            self._dirty = False
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            with self._lock:
                self._dirty = True
            raise

    def _dump_locked(self) -> dict[str, Any]:
        return {
            "secret": self.secret,
            "next_user_id": self.next_user_id,
            "next_seed_id": self.next_seed_id,
            "users": [dataclasses.asdict(u) for u in self.users.values()],
            "blacklist": sorted(self.blacklist),
            "outstanding": self.outstanding,
            "qr": [dataclasses.asdict(q) for q in self.qr.values()],
            "devices": [dataclasses.asdict(d) for d in self.devices.values()],
            "commands": [dataclasses.asdict(c) for c in self.commands.values()],
            "updates": self.updates,
        }

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.secret = data["secret"]
            self.next_user_id = data["next_user_id"]
            self.next_seed_id = data["next_seed_id"]
            self.users = {u["username"]: User(**u) for u in data["users"]}
            self.blacklist = set(data["blacklist"])
            self.outstanding = data["outstanding"]
            self.qr = {q["token"]: QrToken(**q) for q in data["qr"]}
            self.devices = {(d["username"], d["device_id"]): Device(**d) for d in data["devices"]}
            self.commands = {c["id"]: Command(**c) for c in data["commands"]}
            self.updates = data["updates"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"cannot read the state file {path}: {exc}") from exc
        for name, password, admin in self.options.users:
            self._add_user_locked(name, password, admin, False)


def _positive(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{key} must be a positive number of seconds")
    return float(value)


def _non_negative(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} must be a non-negative number")
    return float(value)


def _fail_rules(value: Any) -> list[dict[str, Any]]:
    rules = value if isinstance(value, list) else [value]
    clean = []
    for rule in rules:
        if not isinstance(rule, dict):
            raise ValueError("fail_next takes {path, status, count, retry_after} objects")
        path, status, count = rule.get("path"), rule.get("status"), rule.get("count", 1)
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError("fail_next.path must be an absolute path")
        if not isinstance(status, int) or not (status == 0 or 400 <= status <= 599):
            raise ValueError("fail_next.status must be 0 (drop) or an HTTP error status")
        if not isinstance(count, int) or count < 1:
            raise ValueError("fail_next.count must be a positive integer")
        clean_rule: dict[str, Any] = {"path": path, "status": status, "count": count}
        if rule.get("retry_after") is not None:
            clean_rule["retry_after"] = _non_negative("fail_next.retry_after", rule["retry_after"])
        clean.append(clean_rule)
    return clean


def _reply_rules(value: Any) -> list[dict[str, Any]]:
    rules = value if isinstance(value, list) else [value]
    clean = []
    for rule in rules:
        if not isinstance(rule, dict):
            raise ValueError("reply_next takes {path, status, body, content_type, count} objects")
        path, status, count = rule.get("path"), rule.get("status", 200), rule.get("count", 1)
        body, content_type = rule.get("body", ""), rule.get("content_type", "application/json")
        consume = rule.get("consume")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError("reply_next.path must be an absolute path")
        if not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError("reply_next.status must be an HTTP status")
        if not isinstance(body, str) or not isinstance(content_type, str):
            raise ValueError("reply_next.body and content_type must be text")
        if not isinstance(count, int) or count < 1:
            raise ValueError("reply_next.count must be a positive integer")
        if consume is not None and not isinstance(consume, str):
            raise ValueError('reply_next.consume must be a command id or "next"')
        clean.append(
            {
                "path": path,
                "status": status,
                "body": body,
                "content_type": content_type,
                "count": count,
                "consume": consume,
            }
        )
    return clean

"""Sessions: sign-in (password or QR token), the tokens in the OS keyring, one refresh at a time.

`TokenVault` keeps the session (server, user, access and refresh tokens) in the OS keyring.
Every keyring call runs on one dedicated daemon thread under a timeout: a locked or hung
keyring must neither hang the app nor its exit (a pool's worker threads are joined at exit; a
daemon thread is not). When no keyring works the vault says so (`session_only`) and the tokens
live in memory only — never in a plaintext file.

`Session` holds the current tokens. Every authenticated call goes through `Session.call`: the
access token is refreshed shortly *before* it expires (its `exp`, with a margin), so a 401 is
the exception; on a 401 it refreshes and retries once. Refreshing is single-flight in the
process — one request to the refresh endpoint however many callers need it — and, across
processes that share the keyring entry, done under an OS file lock after re-reading the stored
session: a process that finds the refresh token already rotated by another takes the newer
session up instead of presenting a blacklisted token. The refresh token rotates, so the new
pair is stored before anyone uses it. Only a 401 from the refresh endpoint ends the session; a
network error, a 5xx or a 429 during refresh leaves it intact.

It must never log or raise a token, and never let a cancelled caller abandon a refresh half
way (the server has already blacklisted the old refresh token by then).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Final, TypeVar

import keyring
import keyring.errors

from softphone.instance import try_lock, unlock
from softphone.masking import register_secret
from softphone.problems import Problem, ProblemKind
from softphone.sync.api import (
    AuthExpired,
    BadResponse,
    CrmApi,
    CrmError,
    RateLimited,
    Rejected,
    Unavailable,
)

log = logging.getLogger("softphone.sync")

__all__ = [
    "KEYRING_SERVICE",
    "Session",
    "SessionTokens",
    "SignedOut",
    "TokenVault",
    "token_lifetime",
]

KEYRING_SERVICE: Final = "softphone"
_ENTRY: Final = "session"
#: Refresh this long before expiry at most, and never later than this share of the lifetime.
_REFRESH_MARGIN_MAX_S: Final = 60.0
_REFRESH_MARGIN_SHARE: Final = 0.2
#: How long a refresh waits for another process's refresh to finish.
_LOCK_WAIT_S: Final = 10.0

T = TypeVar("T")


class SignedOut(CrmError):
    """There is no session (never signed in, signed out, or the server ended it)."""

    status = 401

    def __init__(self, reason: str = "not signed in") -> None:
        super().__init__(reason)


@dataclasses.dataclass(frozen=True, slots=True)
class SessionTokens:
    server_url: str
    username: str
    access: str
    refresh: str

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SessionTokens | None:
        try:
            data = json.loads(text)
            return cls(
                server_url=str(data["server_url"]),
                username=str(data["username"]),
                access=str(data["access"]),
                refresh=str(data["refresh"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def __repr__(self) -> str:  # never show the tokens, even in a traceback
        return f"SessionTokens(server_url={self.server_url!r}, username={self.username!r})"


def _claims(access: str) -> dict[str, Any] | None:
    parts = access.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeEncodeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_lifetime(access: str, *, just_issued: bool) -> float | None:
    """Seconds the access token has left, from its own claims (not verified: only the server
    can, and a wrong guess costs one 401). None for a token that is not a JWT with `exp`.

    For a token `just_issued` with an `iat`, the lifetime is `exp - iat`, which is immune to
    this computer's clock being off; otherwise (a token resumed from the keyring) `exp - now`.
    """
    claims = _claims(access)
    if claims is None:
        return None
    try:
        exp = float(claims["exp"])
        if just_issued and "iat" in claims:
            return exp - float(claims["iat"])
    except (KeyError, TypeError, ValueError):
        return None
    return exp - time.time()


class _KeyringThread:
    """One daemon thread that runs keyring calls in order. A call that hangs keeps the thread
    (and the calls queued behind it) waiting, never the event loop and never process exit."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="keyring", daemon=True)
                self._thread.start()
        self._jobs.put((fn, future))
        return future

    def _run(self) -> None:
        while True:
            fn, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as err:  # handed to the caller, whatever it is
                future.set_exception(err)


_KEYRING = _KeyringThread()


class TokenVault:
    """The session in the OS keyring (service `softphone`), with a timeout on every call.

    `lock_path` is the file whose OS lock serialises refreshes among the processes of one desk
    (the engine, `softphone login`…); None means this process is alone (tests).
    """

    def __init__(self, timeout_s: float = 3.0, lock_path: Path | None = None) -> None:
        self._timeout_s = timeout_s
        self._lock_path = lock_path
        #: True once the keyring failed or timed out: tokens then live in memory only.
        self.session_only = False

    async def _run(self, what: str, fn: Callable[[], T]) -> T | None:
        if self.session_only:
            return None
        try:
            async with asyncio.timeout(self._timeout_s):
                return await asyncio.wrap_future(_KEYRING.submit(fn))
        except TimeoutError:
            reason = f"did not answer in {self._timeout_s:g} s"
        except Exception as err:  # any backend may fail in its own way; none may stop us
            reason = type(err).__name__
        self.session_only = True
        log.warning(
            "the OS keyring cannot %s (%s): the session will not be kept after exit", what, reason
        )
        return None

    async def load(self) -> SessionTokens | None:
        text = await self._run("be read", lambda: keyring.get_password(KEYRING_SERVICE, _ENTRY))
        tokens = SessionTokens.from_json(text) if text else None
        if tokens is not None:
            register_secret(tokens.access)
            register_secret(tokens.refresh)
        return tokens

    async def save(self, tokens: SessionTokens) -> None:
        await self._run(
            "store the session",
            lambda: keyring.set_password(KEYRING_SERVICE, _ENTRY, tokens.to_json()),
        )

    async def clear(self) -> None:
        def delete() -> None:
            # Nothing stored is as good as deleted.
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(KEYRING_SERVICE, _ENTRY)

        await self._run("forget the session", delete)

    @contextlib.asynccontextmanager
    async def refresh_lock(self) -> AsyncIterator[None]:
        """Hold the desk's refresh lock (an OS file lock: released if the holder dies).

        Waits up to `_LOCK_WAIT_S` without blocking the loop; a holder that long is hung, and
        refreshing anyway beats never refreshing.
        """
        if self._lock_path is None:
            yield
            return
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        # A local lock file opens at once; it is held across the refresh.
        handle = open(self._lock_path, "a+b")  # noqa: SIM115, ASYNC230
        try:
            deadline = time.monotonic() + _LOCK_WAIT_S
            while not try_lock(handle):
                if time.monotonic() > deadline:
                    log.warning("the session lock stays taken; refreshing without it")
                    break
                await asyncio.sleep(0.05)
            yield
        finally:
            with contextlib.suppress(OSError):
                unlock(handle)
            handle.close()


def _consume_outcome(task: asyncio.Task[str]) -> None:
    # Every waiter may have been cancelled; the outcome is then nobody's, and that is fine.
    if not task.cancelled():
        task.exception()


class Session:
    """The signed-in state and the single-flight refresh.

    `api_for(server_url)` gives the `CrmApi` to use; `on_change(signed_in, problem)` is told
    when the session starts or ends (`problem` says why it ended, unless the operator ended it).
    `clock` is monotonic time (the moment a token expires is kept in it).
    """

    def __init__(
        self,
        vault: TokenVault,
        api_for: Callable[[str], CrmApi],
        on_change: Callable[[bool, Problem | None], None] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._vault = vault
        self._api_for = api_for
        self._on_change = on_change
        self._clock = clock
        self._tokens: SessionTokens | None = None
        self._expires_at: float | None = None  # monotonic, of the current access token
        self._refresh_due: float | None = None  # monotonic: refresh ahead of expiry from here
        self._refreshing: asyncio.Task[str] | None = None
        self._signed_in = asyncio.Event()
        self.refresh_count = 0
        #: Refreshes made ahead of expiry (the rest were forced by a 401).
        self.early_refreshes = 0
        #: Why the last session ended, if the server ended it.
        self.ended: Problem | None = None

    # -- state --------------------------------------------------------------------------------

    @property
    def tokens(self) -> SessionTokens | None:
        return self._tokens

    @property
    def signed_in(self) -> bool:
        return self._tokens is not None

    @property
    def session_only(self) -> bool:
        return self._vault.session_only

    @property
    def server_url(self) -> str:
        return "" if self._tokens is None else self._tokens.server_url

    @property
    def api(self) -> CrmApi:
        if self._tokens is None:
            raise SignedOut()
        return self._api_for(self._tokens.server_url)

    async def wait_signed_in(self) -> None:
        await self._signed_in.wait()

    def access(self) -> str:
        if self._tokens is None:
            raise SignedOut()
        return self._tokens.access

    # -- starting and ending ------------------------------------------------------------------

    async def resume(self) -> bool:
        """Take up the session saved in the keyring, if there is one."""
        tokens = await self._vault.load()
        if tokens is None:
            return False
        self._begin(tokens, fresh=False)
        log.info("resumed the saved session of %s", tokens.username)
        return True

    async def login_password(self, server_url: str, username: str, password: str) -> None:
        register_secret(password)
        api = self._api_for(server_url)
        try:
            pair = await api.obtain_token(username, password)
        except AuthExpired as err:
            # At sign-in a 401 means wrong credentials, not an expired session.
            raise Rejected(401, err.detail) from None
        await self._start(SessionTokens(api.base_url, username, pair.access, pair.refresh))

    async def login_qr(self, server_url: str, token: str) -> str:
        """Exchange a QR token for a session; returns the user name the server gave."""
        register_secret(token.strip())
        api = self._api_for(server_url)
        answer = await api.qr_exchange(token.strip())
        username = answer.username
        if not username:
            info = await api.user_info(answer.access)
            username = info.username
        await self._start(SessionTokens(api.base_url, username, answer.access, answer.refresh))
        return username

    async def _start(self, tokens: SessionTokens) -> None:
        register_secret(tokens.access)
        register_secret(tokens.refresh)
        await self._vault.save(tokens)
        self._begin(tokens, fresh=True)
        log.info("signed in as %s", tokens.username)

    def _begin(self, tokens: SessionTokens, *, fresh: bool) -> None:
        self._tokens = tokens
        self._note_access(tokens.access, fresh=fresh)
        self.ended = None
        self._signed_in.set()
        if self._on_change is not None:
            self._on_change(True, None)

    def _note_access(self, access: str, *, fresh: bool) -> None:
        """When this access token expires, and from when to refresh it ahead of that."""
        left = token_lifetime(access, just_issued=fresh)
        if left is None:
            self._expires_at = self._refresh_due = None
            return
        now = self._clock()
        margin = min(_REFRESH_MARGIN_MAX_S, max(0.0, left) * _REFRESH_MARGIN_SHARE)
        self._expires_at = now + left
        self._refresh_due = now + left - margin

    async def end(self, problem: Problem | None) -> None:
        """Forget the session here and in the keyring (the server is not told)."""
        was = self._tokens is not None
        self._tokens = None
        self._expires_at = self._refresh_due = None
        self._signed_in.clear()
        self.ended = problem
        await self._vault.clear()
        if was:
            log.info("signed out%s", f" ({problem.kind})" if problem else " by the operator")
            if self._on_change is not None:
                self._on_change(False, problem)

    async def logout(self, device_id: str | None) -> None:
        """Tell the server (best effort) and forget the session."""
        tokens = self._tokens
        if tokens is not None:
            try:
                await self._api_for(tokens.server_url).logout(
                    tokens.access, tokens.refresh, device_id
                )
            except CrmError as err:
                log.info("the server was not told about the sign-out (%s)", err)
        await self.end(None)

    # -- refreshing ---------------------------------------------------------------------------

    def _postpone_early_refresh(self) -> None:
        if self._expires_at is None:
            return
        now = self._clock()
        self._refresh_due = now + max(1.0, (self._expires_at - now) / 2)

    def refresh_due(self) -> bool:
        """Whether the access token is close enough to expiry to be refreshed before use."""
        return self._refresh_due is not None and self._clock() >= self._refresh_due

    async def refreshed_access(self, stale: str) -> str:
        """An access token newer than `stale`, refreshing it if nobody has yet.

        Every caller that saw `stale` fail (or expire) shares one refresh. Raises `SignedOut`
        if the server refused the refresh token (the session is over), or the transient
        `CrmError` that stopped the refresh (the session stays; try again later).
        """
        tokens = self._tokens
        if tokens is None:
            raise SignedOut()
        if tokens.access != stale:
            return tokens.access  # someone refreshed while this caller's request was out
        if self._refreshing is None:
            self._refreshing = asyncio.get_running_loop().create_task(self._refresh(tokens))
            self._refreshing.add_done_callback(_consume_outcome)
        # Shielded: a caller that is cancelled must not cancel the refresh the others await,
        # nor lose the rotated refresh token the server is about to send.
        return await asyncio.shield(self._refreshing)

    async def _refresh(self, tokens: SessionTokens) -> str:
        try:
            async with self._vault.refresh_lock():
                # Another process of this desk (the CLI, a second window) may have rotated the
                # refresh token already: presenting ours now would be presenting a blacklisted
                # token. Take its newer session up instead.
                stored = await self._vault.load()
                if (
                    stored is not None
                    and self._tokens is tokens
                    and stored.server_url == tokens.server_url
                    and stored.refresh != tokens.refresh
                ):
                    self._tokens = stored
                    self._note_access(stored.access, fresh=False)
                    log.info("took up the session another process refreshed")
                    return stored.access
                return await self._refresh_now(tokens)
        finally:
            self._refreshing = None

    async def _refresh_now(self, tokens: SessionTokens) -> str:
        self.refresh_count += 1
        try:
            pair = await self._api_for(tokens.server_url).refresh(tokens.refresh)
        except AuthExpired as err:
            if self._tokens is tokens:
                await self.end(Problem(ProblemKind.SESSION_ENDED, err.detail))
            raise SignedOut("the session has ended; sign in again") from None
        except (Rejected, BadResponse) as err:
            # Neither the session's end (only a 401 is) nor a refusal of the request that
            # needed the refresh (a result must not become a dead letter for it, a pull must
            # not re-register the device): a failure to try again later, as a 5xx is.
            log.warning("the session could not be refreshed (%s); it is kept", err)
            raise Unavailable(f"the session could not be refreshed: {err}", err.status) from None
        except RateLimited:
            # The sign-in endpoints have a limiter of their own: its 429 is no lockout of
            # /api/phone/ (the per-IP wall), so it must not be taken for one by the caller.
            log.info("refreshing the session is limited by the server; trying again later")
            raise Unavailable("refreshing the session is limited for now", 429) from None
        fresh = dataclasses.replace(
            tokens, access=pair.access, refresh=pair.refresh or tokens.refresh
        )
        register_secret(fresh.access)
        register_secret(fresh.refresh)
        if self._tokens is not tokens:
            # Signed out (or in again) while the refresh was out: its result is not ours.
            raise SignedOut("the session changed during refresh")
        # The old refresh token is dead on the server now: keep the new one first.
        self._tokens = fresh
        self._note_access(fresh.access, fresh=True)
        await self._vault.save(fresh)
        log.debug("access token refreshed")
        return fresh.access

    async def call(self, op: Callable[[str], Awaitable[T]]) -> T:
        """Run an authenticated call with a live access token.

        A token about to expire is refreshed first. A failed early refresh is no loss — the
        token still works — and the next early try waits half the time the token has left
        (never every request: the server limits sign-in requests per address); a 401 refreshes
        (single-flight) and runs the call once more.
        """
        access = self.access()
        if self.refresh_due():
            try:
                access = await self.refreshed_access(access)
                self.early_refreshes += 1
            except SignedOut:
                raise
            except CrmError as err:
                self._postpone_early_refresh()
                log.info("the early refresh failed (%s); the token is still valid", err)
        try:
            return await op(access)
        except AuthExpired:
            fresh = await self.refreshed_access(access)
            return await op(fresh)

    async def aclose(self) -> None:
        """Wait (briefly) for a refresh in flight, so its rotated token is not lost."""
        task = self._refreshing
        if task is not None:
            try:
                async with asyncio.timeout(5.0):
                    await asyncio.shield(task)
            except (CrmError, TimeoutError):
                pass  # the next start resumes with what the keyring holds

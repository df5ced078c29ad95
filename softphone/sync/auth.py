"""Sessions: sign-in (password or QR token), the tokens in the OS keyring, one refresh at a time.

`TokenVault` keeps the session (server, user, access and refresh tokens) in the OS keyring,
every call in an executor under a timeout: a locked keyring must not hang the app. When no
keyring works the vault says so (`session_only`) and the tokens live in memory only — never in
a plaintext file.

`Session` holds the current tokens. Every authenticated call goes through `Session.call`: on a
401 it refreshes and retries once. Refreshing is single-flight: one request to the refresh
endpoint however many callers hit a 401 at once, all of them sharing its outcome. The refresh
token rotates, so the new pair is stored before anyone uses it. Only a 401 from the refresh
endpoint ends the session; a network error, a 5xx or a 429 during refresh leaves it intact
(the caller backs off and tries again).

It must never log or raise a token, and never let a cancelled caller abandon a refresh half
way (the server has already blacklisted the old refresh token by then).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

import keyring
import keyring.errors

from softphone.masking import register_secret
from softphone.sync.api import AuthExpired, CrmApi, CrmError, Rejected

log = logging.getLogger("softphone.sync")

__all__ = ["KEYRING_SERVICE", "Session", "SessionTokens", "SignedOut", "TokenVault"]

KEYRING_SERVICE: Final = "softphone"
_ENTRY: Final = "session"

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


class TokenVault:
    """The session in the OS keyring (service `softphone`), with a timeout on every call."""

    def __init__(self, timeout_s: float = 3.0) -> None:
        self._timeout_s = timeout_s
        #: True once the keyring failed or timed out: tokens then live in memory only.
        self.session_only = False

    async def _run(self, what: str, fn: Callable[[], T]) -> T | None:
        if self.session_only:
            return None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout_s):
                return await loop.run_in_executor(None, fn)
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


def _consume_outcome(task: asyncio.Task[str]) -> None:
    # Every waiter may have been cancelled; the outcome is then nobody's, and that is fine.
    if not task.cancelled():
        task.exception()


class Session:
    """The signed-in state and the single-flight refresh.

    `api_for(server_url)` gives the `CrmApi` to use; `on_change(signed_in, reason)` is told when
    the session starts or ends.
    """

    def __init__(
        self,
        vault: TokenVault,
        api_for: Callable[[str], CrmApi],
        on_change: Callable[[bool, str | None], None] | None = None,
    ) -> None:
        self._vault = vault
        self._api_for = api_for
        self._on_change = on_change
        self._tokens: SessionTokens | None = None
        self._refreshing: asyncio.Task[str] | None = None
        self._signed_in = asyncio.Event()
        self.refresh_count = 0

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
        self._begin(tokens)
        log.info("resumed the saved session of %s", tokens.username)
        return True

    async def login_password(self, server_url: str, username: str, password: str) -> None:
        register_secret(password)
        api = self._api_for(server_url)
        try:
            pair = await api.obtain_token(username, password)
        except AuthExpired as err:
            # At sign-in a 401 means wrong credentials, not an expired session.
            raise Rejected(401, err.detail or "wrong user name or password") from None
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
        self._begin(tokens)
        log.info("signed in as %s", tokens.username)

    def _begin(self, tokens: SessionTokens) -> None:
        self._tokens = tokens
        self._signed_in.set()
        if self._on_change is not None:
            self._on_change(True, None)

    async def end(self, reason: str) -> None:
        """Forget the session here and in the keyring (the server is not told)."""
        was = self._tokens is not None
        self._tokens = None
        self._signed_in.clear()
        await self._vault.clear()
        if was:
            log.info("signed out: %s", reason)
            if self._on_change is not None:
                self._on_change(False, reason)

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
        await self.end("signed out by the operator")

    # -- refreshing ---------------------------------------------------------------------------

    async def refreshed_access(self, stale: str) -> str:
        """An access token newer than `stale`, refreshing it if nobody has yet.

        Every caller that saw `stale` fail shares one refresh. Raises `SignedOut` if the
        server refused the refresh token (the session is over), or the transient `CrmError`
        that stopped the refresh (the session stays; try again later).
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
            self.refresh_count += 1
            try:
                pair = await self._api_for(tokens.server_url).refresh(tokens.refresh)
            except AuthExpired as err:
                # Another process sharing this keyring entry (the CLI, a second window) may
                # have rotated the refresh token under us: take its newer session up.
                stored = await self._vault.load()
                if (
                    stored is not None
                    and self._tokens is tokens
                    and stored.server_url == tokens.server_url
                    and stored.refresh != tokens.refresh
                ):
                    self._tokens = stored
                    log.info("took up the session another process refreshed")
                    return stored.access
                if self._tokens is tokens:
                    await self.end(f"the server ended the session ({err})")
                raise SignedOut("the session has ended; sign in again") from None
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
            await self._vault.save(fresh)
            log.debug("access token refreshed")
            return fresh.access
        finally:
            self._refreshing = None

    async def call(self, op: Callable[[str], Awaitable[T]]) -> T:
        """Run an authenticated call; on a 401, refresh (single-flight) and run it once more."""
        access = self.access()
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

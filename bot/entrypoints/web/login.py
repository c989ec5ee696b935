"""Signing in and out of the web app (/login, /logout), and the sign-in rate limit
(issue 4, "Security"; README "The limits and their numbers").

The limit's counters are kept in this process's memory (`LoginThrottle`, the
one-machine default), or in Redis when `CSBA_REDIS_URL` is set
(bot.adapters.login_throttle_store), so that several web processes behind a
load balancer share them (issue 15). With Redis configured but unreachable,
sign-in fails closed: 503 with a polite message, the password never checked.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from threading import Lock
from typing import Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters import clock
from bot.adapters.login_throttle_store import (
    LoginLimitUnavailable,
    redis_login_throttle,
)
from bot.entrypoints.web.auth import (
    checked_form,
    db_session,
    log_in,
    log_out,
    safe_next,
)
from bot.entrypoints.web.templating import render
from bot.services import users
from bot.services.users import WebUser

# Sign-in throttle (LoginThrottle; README "The limits and their numbers").
LOGIN_FREE_FAILURES = 3  # failures per (username, address) that cost nothing
LOGIN_MAX_DELAY_SECONDS = 300  # the longest wait: 2^(n - 3) s, at most 5 minutes
LOGIN_WINDOW_SECONDS = 15 * 60  # the address limit's window
# A pair's failures count for a day (or until a success): with a shorter memory
# the wait would fall back to 2 s every 15 minutes, and one account could take
# about 800 guesses a day from one address; with it, at most 288 (one per 5 min).
LOGIN_PAIR_WINDOW_SECONDS = 24 * 60 * 60
LOGIN_ADDRESS_LIMIT = 30  # failures per address over all usernames in the window


class LoginThrottle:
    """Slows password guessing without locking the account's owner out.

    - Per (username, client address): the first `free_failures` (3) failures
      within `pair_window_seconds` (24 h) cost nothing; after the n-th failure
      the next attempt of that pair waits 2^(n - free_failures) seconds, at most
      `max_delay_seconds` (300): the owner on a shared address waits 5 minutes
      at worst, an attacker gets at most 12 guesses an hour. A success clears
      the pair.
    - Per client address, over all usernames: `address_limit` (30) failures
      within the window, then every sign-in from that address waits until the
      oldest of them is older than the window.

    During a wait even the right password is refused (429 with Retry-After), so
    the wait cannot be skipped. `attempt` checks the wait and counts the
    attempt as a failure in one step, before the password is checked, so a
    burst of simultaneous guesses cannot all pass through one free moment;
    `succeeded` (or `abandoned`) takes it back. Kept in this process's memory;
    `clock` is injectable for tests.
    """

    def __init__(
        self,
        *,
        free_failures: int = LOGIN_FREE_FAILURES,
        max_delay_seconds: float = LOGIN_MAX_DELAY_SECONDS,
        window_seconds: float = LOGIN_WINDOW_SECONDS,
        pair_window_seconds: float = LOGIN_PAIR_WINDOW_SECONDS,
        address_limit: int = LOGIN_ADDRESS_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self.max_delay_seconds = max_delay_seconds
        self.window_seconds = window_seconds
        self.pair_window_seconds = pair_window_seconds
        self.address_limit = address_limit
        self._clock = clock
        self._pairs: dict[tuple[str, str], deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._next_sweep = clock() + window_seconds
        self._lock = Lock()

    @staticmethod
    def _key(username: str, address: str) -> tuple[str, str]:
        return (username.strip().lower(), address)

    def _recent(
        self, failures: deque[float] | None, now: float, window: float | None = None
    ) -> deque[float]:
        if failures is None:
            return deque()
        window = self.window_seconds if window is None else window
        while failures and failures[0] <= now - window:
            failures.popleft()
        return failures

    def _sweep(self, now: float) -> None:
        """Forget pairs and addresses whose failures have all aged out (at most
        once a window), so that guesses at ever new usernames cannot grow the
        memory without end."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window_seconds
        tables = ((self._pairs, self.pair_window_seconds), (self._addresses, None))
        for table, window in tables:
            stale = [
                key
                for key, times in table.items()
                if not self._recent(times, now, window)
            ]
            for key in stale:
                del table[key]

    def delay_after(self, failures: int) -> float:
        """The wait after `failures` failures of one username at one address."""
        if failures <= self.free_failures:
            return 0.0
        return float(min(2 ** (failures - self.free_failures), self.max_delay_seconds))

    def _wait(self, key: tuple[str, str], address: str, now: float) -> float:
        wait = 0.0
        pair = self._recent(self._pairs.get(key), now, self.pair_window_seconds)
        if pair:
            wait = pair[-1] + self.delay_after(len(pair)) - now
        by_address = self._recent(self._addresses.get(address), now)
        if len(by_address) >= self.address_limit:
            wait = max(wait, by_address[0] + self.window_seconds - now)
        return max(wait, 0.0)

    def retry_after(self, username: str, address: str) -> float:
        """Seconds before this username may try again from this address (0: now)."""
        with self._lock:
            return self._wait(self._key(username, address), address, self._clock())

    def attempt(self, username: str, address: str) -> float:
        """Start a sign-in: the seconds still to wait (> 0: refused, nothing
        counted), or 0.0, and then this attempt already counts as a failure of
        the pair and the address until `succeeded` or `abandoned` takes it back."""
        with self._lock:
            now = self._clock()
            self._sweep(now)
            key = self._key(username, address)
            wait = self._wait(key, address, now)
            if wait > 0:
                return wait
            self._pairs.setdefault(key, deque()).append(now)
            self._addresses.setdefault(address, deque()).append(now)
            return 0.0

    @staticmethod
    def _take_back(table: dict, key: object) -> None:
        """Remove the latest failure under `key` (this attempt, or one as good)."""
        failures = table.get(key)
        if failures:
            failures.pop()
        if not failures:
            table.pop(key, None)

    def succeeded(self, username: str, address: str) -> None:
        """The password was right: the pair's failures are cleared, and the
        address no longer counts this attempt (its other failures stay)."""
        with self._lock:
            self._pairs.pop(self._key(username, address), None)
            self._take_back(self._addresses, address)

    def abandoned(self, username: str, address: str) -> None:
        """The attempt ended before the password was judged (an error): it
        counts for neither the pair nor the address."""
        with self._lock:
            self._take_back(self._pairs, self._key(username, address))
            self._take_back(self._addresses, address)


class SignInLimits(Protocol):
    """What /login needs of a throttle: LoginThrottle, or RedisLoginThrottle
    (whose `attempt` may raise LoginLimitUnavailable)."""

    def attempt(self, username: str, address: str) -> float: ...

    def succeeded(self, username: str, address: str) -> None: ...

    def abandoned(self, username: str, address: str) -> None: ...


def sign_in_limits(request: Request) -> SignInLimits:
    """The app's throttle: over Redis when the settings name one (built once per
    app, on the first sign-in), else `app.state.login_throttle` in memory."""
    state = request.app.state
    settings = state.settings
    if not settings.redis_url:
        return state.login_throttle
    shared = getattr(state, "shared_login_throttle", None)
    if shared is None:
        shared = redis_login_throttle(
            settings.redis_url,
            key=settings.session_secret.encode("utf-8"),
            free_failures=settings.login_free_failures,
            max_delay_seconds=settings.login_max_delay_seconds,
            window_seconds=settings.login_window_seconds,
            pair_window_seconds=LOGIN_PAIR_WINDOW_SECONDS,
            address_limit=settings.login_address_limit,
        )
        state.shared_login_throttle = shared
    return shared


# -- /login and /logout ----------------------------------------------------------

HOME_BY_ROLE = {"agent": "/agent", "seller": "/seller"}


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _login_page(
    request: Request,
    *,
    next_path: str,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "login.html",
        {"next": next_path, "username": username, "error": error},
        status_code=status_code,
    )


async def login_page(request: Request) -> Response:
    """The sign-in form (also shown when signed in, to switch accounts)."""
    next_path = safe_next(request.query_params.get("next"), "")
    return _login_page(request, next_path=next_path)


async def login_submit(request: Request) -> Response:
    form = await checked_form(request)
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")[:1024]
    next_path = safe_next(str(form.get("next") or ""), "")
    throttle = sign_in_limits(request)
    address = _client_address(request)
    try:  # off the event loop: over Redis, a round trip (up to its timeout)
        wait = math.ceil(await run_in_threadpool(throttle.attempt, username, address))
    except LoginLimitUnavailable:  # fail closed: no count, no sign-in
        return _login_page(
            request,
            next_path=next_path,
            username=username,
            error=("web.login.unavailable", {}),
            status_code=503,
        )
    if wait > 0:
        page = _login_page(
            request,
            next_path=next_path,
            username=username,
            error=(
                "web.login.throttled_one" if wait == 1 else "web.login.throttled",
                {"seconds": wait},
            ),
            status_code=429,
        )
        page.headers["Retry-After"] = str(wait)
        return page

    def check() -> WebUser | None:
        with db_session(request) as session:
            return users.authenticate(
                session, username=username, password=password, now=clock.now()
            )

    try:
        user = await run_in_threadpool(check)
    except Exception:  # the password was not judged (the database is down, say)
        await run_in_threadpool(throttle.abandoned, username, address)
        raise
    if user is None:  # already counted as a failure by throttle.attempt
        return _login_page(
            request,
            next_path=next_path,
            username=username,
            error=("web.login.failed", {}),
            status_code=400,
        )
    await run_in_threadpool(throttle.succeeded, username, address)
    log_in(request, user)
    return RedirectResponse(
        safe_next(next_path, HOME_BY_ROLE.get(user.role, "/")), status_code=303
    )


async def logout(request: Request) -> Response:
    await checked_form(request)
    await run_in_threadpool(log_out, request)
    return RedirectResponse("/login", status_code=303)


routes: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login_submit, methods=["POST"], name="login_submit"),
    Route("/logout", logout, methods=["POST"], name="logout"),
]

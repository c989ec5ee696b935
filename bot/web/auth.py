"""Sign-in for the web app: signed session cookies, CSRF tokens, roles, and
the login rate limit (issue 4, "Security").

The session cookie (Starlette's SessionMiddleware, signed with
`WebSettings.session_secret`, httponly, SameSite=Lax) holds only the account
id and the CSRF token; the account itself is read from the database on each
request, so a deleted account is signed out at once.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from contextlib import AbstractContextManager
from threading import Lock
from urllib.parse import quote, urlsplit

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db import session_scope
from bot.services.users import WebUser

__all__ = [
    "LoginThrottle",
    "WebUser",
    "checked_form",
    "csrf_token",
    "current_user",
    "db_session",
    "log_in",
    "log_out",
    "require_user",
    "routes",
    "safe_next",
]

SESSION_USER_KEY = "user_id"
SESSION_CSRF_KEY = "csrf"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_UNSET = object()


def db_session(request: HTTPConnection) -> AbstractContextManager[Session]:
    """A unit of work on the project database (bot.db.session_scope on the
    app's engine): commits on success, rolls back on any exception."""
    return session_scope(request.app.state.engine)


def current_user(request: HTTPConnection) -> WebUser | None:
    """The signed-in account, or None. Looked up once per request."""
    cached = getattr(request.state, "web_user", _UNSET)
    if cached is not _UNSET:
        return cached
    user = None
    user_id = request.session.get(SESSION_USER_KEY)
    if isinstance(user_id, int):
        from bot.services.users import get_user

        with db_session(request) as session:
            user = get_user(session, user_id)
        if user is None:
            request.session.clear()
    request.state.web_user = user
    return user


def require_user(request: HTTPConnection, role: str) -> WebUser:
    """The signed-in account with `role`: 303 to the login page when nobody is
    signed in, 403 for another role."""
    user = current_user(request)
    if user is None:
        target = request.url.path + (
            f"?{request.url.query}" if request.url.query else ""
        )
        raise HTTPException(
            303, headers={"Location": f"/login?next={quote(target, safe='')}"}
        )
    if user.role != role:
        raise HTTPException(403)
    return user


def csrf_token(request: HTTPConnection) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF_KEY] = token
    return token


async def checked_form(request: Request) -> FormData:
    """The submitted form, after checking its CSRF token (the `csrf_token`
    field, or the X-CSRF-Token header for fetch/XHR): 403 when it is missing
    or wrong."""
    form = await request.form()
    sent = form.get(CSRF_FORM_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = request.session.get(SESSION_CSRF_KEY)
    if (
        not isinstance(sent, str)
        or not isinstance(expected, str)
        or not expected
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise HTTPException(403)
    return form


def log_in(request: HTTPConnection, user: WebUser) -> None:
    """Start a fresh session for `user` (a new CSRF token; nothing carried over)."""
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    request.session[SESSION_CSRF_KEY] = secrets.token_urlsafe(32)
    request.state.web_user = user


def log_out(request: HTTPConnection) -> None:
    request.session.clear()
    request.state.web_user = None


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default` (no open redirect:
    no scheme, no host, no `//` or `/\\` prefix, no control characters)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


class LoginThrottle:
    """At most `max_failures` failed logins per (username, client address)
    within `window_seconds`; kept in this process's memory."""

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = Lock()

    @staticmethod
    def _key(username: str, address: str) -> tuple[str, str]:
        return (username.strip().lower(), address)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        return failures

    def blocked(self, username: str, address: str) -> bool:
        with self._lock:
            key = self._key(username, address)
            blocked = len(self._recent(key, time.monotonic())) >= self.max_failures
            if not self._failures[key]:
                del self._failures[key]
            return blocked

    def failed(self, username: str, address: str) -> None:
        with self._lock:
            key = self._key(username, address)
            self._recent(key, time.monotonic()).append(time.monotonic())

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop(self._key(username, address), None)


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
    from bot.web.templating import render

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
    from bot import clock
    from bot.services.users import authenticate

    form = await checked_form(request)
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")[:1024]
    next_path = safe_next(str(form.get("next") or ""), "")
    throttle: LoginThrottle = request.app.state.login_throttle
    address = _client_address(request)
    if throttle.blocked(username, address):
        minutes = max(1, round(throttle.window_seconds / 60))
        return _login_page(
            request,
            next_path=next_path,
            username=username,
            error=("web.login.throttled", {"minutes": minutes}),
            status_code=429,
        )

    def check() -> WebUser | None:
        with db_session(request) as session:
            return authenticate(
                session, username=username, password=password, now=clock.now()
            )

    user = await run_in_threadpool(check)
    if user is None:
        throttle.failed(username, address)
        return _login_page(
            request,
            next_path=next_path,
            username=username,
            error=("web.login.failed", {}),
            status_code=400,
        )
    throttle.succeeded(username, address)
    log_in(request, user)
    return RedirectResponse(
        safe_next(next_path, HOME_BY_ROLE.get(user.role, "/")), status_code=303
    )


async def logout(request: Request) -> Response:
    await checked_form(request)
    log_out(request)
    return RedirectResponse("/login", status_code=303)


routes: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login_submit, methods=["POST"], name="login_submit"),
    Route("/logout", logout, methods=["POST"], name="logout"),
]

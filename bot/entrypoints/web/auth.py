"""Who is signed in to the web app: signed session cookies, CSRF tokens and roles
(issue 4, "Security"). The sign-in pages and their rate limit are in
bot/entrypoints/web/login.py.

The session cookie (Starlette's SessionMiddleware, signed with
`WebSettings.session_secret`, httponly, SameSite=Lax) holds only the account
id, its session generation at sign-in and the CSRF token; the account itself
is read from the database on each request, so a deleted account is signed out
at once, and so is every cookie of the account once it signs out (`log_out`
moves it to its next session generation: a copied cookie is void too).
"""

from __future__ import annotations

import hmac
import secrets
from contextlib import AbstractContextManager
from urllib.parse import quote, urlsplit

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request

from bot.adapters.db import session_scope
from bot.services.users import WebUser

__all__ = [
    "checked_form",
    "csrf_token",
    "current_user",
    "db_session",
    "log_in",
    "log_out",
    "require_user",
    "signed_in",
    "safe_next",
]

SESSION_USER_KEY = "user_id"
SESSION_GENERATION_KEY = "generation"
SESSION_CSRF_KEY = "csrf"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_UNSET = object()


def db_session(request: HTTPConnection) -> AbstractContextManager[Session]:
    """A unit of work on the project database (bot.adapters.db.session_scope on the
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
        generation = request.session.get(SESSION_GENERATION_KEY)
        if user is not None and generation != user.session_generation:
            user = None  # signed out since (here or elsewhere)
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


async def signed_in(request: HTTPConnection, role: str) -> WebUser:
    """`require_user` for an async handler: the account is read in the thread pool,
    never on the event loop."""
    return await run_in_threadpool(require_user, request, role)


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
    request.session[SESSION_GENERATION_KEY] = user.session_generation
    request.session[SESSION_CSRF_KEY] = secrets.token_urlsafe(32)
    request.state.web_user = user


def log_out(request: HTTPConnection) -> None:
    """Sign out: every session cookie of the account is void from now on, not
    only this browser's (call it in the thread pool: it writes the account)."""
    user = current_user(request)  # a void cookie signs nobody else out
    if user is not None:
        from bot.services.users import sign_out_everywhere

        with db_session(request) as session:
            sign_out_everywhere(session, user.id)
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

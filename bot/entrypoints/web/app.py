"""The web app: one Starlette application serving the buyer chat widget (/),
the agent review console (/agent) and the seller case portal (/seller).

`create_app(settings)` builds it; `python -m bot.entrypoints.web` serves it with uvicorn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.adapters import live_signal
from bot.adapters.db import make_engine, session_factory
from bot.entrypoints.web.login import LoginThrottle
from bot.entrypoints.web.settings import WebSettings
from bot.entrypoints.web.templating import STATIC_DIR, render

SESSION_COOKIE = "csba_session"
ERROR_PAGES = (400, 403, 404, 405, 413, 415, 429, 500)


def _websocket_origin(origin: str) -> str:
    return "ws" + origin[4:] if origin.startswith("http") else origin


def content_security_policy(settings: WebSettings) -> str:
    """No inline script or style anywhere: scripts and styles come from /static.
    The browser may connect to this site and to Rasa's socket.io channel."""
    parts = urlsplit(settings.rasa_url)
    rasa_origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    connect = " ".join(
        filter(None, ("'self'", rasa_origin, _websocket_origin(rasa_origin)))
    )
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            f"connect-src {connect}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, *, csp: str) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                path = scope.get("path", "")
                if not path.startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept or (
        not accept and request.headers.get("x-requested-with") is None
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """Redirects pass through; errors are a page from the catalogue for
    browsers, JSON for scripts."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if 300 <= status < 400:
        location = (exc.headers or {}).get("Location", "/")
        return RedirectResponse(location, status_code=status)
    if status in ERROR_PAGES and _wants_html(request):
        return render(
            request,
            "error.html",
            {"status": status},
            status_code=status,
        )
    return JSONResponse({"detail": exc.detail}, status_code=status, headers=exc.headers)


def _routes() -> list:
    from bot.entrypoints.web import (
        agent,
        agent_dashboard,
        buyer,
        live,
        live_events,
        login,
        ratings,
        seller,
        seller_services,
        seller_transfer,
    )

    return [
        *login.routes,
        *seller.routes,
        *seller_services.routes,
        *seller_transfer.routes,
        *agent.routes,
        *agent_dashboard.routes,
        *live_events.routes,
        *live.routes,
        *buyer.routes,
        *ratings.routes,
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]


def create_app(settings: WebSettings | None = None) -> Starlette:
    settings = settings or WebSettings.from_env()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # live signals raised in this process reach its agents' open pages
        loop = asyncio.get_running_loop()
        live_signal.HUB.bind(loop, settings.redis_url)
        yield
        await live_signal.HUB.close(loop)
        engine.dispose()

    app = Starlette(
        routes=_routes(),
        middleware=[
            Middleware(
                SecurityHeadersMiddleware, csp=content_security_policy(settings)
            ),
            Middleware(
                SessionMiddleware,
                secret_key=settings.session_secret,
                session_cookie=SESSION_COOKIE,
                max_age=settings.session_max_age_seconds,
                same_site="lax",
                https_only=settings.https_only,
            ),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.login_throttle = LoginThrottle(
        free_failures=settings.login_free_failures,
        max_delay_seconds=settings.login_max_delay_seconds,
        window_seconds=settings.login_window_seconds,
        address_limit=settings.login_address_limit,
    )
    return app

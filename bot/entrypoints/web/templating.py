"""Rendering pages: Jinja2 with autoescape on for every template, and the
catalogue's text in the page's language.

Every template gets `t` (t(key, **params): catalogue text in the page
language), `lang` ('en' or 'zh'; a buyer's page also 'es'), `user` (WebUser or
None) and `csrf_token`.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.templating import Jinja2Templates, _TemplateResponse

from bot.adapters.catalogue import (
    BUYER_ONLY_LANGUAGES,
    DEFAULT_LANGUAGE,
    language_or_default,
)
from bot.adapters.catalogue import t as catalogue_text
from bot.entrypoints.web.auth import csrf_token, current_user
from bot.services.presentation import format_marketplace_time

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def local_time(value: datetime | None) -> str:
    """A stored (UTC) time as the marketplace's local time, e.g. 2026-11-26 10:00 PST."""
    if value is None:
        return ""
    return format_marketplace_time(value)


def iso_time(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = local_time
    env.filters["iso_time"] = iso_time
    return Jinja2Templates(env=env)


def page_language(request: Request) -> str:
    """A seller's portal language; English for agents and buyers."""
    user = current_user(request)
    if user is not None and user.role == "seller":
        return language_or_default(user.language)
    return DEFAULT_LANGUAGE


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> _TemplateResponse:
    """The template `name` rendered with `context` plus t, lang, user and
    csrf_token (a `lang` in `context` chooses the page language)."""
    values = dict(context or {})
    lang = values.get("lang")
    if lang not in BUYER_ONLY_LANGUAGES:  # a buyer's page may be in Spanish
        lang = language_or_default(lang or page_language(request))

    def t(key: str, **params: Any) -> str:
        return catalogue_text(key, lang, **params)

    values.update(
        t=t, lang=lang, user=current_user(request), csrf_token=csrf_token(request)
    )
    return templates().TemplateResponse(request, name, values, status_code=status_code)

"""Which language a buyer's page and the widget's answers are in (issue 16).

- The shop page and the widget's labels start in the token-verified buyer's
  account language (Buyer.language), else the page's `?lang=`, else the
  browser's (`Accept-Language`: es* reads es), else English
  (`page_language`).
- Then they follow the conversation: its `language` slot, which the bot sets
  (bot.services.conversation_language). Rasa's socket.io channel tells an open
  widget when it changes (`csba_language`, bot.entrypoints.rasa.channels.
  language_events), and the widget's answers from the web app (a photo's
  confirmation, "Was this helpful?") read it from the tracker store
  (`answer_language`), falling back to the language the widget shows.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from bot.adapters.catalogue import (
    BUYER_LANGUAGES,
    DEFAULT_LANGUAGE,
    buyer_language_of,
    catalogue,
    t,
)
from bot.services.conversation_language import buyer_language

WIDGET_PREFIX = "widget.ui."


def accepted_language(header: str | None) -> str | None:
    """The buyer language the browser prefers most (`Accept-Language`, by
    q-value, then order), or None when it names none of them."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        language = buyer_language_of(tag)
        if language and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else None


def page_language(request: Request, account_language: str | None = None) -> str:
    """The language a buyer's page starts in (see the module's docstring)."""
    for tag in (account_language, request.query_params.get("lang")):
        if language := buyer_language_of(tag):  # es-MX: es
            return language
    return accepted_language(request.headers.get("accept-language")) or DEFAULT_LANGUAGE


async def answer_language(
    request: Request, conversation_id: str | None, shown: object = None
) -> str:
    """The language to answer the widget in: the conversation's, else the one
    the widget says it shows (`shown`), else English."""
    tracker_store_url = request.app.state.settings.tracker_store_url
    return await run_in_threadpool(
        buyer_language,
        tracker_store_url,
        conversation_id,
        shown if isinstance(shown, str) else None,
    )


def joined_text(tracker_store_url: str, conversation_id: str, agent: str) -> str:
    """ "NAME from our customer service team has joined the chat", in the
    conversation's language (the agent's page calls it in the thread pool)."""
    language = buyer_language(tracker_store_url, conversation_id, None)
    return t("handoff.chat.joined", language, agent=agent)


def widget_strings(language: str) -> dict[str, str]:
    """The widget's own labels (catalogue `widget.ui.*`, with their
    placeholders) in `language`, a buyer language (every one has them all:
    tests/unit/test_catalogue.py)."""
    return {
        key[len(WIDGET_PREFIX) :]: text
        for key, text in catalogue(language).items()
        if key.startswith(WIDGET_PREFIX)
    }


def widget_strings_by_language() -> dict[str, dict[str, str]]:
    """Every buyer language's widget labels: the widget swaps them when the
    conversation's language changes."""
    return {language: widget_strings(language) for language in BUYER_LANGUAGES}

"""The language a buyer's conversation is in (issue 16): the `language` slot of
its tracker (domain.yml; es or en, set by the bot), read from Rasa's SQL
tracker store.

The web app reads it to answer the widget (a photo's confirmation, the
answer to "Was this helpful?"), to write an agent's arrival into the chat and
to show the rating page; Rasa's socket.io channel reads it after each turn to
tell the widget when it changed. None means "not known": no slot yet (a new
session, a message the bot could not place), or the tracker store cannot be
read; the caller then keeps the language it had.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters import chat_messages
from bot.adapters.catalogue import BUYER_LANGUAGES, buyer_language_or_default
from bot.adapters.db import get_engine

log = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"


def language_in(tracker: Engine, conversation_id: str) -> str | None:
    """The conversation's language (a code of BUYER_LANGUAGES), or None."""
    try:
        value = chat_messages.current_slot_value(
            tracker, conversation_id, LANGUAGE_SLOT
        )
    except SQLAlchemyError:
        log.warning("Cannot read the language of %s", conversation_id, exc_info=True)
        return None
    return value if value in BUYER_LANGUAGES else None


def conversation_language(tracker_store_url: str, conversation_id: str) -> str | None:
    """`language_in` the tracker store at `tracker_store_url`."""
    return language_in(get_engine(tracker_store_url), conversation_id)


def buyer_language(
    tracker_store_url: str, conversation_id: str | None, fallback: str | None
) -> str:
    """The language to answer the buyer in: the conversation's, else
    `fallback` (what the buyer's page shows, an email link's), else English."""
    known = (
        conversation_language(tracker_store_url, conversation_id)
        if conversation_id
        else None
    )
    return known or buyer_language_or_default(fallback)

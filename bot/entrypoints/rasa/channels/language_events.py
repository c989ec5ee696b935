"""Tells the buyer's widget the conversation's language (issue 16).

The bot sets the `language` slot (domain.yml: es or en): from the account of
a token-verified buyer when the session starts, from the language of what the
buyer writes otherwise. The widget's own labels (placeholder, send, attach,
status...) follow it: after each handled message, and when a socket asks for
its session, the socket.io channel (bot.entrypoints.rasa.channels.socketio)
reads the slot from the tracker store this Rasa server uses and emits

    csba_language {"language": "es"}

to the conversation's room when it differs from what it last told that
socket. An unknown language (no slot yet, the store unreadable) is not sent:
the widget keeps what it shows. It never delays the reply nor fails the turn.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.engine import Engine

from bot.adapters.catalogue import buyer_language_of
from bot.services.chat_access import METADATA_KEY, PAGE_LANGUAGE_KEY
from bot.services.conversation_language import language_in

log = logging.getLogger(__name__)

LANGUAGE_EVT = "csba_language"
# the socket's session key: the language last told to it
_TOLD = "language"


def tracker_engine(app: Any) -> Engine | None:
    """The SQL engine of the running agent's tracker store (the project's
    CsbaSQLTrackerStore, possibly inside Rasa's FailSafeTrackerStore); None
    without one (no model loaded, an in-memory store)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    store = getattr(store, "_tracker_store", store)
    engine = getattr(store, "engine", None)
    return engine if isinstance(engine, Engine) else None


async def announce_language(
    sio: Any, app: Any, *, sid: str, sender_id: str, namespace: str | None
) -> str | None:
    """Emit `csba_language` when the conversation's language is known and not
    the one this socket was last told; the language sent, else None."""
    try:
        engine = tracker_engine(app)
        if engine is None:
            return None
        language = await asyncio.to_thread(language_in, engine, sender_id)
        session = await sio.get_session(sid, namespace=namespace)
        if language is None or session.get(_TOLD) == language:
            return None
        session[_TOLD] = language
        await sio.emit(
            LANGUAGE_EVT, {"language": language}, room=sender_id, namespace=namespace
        )
        return language
    except Exception:  # the language is a nicety: never fail the turn
        log.warning("Could not tell %s its language", sender_id, exc_info=True)
        return None


def with_page_language(metadata: dict[str, Any], data: Any) -> dict[str, Any]:
    """The channel's `csba` metadata plus the language the widget says it shows
    (`user_uttered` `{"language": "es"}`), when it is a buyer language: a hint
    for a conversation with no language yet (action_session_start), never an
    identity. Anything else a client sends is dropped, as before."""
    shown = data.get("language") if isinstance(data, dict) else None
    language = buyer_language_of(shown)
    csba = metadata.get(METADATA_KEY)
    if language is None or not isinstance(csba, dict):
        return metadata
    return {**metadata, METADATA_KEY: {**csba, PAGE_LANGUAGE_KEY: language}}

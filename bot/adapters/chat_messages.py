"""A chat's messages as Rasa's SQL tracker store keeps them (its `events` table,
bot.adapters.rasa_events): the read behind the web chat's history
(bot.services.chat_history).

Reading the tracker store may raise SQLAlchemy's errors: the caller says what
that means.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.adapters.rasa_events import EVENTS

MESSAGE_EVENTS = ("user", "bot")


def latest_message_data(
    tracker: Engine, conversation_id: str, *, limit: int
) -> list[str | None]:
    """The `data` (the event as JSON text) of the conversation's latest `limit`
    buyer and bot messages, oldest first."""
    query = (
        select(EVENTS.c.data)
        .where(
            EVENTS.c.sender_id == conversation_id,
            EVENTS.c.type_name.in_(MESSAGE_EVENTS),
        )
        .order_by(EVENTS.c.id.desc())
        .limit(limit)
    )
    with tracker.connect() as conn:
        rows = conn.execute(query).scalars().all()
    return list(reversed(rows))

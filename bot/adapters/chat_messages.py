"""A chat's messages as Rasa's SQL tracker store keeps them (its `events` table,
bot.adapters.rasa_events): the read behind the web chat's history
(bot.services.chat_history), and a slot's current value (the conversation's
language, bot.services.conversation_language).

Reading the tracker store may raise SQLAlchemy's errors: the caller says what
that means.
"""

from __future__ import annotations

import json

from sqlalchemy import and_, or_, select
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


# Events after which no slot of the session has a value yet (domain.yml's
# session_config does not carry slots over to a new session).
SLOTS_CLEARED_EVENTS = ("session_started", "restart", "reset_slots")


def current_slot_value(tracker: Engine, conversation_id: str, slot: str) -> object:
    """The value the conversation's latest `slot` event set, unless the slots
    were cleared since (a new session, a restart); None then, or when never set.

    Rasa's SQL tracker store keeps a slot's name in `action_name`, so this is
    one indexed read of one row."""
    query = (
        select(EVENTS.c.type_name, EVENTS.c.data)
        .where(
            EVENTS.c.sender_id == conversation_id,
            or_(
                and_(EVENTS.c.type_name == "slot", EVENTS.c.action_name == slot),
                EVENTS.c.type_name.in_(SLOTS_CLEARED_EVENTS),
            ),
        )
        .order_by(EVENTS.c.id.desc())
        .limit(1)
    )
    with tracker.connect() as conn:
        row = conn.execute(query).first()
    if row is None or row.type_name != "slot":
        return None
    try:
        event = json.loads(row.data or "")
    except ValueError:
        return None
    return event.get("value") if isinstance(event, dict) else None

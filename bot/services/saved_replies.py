"""Saved replies for live chats (issue 14): texts every agent may add, edit,
delete and send from a chat (bot/entrypoints/web/live.py). Every function
takes the caller's session and does not commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.adapters import handoff_store as store
from bot.adapters.orm import SavedReplyRow
from bot.services.agent_presence import require_agent
from bot.services.handoff import MAX_AGENT_MESSAGE_CHARS, printable_text
from bot.services.handoff_errors import HandoffError

MAX_TITLE_CHARS = 80


@dataclass(frozen=True)
class SavedReply:
    id: int
    title: str
    text: str


def _view(row: SavedReplyRow) -> SavedReply:
    return SavedReply(row.id, row.title, row.text)


def _fields(title: str | None, text: str | None) -> tuple[str, str]:
    title, text = (
        printable_text(title, MAX_TITLE_CHARS),
        printable_text(text, MAX_AGENT_MESSAGE_CHARS),
    )
    if not title:
        raise HandoffError("handoff.error.reply_title")
    if not text:
        raise HandoffError("handoff.error.empty_text")
    return title, text


def list_replies(session: Session) -> list[SavedReply]:
    """Every saved reply, by title."""
    return [_view(row) for row in store.saved_replies(session)]


def get_reply(session: Session, reply_id: int) -> SavedReply:
    row = store.saved_reply(session, reply_id)
    if row is None:
        raise HandoffError("handoff.error.reply_not_found", reply_id=reply_id)
    return _view(row)


def add_reply(
    session: Session, *, agent_id: int, title: str, text: str, now: datetime
) -> SavedReply:
    require_agent(session, agent_id)
    title, text = _fields(title, text)
    row = SavedReplyRow(title=title, text=text, updated_by=agent_id, updated_at=now)
    session.add(row)
    session.flush()
    return _view(row)


def update_reply(
    session: Session,
    *,
    reply_id: int,
    agent_id: int,
    title: str,
    text: str,
    now: datetime,
) -> SavedReply:
    require_agent(session, agent_id)
    row = store.saved_reply(session, reply_id)
    if row is None:
        raise HandoffError("handoff.error.reply_not_found", reply_id=reply_id)
    row.title, row.text = _fields(title, text)
    row.updated_by, row.updated_at = agent_id, now
    session.flush()
    return _view(row)


def delete_reply(session: Session, *, reply_id: int, agent_id: int) -> None:
    require_agent(session, agent_id)
    row = store.saved_reply(session, reply_id)
    if row is None:
        raise HandoffError("handoff.error.reply_not_found", reply_id=reply_id)
    session.delete(row)
    session.flush()

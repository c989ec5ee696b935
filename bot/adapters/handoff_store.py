"""The queries of the live hand-off (bot.services.handoff): handoffs and the
agents' presence. Every function takes the caller's session and does not commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.adapters.case_store import lock_for_case_writes
from bot.adapters.orm import (
    AgentPresenceRow,
    HandoffMessageRow,
    HandoffRow,
    SavedReplyRow,
    WebUserRow,
)
from bot.domain.handoff import ACTIVE_STATES, HandoffState


def lock_for_handoff_writes(session: Session, *, key: str) -> None:
    """Serialise the writes that read first (one active hand-off per
    conversation, one agent per hand-off): the case log's lock, on `key` (the
    database write lock on SQLite, an advisory lock on PostgreSQL)."""
    lock_for_case_writes(session, key=f"handoff:{key}")


def active_for_conversation(
    session: Session, conversation_id: str, *, for_update: bool = False
) -> HandoffRow | None:
    stmt = (
        select(HandoffRow)
        .where(
            HandoffRow.conversation_id == conversation_id,
            HandoffRow.state.in_(ACTIVE_STATES),
        )
        .order_by(HandoffRow.id.desc())
        .limit(1)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalars().first()


def latest_for_conversation(
    session: Session, conversation_id: str
) -> HandoffRow | None:
    stmt = (
        select(HandoffRow)
        .where(HandoffRow.conversation_id == conversation_id)
        .order_by(HandoffRow.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


# The id column is a 32-bit integer: a larger id (a typed URL) is no hand-off,
# never a database error.
MAX_HANDOFF_ID = 2**31 - 1


def load(session: Session, handoff_id: int, *, for_update: bool) -> HandoffRow | None:
    if not 0 < handoff_id <= MAX_HANDOFF_ID:
        return None
    stmt = select(HandoffRow).where(HandoffRow.id == handoff_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalars().first()


def waiting(session: Session) -> list[HandoffRow]:
    """The queue, oldest first."""
    stmt = (
        select(HandoffRow)
        .where(HandoffRow.state == HandoffState.WAITING.value)
        .order_by(HandoffRow.requested_at, HandoffRow.id)
    )
    return list(session.execute(stmt).scalars())


def live(session: Session) -> list[HandoffRow]:
    stmt = (
        select(HandoffRow)
        .where(HandoffRow.state == HandoffState.LIVE.value)
        .order_by(HandoffRow.claimed_at, HandoffRow.id)
    )
    return list(session.execute(stmt).scalars())


def position_of(session: Session, row: HandoffRow) -> int:
    """1 + the waiting hand-offs requested before this one."""
    stmt = select(func.count(HandoffRow.id)).where(
        HandoffRow.state == HandoffState.WAITING.value,
        (HandoffRow.requested_at < row.requested_at)
        | ((HandoffRow.requested_at == row.requested_at) & (HandoffRow.id < row.id)),
    )
    return 1 + int(session.execute(stmt).scalar_one())


def recent_handling_times(session: Session, limit: int) -> list[timedelta]:
    """claimed_at → closed_at of the latest closed hand-offs."""
    stmt = (
        select(HandoffRow.claimed_at, HandoffRow.closed_at)
        .where(
            HandoffRow.state == HandoffState.CLOSED.value,
            HandoffRow.claimed_at.is_not(None),
            HandoffRow.closed_at.is_not(None),
        )
        .order_by(HandoffRow.closed_at.desc())
        .limit(limit)
    )
    return [closed - claimed for claimed, closed in session.execute(stmt)]


def online_agents(session: Session, *, seen_since: datetime) -> list[WebUserRow]:
    stmt = (
        select(WebUserRow)
        .join(AgentPresenceRow, AgentPresenceRow.agent_id == WebUserRow.id)
        .where(
            AgentPresenceRow.status == "online",
            AgentPresenceRow.seen_at >= seen_since,
            WebUserRow.role == "agent",
        )
        .order_by(WebUserRow.username)
    )
    return list(session.execute(stmt).scalars())


def presence(session: Session, agent_id: int) -> AgentPresenceRow | None:
    return session.get(AgentPresenceRow, agent_id)


def agent(session: Session, agent_id: int) -> WebUserRow | None:
    row = session.get(WebUserRow, agent_id)
    return row if row is not None and row.role == "agent" else None


def agents(session: Session) -> list[WebUserRow]:
    stmt = (
        select(WebUserRow)
        .where(WebUserRow.role == "agent")
        .order_by(WebUserRow.username)
    )
    return list(session.execute(stmt).scalars())


def undelivered_messages(
    session: Session, conversation_id: str
) -> list[tuple[HandoffMessageRow, str]]:
    """The agent messages of the conversation's hand-offs that its chat has not
    shown yet, oldest first, each with the agent's username."""
    stmt = (
        select(HandoffMessageRow, WebUserRow.username)
        .join(HandoffRow, HandoffRow.id == HandoffMessageRow.handoff_id)
        .join(WebUserRow, WebUserRow.id == HandoffMessageRow.agent_id)
        .where(
            HandoffRow.conversation_id == conversation_id,
            HandoffMessageRow.delivered_at.is_(None),
        )
        .order_by(HandoffMessageRow.id)
    )
    return [(row, name) for row, name in session.execute(stmt)]


def mark_messages_delivered(session: Session, ids: list[int], now: datetime) -> None:
    if not ids:
        return
    session.execute(
        update(HandoffMessageRow)
        .where(HandoffMessageRow.id.in_(ids), HandoffMessageRow.delivered_at.is_(None))
        .values(delivered_at=now),
        execution_options={"synchronize_session": False},
    )


def requested_between(
    session: Session, lower: datetime, upper: datetime
) -> list[HandoffRow]:
    """The hand-offs buyers asked for in [lower, upper)."""
    stmt = (
        select(HandoffRow)
        .where(HandoffRow.requested_at >= lower, HandoffRow.requested_at < upper)
        .order_by(HandoffRow.requested_at, HandoffRow.id)
    )
    return list(session.execute(stmt).scalars())


def saved_replies(session: Session) -> list[SavedReplyRow]:
    stmt = select(SavedReplyRow).order_by(SavedReplyRow.title, SavedReplyRow.id)
    return list(session.execute(stmt).scalars())


def saved_reply(session: Session, reply_id: int) -> SavedReplyRow | None:
    return session.get(SavedReplyRow, reply_id)

"""Reads and writes of `inbound_emails` (bot.services.email_inbox). Every
function takes the caller's session and does not commit."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.adapters.orm import BuyerRow, CaseRow, InboundEmailRow


def by_key(session: Session, message_key: str, *, for_update: bool = False):
    stmt = select(InboundEmailRow).where(InboundEmailRow.message_key == message_key)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalars().first()


def add(session: Session, **fields) -> InboundEmailRow:
    row = InboundEmailRow(**fields)
    session.add(row)
    session.flush()
    return row


def thread_of(
    session: Session, buyer_id: str, message_ids: Collection[str]
) -> InboundEmailRow | None:
    """The latest mail of `buyer_id` whose Message-ID, or whose reply's, is
    among `message_ids` (a mail's In-Reply-To and References)."""
    if not message_ids:
        return None
    ids = list(message_ids)
    stmt = (
        select(InboundEmailRow)
        .where(
            InboundEmailRow.buyer_id == buyer_id,
            InboundEmailRow.thread_cid.is_not(None),
            or_(
                InboundEmailRow.message_id.in_(ids),
                InboundEmailRow.reply_message_id.in_(ids),
            ),
        )
        .order_by(InboundEmailRow.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


def latest_of_conversation(
    session: Session, conversation_id: str
) -> InboundEmailRow | None:
    """The conversation's latest answered mail (for threading a later mail)."""
    stmt = (
        select(InboundEmailRow)
        .where(
            InboundEmailRow.conversation_id == conversation_id,
            InboundEmailRow.status == "answered",
        )
        .order_by(InboundEmailRow.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


def buyer_ids_by_email(session: Session, address: str) -> list[str]:
    """The buyers whose email is `address` (compared without case)."""
    stmt = (
        select(BuyerRow.id)
        .where(func.lower(BuyerRow.email) == address.lower())
        .order_by(BuyerRow.id)
    )
    return list(session.execute(stmt).scalars())


def set_status(
    row: InboundEmailRow, status: str, *, now: datetime, **fields
) -> None:
    row.status = status
    row.updated_at = now
    for name, value in fields.items():
        setattr(row, name, value)


def newest_case_of_conversation(
    session: Session, conversation_id: str, statuses: Collection[str] | None = None
) -> int | None:
    """The id of the conversation's newest case (in one of `statuses`, when
    given), or None."""
    stmt = select(CaseRow.id).where(CaseRow.conversation_id == conversation_id)
    if statuses is not None:
        stmt = stmt.where(CaseRow.status.in_(statuses))
    return session.execute(stmt.order_by(CaseRow.id.desc()).limit(1)).scalars().first()

"""The case log in SQL: the `cases` and `case_messages` tables, the locks that
serialise writes to them, and the sellers' addresses its notifications go to.

The rules (who may write, status changes, deadlines, events) are in
bot.services.cases; this module only reads, locks and adds rows. The rows it
returns are the session's own: the service changes them, and the caller's
session writes them. Every function takes the caller's session and does not
commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, false, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from bot.adapters.orm import CaseMessageRow, CaseRow, OrderRow, SellerRow
from bot.domain.model import (
    OPEN_CASE_STATUSES,
    CaseKind,
    CaseStatus,
    MessageAuthor,
)

# -- locks -------------------------------------------------------------------------


def lock_for_case_writes(session: Session, *, key: str | None = None) -> None:
    """Serialise case writes that read before they write.

    SQLite: pysqlite begins a transaction only at the first write, so a no-op
    UPDATE takes the database write lock now, before the reads that decide what
    to write. PostgreSQL: a transaction advisory lock on `key` (the rows
    themselves are locked with SELECT ... FOR UPDATE by the callers).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(
            update(CaseRow).where(false()).values(updated_at=CaseRow.updated_at),
            execution_options={"synchronize_session": False},
        )
    elif dialect == "postgresql" and key is not None:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
        lock_id = int.from_bytes(digest, "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(lock_id)))


# -- reading cases -------------------------------------------------------------------


def load_case(session: Session, case_id: int, *, for_update: bool) -> CaseRow | None:
    """The case with its messages; `for_update` locks its row (and reloads it)."""
    stmt = (
        select(CaseRow)
        .where(CaseRow.id == case_id)
        .options(selectinload(CaseRow.messages))
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.execute(stmt).scalars().first()


def open_case_asked_about(
    session: Session,
    *,
    conversation_id: str,
    buyer_id: str | None,
    order_id: str | None,
    category: str | None = None,
    case_id: int | None = None,
    kind: str | None = None,
) -> CaseRow | None:
    """The newest open case, of the order (and category, number and kind) when
    one is given, that this conversation opened or that is the verified
    buyer's own; None if none."""
    mine = CaseRow.conversation_id == conversation_id
    if buyer_id is not None:
        mine = or_(mine, CaseRow.buyer_id == buyer_id)
    where = [mine, CaseRow.status.in_([s.value for s in OPEN_CASE_STATUSES])]
    if order_id is not None:
        where.append(CaseRow.order_id == order_id)
    if category is not None:
        where.append(CaseRow.category == category)
    if case_id is not None:
        where.append(CaseRow.id == case_id)
    if kind is not None:
        where.append(CaseRow.kind == kind)
    # this conversation's own cases first, then the buyer's from other chats
    here = case((CaseRow.conversation_id == conversation_id, 0), else_=1)
    return (
        session.execute(
            select(CaseRow)
            .where(*where)
            .order_by(here, CaseRow.created_at.desc(), CaseRow.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def order_parties(session: Session, order_id: str) -> tuple[str, str] | None:
    """The order's (seller_id, buyer_id), or None for an unknown order."""
    order = session.get(OrderRow, order_id)
    if order is None:
        return None
    return order.seller_id, order.buyer_id


def _open_of(category: str) -> tuple[Any, ...]:
    """The conditions of an open case of the category."""
    return (
        CaseRow.category == category,
        CaseRow.status.in_([s.value for s in OPEN_CASE_STATUSES]),
    )


def open_case_exists(session: Session, *, order_id: str, category: str) -> bool:
    """Whether the order has an open case of the category, from any
    conversation (a read: nothing locked)."""
    found = session.execute(
        select(CaseRow.id)
        .where(CaseRow.order_id == order_id, *_open_of(category))
        .limit(1)
    ).first()
    return found is not None


def open_case_orders_of_conversation(
    session: Session, *, conversation_id: str, category: str
) -> list[str]:
    """The orders of the conversation's open cases of the category, newest
    case first (a read: nothing locked)."""
    rows = session.execute(
        select(CaseRow.order_id)
        .where(
            CaseRow.conversation_id == conversation_id,
            CaseRow.order_id.is_not(None),
            *_open_of(category),
        )
        .order_by(CaseRow.id.desc())
    )
    return [row.order_id for row in rows]


def find_open_case(
    session: Session, *, conversation_id: str, order_id: str | None, category: str
) -> CaseRow | None:
    """The oldest open case of the order and category, from any conversation;
    with no order, of the conversation only. Its row locked and reloaded; None
    if there is none."""
    where = (
        (CaseRow.conversation_id == conversation_id, CaseRow.order_id.is_(None))
        if order_id is None
        else (CaseRow.order_id == order_id,)
    )
    return (
        session.execute(
            select(CaseRow)
            .where(*where, *_open_of(category))
            .order_by(CaseRow.id)
            .limit(1)
            .options(selectinload(CaseRow.messages))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        .scalars()
        .first()
    )


def due_for_escalation(session: Session, *, now: datetime) -> list[CaseRow]:
    """Seller cases still awaiting the seller with `seller_due_at <= now`, by
    deadline then id, their rows locked. On PostgreSQL, rows another transaction
    holds are skipped."""
    return list(
        session.execute(
            select(CaseRow)
            .where(
                CaseRow.kind == CaseKind.SELLER.value,
                CaseRow.status == CaseStatus.AWAITING_SELLER.value,
                CaseRow.seller_due_at.is_not(None),
                CaseRow.seller_due_at <= now,
            )
            .order_by(CaseRow.seller_due_at, CaseRow.id)
            .options(selectinload(CaseRow.messages))
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )


def find_cases(
    session: Session,
    *,
    seller_id: str | None,
    statuses: Collection[CaseStatus] | None,
    kind: CaseKind | None,
    limit: int,
) -> list[CaseRow]:
    """Cases matching every filter given (None: any), `seller_due_at` first
    (cases without one last), then id."""
    stmt = select(CaseRow).options(selectinload(CaseRow.messages))
    if seller_id is not None:
        stmt = stmt.where(CaseRow.seller_id == seller_id)
    if statuses is not None:
        stmt = stmt.where(CaseRow.status.in_([s.value for s in statuses]))
    if kind is not None:
        stmt = stmt.where(CaseRow.kind == kind.value)
    stmt = stmt.order_by(
        CaseRow.seller_due_at.is_(None), CaseRow.seller_due_at, CaseRow.id
    ).limit(limit)
    return list(session.execute(stmt).scalars().all())


def cases_by_id(session: Session, case_ids: Collection[int]) -> list[CaseRow]:
    """The cases with these ids, with their messages, in no particular order."""
    return list(
        session.execute(
            select(CaseRow)
            .where(CaseRow.id.in_(set(case_ids)))
            .options(selectinload(CaseRow.messages))
        ).scalars()
    )


def seller_addresses(
    session: Session, seller_ids: Collection[str]
) -> list[tuple[str, str, str, str | None]]:
    """(id, name, email, preferred_language as stored) of the known sellers among
    `seller_ids`, in one query."""
    return [
        (row.id, row.name, row.email, row.preferred_language)
        for row in session.execute(
            select(
                SellerRow.id,
                SellerRow.name,
                SellerRow.email,
                SellerRow.preferred_language,
            ).where(SellerRow.id.in_(seller_ids))
        ).all()
    ]


# -- writing cases -------------------------------------------------------------------


def add_case(
    session: Session,
    *,
    kind: CaseKind,
    status: CaseStatus,
    order_id: str | None,
    seller_id: str | None,
    buyer_id: str | None,
    conversation_id: str,
    category: str,
    reason_code: str | None,
    question: str,
    now: datetime,
    buyer_due_at: datetime,
    seller_due_at: datetime | None,
    escalated_at: datetime | None,
    language: str | None = None,
) -> CaseRow:
    """A new case, created and updated `now`, added to the session (no messages yet)."""
    row = CaseRow(
        kind=kind.value,
        order_id=order_id,
        seller_id=seller_id,
        buyer_id=buyer_id,
        conversation_id=conversation_id,
        category=category,
        reason_code=reason_code,
        question=question,
        created_at=now,
        updated_at=now,
        buyer_due_at=buyer_due_at,
        status=status.value,
        seller_due_at=seller_due_at,
        escalated_at=escalated_at,
        language=language,
    )
    session.add(row)
    return row


def add_message(
    row: CaseRow,
    *,
    author: MessageAuthor,
    text: str,
    now: datetime,
    author_id: str | None = None,
) -> CaseMessageRow:
    """Append a message to the case's thread; the case was updated `now`."""
    message = CaseMessageRow(
        author=author.value, author_id=author_id, text=text, created_at=now
    )
    row.messages.append(message)
    row.updated_at = now
    return message


# -- delivery to the buyer -----------------------------------------------------------


def undelivered_messages(
    session: Session, *, conversation_id: str, authors: Collection[str]
) -> list[tuple[int, int]]:
    """(message id, case id) of the conversation's messages by `authors` that are
    not delivered to the buyer, oldest first. A non-agent message written at or
    after its case's escalation is left out."""
    return [
        (message_id, case_id)
        for message_id, case_id in session.execute(
            select(CaseMessageRow.id, CaseMessageRow.case_id)
            .join(CaseRow, CaseRow.id == CaseMessageRow.case_id)
            .where(
                CaseRow.conversation_id == conversation_id,
                CaseMessageRow.author.in_(authors),
                CaseMessageRow.delivered_to_buyer_at.is_(None),
                or_(
                    CaseMessageRow.author == MessageAuthor.AGENT.value,
                    CaseRow.escalated_at.is_(None),
                    CaseMessageRow.created_at < CaseRow.escalated_at,
                ),
            )
            .order_by(CaseMessageRow.created_at, CaseMessageRow.id)
        ).all()
    ]


def mark_delivered(
    session: Session, *, message_ids: Sequence[int], now: datetime
) -> int:
    """Set `delivered_to_buyer_at = now` on those of the messages not delivered
    yet. Returns how many were marked."""
    result = session.execute(
        update(CaseMessageRow)
        .where(
            CaseMessageRow.id.in_(message_ids),
            CaseMessageRow.delivered_to_buyer_at.is_(None),
        )
        .values(delivered_to_buyer_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount or 0)

"""Case photos in SQL (`case_attachments`, and the case a photo attaches to): the
statements bot.services.attachments runs. The files themselves are the
service's.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.orm import CaseAttachmentRow, CaseRow


def open_cases_of_conversation(
    session: Session, conversation_id: str, *, category: str, statuses: Sequence[str]
) -> list[tuple[int, str | None]]:
    """(id, order id) of the conversation's cases of `category` in one of
    `statuses`, newest first."""
    rows = session.execute(
        select(CaseRow.id, CaseRow.order_id)
        .where(
            CaseRow.conversation_id == conversation_id,
            CaseRow.category == category,
            CaseRow.status.in_(statuses),
        )
        .order_by(CaseRow.created_at.desc(), CaseRow.id.desc())
    )
    return [(row.id, row.order_id) for row in rows]


def add_attachment(
    session: Session,
    *,
    case_id: int,
    conversation_id: str,
    stored_name: str,
    content_type: str,
    size_bytes: int,
    width: int,
    height: int,
    sha256: str,
    created_at: datetime,
    conversation_at: datetime | None = None,
) -> int:
    """Record a stored photo; its new id (flushed)."""
    row = CaseAttachmentRow(
        case_id=case_id,
        conversation_id=conversation_id,
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=size_bytes,
        width=width,
        height=height,
        sha256=sha256,
        created_at=created_at,
        conversation_at=conversation_at,
    )
    session.add(row)
    session.flush()
    return row.id


def attachment_rows(
    session: Session, case_ids: Iterable[int]
) -> Iterator[CaseAttachmentRow]:
    """The photos of these cases, oldest first."""
    return session.execute(
        select(CaseAttachmentRow)
        .where(CaseAttachmentRow.case_id.in_(list(case_ids)))
        .order_by(CaseAttachmentRow.created_at, CaseAttachmentRow.id)
    ).scalars()


def conversation_attachment_rows(
    session: Session, conversation_id: str
) -> Iterator[CaseAttachmentRow]:
    """The photos uploaded from this conversation, oldest first."""
    return session.execute(
        select(CaseAttachmentRow)
        .where(CaseAttachmentRow.conversation_id == conversation_id)
        .order_by(CaseAttachmentRow.created_at, CaseAttachmentRow.id)
    ).scalars()


def attachment_row(session: Session, attachment_id: int) -> CaseAttachmentRow | None:
    return session.get(CaseAttachmentRow, attachment_id)

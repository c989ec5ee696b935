"""The queries of the buyers' ratings (bot.services.ratings). Every function
takes the caller's session and does not commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.case_store import lock_for_case_writes
from bot.adapters.orm import HandoffRow, RatingRow


def lock_for_rating_writes(session: Session, *, subject: str, subject_id: int) -> None:
    """Serialise the first answer about one subject (read, then insert or
    update): the case log's lock, on the subject's key."""
    lock_for_case_writes(session, key=f"rating:{subject}:{subject_id}")


def latest_closed_handoff(
    session: Session, conversation_id: str, *, outcomes: tuple[str, ...], state: str
) -> HandoffRow | None:
    """The conversation's hand-off in `state` with one of `outcomes` that
    closed last."""
    stmt = (
        select(HandoffRow)
        .where(
            HandoffRow.conversation_id == conversation_id,
            HandoffRow.state == state,
            HandoffRow.outcome.in_(outcomes),
            HandoffRow.closed_at.is_not(None),
        )
        .order_by(HandoffRow.closed_at.desc(), HandoffRow.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


def rating_of(
    session: Session, *, subject: str, subject_id: int, for_update: bool = False
) -> RatingRow | None:
    stmt = select(RatingRow).where(
        RatingRow.subject == subject, RatingRow.subject_id == subject_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalars().first()


def value_counts(
    session: Session,
    *,
    subject: str,
    scale: str,
    since: datetime,
    until: datetime | None = None,
) -> dict[int, int]:
    """{value: ratings} of `subject` on `scale` first given in [since, until)."""
    stmt = (
        select(RatingRow.value, func.count(RatingRow.id))
        .where(
            RatingRow.subject == subject,
            RatingRow.scale == scale,
            RatingRow.created_at >= since,
        )
        .group_by(RatingRow.value)
    )
    if until is not None:
        stmt = stmt.where(RatingRow.created_at < until)
    return {int(value): int(count) for value, count in session.execute(stmt)}

"""The queries of the buyers' ratings (bot.services.ratings): of live hand-offs,
and of inquiries (the bot's routed decisions, table `inquiries`). Every function
takes the caller's session and does not commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.case_store import lock_for_case_writes
from bot.adapters.orm import CaseRow, HandoffRow, InquiryRow, RatingRow


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


# -- inquiries (issue 17, item 5) ------------------------------------------------


def add_inquiry(session: Session, row: InquiryRow) -> InquiryRow:
    session.add(row)
    session.flush()
    return row


def inquiry(session: Session, inquiry_id: int) -> InquiryRow | None:
    return session.get(InquiryRow, inquiry_id)


def case_answered_at(session: Session, case_id: int) -> datetime | None:
    """When the case was first answered (or resolved without an answer)."""
    row = session.execute(
        select(CaseRow.replied_at, CaseRow.resolved_at).where(CaseRow.id == case_id)
    ).first()
    if row is None:
        return None
    return row.replied_at or row.resolved_at


def latest_inquiry_of_case(
    session: Session, *, case_id: int, conversation_id: str
) -> InquiryRow | None:
    """The conversation's latest inquiry that opened or joined the case."""
    return (
        session.execute(
            select(InquiryRow)
            .where(
                InquiryRow.case_id == case_id,
                InquiryRow.conversation_id == conversation_id,
            )
            .order_by(InquiryRow.decided_at.desc(), InquiryRow.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def inquiry_value_counts(
    session: Session,
    *,
    subject: str,
    scale: str,
    column: str,
    since: datetime,
    until: datetime | None = None,
) -> list[tuple[str, int, int]]:
    """(route or reason code, rated, rated helpful) of the inquiries rated
    (first answered) in [since, until) on a yes/no scale, grouped by the
    inquiry's `column` (`route` or `reason_code`)."""
    if column not in ("route", "reason_code"):
        raise ValueError(f"not a grouping of inquiries: {column!r}")
    key = getattr(InquiryRow, column)
    stmt = (
        select(key, func.count(RatingRow.id), func.sum(RatingRow.value))
        .join(InquiryRow, InquiryRow.id == RatingRow.subject_id)
        .where(
            RatingRow.subject == subject,
            RatingRow.scale == scale,
            RatingRow.created_at >= since,
        )
        .group_by(key)
        .order_by(key)
    )
    if until is not None:
        stmt = stmt.where(RatingRow.created_at < until)
    return [(str(k), int(n), int(h or 0)) for k, n, h in session.execute(stmt)]


# -- the console's rating column and filter (bot.adapters.review_store) ----------

RATED_HELPFUL, RATED_NOT_HELPFUL, UNRATED = "helpful", "not_helpful", "unrated"


def conversation_rating_column(conversation_id):  # noqa: ANN001, ANN201
    """The lowest "Was this helpful?" answer of the conversation (0 when any
    answer was No, 1 when all were Yes, NULL when none), as a correlated
    scalar subquery on `conversation_id`."""
    return (
        select(func.min(RatingRow.value))
        .where(RatingRow.conversation_id == conversation_id)
        .where(RatingRow.scale == "helpful")
        .correlate_except(RatingRow)
        .scalar_subquery()
    )


def conversation_rating_clause(conversation_id, rated: str):  # noqa: ANN001, ANN201
    """SQL for "the conversation's answers were helpful / not helpful / none"."""
    lowest = conversation_rating_column(conversation_id)
    if rated == RATED_HELPFUL:
        return lowest == 1
    if rated == RATED_NOT_HELPFUL:
        return lowest == 0
    return lowest.is_(None)

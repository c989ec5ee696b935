"""The review dashboard's figures in SQL: counts over the conversation summaries
(`conversation_summaries`) started in a range, and the seller cases (`cases`)
opened in it. The range is `[lower, upper)`, in UTC.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.orm import CaseRow, ConversationSummaryRow
from bot.domain.model import CaseKind, Route

_summary = ConversationSummaryRow


def _in_range(lower: datetime, upper: datetime) -> tuple:
    return (_summary.started_at >= lower, _summary.started_at < upper)


def start_times(
    session: Session, lower: datetime, upper: datetime
) -> Iterator[datetime]:
    """When each conversation in the range started."""
    yield from session.execute(
        select(_summary.started_at).where(*_in_range(lower, upper))
    ).scalars()


def route_counts(
    session: Session, lower: datetime, upper: datetime
) -> dict[str | None, int]:
    """Conversations per final route (None: no decision yet)."""
    return dict(
        session.execute(
            select(_summary.route, func.count())
            .where(*_in_range(lower, upper))
            .group_by(_summary.route)
        ).all()
    )


def contained_count(session: Session, lower: datetime, upper: datetime) -> int:
    """Conversations the bot handled alone: final route `bot`, no case and no
    hand-off to a person on the way."""
    contained = session.execute(
        select(func.count()).where(
            *_in_range(lower, upper),
            _summary.route == Route.BOT.value,
            _summary.case_id.is_(None),
            _summary.handed_off.is_(False),
        )
    ).scalar()
    return int(contained or 0)


def reason_counts(
    session: Session, lower: datetime, upper: datetime, *, limit: int
) -> tuple[tuple[str, int], ...]:
    """The `limit` most frequent reason codes, most frequent first (ties by code)."""
    return tuple(
        (code, count)
        for code, count in session.execute(
            select(_summary.reason_code, func.count().label("n"))
            .where(*_in_range(lower, upper), _summary.reason_code.is_not(None))
            .group_by(_summary.reason_code)
            .order_by(func.count().desc(), _summary.reason_code)
            .limit(limit)
        ).all()
    )


def seller_case_sla_facts(
    session: Session, lower: datetime, upper: datetime
) -> Iterator[tuple[str, datetime | None, datetime | None]]:
    """(status, seller due at, replied at) of each seller case opened in the range."""
    yield from session.execute(
        select(CaseRow.status, CaseRow.seller_due_at, CaseRow.replied_at).where(
            CaseRow.kind == CaseKind.SELLER.value,
            CaseRow.created_at >= lower,
            CaseRow.created_at < upper,
        )
    )

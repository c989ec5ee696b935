"""The review console's read model in SQL: Rasa's `events` table (read only, in
the tracker store's own database) and the summaries the project keeps of it
(`conversation_summaries`, `conversation_intents`, `review_sync_state`,
joined with `cases`). The agents' intent corrections are correction_store's.

Every function takes the caller's session (or the tracker store's engine) and
does not commit. Reading the tracker store may raise SQLAlchemy's
OperationalError or ProgrammingError: the callers say what that means.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import and_, case, exists, func, inspect, or_, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot.adapters.orm import (
    CaseRow,
    ConversationIntentRow,
    ConversationSummaryRow,
    ReviewSyncStateRow,
)
from bot.adapters.rasa_events import EVENTS
from bot.adapters.rating_store import conversation_rating_clause as rating_clause
from bot.adapters.rating_store import conversation_rating_column as rating_column
from bot.domain.model import CaseStatus
from bot.domain.sla import (
    BUYER_OVERDUE,
    BUYER_WAITING_STATUSES,
    DUE_SOON_WITHIN,
    SlaState,
)

# Conversation ids per `IN (...)` list.
CHUNK = 500

# -- the tracker store -----------------------------------------------------------------


def newest_event_id(tracker: Engine) -> int | None:
    """The tracker store's last event id; None when Rasa has not created its table
    yet. Raises the database's error when the table is there but cannot be read."""
    try:
        with tracker.connect() as conn:
            return conn.execute(select(func.max(EVENTS.c.id))).scalar()
    except (OperationalError, ProgrammingError):
        try:
            if not inspect(tracker).has_table(EVENTS.name):
                return None  # Rasa has not stored a conversation yet
        except (OperationalError, ProgrammingError):
            pass
        raise


def events_between(
    conn: Connection, *, after: int, upto: int, limit: int
) -> Sequence[Row]:
    """At most `limit` events with `after < id <= upto`, in id order."""
    return conn.execute(
        select(EVENTS)
        .where(EVENTS.c.id > after, EVENTS.c.id <= upto)
        .order_by(EVENTS.c.id)
        .limit(limit)
    ).all()


def conversation_events(tracker: Engine, conversation_id: str) -> Sequence[Row]:
    """Every event of one conversation, in id order."""
    with tracker.connect() as conn:
        return conn.execute(
            select(EVENTS)
            .where(EVENTS.c.sender_id == conversation_id)
            .order_by(EVENTS.c.id)
        ).all()


def message_events_of(
    tracker: Engine, conversation_ids: Sequence[str]
) -> Sequence[Row]:
    """The buyer's and the bot's messages (`user` and `bot` events) of these
    conversations, in id order."""
    with tracker.connect() as conn:
        return conn.execute(
            select(EVENTS)
            .where(
                EVENTS.c.sender_id.in_(list(conversation_ids)),
                EVENTS.c.type_name.in_(("user", "bot")),
            )
            .order_by(EVENTS.c.id)
        ).all()


def user_event(tracker: Engine, conversation_id: str, event_id: int) -> Row | None:
    """One buyer message (a `user` event) of the conversation, if it is one."""
    with tracker.connect() as conn:
        return conn.execute(
            select(EVENTS).where(
                EVENTS.c.id == int(event_id),
                EVENTS.c.sender_id == conversation_id,
                EVENTS.c.type_name == "user",
            )
        ).first()


# -- the sync's state and writes ---------------------------------------------------------


def sync_state(session: Session) -> ReviewSyncStateRow | None:
    return session.get(ReviewSyncStateRow, 1)


def locked_sync_state(session: Session, *, now: datetime) -> ReviewSyncStateRow:
    """The sync's watermark row, read again under a row lock (created at 0)."""
    state = session.execute(
        select(ReviewSyncStateRow)
        .where(ReviewSyncStateRow.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if state is None:
        state = ReviewSyncStateRow(id=1, last_event_id=0, synced_at=now)
        session.add(state)
    return state


def summaries_of(
    session: Session, conversation_ids: Sequence[str]
) -> dict[str, ConversationSummaryRow]:
    summaries: dict[str, ConversationSummaryRow] = {}
    for offset in range(0, len(conversation_ids), CHUNK):
        chunk = conversation_ids[offset : offset + CHUNK]
        for summary in session.execute(
            select(ConversationSummaryRow).where(
                ConversationSummaryRow.conversation_id.in_(chunk)
            )
        ).scalars():
            summaries[summary.conversation_id] = summary
    return summaries


def add_summary(
    session: Session, conversation_id: str, *, first: datetime
) -> ConversationSummaryRow:
    """A new, empty summary of a conversation that started at `first`."""
    summary = ConversationSummaryRow(
        conversation_id=conversation_id,
        started_at=first,
        last_event_at=first,
        last_event_id=0,
        intents="",
        handed_off=False,
        buyer_messages=0,
        search_text="",
        first_words="",
        first_words_clicked=False,
        reviewed=False,
        tags=[],
    )
    session.add(summary)
    return summary


def summaries_without_first_words(
    session: Session, *, limit: int
) -> list[ConversationSummaryRow]:
    """Summaries with buyer messages whose first words were never read (written
    before the column existed)."""
    return list(
        session.execute(
            select(ConversationSummaryRow)
            .where(
                ConversationSummaryRow.first_words.is_(None),
                ConversationSummaryRow.buyer_messages > 0,
            )
            .order_by(ConversationSummaryRow.conversation_id)
            .limit(limit)
        ).scalars()
    )


def add_intents(session: Session, intents: Iterable[tuple[str, str]]) -> None:
    """Index (conversation id, intent) pairs, after writing the summaries they
    refer to."""
    rows = [
        ConversationIntentRow(conversation_id=conversation_id, intent=intent)
        for conversation_id, intent in intents
    ]
    session.flush()  # the summaries first: the intents refer to them
    session.add_all(rows)


# -- one conversation ----------------------------------------------------------------------


def summary(session: Session, conversation_id: str) -> ConversationSummaryRow | None:
    return session.get(ConversationSummaryRow, conversation_id)


def case_ids_of(session: Session, conversation_id: str) -> list[int]:
    return list(
        session.execute(
            select(CaseRow.id)
            .where(CaseRow.conversation_id == conversation_id)
            .order_by(CaseRow.id)
        ).scalars()
    )


def known_intents(session: Session) -> list[str]:
    """Every intent some conversation has had, sorted."""
    return list(
        session.execute(
            select(ConversationIntentRow.intent)
            .distinct()
            .order_by(ConversationIntentRow.intent)
        ).scalars()
    )


# -- the list ------------------------------------------------------------------------------


class SummaryFilters(Protocol):
    """What the list is filtered by (bot.services.review.query.ConversationFilters);
    None: no filter."""

    intent: str | None
    route: str | None
    reason_code: str | None
    confidence_below: float | None
    has_case: bool | None
    case_status: str | None
    sla_state: str | None
    reviewed: bool | None
    has_decision: bool | None
    rating: str | None
    q: str | None

    @property
    def started_from(self) -> datetime | None: ...

    @property
    def started_before(self) -> datetime | None: ...


def sla_clause(state: str, now: datetime):  # noqa: ANN201
    """SQL for `bot.domain.sla.sla_state(...) == state` over the cases table, or
    for `buyer_overdue(...)` when `state` is BUYER_OVERDUE."""
    status = CaseRow.status
    if state == BUYER_OVERDUE:
        return and_(
            status.in_([s.value for s in BUYER_WAITING_STATUSES]),
            CaseRow.buyer_due_at <= now,
        )
    due = CaseRow.seller_due_at
    awaiting = status == CaseStatus.AWAITING_SELLER.value
    answered = status.in_([CaseStatus.SELLER_REPLIED.value, CaseStatus.RESOLVED.value])
    state = SlaState(state)
    if state is SlaState.ESCALATED:
        return status == CaseStatus.ESCALATED.value
    if state is SlaState.OVERDUE:
        return and_(awaiting, due.is_not(None), due <= now)
    if state is SlaState.DUE_SOON:
        return and_(awaiting, due > now, due <= now + DUE_SOON_WITHIN)
    if state is SlaState.ON_TIME:
        return or_(
            and_(status != CaseStatus.ESCALATED.value, due.is_(None)),
            and_(awaiting, due > now + DUE_SOON_WITHIN),
        )
    met = or_(CaseRow.replied_at.is_(None), CaseRow.replied_at <= due)
    if state is SlaState.MET:
        return and_(answered, due.is_not(None), met)
    return and_(answered, due.is_not(None), ~met)


def _filtered(stmt, filters: SummaryFilters, now: datetime):  # noqa: ANN001, ANN202
    summary = ConversationSummaryRow
    if filters.intent is not None:
        stmt = stmt.where(
            exists().where(
                ConversationIntentRow.conversation_id == summary.conversation_id,
                ConversationIntentRow.intent == filters.intent,
            )
        )
    if filters.route is not None:
        stmt = stmt.where(summary.route == filters.route)
    if filters.reason_code is not None:
        stmt = stmt.where(summary.reason_code == filters.reason_code)
    if filters.confidence_below is not None:
        stmt = stmt.where(summary.min_confidence < filters.confidence_below)
    if filters.has_case is not None:
        stmt = stmt.where(
            CaseRow.id.is_not(None) if filters.has_case else CaseRow.id.is_(None)
        )
    if filters.case_status is not None:
        stmt = stmt.where(CaseRow.status == filters.case_status)
    if filters.sla_state is not None:
        stmt = stmt.where(CaseRow.id.is_not(None), sla_clause(filters.sla_state, now))
    if filters.reviewed is not None:
        stmt = stmt.where(summary.reviewed.is_(filters.reviewed))
    if filters.has_decision is not None:
        stmt = stmt.where(
            summary.route.is_not(None)
            if filters.has_decision
            else summary.route.is_(None)
        )
    if filters.rating is not None:
        stmt = stmt.where(rating_clause(summary.conversation_id, filters.rating))
    if filters.started_from is not None:
        stmt = stmt.where(summary.started_at >= filters.started_from)
    if filters.started_before is not None:
        stmt = stmt.where(summary.started_at < filters.started_before)
    if filters.q is not None:
        stmt = stmt.where(
            summary.search_text.contains(filters.q.lower(), autoescape=True)
        )
    return stmt


def _base_query():  # noqa: ANN202
    """A summary with its case's kind, status and SLA times (a `SummaryRow`)."""
    return select(
        ConversationSummaryRow,
        CaseRow.id,
        CaseRow.kind,
        CaseRow.status,
        CaseRow.seller_due_at,
        CaseRow.replied_at,
        CaseRow.buyer_due_at,
        rating_column(ConversationSummaryRow.conversation_id),
    ).outerjoin(CaseRow, CaseRow.id == ConversationSummaryRow.case_id)


# (summary, case id, case kind, case status, seller due at, replied at, buyer due
# at, the lowest "Was this helpful?" answer)
SummaryRow = Row

_NEWEST_FIRST = (
    ConversationSummaryRow.started_at.desc(),
    ConversationSummaryRow.conversation_id.desc(),
)


def count_summaries(session: Session, filters: SummaryFilters, now: datetime) -> int:
    counted = _filtered(
        select(func.count(ConversationSummaryRow.conversation_id))
        .select_from(ConversationSummaryRow)
        .outerjoin(CaseRow, CaseRow.id == ConversationSummaryRow.case_id),
        filters,
        now,
    )
    return int(session.execute(counted).scalar() or 0)


def summary_rows(
    session: Session,
    filters: SummaryFilters,
    now: datetime,
    *,
    limit: int,
    offset: int,
) -> Sequence[SummaryRow]:
    """One page of the filtered summaries: those past the buyer's two-day
    commitment and still waiting first, then newest first."""
    overdue_first = case((sla_clause(BUYER_OVERDUE, now), 0), else_=1)
    return session.execute(
        _filtered(_base_query(), filters, now)
        .order_by(overdue_first, *_NEWEST_FIRST)
        .limit(limit)
        .offset(offset)
    ).all()


def iter_summary_rows(
    session: Session, filters: SummaryFilters, now: datetime
) -> Iterator[SummaryRow]:
    """Every filtered summary, newest first, read a thousand at a time."""
    stmt = (
        _filtered(_base_query(), filters, now)
        .order_by(*_NEWEST_FIRST)
        .execution_options(yield_per=1000)
    )
    yield from session.execute(stmt)


def summary_row(session: Session, conversation_id: str) -> SummaryRow | None:
    return session.execute(
        _base_query().where(ConversationSummaryRow.conversation_id == conversation_id)
    ).first()

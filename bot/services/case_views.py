"""What the case log shows of a case and its thread: frozen views of the rows,
safe to hand across a session's end (to a page, an email, the bot)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.adapters.orm import CaseMessageRow, CaseRow
from bot.domain.model import OPEN_CASE_STATUSES, CaseKind, CaseStatus, MessageAuthor
from bot.domain.sla import SlaState, buyer_overdue, sla_state


@dataclass(frozen=True)
class MessageView:
    author: MessageAuthor
    author_id: str | None
    text: str
    created_at: datetime
    delivered_to_buyer_at: datetime | None
    id: int


@dataclass(frozen=True)
class CaseView:
    id: int
    kind: CaseKind
    order_id: str | None
    seller_id: str | None
    buyer_id: str | None
    conversation_id: str
    category: str
    reason_code: str | None
    question: str
    status: CaseStatus
    created_at: datetime
    seller_due_at: datetime | None
    buyer_due_at: datetime
    replied_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    messages: tuple[MessageView, ...] = ()
    # The language the buyer writes in (issue 16): en or es.
    language: str = "en"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES

    def sla_state(self, now: datetime) -> SlaState:
        """Where the case stands against the seller's 24-hour clock at `now`."""
        return sla_state(self.status, self.seller_due_at, now, self.replied_at)

    def buyer_overdue(self, now: datetime) -> bool:
        """Past the buyer's two-day commitment at `now`, the buyer still waiting."""
        return buyer_overdue(self.status, self.buyer_due_at, now)


@dataclass(frozen=True)
class OpenedCase:
    case: CaseView
    created: bool  # False: the buyer's message joined the open case


def message_view(row: CaseMessageRow) -> MessageView:
    return MessageView(
        author=MessageAuthor(row.author),
        author_id=row.author_id,
        text=row.text,
        created_at=row.created_at,
        delivered_to_buyer_at=row.delivered_to_buyer_at,
        id=row.id,
    )


def case_view(row: CaseRow) -> CaseView:
    messages = sorted(row.messages, key=lambda m: (m.created_at, m.id or 0))
    return CaseView(
        id=row.id,
        kind=CaseKind(row.kind),
        order_id=row.order_id,
        seller_id=row.seller_id,
        buyer_id=row.buyer_id,
        conversation_id=row.conversation_id,
        category=row.category,
        reason_code=row.reason_code,
        question=row.question,
        status=CaseStatus(row.status),
        created_at=row.created_at,
        seller_due_at=row.seller_due_at,
        buyer_due_at=row.buyer_due_at,
        replied_at=row.replied_at,
        escalated_at=row.escalated_at,
        resolved_at=row.resolved_at,
        messages=tuple(message_view(m) for m in messages),
        language=row.language or "en",
    )



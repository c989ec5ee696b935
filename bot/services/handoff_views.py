"""The read-only views of a live hand-off (bot.services.handoff), as callers
get them: `HandoffView`, and `HandoffRequest` from `request_handoff`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.adapters.orm import HandoffRow
from bot.domain.handoff import ACTIVE_STATES, QueueEstimate


@dataclass(frozen=True)
class HandoffView:
    id: int
    conversation_id: str
    buyer_id: str | None
    verified: bool
    order_id: str | None
    reason_code: str
    state: str
    requested_at: datetime
    agent_id: int | None
    claimed_at: datetime | None
    first_reply_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    case_id: int | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass(frozen=True)
class HandoffRequest:
    """What `request_handoff` gives: the hand-off and the buyer's place in the
    queue, or (`handoff` None) no agent online and, outside the agents' hours,
    when they are back."""

    handoff: HandoffView | None
    queue: QueueEstimate | None
    agents_back_at: datetime | None = None
    created: bool = False


def as_view(row: HandoffRow) -> HandoffView:
    return HandoffView(
        id=row.id,
        conversation_id=row.conversation_id,
        buyer_id=row.buyer_id,
        verified=bool(row.verified),
        order_id=row.order_id,
        reason_code=row.reason_code,
        state=row.state,
        requested_at=row.requested_at,
        agent_id=row.agent_id,
        claimed_at=row.claimed_at,
        first_reply_at=row.first_reply_at,
        closed_at=row.closed_at,
        outcome=row.outcome,
        case_id=row.case_id,
    )

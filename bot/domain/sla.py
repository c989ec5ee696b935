"""The case-log clocks, from the seed.

- "Sellers are required to reply to CSBA inquiry within 24 hours (including
  weekends and holidays)": wall-clock hours, no business calendar.
- "Our commitment to the customer usually will be within two days": 48 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.domain.model import CaseStatus

SELLER_REPLY_WINDOW = timedelta(hours=24)
BUYER_ANSWER_WINDOW = timedelta(hours=48)
# A case is "due soon" in the last quarter of the seller's window.
DUE_SOON_WITHIN = timedelta(hours=6)


@dataclass(frozen=True)
class CaseDeadlines:
    seller_due_at: datetime
    buyer_due_at: datetime


def deadlines(created_at: datetime) -> CaseDeadlines:
    return CaseDeadlines(
        seller_due_at=created_at + SELLER_REPLY_WINDOW,
        buyer_due_at=created_at + BUYER_ANSWER_WINDOW,
    )


class SlaState(str, Enum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    MET = "met"  # the seller replied (or the case was resolved) before the deadline
    MISSED = "missed"  # replied or resolved, but after the deadline


# The agents' SLA filter value for cases past the buyer's two-day commitment.
BUYER_OVERDUE = "buyer_overdue"
# A case in these statuses has not answered the buyer: the seller has not replied
# (a seller's reply is pushed to the buyer), or it is escalated, with CSBA's
# associates, until someone resolves it.
BUYER_WAITING_STATUSES = frozenset({CaseStatus.AWAITING_SELLER, CaseStatus.ESCALATED})


def buyer_overdue(
    status: CaseStatus | str, buyer_due_at: datetime | None, now: datetime
) -> bool:
    """Past the buyer's two-day commitment (`buyer_due_at`) at `now` with the
    buyer still waiting for an answer."""
    return (
        buyer_due_at is not None
        and CaseStatus(status) in BUYER_WAITING_STATUSES
        and now >= buyer_due_at
    )


def sla_state(
    status: CaseStatus | str,
    seller_due_at: datetime | None,
    now: datetime,
    replied_at: datetime | None = None,
) -> SlaState:
    """Where a case stands against the seller's 24-hour clock at `now`."""
    status = CaseStatus(status)
    if status is CaseStatus.ESCALATED:
        return SlaState.ESCALATED
    if seller_due_at is None:
        return SlaState.ON_TIME
    if status in (CaseStatus.SELLER_REPLIED, CaseStatus.RESOLVED):
        if replied_at is None or replied_at <= seller_due_at:
            return SlaState.MET
        return SlaState.MISSED
    if now >= seller_due_at:
        return SlaState.OVERDUE
    if seller_due_at - now <= DUE_SOON_WITHIN:
        return SlaState.DUE_SOON
    return SlaState.ON_TIME

"""Return authorisations in SQL: the `return_authorizations` table, written when
the bot authorises a return in a chat (bot.services.triage.record_decision).

The caller's session is used and not committed; what comes back is a frozen
view, never the row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.adapters.orm import ReturnAuthorizationRow


@dataclass(frozen=True)
class ReturnAuthorisation:
    """A return the bot authorised: which lines, how they go back, and by when."""

    id: int
    order_id: str
    conversation_id: str | None
    items: tuple[tuple[str, int], ...]  # (asin, quantity) per order line
    reason: str  # the reason code: return_window_open | damaged_return
    method: str  # a ReturnOption value
    deadline: datetime  # exclusive end of the return window
    created_at: datetime


def add_return_authorisation(
    session: Session,
    *,
    order_id: str,
    conversation_id: str | None,
    items: Iterable[tuple[str, int]],
    reason: str,
    method: str,
    deadline: datetime,
    now: datetime,
) -> ReturnAuthorisation:
    """Record a return authorisation (flushed, so it has its id)."""
    row = ReturnAuthorizationRow(
        order_id=order_id,
        conversation_id=conversation_id,
        items=[{"asin": asin, "quantity": quantity} for asin, quantity in items],
        reason=reason,
        method=method,
        deadline=deadline,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return ReturnAuthorisation(
        id=row.id,
        order_id=row.order_id,
        conversation_id=row.conversation_id,
        items=tuple((item["asin"], item["quantity"]) for item in row.items),
        reason=row.reason,
        method=row.method,
        deadline=row.deadline,
        created_at=row.created_at,
    )

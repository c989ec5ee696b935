"""Return authorisations in SQL: the `return_authorizations` table, written when
the bot authorises a return in a chat (bot.services.returns).

The caller's session is used and not committed; what comes back is a frozen
view, never the row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.orm import ReturnAuthorizationRow

REFUND = "refund"
REPLACEMENT = "replacement"
RESOLUTIONS = (REFUND, REPLACEMENT)


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
    resolution: str = REFUND  # refund | replacement
    created: bool = True  # False: an earlier authorisation, found again

    @property
    def asins(self) -> frozenset[str]:
        return frozenset(asin for asin, _ in self.items)


def _view(row: ReturnAuthorizationRow, *, created: bool) -> ReturnAuthorisation:
    return ReturnAuthorisation(
        id=row.id,
        order_id=row.order_id,
        conversation_id=row.conversation_id,
        items=tuple((item["asin"], item["quantity"]) for item in row.items),
        reason=row.reason,
        method=row.method,
        deadline=row.deadline,
        created_at=row.created_at,
        resolution=row.resolution,
        created=created,
    )


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
    resolution: str = REFUND,
) -> ReturnAuthorisation:
    """Record a return authorisation (flushed, so it has its id)."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}")
    row = ReturnAuthorizationRow(
        order_id=order_id,
        conversation_id=conversation_id,
        items=[{"asin": asin, "quantity": quantity} for asin, quantity in items],
        reason=reason,
        method=method,
        deadline=deadline,
        created_at=now,
        resolution=resolution,
    )
    session.add(row)
    session.flush()
    return _view(row, created=True)


def find_return_authorisation(
    session: Session,
    *,
    order_id: str,
    asins: Iterable[str],
    reason: str | None = None,
) -> ReturnAuthorisation | None:
    """The first authorisation of `order_id` that covers every one of `asins`
    (from any conversation), of `reason` when given, or None."""
    wanted = set(asins)
    if not wanted:
        return None
    query = select(ReturnAuthorizationRow).where(
        ReturnAuthorizationRow.order_id == order_id
    )
    if reason is not None:
        query = query.where(ReturnAuthorizationRow.reason == reason)
    rows = session.scalars(query.order_by(ReturnAuthorizationRow.id))
    for row in rows:
        if wanted <= {item["asin"] for item in row.items}:
            return _view(row, created=False)
    return None

"""Sellers' CSBA enrollment periods in SQL (`enrollments`, and the seller row
that serialises opt-ins and opt-outs): the statements bot.services.enrollment
runs.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.orm import EnrollmentRow, SellerRow


def locked_seller(session: Session, seller_id: str) -> SellerRow | None:
    """The seller row, locked against a concurrent opt-in/opt-out (PostgreSQL:
    `SELECT ... FOR UPDATE`, held until the caller's transaction ends)."""
    query = select(SellerRow).where(SellerRow.id == seller_id).with_for_update()
    return session.execute(query).scalars().first()


def seller(session: Session, seller_id: str) -> SellerRow | None:
    """The seller row, unlocked (a read)."""
    return session.get(SellerRow, seller_id)


def period_rows(session: Session, seller_id: str) -> list[EnrollmentRow]:
    """The seller's periods, oldest opt-in first."""
    query = (
        select(EnrollmentRow)
        .where(EnrollmentRow.seller_id == seller_id)
        .order_by(EnrollmentRow.opted_in_at, EnrollmentRow.id)
    )
    return list(session.execute(query).scalars())


def open_period(
    session: Session, seller_id: str, at: datetime, by: str | None = None
) -> EnrollmentRow:
    """A new period opted in at `at` by `by`, not activated, not opted out (flushed)."""
    row = EnrollmentRow(
        seller_id=seller_id,
        opted_in_at=at,
        activated_at=None,
        opted_out_at=None,
        opted_in_by=by,
    )
    session.add(row)
    session.flush()
    return row


def close_period(
    session: Session, row: EnrollmentRow, at: datetime, by: str | None = None
) -> None:
    """Opt the period out at `at` by `by` (flushed)."""
    row.opted_out_at = at
    row.opted_out_by = by
    session.flush()

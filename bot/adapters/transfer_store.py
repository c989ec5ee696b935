"""Sellers' transfers to CSBA in SQL (`seller_transfers`): the statements
bot.services.transfer runs. Every function takes the caller's session and does
not commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.orm import SellerTransferRow


def add_transfer(session: Session, **values: Any) -> SellerTransferRow:
    """A new transfer row with these column values (flushed: it has its id)."""
    row = SellerTransferRow(**values)
    session.add(row)
    session.flush()
    return row


def sellers_transfer(
    session: Session, *, seller_id: str, transfer_id: int
) -> SellerTransferRow | None:
    """The transfer, if it is this seller's."""
    query = select(SellerTransferRow).where(
        SellerTransferRow.id == transfer_id, SellerTransferRow.seller_id == seller_id
    )
    return session.execute(query).scalars().first()


def sellers_transfers(
    session: Session, *, seller_id: str, limit: int
) -> list[SellerTransferRow]:
    """The seller's latest transfers, newest first."""
    query = (
        select(SellerTransferRow)
        .where(SellerTransferRow.seller_id == seller_id)
        .order_by(SellerTransferRow.created_at.desc(), SellerTransferRow.id.desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())

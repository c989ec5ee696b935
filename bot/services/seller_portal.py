"""The seller case portal's reads (issue 4): a seller's inbox and one case with
its order, for the case's own seller only.

A case that is not this seller's (another seller's, or an agent case) is
reported as not found, so case numbers cannot be probed. Writes go through
bot.services.cases (`reply`, `resolve`), which check ownership again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.adapters.repository import SqlRepository
from bot.domain.model import OPEN_CASE_STATUSES, CaseKind, CaseStatus, Order
from bot.services.cases import CaseNotFound, CaseView, get_case, list_cases

INBOX_LIMIT = 200
RESOLVED_LIMIT = 50


@dataclass(frozen=True)
class SellerInbox:
    open_cases: list[CaseView]  # by seller_due_at, soonest first
    resolved_cases: list[CaseView]  # most recently resolved first


@dataclass(frozen=True)
class SellerCase:
    case: CaseView
    order: Order | None


def seller_inbox(session: Session, *, seller_id: str) -> SellerInbox:
    open_cases = list_cases(
        session,
        seller_id=seller_id,
        kind=CaseKind.SELLER,
        status=OPEN_CASE_STATUSES,
        limit=INBOX_LIMIT,
    )
    resolved = list_cases(
        session,
        seller_id=seller_id,
        kind=CaseKind.SELLER,
        status=CaseStatus.RESOLVED,
        limit=INBOX_LIMIT,
    )
    resolved.sort(key=lambda case: case.resolved_at or case.created_at, reverse=True)
    return SellerInbox(open_cases=open_cases, resolved_cases=resolved[:RESOLVED_LIMIT])


def owns_case(case: CaseView, seller_id: str) -> bool:
    return (
        case.kind is CaseKind.SELLER and bool(seller_id) and case.seller_id == seller_id
    )


def seller_case(session: Session, *, seller_id: str, case_id: int) -> SellerCase:
    """The case with its order; CaseNotFound unless it is this seller's case."""
    case = get_case(session, case_id)
    if not owns_case(case, seller_id):
        raise CaseNotFound(case_id=case_id)
    order = SqlRepository(session).get_order(case.order_id) if case.order_id else None
    return SellerCase(case=case, order=order)

"""The side panel of a live chat (issue 14): the buyer's orders with the facts the
CSBA policy uses, their earlier cases, and a seller case opened from there.

What the agent sees depends on what the buyer proved (`HandoffView.verified`):
- not verified (an anonymous buyer before the ZIP check): nothing but that;
- a token conversation (`buyer-` sender id, bot.services.identity): the buyer is
  proven, so their recent orders and their earlier cases;
- any other verified conversation (an anonymous chat that passed the ZIP check):
  that chat proved one order only, so only `order_id` and the cases on it, even
  though the ZIP check also filled `buyer_id`.

The facts are the policy's own: `decide()` for a delivery question says whether
the order is covered (FBA first, then the enrollment periods) and why, and the
delivery status; `coverage()` gives the period; `return_window()` the last day
to return. Nothing here decides a rule again.

Every function takes the caller's session and does not commit. Errors are
HandoffError with a catalogue key. No Rasa import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.adapters.orm import CaseRow
from bot.adapters.repository import SqlRepository
from bot.domain.coverage import coverage
from bot.domain.handoff import HandoffState
from bot.domain.instants import require_aware
from bot.domain.model import (
    INTENTS_WITHOUT_ORDER,
    CaseKind,
    Fulfillment,
    Intent,
    Order,
    OrderItem,
    OrderStatus,
    Seller,
)
from bot.domain.policy import decide, is_late
from bot.domain.returns import return_window
from bot.services import handoff
from bot.services.case_errors import CaseError
from bot.services.case_views import OpenedCase
from bot.services.cases import open_case
from bot.services.handoff_errors import HandoffEnded, HandoffError, HandoffNotYours
from bot.services.handoff_views import HandoffView
from bot.services.identity import BUYER_CONVERSATION_PREFIX
from bot.services.notifications import Notifier
from bot.services.order_lookup import load_order, recent_orders
from bot.services.presentation import explained

# How many of a token buyer's orders and cases the panel lists, newest first.
PANEL_ORDERS = 10
PANEL_CASES = 20

# A case opened from the panel is for the seller; an agent case would be the
# agent's own, and the agent is already in the chat.
CASE_KINDS = (CaseKind.SELLER.value,)
# What the seller is asked about: the post-order questions CSBA covers.
CASE_TOPICS = tuple(i.value for i in Intent if i not in INTENTS_WITHOUT_ORDER)


class PanelScope(str, Enum):
    UNVERIFIED = "unverified"  # no order detail at all
    BUYER = "buyer"  # a token buyer: their orders and cases
    ORDER = "order"  # the ZIP check: that one order and its cases


@dataclass(frozen=True)
class OrderFacts:
    """One order as the policy sees it.

    `coverage_code` says why the order is not covered (fba_order,
    seller_not_enrolled, placed_after_opt_out, placed_before_enrollment), None
    when it is. `delivery_code` is the policy's delivery status of a covered
    order (delivered, in_transit, late_delivery, not_shipped_yet,
    order_cancelled). `reason` is the agent-facing sentence of that decision.
    The return window is set for a covered, delivered order."""

    order_id: str
    placed_at: datetime
    seller_id: str
    seller_name: str | None
    fulfillment: str
    status: str
    covered: bool
    coverage_code: str | None
    delivery_code: str | None
    reason: str | None
    late: bool
    promised_delivery_by: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    coverage_start: datetime | None = None
    coverage_end: datetime | None = None
    return_last_day: date | None = None
    return_open: bool | None = None
    items: tuple[OrderItem, ...] = ()


@dataclass(frozen=True)
class EarlierCase:
    id: int
    kind: str
    status: str
    order_id: str | None
    category: str
    created_at: datetime
    conversation_id: str


@dataclass(frozen=True)
class SidePanel:
    scope: PanelScope
    buyer_id: str | None = None
    buyer_name: str | None = None
    orders: tuple[OrderFacts, ...] = ()
    cases: tuple[EarlierCase, ...] = ()

    @property
    def verified(self) -> bool:
        return self.scope is not PanelScope.UNVERIFIED

    def order(self, order_id: str) -> OrderFacts | None:
        return next((o for o in self.orders if o.order_id == order_id), None)


def panel_scope(view: HandoffView) -> PanelScope:
    """What the buyer of this hand-off proved."""
    if not view.verified:
        return PanelScope.UNVERIFIED
    if view.buyer_id and view.conversation_id.startswith(BUYER_CONVERSATION_PREFIX):
        return PanelScope.BUYER
    return PanelScope.ORDER


def side_panel(session: Session, view: HandoffView, *, now: datetime) -> SidePanel:
    """The panel for one hand-off, as of `now`."""
    require_aware(now)
    scope = panel_scope(view)
    if scope is PanelScope.UNVERIFIED:
        return SidePanel(scope)
    repo = SqlRepository(session)
    if scope is PanelScope.BUYER:
        assert view.buyer_id is not None
        buyer = repo.get_buyer(view.buyer_id)
        orders = recent_orders(session, view.buyer_id, limit=PANEL_ORDERS)
        return SidePanel(
            scope,
            buyer_id=view.buyer_id,
            buyer_name=buyer.name if buyer is not None else None,
            orders=_facts(repo, orders, now),
            cases=_earlier_cases(session, CaseRow.buyer_id == view.buyer_id),
        )
    order = load_order(session, view.order_id) if view.order_id else None
    if order is None or (view.buyer_id and order.buyer_id != view.buyer_id):
        return SidePanel(scope)
    return SidePanel(
        scope,
        orders=_facts(repo, [order], now),
        cases=_earlier_cases(session, CaseRow.order_id == order.id),
    )


def open_seller_case(
    session: Session,
    *,
    handoff_id: int,
    agent_id: int,
    order_id: str,
    kind: str,
    topic: str,
    question: str,
    now: datetime,
    notifier: Notifier | None = None,
) -> OpenedCase:
    """The agent who has the live chat opens a seller case on a covered order of
    the panel, for the hand-off's conversation, and the hand-off records it.

    Idempotent like `open_case`: while a case is open for the conversation, order
    and topic, the question joins its thread (created=False)."""
    require_aware(now)
    view = handoff.get(session, handoff_id=handoff_id)
    if not view.active:
        raise HandoffEnded(handoff_id=handoff_id)
    if view.state != HandoffState.LIVE.value or view.agent_id != agent_id:
        raise HandoffNotYours(handoff_id=handoff_id)
    if kind not in CASE_KINDS or topic not in CASE_TOPICS:
        raise HandoffError("handoff.error.bad_case_topic")
    text = handoff.printable_text(question, handoff.MAX_AGENT_MESSAGE_CHARS)
    if not text:
        raise HandoffError("handoff.error.empty_text")
    facts = side_panel(session, view, now=now).order(order_id)
    if facts is None:
        raise HandoffError("handoff.error.order_not_in_panel", order_id=order_id)
    if not facts.covered:
        raise HandoffError("handoff.error.order_not_covered", order_id=order_id)
    try:
        opened = open_case(
            session,
            conversation_id=view.conversation_id,
            category=topic,
            question=text,
            now=now,
            order_id=facts.order_id,
            kind=CaseKind(kind),
            notifier=notifier,
        )
    except CaseError as exc:
        raise HandoffError(exc.key, **exc.params) from None
    # checks again, under the hand-off's lock, that the agent still has it
    handoff.attach_case(
        session,
        handoff_id=handoff_id,
        agent_id=agent_id,
        case_id=opened.case.id,
        now=now,
    )
    return opened


# -- reads ---------------------------------------------------------------------------


def _facts(
    repo: SqlRepository, orders: list[Order], now: datetime
) -> tuple[OrderFacts, ...]:
    sellers: dict[str, Seller | None] = {}
    for order in orders:
        if order.seller_id not in sellers:
            sellers[order.seller_id] = repo.get_seller(order.seller_id)
    return tuple(order_facts(order, sellers[order.seller_id], now) for order in orders)


def order_facts(order: Order, seller: Seller | None, now: datetime) -> OrderFacts:
    """The policy's facts of one order (the buyer's own: no ownership check)."""
    fba = Fulfillment(order.fulfillment) is Fulfillment.FBA
    decision = None
    if seller is not None or fba:
        decision = explained(
            decide(Intent.DELIVERY_STATUS, order, seller, now, buyer_id=order.buyer_id)
        )
    covered = decision is not None and decision.covered is True
    period = coverage(order, seller) if seller is not None and not fba else None
    window = (
        return_window(order, seller)
        if covered and seller is not None and order.delivered_at is not None
        else None
    )
    return OrderFacts(
        order_id=order.id,
        placed_at=order.placed_at,
        seller_id=order.seller_id,
        seller_name=seller.name if seller is not None else None,
        fulfillment=Fulfillment(order.fulfillment).value,
        status=OrderStatus(order.status).value,
        covered=covered,
        coverage_code=None if covered or decision is None else decision.reason_code,
        delivery_code=decision.reason_code if covered and decision else None,
        reason=decision.reason if decision is not None else None,
        late=is_late(order, now),
        promised_delivery_by=order.promised_delivery_by,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        coverage_start=period.coverage_start if period else None,
        coverage_end=period.coverage_end if period else None,
        return_last_day=window.last_day if window else None,
        return_open=window.is_open(now) if window else None,
        items=order.items,
    )


def _earlier_cases(
    session: Session, where: ColumnElement[bool]
) -> tuple[EarlierCase, ...]:
    """The cases matching `where` (a condition on CaseRow), newest first.
    (bot.adapters.case_store.find_cases filters by seller, not buyer or order.)"""
    rows = session.execute(
        select(
            CaseRow.id,
            CaseRow.kind,
            CaseRow.status,
            CaseRow.order_id,
            CaseRow.category,
            CaseRow.created_at,
            CaseRow.conversation_id,
        )
        .where(where)
        .order_by(CaseRow.created_at.desc(), CaseRow.id.desc())
        .limit(PANEL_CASES)
    )
    return tuple(EarlierCase(*row) for row in rows)

"""A buyer's follow-up to a case their chat just opened (actions/follow_up.py).

`take_back_cancellation`: "wait, don't cancel it". The seller was asked to
cancel the order; the buyer's words join that case's thread, so the seller
reads them with the request, and no second cancellation request is opened.
The seller also gets an email with the new message (`BuyerAddedToCase`, after
commit), so that a seller working from the first email does not cancel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.adapters import case_store
from bot.domain.instants import require_aware
from bot.domain.model import CaseKind, Intent
from bot.services import messagebus
from bot.services.case_views import CaseView
from bot.services.cases import add_buyer_message
from bot.services.events import BuyerAddedToCase
from bot.services.notifications import Notifier, seller_contacts

CANCELLATION = Intent.CANCEL_ORDER.value  # the category of a cancellation case


def take_back_cancellation(
    session: Session,
    *,
    conversation_id: str,
    order_id: str,
    buyer_id: str | None,
    text: str,
    now: datetime,
    notifier: Notifier | None = None,
) -> CaseView | None:
    """The buyer no longer wants `order_id` cancelled: `text` joins the order's
    open cancellation case (opened from any chat, as `cases.open_case` joins
    them), when it is this verified buyer's. None, and nothing written, when
    there is no such case: nothing to take back."""
    require_aware(now)
    if not buyer_id:
        return None
    row = case_store.find_open_case(
        session,
        conversation_id=conversation_id,
        order_id=order_id,
        category=CANCELLATION,
    )
    if row is None or row.buyer_id != buyer_id:
        return None
    view = add_buyer_message(session, case_id=row.id, text=text, now=now)
    if view.kind is CaseKind.SELLER and view.seller_id:
        contact = seller_contacts(session, [view.seller_id]).get(view.seller_id)
        if contact is not None:
            messagebus.publish(session, BuyerAddedToCase(view, contact, notifier))
    return view


def cancellation_of_the_chat(session: Session, *, conversation_id: str) -> str | None:
    """The order of the one open cancellation case this chat opened: what "no
    wait, don't cancel it" is about when the chat has since moved on to other
    questions. None when there is none, or several (the buyer is asked)."""
    orders = set(
        case_store.open_case_orders_of_conversation(
            session, conversation_id=conversation_id, category=CANCELLATION
        )
    )
    return orders.pop() if len(orders) == 1 else None

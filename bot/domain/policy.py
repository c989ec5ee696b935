"""The CSBA routing policy: which inquiry goes where, and why.

`decide()` applies the seed's rules in a fixed order (issue 2, section 4):

1. Inquiries that need no order (pre-order, invoice, customization, a human).
2. Order checks: unknown order, someone else's order, an FBA order.
3. Coverage (bot.domain.coverage): orders placed outside every enrollment period
   go to Buyer-Seller Messaging.
4. Covered orders, by intent (delivery, returns, cancel / address change,
   product questions). Damage is judged per item: the item the buyer names
   (`asin`), or the order's only item. Damage is not a change of mind: a
   damaged item that is not returnable, or whose window has closed, goes to
   the seller (`damaged_seller_case`), never "not returnable".

The decision carries a reason code and the facts the rule used, as JSON-ready
values: codes and facts only. The sentence a person reads is rendered outside the
domain (bot.services.presentation, from `bot/catalogue/<lang>/reason.yml`). Pure Python: no
Rasa, no database, no catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.coverage import Coverage, coverage
from bot.domain.facts import day as _date
from bot.domain.facts import instant as _instant
from bot.domain.facts import json_ready as _json_ready
from bot.domain.model import (
    Decision,
    Fulfillment,
    Intent,
    Order,
    OrderStatus,
    ProductAnswer,
    Seller,
)
from bot.domain.reasons import (
    CLAIM_NOT_RECEIVED,
    CLAIM_REFUND_MISSING,
    CLAIMS,
    REASON_CODES,
)
from bot.domain.returns import (
    ReturnWindow,
    end_of_marketplace_day,
    marketplace_date,
    return_method,
    return_window,
)

# The seed: "CSBA provides customer service for all post-order queries ... except
# queries related to Invoice and Product Customization. CSBA does not provide
# customer service for pre-order customer inquiries."
_NO_ORDER_REASONS: dict[Intent, str] = {
    Intent.PRE_ORDER: "pre_order",
    Intent.INVOICE: "invoice",
    Intent.CUSTOMIZATION: "customization",
    Intent.HUMAN_AGENT: "buyer_asked_for_agent",
}

_SELLER_REQUEST_REASONS: dict[Intent, str] = {
    Intent.CANCEL_ORDER: "cancel_request",
    Intent.CHANGE_ADDRESS: "address_change_request",
}

Facts = dict[str, Any]


class UnknownIntent(ValueError):
    """The intent is not one of the business intents the policy routes."""


def parse_intent(intent: str | Intent) -> Intent:
    try:
        return Intent(intent)
    except ValueError:
        raise UnknownIntent(f"unknown intent {intent!r}") from None


@dataclass(frozen=True)
class _Outcome:
    reason_code: str
    facts: Facts


def decide(
    intent: str | Intent,
    order: Order | None,
    seller: Seller | None,
    now: datetime,
    answer: ProductAnswer | None = None,
    *,
    buyer_id: str | None = None,
    order_id: str | None = None,
    asin: str | None = None,
    claim: str | None = None,
) -> Decision:
    """Route one buyer inquiry.

    `order`/`seller` are None when the order is unknown; `answer` is the fact the
    product detail data gave for a product question; `buyer_id` is the verified
    buyer (None: unknown, no ownership check); `order_id` is the id the buyer typed,
    used in the reason when the order is unknown; `asin` is the item a damaged-item
    inquiry is about (None: the order's only item, else not known); `claim` is
    what the buyer says happened beside their question (bot.domain.reasons:
    the order never came, or the refund did not). Raises UnknownIntent.
    """
    if claim is not None and claim not in CLAIMS:
        raise ValueError(f"unknown claim {claim!r}")
    parsed = parse_intent(intent)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive now {now!r}: times must be aware UTC")
    typed_id = order.id if order is not None else order_id

    # 1. Inquiries that need no order.
    if parsed in _NO_ORDER_REASONS:
        return _decision(parsed, _Outcome(_NO_ORDER_REASONS[parsed], {}), typed_id)

    # 2. Order checks and 3. coverage.
    owned = order is None or buyer_id is None or buyer_id == order.buyer_id
    refused = order_checks(parsed, order, seller, owned=owned, order_id=typed_id)
    if refused is not None:
        return refused
    assert order is not None and seller is not None  # order_checks refuses without

    # 4. Covered orders, by intent.
    base = _coverage_facts(order, coverage(order, seller))
    outcome = _claimed(parsed, order, now, base, claim) or _covered(
        parsed, order, seller, now, answer, base, asin
    )
    return _decision(parsed, outcome, order.id, covered=True)


def order_checks(
    intent: Intent,
    order: Order | None,
    seller: Seller | None,
    *,
    owned: bool,
    order_id: str | None = None,
) -> Decision | None:
    """Rules 2 (unknown, not `owned`, FBA) and 3 (coverage); None when the order
    is known, the asker's, self-fulfilled and covered (bot.domain.transfer too)."""
    if order is None:
        return _decision(intent, _Outcome("order_not_found", {}), order_id)
    if not owned:
        # Reveal nothing about someone else's order: no facts, no coverage.
        return _decision(intent, _Outcome("not_your_order", {}), order_id)
    if Fulfillment(order.fulfillment) is Fulfillment.FBA:
        facts = {"fulfillment": Fulfillment.FBA.value}
        return _decision(intent, _Outcome("fba_order", facts), order.id)
    if seller is None:
        raise ValueError(f"order {order.id} is known but its seller was not given")
    cover = coverage(order, seller)
    if not cover.covered:
        assert cover.reason is not None
        outcome = _Outcome(cover.reason.value, _coverage_facts(order, cover))
        return _decision(intent, outcome, order.id, covered=False)
    return None


# --- rule 4, by intent -------------------------------------------------------


def _covered(
    intent: Intent,
    order: Order,
    seller: Seller,
    now: datetime,
    answer: ProductAnswer | None,
    base: Facts,
    asin: str | None = None,
) -> _Outcome:
    if intent is Intent.DELIVERY_STATUS:
        return _delivery_status(order, now, base)
    if intent in (Intent.RETURN_REFUND, Intent.DAMAGED_ITEM):
        return _return(intent, order, seller, now, base, asin)
    if intent in _SELLER_REQUEST_REASONS:
        return _cancel_or_change(intent, order, base)
    if intent is Intent.PRODUCT_QUESTION:
        return _product_question(order, answer, base)
    raise UnknownIntent(f"no rule for intent {intent.value!r}")  # pragma: no cover


def _claimed(
    intent: Intent, order: Order, now: datetime, base: Facts, claim: str | None
) -> _Outcome | None:
    """A delivery, return or cancellation question with a claim beside it:
    - the order never came: a delivered order is a case for the seller (never
      "Good news: delivered"); one on its way gets its delivery status, even
      when a refund was asked (late: the late delivery's case);
    - the refund did not come: the seller's to tell (a case).
    None: no claim, or one the intent does not weigh (the rule by intent)."""
    if claim == CLAIM_NOT_RECEIVED and intent in _ORDER_CLAIM_INTENTS:
        if OrderStatus(order.status) is OrderStatus.DELIVERED:
            facts = {**base, **_shipment_facts(order)}
            return _Outcome("delivered_not_received", facts)
        return _delivery_status(order, now, base)
    if claim == CLAIM_REFUND_MISSING and intent in _REFUND_CLAIM_INTENTS:
        return _Outcome("refund_status", {**base, **_shipment_facts(order)})
    return None


# "I didn't receive my cutting board" is read as a damaged (or missing) item.
_ORDER_CLAIM_INTENTS = frozenset(
    {Intent.DELIVERY_STATUS, Intent.RETURN_REFUND, Intent.DAMAGED_ITEM}
)
_REFUND_CLAIM_INTENTS = frozenset(
    {Intent.DELIVERY_STATUS, Intent.RETURN_REFUND, Intent.CANCEL_ORDER}
)


def _delivery_status(order: Order, now: datetime, base: Facts) -> _Outcome:
    status = OrderStatus(order.status)
    facts = {**base, **_shipment_facts(order)}
    if status is OrderStatus.CANCELLED:
        return _Outcome("order_cancelled", facts)
    if status is OrderStatus.DELIVERED:
        return _Outcome("delivered", facts)
    if is_late(order, now):
        return _Outcome("late_delivery", facts)
    if status is OrderStatus.SHIPPED:
        return _Outcome("in_transit", facts)
    return _Outcome("not_shipped_yet", facts)


def is_late(order: Order, now: datetime) -> bool:
    """Not delivered once the promised delivery day (marketplace time) is over."""
    if order.promised_delivery_by is None:
        return False
    if OrderStatus(order.status) in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        return False
    promised_day = marketplace_date(order.promised_delivery_by)
    return now >= end_of_marketplace_day(promised_day)


def _return(
    intent: Intent,
    order: Order,
    seller: Seller,
    now: datetime,
    base: Facts,
    asin: str | None = None,
) -> _Outcome:
    status = OrderStatus(order.status)
    facts = {**base, **_shipment_facts(order)}
    if status is OrderStatus.CANCELLED:
        return _Outcome("order_cancelled", facts)
    if status is not OrderStatus.DELIVERED:
        # A refund asked for an order past its delivery promise is the late
        # delivery the seller must sort out, not "nothing to return yet".
        if is_late(order, now):
            return _Outcome("late_delivery", facts)
        return _Outcome("not_delivered_yet", facts)
    window = return_window(order, seller) if order.delivered_at else None
    if window is not None:
        facts.update(
            {
                "return_method": return_method(seller).value,
                "return_deadline": _date(window.last_day),
                "return_window_closes_at": _instant(window.closes_at),
                "return_window_days": window.days,
                "holiday_extension": window.holiday_extension,
            }
        )
    if intent is Intent.DAMAGED_ITEM:
        return _damaged(order, window, now, facts, asin)
    customized = [item.asin for item in order.items if item.customization]
    if customized:
        return _Outcome("customization", {**facts, "customized_items": customized})
    not_returnable = [item.asin for item in order.items if not item.returnable]
    if not_returnable:
        facts["not_returnable_items"] = not_returnable
        return _Outcome("item_not_returnable", facts)
    if window is None:
        raise ValueError(f"order {order.id} is delivered but has no delivered_at")
    if window.is_open(now):
        return _Outcome("return_window_open", facts)
    return _Outcome("return_window_closed", facts)


def _damaged(
    order: Order,
    window: ReturnWindow | None,
    now: datetime,
    facts: Facts,
    asin: str | None,
) -> _Outcome:
    """A delivered order that arrived damaged, judged for the damaged item only:
    the one named (`asin`), or the order's only item. A customized item keeps
    the customization route. Returnable and inside the window: the return of
    that item (replacement or refund, the buyer chooses). Otherwise, and when
    the item is not known, a case for the seller: damage is not a change of
    mind, so neither "not returnable" nor a closed window turns the buyer away."""
    damaged = [item for item in order.items if asin is not None and item.asin == asin]
    if not damaged and len(order.items) == 1:
        damaged = list(order.items)
    known = bool(damaged)
    judged = damaged if known else list(order.items)
    customized = [item.asin for item in judged if item.customization]
    if customized:
        return _Outcome("customization", {**facts, "customized_items": customized})
    if window is None:
        raise ValueError(f"order {order.id} is delivered but has no delivered_at")
    returnable = known and all(item.returnable for item in damaged)
    window_open = window.is_open(now)
    facts.update(
        {
            "damaged_items": [item.asin for item in judged],
            "damaged_item_known": known,
            "damaged_items_returnable": all(item.returnable for item in judged),
            "return_window_open": window_open,
        }
    )
    if returnable and window_open:
        return _Outcome("damaged_return", facts)
    return _Outcome("damaged_seller_case", facts)


def _cancel_or_change(intent: Intent, order: Order, base: Facts) -> _Outcome:
    status = OrderStatus(order.status)
    facts = {**base, **_shipment_facts(order)}
    if status is OrderStatus.UNSHIPPED:
        return _Outcome(_SELLER_REQUEST_REASONS[intent], facts)
    if status is OrderStatus.CANCELLED:
        return _Outcome("order_cancelled", facts)
    return _Outcome("already_shipped", facts)


def _product_question(
    order: Order, answer: ProductAnswer | None, base: Facts
) -> _Outcome:
    facts = {**base, "asins": [item.asin for item in order.items]}
    if answer is None:
        return _Outcome("detail_page_silent", facts)
    facts.update(
        {
            "answer": answer.text,
            "source": answer.source,
            "score": float(answer.score),
            "asin": answer.asin,
        }
    )
    return _Outcome("answered_from_detail_page", facts)


# --- facts and decisions -----------------------------------------------------


def _coverage_facts(order: Order, cover: Coverage) -> Facts:
    return {
        "order_status": OrderStatus(order.status).value,
        "placed_at": _instant(order.placed_at),
        "coverage_start": _instant(cover.coverage_start),
        "coverage_end": _instant(cover.coverage_end),
    }


def _shipment_facts(order: Order) -> Facts:
    promised = order.promised_delivery_by
    return {
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "shipped_at": _instant(order.shipped_at),
        "delivered_at": _instant(order.delivered_at),
        "promised_delivery_by": _instant(promised),
        "promised_delivery_day": _date(marketplace_date(promised))
        if promised
        else None,
    }


def _decision(
    intent: Intent,
    outcome: _Outcome,
    order_id: str | None,
    *,
    covered: bool | None = None,
) -> Decision:
    code = outcome.reason_code
    facts = {key: _json_ready(value) for key, value in outcome.facts.items()}
    return Decision(
        intent=intent.value,
        route=REASON_CODES[code],
        reason_code=code,
        order_id=order_id,
        covered=covered,
        facts=facts,
    )

"""Every reason code the policy can give, with its route (REASON_CODES), and
the claims a buyer's words can make beside their question (`claim` of
bot.domain.policy.decide; bot.nlp.claims reads them). Pure Python."""

from __future__ import annotations

from bot.domain.model import Route

# The buyer says the order never came ("it says delivered but I never got it").
CLAIM_NOT_RECEIVED = "not_received"
# The buyer asks after money not (yet) refunded ("when do I get my refund?").
CLAIM_REFUND_MISSING = "refund_missing"
CLAIMS = frozenset({CLAIM_NOT_RECEIVED, CLAIM_REFUND_MISSING})

# Every reason code the policy can give, with its route: the one declaration.
# domain.yml (the `outcome` slot, one utter_reason_<code> each), data/rules/ and the
# catalogue's `reason.<code>` are checked against it (tests/unit/test_reason_codes.py).
REASON_CODES: dict[str, Route] = {
    # 1. no order needed
    "pre_order": Route.BUYER_SELLER_MESSAGING,
    "invoice": Route.BUYER_SELLER_MESSAGING,
    "customization": Route.BUYER_SELLER_MESSAGING,  # also: returning a customized item
    "buyer_asked_for_agent": Route.AGENT,
    # 2. order checks
    "order_not_found": Route.BOT,
    "not_your_order": Route.BOT,
    "fba_order": Route.BUYER_SELLER_MESSAGING,
    # 3. coverage
    "seller_not_enrolled": Route.BUYER_SELLER_MESSAGING,
    "placed_after_opt_out": Route.BUYER_SELLER_MESSAGING,
    "placed_before_enrollment": Route.BUYER_SELLER_MESSAGING,
    # 4. covered orders
    "order_cancelled": Route.BOT,
    "delivered": Route.BOT,
    "late_delivery": Route.SELLER_CASE,
    # delivered, but the buyer says it never came (bot.nlp.claims)
    "delivered_not_received": Route.SELLER_CASE,
    # the buyer asks after a refund (bot.nlp.claims): the seller knows
    "refund_status": Route.SELLER_CASE,
    "in_transit": Route.BOT,
    "not_shipped_yet": Route.BOT,
    "not_delivered_yet": Route.BOT,
    "item_not_returnable": Route.SELLER_CASE,
    "return_window_open": Route.BOT,
    "damaged_return": Route.BOT,  # the damaged item(s) only; replacement or refund
    "damaged_seller_case": Route.SELLER_CASE,  # damaged, but no standard return
    "return_window_closed": Route.SELLER_CASE,
    "cancel_request": Route.SELLER_CASE,
    "already_shipped": Route.BOT,
    "address_change_request": Route.SELLER_CASE,
    "answered_from_detail_page": Route.BOT,
    "detail_page_silent": Route.SELLER_CASE,
}

# A seller case is kept by order and topic: one open case per order and topic
# (bot.services.cases.open_case). The topic is what the buyer asked (the
# decision's intent), except for these reasons, which answer another question
# than the one asked: "i want a refund" or "got the wrong one" for an order
# that has not come yet is the lateness the seller already has a case about
# ("where is it?"), and "when do I get my money?" is a refund whatever it was
# asked as.
CASE_TOPICS: dict[str, str] = {
    "late_delivery": "delivery_status",
    "delivered_not_received": "delivery_status",
    "refund_status": "return_refund",
}


def case_topic(intent: str, reason_code: str) -> str:
    """The topic a case of this decision is kept under (its category)."""
    return CASE_TOPICS.get(reason_code, intent)

"""A seller's transfer to CSBA (bot.domain.transfer, issue 17 part 2): CSBA takes
the seller's own, self-fulfilled, covered orders, with the policy's decision on
the buyer's question; otherwise the refusal's reason code. Expectations written
by hand from the seed's rules."""

from __future__ import annotations

import pytest

from bot.domain.model import Route
from bot.domain.policy import UnknownIntent
from bot.domain.transfer import accepted, decide_transfer
from tests.unit.test_policy import (
    ENROLLED,
    NOW,
    OPTED_OUT_PERIOD,
    ORDER_ID,
    PLACED,
    SELLER_ID,
    make_order,
    make_seller,
)


def transfer(intent: str, order=None, seller=None, *, by: str = SELLER_ID):
    order = make_order() if order is None else order
    seller = make_seller(ENROLLED) if seller is None else seller
    return decide_transfer(
        intent, order, seller, NOW, transferred_by=by, order_id=ORDER_ID
    )


@pytest.mark.parametrize(
    ("intent", "code", "route"),
    [
        ("return_refund", "return_window_open", Route.BOT),
        ("delivery_status", "delivered", Route.BOT),
        ("product_question", "detail_page_silent", Route.SELLER_CASE),
        ("human_agent", "buyer_asked_for_agent", Route.AGENT),
    ],
)
def test_csba_takes_the_sellers_own_covered_order(intent, code, route):
    decision = transfer(intent)
    assert (decision.reason_code, decision.route) == (code, route)
    assert decision.covered in (True, None)
    assert accepted(decision)


def test_a_late_unshipped_cancel_is_a_seller_case():
    decision = transfer("cancel_order", make_order("unshipped"))
    assert decision.reason_code == "cancel_request"
    assert accepted(decision)


@pytest.mark.parametrize(
    ("order", "seller", "code"),
    [
        (make_order(fulfillment="fba"), None, "fba_order"),
        (None, make_seller(), "seller_not_enrolled"),
        (
            make_order(placed_at=PLACED),
            make_seller(OPTED_OUT_PERIOD),
            "placed_after_opt_out",
        ),
    ],
)
def test_an_order_csba_does_not_cover_is_refused_whatever_the_buyer_asks(
    order, seller, code
):
    for intent in ("delivery_status", "human_agent", "pre_order"):
        decision = transfer(intent, order, seller)
        assert decision.reason_code == code, intent
        assert decision.route is Route.BUYER_SELLER_MESSAGING
        assert not accepted(decision)


@pytest.mark.parametrize(
    ("intent", "code"),
    [
        ("invoice", "invoice"),
        ("pre_order", "pre_order"),
        ("customization", "customization"),
    ],
)
def test_a_question_csba_does_not_answer_is_refused(intent, code):
    decision = transfer(intent)
    assert decision.reason_code == code
    assert not accepted(decision)


def test_another_sellers_order_is_refused_as_not_found_and_reveals_nothing():
    decision = transfer("delivery_status", by="S-OTHER")
    assert decision.reason_code == "order_not_found"
    assert decision.facts == {} and decision.covered is None
    assert decision.order_id == ORDER_ID
    assert not accepted(decision)


def test_an_unknown_order_is_refused():
    decision = decide_transfer(
        "return_refund", None, None, NOW, transferred_by=SELLER_ID, order_id=ORDER_ID
    )
    assert decision.reason_code == "order_not_found"
    assert not accepted(decision)


def test_an_intent_the_policy_does_not_route_is_an_error():
    with pytest.raises(UnknownIntent):
        transfer("greet")

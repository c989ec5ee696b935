"""A seller transfers a buyer's inquiry to CSBA (issue 17, part 2): whether
CSBA takes it, and the decision it takes. Pure Python, no I/O.

CSBA takes a transfer when the order is the seller's own, self-fulfilled and
covered (bot.domain.policy.order_checks, whatever the buyer asks), and the
buyer's question is one CSBA answers: the policy's route for it is not
Buyer-Seller Messaging (a pre-order question, an invoice, a customization).
Otherwise the seller is told why, with the policy's reason code.

An order of another seller is refused as `order_not_found`, the same as an
order that does not exist: a seller learns nothing about other sellers' orders.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.model import Decision, Order, ProductAnswer, Route, Seller
from bot.domain.policy import decide, order_checks, parse_intent

# Refusals that are about the order, not the buyer's question.
ORDER_REFUSALS = frozenset({"order_not_found", "not_your_order"})


def decide_transfer(
    intent: str,
    order: Order | None,
    seller: Seller | None,
    now: datetime,
    answer: ProductAnswer | None = None,
    *,
    transferred_by: str,
    order_id: str | None = None,
    asin: str | None = None,
    claim: str | None = None,
) -> Decision:
    """The decision on the inquiry that seller `transferred_by` passed on: the
    policy's own decision when the order passes its checks, else the check's
    refusal. Raises UnknownIntent for an intent the policy does not route."""
    parsed = parse_intent(intent)
    if order is not None and order.seller_id != transferred_by:
        order = seller = None  # another seller's order: as if there were none
    refused = order_checks(parsed, order, seller, owned=True, order_id=order_id)
    if refused is not None:
        return refused
    return decide(
        parsed, order, seller, now, answer, order_id=order_id, asin=asin, claim=claim
    )


def accepted(decision: Decision) -> bool:
    """Whether CSBA takes the transferred inquiry decided as `decision`."""
    return (
        decision.reason_code not in ORDER_REFUSALS
        and decision.route is not Route.BUYER_SELLER_MESSAGING
    )

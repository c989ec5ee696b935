"""Triage: look up the order, apply the CSBA policy, and (for the bot) carry
out what the decision implies. The CLI, the Rasa actions and the web app all
come through here.

`triage()` only reads; its decision carries the agent-facing reason sentence
(bot.services.presentation.explained). `record_decision()` writes what a decision implies in the
chat: a return authorisation for an authorised return (bot.services.returns,
idempotent per order and items), a case for a `seller_case` or `agent` route.
A `damaged_return` writes nothing yet: the buyer first chooses a replacement
or a refund (bot.services.returns.resolve_damage), unless that item already
has its authorisation, which is then returned (`DamageRemedy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.adapters.repository import SqlRepository
from bot.adapters.return_store import ReturnAuthorisation
from bot.domain.model import (
    INTENTS_WITHOUT_ORDER,
    CaseKind,
    Decision,
    Intent,
    Order,
    Product,
    ProductAnswer,
    Route,
    Seller,
    normalize_order_id,
)
from bot.domain.policy import UnknownIntent, decide, parse_intent
from bot.domain.reasons import case_topic
from bot.domain.transfer import decide_transfer
from bot.nlp.claims import buyer_claim
from bot.services.case_views import OpenedCase
from bot.services.errors import CatalogueError
from bot.services.presentation import explained
from bot.services.returns import (
    DAMAGED_RETURN,
    DamageRemedy,
    authorise_return,
    damage_already_resolved,
    give_damage_remedy,
)

RETURN_AUTHORISING_CODES = frozenset({"return_window_open", "damaged_return"})

# The tracker slots (domain.yml) that carry a decision's facts into the buyer's reply.
# The triage action sets every one of them on every decision (None when the decision
# has no such fact); the agent console's benchmark seeds them the same way.
DECISION_FACT_SLOTS = (
    "case_created",
    "buyer_due",
    "return_id",
    "carrier",
    "tracking_number",
    "shipped_on",
    "delivered_on",
    "promised_by",
    "return_deadline",
    "return_method",
    "return_address",
    "not_returnable_items",
    "damaged_items",
    "return_resolution",
    "product_title",
    "answer",
    "answer_source",
    "answer_source_name",
)


class TriageError(CatalogueError, ValueError):
    """A request the policy cannot even consider (bad order number, unknown intent).

    Carries a catalogue key and parameters; the entry point renders it. `str()` is
    the key, for the logs."""

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class TriageResult:
    decision: Decision
    order: Order | None
    seller: Seller | None
    answer: ProductAnswer | None = None
    product: Product | None = None


def _intent(intent: str | Intent) -> Intent:
    try:
        return parse_intent(intent)
    except UnknownIntent:
        raise TriageError(
            "cli.error.unknown_intent",
            intent=intent,
            intents=", ".join(i.value for i in Intent),
        ) from None


def best_answer(
    products: list[Product], question: str
) -> tuple[ProductAnswer | None, Product | None]:
    """The highest-scoring answer over the order's products (None when the pages are silent)."""
    from bot.nlp.answers import answer_product_question

    best: tuple[ProductAnswer | None, Product | None] = (None, None)
    for product in products:
        answer = answer_product_question(product, question)
        if answer is not None and (best[0] is None or answer.score > best[0].score):
            best = (answer, product)
    return best


def triage(
    session: Session,
    *,
    intent: str | Intent,
    order_id: str | None,
    now: datetime,
    buyer_id: str | None = None,
    question: str | None = None,
    asin: str | None = None,
    transferred_by: str | None = None,
    claim: str | None = None,
) -> TriageResult:
    """Decide one inquiry. Reads only; records nothing.

    `transferred_by`: the seller who passed the buyer's inquiry on to CSBA
    (bot.domain.transfer: only their own orders, whatever the intent)."""
    intent = _intent(intent)
    repo = SqlRepository(session)

    canonical_id: str | None = None
    if order_id:
        canonical_id = normalize_order_id(order_id)
        if canonical_id is None:
            raise TriageError("cli.error.bad_order_id", order_id=order_id)
    elif intent not in INTENTS_WITHOUT_ORDER:
        raise TriageError("cli.error.order_required", intent=intent.value)

    order = repo.get_order(canonical_id) if canonical_id else None
    seller = repo.get_seller(order.seller_id) if order else None

    answer: ProductAnswer | None = None
    product: Product | None = None
    if intent is Intent.PRODUCT_QUESTION and order is not None and question:
        owned = buyer_id is None or order.buyer_id == buyer_id
        if transferred_by is not None:
            owned = order.seller_id == transferred_by
        if owned:
            products = repo.products_for_order(order.id)
            if asin:
                products = [p for p in products if p.asin == asin]
            answer, product = best_answer(products, question)

    # "it says delivered but I never got it", or what the chat knows (`claim`)
    claim = claim or buyer_claim(question)
    if transferred_by is not None:
        decision = decide_transfer(
            intent.value,
            order,
            seller,
            now,
            answer,
            transferred_by=transferred_by,
            order_id=canonical_id,
            asin=asin,
            claim=claim,
        )
    else:
        decision = decide(
            intent,
            order,
            seller,
            now,
            answer,
            buyer_id=buyer_id,
            order_id=canonical_id,
            asin=asin,
            claim=claim,
        )
    decision = explained(decision)
    return TriageResult(
        decision=decision, order=order, seller=seller, answer=answer, product=product
    )


def record_decision(
    session: Session,
    result: TriageResult,
    *,
    conversation_id: str,
    question: str,
    now: datetime,
    notifier=None,  # noqa: ANN001 - bot.services.notifications.Notifier
    language: str | None = None,
) -> ReturnAuthorisation | OpenedCase | DamageRemedy | None:
    """Write what a decision implies: a return authorisation or a case.

    Returns the ReturnAuthorisation, the OpenedCase (views), the DamageRemedy a
    damaged item already has, or None (for `damaged_return`: the buyer chooses
    the remedy next). A case is marked with the buyer's `language`."""
    from bot.services.cases import open_case

    decision, order, seller = result.decision, result.order, result.seller
    if decision.reason_code in RETURN_AUTHORISING_CODES and order and seller:
        if decision.reason_code == DAMAGED_RETURN:
            return damage_already_resolved(
                session,
                order=order,
                asins=decision.facts["damaged_items"],
                conversation_id=conversation_id,
                question=question,
                now=now,
                notifier=notifier,
                language=language,
            )
        return authorise_return(
            session,
            order=order,
            seller=seller,
            asins=[item.asin for item in order.items],
            reason=decision.reason_code,
            conversation_id=conversation_id,
            now=now,
        )
    if decision.route is Route.SELLER_CASE and order:
        kind = CaseKind.SELLER
    elif decision.route is Route.AGENT:
        kind = CaseKind.AGENT  # answered in the chat; open_case emails no seller
    else:
        return None
    return open_case(
        session,
        conversation_id=conversation_id,
        category=case_topic(decision.intent, decision.reason_code),
        reason_code=decision.reason_code,
        question=question,
        now=now,
        order_id=order.id if order else None,
        seller_id=order.seller_id if order else None,
        buyer_id=order.buyer_id if order else None,
        kind=kind,
        notifier=notifier,
        language=language,
    )


def resolve_damage(
    session: Session,
    *,
    order_id: str,
    asin: str,
    buyer_id: str | None,
    replacement: bool,
    conversation_id: str,
    question: str,
    now: datetime,
    notifier=None,  # noqa: ANN001 - bot.services.notifications.Notifier
    language: str | None = None,
) -> tuple[TriageResult, DamageRemedy | None]:
    """The buyer chose a replacement (`replacement=True`) or a refund for the
    damaged item `asin` of `order_id`, after a `damaged_return` decision.

    The decision is taken again at `now` (the buyer, the item and its window);
    when it is still `damaged_return`, the item's return is authorised as the
    buyer chose, or the authorisation it already has is returned
    (bot.services.returns.give_damage_remedy). Otherwise the remedy is None
    and nothing is written."""
    result = triage(
        session,
        intent=Intent.DAMAGED_ITEM,
        order_id=order_id,
        now=now,
        buyer_id=buyer_id,
        question=question,
        asin=asin,
    )
    order, seller = result.order, result.seller
    if result.decision.reason_code != DAMAGED_RETURN or not order or not seller:
        return result, None
    remedy = give_damage_remedy(
        session,
        order=order,
        seller=seller,
        asins=result.decision.facts["damaged_items"],
        replacement=replacement,
        conversation_id=conversation_id,
        question=question,
        now=now,
        notifier=notifier,
        language=language,
    )
    return result, remedy

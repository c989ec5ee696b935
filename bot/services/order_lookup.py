"""Orders as the chat sees them: the order number in a buyer's words, which
inquiries need an order, the buyer's recent orders, the items a buyer may pick
from, which item the buyer means, and the order a follow-up question without an
order number is offered (the earlier inquiry's, or the one holding the item it
names).

Every read takes the session of the caller's unit of work and returns domain
objects, so an entry point reads an order once per run and passes the `Order`
along (`items_to_choose`, `decide_inquiry` take what was already read). No Rasa
import: the custom actions in actions/ call these.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.adapters import case_store
from bot.adapters.repository import SqlRepository
from bot.domain.model import (
    INTENTS_WITHOUT_ORDER,
    ORDER_ID_IN_TEXT,
    Intent,
    Order,
    OrderStatus,
    Product,
    normalize_order_id,
)
from bot.nlp.addresses import has_street_address
from bot.nlp.choices import chosen_order, mentions_a_date, placed_on
from bot.nlp.follow_up import asks_for_update, corrects
from bot.nlp.item_names import (
    NamedItem,
    item_words,
    product_word,
)
from bot.services.triage import TriageResult, triage

# Every business intent the policy routes, by name.
BUSINESS_INTENTS = frozenset(intent.value for intent in Intent)

# Intents a buyer may switch to in the middle of the order form: every business
# intent but a product question (it has its own "have you ordered it?" step) and
# asking for a person (that leaves the form).
SWITCHABLE_INTENTS = BUSINESS_INTENTS - {
    Intent.PRODUCT_QUESTION.value,
    Intent.HUMAN_AGENT.value,
}

# How much of a message is searched for an order number.
MAX_SCANNED_CHARS = 2000

# How many of a buyer's latest orders an item name is looked for in.
NAMED_ITEM_ORDERS = 10

# Whether a question names a product the shop sells: at most this many of its
# words are looked for, in at most this many titles (the first by ASIN).
MAX_NAMING_WORDS = 40
MAX_NAMING_TITLES = 1000

_WORD = re.compile(r"\w{3,}")


# --- intents and order numbers --------------------------------------------------------


def needs_order(intent: str | None) -> bool:
    """Whether the policy needs an order for this intent."""
    if intent not in BUSINESS_INTENTS:
        return False
    return Intent(intent) not in INTENTS_WITHOUT_ORDER


def switches_inquiry(intent: str | None, pending: str | None) -> bool:
    """Whether `intent` is a new question replacing the inquiry being served."""
    return intent in SWITCHABLE_INTENTS and intent != pending


def _order_ids(*texts: Any) -> Iterator[str]:
    """The order numbers in `texts` (entity values, then free text), in their
    canonical form and in the order they come: a text that is an order number
    as a whole, else the order numbers inside it."""
    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        text = text[:MAX_SCANNED_CHARS]
        canonical = normalize_order_id(text)
        if canonical:
            yield canonical
            continue
        folded = unicodedata.normalize("NFKC", text)
        for match in ORDER_ID_IN_TEXT.finditer(folded):
            canonical = normalize_order_id(match.group(0))
            if canonical:
                yield canonical


def find_order_id(*texts: Any) -> str | None:
    """The first order number in `texts` (entity values, then free text), in its
    canonical form; None when there is none."""
    return next(_order_ids(*texts), None)


def order_ids_in(*texts: Any) -> list[str]:
    """Every distinct order number in `texts` (entity values, free text), in
    canonical form, in the order they come."""
    return list(dict.fromkeys(_order_ids(*texts)))


def order_picked_in_words(
    text: str | None, orders: Sequence[Order], *, by_status: bool = True
) -> str | None:
    """The order of `orders` that `text` picks by its place, its age, the end
    of its number, the day it was placed or (`by_status`) what became of it
    ("the newer one", "the one from september", "the one that hasn't
    shipped": bot.nlp.choices); None when the words pick none, or several.
    Not by status in a request itself: "my tumbler arrived dented" says how
    it came, not which order."""
    return chosen_order(
        text,
        *_placed(orders),
        [OrderStatus(o.status).value for o in orders] if by_status else (),
    )


def order_placed_on(text: str | None, orders: Sequence[Order]) -> str | None:
    """The order of `orders` that a request names by the day it was placed
    ("where is my nov 18 order", "my nov 10 kettle order": the words between
    are those of their items' titles; bot.nlp.choices.placed_on); None when
    none or several."""
    if not mentions_a_date(text):
        return None
    titled = [item.title for order in orders for item in order.items if item.title]
    words = {word for title in titled for word in item_words(title, spanish=False)}
    words |= {word for title in titled for word in title.lower().split()}
    return placed_on(text, *_placed(orders), item_words=words)


def _placed(
    orders: Sequence[Order],
) -> tuple[list[tuple[str, datetime]], list[date]]:
    """Each order's (id, time placed), and the marketplace day it was placed
    (the day its button shows), as bot.nlp.choices reads them."""
    from bot.services.presentation import marketplace_day

    return (
        [(o.id, o.placed_at) for o in orders],
        [marketplace_day(o.placed_at) for o in orders],
    )


def is_buyers_order(order: Order | None, buyer_id: str | None) -> bool:
    """The order exists and is the buyer's (any order when the buyer is unknown)."""
    return order is not None and (buyer_id is None or order.buyer_id == buyer_id)


# --- reads ------------------------------------------------------------------------------


def load_order(session: Session, order_id: str) -> Order | None:
    """The order with its items, or None."""
    return SqlRepository(session).get_order(order_id)


def recent_orders(session: Session, buyer_id: str, *, limit: int) -> list[Order]:
    """The buyer's latest orders, newest first."""
    return SqlRepository(session).recent_orders_for_buyer(buyer_id, limit=limit)


def orders_to_search(
    session: Session,
    buyer_id: str | None,
    *,
    has_token: bool,
    verified: Sequence[str],
) -> list[Order]:
    """The orders a chat may look into, where an item the buyer names is
    looked for: a buyer with a token, their NAMED_ITEM_ORDERS latest; an
    anonymous buyer, the orders whose ZIP code the chat verified (whoever's
    they are: the policy judges that)."""
    if has_token and buyer_id:
        return recent_orders(session, buyer_id, limit=NAMED_ITEM_ORDERS)
    orders = [load_order(session, order_id) for order_id in verified]
    return [order for order in orders if order is not None]


def items_to_choose(
    session: Session, order: Order | None, buyer_id: str | None
) -> list[Product]:
    """The distinct products of `order` (already read) in the order of its lines,
    when it is the buyer's; [] otherwise, so someone else's items are never shown."""
    if not is_buyers_order(order, buyer_id):
        return []
    return SqlRepository(session).products_for_order(order.id)


def match_item(answer: str, products: Sequence[Product]) -> str | None:
    """The ASIN of the product `answer` (cleaned text) names: its ASIN, its number
    in the list (1, 2, ...), or the one product whose title shares the most words
    with it. None when nothing (or more than one product equally) matches."""
    answer = answer.casefold()
    if not answer:
        return None
    for product in products:
        if answer == product.asin.casefold():
            return product.asin
    if answer.isdigit() and 1 <= int(answer) <= len(products):
        return products[int(answer) - 1].asin
    words = set(_WORD.findall(answer))
    scores = []
    for product in products:
        title_words = set(_WORD.findall(product.title.casefold()))
        scores.append((len(words & title_words), product.asin))
    scores.sort(reverse=True)
    if (
        scores
        and scores[0][0] > 0
        and (len(scores) == 1 or scores[1][0] < scores[0][0])
    ):
        return scores[0][1]
    return None


# --- which order the buyer's words name ---------------------------------------------------


def order_to_offer(
    session: Session,
    *,
    order_id: str | None,
    buyer_id: str | None,
    asin: str | None,
    question: str,
    has_token: bool,
    verified: Sequence[str],
) -> NamedItem | None:
    """The order a product question that gives none is offered, with the item
    to name it by. `order_id` is the order an earlier inquiry of the chat was
    about; the caller has checked that the chat may look into it (a token, or
    its ZIP code verified in this chat: actions/triage.py, `order_unlocked`).

    What the question names is what an item is (`product_word`: "the tent",
    "the kettle"), not any word of its title: "is it food safe?" asks about the
    item the chat is about, not the food storage bags.
    - It names no item, or an item of that order, or it refers back to the
      item ("can i use IT with my usb hub?"): that order, named by that item,
      else by the one asked about before (`asin`), else by its first.
    - It names an item of one other order of the buyer's that the chat may
      look into (`orders_to_search`): that order.
    - Otherwise None, the plain "have you ordered it?": the item is in several
      of those orders, or in none though the shop sells it ("does the tent have
      a rain fly?" after a question about a tumbler).
    Only this known buyer's own orders are offered."""
    if not order_id or buyer_id is None:
        return None
    order = load_order(session, order_id)
    if order is None or order.buyer_id != buyer_id:
        return None
    titled = [item for item in order.items if item.title]
    if not titled:
        return None
    said = item_words(question[:MAX_SCANNED_CHARS])
    named = [item for item in titled if product_word(item.title) in said]
    # "can i use it with my usb hub?": "it" is the item the chat is about, and
    # the hub only what it goes with
    kinds = (
        _kinds_sold(session, said)
        if said and not named and not _REFERS_BACK.search(question)
        else set()
    )
    if kinds:
        searched = orders_to_search(
            session, buyer_id, has_token=has_token, verified=verified
        )
        holding = [
            NamedItem(other.id, item.asin, item.title)
            for other in searched
            if other.buyer_id == buyer_id and other.id != order.id
            for item in other.items
            if item.title and product_word(item.title) in kinds
        ]
        if len({item.order_id for item in holding}) == 1:
            return holding[0]
        return None
    choice = named or titled
    item = next((i for i in choice if i.asin == asin), choice[0])
    return NamedItem(order.id, item.asin, item.title)


_REFERS_BACK = re.compile(r"\b(?:it|its|it's|this|these|they|them)\b", re.IGNORECASE)


def _kinds_sold(session: Session, said: set[str]) -> set[str]:
    """The words of `said` that name a product the shop sells by what it is
    (`product_word`), looked for in the titles that hold one of them (without
    a last "y": the title may say "Batteries")."""
    stems = {w[:-1] if len(w) > 3 and w.endswith("y") else w for w in said}
    words = sorted(stems)[:MAX_NAMING_WORDS]
    titles = SqlRepository(session).titles_containing(words, MAX_NAMING_TITLES)
    return said & {product_word(title) for title in titles}


# --- the decision -------------------------------------------------------------------------


def decide_inquiry(
    session: Session,
    *,
    intent: str,
    order_id: str | None,
    now: datetime,
    buyer_id: str | None,
    question: str,
    asin: str | None,
    claim: str | None = None,
) -> TriageResult:
    """`triage()` for the chat. An order the intent does not need (an invoice, a
    person...) is part of the decision, and of a case, only when it is the
    buyer's: otherwise the inquiry is decided without it. The order is read once,
    by `triage()`, and its ownership judged on what it read. `claim`: what the
    chat knows the buyer claims beside the words (bot.domain.reasons)."""

    def decide(order_id: str | None) -> TriageResult:
        return triage(
            session,
            intent=intent,
            order_id=order_id,
            now=now,
            buyer_id=buyer_id,
            question=question,
            asin=asin,
            claim=claim,
        )

    result = decide(order_id)
    if (
        order_id
        and not needs_order(intent)
        and not is_buyers_order(result.order, buyer_id)
    ):
        result = decide(None)
    return result


ADDRESS_CHANGE_REQUEST = "address_change_request"


def needs_new_address(
    session: Session,
    *,
    order_id: str,
    now: datetime,
    buyer_id: str | None,
    question: str,
) -> bool:
    """An address change whose words hold no address ("I need to change the
    shipping address"), on an order whose change the policy asks of the seller:
    the new address is asked for, so that the seller's case holds it. A shipped,
    cancelled or uncovered order gets its answer without being asked, and so
    does a question about how an open address change is going ("any update on
    my address change?") or a correction of it ("it should be 125 Main St not
    123"): it joins that case. A new request while one is open
    is asked for its address: it may be another one."""
    if has_street_address(question):
        return False
    if (
        asks_for_update(question) or corrects(question)
    ) and case_store.open_case_exists(
        session, order_id=order_id, category=Intent.CHANGE_ADDRESS.value
    ):
        return False
    result = decide_inquiry(
        session,
        intent=Intent.CHANGE_ADDRESS.value,
        order_id=order_id,
        now=now,
        buyer_id=buyer_id,
        question=question,
        asin=None,
    )
    return result.decision.reason_code == ADDRESS_CHANGE_REQUEST

"""What one run of the order form's validation knows (its vocabulary, the
`form_notice` and `inquiry_halt` values, is in actions/form_vocabulary.py).

- `verified_orders` and `order_unlocked`: which orders this conversation may
  look into;
- `OrderFormTurn`: one run of `validate_order_form` (actions/orders.py): this
  message's slot candidates, the inquiry, and the order it is about, read at
  most once per run through bot.services.order_lookup, in one unit of work.
  The checks that concern the whole form (leaving it, switching to another
  question) are here (item names: actions/form_items.py); the rules
  themselves are in bot/services.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.base import (
    MAX_ANSWER_CHARS,
    REQUESTED_SLOT,
    BotServices,
    Turn,
    clean_text,
    entity_values,
)
from actions.form_items import ItemNaming
from actions.form_vocabulary import (
    ASK_FOR_PERSON,
    CANCEL_ORDER,
    CHANGE_ADDRESS,
    HALT_CANCELLED,
    HALT_VERIFICATION_FAILED,
    HALTS,
    NEW_ADDRESS,
    NO,
    PRODUCT_QUESTION,
    STOP_INTENTS,
    YES,
)
from bot.domain.model import Intent, Order, Product
from bot.nlp.addresses import looks_like_address
from bot.nlp.answers import asks_something
from bot.nlp.follow_up import refuses_cancellation
from bot.nlp.item_names import named_items
from bot.services.follow_ups import cancellation_of_the_chat
from bot.services.identity import MAX_ZIP_ATTEMPTS, postal_code_in
from bot.services.order_lookup import (
    find_order_id,
    items_to_choose,
    load_order,
    needs_new_address,
    needs_order,
    order_ids_in,
    switches_inquiry,
)
from bot.services.verification import (
    VerificationLimits,
    early_verdict,
    limits_for,
)

_ASIN = re.compile(r"[A-Z0-9]{10}")

log = logging.getLogger(__name__)


def verified_orders(tracker: Tracker) -> list[str]:
    """The orders whose ZIP code an anonymous buyer proved in this conversation."""
    value = tracker.get_slot("verified_orders")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def order_unlocked(order_id: str | None, tracker: Tracker, turn: Turn) -> bool:
    """May the bot look into this order in this conversation? A buyer with a
    token may (the policy checks it is theirs); an anonymous buyer once the ZIP
    code of this very order was verified."""
    if not order_id:
        return False
    return turn.has_token or order_id in verified_orders(tracker)


# --- one run of the form ------------------------------------------------------------


class OrderFormTurn(ItemNaming):
    """What one run of validate_order_form knows: this message's slot
    candidates, the inquiry, and the order it is about, read at most once in
    the run's one unit of work (opened on first use, closed by `act`)."""

    def __init__(
        self,
        tracker: Tracker,
        turn: Turn,
        services: BotServices,
        unit_of_work: contextlib.ExitStack,
    ) -> None:
        self.turn = turn
        self.services = services
        self.candidates: dict[str, Any] = tracker.slots_to_validate()
        self.requested: str | None = tracker.get_slot(REQUESTED_SLOT)
        self.pending: str | None = tracker.get_slot("pending_intent")
        said = order_ids_in(*entity_values(tracker, "order_id"), turn.text)
        # Several order numbers in one message: none of them is the answer
        # (Rasa fills the slot with one of them; action_start_inquiry asks which)
        self.found_order = (
            find_order_id(
                *entity_values(tracker, "order_id"), self.candidates["order_id"]
            )
            if "order_id" in self.candidates and len(said) < 2
            else None
        )
        self.answer = clean_text(turn.text, MAX_ANSWER_CHARS)
        # an order number in this very message (the candidate may also be the
        # order the previous inquiry left, set again by action_start_inquiry)
        self.said_order = said[0] if len(said) == 1 else None
        self.several_orders = len(said) > 1
        self.asks_which_order = False
        # Another product question instead of the answer (`switch`): asked again
        # plainly, without "that doesn't look like an order number".
        self.new_question = False
        self.verified = verified_orders(tracker)
        self.attempts = int(tracker.get_slot("zip_attempts") or 0)
        self.buyer_id = turn.buyer_id
        self._has_ordered_slot = tracker.get_slot("has_ordered")
        self._order_id_slot = tracker.get_slot("order_id")
        self._choices = tracker.get_slot("order_choices")
        self.item_in_question = bool(tracker.get_slot("named_item"))
        self._unit_of_work = unit_of_work
        self._session: Session | None = None
        self._orders: dict[str, Order | None] = {}
        self._items: dict[str, list[Product]] = {}
        self._limits: VerificationLimits | None = None
        self._early_halt: tuple[str | None] | None = None

    # -- the whole form ----------------------------------------------------------------

    def answers(self) -> bool:
        """Whether the message looks like an answer to the question asked, whatever
        its intent (a ZIP code or an item code can be classified as anything)."""
        if self.requested == "order_id":
            return self.found_order is not None
        if self.requested == NEW_ADDRESS:
            return looks_like_address(self.answer)
        if self.requested in ("zip_code", "product_asin"):
            text = self.answer
            if _ASIN.fullmatch(text):
                return True
            if asks_something(text):  # "does the 20 oz one keep drinks cold?"
                return self.requested == "zip_code" and postal_code_in(text) != text
            return any(char.isdigit() for char in text)
        return False

    def leaving(self) -> dict[str, Any] | None:
        """The buyer wants a person, or wants to stop, instead of answering."""
        if not self.requested or self.answers():
            return None
        intent = self.turn.intent
        if intent == ASK_FOR_PERSON:
            return {
                "pending_intent": ASK_FOR_PERSON,
                "zip_code": None,
                NEW_ADDRESS: None,
            }
        if intent in STOP_INTENTS and (
            self.requested != "has_ordered" or intent != "deny"
        ):
            return {"inquiry_halt": HALT_CANCELLED, "zip_code": None, NEW_ADDRESS: None}
        return None

    def switch(self) -> dict[str, Any]:
        """A new question instead of (or beside) the answer, e.g. "actually, where
        is my order 112-...?" while asked for the order of a cancellation: the new
        business intent replaces the one being served, in the buyer's new words."""
        intent = self.turn.intent
        if (
            self.requested
            and switches_inquiry(intent, self.pending)
            and (self.requested == "order_id" or not self.answers())
        ):
            self.pending, self.new_question = intent, True  # no "not an order number"
            # an item's orders stay the choice while the new words name none
            kept = isinstance(self._choices, list) and len(self._choices) > 1
            kept = kept and not named_items(self.answer, self._orders_to_search())
            values = {"pending_intent": intent, "inquiry_text": self.turn.text}
            if intent == CANCEL_ORDER and refuses_cancellation(self.answer):
                values |= self._cancellation_taken_back()  # "no wait, don't cancel it"
            return (
                values if kept else values | {"order_choices": None, "named_item": None}
            )
        # Another product question while asked whether, or which, order or item
        # it is about, or the ZIP code ("can i microwave it" instead of the
        # order number): the buyer's latest question is the one served, and the
        # form asks its question again, unless it names an item the order does
        # not hold.
        if (
            self.requested in ("has_ordered", "order_id", "zip_code", "product_asin")
            and intent == self.pending == PRODUCT_QUESTION
            and self.said_order is None
            and not self.answers()
            and asks_something(self.answer)
        ):
            self.new_question = True
            values = {"inquiry_text": self.turn.text}
            if self.requested == "product_asin":
                values.update(self._item_elsewhere())
            return values
        return {}

    def _cancellation_taken_back(self) -> dict[str, Any]:
        """The order of the chat's one open cancellation case, found: the one
        "don't cancel it" is about, whatever the form was asking."""
        try:
            order_id = cancellation_of_the_chat(
                self.session, conversation_id=self.turn.conversation_id
            )
        except SQLAlchemyError:
            self._read_failed("the chat's cancellation")
            return {}
        if order_id is None:
            return {}
        self.found_order = self._order_id_slot = order_id
        return {"order_id": order_id}

    def _read_failed(self, what: str) -> None:
        log.exception("Cannot read %s", what)  # the next read opens a session
        self._unit_of_work.close()
        self._session = None

    # -- the slots as this message leaves them ------------------------------------------

    @property
    def has_ordered(self) -> str | None:
        if self.found_order is not None and self.pending == PRODUCT_QUESTION:
            return YES
        if "has_ordered" in self.candidates:
            said = self.candidates["has_ordered"]  # by action_start_inquiry:
            if self.requested != "has_ordered" and said in (YES, NO):
                return said  # "the kettle i bought"
            return {"affirm": YES, "deny": NO}.get(self.turn.intent or "")
        return self._has_ordered_slot

    @property
    def order_id(self) -> str | None:
        """An order number may come at any question (a new one, or a correction):
        it is then the order to verify."""
        if self.found_order is not None:
            return self.found_order
        if "order_id" in self.candidates:
            return None
        return self._order_id_slot

    @property
    def ends_without_order(self) -> bool:
        """The buyer has not ordered it, or the inquiry needs no order: the
        form ends whatever else the message says."""
        return self.has_ordered == NO or not needs_order(self.pending)

    @property
    def needs_zip(self) -> bool:
        order_id = self.order_id
        return (
            bool(order_id) and not self.turn.has_token and order_id not in self.verified
        )

    # -- reads, once per run -----------------------------------------------------------

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._unit_of_work.enter_context(self.services.session())
        return self._session

    @property
    def limits(self) -> VerificationLimits:
        if self._limits is None:
            self._limits = limits_for(self.services.engine)
        return self._limits

    def order(self) -> Order | None:
        order_id = self.order_id
        if order_id not in self._orders:
            self._orders[order_id] = load_order(self.session, order_id)
        return self._orders[order_id]

    def early_halt(self) -> str | None:
        """Why the form stops before a ZIP code is asked for or checked: the
        conversation's wrong answers are used up, or a verification limit
        (locked before the buyer types a ZIP: say so now, ask for nothing)."""
        if self._early_halt is None:
            if self.attempts >= MAX_ZIP_ATTEMPTS:
                halt = HALT_VERIFICATION_FAILED
            else:
                verdict = early_verdict(
                    self.limits, self.order_id, self.turn.client_key
                )
                halt = HALTS.get(verdict)
            self._early_halt = (halt,)
        return self._early_halt[0]

    def item_choice(self) -> list[Product]:
        """The items a product question, or a damaged item, on this order picks
        from: those of an order of several items that the bot may look into and
        that is the buyer's; [] when there is no choice to make."""
        if (
            self.pending not in (PRODUCT_QUESTION, Intent.DAMAGED_ITEM.value)
            or not self.order_id
            or self.needs_zip
            or self.has_ordered == NO
        ):
            return []
        if self.order_id not in self._items:
            items = items_to_choose(self.session, self.order(), self.buyer_id)
            self._items[self.order_id] = items if len(items) > 1 else []
        return self._items[self.order_id]

    def named_asin(self, text: str) -> str | None:
        """The one item of the order to choose from (`item_choice`) that the
        buyer's words name ("the lid arrived cracked": the tumbler with lid);
        None when they name none of them, or several."""
        choice = {product.asin for product in self.item_choice()}
        order = self.order() if choice else None
        if order is None or not text:
            return None
        named = {item.asin for item in named_items(text, [order])} & choice
        return named.pop() if len(named) == 1 else None

    def asks_new_address(self, question: str) -> bool:
        """An address change, on an order whose change goes to the seller, asked
        without the new address: the form asks for it (order_lookup)."""
        if self.pending != CHANGE_ADDRESS or not self.order_id or self.needs_zip:
            return False
        return needs_new_address(
            self.session,
            order_id=self.order_id,
            now=self.turn.now,
            buyer_id=self.buyer_id,
            question=question,
        )

"""The order form: which order, is it the buyer's, and (product questions) which item.

`order_form` asks, as the inquiry needs:

1. `has_ordered` - product questions only, when no order number was given: "have
   you ordered it?" (yes/no buttons). No means a pre-order question. A follow-up
   question is offered the order of the chat's previous inquiry as a button
   (`action_ask_has_ordered`, actions/product.py), beside "Yes, another order"
   and "No, not ordered yet"; it is never taken without the buyer's click.
2. `order_id` - the order number, normalised to ddd-ddddddd-ddddddd; anything
   else is re-asked politely. A buyer with a token is offered their recent
   orders as buttons (`action_ask_order_id`, actions/order_questions.py).
3. `zip_code` - anonymous buyers only: the ZIP code of the order's shipping
   address. `MAX_ZIP_ATTEMPTS` wrong answers in a conversation end the inquiry
   with `utter_verification_failed` and disclose nothing. Across conversations,
   bot.services.verification limits the failures per order (5 in 24 h: then
   the order is locked, `utter_verification_locked`, even for the right ZIP)
   and per client address (10 an hour, `utter_verification_rate_limited`).
   An unknown order is treated exactly like a wrong ZIP, so order numbers
   cannot be probed. Every
   order of the conversation is verified on its own; the first one makes its
   buyer the conversation's verified buyer (`buyer_id`), and the policy answers
   `not_your_order` for someone else's order.
4. `product_asin` - product questions on an order of several items: which item
   (`action_ask_product_asin`, in actions/product.py). Only asked once the order
   is the buyer's, so the items of someone else's order are never shown.

`validate_order_form` is rasa-sdk's FormValidationAction: one `validate_<slot>`
per slot checks that slot's answer, calling the services in
bot.services.order_lookup and bot.services.verification. Around them, what
concerns the whole form: before, the buyer leaving it (asking for a person,
stopping) or asking something else instead; after, which slot to ask next
(`requested_slot`; None ends the form). It never utters: a re-ask picks its
wording from the `form_notice` slot, and an early end (`inquiry_halt`: failed
verification, the buyer stopping or asking for a person, the database down)
leaves the reply to action_triage, which runs when the form ends.

One run reads each order at most once (`OrderFormTurn`), in one unit of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextvars import ContextVar
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.base import (
    MAX_ANSWER_CHARS,
    REQUESTED_SLOT,
    CsbaAction,
    Turn,
    clean_text,
    slot_events,
)
from actions.form_vocabulary import (
    ASK_FOR_PERSON,
    HALT_SERVICE_UNAVAILABLE,
    HALT_VERIFICATION_FAILED,
    HALTS,
    NEW_ADDRESS,
    NO,
    NOTICE_ADDRESS_NEEDED,
    NOTICE_INVALID_ORDER_ID,
    NOTICE_ORDER_NUMBER_HELP,
    NOTICE_SEVERAL_ORDERS,
    NOTICE_UNKNOWN_ITEM,
    NOTICE_YES_NO,
    NOTICE_ZIP_MISMATCH,
    NOTICE_ZIP_NEEDED,
    PRE_ORDER,
    PRODUCT_QUESTION,
    STOP_INTENTS,
    YES,
)
from actions.order_form import OrderFormTurn
from actions.order_words import chosen_in_words, offered_order_confirmed
from bot.nlp.answers import asks_something
from bot.nlp.order_number_help import lacks_order_number
from bot.services.identity import MAX_ZIP_ATTEMPTS, stated_postal_code
from bot.services.order_lookup import SWITCHABLE_INTENTS, match_item
from bot.services.verification import Verdict, check_zip, zip_guess

log = logging.getLogger(__name__)

# --- the form ---------------------------------------------------------------------

# What the NLU makes of "why do you need that?" at the address question (a
# goodbye, a denial, a question about a product): none of them ends the inquiry
# or starts another; the address is asked for again.
_NOT_LEAVING_THE_ADDRESS = STOP_INTENTS | {PRE_ORDER, PRODUCT_QUESTION}


def _questions_the_address_question(form: OrderFormTurn) -> bool:
    return (
        form.requested == NEW_ADDRESS
        and form.turn.intent in _NOT_LEAVING_THE_ADDRESS
        and not form.answers()
        and asks_something(form.answer)
    )


def _answers_with_an_item(form: OrderFormTurn, chosen: str | None) -> bool:
    """Whether an item named at the order question is looked for before the
    message may leave or switch the inquiry: a statement ("the kettle", "no,
    the tumbler") that the NLU reads as no request of its own (a question
    before buying, small talk), not a new request ("I want to return the
    kettle instead") nor a request for a person."""
    intent = form.turn.intent
    return (
        chosen is None
        and form.requested == "order_id"
        and (
            intent not in SWITCHABLE_INTENTS
            or intent == PRE_ORDER
            or form.only_names_an_item()
        )  # fmt: skip
        and intent != ASK_FOR_PERSON
        and not asks_something(form.answer)
    )


# The run in progress, for the validators rasa-sdk calls (one per worker thread).
_FORM_TURN: ContextVar[OrderFormTurn] = ContextVar("order_form_turn")


def _checked_zip(form: OrderFormTurn, guess: str) -> dict[str, Any]:
    """The slots a ZIP code `guess` for the form's order leaves: verified, a
    halt (the limits), or one more wrong answer."""
    values: dict[str, Any] = {}
    order = form.order()
    verdict = check_zip(form.limits, form.order_id, form.turn.client_key, order, guess)
    if verdict in HALTS:
        return {"inquiry_halt": HALTS[verdict]}
    if verdict is Verdict.VERIFIED:
        form.verified = [*form.verified, form.order_id]
        # wrong answers count for the whole conversation: a right one for
        # another order does not start the count again
        values.update(verified_orders=form.verified)
        if form.buyer_id is None:
            form.buyer_id = order.buyer_id
            values["buyer_id"] = form.buyer_id
        return values
    form.attempts += 1
    values.update(zip_attempts=form.attempts, form_notice=NOTICE_ZIP_MISMATCH)
    if form.attempts >= MAX_ZIP_ATTEMPTS:
        values["inquiry_halt"] = HALT_VERIFICATION_FAILED
    return values


def _form() -> OrderFormTurn:
    return _FORM_TURN.get()


class ValidateOrderForm(CsbaAction, FormValidationAction):
    """Checks every answer of order_form and names the next slot to ask."""

    DROPS_IDLE_CLEARS = False  # Rasa's form loop reads what the validation set

    def name(self) -> str:
        return "validate_order_form"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        with contextlib.ExitStack() as unit_of_work:
            form = OrderFormTurn(tracker, turn, self.services, unit_of_work)
            token = _FORM_TURN.set(form)
            try:
                # The validators are rasa-sdk's; this worker thread has no loop.
                return asyncio.run(self._validate(form, dispatcher, tracker, domain))
            finally:
                _FORM_TURN.reset(token)

    async def _validate(
        self,
        form: OrderFormTurn,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        values: dict[str, Any] = {"form_notice": None}
        if (
            form.requested is None
            and tracker.get_slot("form_notice") == NOTICE_SEVERAL_ORDERS
        ):
            # asked at the start: which of the orders the request named
            values["form_notice"] = NOTICE_SEVERAL_ORDERS
        # "i dont know the order number" is no "no, stop" (the NLU's deny) and
        # no new question: where to find it, and the question again (unless
        # the buyer asks for a person, or names the item instead)
        helps = (
            form.requested == "order_id"
            and form.turn.intent != ASK_FOR_PERSON
            and lacks_order_number(form.turn.text)
        )
        if _questions_the_address_question(form):
            values.update({"form_notice": NOTICE_ADDRESS_NEEDED, NEW_ADDRESS: None})
            return self._next_slot(form, tracker, values)
        chosen = chosen_in_words(form, tracker)
        if chosen is not None:
            form.found_order = chosen  # validate_order_id takes it
        confirmed = offered_order_confirmed(form, tracker)
        if confirmed is not None:  # a typed "yes" to the order offered
            form.found_order = chosen = confirmed
            values.update(order_id=confirmed, order_choices=None)
        # "the kettle" at "Which order is it about?": the item picks the order,
        # even when the NLU reads the words as a question before buying
        named = form.named_order() if _answers_with_an_item(form, chosen) else {}
        left = None if helps or chosen or named else form.leaving()
        if left is not None:
            return self._finish(values | left)
        switched = {} if helps or chosen or named else form.switch()
        values.update(switched)
        tracker.slots.update(switched)
        if not (chosen or named):
            named = form.named_order()
        values.update(named)
        tracker.slots.update(named)
        if helps and not named:
            values.update(form_notice=NOTICE_ORDER_NUMBER_HELP, order_id=None)
            return self._next_slot(form, tracker, values)
        # validate_<slot> for each slot this message fills (rasa-sdk).
        for event in await self.get_validation_events(dispatcher, tracker, domain):
            values[event["name"]] = event["value"]
        return self._next_slot(form, tracker, values)

    # -- one validator per slot --------------------------------------------------------

    def validate_has_ordered(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        form = _form()
        values: dict[str, Any] = {"has_ordered": form.has_ordered}
        if (
            form.has_ordered is None
            and form.found_order is None
            and not form.new_question
        ):
            values["form_notice"] = NOTICE_YES_NO
        elif form.has_ordered == YES and form.found_order is None:
            # "Yes, another order": not the one offered (action_start_inquiry),
            # nor its item; the order question offers the buyer's orders as usual
            values.update(order_choices=None, named_item=None)
        return values

    def validate_order_id(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        form = _form()
        if form.found_order is None:
            values: dict[str, Any] = {"order_id": None}
            if form.requested in (None, "order_id") and not (
                form.asks_which_order or form.new_question or form.several_orders
            ):
                values["form_notice"] = NOTICE_INVALID_ORDER_ID
            return values
        values = {"order_id": form.found_order, "order_choices": None}
        if form.said_order is not None:  # typed or clicked: the offer is over
            values["named_item"] = None
        if "product_asin" not in form.candidates:  # else validate_product_asin
            values["product_asin"] = None  # a new order: the item is asked again
        if form.pending == PRODUCT_QUESTION:
            values["has_ordered"] = YES
        # "order 112-... zip 98101, has it shipped?" (or "my zip is 10001, i want
        # to return..." first): the ZIP ahead of its question, checked (one guess)
        earlier = tracker.get_slot("inquiry_text") if not form.attempts else None
        stated = stated_postal_code(form.answer) or stated_postal_code(earlier)
        if stated and form.needs_zip and form.early_halt() is None:
            values |= _checked_zip(form, stated)
        return values

    def validate_zip_code(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        form = _form()
        if form.ends_without_order:
            return {}
        values: dict[str, Any] = {"zip_code": None}  # checked, never kept
        if not form.needs_zip or form.found_order is not None:
            return values  # a new order number: the message is not a ZIP code
        if form.new_question:  # a question, not a ZIP code: no attempt used
            return values | {"form_notice": NOTICE_ZIP_NEEDED}
        halt = form.early_halt()
        if halt is not None:
            return values | {"inquiry_halt": halt}
        guess = zip_guess(clean_text(value, MAX_ANSWER_CHARS))
        if guess is None:
            return values | {"form_notice": NOTICE_ZIP_NEEDED}
        return values | _checked_zip(form, guess)

    def validate_product_asin(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        form = _form()
        items = form.item_choice()
        if not items:
            return {"product_asin": None}  # not the message's text
        if form.new_question:  # a question, not a pick: the item it names, if one
            return {"product_asin": form.named_asin(form.answer)}
        asin = match_item(clean_text(value, MAX_ANSWER_CHARS), items)
        if asin is None:
            return {"product_asin": None, "form_notice": NOTICE_UNKNOWN_ITEM}
        return {"product_asin": asin}

    def validate_new_address(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        form = _form()
        if form.requested != NEW_ADDRESS or not form.answers():
            return {NEW_ADDRESS: None, "form_notice": NOTICE_ADDRESS_NEEDED}
        return {NEW_ADDRESS: form.answer}

    # -- what next -----------------------------------------------------------------------

    def _next_slot(
        self, form: OrderFormTurn, tracker: Tracker, values: dict[str, Any]
    ) -> list[EventType]:
        if values.get("inquiry_halt") is not None:
            return self._finish(values)
        if form.has_ordered == NO:
            # "No, I haven't ordered it": a pre-order question for the seller.
            values.update(pending_intent=PRE_ORDER, order_id=None)
            return self._finish(values)
        if form.ends_without_order:
            return self._finish(values)
        values["zip_code"] = None
        if form.needs_zip:
            halt = form.early_halt()
            if halt is not None:
                values["inquiry_halt"] = halt
                return self._finish(values)

        if (
            form.pending == PRODUCT_QUESTION
            and form.has_ordered is None
            and not form.order_id
        ):
            next_slot = "has_ordered"
        elif not form.order_id:
            next_slot = "order_id"
        elif form.needs_zip:
            next_slot = "zip_code"
        elif form.item_choice() and tracker.get_slot("product_asin") is None:
            # "the lid arrived cracked": the buyer's words already name the item
            asin = form.named_asin(str(tracker.get_slot("inquiry_text") or ""))
            if asin is not None:
                values["product_asin"] = asin
            next_slot = None if asin is not None else "product_asin"
        elif not values.get(NEW_ADDRESS, tracker.get_slot(NEW_ADDRESS)) and (
            form.asks_new_address(str(tracker.get_slot("inquiry_text") or ""))
        ):
            next_slot = NEW_ADDRESS  # "change the address" without the address
        else:
            next_slot = None
        return slot_events(values) + [SlotSet(REQUESTED_SLOT, next_slot)]

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """End the form; action_triage then tells the buyer we can't reach the order."""
        return self._finish(
            {"inquiry_halt": HALT_SERVICE_UNAVAILABLE, "zip_code": None}
        )

    @staticmethod
    def _finish(values: dict[str, Any]) -> list[EventType]:
        return slot_events(values) + [SlotSet(REQUESTED_SLOT, None)]

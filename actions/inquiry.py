"""What the buyer wants: `action_start_inquiry`, which runs first for every
business intent, before the order form and the decision (actions/triage.py).

It remembers the intent (`pending_intent`) and the buyer's own words
(`inquiry_text`, cleaned and cut to MAX_QUESTION_CHARS: the first message of a
case), takes the order number from the message (or from the one the buyer sent
just before, for any question but a product question, or from the order just
decided when the words point back at it: actions/follow_up.py), and clears the
previous form's slots (INQUIRY_SLOTS). A product question without an order
number is offered the previous inquiry's order, or the buyer's order holding
the item it names, as a choice (`_order_to_offer`), never given it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.asides import note_for_the_case
from actions.base import (
    MAX_QUESTION_CHARS,
    CsbaAction,
    Turn,
    buyer_words,
    entity_values,
    slot_events,
)
from actions.case_update import order_of_the_case_asked_about
from actions.follow_up import (
    GIVE_ORDER_ID,
    corrects_the_address,
    goes_with_the_order_just_given,
    order_referred_back,
    previous_was_a_bare_order_number,
    question_just_decided_as,
    replace_cancellation,
    says_owned,
    taken_back_as,
    topic_still_asked,
)
from actions.form_vocabulary import (
    CANCEL_ORDER,
    CHANGE_ADDRESS,
    DAMAGED_ITEM,
    DELIVERY_STATUS,
    NOTICE_SEVERAL_ORDERS,
    PRE_ORDER,
    PRODUCT_QUESTION,
    RETURN_REFUND,
    YES,
)
from actions.order_form import order_unlocked, verified_orders
from actions.small_talk import IN_SCOPE_BY_ITEM
from bot.nlp.also_asked import with_invoice_too
from bot.nlp.choices import mentions_a_date
from bot.nlp.claims import (
    NOT_RECEIVED,
    asks_about_money,
    asks_if_arrived,
    buyer_claim,
    says_damaged,
    says_it_came,
)
from bot.nlp.follow_up import refuses_cancellation
from bot.services.follow_ups import cancellation_of_the_chat
from bot.services.identity import only_a_postal_code
from bot.services.order_lookup import (
    BUSINESS_INTENTS,
    find_order_id,
    order_ids_in,
    order_placed_on,
    order_to_offer,
    orders_to_search,
)
from bot.services.presentation import item_name

log = logging.getLogger(__name__)

ORDER_FORM = "order_form"

# Slots an inquiry leaves behind; every new inquiry starts without them.
INQUIRY_SLOTS = (
    "has_ordered",
    "zip_code",
    "product_asin",
    "form_notice",
    "inquiry_halt",
    "order_choices",
    "named_item",
    "order_switched",
    "new_address",
)


# "the kettle i bought", "the one we ordered", "lo compré": bought, said in so
# many words ("my macbook" may be anyone's)
_BOUGHT = re.compile(
    r"\b(?:i|we) (?:just )?(?:bought|ordered|purchased|received)\b|\bcompr[eé]\b",
    re.IGNORECASE,
)


class ActionStartInquiry(CsbaAction):
    """Remembers what the buyer asked, in their own words, and the order number."""

    def name(self) -> str:
        return "action_start_inquiry"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        given = find_order_id(*entity_values(tracker, "order_id"))
        named = order_ids_in(*entity_values(tracker, "order_id"), turn.text)
        # "where is 112-...3 and can i cancel 112-...2?": never a guess at which
        # one the request is about; the order form asks, offering them
        several = len(named) > 1
        given = None if several else given
        values: dict[str, Any] = {name: None for name in INQUIRY_SLOTS}
        if (
            turn.intent == GIVE_ORDER_ID
            and not named
            and corrects_the_address(tracker, turn)
        ):
            # "oops sorry its apt 6 not 5", read as an order number: the
            # correction of the address change just made (its case)
            values.update(
                pending_intent=CHANGE_ADDRESS,
                inquiry_text=buyer_words(tracker, MAX_QUESTION_CHARS) or None,
                order_id=find_order_id(tracker.get_slot("order_id")),
            )
            return slot_events(values) + [FollowupAction(ORDER_FORM)]
        if turn.intent == GIVE_ORDER_ID:
            # A bare order number: the rules ask what it is about. A ZIP code
            # alone ("94103" after "114-..."): the buyer's ZIP ahead of its
            # question, which the order form asks for once it has a question;
            # the order number stays.
            if (
                given is None
                and not several
                and only_a_postal_code(turn.text)
                and previous_was_a_bare_order_number(tracker)
            ):
                given = find_order_id(tracker.get_slot("order_id"))
            values.update(pending_intent=None, inquiry_text=None, order_id=given)
            return slot_events(values)
        intent = turn.intent if turn.intent in BUSINESS_INTENTS else None
        if intent is None and tracker.get_slot("outcome") == IN_SCOPE_BY_ITEM:
            intent = tracker.get_slot("pending_intent")  # actions/small_talk.py
        intent = taken_back_as(tracker, turn, intent)
        if intent == DAMAGED_ITEM and (
            buyer_claim(turn.text) == NOT_RECEIVED or asks_if_arrived(turn.text)
        ):
            # "my package says delivered but I never got it", read as a
            # missing item, or "did my silicone bags arrive?", read as a damage
            # report: never "which item arrived damaged?"
            intent = DELIVERY_STATUS
        if (
            intent in (RETURN_REFUND, DAMAGED_ITEM)
            and question_just_decided_as(tracker, "delivered_not_received")
            and not says_damaged(turn.text)
            and not says_it_came(turn.text)  # "nvm it showed up, can i return it"
        ):
            # "can u send a new one" after the parcel that never came: that
            # parcel's question again, never "which item arrived damaged?"
            intent = DELIVERY_STATUS
        elif intent == RETURN_REFUND and says_damaged(turn.text):
            # "bags came ripped open, want my money back", read as a return:
            # a damaged item's apology and remedy, never "not returnable"
            intent = DAMAGED_ITEM
        # "where's my kettle and also can I get an invoice?": the invoice
        # first (the seller's, one sentence), then the order question
        served, invoice_too = with_invoice_too(intent, turn.text)
        if invoice_too:
            dispatcher.utter_message(response="utter_also_invoice")
        followup = [FollowupAction(ORDER_FORM)] if served != intent else []
        intent = served
        if (  # "how much does it weigh" right after "no, I haven't bought it yet"
            intent == PRODUCT_QUESTION
            and question_just_decided_as(tracker, PRE_ORDER)
            and not says_owned(turn.text)
        ):
            intent = PRE_ORDER
        if intent == PRODUCT_QUESTION and note_for_the_case(tracker, turn):
            intent = PRE_ORDER  # "will I be charged?" after a case: no order asked
        if (  # "how long does it take to show on my card" right after the refund case
            intent in (PRODUCT_QUESTION, PRE_ORDER)
            and question_just_decided_as(tracker, "refund_status")
            and asks_about_money(turn.text)
        ):
            intent = RETURN_REFUND
        if several:
            values.update(order_choices=named, form_notice=NOTICE_SEVERAL_ORDERS)
        elif given is None and (
            goes_with_the_order_just_given(tracker, intent)
            or (intent != PRODUCT_QUESTION and topic_still_asked(tracker))
        ):
            given = find_order_id(tracker.get_slot("order_id"))
        if given is None and not several:  # "change the address instead"
            given = (
                replace_cancellation(self.services, dispatcher, tracker, turn, intent)
                or self._cancellation_taken_back(tracker, turn, intent)
                or order_referred_back(tracker, turn, intent)
                or order_of_the_case_asked_about(self.services, tracker, turn)
            )
        if given is not None and not named:
            # kept from before, but "my nov 10 kettle order says delivered but
            # i never got it" names another order by the day it was placed
            dated = self._another_order_by_day(tracker, turn, given)
            if dated is not None:
                given = dated
                values.update(order_switched=True)
        values.update(
            pending_intent=intent,
            inquiry_text=buyer_words(tracker, MAX_QUESTION_CHARS) or None,
            order_id=given,
        )
        if intent == PRODUCT_QUESTION and given is None and not several:
            values.update(self._order_to_offer(tracker, turn))
            if not values.get("order_choices") and _BOUGHT.search(turn.text or ""):
                values["has_ordered"] = YES  # "the kettle i bought": which order
        # an invoice question served as an order question: the rules of an
        # invoice decide at once, this one needs the order form
        return slot_events(values) + followup

    def _cancellation_taken_back(
        self, tracker: Tracker, turn: Turn, intent: str | None
    ) -> str | None:
        """ "no wait, don't cancel it" once the chat has moved on: the order of
        its one open cancellation case, when this chat may look into it."""
        if intent != CANCEL_ORDER or not refuses_cancellation(turn.text):
            return None
        try:
            with self.services.session() as session:
                order_id = cancellation_of_the_chat(
                    session, conversation_id=turn.conversation_id
                )
        except SQLAlchemyError:
            log.exception("Cannot read the chat's cancellation")
            return None
        return order_id if order_unlocked(order_id, tracker, turn) else None

    def _another_order_by_day(
        self, tracker: Tracker, turn: Turn, previous: str | None
    ) -> str | None:
        """The order other than `previous` (the one just discussed) that the
        words name by the day it was placed ("my nov 10 kettle order says
        delivered"), among the orders this chat may look into; else None."""
        if previous is None or not mentions_a_date(turn.text):
            return None  # no day named: no orders to read
        try:
            with self.services.session() as session:
                picked = order_placed_on(
                    turn.text,
                    orders_to_search(
                        session,
                        turn.buyer_id,
                        has_token=turn.has_token,
                        verified=verified_orders(tracker),
                    ),
                )
        except SQLAlchemyError:
            log.exception("Cannot read the orders a day may name")
            return None
        return picked if picked not in (None, previous) else None

    def _order_to_offer(self, tracker: Tracker, turn: Turn) -> dict[str, Any]:
        """A follow-up product question without an order number ("is the lid
        dishwasher safe too?"): the order of the previous inquiry, when this
        chat may look into it and it is the buyer's own, becomes the one-click
        choice of "have you ordered it?" (`order_choices`, action_ask_has_ordered),
        unless the question names an item it does not hold: then the buyer's
        order holding that item, or none (bot.services.order_lookup).
        Offered, never assumed: the buyer picks it, or another order, or none."""
        previous = find_order_id(tracker.get_slot("order_id"))
        if not order_unlocked(previous, tracker, turn):
            return {}
        facts = tracker.get_slot("decision_facts")
        asin = facts.get("asin") if isinstance(facts, dict) else None
        try:
            with self.services.session() as session:
                offered = order_to_offer(
                    session,
                    order_id=previous,
                    buyer_id=turn.buyer_id,
                    asin=asin,
                    question=turn.text,
                    has_token=turn.has_token,
                    verified=verified_orders(tracker),
                )
        except SQLAlchemyError:
            log.exception("Cannot read the order a follow-up question may be about")
            return {}
        if offered is None:
            return {}
        return {
            "order_choices": [offered.order_id],
            "named_item": item_name(offered.title),
        }

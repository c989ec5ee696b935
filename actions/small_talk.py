"""`action_small_talk`: a "no" out of context, or an out-of-scope message,
which may turn out not to be small talk. Like action_check_updates, it
delivers the replies the buyer has not seen yet (a CsbaAction); then it sets
`outcome`, from which the rules (data/rules/chitchat.yml) answer:
`plain_no` (utter_no_problem) and `plain_out_of_scope` (utter_out_of_scope)
for small talk, or one of the two below.

- **An item of the buyer's own orders** in a message read as out of scope:
  "where are my earbuds", "usb hub stopped working", "is my hub on its way".
  The NLU learnt everyday requests about phones and gadgets as out of scope,
  and this shop sells gadgets too. When the message names an item of the
  orders this chat may look into (a token buyer's latest orders, an anonymous
  buyer's verified ones: `bot.nlp.item_names.named_items`), it is an
  inquiry after all, with the business intent the NLU ranked highest when it
  is a question or a damage report (`RESCUED`: not a cancellation or an
  address change; `pending_intent`, outcome `in_scope_by_item`;
  action_start_inquiry takes it). Nothing changes for a buyer who names no
  item of their orders.
- **"no wait, keep it"** (read as a plain no) right after a cancellation
  request, or "no, don't cancel it" at any time: it takes the cancellation
  back (actions/follow_up.py).
- **"no it didn't, nothing at my door"** (a plain no, or out of scope) about
  the order in question: the delivery question again, with the buyer's claim
  (bot.nlp.claims; a delivered order becomes a case for the seller).
- **"are you a bot?"**: outcome `bot_identity` (utter_bot_identity, with a
  way to reach a person); **"any news?"** about an open case of theirs:
  outcome `case_update`, where that case stands (actions/case_update.py);
  **"i don't need a person"** with none asked for, and **"who pays for the
  postage?"** after a return: actions/asides.py.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.asides import (
    case_note,
    no_person_needed,
    postage_for_the_seller,
    return_postage,
)
from actions.base import BotServices, CsbaAction, Turn, user_events
from actions.case_update import case_update, just_asked_for_a_person
from actions.follow_up import (
    previous_turn,
    question_just_decided_as,
    slot_values,
    take_back,
)
from actions.form_vocabulary import DELIVERY_STATUS, RETURN_REFUND
from actions.order_form import verified_orders
from bot.domain.model import INQUIRY_INTENTS
from bot.nlp.claims import NOT_RECEIVED, REFUND_MISSING, asks_about_money, buyer_claim
from bot.nlp.item_names import named_items
from bot.nlp.small_talk import asks_if_bot, asks_only_for_language
from bot.services.order_lookup import find_order_id, orders_to_search

log = logging.getLogger(__name__)

OUT_OF_SCOPE = "out_of_scope"
DENY = "deny"
IN_SCOPE_BY_ITEM = "in_scope_by_item"  # outcome
BOT_IDENTITY = "bot_identity"  # outcome: "are you a bot?" (utter_bot_identity)
LANGUAGE_SWITCHED = "language_switched"  # outcome: "¿hablas español?"
# What such a message may turn out to be: a question (where it is, whether it
# can go back, what the page says) or a damage report, which asks before
# anything is done; never a cancellation or an address change.
RESCUED = frozenset(
    {"delivery_status", "damaged_item", "return_refund", "product_question"}
)
# outcomes of plain small talk, by intent
PLAIN = {DENY: "plain_no", OUT_OF_SCOPE: "plain_out_of_scope"}


def _best_business_intent(tracker: Tracker) -> str | None:
    """The business intent the NLU ranked highest for the latest message, when
    it is one that asks the bot something (RESCUED); None when it would ask
    the seller to act ("my electric kettle is so loud lol" with a cancellation
    ranked next: such a request must be understood in its own words)."""
    messages = user_events(tracker)
    if not messages:
        return None
    ranking = (messages[-1].get("parse_data") or {}).get("intent_ranking") or []
    for entry in ranking:
        name = entry.get("name") if isinstance(entry, dict) else None
        if name in INQUIRY_INTENTS:
            return name if name in RESCUED else None
    return None


def names_an_ordered_item(services: BotServices, tracker: Tracker, turn: Turn) -> bool:
    """Whether the message names an item of the orders this chat may look into."""
    try:
        with services.session() as session:
            orders = orders_to_search(
                session,
                turn.buyer_id,
                has_token=turn.has_token,
                verified=verified_orders(tracker),
            )
            return bool(named_items(turn.text, orders))
    except SQLAlchemyError:
        log.exception("Cannot read the orders an out-of-scope message may name")
        return False


class ActionSmallTalk(CsbaAction):
    def name(self) -> str:
        return "action_small_talk"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        return what_it_is(self.services, tracker, turn) or self._plain(turn.intent)

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A failure is logged; the buyer gets the small-talk answer."""
        latest = tracker.latest_message or {}
        return self._plain((latest.get("intent") or {}).get("name"))

    @staticmethod
    def _plain(intent: str | None) -> list[EventType]:
        return [SlotSet("outcome", PLAIN.get(intent or "", PLAIN[OUT_OF_SCOPE]))]


def what_it_is(services: BotServices, tracker: Tracker, turn: Turn) -> list[EventType]:
    """The events that make a small-talk turn an inquiry, a cancellation taken
    back, a question about a case or about the bot (see the module
    docstring); [] for plain small talk."""
    # "no, forget it", "never mind" right after a person was asked for
    just_asked = just_asked_for_a_person(tracker)
    postage = return_postage(tracker, turn) or postage_for_the_seller(
        services, tracker, turn
    )
    if postage is not None:  # "who pays for postage?" after a return
        return postage
    not_needed = no_person_needed(turn)  # "i don't need a person"
    if turn.intent == DENY:
        withdrawn = (
            _case_asked(services, tracker, turn, just_asked)
            if just_asked or not_needed
            else None
        )
        if withdrawn is not None:
            return withdrawn
        if not_needed:  # and no request for a person open
            return not_needed
        taken_back = take_back(
            services,
            tracker,
            turn,
            order_id=tracker.get_slot("order_id"),
            text=turn.text,
            required=False,
        )
        return taken_back or _never_came(tracker, turn)
    if turn.intent != OUT_OF_SCOPE:
        return []
    if asks_if_bot(turn.text):
        return [SlotSet("outcome", BOT_IDENTITY)]
    if asks_only_for_language(turn.text):
        return [SlotSet("outcome", LANGUAGE_SWITCHED)]
    asked = _case_asked(services, tracker, turn, just_asked)
    if asked is not None:  # "any news?" about an open case, or "never mind"
        return asked
    if not_needed:  # "i don't need a person", and none asked for
        return not_needed
    never_came = _never_came(tracker, turn)
    if never_came:
        return never_came
    note = case_note(services, tracker, turn)
    if note is not None:  # "can you hurry them up" after a seller's case
        return note
    intent = _best_business_intent(tracker)
    if intent is None or not names_an_ordered_item(services, tracker, turn):
        return []
    log.info("Out of scope, but it names an ordered item: %s", intent)
    return [SlotSet("pending_intent", intent), SlotSet("outcome", IN_SCOPE_BY_ITEM)]


def _case_asked(
    services: BotServices, tracker: Tracker, turn: Turn, just_asked: bool
) -> list[EventType] | None:
    """What the words ask of the chat's or the buyer's open case (see
    actions/case_update.py), None when nothing."""
    return case_update(
        services,
        turn,
        None,
        None,
        turn.text,
        preferred=tracker.get_slot("case_id"),
        just_asked=just_asked,
    )


# What a claim about the order in question asks again (bot.nlp.claims).
_CLAIMED = {NOT_RECEIVED: DELIVERY_STATUS, REFUND_MISSING: RETURN_REFUND}


def _never_came(tracker: Tracker, turn: Turn) -> list[EventType]:
    """ "no it didn't, nothing at my door", "ok and visa or store credit?"
    right after a decision on the order in question (read as a plain no, or
    out of scope): the delivery or refund question again, which the claim
    makes a case for the seller (a delivered order that never came, a refund
    asked after)."""
    if not any(slot_values(previous_turn(tracker), "route")):
        return []  # only right after a decision
    intent = _CLAIMED.get(buyer_claim(turn.text) or "")
    if intent is None and question_just_decided_as(tracker, "refund_status"):
        intent = RETURN_REFUND if asks_about_money(turn.text) else None
    if intent is None or find_order_id(tracker.get_slot("order_id")) is None:
        return []
    return [SlotSet("pending_intent", intent), SlotSet("outcome", IN_SCOPE_BY_ITEM)]

"""Which order the buyer's next message is about, and a cancellation taken back.

A new question names its order, or the bot asks which one (the order form).
These messages go on with the order already in the conversation:
- any question right after a bare order number (the bot asked what it is
  about), or after the order number that answered the order form (any but a
  product question: those are offered the order, never given it);
- any question but a product question after a message the NLU did not
  understand that carried an order number ("my tent order 114-... arrived":
  the bot kept the number and asked what it is about, `fallback_order`);
- a question that points back at the order just decided ("can I return it?",
  "when will that one arrive": `bot.nlp.follow_up.refers_back`), or a request
  for a person (the agent's case then shows the order the chat was about),
  when this chat may look into that order. Naming another order's item
  switches to that order (the order form); every decision names its order;
- right after a decision, a request of the same family (a return or a damaged
  item; a delivery question; a cancellation; an address change; money after a
  delivery) naming no other order (`continues_the_decision`), a correction of
  an address change, a claim that the order never came or its refund did not.

A cancellation taken back: "wait, don't cancel it" at any time, and "actually
never mind, I'll keep it" right after the bot asked the seller to cancel
(`just_asked_to_cancel`; bot.nlp.follow_up), read by the NLU as a cancellation,
a plain no, or nothing it knows. The words join the order's open cancellation
case (`take_back`, outcome `cancellation_taken_back`); no new request is opened.
With no open cancellation case, a message read as a cancellation request asks
nothing of the seller (`nothing_to_take_back`); any other goes its usual way.

Another request in place of the cancellation just requested ("actually no,
change the address instead": `replace_cancellation`): the cancellation is
taken back as above, and the new request is about the same order.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.asides import return_postage
from actions.base import BotServices, Turn, entity_values, is_payload, user_events
from actions.form_vocabulary import (
    ASK_FOR_PERSON,
    CANCEL_ORDER,
    CHANGE_ADDRESS,
    PRODUCT_QUESTION,
)
from actions.order_form import order_unlocked
from actions.turns import previous_turn, slot_values
from bot.domain.reasons import REASON_CODES
from bot.nlp.claims import asks_about_money, buyer_claim
from bot.nlp.follow_up import (
    corrects,
    names_another_order,
    refers_back,
    refuses_cancellation,
    replaces_request,
    takes_back_cancellation,
)
from bot.services.case_views import CaseView
from bot.services.follow_ups import take_back_cancellation
from bot.services.order_lookup import find_order_id

log = logging.getLogger(__name__)

GIVE_ORDER_ID = "give_order_id"
NOT_UNDERSTOOD = "nlu_fallback"
TAKEN_BACK = "cancellation_taken_back"  # outcome
NOTHING_TO_TAKE_BACK = "nothing_to_take_back"  # outcome
CANCELLATION_OUTCOMES = frozenset({"cancel_request", TAKEN_BACK})


def previous_intent(tracker: Tracker) -> str | None:
    messages = user_events(tracker)
    if len(messages) < 2:
        return None
    return ((messages[-2].get("parse_data") or {}).get("intent") or {}).get("name")


def _previous_order_number(tracker: Tracker) -> str | None:
    """The order number in the buyer's previous message (entity or text)."""
    messages = user_events(tracker)
    if len(messages) < 2:
        return None
    previous = messages[-2]
    entities = (previous.get("parse_data") or {}).get("entities") or []
    values = [e.get("value") for e in entities if e.get("entity") == "order_id"]
    return find_order_id(*values, previous.get("text"))


def previous_was_a_bare_order_number(tracker: Tracker) -> bool:
    """Whether the buyer's previous message was an order number on its own (not
    the ZIP code the order form asked for, nor a question)."""
    return (
        previous_intent(tracker) == GIVE_ORDER_ID
        and _previous_order_number(tracker) is not None
    )


def goes_with_the_order_just_given(tracker: Tracker, intent: str | None) -> bool:
    """Whether this question is about the order number (typed, or a button) of
    the buyer's previous message (the module docstring's first two cases). A
    product question is offered that order (`_order_to_offer` in
    actions/triage.py), never given it: nothing checks that its item is in it."""
    previous = previous_intent(tracker)
    if previous == NOT_UNDERSTOOD:
        return (
            intent != PRODUCT_QUESTION and _previous_order_number(tracker) is not None
        )
    if previous != GIVE_ORDER_ID:
        return False
    if intent != PRODUCT_QUESTION:
        return True
    seen = 0
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            seen += 1
            if seen == 2:
                return False
        elif (
            seen == 1
            and event.get("event") == "action"
            and event.get("name") == "action_start_inquiry"
        ):
            return True
    return False


def corrects_the_address(tracker: Tracker, turn: Turn) -> bool:
    """Whether the message corrects the address change the bot has just asked
    of the seller ("oops sorry its apt 6 not 5"), on an order this chat may
    look into."""
    return (
        corrects(turn.text)
        and question_just_decided_as(tracker, "address_change_request")
        and order_unlocked(find_order_id(tracker.get_slot("order_id")), tracker, turn)
    )


def question_just_decided_as(tracker: Tracker, reason_code: str) -> bool:
    """Whether the bot's previous turn was a decision with `reason_code`, one
    of bot.domain.reasons.REASON_CODES (a misspelt code raises ValueError
    rather than never matching)."""
    if reason_code not in REASON_CODES:
        raise ValueError(f"{reason_code!r} is not a reason code (bot.domain.reasons)")
    return reason_code in slot_values(previous_turn(tracker), "reason_code")


_OWNED = re.compile(
    r"\b(?:my|mine|i (?:bought|ordered|got|received)|mi|mis|compr[eé])\b", re.IGNORECASE
)


def says_owned(text: str | None) -> bool:
    """Whether a question speaks of the item as the buyer's ("my kettle", "the
    one I bought"): then it is no question before buying."""
    return bool(text) and bool(_OWNED.search(text))


TOPIC_TURNS = 3


def topic_still_asked(tracker: Tracker) -> bool:
    """Whether the bot's latest question, small talk aside, was what an order
    number is about (utter_ask_topic), with no inquiry started since: "114-...",
    "What would you like to know?", "is it lost??" (out of scope), "can i get a
    refund if it doesnt come" goes on with that order."""
    events = list(tracker.events or [])
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if not users or names_another_order(user_events(tracker)[-1].get("text")):
        return False  # "cancel my other order"
    # at most TOPIC_TURNS messages of small talk since the question
    start = users[-1 - TOPIC_TURNS] if len(users) > TOPIC_TURNS else 0
    for event in reversed(events[start : users[-1]]):
        if event.get("event") != "action":
            continue
        name = event.get("name")
        if name == "utter_ask_topic":
            return True
        if name in ("action_triage", "order_form", "action_fallback"):
            return False
    return False


def order_referred_back(tracker: Tracker, turn: Turn, intent: str | None) -> str | None:
    """The order just decided, when this question points back at it (or takes
    back its cancellation, or says it never came or its refund did not:
    bot.nlp.claims), or asks for a person (the order goes with the
    agent's case, so that the agent sees what the chat was about), and this
    chat may look into it; None otherwise."""
    if intent is None or intent == PRODUCT_QUESTION:
        return None
    if not (
        intent == ASK_FOR_PERSON
        or refers_back(turn.text)
        or (intent == CANCEL_ORDER and _takes_back(tracker, turn.text, required=False))
        # "it says delivered but I never got it", "when do I get my refund"
        or (buyer_claim(turn.text) is not None and not names_another_order(turn.text))
        # "sorry typo, the apartment is 7 not 4" after an address change
        or (intent == CHANGE_ADDRESS and corrects(turn.text))
        # "do I have to pay for return shipping?" right after the decision
        or continues_the_decision(tracker, turn, intent)
        or return_postage(tracker, turn) is not None  # ... or later (asides.py)
    ):
        return None
    previous = find_order_id(tracker.get_slot("order_id"))
    return previous if order_unlocked(previous, tracker, turn) else None


# Requests of one family go on with the order just decided: a return and a
# damaged item are one ("why not? I think they're defective" after "not
# returnable"); a delivery question after a return asks for its order.
_REMEDIES = frozenset({"return_refund", "damaged_item"})
_FAMILIES = (
    _REMEDIES,
    *({i} for i in ("delivery_status", "cancel_order", "change_address")),
)


def continues_the_decision(tracker: Tracker, turn: Turn, intent: str) -> bool:
    """Whether the message comes right after a decision on an order, asks
    something of the same family, and names no other order ("do I have to pay
    for return shipping?" after a return, "the tumbler is dented too" after a
    damaged kettle): the buyer goes on about that order. A message naming
    another order ("my other order", an order number) is not, and an item of
    another order switches to it (the order form)."""
    if names_another_order(turn.text) or find_order_id(turn.text) is not None:
        return False  # "my other order", "a refund for order 112-..."
    if not any(slot_values(previous_turn(tracker), "route")):
        return False  # no decision at the bot's previous turn
    users = [i for i, e in enumerate(tracker.events or []) if e.get("event") == "user"]
    before = list(tracker.events or [])[: users[-1]] if users else []
    # what the decision was about: the inquiry's intent, set when it started
    decided = [value for value in slot_values(before, "pending_intent") if value]
    if decided and decided[-1] == "delivery_status" and intent in _REMEDIES:
        # "how long til i get the money" after a late order's case, "can u send
        # a new one" after a parcel that never came: that order's
        never_came = question_just_decided_as(tracker, "delivered_not_received")
        return never_came or (intent == "return_refund" and asks_about_money(turn.text))
    return bool(decided) and any(
        intent in family and decided[-1] in family for family in _FAMILIES
    )


def just_asked_to_cancel(tracker: Tracker) -> bool:
    """Whether the bot's previous turn was a cancellation request sent to the
    seller (or one taken back): "never mind" means that one only then."""
    outcomes = slot_values(previous_turn(tracker), "outcome")
    return any(outcome in CANCELLATION_OUTCOMES for outcome in outcomes)


def _takes_back(tracker: Tracker, text: str, *, required: bool) -> bool:
    """A refusal of the cancellation at any time ("don't cancel it"); a change
    of mind without the word "cancel" ("never mind, I'll keep it") right after
    the request, or when it is what the NLU read as a cancellation request
    (`required`): it asks for no cancellation."""
    return refuses_cancellation(text) or (
        takes_back_cancellation(text) and (required or just_asked_to_cancel(tracker))
    )


def taken_back_as(tracker: Tracker, turn: Turn, intent: str | None) -> str | None:
    """`intent`, or a cancellation request when the message takes back the
    cancellation just requested, whatever the NLU read ("no wait keep it" reads
    as a delivery question): action_triage then adds it to the open request."""
    if intent is None or intent == CANCEL_ORDER:
        return intent
    if just_asked_to_cancel(tracker) and _takes_back(
        tracker, turn.text, required=False
    ):
        return CANCEL_ORDER
    return intent


def typed_inquiry_words(tracker: Tracker, words: str) -> str:
    """The inquiry's words when the buyer typed them to start it; '' when the
    inquiry started with a button (its `inquiry_text` is then an earlier
    message: "I changed my mind about order ...", then *Cancel an order*)."""
    started = False
    for event in reversed(tracker.events or []):
        if (
            event.get("event") == "action"
            and event.get("name") == "action_start_inquiry"
        ):
            started = True
        elif started and event.get("event") == "user":
            return "" if is_payload(str(event.get("text") or "")) else words
    return words


def fallback_order(tracker: Tracker, turn: Turn) -> str | None:
    """The order number of a message the NLU did not understand, kept so that
    the buyer's next question goes on with it (the bot asks what it is about)."""
    return find_order_id(*entity_values(tracker, "order_id"), turn.text)


def take_back(
    services: BotServices,
    tracker: Tracker,
    turn: Turn,
    *,
    order_id: str | None,
    text: str,
    required: bool,
) -> list[EventType] | None:
    """When `text` takes back a cancellation of `order_id`: its words joined to
    the order's open cancellation case (outcome `cancellation_taken_back`).
    Without such a case: outcome `nothing_to_take_back` when `required` (the
    buyer asked to undo a cancellation: never a new request), else None (the
    message goes its usual way). None when the text takes nothing back
    (`_takes_back`)."""
    if not _takes_back(tracker, text, required=required):
        return None
    values: dict[str, Any] = {}
    if order_id and order_unlocked(order_id, tracker, turn):
        case = _cancellation_taken_back(services, turn, order_id, text)
        if case is not None:
            values = {
                "order_id": order_id,
                "case_id": str(case.id),
                "outcome": TAKEN_BACK,
            }
    if not values:
        if not required:
            return None
        values = {"order_id": order_id, "outcome": NOTHING_TO_TAKE_BACK}
    return [SlotSet(name, value) for name, value in values.items()]


def _cancellation_taken_back(
    services: BotServices, turn: Turn, order_id: str, text: str
) -> CaseView | None:
    """The open cancellation case of `order_id`, with `text` joined to it and
    the seller told (bot.services.follow_ups.take_back_cancellation); None
    when there is none."""
    with services.session() as session:
        return take_back_cancellation(
            session,
            conversation_id=turn.conversation_id,
            order_id=order_id,
            buyer_id=turn.buyer_id,
            text=text,
            now=turn.now,
            notifier=services.notifier,
        )


def replace_cancellation(
    services: BotServices,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    turn: Turn,
    intent: str | None,
) -> str | None:
    """Right after a cancellation request, an address change in its place
    ("actually no, change the address instead"): the words join the open
    cancellation case, the buyer is told so, and the order is the new
    request's (returned). None, and nothing done, for any other message."""
    # only another change of the order in its place: "will the refund go to my
    # card instead?" asks about the cancellation, it does not take it back
    if intent != CHANGE_ADDRESS:
        return None
    if not (just_asked_to_cancel(tracker) and replaces_request(turn.text)):
        return None
    order_id = find_order_id(tracker.get_slot("order_id"))
    if not order_unlocked(order_id, tracker, turn):
        return None
    try:
        case = _cancellation_taken_back(services, turn, order_id, turn.text)
    except SQLAlchemyError:
        log.exception("Cannot take back the cancellation of %s", order_id)
        return None  # the address change goes its usual way
    if case is not None:
        dispatcher.utter_message(
            response="utter_cancellation_taken_back",
            case_id=str(case.id),
            order_id=order_id,
        )
    return order_id

"""Two things buyers say about what the chat is doing, which no intent of
their own covers, answered wherever the NLU put them (action_triage,
action_small_talk, action_fallback):

- "I don't need a person" when no request for one is open (with one open,
  the words join our team's case: actions/case_update.py). The NLU often
  reads it as asking for one; nothing is handed over (outcome
  `no_person_needed`).
- "do I have to pay the shipping?" while the latest decision is a return
  authorised (bot.nlp.return_postage): how that return goes back and who
  pays, by its `return_method` (outcome `return_postage`,
  utter_return_postage), not a question before buying or a second return.
- the same question while the latest decision is a seller's case about the
  return (the window closed, an item not returnable, a damaged one with no
  standard return): the seller's to say; the words join that case (outcome
  `return_postage_case`, utter_return_postage_case).
- a note for the seller's case the bot has just opened or joined: "can you
  hurry them up", "add that I need it before Dec 5 for a gift", "will I be
  charged?", which the NLU reads as out of scope, a question about a product
  or nothing it knows: the words join that case (outcome `case_note`,
  utter_case_note), instead of "Sorry, I can only help with orders..." or
  "Have you ordered this item?". Only right after that decision (or another
  such note), and only words that say something (NOTE_MIN_WORDS).
- "ok so when do I get my money?" once that return is authorised (the
  remedy chosen, for a damaged item): the seller refunds once the item is
  back, or without it, or sends a replacement instead (outcome
  `refund_after_return`, utter_refund_after_return), not the authorisation
  again. Money said to be overdue ("I sent it back, where is my refund?") is
  a question for the seller (bot.nlp.claims), as before.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import BotServices, Turn
from actions.turns import previous_turn, slot_values
from bot.nlp.claims import asks_when_refunded
from bot.nlp.follow_up import names_another_order
from bot.nlp.person_request import withdraws_person_request
from bot.nlp.return_postage import asks_who_pays_return_postage
from bot.services.case_errors import CaseError
from bot.services.cases import add_buyer_message
from bot.services.order_lookup import find_order_id
from bot.services.triage import RETURN_AUTHORISING_CODES as RETURN_AUTHORISED

NO_PERSON_NEEDED = "no_person_needed"  # outcome
RETURN_POSTAGE = "return_postage"  # outcome
REFUND_AFTER_RETURN = "refund_after_return"  # outcome
RETURN_POSTAGE_CASE = "return_postage_case"  # outcome
CASE_NOTE = "case_note"  # outcome
# What the NLU makes of a note for the case: nothing it knows, or a question
# the bot would ask about again ("Have you ordered this item?")
NOTE_INTENTS = frozenset(
    {"out_of_scope", "nlu_fallback", "pre_order", "product_question"}
)
NOTE_MIN_WORDS = 3
# ... but a question about a product is a product question ("is the tumbler
# dishwasher safe?"): read as one, a note speaks of the money, the seller or
# the time ("will I be charged?", "add that I need it before Dec 5")
_NOTE_WORDS = re.compile(
    r"\b(?:charg\w*|pay|paid|payment|billed|money|refund\w*|seller|hurry|faster"
    r"|asap|urgent\w*|rush|add (?:that|this)|tell (?:them|the seller)|let (?:them|the"
    r" seller) know|gift|deadline|need it (?:by|before)|cobr\w*|vendedor|prisa"
    r"|urgente|regalo)\b",
    re.IGNORECASE,
)
_READ_AS_A_QUESTION = frozenset({"pre_order", "product_question"})
# ... and never a question about the case itself ("what's my case number again?")
_ABOUT_THE_CASE = re.compile(r"\b(?:case|caso)\b", re.IGNORECASE)
# the decisions that ask the seller how a return goes
SELLERS_RETURN = frozenset(
    {"return_window_closed", "item_not_returnable", "damaged_seller_case"}
)


def no_person_needed(turn: Turn) -> list[EventType] | None:
    """The outcome for "I don't need a person" (no request of theirs open:
    the caller asked actions/case_update.py first), None for other words."""
    if withdraws_person_request(turn.text):
        return [SlotSet("outcome", NO_PERSON_NEEDED)]
    return None


def return_postage(tracker: Tracker, turn: Turn) -> list[EventType] | None:
    """The outcome for a question who pays to send the item back, while the
    chat's latest decision authorised a return and the words name no order
    (the return's order or another: then it is asked of that order); or for
    when the money comes, once that return is authorised; None otherwise."""
    if find_order_id(turn.text) is not None or not _after_a_return(tracker):
        return None
    if not _just_decided(tracker, RETURN_AUTHORISED):
        return None  # "is shipping free?" later on is another question
    if asks_who_pays_return_postage(turn.text):
        return [SlotSet("outcome", RETURN_POSTAGE)]
    if asks_when_refunded(turn.text) and tracker.get_slot("return_resolution"):
        return [SlotSet("outcome", REFUND_AFTER_RETURN)]
    return None


def _after_a_return(tracker: Tracker) -> bool:
    return tracker.get_slot("reason_code") in RETURN_AUTHORISED and bool(
        tracker.get_slot("return_method")
    )


# the answers that keep the return's questions open for one more message
_RETURN_ASIDES = frozenset(
    {RETURN_POSTAGE, REFUND_AFTER_RETURN, RETURN_POSTAGE_CASE, CASE_NOTE}
)


def _just_decided(tracker: Tracker, reasons: frozenset[str]) -> bool:
    """Whether the bot's previous turn decided one of `reasons`, or answered
    a question about that decision (who pays, when the money comes)."""
    previous = previous_turn(tracker)
    return bool(
        set(slot_values(previous, "reason_code")) & reasons
        or set(slot_values(previous, "outcome")) & _RETURN_ASIDES
    )


def postage_for_the_seller(
    services: BotServices, tracker: Tracker, turn: Turn
) -> list[EventType] | None:
    """The outcome for who pays to send it back while the chat's latest
    decision is the seller's case about the return (its words added to the
    case); None otherwise, or when the case cannot take them (closed)."""
    case_id = tracker.get_slot("case_id")
    if (
        not case_id
        or tracker.get_slot("reason_code") not in SELLERS_RETURN
        or not _just_decided(tracker, SELLERS_RETURN)
        or find_order_id(turn.text) is not None
        or not asks_who_pays_return_postage(turn.text)
    ):
        return None
    return _added_to(services, case_id, turn, RETURN_POSTAGE_CASE)


def note_for_the_case(tracker: Tracker, turn: Turn) -> bool:
    """Whether the message is a note for the seller's case the bot's previous
    turn opened or joined, or added a note to (see the module docstring)."""
    previous = previous_turn(tracker)
    just = "seller_case" in slot_values(previous, "route") or CASE_NOTE in (
        slot_values(previous, "outcome")
    )
    return (
        just
        and bool(tracker.get_slot("case_id"))
        and turn.intent in NOTE_INTENTS
        and len((turn.text or "").split()) >= NOTE_MIN_WORDS
        and (
            turn.intent not in _READ_AS_A_QUESTION
            or bool(_NOTE_WORDS.search(turn.text or ""))
        )
        and find_order_id(turn.text) is None
        and not _ABOUT_THE_CASE.search(turn.text or "")
        and not names_another_order(turn.text)
    )


def case_note(
    services: BotServices, tracker: Tracker, turn: Turn
) -> list[EventType] | None:
    """The outcome for a note for the case just opened (`note_for_the_case`),
    its words added to the case; None otherwise, or when the case cannot take
    them (closed)."""
    if not note_for_the_case(tracker, turn):
        return None
    return _added_to(services, tracker.get_slot("case_id"), turn, CASE_NOTE)


def _added_to(
    services: BotServices, case_id: str, turn: Turn, outcome: str
) -> list[EventType] | None:
    """`outcome`, once the buyer's words are added to the case; None when the
    case cannot take them (closed, gone)."""
    try:
        with services.session() as session:
            add_buyer_message(session, case_id=case_id, text=turn.text, now=turn.now)
    except CaseError:
        return None
    return [SlotSet("outcome", outcome)]

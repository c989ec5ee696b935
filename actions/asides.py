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
- "ok so when do I get my money?" once that return is authorised (the
  remedy chosen, for a damaged item): the seller refunds once the item is
  back, or without it, or sends a replacement instead (outcome
  `refund_after_return`, utter_refund_after_return), not the authorisation
  again. Money said to be overdue ("I sent it back, where is my refund?") is
  a question for the seller (bot.nlp.claims), as before.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import Turn
from bot.nlp.claims import asks_when_refunded
from bot.nlp.person_request import withdraws_person_request
from bot.nlp.return_postage import asks_who_pays_return_postage
from bot.services.order_lookup import find_order_id

NO_PERSON_NEEDED = "no_person_needed"  # outcome
RETURN_POSTAGE = "return_postage"  # outcome
REFUND_AFTER_RETURN = "refund_after_return"  # outcome
# the decisions that authorise a return (bot.domain.policy)
RETURN_AUTHORISED = frozenset({"return_window_open", "damaged_return"})


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
    if asks_who_pays_return_postage(turn.text):
        return [SlotSet("outcome", RETURN_POSTAGE)]
    if asks_when_refunded(turn.text) and tracker.get_slot("return_resolution"):
        return [SlotSet("outcome", REFUND_AFTER_RETURN)]
    return None


def _after_a_return(tracker: Tracker) -> bool:
    return tracker.get_slot("reason_code") in RETURN_AUTHORISED and bool(
        tracker.get_slot("return_method")
    )

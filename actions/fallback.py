"""Low NLU confidence: count the `nlu_fallback` messages in a row.

The first gets `utter_rephrase` (topic buttons), the second and later ones
`utter_offer_human`; the rules (data/rules/fallback.yml) read `outcome`. Every
other custom action resets `fallback_count` (actions/base.py), so one confident
turn starts the count again.

Some such messages are understood all the same: "i dont need a person"
and "who pays to send it back?" after a return (actions/asides.py); and
(actions/follow_up.py):
- one that takes back a cancellation ("actually never mind, I'll keep it")
  while the order in question has an open cancellation case: its words join
  the case (outcome `cancellation_taken_back`);
- one the NLU found to be a product question, but could not say whether
  before or after buying (`product_reading`): served as the one it ranked
  first (outcome `in_scope_by_item`, as for small talk naming an item);
- one that carries an order number ("my tent order 114-... arrived"): the
  number is kept and the bot asks what it is about (outcome `ask_topic`), as
  for a bare order number; the count does not go up.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import (
    case_note,
    no_person_needed,
    postage_for_the_seller,
    return_postage,
)
from actions.base import CsbaAction, Turn, user_events
from actions.case_update import case_update, just_asked_for_a_person
from actions.follow_up import fallback_order, take_back

OFFER_HUMAN_AFTER = 2
# The NLU's two readings of a question about a product, before buying or after
# ("does the usb c hub work with a steam deck? thinking of buying": 0.50 and
# 0.48). Close together they leave no doubt that it is a product question
# (issue 12 counts them as one): the one ranked first is served.
PRODUCT_READINGS = frozenset({"pre_order", "product_question"})
SURE_ENOUGH = 0.9
IN_SCOPE = "in_scope_by_item"  # outcome: action_start_inquiry takes pending_intent


def product_reading(tracker: Tracker) -> str | None:
    """The first of PRODUCT_READINGS when they are the NLU's two best readings
    and together SURE_ENOUGH; None otherwise."""
    messages = user_events(tracker)
    parse = (messages[-1].get("parse_data") or {}) if messages else {}
    ranking = [
        entry
        for entry in parse.get("intent_ranking") or []
        if isinstance(entry, dict) and entry.get("name") != "nlu_fallback"
    ][:2]
    names = {entry.get("name") for entry in ranking}
    sure = sum(float(entry.get("confidence") or 0.0) for entry in ranking)
    if len(ranking) == 2 and names == PRODUCT_READINGS and sure >= SURE_ENOUGH:
        return str(ranking[0]["name"])
    return None


class ActionFallback(CsbaAction):
    def name(self) -> str:
        return "action_fallback"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        aside = (
            return_postage(tracker, turn)
            or postage_for_the_seller(self.services, tracker, turn)
            or self._person_not_needed(tracker, turn)
        )
        if aside is not None:  # "who pays for postage?", "i dont need a person"
            return aside
        taken_back = take_back(
            self.services,
            tracker,
            turn,
            order_id=tracker.get_slot("order_id"),
            text=turn.text,
            required=False,
        )
        if taken_back is not None:
            return taken_back
        reading = product_reading(tracker)
        if reading is not None:  # a product question, before or after buying
            return [SlotSet("pending_intent", reading), SlotSet("outcome", IN_SCOPE)]
        note = case_note(self.services, tracker, turn)
        if note is not None:  # "the box was also wet" after a seller's case
            return note
        order_id = fallback_order(tracker, turn)
        if order_id is not None:
            return [SlotSet("order_id", order_id), SlotSet("outcome", "ask_topic")]
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        outcome = "offer_human" if count >= OFFER_HUMAN_AFTER else "rephrase"
        return [SlotSet("fallback_count", count), SlotSet("outcome", outcome)]

    def _person_not_needed(
        self, tracker: Tracker, turn: Turn
    ) -> list[EventType] | None:
        """ "i dont need a person, thanks": our team's open case is told (the
        fallback count does not go up), or there is nothing to take back."""
        not_needed = no_person_needed(turn)
        if not_needed is None:
            return None
        withdrawn = case_update(
            self.services,
            turn,
            None,
            None,
            turn.text,
            preferred=tracker.get_slot("case_id"),
            just_asked=just_asked_for_a_person(tracker),
        )
        return withdrawn or not_needed

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [SlotSet("outcome", "rephrase")]

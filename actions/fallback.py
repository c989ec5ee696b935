"""Low NLU confidence: count the `nlu_fallback` messages in a row.

The first gets `utter_rephrase` (topic buttons), the second and later ones
`utter_offer_human`; the rules (data/rules/fallback.yml) read `outcome`. Every
other custom action resets `fallback_count` (actions/base.py), so one confident
turn starts the count again.

Two such messages are understood all the same (actions/follow_up.py):
- one that takes back a cancellation ("actually never mind, I'll keep it")
  while the order in question has an open cancellation case: its words join
  the case (outcome `cancellation_taken_back`);
- one that carries an order number ("my tent order 114-... arrived"): the
  number is kept and the bot asks what it is about (outcome `ask_topic`), as
  for a bare order number; the count does not go up.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import CsbaAction, Turn
from actions.follow_up import fallback_order, take_back

OFFER_HUMAN_AFTER = 2


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
        order_id = fallback_order(tracker, turn)
        if order_id is not None:
            return [SlotSet("order_id", order_id), SlotSet("outcome", "ask_topic")]
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        outcome = "offer_human" if count >= OFFER_HUMAN_AFTER else "rephrase"
        return [SlotSet("fallback_count", count), SlotSet("outcome", outcome)]

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [SlotSet("outcome", "rephrase")]

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
- one that carries an order number ("my tent order 114-... arrived"): the
  number is kept and the bot asks what it is about (outcome `ask_topic`), as
  for a bare order number; the count does not go up.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import no_person_needed, return_postage
from actions.base import CsbaAction, Turn
from actions.case_update import case_update, just_asked_for_a_person
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
        aside = return_postage(tracker, turn) or self._person_not_needed(tracker, turn)
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

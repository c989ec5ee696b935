"""Low NLU confidence: count the `nlu_fallback` messages in a row.

The first gets `utter_rephrase` (topic buttons), the second and later ones
`utter_offer_human`; the rules (data/rules/fallback.yml) read `outcome`. Every
other custom action resets `fallback_count` (actions/base.py), so one confident
turn starts the count again.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import CsbaAction, Turn

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
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        outcome = "offer_human" if count >= OFFER_HUMAN_AFTER else "rephrase"
        return [SlotSet("fallback_count", count), SlotSet("outcome", outcome)]

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [SlotSet("outcome", "rephrase")]

"""Product questions: which item of the order the question is about.

The order form asks this only for an order of several items, and only once
the order is known to be the buyer's (actions/orders.py). The buttons carry the
item's ASIN as plain text, which the form reads from the message text
(`validate_product_asin`, matched by bot.services.order_lookup.match_item); a
buyer may also type the item's number in the list or words of its title.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import CsbaAction, Turn, clean_text
from actions.order_form import order_unlocked
from bot.services.order_lookup import items_to_choose, load_order

BUTTON_TITLE_CHARS = 60


class ActionAskProductAsin(CsbaAction):
    """Asks which item of the order the question is about, one button per item."""

    def name(self) -> str:
        return "action_ask_product_asin"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        order_id = tracker.get_slot("order_id")
        buttons: list[dict[str, str]] = []
        if order_unlocked(order_id, tracker, turn):
            # The verified buyer may have changed in this very turn (first ZIP).
            buyer_id = turn.buyer_id or tracker.get_slot("buyer_id")
            with self.services.session() as session:
                items = items_to_choose(
                    session, load_order(session, order_id), buyer_id
                )
            buttons = [
                {"title": clean_text(p.title, BUTTON_TITLE_CHARS), "payload": p.asin}
                for p in items
            ]
        dispatcher.utter_message(response="utter_ask_product_asin", buttons=buttons)
        return []

"""Product questions: whether, and which, order the question is about, and
which item of the order.

"Have you ordered it?" (`action_ask_has_ordered`): a follow-up question of a
chat that was just about one of the buyer's orders is offered that order, or
the buyer's order holding the item the question names (`order_choices` and
`named_item`, set by action_start_inquiry), as a button that sends its number,
beside "Yes, another order" (`/affirm`) and "No, not ordered yet" (`/deny`);
otherwise the plain yes/no question. The order is offered, never assumed.

Which item: the order form asks this only for an order of several items, and
only once the order is known to be the buyer's (actions/orders.py). The buttons
carry the item's ASIN as plain text, which the form reads from the message text
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
from actions.order_questions import order_choice_buttons
from bot.services.order_lookup import items_to_choose, load_order
from bot.services.presentation import not_this_order_buttons

BUTTON_TITLE_CHARS = 60


class ActionAskHasOrdered(CsbaAction):
    """Have you ordered it? With the order of the previous inquiry as a
    one-click choice when there is one this chat may look into."""

    def name(self) -> str:
        return "action_ask_has_ordered"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        choices = order_choice_buttons(self.services, tracker, turn)
        if not choices:
            dispatcher.utter_message(response="utter_ask_has_ordered")
            return []
        order_id = next(iter(choices))
        dispatcher.utter_message(
            response="utter_ask_order_in_chat",
            order_id=order_id,
            named_item=tracker.get_slot("named_item") or "",
            buttons=[*choices.values(), *not_this_order_buttons(turn.language)],
        )
        return []

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Without the order, still ask: yes, no, or an order number all work."""
        dispatcher.utter_message(response="utter_ask_has_ordered")
        return []


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

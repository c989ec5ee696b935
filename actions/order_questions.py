"""Asking for the order (the order form's `order_id` question):
`action_ask_order_id`, and the order buttons it and "have you ordered it?"
(actions/product.py) offer. A buyer with a token is offered their recent orders;
an anonymous buyer the orders already verified in this chat; a buyer who named
an item that is in several of their orders, those orders (`order_choices`).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import BotServices, CsbaAction, Turn
from actions.form_vocabulary import MAX_ORDER_CHOICES, NOTICE_SEVERAL_ORDERS
from actions.order_form import order_unlocked, verified_orders
from bot.nlp.policy_question import asks_return_policy
from bot.services.order_lookup import load_order, recent_orders
from bot.services.presentation import (
    order_button_payload,
    order_button_title,
    order_choice_title,
)

RECENT_ORDERS = 5


def order_button(order_id: str, title: str | None = None) -> dict[str, str]:
    """A quick reply that sends the order number as `give_order_id`, titled
    `title` (bot.services.presentation.order_button_title: item, day placed,
    end of the order number) or the order number."""
    return {"title": title or order_id, "payload": order_button_payload(order_id)}


def order_choice_buttons(
    services: BotServices, tracker: Tracker, turn: Turn
) -> dict[str, dict[str, str]]:
    """The orders to choose from (`order_choices`: those a named item is in, set
    by the form, or the order of the previous inquiry, set by
    action_start_inquiry), each that this chat may look into, by order number:
    its button, with the item (`named_item`), the day the order was placed and
    what was paid for it. {} when there is no choice to offer."""
    order_ids = tracker.get_slot("order_choices")
    if not isinstance(order_ids, list) or not order_ids:
        return {}
    named = str(tracker.get_slot("named_item") or "")
    buttons = {}
    with services.session() as session:
        for order_id in order_ids[:MAX_ORDER_CHOICES]:
            order = load_order(session, str(order_id))
            if order is None or not order_unlocked(order.id, tracker, turn):
                continue
            buttons[order.id] = {
                "title": order_choice_title(
                    order, named, now=turn.now, language=turn.language
                ),
                "payload": order_button_payload(order.id),
            }
    return buttons


class ActionAskOrderId(CsbaAction):
    """Asks for the order number; a buyer with a token gets their recent orders
    as buttons, an anonymous buyer the orders already verified in this chat."""

    def name(self) -> str:
        return "action_ask_order_id"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        if asks_return_policy(turn.text):
            # "what's your return policy?": its general terms first; the
            # order's own window is decided once the buyer says which order
            dispatcher.utter_message(response="utter_return_policy")
        choices = order_choice_buttons(self.services, tracker, turn)
        if tracker.get_slot("form_notice") == NOTICE_SEVERAL_ORDERS:
            # the request named several orders: which one, named by what the
            # request does ("Which order do you want to cancel?"), with those
            # of them this chat may look into as buttons
            dispatcher.utter_message(
                response="utter_ask_which_of_several", buttons=list(choices.values())
            )
            return []
        if choices:
            # the buyer named an item that is in several of their orders; or,
            # asked again ("both", "idk"), the orders a request named: one at
            # a time
            named = tracker.get_slot("named_item")
            dispatcher.utter_message(
                response="utter_ask_which_order"
                if named
                else "utter_ask_one_order_at_a_time",
                buttons=list(choices.values()),
            )
            return []
        buttons = self._buttons(tracker, turn)
        if buttons:
            dispatcher.utter_message(
                response="utter_ask_order_id_recent", buttons=buttons
            )
        else:
            dispatcher.utter_message(response="utter_ask_order_id")
        return []

    def _buttons(self, tracker: Tracker, turn: Turn) -> list[dict[str, str]]:
        with self.services.session() as session:
            if turn.token_buyer_id is not None:
                orders = recent_orders(
                    session, turn.token_buyer_id, limit=RECENT_ORDERS
                )
                return [
                    order_button(
                        order.id,
                        order_button_title(order, now=turn.now, language=turn.language),
                    )
                    for order in orders
                ]
            # An anonymous chat: the orders whose ZIP code it proved; the item
            # and day of the verified buyer's own only (the policy tells
            # nothing about another buyer's order, even with its ZIP code).
            buttons = []
            for order_id in verified_orders(tracker):
                order = load_order(session, order_id)
                title = None
                if order is not None and order.buyer_id == turn.buyer_id:
                    title = order_button_title(
                        order, now=turn.now, language=turn.language
                    )
                buttons.append(order_button(order_id, title))
            return buttons

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Without the recent orders, still ask: the buyer can type the number."""
        dispatcher.utter_message(response="utter_ask_order_id")
        return []

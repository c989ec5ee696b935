"""Product questions: which item of the order the question is about.

The order form asks this only for an order of several items, and only once
the order is known to be the buyer's (actions/orders.py). The buttons carry the
item's ASIN as plain text, which the form reads from the message text; a buyer
may also type the item's number in the list or words of its title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import MAX_ANSWER_CHARS, CsbaAction, Turn, clean_text
from actions.orders import is_buyers_order, order_unlocked

BUTTON_TITLE_CHARS = 60
_WORD = re.compile(r"\w{3,}")


def match_item(text: Any, products: Sequence[Any]) -> str | None:
    """The ASIN of the product `text` names: its ASIN, its number in the list
    (1, 2, ...), or the one product whose title shares the most words with it.
    None when nothing (or more than one product equally) matches."""
    answer = clean_text(text, MAX_ANSWER_CHARS).casefold()
    if not answer:
        return None
    for product in products:
        if answer == product.asin.casefold():
            return product.asin
    if answer.isdigit() and 1 <= int(answer) <= len(products):
        return products[int(answer) - 1].asin
    words = set(_WORD.findall(answer))
    scores = []
    for product in products:
        title_words = set(_WORD.findall(product.title.casefold()))
        scores.append((len(words & title_words), product.asin))
    scores.sort(reverse=True)
    if (
        scores
        and scores[0][0] > 0
        and (len(scores) == 1 or scores[1][0] < scores[0][0])
    ):
        return scores[0][1]
    return None


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
        from bot.adapters.repository import SqlRepository

        order_id = tracker.get_slot("order_id")
        buttons: list[dict[str, str]] = []
        if order_unlocked(order_id, tracker, turn):
            with self.services.session() as session:
                repo = SqlRepository(session)
                order = repo.get_order(order_id)
                # The verified buyer may have changed in this very turn (first ZIP).
                buyer_id = turn.buyer_id or tracker.get_slot("buyer_id")
                if is_buyers_order(order, buyer_id):
                    buttons = [
                        {
                            "title": clean_text(p.title, BUTTON_TITLE_CHARS),
                            "payload": p.asin,
                        }
                        for p in repo.products_for_order(order_id)
                    ]
        dispatcher.utter_message(response="utter_ask_product_asin", buttons=buttons)
        return []

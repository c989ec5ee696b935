"""The order form's reading of item names (actions/order_form.py,
`OrderFormTurn`): the order a buyer's words name by its item ("the cutting
board came cracked", "the kettle i got in september"), or the question which
one; the order a request names by the day it was placed ("where is my nov 18
order?"); and a new product question about an item this order does not hold.

A mixin: the methods use the attributes `OrderFormTurn` sets (the answer, the
pending intent, the order in question, the session)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from actions.form_vocabulary import MAX_ORDER_CHOICES, PRODUCT_QUESTION
from bot.domain.model import Order
from bot.nlp.item_names import item_words, named_items
from bot.services.order_lookup import (
    needs_order,
    order_picked_in_words,
    order_placed_on,
    order_to_offer,
    orders_to_search,
)
from bot.services.presentation import item_name

log = logging.getLogger(__name__)

MAX_ITEM_ANSWER_CHARS = 40
# Words that say which of the orders holding the item ("the newer kettle").
_WHICH_ONE = frozenset(
    "new newer newest old older oldest other latest recent first second last one".split()
)


class ItemNaming:
    """Item names in the order form's answers (mixed into OrderFormTurn)."""

    def _item_elsewhere(self) -> dict[str, Any]:
        """A new question instead of the item: {} when it names no item, or one
        of this order. Else ("does the tent have a rain fly?", no tent here) "have
        you ordered it?" again, offering the order holding it (`order_to_offer`)."""
        try:
            offered = order_to_offer(
                self.session,
                order_id=self.order_id,
                buyer_id=self.buyer_id,
                asin=None,
                question=self.answer,
                has_token=self.turn.has_token,
                verified=self.verified,
            )
        except SQLAlchemyError:
            self._read_failed("the order another question may be about")
            return {}
        if offered is not None and offered.order_id == self.order_id:
            return {}
        self.found_order = self._order_id_slot = self._has_ordered_slot = None
        return {
            "order_id": None,
            "product_asin": None,
            "has_ordered": None,
            "order_choices": [offered.order_id] if offered else None,
            "named_item": item_name(offered.title) if offered else None,
        }

    def named_order(self) -> dict[str, Any]:
        """The order the buyer's words name by an item ("the cutting board came
        cracked"), among the orders this chat may look into, when the message
        carries no order number: that order (said so when it replaces another),
        or, when items of several orders fit, the question which one. {} when
        the words name no item, or one of the order already in question."""
        if (
            self.said_order is not None
            or self.requested not in (None, "order_id")
            or not needs_order(self.pending)
            or self.pending == PRODUCT_QUESTION
        ):
            return {}
        # a part ("the lid won't close") never names another item than the
        # one in question ("I can see the kettle in more than one order")
        named = named_items(
            self.answer, self._orders_to_search(), whole_names=self.item_in_question
        )
        current = self.order_id
        if not named:
            return self._dated_order()
        order_ids = list(dict.fromkeys(item.order_id for item in named))
        held = [o for o in self._orders_to_search() if o.id in order_ids]
        # "my nov 10 kettle order": the day tells which of the orders holding
        # the item, even when the one in question holds it too
        dated = order_placed_on(self.answer, held) if len(held) > 1 else None
        if dated is not None:
            # said as the day's order ("So it's order ..."): the item is in
            # the other one too
            return {} if dated == current else self._order_taken(dated, current)
        if any(item.order_id == current for item in named):
            return {}
        picked = order_picked_in_words(self.answer, held, by_status=False)
        order_ids = [picked] if picked and len(order_ids) > 1 else order_ids
        if len(order_ids) > 1:
            self.found_order = self._order_id_slot = None
            self.asks_which_order = True
            return {
                "order_id": None,
                "product_asin": None,
                "order_choices": order_ids[:MAX_ORDER_CHOICES],
                "named_item": item_name(named[0].title),
            }
        return self._order_taken(
            order_ids[0], current, named_item=item_name(named[0].title)
        )

    def only_names_an_item(self) -> bool:
        """Whether the answer is an item of the buyer's orders and nothing else
        ("the kettle", "my newer kettle"): an answer to "which order?" whatever
        the NLU reads it as ("the kettle" as a damage report), never a new
        request ("return the kettle", "kettle broken")."""
        said = item_words(self.answer or "")
        if not said or len(self.answer) > MAX_ITEM_ANSWER_CHARS:
            return False
        named = named_items(self.answer, self._orders_to_search())
        titled = {word for item in named for word in item_words(item.title)}
        return bool(named) and said <= titled | _WHICH_ONE

    def _dated_order(self) -> dict[str, Any]:
        """The order a request names by the day it was placed ("where is my nov
        18 order?"), among the orders this chat may look into: that order.
        {} when the words name no such day, or the order already in question."""
        picked = order_placed_on(self.answer, self._orders_to_search())
        if picked is None or picked == self.order_id:
            return {}
        return self._order_taken(picked, self.order_id)

    def _order_taken(
        self, order_id: str, current: str | None, **also: Any
    ) -> dict[str, Any]:
        """The slots of `order_id` taken from the buyer's words (`also`: more of
        them), said to replace `current` when there was one."""
        self.found_order = self._order_id_slot = order_id
        values: dict[str, Any] = {
            "order_id": order_id,
            "product_asin": None,
            "order_choices": None,
            **also,
        }
        if current:
            values["order_switched"] = True
        return values

    def _orders_to_search(self) -> list[Order]:
        """A buyer with a token: their latest orders. Anonymous: the orders
        verified in this chat. [] when they cannot be read (logged): the form
        then asks for the order as it would without an item name."""
        try:
            return orders_to_search(
                self.session,
                self.buyer_id,
                has_token=self.turn.has_token,
                verified=self.verified,
            )
        except SQLAlchemyError:
            self._read_failed("the orders an item name may point to")
            return []

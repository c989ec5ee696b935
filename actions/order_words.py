"""The order a buyer picks in words at "Which order is it about?" instead of
clicking one of its buttons (the order form, actions/orders.py): "the newer
one", "the second one", "ending in 0003", "the one from nov 2"
(bot.nlp.choices), among the orders the buttons showed
(actions/order_questions.py); and a typed "yes" to "Have you ordered it? If
it's order X, tap it below" (`offered_order_confirmed`)."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError

from actions.base import is_payload
from actions.form_vocabulary import MAX_ORDER_CHOICES
from actions.order_form import OrderFormTurn, order_unlocked, verified_orders
from actions.order_questions import RECENT_ORDERS
from bot.domain.model import Order
from bot.nlp.follow_up import names_another_order
from bot.services.order_lookup import load_order, order_picked_in_words, recent_orders

log = logging.getLogger(__name__)


def chosen_in_words(form: OrderFormTurn, tracker: Tracker) -> str | None:
    """The order the buyer picks in words ("the newer one", "the second one",
    "ending in 0003", "the one from nov 2": bot.nlp.choices) among the orders
    the question "Which order is it about?" offered as buttons (the orders
    holding a named item, or the recent ones); None when the words pick none."""
    if form.requested != "order_id" or form.found_order is not None:
        return None
    try:
        orders = _offered_orders(form, tracker)
    except SQLAlchemyError:
        log.exception("Cannot read the orders offered as a choice")
        return None
    if len(orders) < 2:
        return None
    return order_picked_in_words(form.turn.text, orders)


def _offered_orders(form: OrderFormTurn, tracker: Tracker) -> list[Order]:
    """The orders the order question showed as buttons, in their order
    (actions/order_questions.py): `order_choices`, else a token buyer's recent
    orders, else the orders this anonymous chat verified."""
    choices = tracker.get_slot("order_choices")
    if isinstance(choices, list) and choices:
        ids = [str(c) for c in choices[:MAX_ORDER_CHOICES]]
    elif form.turn.token_buyer_id is not None:
        return recent_orders(
            form.session, form.turn.token_buyer_id, limit=RECENT_ORDERS
        )
    else:
        ids = verified_orders(tracker)
    orders = [load_order(form.session, order_id) for order_id in ids]
    return [
        o for o in orders if o is not None and order_unlocked(o.id, tracker, form.turn)
    ]


def offered_order_confirmed(form: OrderFormTurn, tracker: Tracker) -> str | None:
    """A typed "yes" ("yes", "yes that one", "yep i did") to "Have you
    ordered it? If it's order X (the kettle), tap it below": that order, the
    one offered. The button "Yes, another order" (its payload) and "yes, a
    different one" are not; nor is a yes with no single order offered."""
    if form.requested != "has_ordered" or form.found_order is not None:
        return None
    if form.turn.intent != "affirm" or is_payload(form.turn.text):
        return None
    if names_another_order(form.turn.text):
        return None
    choices = tracker.get_slot("order_choices")
    if not (isinstance(choices, list) and len(choices) == 1):
        return None
    offered = str(choices[0])
    return offered if order_unlocked(offered, tracker, form.turn) else None

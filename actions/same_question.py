"""An order number on its own, right after a decision: "what about 113-...?"

After the bot has answered about one order, buyers ask the same about another
in a few words: "and 113-...?", "what about my other order 114-...", "same
for 112-...", "¿y el pedido 113-...?" (`bot.nlp.follow_up.asks_the_same`). The
NLU reads these as a bare order number, and the bot used to ask what it is
about, though the buyer had just said.

The other order may also be named in words, when the question just decided
offered a choice of orders ("wheres my tumbler" -> two orders -> "the newer
one" -> answered): "and the other one?", "y el otro?", "what about the october
one" (`other_order_named`: the order of that choice the words pick, besides
the one decided; bot.nlp.choices for dates, age and status).

`action_same_question` runs after `action_start_inquiry` for every bare order
number (data/rules/orders.yml) and sets `outcome`:
- `same_question`: the question of the decision just made, about the order
  this message names. `pending_intent` is that question's intent and
  `inquiry_text` its words followed by this message, so that a seller's case
  reads as the buyer meant it; the order form then checks the order as for any
  question (whose order it is, the ZIP code of an anonymous buyer's order).
  Only questions that write nothing for the buyer (SAME_QUESTION_INTENTS): a
  cancellation, an address change, a damage report or a return (the bot
  authorises returns) is never filed from "and 113-...?"; the bot asks;
- `verification_rate_limited` / `verification_locked`: a ZIP code typed right
  after the bot paused verification (too many wrong ZIP codes from this
  client, or for this order): the pause again, never "What would you like to
  know about your order?", which read as if the ZIP code had been accepted;
- `ask_topic`: anything else; the bot asks what the order number is about.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.base import MAX_QUESTION_CHARS, BotServices, CsbaAction, Turn, clean_text
from actions.turns import previous_turn, slot_values
from bot.domain.model import Intent
from bot.nlp.follow_up import asks_the_same
from bot.services.identity import only_a_postal_code
from bot.services.order_lookup import find_order_id, load_order, order_picked_in_words

log = logging.getLogger(__name__)

SAME_QUESTION = "same_question"  # outcome
PAUSES = ("verification_rate_limited", "verification_locked")  # outcomes
ASK_TOPIC = "ask_topic"  # outcome
SAME_QUESTION_INTENTS = frozenset(
    {
        Intent.DELIVERY_STATUS.value,
        Intent.INVOICE.value,
        Intent.CUSTOMIZATION.value,
    }
)


# "the other one", "the other order", "el otro", "la otra": the one not decided
_OTHER = re.compile(r"\b(?:other|otro|otra)\b", re.IGNORECASE)
MAX_WORDS = 8


def _last_value(events: list[dict[str, Any]], slot: str) -> Any:
    """The last value other than None (or empty) `events` set `slot` to."""
    return next((v for v in reversed(slot_values(events, slot)) if v), None)


def question_just_decided(tracker: Tracker) -> tuple[str, str] | None:
    """The intent and words of the inquiry the bot decided at the buyer's
    previous message, or None (no decision then, or not a question)."""
    if _last_value(previous_turn(tracker), "reason_code") is None:
        return None
    events = list(tracker.events or [])
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    before = events[: users[-1]]
    intent = _last_value(before, "pending_intent")
    if intent not in SAME_QUESTION_INTENTS:
        return None
    return intent, str(_last_value(before, "inquiry_text") or "")


def _decided_inquiry(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the inquiry decided last: from the action_start_inquiry
    that began it to the one of this message."""
    events = list(tracker.events or [])
    starts = [
        i
        for i, event in enumerate(events)
        if event.get("event") == "action"
        and event.get("name") == "action_start_inquiry"
    ]
    return events[starts[-2] : starts[-1]] if len(starts) >= 2 else []


def other_order_named(
    services: BotServices, tracker: Tracker, turn: Turn
) -> str | None:
    """The order of the choice the decided inquiry offered that this short
    message names besides the one decided ("and the other one?", "the
    october one"), or None."""
    text = turn.text or ""
    if not text or len(text.split()) > MAX_WORDS:
        return None
    inquiry = _decided_inquiry(tracker)
    choices = _last_value(inquiry, "order_choices")
    decided = find_order_id(_last_value(inquiry, "order_id"))
    if not isinstance(choices, list) or decided not in choices:
        return None
    others = [str(c) for c in choices if c != decided]
    if _OTHER.search(text):
        return others[0] if len(others) == 1 else None
    try:
        with services.session() as session:
            orders = [load_order(session, str(c)) for c in choices]
    except SQLAlchemyError:
        log.exception("Cannot read the orders of the choice just made")
        return None
    picked = order_picked_in_words(text, [o for o in orders if o is not None])
    return picked if picked in others else None


def pause_just_said(tracker: Tracker) -> str | None:
    """The verification pause the bot gave at the buyer's previous message."""
    outcome = _last_value(previous_turn(tracker), "outcome")
    return outcome if outcome in PAUSES else None


class ActionSameQuestion(CsbaAction):
    def name(self) -> str:
        return "action_same_question"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        paused = pause_just_said(tracker)
        if paused is not None and only_a_postal_code(turn.text):
            return [SlotSet("outcome", paused)]
        decided = question_just_decided(tracker)
        if decided is None:
            return [SlotSet("outcome", ASK_TOPIC)]
        order_id = find_order_id(tracker.get_slot("order_id"))
        if order_id is None:
            order_id = other_order_named(self.services, tracker, turn)
        elif not asks_the_same(turn.text):
            order_id = None
        if order_id is None:
            return [SlotSet("outcome", ASK_TOPIC)]
        intent, words = decided
        text = clean_text(
            " / ".join(w for w in (words, turn.text) if w), MAX_QUESTION_CHARS
        )
        return [
            SlotSet("order_id", order_id),
            SlotSet("pending_intent", intent),
            SlotSet("inquiry_text", text),
            SlotSet("outcome", SAME_QUESTION),
        ]

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The bot asks what the order number is about, as before."""
        return [SlotSet("outcome", ASK_TOPIC)]

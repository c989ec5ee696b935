"""The remedy for a damaged item: the buyer's answer to "Would you like a
replacement?" (`action_damage_remedy`).

action_triage asks it after a `damaged_return` decision and sets
`damage_remedy_pending`; the rules (data/rules/returns.yml) run this action
when the buyer answers yes (affirm: a replacement) or no (deny: a refund), and
when the answer is a return or damage message: one that names a remedy
("replacement please", "no refund, send another one": bot.nlp.remedy) is the
answer; one that names none ("the kettle is broken too"), another order or
another item is a new inquiry (`outcome` remedy_not_named: the rules start it
as usual); one that names a remedy without choosing it ("no refund please", "is
the replacement free?") gets the question again (remedy_unclear), and so
does who pays to send it back, after its answer (actions/asides.py). It
calls bot.services.triage.resolve_damage for the damaged item of the decision
(`decision_facts.damaged_items`), which authorises its return (idempotent per
order and item) and, for a replacement, opens the seller's case; and sets
`outcome` (damage_replacement | damage_refund) and the slots the replies quote.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import RETURN_POSTAGE, return_postage
from actions.base import MAX_QUESTION_CHARS, CsbaAction, Turn, clean_text, slot_events
from actions.order_form import order_unlocked
from actions.triage import NO_INQUIRY, decision_slots
from bot.adapters.return_store import REPLACEMENT
from bot.nlp.item_names import named_items
from bot.nlp.remedy import REPLACEMENT as NAMED_REPLACEMENT
from bot.nlp.remedy import UNCLEAR, remedy_named
from bot.services.order_lookup import find_order_id, load_order
from bot.services.triage import resolve_damage

log = logging.getLogger(__name__)

PENDING_SLOT = "damage_remedy_pending"
YES = "affirm"
NO = "deny"
DAMAGE_REPLACEMENT = "damage_replacement"
DAMAGE_REFUND = "damage_refund"
REMEDY_NOT_NAMED = "remedy_not_named"
REMEDY_UNCLEAR = "remedy_unclear"


class ActionDamageRemedy(CsbaAction):
    """A replacement (yes) or a refund (no) for the damaged item."""

    def name(self) -> str:
        return "action_damage_remedy"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        closed = [SlotSet(PENDING_SLOT, None)]  # also begin_turn's; on_failure's
        order_id = find_order_id(tracker.get_slot("order_id"))
        facts = tracker.get_slot("decision_facts")
        damaged = facts.get("damaged_items") if isinstance(facts, dict) else None
        if (
            not isinstance(damaged, list)
            or len(damaged) != 1
            or not order_unlocked(order_id, tracker, turn)
        ):
            return closed + [SlotSet("outcome", NO_INQUIRY)]
        if turn.intent in (YES, NO):
            replacement = turn.intent == YES
        elif return_postage(tracker, turn):
            # "do i have to pay for return shipping?": told, then asked again
            return [SlotSet(PENDING_SLOT, True), SlotSet("outcome", RETURN_POSTAGE)]
        else:
            named = remedy_named(turn.text)
            if named is None or self._about_something_else(turn, order_id, damaged[0]):
                return closed + [SlotSet("outcome", REMEDY_NOT_NAMED)]
            if named == UNCLEAR:  # "no refund please", "is the replacement free?"
                return [SlotSet(PENDING_SLOT, True), SlotSet("outcome", REMEDY_UNCLEAR)]
            replacement = named == NAMED_REPLACEMENT
        question = clean_text(tracker.get_slot("inquiry_text"), MAX_QUESTION_CHARS)
        with self.services.session() as session:
            result, remedy = resolve_damage(
                session,
                order_id=order_id,
                asin=str(damaged[0]),
                buyer_id=turn.buyer_id,
                replacement=replacement,
                conversation_id=turn.conversation_id,
                question=question or "damaged_item",
                now=turn.now,
                notifier=self.services.notifier,
                language=turn.language,
            )
            values = decision_slots(
                result, remedy, now=turn.now, language=turn.language
            )
        if remedy is None:
            log.info(
                "No damage remedy in %s: now %s",
                turn.conversation_id,
                result.decision.reason_code,
            )
            return closed + [SlotSet("outcome", NO_INQUIRY)]
        authorisation = remedy.authorisation
        log.info(
            "Damage remedy in %s: %s %s (order %s, return %s)",
            turn.conversation_id,
            authorisation.resolution,
            "authorised" if authorisation.created else "found again",
            authorisation.order_id,
            authorisation.id,
        )
        outcome = (
            DAMAGE_REPLACEMENT
            if authorisation.resolution == REPLACEMENT
            else DAMAGE_REFUND
        )
        return closed + slot_events(values) + [SlotSet("outcome", outcome)]

    def _about_something_else(self, turn: Turn, order_id: str, asin: str) -> bool:
        """Another order's number, or another item of this order, in the words
        ("refund for order 113-...", "the tumbler is dented too, replace it"):
        a new inquiry, not the answer about the damaged item."""
        if find_order_id(turn.text) not in (None, order_id):
            return True
        with self.services.session() as session:
            order = load_order(session, order_id)
            named = named_items(turn.text, [order]) if order is not None else []
        return bool(named) and all(item.asin != asin for item in named)

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The rules say `utter_service_unavailable`; the question is closed."""
        return [SlotSet(PENDING_SLOT, None), SlotSet("outcome", "service_unavailable")]

"""The decision, `action_triage` (what the buyer wants is remembered first by
`action_start_inquiry`, actions/inquiry.py).

`action_triage` runs when the order form ends, or at once for intents that
need no order. It calls `bot.services.triage.triage` with the verified buyer,
records what the decision implies (`record_decision`: a return authorisation,
a seller case or an agent case, idempotent per conversation), and sets:
- the decision slots the agent console filters on: `route`, `reason_code`,
  `case_id`, `order_id`, on every decision, and `decision_facts`, every fact the
  decision used (Decision.facts, JSON-ready; empty when it used none), from
  which the console renders the policy's reason sentence;
- the facts the replies quote (carrier, tracking, dates, return method and
  deadline, the product-page answer, the case's due time), empty when unknown;
- `outcome`, from which the rules (data/rules/) pick utter_reason_<code> and
  what happens next. `outcome` is also how a failed verification, a stop, or a
  database failure reaches the buyer.
Every decision is also kept as an inquiry, to be rated (actions/ratings.py).
A `damaged_return` records nothing yet: it opens the question "Would you like a
replacement?" (`damage_remedy_pending`, answered by actions/returns.py), unless
the damaged item already has its return authorisation: then the outcome is
`damage_already_authorised` and the buyer hears the same number again. "Any
news?" about an open case is told where that case stands (actions/case_update.py).
"""

from __future__ import annotations

import logging
import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import (
    case_note,
    no_person_needed,
    postage_for_the_seller,
    return_postage,
)
from actions.base import (
    MAX_ANSWER_CHARS,
    MAX_QUESTION_CHARS,
    CsbaAction,
    Turn,
    clean_text,
    is_payload,
    slot_events,
)
from actions.case_update import case_update, just_asked_for_a_person
from actions.follow_up import (
    previous_turn,
    question_just_decided_as,
    slot_values,
    take_back,
    typed_inquiry_words,
)
from actions.form_vocabulary import (
    ASK_FOR_PERSON,
    CANCEL_ORDER,
    CHANGE_ADDRESS,
    DAMAGED_ITEM,
    DELIVERY_STATUS,
    HALT_CANCELLED,
    HALT_CLIENT_LIMITED,
    HALT_ORDER_LOCKED,
    HALT_SERVICE_UNAVAILABLE,
    HALT_VERIFICATION_FAILED,
    RETURN_REFUND,
)
from actions.handoff import agent_hours, handoff_started
from actions.inquiry import INQUIRY_SLOTS
from actions.order_form import order_unlocked
from actions.ratings import ask_helpful
from actions.small_talk import BOT_IDENTITY, LANGUAGE_SWITCHED
from bot.domain.model import without_order_ids
from bot.nlp.claims import (
    NOT_RECEIVED,
    REFUND_MISSING,
    asks_about_money,
    says_damaged,
    says_it_came,
)
from bot.nlp.small_talk import asks_if_bot, asks_only_for_language
from bot.services import ratings
from bot.services.decision_slots import decision_slots
from bot.services.handoff import request_handoff
from bot.services.order_lookup import (
    BUSINESS_INTENTS,
    decide_inquiry,
    find_order_id,
    needs_order,
)
from bot.services.presentation import buyer_time
from bot.services.returns import DamageRemedy
from bot.services.triage import TriageError, record_decision

log = logging.getLogger(__name__)

# A request for a person: live when an agent is online (actions.handoff).
AGENT_REQUEST_CODE = "buyer_asked_for_agent"
HANDOFF_WAITING = "handoff_waiting"  # outcome: in the queue for a person
HANDOFF_LIVE = "handoff_live"  # outcome: a person already has this chat
AGENTS_AWAY = "agents_away"  # outcome: agent case, agents back at `agents_back`
DAMAGED_RETURN = "damaged_return"
DAMAGE_ALREADY_AUTHORISED = "damage_already_authorised"


HALT_OUTCOMES = {
    HALT_VERIFICATION_FAILED: "verification_failed",
    HALT_SERVICE_UNAVAILABLE: "service_unavailable",
    HALT_CANCELLED: "inquiry_cancelled",
    HALT_ORDER_LOCKED: "verification_locked",
    HALT_CLIENT_LIMITED: "verification_rate_limited",
}
NO_INQUIRY = "no_inquiry"


class ActionTriage(CsbaAction):
    """Applies the CSBA policy to the inquiry, records it, and sets `outcome`."""

    def name(self) -> str:
        return "action_triage"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        done = self._inquiry_done()
        halt = tracker.get_slot("inquiry_halt")
        if halt in HALT_OUTCOMES:
            return done + [SlotSet("outcome", HALT_OUTCOMES[halt])]

        intent = tracker.get_slot("pending_intent")
        if intent not in BUSINESS_INTENTS:
            return done + [SlotSet("outcome", NO_INQUIRY)]
        postage = return_postage(tracker, turn) or postage_for_the_seller(
            self.services, tracker, turn
        )
        if postage is not None:  # "do I have to pay the shipping?" after a return
            return done + postage
        if intent == ASK_FOR_PERSON and asks_if_bot(turn.text):
            # "are you a real person?": told, not put in a person's queue unasked
            return done + [SlotSet("outcome", BOT_IDENTITY)]
        if intent == ASK_FOR_PERSON and asks_only_for_language(turn.text):
            # "¿hablas español?": the language (slot `language`), not a person
            return done + [SlotSet("outcome", LANGUAGE_SWITCHED)]
        order_id = find_order_id(tracker.get_slot("order_id"))
        if needs_order(intent):
            if order_id is None:
                return done + [SlotSet("outcome", NO_INQUIRY)]
            if not order_unlocked(order_id, tracker, turn):
                # Never decide on an order this conversation has not verified.
                return done + [SlotSet("outcome", "verification_failed")]
        elif not order_unlocked(order_id, tracker, turn):
            order_id = None

        if order_id and tracker.get_slot("order_switched"):
            # the buyer named an item of another order than the one in
            # question, or the day another order was placed
            named = tracker.get_slot("named_item")
            dispatcher.utter_message(
                response="utter_order_switched" if named else "utter_order_switched_to",
                named_item=named or "",
                order_id=order_id,
            )
        question = tracker.get_slot("inquiry_text") or intent
        if intent == CANCEL_ORDER:
            taken_back = take_back(
                self.services,
                tracker,
                turn,
                order_id=order_id,
                text=typed_inquiry_words(tracker, question),
                required=True,
            )
            if taken_back is not None:
                return done + taken_back
        asked = case_update(
            self.services,
            turn,
            intent,
            order_id,
            question,
            preferred=tracker.get_slot("case_id"),
            just_asked=just_asked_for_a_person(tracker),
        )
        if asked is not None:  # "any news on my case?": the case, not the order
            return done + asked
        not_needed = no_person_needed(turn) if intent == ASK_FOR_PERSON else None
        if not_needed is not None:  # "I don't need a person", none asked for
            return done + not_needed
        note = case_note(self.services, tracker, turn)
        if note is not None:  # "can you hurry them up" after a seller's case
            return done + note
        address = clean_text(tracker.get_slot("new_address"), MAX_ANSWER_CHARS)
        if address and intent == CHANGE_ADDRESS:  # asked for by the order form
            room = MAX_QUESTION_CHARS - len(address) - 3
            question = f"{clean_text(question, room)} — {address}"
        with self.services.session() as session:
            try:
                # An order the intent does not need (invoice, a person...) is in
                # the decision, and linked to a case, only when it is the buyer's.
                result = decide_inquiry(
                    session,
                    intent=intent,
                    order_id=order_id,
                    now=turn.now,
                    buyer_id=turn.buyer_id,
                    question=question,
                    asin=tracker.get_slot("product_asin"),
                    claim=refund_asked_again(tracker, question, intent, order_id),
                )
            except TriageError as exc:
                log.warning("Triage refused the inquiry: %s %s", exc.key, exc.params)
                return done + [SlotSet("outcome", NO_INQUIRY)]
            agents_back = None
            if result.decision.reason_code == AGENT_REQUEST_CODE:
                # A person live when an agent is online (issue 14); otherwise
                # the agent case with the 2-day commitment, as before.
                asked = request_handoff(
                    session,
                    conversation_id=turn.conversation_id,
                    reason_code=result.decision.reason_code,
                    now=turn.now,
                    hours=agent_hours(),
                    buyer_id=turn.buyer_id,
                    verified=turn.buyer_id is not None,
                    order_id=result.decision.order_id,
                )
                if asked.handoff is not None:
                    values = decision_slots(
                        result, None, now=turn.now, language=turn.language
                    )
                    outcome = HANDOFF_WAITING if asked.queue else HANDOFF_LIVE
                    log.info(
                        "Hand-off %s in %s", asked.handoff.id, turn.conversation_id
                    )
                    return (
                        done
                        + slot_events(values)
                        + handoff_started(asked)
                        + [SlotSet("outcome", outcome)]
                    )
                agents_back = asked.agents_back_at
            recorded = record_decision(
                session,
                result,
                conversation_id=turn.conversation_id,
                question=clean_text(
                    case_words(
                        question if question != intent else "",
                        answers_since_the_inquiry(tracker),
                    ),
                    MAX_QUESTION_CHARS,
                )
                or intent,
                now=turn.now,
                notifier=self.services.notifier,
                language=turn.language,
            )
            values = decision_slots(
                result, recorded, now=turn.now, language=turn.language
            )
            inquiry = ratings.record_inquiry(
                session,
                conversation_id=turn.conversation_id,
                route=values["route"],
                reason_code=values["reason_code"],
                order_id=values["order_id"],
                case_id=int(values["case_id"]) if values["case_id"] else None,
                now=turn.now,
            )
        if inquiry.answered_at_once:
            dispatcher.utter_message(json_message=ask_helpful(inquiry.id))
        log.info(
            "Decision in %s: %s %s (order %s, case %s)",
            turn.conversation_id,
            values["route"],
            values["reason_code"],
            values["order_id"],
            values["case_id"],
        )
        if agents_back is not None:
            return (
                done
                + slot_events(values)
                + [
                    SlotSet(
                        "agents_back",
                        buyer_time(agents_back, now=turn.now, language=turn.language),
                    ),
                    SlotSet("outcome", AGENTS_AWAY),
                ]
            )
        outcome = values["reason_code"]
        if outcome == DAMAGED_RETURN and isinstance(recorded, DamageRemedy):
            outcome = DAMAGE_ALREADY_AUTHORISED
        remedy_pending = outcome == DAMAGED_RETURN or None
        return (
            done
            + slot_events(values)
            + [
                SlotSet("damage_remedy_pending", remedy_pending),
                SlotSet("outcome", outcome),
            ]
        )

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The rules say `utter_service_unavailable`; the inquiry is over."""
        return self._inquiry_done() + [SlotSet("outcome", "service_unavailable")]

    @staticmethod
    def _inquiry_done() -> list[EventType]:
        return [SlotSet("pending_intent", None)] + [
            SlotSet(name, None) for name in INQUIRY_SLOTS
        ]


def refund_asked_again(
    tracker: Tracker, question: str, intent: str, order_id: str | None
) -> str | None:
    """REFUND_MISSING for a question about the money right after the refund
    case ("and will it go back on my card or gift card?"): the same case, not a
    return to authorise. NOT_RECEIVED for a return or refund of the order the
    bot has just heard never came ("will i get a refund or a new one?"): its
    case, never a return of a parcel the buyer does not have. None otherwise
    (the words speak for themselves)."""
    just_refund = question_just_decided_as(tracker, "refund_status")
    if just_refund and asks_about_money(question):
        return REFUND_MISSING
    if (
        intent in (RETURN_REFUND, DAMAGED_ITEM, DELIVERY_STATUS)
        and not says_damaged(question)  # "it turned up, and it's broken"
        and not says_it_came(question)
        and question_just_decided_as(tracker, "delivered_not_received")
        and order_id in slot_values(previous_turn(tracker), "order_id")
    ):
        return NOT_RECEIVED
    return None


# Words of a message that only gives the order: "order 112-... zip 98101".
_ONLY_GIVES = frozenset(
    "order number no zip code postal its it's is my the here and id it one older"
    " newer from you go sure thing ok okay thanks thank pedido número numero"
    " código codigo mi es el de la".split()
)
_WORD = re.compile(r"[^\W\d_][\w']+")
_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\b")


def answers_since_the_inquiry(tracker: Tracker) -> list[str]:
    """What the buyer typed, after the inquiry started, in answer to "which
    order?" (the order number, often with what happened), oldest first; not
    their answers to the ZIP code, address or item questions."""
    texts: list[str] = []
    requested = None
    started = False
    for event in tracker.events or []:
        kind, name = event.get("event"), event.get("name")
        if kind == "action" and name == "action_start_inquiry":
            texts, requested, started = [], None, True
        elif kind == "slot" and name == "requested_slot":
            requested = event.get("value")
        elif kind == "user" and started and requested == "order_id":
            texts.append(str(event.get("text") or ""))
    return texts


def case_words(question: str, answers: list[str]) -> str:
    """The buyer's words a case keeps: the inquiry's (`question`, with the new
    address of an address change), then each answer to "which order?" that is
    not in them and says more than an order number and ZIP code (after
    *Damaged or wrong item*: "wrong item", "i ordered the tumbler and got a
    kettle lol. order 112-..."); '' when there are none."""
    words = question
    for text in answers:
        typed = clean_text(text, MAX_QUESTION_CHARS)
        if not typed or is_payload(typed) or typed in words:
            continue
        rest = _ZIP.sub(" ", without_order_ids(typed))
        said = [w for w in _WORD.findall(rest.lower()) if w not in _ONLY_GIVES]
        known = set(_WORD.findall(words.lower()))
        # more than the order, and not the request again in other words
        if len(said) >= 2 and sum(w not in known for w in said) >= 2:
            words = f"{words} — {typed}" if words else typed
    return words

"""The order form: which order, is it the buyer's, and (product questions) which item.

`order_form` asks, as the inquiry needs:

1. `has_ordered` - product questions only, when no order number was given: "have
   you ordered it?" (yes/no buttons). No means a pre-order question.
2. `order_id` - the order number, normalised to ddd-ddddddd-ddddddd; anything
   else is re-asked politely. A buyer with a token is offered their recent
   orders as buttons (`action_ask_order_id`).
3. `zip_code` - anonymous buyers only: the ZIP code of the order's shipping
   address. `MAX_ZIP_ATTEMPTS` wrong answers in a conversation end the inquiry
   with `utter_verification_failed` and disclose nothing. Across conversations,
   bot.services.verification limits the failures per order (5 in 24 h: then
   the order is locked, `utter_verification_locked`, even for the right ZIP)
   and per client address (10 an hour, `utter_verification_rate_limited`).
   An unknown order is treated exactly like a wrong ZIP, so order numbers
   cannot be probed. Every
   order of the conversation is verified on its own; the first one makes its
   buyer the conversation's verified buyer (`buyer_id`), and the policy answers
   `not_your_order` for someone else's order.
4. `product_asin` - product questions on an order of several items: which item
   (`action_ask_product_asin`, in actions/product.py). Only asked once the order
   is the buyer's, so the items of someone else's order are never shown.

`validate_order_form` decides all of this and always names the next slot to
ask (`requested_slot`; None ends the form). It never utters: a re-ask picks its
wording from the `form_notice` slot, and an early end (`inquiry_halt`: failed
verification, the buyer stopping or asking for a person, the database down)
leaves the reply to action_triage, which runs when the form ends.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import (
    MAX_ANSWER_CHARS,
    REQUESTED_SLOT,
    CsbaAction,
    Turn,
    clean_text,
    entity_values,
    slot_events,
)
from bot.services.verification import Verdict, limits_for

log = logging.getLogger(__name__)

YES = "yes"
NO = "no"
RECENT_ORDERS = 5
BUTTON_TITLE_CHARS = 40

# Why the form asks again (the `form_notice` slot picks the wording).
NOTICE_YES_NO = "yes_no"
NOTICE_INVALID_ORDER_ID = "invalid_order_id"
NOTICE_ZIP_MISMATCH = "zip_mismatch"
NOTICE_ZIP_NEEDED = "zip_needed"
NOTICE_UNKNOWN_ITEM = "unknown_item"

# Why the form stopped early (the `inquiry_halt` slot, read by action_triage).
HALT_VERIFICATION_FAILED = "verification_failed"
HALT_SERVICE_UNAVAILABLE = "service_unavailable"
HALT_CANCELLED = "cancelled"
HALT_ORDER_LOCKED = "verification_locked"
HALT_CLIENT_LIMITED = "verification_rate_limited"

# Intents that leave the form when the message does not answer the question.
ASK_FOR_PERSON = "human_agent"
STOP_INTENTS = frozenset({"deny", "goodbye"})

# An order number inside a longer message, as in data/nlu/regex.yml.
_ORDER_ID_IN_TEXT = re.compile(
    r"(?<![0-9])[0-9]{3}(?:[ \t]*-[ \t]*|[ \t]+)?[0-9]{7}(?:[ \t]*-[ \t]*|[ \t]+)?"
    r"[0-9]{7}(?![0-9])"
)
_ASIN = re.compile(r"[A-Z0-9]{10}")


# --- helpers shared with actions/triage.py and actions/product.py ---------------


def business_intents() -> frozenset[str]:
    from bot.domain.model import Intent

    return frozenset(intent.value for intent in Intent)


def needs_order(intent: str | None) -> bool:
    """Whether the policy needs an order for this intent."""
    from bot.domain.model import INTENTS_WITHOUT_ORDER, Intent

    if intent not in business_intents():
        return False
    return Intent(intent) not in INTENTS_WITHOUT_ORDER


def find_order_id(*texts: Any) -> str | None:
    """The first order number in `texts` (entity values, then free text), in its
    canonical form; None when there is none."""
    from bot.adapters.repository import normalize_order_id

    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        text = text[: MAX_ANSWER_CHARS * 10]
        canonical = normalize_order_id(text)
        if canonical:
            return canonical
        folded = unicodedata.normalize("NFKC", text)
        for match in _ORDER_ID_IN_TEXT.finditer(folded):
            canonical = normalize_order_id(match.group(0))
            if canonical:
                return canonical
    return None


def verified_orders(tracker: Tracker) -> list[str]:
    value = tracker.get_slot("verified_orders")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def order_unlocked(order_id: str | None, tracker: Tracker, turn: Turn) -> bool:
    """May the bot look into this order in this conversation? A buyer with a
    token may (the policy checks it is theirs); an anonymous buyer once the ZIP
    code of this very order was verified."""
    if not order_id:
        return False
    return turn.has_token or order_id in verified_orders(tracker)


def is_buyers_order(order: Any, buyer_id: str | None) -> bool:
    return order is not None and (buyer_id is None or order.buyer_id == buyer_id)


def order_button(order_id: str, title: str | None = None) -> dict[str, str]:
    """A quick reply that sends the order number as `give_order_id`. The title
    is data only (the order number and its first item), no wording."""
    label = order_id if not title else " · ".join((order_id, _cut(title)))
    payload = "/give_order_id" + json.dumps({"order_id": order_id})
    return {"title": label, "payload": payload}


def _cut(text: str, limit: int = BUTTON_TITLE_CHARS) -> str:
    text = clean_text(text, limit + 1)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- the form ---------------------------------------------------------------------


class ValidateOrderForm(CsbaAction):
    """Checks every answer of order_form and names the next slot to ask."""

    def name(self) -> str:
        return "validate_order_form"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        candidates = tracker.slots_to_validate()
        requested = tracker.get_slot(REQUESTED_SLOT)
        pending = tracker.get_slot("pending_intent")
        values: dict[str, Any] = {"form_notice": None}

        found_order = None
        if "order_id" in candidates:
            found_order = find_order_id(
                *entity_values(tracker, "order_id"), candidates["order_id"]
            )
        answer = clean_text(turn.text, MAX_ANSWER_CHARS)

        # The buyer wants a person, or wants to stop, instead of answering.
        if requested and not _answers(requested, found_order, answer):
            if turn.intent == ASK_FOR_PERSON:
                values.update(pending_intent=ASK_FOR_PERSON, zip_code=None)
                return self._finish(values)
            if turn.intent in STOP_INTENTS and (
                requested != "has_ordered" or turn.intent != "deny"
            ):
                values.update(inquiry_halt=HALT_CANCELLED, zip_code=None)
                return self._finish(values)

        # A new question instead of (or beside) the answer, e.g. "actually, where is
        # my order 112-...?" while asked for the order of a cancellation: the new
        # business intent replaces the one being served, in the buyer's new words.
        if (
            requested
            and _asks_something_else(turn.intent, pending)
            and (
                requested == "order_id" or not _answers(requested, found_order, answer)
            )
        ):
            pending = turn.intent
            values.update(pending_intent=pending, inquiry_text=turn.text)

        has_ordered = tracker.get_slot("has_ordered")
        if "has_ordered" in candidates:
            has_ordered = {"affirm": YES, "deny": NO}.get(turn.intent or "")
            values["has_ordered"] = has_ordered
            if has_ordered is None and found_order is None:
                values["form_notice"] = NOTICE_YES_NO

        # An order number may come at any question (a new one, or a correction):
        # it is then the order to verify, and the message is not a ZIP code.
        order_id = tracker.get_slot("order_id")
        if found_order is not None:
            order_id = found_order
            values.update(order_id=order_id, product_asin=None)
            if pending == "product_question":
                has_ordered = YES
                values["has_ordered"] = YES
        elif "order_id" in candidates:
            order_id = None
            values["order_id"] = None
            if requested in (None, "order_id"):
                values["form_notice"] = NOTICE_INVALID_ORDER_ID

        # "No, I haven't ordered it": a pre-order question for the seller.
        if has_ordered == NO:
            values.update(pending_intent="pre_order", order_id=None)
            return self._finish(values)
        if not needs_order(pending):
            return self._finish(values)

        zip_answer = None
        if "zip_code" in candidates and found_order is None:
            from bot.services.identity import postal_code_in

            zip_answer = postal_code_in(
                clean_text(candidates["zip_code"], MAX_ANSWER_CHARS)
            )
        values["zip_code"] = None  # a ZIP code is checked, never kept

        verified = verified_orders(tracker)
        attempts = int(tracker.get_slot("zip_attempts") or 0)
        buyer_id = turn.buyer_id
        need_zip = bool(order_id) and not turn.has_token and order_id not in verified
        need_item = False
        from bot.services.identity import MAX_ZIP_ATTEMPTS

        if need_zip and attempts >= MAX_ZIP_ATTEMPTS:
            values["inquiry_halt"] = HALT_VERIFICATION_FAILED
            return self._finish(values)

        if need_zip:
            limits = limits_for(self.services.engine)
            # Locked before the buyer types a ZIP: say so now, ask for nothing.
            blocked = _blocked(limits, order_id, turn)
            if blocked is not None:
                values["inquiry_halt"] = _HALTS[blocked]
                return self._finish(values)

        with self.services.session() as session:
            from bot.adapters.repository import SqlRepository
            from bot.services.identity import verify_order_zip

            repo = SqlRepository(session)
            order = None
            if need_zip and zip_answer is not None:
                if not any(char.isdigit() for char in zip_answer):
                    values["form_notice"] = NOTICE_ZIP_NEEDED
                else:
                    order = repo.get_order(order_id)
                    verdict = limits.check(
                        order_id,
                        turn.client_key,
                        lambda: verify_order_zip(order, zip_answer),
                        now=real_now(),
                    )
                    if verdict in _HALTS:
                        values["inquiry_halt"] = _HALTS[verdict]
                        return self._finish(values)
                    if verdict is Verdict.VERIFIED:
                        need_zip = False
                        values.update(
                            verified_orders=[*verified, order_id], zip_attempts=0
                        )
                        if buyer_id is None:
                            buyer_id = order.buyer_id
                            values["buyer_id"] = buyer_id
                    else:
                        attempts += 1
                        values.update(
                            zip_attempts=attempts, form_notice=NOTICE_ZIP_MISMATCH
                        )
                        if attempts >= MAX_ZIP_ATTEMPTS:
                            values["inquiry_halt"] = HALT_VERIFICATION_FAILED
                            return self._finish(values)

            if pending == "product_question" and order_id and not need_zip:
                order = order or repo.get_order(order_id)
                if is_buyers_order(order, buyer_id):
                    products = repo.products_for_order(order_id)
                    if len(products) > 1:
                        from actions.product import match_item

                        asin = values.get(
                            "product_asin", tracker.get_slot("product_asin")
                        )
                        if "product_asin" in candidates:
                            asin = match_item(candidates["product_asin"], products)
                            values["product_asin"] = asin
                            if asin is None:
                                values["form_notice"] = NOTICE_UNKNOWN_ITEM
                        need_item = asin is None

        if pending == "product_question" and has_ordered is None and not order_id:
            next_slot = "has_ordered"
        elif not order_id:
            next_slot = "order_id"
        elif need_zip:
            next_slot = "zip_code"
        elif need_item:
            next_slot = "product_asin"
        else:
            next_slot = None
        return slot_events(values) + [SlotSet(REQUESTED_SLOT, next_slot)]

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """End the form; action_triage then tells the buyer we can't reach the order."""
        return self._finish(
            {"inquiry_halt": HALT_SERVICE_UNAVAILABLE, "zip_code": None}
        )

    @staticmethod
    def _finish(values: dict[str, Any]) -> list[EventType]:
        return slot_events(values) + [SlotSet(REQUESTED_SLOT, None)]


def real_now() -> datetime:
    """The limits' clock: real time, never CSBA_NOW. A fixed or replayed clock
    must neither keep failures forever nor forget them (as with token expiry)."""
    return datetime.now(timezone.utc)


# Why a verification limit stopped the form, by the limits' verdict.
_HALTS = {
    Verdict.ORDER_LOCKED: HALT_ORDER_LOCKED,
    Verdict.CLIENT_LIMITED: HALT_CLIENT_LIMITED,
}


def _blocked(limits: Any, order_id: str, turn: Turn) -> Verdict | None:
    """The limits' early word on an order, before a ZIP code is asked for. When
    they cannot be read the form asks anyway: the check of the answer itself
    (`VerificationLimits.check`) fails closed."""
    try:
        return limits.blocked(order_id, turn.client_key, now=real_now())
    except Exception:
        log.exception("Could not read the verification limits")
        return None


# Intents a buyer may switch to in the middle of the order form. A product
# question is left out: it has its own "have you ordered it?" step.
_SWITCHABLE_INTENTS = frozenset(
    {
        "delivery_status",
        "return_refund",
        "damaged_item",
        "cancel_order",
        "change_address",
        "invoice",
        "customization",
        "pre_order",
    }
)


def _asks_something_else(intent: str | None, pending: str | None) -> bool:
    return intent in _SWITCHABLE_INTENTS and intent != pending


def _answers(requested: str, found_order: str | None, text: str) -> bool:
    """Whether the message looks like an answer to the question asked, whatever
    its intent (a ZIP code or an item code can be classified as anything)."""
    if requested == "order_id":
        return found_order is not None
    if requested in ("zip_code", "product_asin"):
        return any(char.isdigit() for char in text) or bool(_ASIN.fullmatch(text))
    return False


# --- asking for the order -----------------------------------------------------------


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
        buttons = self._buttons(tracker, turn)
        if buttons:
            dispatcher.utter_message(
                response="utter_ask_order_id_recent", buttons=buttons
            )
        else:
            dispatcher.utter_message(response="utter_ask_order_id")
        return []

    def _buttons(self, tracker: Tracker, turn: Turn) -> list[dict[str, str]]:
        if turn.token_buyer_id is None:
            return [order_button(order_id) for order_id in verified_orders(tracker)]
        from bot.adapters.repository import SqlRepository

        with self.services.session() as session:
            orders = SqlRepository(session).recent_orders_for_buyer(
                turn.token_buyer_id, limit=RECENT_ORDERS
            )
            return [
                order_button(order.id, _first_title(order.items)) for order in orders
            ]

    def on_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Without the recent orders, still ask: the buyer can type the number."""
        dispatcher.utter_message(response="utter_ask_order_id")
        return []


def _first_title(items: Iterable[Any]) -> str | None:
    return next((item.title for item in items if item.title), None)

""" "Any news?" about an open case, in `action_triage`: where the case stands
(bot.services.case_updates), instead of the order's status. The rules
(data/rules/orders.yml) answer outcome `case_update` with
`utter_case_update`, worded by `case_status`:

- `with_seller`: the seller has not answered; until when they may;
- `with_team`: our associates have it (a person asked for, or the seller's
  24 hours are over);
- `answered`: the seller's or an associate's latest answer, quoted;
  `answered_above` when the chat showed it at the start of this very turn;
- `correction_added`: an address change corrected ("it should be 125 Main St
  not 123"), the words added to its case;
- `withdrawn`: the request is no longer needed ("you can close the case", "my
  neighbour just brought it over"): the words join the case, for the seller.

When the buyer will hear back at the latest (`buyer_due`) is in all three.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.exc import SQLAlchemyError

from actions.base import BotServices, Turn
from actions.form_vocabulary import CHANGE_ADDRESS
from actions.order_form import order_unlocked
from actions.turns import previous_turn, slot_values
from bot.domain.model import CaseKind, CaseStatus
from bot.nlp.follow_up import (
    asks_what_now,
    corrects,
    withdraws_request,
)
from bot.nlp.person_request import withdraws_person_request
from bot.services.case_updates import (
    asks_after_case,
    case_progress,
    order_asked_about,
)
from bot.services.presentation import buyer_deadline
from bot.services.text import MAX_QUOTE_CHARS, clean_text

log = logging.getLogger(__name__)

CASE_UPDATE = "case_update"  # outcome
# Not "how is my request going" but a request of its own, or no case to ask of.
NOT_ASKED_OF_A_CASE = frozenset({"human_agent", "pre_order"})
AGENT_REQUEST = "buyer_asked_for_agent"  # the reason code of a hand-off


def case_update(
    services: BotServices,
    turn: Turn,
    intent: str | None,
    order_id: str | None,
    text: str,
    preferred: Any = None,
    just_asked: bool = False,
) -> list[EventType] | None:
    """The events that tell the buyer where the case `text` asks about stands
    (named in it, else `preferred`, the case the chat just spoke of, else of
    `order_id`, or any of theirs when None; `intent`: the NLU's, None for
    small talk); None when it asks about no open case of theirs (then the
    inquiry is decided as usual). `just_asked`: the bot's previous turn
    handed the chat to our team, so "never mind, i'm fine" takes it back."""
    # "i don't need a person any more" (often read as asking for one): only
    # an open case of our team's
    person = withdraws_person_request(text, just_asked=just_asked)
    if intent in NOT_ASKED_OF_A_CASE and not person:
        return None
    # "so what happens now?": only the case the chat just spoke of
    what_now = preferred is not None and asks_what_now(text)
    # "it should be 125 Main St not 123": a correction of the address change
    correction = intent == CHANGE_ADDRESS and order_id is not None and corrects(text)
    asked_after = asks_after_case(text)
    if not (correction or person or what_now or asked_after):
        return None  # nothing to read
    with services.session() as session:
        progress = case_progress(
            session,
            conversation_id=turn.conversation_id,
            # another chat's cases only for a buyer proven by a token: a ZIP
            # code proves one order, not the buyer's other cases
            buyer_id=turn.token_buyer_id,
            order_id=None if person else order_id,
            text=text,
            now=turn.now,
            corrects=CHANGE_ADDRESS if correction else None,
            preferred=int(preferred) if str(preferred or "").isdigit() else None,
            asked=person or what_now,
            kind=CaseKind.AGENT if person else None,
            fallback=person or asked_after or bool(correction),
        )
    if progress is None:
        return None
    case = progress.case
    answer = progress.answer
    if correction:
        status = "correction_added"
    elif person or withdraws_request(text):
        status = "withdrawn"  # "you can close the case": the seller is told
    elif answer is not None:
        # shown at the start of this very turn (actions/base.py): not twice
        shown = answer.delivered_to_buyer_at
        just_shown = shown is not None and shown >= turn.now
        status = "answered_above" if just_shown else "answered"
    elif (
        case.status is CaseStatus.ESCALATED
        or case.seller_due_at is None
        or case.seller_due_at <= turn.now  # CSBA's to handle, swept or not yet
    ):
        status = "with_team"
    else:
        status = "with_seller"
    if case.order_id is None or (status == "withdrawn" and case.kind is CaseKind.AGENT):
        status += "_general"  # no order, or our team's case: no seller named
    due = {"now": turn.now, "language": turn.language}
    return [
        SlotSet("case_id", str(case.id)),
        SlotSet("order_id", case.order_id),
        SlotSet("case_status", status),
        SlotSet(
            "case_answer",
            clean_text(answer.text, MAX_QUOTE_CHARS) if answer else None,
        ),
        SlotSet(
            "seller_due",
            buyer_deadline(case.seller_due_at, **due) if case.seller_due_at else None,
        ),
        SlotSet("buyer_due", buyer_deadline(case.buyer_due_at, **due)),
        SlotSet("outcome", CASE_UPDATE),
    ]


def order_of_the_case_asked_about(
    services: BotServices, tracker: Tracker, turn: Turn
) -> str | None:
    """ "any news on my case?" or "status of case 3" with no order in question:
    the order of that open case of theirs (action_start_inquiry), when this
    chat may look into it, so that the order form does not ask which order
    the buyer means."""
    if not asks_after_case(turn.text):
        return None  # nothing to read
    try:
        with services.session() as session:
            order_id = order_asked_about(
                session,
                conversation_id=turn.conversation_id,
                buyer_id=turn.token_buyer_id,  # as above
                text=turn.text,
            )
    except SQLAlchemyError:
        log.exception("Cannot read the case a buyer asks about")
        return None  # the order form asks which order, as without a case
    return order_id if order_unlocked(order_id, tracker, turn) else None


def just_asked_for_a_person(tracker: Tracker) -> bool:
    """Whether the bot's previous turn handed the chat to our team."""
    return AGENT_REQUEST in slot_values(previous_turn(tracker), "reason_code")

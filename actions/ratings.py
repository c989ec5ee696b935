"""Was this helpful? in the chat (issue 17, item 5).

Every decision of `action_triage` is kept as an inquiry
(bot.services.ratings.record_inquiry). When the decision itself answered the
buyer (no case, no open question), and when a case's answer reaches the open
chat, the action sends the widget the question as data only,
`{"ask": "helpful", "inquiry": id}`. The widget shows Yes / No after the turn
and posts the answer to the web app (`POST /chat/rating`, with the chat
token), never into the dialogue: a buyer cannot type a rating, and the web app
takes the conversation from the token, not from the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.services import ratings


def ask_helpful(inquiry_id: int) -> dict[str, Any]:
    """The widget's cue to ask "Was this helpful?" about one inquiry."""
    return {"ask": "helpful", "inquiry": inquiry_id}


def ask_about_answered_cases(
    dispatcher: CollectingDispatcher,
    session: Session,
    conversation_id: str,
    case_ids: Iterable[int],
    now: datetime,
) -> None:
    """After a case's answer is shown in the chat: ask about the inquiry that
    opened or joined it, if it can be rated now."""
    for case_id in sorted(set(case_ids)):
        inquiry = ratings.inquiry_of_case(
            session, case_id=case_id, conversation_id=conversation_id
        )
        if inquiry is None:
            continue
        rateable = ratings.rateable_inquiry(
            session, inquiry_id=inquiry.id, conversation_id=conversation_id, now=now
        )
        if rateable is not None:
            dispatcher.utter_message(json_message=ask_helpful(inquiry.id))

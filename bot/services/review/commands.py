"""The agents' actions on a conversation: tags, reviewed, a note, an intent
correction, and a reply into the conversation's agent case."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.adapters import correction_store, review_store
from bot.adapters.orm import ConversationSummaryRow, IntentCorrectionRow
from bot.adapters.rasa_domain import domain_intents
from bot.domain.model import CaseKind
from bot.services import cases
from bot.services.case_views import CaseView
from bot.services.review.errors import ConversationNotFound, ReviewError
from bot.services.review.events import (
    PAYLOAD_PREFIX,
    entity,
    event_data,
    is_internal_intent,
    parse_user,
)

MAX_NOTE_CHARS = 4_000
MAX_TAGS = 10
MAX_TAG_CHARS = 32

_TAG_NOT_ALLOWED = re.compile(r"[^a-z0-9_\-]+")


def _summary(session: Session, conversation_id: str) -> ConversationSummaryRow:
    summary = review_store.summary(session, conversation_id)
    if summary is None:
        raise ConversationNotFound(conversation_id)
    return summary


def parse_tags(text: str) -> list[str]:
    """`"Wrong intent, needs-training"` -> `["wrong-intent", "needs-training"]`."""
    tags: list[str] = []
    for raw in re.split(r"[,\n]", text or ""):
        tag = _TAG_NOT_ALLOWED.sub("-", raw.strip().lower()).strip("-")[:MAX_TAG_CHARS]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ReviewError("agent.error.too_many_tags", limit=MAX_TAGS)
    return tags


def set_tags(session: Session, conversation_id: str, tags: Sequence[str]) -> list[str]:
    summary = _summary(session, conversation_id)
    summary.tags = list(tags)
    session.flush()
    return list(tags)


def set_reviewed(
    session: Session,
    conversation_id: str,
    *,
    reviewed: bool,
    agent: str,
    now: datetime,
) -> None:
    summary = _summary(session, conversation_id)
    summary.reviewed = reviewed
    summary.reviewed_by = agent if reviewed else None
    summary.reviewed_at = now if reviewed else None
    session.flush()


def set_note(session: Session, conversation_id: str, note: str) -> None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_CHARS:
        raise ReviewError("agent.error.note_too_long", limit=MAX_NOTE_CHARS)
    _summary(session, conversation_id).note = text or None
    session.flush()


def correctable_intents() -> tuple[str, ...]:
    """The intents a buyer message may be corrected to: the domain's, without
    the ones no buyer expresses."""
    return tuple(i for i in domain_intents() if not is_internal_intent(i))


def correct_intent(
    session: Session,
    tracker: Engine,
    *,
    conversation_id: str,
    event_id: int,
    intent: str,
    agent: str,
    now: datetime,
) -> IntentCorrectionRow | None:
    """Record the right intent of one buyer message (correcting again replaces it).

    The message's text and entities come from the tracker store, not the form.
    Refused: the intent the message already has (the bot's, or the one an agent
    set), an intent no buyer expresses (`EXTERNAL_*`...), and a click on a
    quick reply (its payload names the intent; it is no training example).
    Correcting back to the bot's intent removes the correction (None).
    """
    _summary(session, conversation_id)
    if intent not in correctable_intents():
        raise ReviewError("agent.error.unknown_intent", intent=intent)
    row = review_store.user_event(tracker, conversation_id, event_id)
    if row is None:
        raise ReviewError("agent.error.message_not_found", event_id=event_id)
    data = event_data(row.data)
    predicted, _, entities = parse_user(data)
    predicted = predicted or row.intent_name
    text = str(data.get("text") or "")
    if not text.strip():
        raise ReviewError("agent.error.message_not_found", event_id=event_id)
    if text.strip().startswith(PAYLOAD_PREFIX):
        raise ReviewError("agent.error.button_click", event_id=event_id)
    stored = correction_store.find_correction(session, conversation_id, event_id)
    if intent == (stored.intent if stored is not None else predicted):
        raise ReviewError("agent.error.same_intent", intent=intent)
    if intent == predicted and stored is not None:
        session.delete(stored)
        session.flush()
        return None
    correction = correction_store.correction(session, conversation_id, event_id)
    correction.text = text
    correction.predicted_intent = predicted
    correction.intent = intent
    correction.entities = [
        {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
        for e in map(entity, entities)
    ]
    correction.corrected_by = agent
    correction.created_at = now
    session.flush()
    return correction


def reply_to_agent_case(
    session: Session,
    *,
    conversation_id: str,
    case_id: int | str,
    agent: str,
    text: str,
    now: datetime,
) -> CaseView:
    """An agent answers the buyer in an agent case of this conversation.

    The message goes into the case thread (bot.services.cases.agent_reply); the
    caller pushes it to the buyer's chat after the commit."""
    _summary(session, conversation_id)
    case = cases.get_case(session, case_id)
    if case.conversation_id != conversation_id or case.kind is not CaseKind.AGENT:
        raise ReviewError("agent.error.not_an_agent_case", case_id=case_id)
    return cases.agent_reply(
        session, case_id=case.id, agent_id=agent, text=text, now=now
    )

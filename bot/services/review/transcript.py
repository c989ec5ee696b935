"""A conversation as the agent reads it: every buyer message (intent,
confidence, entities; a click on a quick reply as the button's title), the
bot's replies, each decision with the agent-facing reason, the photos the buyer
uploaded, at their time, and the linked cases."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot.adapters import attachment_store, correction_store, review_store
from bot.adapters.catalogue import catalogue, placeholders
from bot.domain.model import CaseKind
from bot.services import cases
from bot.services.case_views import CaseView
from bot.services.presentation import AGENT_LANGUAGE, render_reason
from bot.services.review.errors import first_line
from bot.services.review.events import (
    REASON_FACT_SLOTS,
    SLOT_CASE,
    SLOT_FACTS,
    SLOT_ORDER,
    SLOT_REASON,
    SLOT_ROUTE,
    Entity,
    button_titles,
    clicked_title,
    entity,
    event_data,
    event_time,
    greeting_titles,
    is_external,
    parse_user,
)
from bot.services.review.query import (
    ConversationLine,
    conversation_line,
    reason_label,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuyerMessage:
    event_id: int
    at: datetime | None
    text: str
    intent: str | None
    confidence: float | None
    entities: tuple[Entity, ...]
    corrected_intent: str | None = None
    kind: str = "buyer"
    # A click on a quick reply: `text` is the button's title, `payload` what
    # the click sent (`/give_order_id{...}`); None for typed words.
    payload: str | None = None

    @property
    def clicked(self) -> bool:
        return self.payload is not None


@dataclass(frozen=True)
class BotMessage:
    event_id: int
    at: datetime | None
    text: str
    buttons: tuple[str, ...]
    kind: str = "bot"
    # The agent who wrote it in a live hand-off (its metadata says so); None
    # for the bot's own messages.
    agent: str | None = None


@dataclass(frozen=True)
class DecisionView:
    event_id: int
    at: datetime | None
    route: str
    reason_code: str | None
    reason: str | None  # the agent-facing sentence
    reason_label: str | None  # the code's short label
    case_id: str | None
    order_id: str | None
    kind: str = "decision"


@dataclass(frozen=True)
class SessionStart:
    event_id: int
    at: datetime | None
    kind: str = "session"


@dataclass(frozen=True)
class PhotoUpload:
    """A photo the buyer uploaded from this chat (it is no tracker event)."""

    attachment_id: int
    at: datetime | None
    case_id: int
    width: int
    height: int
    size_bytes: int
    kind: str = "photo"


TranscriptItem = BuyerMessage | BotMessage | DecisionView | SessionStart | PhotoUpload


@dataclass(frozen=True)
class Transcript:
    conversation: ConversationLine
    items: tuple[TranscriptItem, ...]
    cases: tuple[CaseView, ...]
    # why the messages could not be read from the tracker store, if they could not
    unavailable: str | None = None

    @property
    def agent_cases(self) -> tuple[CaseView, ...]:
        """The open agent cases an agent may reply into."""
        return tuple(
            case for case in self.cases if case.kind is CaseKind.AGENT and case.is_open
        )


def agent_reason(
    reason_code: str | None,
    slots: Mapping[str, Any],
    *,
    intent: str | None,
    language: str = AGENT_LANGUAGE,
) -> str | None:
    """The policy's reason sentence, filled from the decision's facts
    (`decision_facts`, the same sentence the policy gave). A decision recorded
    before that slot existed is filled from the reply slots instead; the facts
    no slot kept then read as "unknown"."""
    template = catalogue(language).get(f"reason.{reason_code}")
    if template is None:
        return None
    facts: dict[str, Any] = dict.fromkeys(
        placeholders(template) - {"order_id", "intent"}
    )
    recorded = slots.get(SLOT_FACTS)
    if isinstance(recorded, Mapping):
        facts.update((key, recorded[key]) for key in facts.keys() & recorded.keys())
    else:
        for slot, placeholder in REASON_FACT_SLOTS.items():
            if placeholder in facts and slots.get(slot) not in (None, ""):
                facts[placeholder] = slots[slot]
    return render_reason(
        reason_code,
        facts,
        language,
        order_id=slots.get(SLOT_ORDER) or None,
        intent=intent,
    )


def conversation_cases(session: Session, conversation_id: str) -> tuple[CaseView, ...]:
    ids = review_store.case_ids_of(session, conversation_id)
    return tuple(cases.get_case(session, case_id) for case_id in ids)


def transcript(
    session: Session, tracker: Engine, conversation_id: str, *, now: datetime
) -> Transcript:
    """The whole conversation, every session, in order, with its cases."""
    line = conversation_line(session, conversation_id, now=now)
    corrections = correction_store.corrections_of(session, conversation_id)
    unavailable = None
    try:
        rows = review_store.conversation_events(tracker, conversation_id)
    except (OperationalError, ProgrammingError) as exc:
        log.warning("Cannot read the tracker store: %s", exc)
        rows, unavailable = [], first_line(exc)
    photos = [
        PhotoUpload(
            attachment_id=row.id,
            at=row.conversation_at or row.created_at,  # the tracker's clock
            case_id=row.case_id,
            width=row.width,
            height=row.height,
            size_bytes=row.size_bytes,
        )
        for row in attachment_store.conversation_attachment_rows(
            session, conversation_id
        )
    ]
    return Transcript(
        conversation=line,
        items=tuple(with_photos(_transcript_items(rows, corrections), photos)),
        cases=conversation_cases(session, conversation_id),
        unavailable=unavailable,
    )


def with_photos(
    items: Sequence[TranscriptItem], photos: Sequence[PhotoUpload]
) -> list[TranscriptItem]:
    """`items` with each photo (oldest first) before the first item after it."""
    merged: list[TranscriptItem] = []
    waiting = sorted(
        ((photo.at, photo.attachment_id, photo) for photo in photos if photo.at),
        key=lambda entry: entry[:2],
    )
    for item in items:
        while waiting and item.at is not None and waiting[0][0] < item.at:
            merged.append(waiting.pop(0)[2])
        merged.append(item)
    return merged + [photo for _, _, photo in waiting]


def _transcript_items(
    rows: Sequence[Any], corrections: Mapping[int, str]
) -> list[TranscriptItem]:
    items: list[TranscriptItem] = []
    slots: dict[str, Any] = {}
    pending: list[Any] = []  # slot events of the current action
    last_intent: str | None = None
    # the buttons the buyer has in front of them: the chat's greeting, then
    # those of the bot's latest message with buttons, until the buyer answers
    titles = greeting_titles()

    def close_pending() -> None:
        route_event = next((e for e in pending if e.action_name == SLOT_ROUTE), None)
        if route_event is not None and slots.get(SLOT_ROUTE):
            code = slots.get(SLOT_REASON)
            items.append(
                DecisionView(
                    event_id=route_event.id,
                    at=event_time(route_event.timestamp),
                    route=str(slots[SLOT_ROUTE]),
                    reason_code=code,
                    reason=agent_reason(code, slots, intent=last_intent),
                    reason_label=reason_label(code),
                    case_id=_text_or_none(slots.get(SLOT_CASE)),
                    order_id=_text_or_none(slots.get(SLOT_ORDER)),
                )
            )
        pending.clear()

    for row in rows:
        if row.type_name == "slot":
            slots[row.action_name] = event_data(row.data).get("value")
            pending.append(row)
            continue
        close_pending()
        if row.type_name == "session_started":
            slots.clear()
            items.append(SessionStart(event_id=row.id, at=event_time(row.timestamp)))
        elif row.type_name == "user":
            data = event_data(row.data)
            if is_external(data):
                continue
            intent, confidence, entities = parse_user(data)
            last_intent = intent or row.intent_name
            text = str(data.get("text") or "")
            title = clicked_title(text, titles)
            titles = {}
            items.append(
                BuyerMessage(
                    event_id=row.id,
                    at=event_time(row.timestamp),
                    text=text if title is None else title,
                    intent=last_intent,
                    confidence=confidence,
                    entities=tuple(entity(e) for e in entities),
                    corrected_intent=corrections.get(row.id),
                    payload=None if title is None else text.strip(),
                )
            )
        elif row.type_name == "bot":
            data = event_data(row.data)
            extra = data.get("data") if isinstance(data.get("data"), dict) else {}
            buttons = tuple(
                str(button.get("title") or button.get("payload") or "")
                for button in extra.get("buttons") or []
                if isinstance(button, dict)
            )
            titles = button_titles(data) or titles
            if not data.get("text") and not buttons:
                continue  # data for the client only (a live chat's "delivered")
            metadata = data.get("metadata")
            agent = None
            if isinstance(metadata, dict) and metadata.get("author") == "agent":
                agent = str(metadata.get("agent") or "?")
            items.append(
                BotMessage(
                    event_id=row.id,
                    at=event_time(row.timestamp),
                    text=str(data.get("text") or ""),
                    buttons=buttons,
                    agent=agent,
                )
            )
    close_pending()
    return items


def _text_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)

"""A conversation's past chat messages, read from Rasa's SQL tracker store.

The web chat restores its history after a reload from here (`/chat/history`),
server side and only for the conversation the buyer's chat token opens. The
tracker store keeps one row per event in the table `events` (`sender_id`,
`type_name`, `data` as JSON text); the buyer's messages (`user`) and the bot's
(`bot`) become `{"sender": "user"|"bot", "text", "buttons", "time"}`:
- an external event (the live push of a case reply) is not a buyer message;
- a clicked quick reply shows its button title, not its payload;
- only the buttons of the latest bot message, when the buyer has not answered
  since, stay `active`;
- "Was this helpful?" about an inquiry (a data-only bot message, actions/ratings.py)
  becomes `{"sender": "ask", "inquiry": id}` at the end of its turn, as the widget
  showed it; whether it was answered is not shown again (answering again changes
  the rating).

The chat opens with the bot's greeting and its topic buttons (`with_greeting`:
domain.yml's `utter_greet`, read through bot.adapters.rasa_domain). It is shown
at the top of every history, never stored: it is no turn of the buyer's, nothing
Rasa has to answer, and a reload shows it once, as before.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.adapters import chat_messages
from bot.adapters.db import get_engine
from bot.adapters.rasa_domain import domain_response

log = logging.getLogger(__name__)

MAX_HISTORY_MESSAGES = 200
# The response the web chat opens with (its text and topic buttons).
GREETING_RESPONSE = "utter_greet"


def _buttons(event: dict[str, Any]) -> list[dict[str, str]]:
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    buttons = data.get("buttons") or []
    return [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in buttons
        if isinstance(b, dict)
    ]


def _inquiry_asked(event: dict[str, Any]) -> int | None:
    """The inquiry a data-only "Was this helpful?" bot message asks about."""
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    custom = data.get("custom")
    if not isinstance(custom, dict) or custom.get("ask") != "helpful":
        return None
    inquiry = custom.get("inquiry")
    return inquiry if type(inquiry) is int else None


def _shown_after(
    asks: list[dict[str, Any]], messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The turn's questions, timed as the turn's last message (the history is
    sorted by time with the web app's notices)."""
    last = messages[-1].get("time") if messages else None
    return [{**ask, "time": last if last is not None else ask["time"]} for ask in asks]


def messages_from_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tracker events (oldest first) → the chat's messages."""
    messages: list[dict[str, Any]] = []
    last_buttons: list[dict[str, str]] = []
    asks: list[dict[str, Any]] = []  # shown at the end of their turn
    for event in events:
        kind = event.get("event")
        inquiry = _inquiry_asked(event) if kind == "bot" else None
        if inquiry is not None:
            asks.append(
                {"sender": "ask", "inquiry": inquiry, "text": "", "buttons": [],
                 "time": event.get("timestamp")}
            )  # fmt: skip
            continue
        if kind == "user" and asks:
            messages.extend(_shown_after(asks, messages))
            asks = []
        if kind == "user":
            metadata = event.get("metadata") or {}
            text = event.get("text")
            if (
                isinstance(metadata, dict) and metadata.get("is_external")
            ) or not isinstance(text, str):
                continue
            title = next(
                (b["title"] for b in last_buttons if b["payload"] == text), None
            )
            messages.append(
                {
                    "sender": "user",
                    "text": title or text,
                    "buttons": [],
                    "time": event.get("timestamp"),
                }
            )
            last_buttons = []
        elif kind == "bot":
            text = event.get("text")
            buttons = _buttons(event)
            if not text and not buttons:
                continue
            messages.append(
                {
                    "sender": "bot",
                    "text": text or "",
                    "buttons": buttons,
                    "time": event.get("timestamp"),
                }
            )
            last_buttons = buttons or last_buttons
    messages.extend(_shown_after(asks, messages))
    for message in messages:
        message["active"] = False
    for message in reversed(messages):
        if message["sender"] == "user":
            break
        if message["buttons"]:
            message["active"] = True
            break
    return messages


def greeting(language: str | None = None) -> dict[str, Any] | None:
    """The chat's opening message from domain.yml, in the buyer's language
    (English by default); None if it has none."""
    return domain_response(GREETING_RESPONSE, language)


def with_greeting(
    messages: list[dict[str, Any]], greeting: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """`messages` after the greeting `{"text", "buttons"}` (a bot message with no
    time). Its buttons are active until the buyer says something; a click on
    one of them shows the button's title, as any quick reply does."""
    if not greeting or not (greeting.get("text") or greeting.get("buttons")):
        return list(messages)
    buttons = [dict(button) for button in greeting.get("buttons") or []]
    titles = {button["payload"]: button["title"] for button in buttons}
    shown = []
    answered = False  # the buyer's words right after the greeting
    for message in messages:
        if message.get("sender") == "bot":
            answered = True
        elif message.get("sender") == "user" and not answered:
            message = {**message, "text": titles.get(message["text"], message["text"])}
        shown.append(message)
    opening = {
        "sender": "bot",
        "text": str(greeting.get("text") or ""),
        "buttons": buttons,
        "time": None,
        "active": not any(m.get("sender") == "user" for m in messages),
    }
    return [opening, *shown]


def conversation_messages(
    tracker_store_url: str, conversation_id: str, *, limit: int = MAX_HISTORY_MESSAGES
) -> list[dict[str, Any]]:
    """The latest `limit` messages of the conversation, oldest first; [] when the
    tracker store is unreachable or has no such conversation (logged)."""
    try:
        rows = chat_messages.latest_message_data(
            get_engine(tracker_store_url), conversation_id, limit=limit
        )
    except SQLAlchemyError:
        log.exception("Cannot read the tracker store for the chat history")
        return []
    events = []
    for raw in rows:
        try:
            event = json.loads(raw)
        except (TypeError, ValueError):
            continue
        if isinstance(event, dict):
            events.append(event)
    return messages_from_events(events)


def with_notices(
    messages: list[dict[str, Any]], notices: list[tuple[float, str]]
) -> list[dict[str, Any]]:
    """The chat's messages with notices of the web app's own (a photo attached:
    (unix time, text)) in time order, as `{"sender": "notice", ...}`; the
    buttons stay as they were."""
    merged = list(messages)
    for at, text in notices:
        merged.append(
            {
                "sender": "notice",
                "text": text,
                "buttons": [],
                "time": at,
                "active": False,
            }
        )
    return sorted(merged, key=lambda message: float(message.get("time") or 0.0))

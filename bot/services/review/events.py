"""What the review console reads in a Rasa event (the `data` JSON of a row of
Rasa's `events` table, bot.adapters.rasa_events.EVENTS).

The buyer token the channel stores in metadata (`csba.token`) is never read into
a summary or a transcript: only the verified `csba.buyer_id` is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.adapters.rasa_domain import domain_response
from bot.domain.model import Route

# Slots the decision sets (actions/triage.py); a slot event stores its name in
# `action_name`.
SLOT_ROUTE = "route"
SLOT_REASON = "reason_code"
SLOT_CASE = "case_id"
SLOT_ORDER = "order_id"
SLOT_BUYER = "buyer_id"
# Every fact the decision used (Decision.facts), set since the slot was added.
SLOT_FACTS = "decision_facts"
SLOT_LANGUAGE = "language"  # the conversation's language (issue 16)
SUMMARY_SLOTS = (SLOT_ROUTE, SLOT_REASON, SLOT_CASE, SLOT_BUYER, SLOT_LANGUAGE)
# Conversations recorded before `decision_facts`: the facts the reply slots
# kept fill the agent-facing reason (slot -> reason placeholder).
REASON_FACT_SLOTS = {
    "carrier": "carrier",
    "tracking_number": "tracking_number",
    "shipped_on": "shipped_at",
    "delivered_on": "delivered_at",
    "promised_by": "promised_delivery_day",
    "return_deadline": "return_deadline",
    "return_method": "return_method",
    "not_returnable_items": "not_returnable_items",
    "answer": "answer",
}
# Routes on which a person (the seller or an associate) takes over.
HANDOFF_ROUTES = frozenset({Route.AGENT.value, Route.SELLER_CASE.value})
METADATA_KEY = "csba"
SECRET_KEYS = frozenset({"token"})
# Intents no buyer expresses, hidden from the console's list and filters:
# Rasa's own (a session start, a restart, "back") and the web app's pushes
# (`EXTERNAL_case_reply`, `EXTERNAL_handoff_closed`).
RASA_INTERNAL_INTENTS = frozenset({"session_start", "restart", "back"})
EXTERNAL_INTENT_PREFIX = "EXTERNAL_"
# The chat's opening message (bot.services.chat_history shows it the same way).
GREETING_RESPONSE = "utter_greet"
# What a quick reply sends: `/<intent>` or `/<intent>{entities}`.
PAYLOAD_PREFIX = "/"
# The list shows this much of a conversation's first buyer message.
FIRST_WORDS_CHARS = 80


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int | None
    end: int | None


def event_time(timestamp: float | None) -> datetime | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), tz=timezone.utc)


def raw_data(raw: str | None) -> dict[str, Any]:
    """An event's JSON, as stored (secrets included: read only named fields)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def event_data(raw: str | None) -> dict[str, Any]:
    """An event's JSON without its secrets, for anything shown or kept."""
    return redact(raw_data(raw))


def redact(value: Any) -> Any:
    """`value` without any secret (a `token` key, at any depth)."""
    if isinstance(value, dict):
        return {
            key: redact(item)
            for key, item in value.items()
            if not (isinstance(key, str) and key.lower() in SECRET_KEYS)
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def is_external(data: Mapping[str, Any]) -> bool:
    """An intent triggered through Rasa's API (the live push of a case reply),
    not something the buyer wrote."""
    metadata = data.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("is_external"))


def verified_buyer(data: Mapping[str, Any]) -> str | None:
    """The buyer id the channel verified from a token (metadata `csba.buyer_id`)."""
    metadata = data.get("metadata")
    csba = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if isinstance(csba, dict) and csba.get("auth") == "token":
        buyer = csba.get("buyer_id")
        return buyer if isinstance(buyer, str) and buyer else None
    return None


def parse_user(data: Mapping[str, Any]) -> tuple[str | None, float | None, list[dict]]:
    """Intent name, confidence and entities of a user event."""
    parse_data = data.get("parse_data")
    if not isinstance(parse_data, dict):
        return None, None, []
    intent = parse_data.get("intent")
    name = confidence = None
    if isinstance(intent, dict):
        name = intent.get("name") if isinstance(intent.get("name"), str) else None
        value = intent.get("confidence")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            confidence = float(value)
    entities = [e for e in parse_data.get("entities") or [] if isinstance(e, dict)]
    return name, confidence, entities


def entity(data: Mapping[str, Any]) -> Entity:
    def position(name: str) -> int | None:
        value = data.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Entity(
        entity=str(data.get("entity") or ""),
        value=str(data.get("value") if data.get("value") is not None else ""),
        start=position("start"),
        end=position("end"),
    )


def is_internal_intent(name: str | None) -> bool:
    """An intent no buyer expresses (see RASA_INTERNAL_INTENTS)."""
    if not name:
        return False
    return name in RASA_INTERNAL_INTENTS or name.startswith(EXTERNAL_INTENT_PREFIX)


def button_titles(data: Mapping[str, Any]) -> dict[str, str]:
    """payload -> title of the quick-reply buttons of a bot event."""
    extra = data.get("data")
    buttons = extra.get("buttons") if isinstance(extra, dict) else None
    return {
        str(button["payload"]): str(button.get("title") or button["payload"])
        for button in buttons or []
        if isinstance(button, dict) and button.get("payload")
    }


def greeting_titles() -> dict[str, str]:
    """payload -> title of the chat's opening buttons (domain.yml's greeting,
    which the widget shows and the tracker store never records)."""
    greeting = domain_response(GREETING_RESPONSE) or {}
    buttons = greeting.get("buttons") or []
    return {button["payload"]: button["title"] for button in buttons}


def clicked_title(text: str, titles: Mapping[str, str]) -> str | None:
    """The title of the button whose payload the buyer's message is, if it is one
    of `titles` (the buttons the buyer had in front of them)."""
    stripped = text.strip()
    if not stripped.startswith(PAYLOAD_PREFIX):
        return None
    return titles.get(stripped)


def first_words(text: str) -> str:
    """`text` on one line, cut to FIRST_WORDS_CHARS characters."""
    line = " ".join(text.split())
    if len(line) <= FIRST_WORDS_CHARS:
        return line
    return line[: FIRST_WORDS_CHARS - 1].rstrip() + "\u2026"

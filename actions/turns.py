"""What the tracker's events say about the bot's previous turn (plain reads of
the event list, no services): shared by the follow-up readings
(actions/follow_up.py, actions/asides.py, actions/case_update.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def previous_turn(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the bot's previous turn: from the buyer's previous message
    up to this one ([] when this is the first)."""
    events = list(tracker.events or [])
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    return events[users[-2] : users[-1]] if len(users) >= 2 else []


def slot_values(events: list[dict[str, Any]], slot: str) -> list[Any]:
    """The values `events` set `slot` to, in order."""
    return [
        event.get("value")
        for event in events
        if event.get("event") == "slot" and event.get("name") == slot
    ]

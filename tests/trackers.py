"""Real conversations in a real tracker store, for the review console's tests.

Rasa's own `SQLTrackerStore` writes `DialogueStateTracker`s built from real
Rasa events (the project's domain.yml slots), so the `events` table, its
columns and the JSON in `data` are exactly what `rasa run` stores.

    store = TrackerWriter("sqlite:////tmp/tracker.db")
    (conversation("buyer-1", start=utc(2026, 11, 20, 18), buyer_id="B-1")
        .user("Where is my order?", "delivery_status", 0.93)
        .decision(route="bot", reason_code="in_transit", order_id="112-...")
        .bot("It is on its way.")
        .save(store))
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy.engine import make_url

from bot.config import PROJECT_ROOT

# What the token channel puts in metadata; the console must never show it.
SECRET_TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret-buyer-token.do-not-show"


@cache
def _domain():  # noqa: ANN202
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


class TrackerWriter:
    """Rasa's SQLTrackerStore over an SQLAlchemy URL (SQLite or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        from rasa.core.tracker_store import SQLTrackerStore

        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            self.store = SQLTrackerStore(
                domain=_domain(), dialect="sqlite", db=parsed.database
            )
        else:
            self.store = SQLTrackerStore(
                domain=_domain(),
                dialect="postgresql",
                host=parsed.host,
                port=parsed.port or 5432,
                db=parsed.database,
                username=parsed.username,
                password=parsed.password,
            )
        self.url = url

    def save(self, sender_id: str, events: Sequence[Any]) -> None:
        from rasa.shared.core.trackers import DialogueStateTracker

        tracker = DialogueStateTracker.from_events(
            sender_id, list(events), slots=_domain().slots
        )
        asyncio.run(self.store.save(tracker))

    def append(self, sender_id: str, events: Sequence[Any]) -> None:
        """Add events to a stored conversation (a later turn)."""
        from rasa.shared.core.trackers import DialogueStateTracker

        stored = asyncio.run(self.store.retrieve(sender_id))
        old = list(stored.events) if stored is not None else []
        tracker = DialogueStateTracker.from_events(
            sender_id, old + list(events), slots=_domain().slots
        )
        asyncio.run(self.store.save(tracker))

    def dispose(self) -> None:
        self.store.engine.dispose()


class ConversationBuilder:
    """The events of one conversation, one second apart from `start`."""

    def __init__(
        self,
        sender_id: str,
        *,
        start: datetime,
        buyer_id: str | None = None,
        channel: str = "csba_rest",
        session_start: bool = True,
    ) -> None:
        self.sender_id = sender_id
        self.buyer_id = buyer_id
        self.channel = channel
        self._clock = start
        self.events: list[Any] = []
        if session_start:
            self.session()

    def _tick(self) -> float:
        stamp = self._clock.timestamp()
        self._clock += timedelta(seconds=1)
        return stamp

    def _metadata(self) -> dict[str, Any]:
        if self.buyer_id is None:
            return {"csba": {"auth": "anonymous"}}
        return {
            "csba": {"token": SECRET_TOKEN, "buyer_id": self.buyer_id, "auth": "token"}
        }

    def session(self) -> ConversationBuilder:
        from rasa.shared.core.events import (
            ActionExecuted,
            SessionStarted,
            SlotSet,
        )

        self.events += [
            ActionExecuted("action_session_start", timestamp=self._tick()),
            SessionStarted(timestamp=self._tick()),
            SlotSet(
                "session_started_metadata", self._metadata(), timestamp=self._tick()
            ),
        ]
        if self.buyer_id is not None:
            self.events.append(
                SlotSet("buyer_id", self.buyer_id, timestamp=self._tick())
            )
        self.events.append(ActionExecuted("action_listen", timestamp=self._tick()))
        return self

    def user(
        self,
        text: str,
        intent: str,
        confidence: float = 0.9,
        entities: Sequence[dict[str, Any]] = (),
    ) -> ConversationBuilder:
        from rasa.shared.core.events import UserUttered

        metadata = self._metadata()
        parse_data = {
            "intent": {"name": intent, "confidence": confidence},
            "entities": list(entities),
            "text": text,
            "metadata": metadata,
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        }
        self.events.append(
            UserUttered(
                text,
                intent={"name": intent, "confidence": confidence},
                entities=list(entities),
                parse_data=parse_data,
                timestamp=self._tick(),
                input_channel=self.channel,
                metadata=metadata,
            )
        )
        return self

    def bot(
        self, text: str, buttons: Sequence[dict[str, str]] = ()
    ) -> ConversationBuilder:
        from rasa.shared.core.events import ActionExecuted, BotUttered

        self.events += [
            ActionExecuted("utter_something", timestamp=self._tick()),
            BotUttered(
                text,
                data={"buttons": list(buttons)} if buttons else {},
                timestamp=self._tick(),
            ),
        ]
        return self

    def decision(
        self,
        *,
        route: str,
        reason_code: str,
        case_id: int | None = None,
        order_id: str | None = None,
        **facts: Any,
    ) -> ConversationBuilder:
        """What action_triage sets: the decision slots, then the facts."""
        from rasa.shared.core.events import ActionExecuted, SlotSet

        self.events.append(ActionExecuted("action_triage", timestamp=self._tick()))
        values = {
            "pending_intent": None,
            "route": route,
            "reason_code": reason_code,
            "case_id": None if case_id is None else str(case_id),
            "order_id": order_id,
            **facts,
            "outcome": reason_code,
        }
        stamp = self._tick()
        self.events += [
            SlotSet(name, value, timestamp=stamp) for name, value in values.items()
        ]
        return self

    def external(self, intent: str = "EXTERNAL_case_reply") -> ConversationBuilder:
        """A pushed intent (trigger_intent), not something the buyer wrote."""
        from rasa.shared.core.events import UserUttered

        event = UserUttered.create_external(intent, input_channel=self.channel)
        event.timestamp = self._tick()
        self.events.append(event)
        return self

    def save(self, writer: TrackerWriter) -> str:
        writer.save(self.sender_id, self.events)
        return self.sender_id


def conversation(sender_id: str, **kwargs: Any) -> ConversationBuilder:
    return ConversationBuilder(sender_id, **kwargs)

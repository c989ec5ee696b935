"""What every custom action shares: the injected services and the abstract base.

`BotServices` is the only way an action reaches the outside world: the database
(an engine and a unit-of-work `session()`), the clock (`bot.adapters.clock.now`, which
honours CSBA_NOW), the seller notifier and the identity check. The default one
is built on first use from DATABASE_URL, never at import time; tests pass their
own over a temporary SQLite database.

`CsbaAction` runs, before each action's own work (`act`):
- identity: the buyer proven by the signed token in the latest message's
  metadata (bot.services.identity), never a client-sent id;
- the delivery of seller and agent replies the buyer has not seen yet (each
  shown once, then "Was this helpful?" about its inquiry: actions/ratings.py);
- the reset of the low-confidence counter after any confident turn;
- the end of an open "Would you like a replacement?" (`damage_remedy_pending`,
  set by action_triage) once an action runs (its yes/no answer runs
  action_damage_remedy, chosen by the rules while the slot is still set).
Any exception in `act` is logged and becomes `on_failure` (by default
`utter_service_unavailable`): the buyer never sees a stack trace and the
conversation goes on. The database work runs in a worker thread so that the
action server's event loop is never blocked.

Untrusted text is cleaned here: control characters are dropped and the text is
cut to a bound before it is stored or quoted (`MAX_QUESTION_CHARS` for the
buyer's question that becomes a case message, `MAX_ANSWER_CHARS` for a form
answer, `MAX_QUOTE_CHARS` for a reply quoted back to the buyer).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from actions.idle_clears import without_idle_clears
from bot.services.languages import language_or_english
from bot.services.text import MAX_QUOTE_CHARS, clean_text

log = logging.getLogger(__name__)

# The buyer's question as stored in the `inquiry_text` slot and in a case thread.
MAX_QUESTION_CHARS = 2000
# A form answer (order number, ZIP code, item, yes/no) is looked at up to here.
MAX_ANSWER_CHARS = 200
# cases.conversation_id is a VARCHAR(255); a longer sender id is hashed.
MAX_CONVERSATION_ID_CHARS = 255

NLU_FALLBACK = "nlu_fallback"
SESSION_METADATA_SLOT = "session_started_metadata"
DAMAGE_REMEDY_PENDING_SLOT = "damage_remedy_pending"
REQUESTED_SLOT = "requested_slot"


# --- services -----------------------------------------------------------------


class BotServices:
    """The database, the clock, the notifier and the identity check.

    `database_url`: an explicit database (tests); None means DATABASE_URL through
    the process-wide engine of `bot.adapters.db.get_engine`. Nothing connects before the
    first `session()`.
    """

    def __init__(
        self,
        *,
        database_url: str | None = None,
        engine: Engine | None = None,
        clock: Callable[[], datetime] | None = None,
        notifier: Any = None,
        jwt_secret: str | None = None,
    ) -> None:
        self._database_url = database_url
        self._engine = engine
        self._owns_engine = False
        self._clock = clock
        self.notifier = notifier  # None: bot.services.notifications.EmailNotifier
        self._jwt_secret = jwt_secret

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from bot.adapters.db import get_engine, make_engine

            if self._database_url is None:
                self._engine = get_engine()
            else:
                self._engine = make_engine(self._database_url)
                self._owns_engine = True
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any exception."""
        from bot.adapters.db import session_scope

        with session_scope(self.engine) as session:
            yield session

    def now(self) -> datetime:
        if self._clock is not None:
            return self._clock()
        from bot.adapters.clock import now

        return now()

    def identity(self, metadata: Any, sender_id: str):  # noqa: ANN201 - BuyerIdentity | None
        """The buyer proven by the token in `metadata` for this conversation, or None.

        Token expiry is judged on the real clock, not on CSBA_NOW: a replayed
        decision must not revive an expired token.
        """
        from bot.services.identity import identity_from_metadata

        return identity_from_metadata(metadata, sender_id, secret=self._jwt_secret)

    def dispose(self) -> None:
        if self._owns_engine and self._engine is not None:
            self._engine.dispose()
            self._engine = None


@lru_cache(maxsize=1)
def default_services() -> BotServices:
    """The action server's services, built on first use (DATABASE_URL)."""
    return BotServices()


# --- untrusted text -------------------------------------------------------------
# (clean_text and MAX_QUOTE_CHARS: bot.services.text, shared with the services)


def is_payload(text: str) -> bool:
    """A button payload such as `/human_agent` or `/give_order_id{...}`."""
    return text.startswith("/")


def conversation_key(sender_id: str) -> str:
    """The conversation id stored with cases: the sender id, or a hash of it when
    it is longer than the column allows."""
    sender_id = sender_id or ""
    if len(sender_id) <= MAX_CONVERSATION_ID_CHARS:
        return sender_id
    return "sha256-" + hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def user_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The buyer's messages of this session, oldest first."""
    events: list[dict[str, Any]] = []
    for event in tracker.events or []:
        if event.get("event") == "session_started":
            events = []
        elif event.get("event") == "user":
            events.append(event)
    return events


def latest_metadata(tracker: Tracker) -> Mapping[str, Any] | None:
    """The metadata the channel attached to the latest message."""
    messages = user_events(tracker)
    if messages:
        metadata = messages[-1].get("metadata")
        return metadata if isinstance(metadata, Mapping) else None
    metadata = tracker.get_slot(SESSION_METADATA_SLOT)
    return metadata if isinstance(metadata, Mapping) else None


def client_key_from(metadata: Mapping[str, Any] | None) -> str | None:
    """The client key the channel put in the `csba` metadata, or None. Clients
    cannot set it: the channels drop any `csba` metadata a client sends."""
    csba = metadata.get("csba") if isinstance(metadata, Mapping) else None
    value = csba.get("client") if isinstance(csba, Mapping) else None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def buyer_words(tracker: Tracker, limit: int = MAX_QUESTION_CHARS) -> str:
    """The buyer's own words for the inquiry: the latest message, or, when it was
    a button click, the latest message they typed in this session ("my kettle
    came broken", not understood, then *Damaged or wrong item*) when it has
    words; '' otherwise (a click after "?" or an emoji is no question of
    theirs)."""
    for event in reversed(user_events(tracker)):
        text = clean_text(event.get("text"), limit)
        if text and not is_payload(text):
            return text if _WORDS.search(text) else ""
    return ""


_WORDS = re.compile(r"[^\W\d_]{2}")  # a word of two letters or more


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [
        str(item.get("value"))
        for item in (tracker.latest_message or {}).get("entities") or []
        if item.get("entity") == entity and item.get("value") is not None
    ]


def slot_events(values: Mapping[str, Any]) -> list[EventType]:
    return [SlotSet(name, value) for name, value in values.items()]


# --- the turn ---------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """What an action knows about the current turn before doing its own work."""

    conversation_id: str  # the key of this conversation's cases
    token_buyer_id: str | None  # proven by a signed token on this message
    buyer_id: str | None  # the verified buyer: token, or earlier ZIP verification
    intent: str | None
    text: str  # the latest message, cleaned and cut to MAX_QUESTION_CHARS
    now: datetime
    # The keyed hash of the client's address, set by the project's channels in
    # the `csba` metadata (bot.services.verification.client_key); None when the
    # message came with none (e.g. `rasa shell`).
    client_key: str | None = None
    # The conversation's language (slot `language`, issue 16): dates and the
    # buyer-facing words actions compute (buttons, dates) are in it.
    language: str = "en"

    @property
    def has_token(self) -> bool:
        return self.token_buyer_id is not None


# --- the base action -------------------------------------------------------------------


class CsbaAction(Action, ABC):
    """Abstract base of every custom action (the executor registers only the
    concrete subclasses). Subclasses implement `name()` and `act()`."""

    # drop SlotSet(None) of empty slots (actions/idle_clears.py)
    DROPS_IDLE_CLEARS = True

    def __init__(self, services: BotServices | None = None) -> None:
        super().__init__()
        self._services = services

    @property
    def services(self) -> BotServices:
        if self._services is None:
            self._services = default_services()
        return self._services

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        """The action's own work; runs in a worker thread."""

    def on_failure(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """What the buyer gets when `act` raised (the error is already logged)."""
        dispatcher.utter_message(response="utter_service_unavailable")
        return []

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        return await asyncio.to_thread(self._run, dispatcher, tracker, domain)

    # -- the steps ---------------------------------------------------------------

    def _run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = dict(tracker.slots)
        turn, events = self.begin_turn(dispatcher, tracker)
        try:
            events += self.act(dispatcher, tracker, domain, turn)
        except Exception:
            log.exception(
                "Action %s failed in conversation %s", self.name(), tracker.sender_id
            )
            events += self._safe_failure(dispatcher, tracker, domain)
        return without_idle_clears(slots, events) if self.DROPS_IDLE_CLEARS else events

    def _safe_failure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            return self.on_failure(dispatcher, tracker, domain)
        except Exception:  # the last line of defence: still say something
            log.exception("on_failure of %s failed", self.name())
            dispatcher.utter_message(response="utter_service_unavailable")
            return []

    def metadata(self, tracker: Tracker) -> Mapping[str, Any] | None:
        return latest_metadata(tracker)

    def begin_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> tuple[Turn, list[EventType]]:
        """Identity, the fallback counter and unseen replies. Never raises."""
        events: list[EventType] = []
        token_buyer = self._token_buyer(tracker)
        slot_buyer = tracker.get_slot("buyer_id")
        if token_buyer is not None and slot_buyer != token_buyer:
            events.append(SlotSet("buyer_id", token_buyer))
        intent = (tracker.latest_message or {}).get("intent", {}).get("name")
        if intent != NLU_FALLBACK and (tracker.get_slot("fallback_count") or 0):
            events.append(SlotSet("fallback_count", 0))
        if tracker.get_slot(DAMAGE_REMEDY_PENDING_SLOT) is not None:
            events.append(SlotSet(DAMAGE_REMEDY_PENDING_SLOT, None))
        turn = Turn(
            conversation_id=conversation_key(tracker.sender_id),
            token_buyer_id=token_buyer,
            buyer_id=token_buyer
            or (slot_buyer if isinstance(slot_buyer, str) else None),
            intent=intent,
            text=clean_text(
                (tracker.latest_message or {}).get("text"), MAX_QUESTION_CHARS
            ),
            now=self._now(),
            client_key=client_key_from(self.metadata(tracker)),
            language=language_or_english(tracker.get_slot("language")),
        )
        self.deliver_replies(dispatcher, turn)
        return turn, events

    def _now(self) -> datetime:
        try:
            return self.services.now()
        except Exception:
            log.exception("The clock (CSBA_NOW) is unusable; using the real time")
            return datetime.now(timezone.utc)

    def _token_buyer(self, tracker: Tracker) -> str | None:
        try:
            identity = self.services.identity(self.metadata(tracker), tracker.sender_id)
        except Exception:
            log.exception("Could not check the buyer's token")
            return None
        return identity.buyer_id if identity is not None else None

    def deliver_replies(self, dispatcher: CollectingDispatcher, turn: Turn) -> None:
        """Show the seller's and agents' replies the buyer has not seen, once."""
        from actions.ratings import ask_about_answered_cases
        from bot.domain.model import MessageAuthor
        from bot.services.cases import mark_delivered, undelivered_replies

        try:
            with self.services.session() as session:
                pairs = undelivered_replies(
                    session, conversation_id=turn.conversation_id
                )
                for case, message in pairs:
                    dispatcher.utter_message(
                        response="utter_agent_reply"
                        if message.author is MessageAuthor.AGENT
                        else "utter_seller_reply",
                        case_number=str(case.id),
                        reply_text=clean_text(message.text, MAX_QUOTE_CHARS),
                    )
                mark_delivered(
                    session, message_ids=[m.id for _, m in pairs], now=turn.now
                )
                answered = [case.id for case, _ in pairs]
                ask_about_answered_cases(
                    dispatcher, session, turn.conversation_id, answered, turn.now
                )
        except Exception:
            # The action's own work meets the same problem and tells the buyer.
            log.exception("Could not deliver case replies to %s", turn.conversation_id)

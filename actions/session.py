"""Conversation housekeeping: the start of a session, and small-talk turns.

`action_session_start` (replacing Rasa's default) starts the session as Rasa
does (no slot carries over, see domain.yml), then sets the verified buyer from
the token the channel put in the session's metadata, brings back a live
hand-off that is still open (slot `handoff`), and delivers the seller and agent
replies the buyer has not seen yet.

`action_check_updates` is the custom action of small-talk turns (greet, thanks,
goodbye, yes/no out of context, out of scope): as a CsbaAction it delivers
unseen replies at the buyer's next message, whatever that message is. A "no"
and an out-of-scope message run `action_small_talk` instead
(actions/small_talk.py), which may find they are not small talk.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.base import SESSION_METADATA_SLOT, CsbaAction, Turn
from actions.handoff import restored_handoff
from bot.services.chat_access import METADATA_KEY, PAGE_LANGUAGE_KEY
from bot.services.languages import account_language, buyer_language

ACTION_LISTEN = "action_listen"
log = logging.getLogger(__name__)


class ActionSessionStart(CsbaAction):
    def name(self) -> str:
        return "action_session_start"

    def metadata(self, tracker: Tracker) -> Mapping[str, Any] | None:
        # The message that starts the session is not in the tracker yet; Rasa
        # puts its metadata in this slot before running the action.
        metadata = tracker.get_slot(SESSION_METADATA_SLOT)
        return metadata if isinstance(metadata, Mapping) else None

    def _run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # SessionStarted resets every slot, so it must come before the slots set
        # by begin_turn (the verified buyer).
        turn, events = self.begin_turn(dispatcher, tracker)
        session_events: list[EventType] = [SessionStarted()]
        metadata = self.metadata(tracker)
        if metadata is not None:
            session_events.append(SlotSet(SESSION_METADATA_SLOT, dict(metadata)))
        if turn.token_buyer_id is not None:
            session_events.append(SlotSet("buyer_id", turn.token_buyer_id))
            session_events += self._account_language(turn.token_buyer_id)
        if not any(e.get("name") == "language" for e in session_events):
            # the language the buyer's widget shows (its page's, their browser's)
            # until their words or an explicit request say otherwise
            csba = (metadata or {}).get(METADATA_KEY)
            hint = csba.get(PAGE_LANGUAGE_KEY) if isinstance(csba, Mapping) else None
            shown = buyer_language(hint)
            if shown is not None:
                session_events.append(SlotSet("language", shown))
        # A person may still have the chat: no slot carries over, so the live
        # hand-off's state comes back from the database.
        session_events += restored_handoff(self.services, turn.conversation_id)
        return session_events + [ActionExecuted(ACTION_LISTEN)]

    def _account_language(self, buyer_id: str) -> list[EventType]:
        """A verified buyer is answered in their account's language (issue 16);
        only an explicit request changes it (bot.nlp.language). With the
        database down the session still starts, in the detected language."""
        try:
            with self.services.session() as session:
                language = account_language(session, buyer_id)
        except SQLAlchemyError:
            log.warning("No account language for %s: database unavailable", buyer_id)
            return []
        return [SlotSet("language", language)] if language else []

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:  # pragma: no cover - _run does the work
        return []


class ActionCheckUpdates(CsbaAction):
    def name(self) -> str:
        return "action_check_updates"

    def act(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        turn: Turn,
    ) -> list[EventType]:
        return []
